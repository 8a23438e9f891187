/**
 * The `k8s.v1.cni.cncf.io/network-status` entries (spec section 6, the Go
 * reference's `v1.NetworkStatus`) and KubeVirt's `kubevirt.io/network-info`
 * document as TypeScript types, each field documented. Written out by hand,
 * not inferred from the zod schemas (`./schema.ts`), so that the API
 * reference lists the fields; `test/types/schema-types.test.ts` proves them
 * equal to the schemas' `z.infer` both ways.
 *
 * Every object is open (`[key: string]: unknown`): the annotation is shared
 * with other writers, so keys this package does not know are kept.
 *
 * @packageDocumentation
 */

import type { DeviceInfo } from "../format/types.js";

/** The `dns` object of a network-status entry (Go's `v1.DNS`, the CNI result's DNS). */
export interface NetworkStatusDNS {
  /** The DNS servers, in order of preference (IPv4 or IPv6 addresses). */
  nameservers?: string[] | undefined;
  /** The local domain used for short host names. */
  domain?: string | undefined;
  /** The search domains, in order. */
  search?: string[] | undefined;
  /** Resolver options, e.g. `ndots:2`. */
  options?: string[] | undefined;
  /** Keys this package does not know, kept as read. */
  [key: string]: unknown;
}

/**
 * One entry of the `k8s.v1.cni.cncf.io/network-status` annotation (Go's
 * `v1.NetworkStatus`, keys in Go's field order). `name` is always present (it
 * may be `""`); keys this package does not know (the legacy `device` key,
 * other writers' keys) are kept as ordinary properties.
 */
export interface NetworkStatus {
  /** The network's name, `<namespace>/<NetworkAttachmentDefinition>` (or the cluster network's name). */
  name: string;
  /** The interface's name in the pod, e.g. `net1`. */
  interface?: string | undefined;
  /** The interface's addresses, without prefix length (`10.56.217.10`). */
  ips?: string[] | undefined;
  /** The interface's MAC address. */
  mac?: string | undefined;
  /** The interface's MTU (Go's `int`: a `bigint` beyond 2^53, kept exact). */
  mtu?: number | bigint | undefined;
  /** Whether this is the pod's default network (the one that holds the default route). */
  default?: boolean | undefined;
  /** The DNS settings the CNI result gave. */
  dns?: NetworkStatusDNS | undefined;
  /** The interface's device-info (spec 6.1): what the CNI plugin found in the `CNIDeviceInfoFile`. */
  "device-info"?: DeviceInfo | undefined;
  /** The gateways of the interface's IP configurations. */
  gateway?: string[] | undefined;
  /** Keys this package does not know, kept as read. */
  [key: string]: unknown;
}

/** One interface of KubeVirt's `kubevirt.io/network-info` document. */
export interface KubeVirtInterface {
  /** The network's name in the VMI spec. */
  network: string;
  /** The interface's device-info, when the network has one. */
  deviceInfo?: DeviceInfo | undefined;
  /** The interface's MAC address. */
  mac?: string | undefined;
  /** The interface's MTU. */
  mtu?: number | undefined;
  /** Keys this package does not know, kept as read. */
  [key: string]: unknown;
}

/** KubeVirt's `kubevirt.io/network-info` document, as projected into the virt-launcher pod. */
export interface KubeVirtNetworkInfo {
  /** One entry per interface of the VMI. */
  interfaces: KubeVirtInterface[];
  /** Keys this package does not know, kept as read. */
  [key: string]: unknown;
}
