/**
 * Kubernetes' standard device attributes (`resource.kubernetes.io/…`,
 * `k8s.io/dynamic-resource-allocation/deviceattribute`) and the rule each
 * one's value follows. The API server does not check these values; the
 * upstream helpers (`GetPCIBusIDAttribute`, `GetNUMANodeAttribute`) refuse
 * any other, and a `matchAttribute` constraint compares them as published,
 * so a value in another spelling never matches the same device elsewhere.
 */

import { checkString } from "../base/args.js";

/** The domain prefix of the standard attributes (`StandardDeviceAttributePrefix`). */
export const STANDARD_ATTRIBUTE_PREFIX = "resource.kubernetes.io/";
/** `StandardDeviceAttributePCIBusID`: a PCI address in extended BDF notation, lower case (`0000:3b:02.3`). */
export const PCI_BUS_ID_ATTRIBUTE = "resource.kubernetes.io/pciBusID";
/** `StandardDeviceAttributePCIeRoot`: the PCIe root complex, `pci<domain>:<bus>` (`pci0000:3a`). */
export const PCIE_ROOT_ATTRIBUTE = "resource.kubernetes.io/pcieRoot";
/**
 * `StandardDeviceAttributeNUMANode` (Kubernetes 1.37): the device's NUMA
 * node, an `int` from 0 to 1023, or (with `DRAListTypeAttributes`) an
 * `ints` list whose first element is the physical node and the rest the
 * equidistant nodes of the same socket. A device without NUMA affinity
 * (sysfs `-1`) does not publish it.
 */
export const NUMA_NODE_ATTRIBUTE = "resource.kubernetes.io/numaNode";
/** Upper bound (exclusive) of a NUMA node ID, as the upstream helper checks (`maxNUMANodes`). */
export const MAX_NUMA_NODES = 1024;

// verifyPCIBDFFormat in deviceattribute/pci.go: lower-case hex only.
const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$/;

/**
 * The standard spelling of a PCI address for `resource.kubernetes.io/pciBusID`:
 * the address itself when it is an extended BDF in lower case, its lower-case
 * form when it is one in upper or mixed case, `undefined` otherwise (no
 * domain, a `:` for the `.`, a vendor:device pair…).
 */
export function canonicalPCIBusID(address: string): string | undefined {
  checkString(address, "address");
  const lower = address.toLowerCase();
  return BDF.test(lower) ? lower : undefined;
}

/** Whether `value` is a NUMA node ID the upstream helper publishes. */
export function isNUMANode(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < MAX_NUMA_NODES;
}
