/**
 * The zod schemas of the Device Information Format v1.1.0 (spec section 3).
 * Their types, written out in `./types.ts`, are re-exported here; a type test
 * proves each equal to the schema's `z.infer`.
 *
 * These schemas describe a *conforming* document: they are what
 * `strict: true` enforces. The package's own readers and writers do not load
 * zod (it would add about 90 ms to every CNI plugin start); they use a small
 * table-driven validator that a test keeps in agreement with these schemas.
 * Import them from `devinfo/schema` when you want zod itself, for example to
 * compose them into your own schemas or to emit a JSON Schema.
 *
 * Every object is loose: keys the spec does not define are kept, so new spec
 * fields survive a round trip.
 */

import * as z from "zod";
import { DEVICE_FIELDS, goFieldMatch, PCI_ADDRESS_PATTERN, SPEC_VERSION_PATTERN, TOP_LEVEL_KEYS } from "./fields.js";

const pciAddress = z.string().regex(PCI_ADDRESS_PATTERN, "must be a PCI address in dddd:BB:DD.f form");
// An optional field set to "" is absent for Go (omitempty) and for the validator.
const optionalPciAddress = z.union([pciAddress, z.literal("")]).optional();
const requiredString = z.string().min(1);

/**
 * Go's decoder reads "PCI" as "pci" (it matches keys case-insensitively), so
 * a key that differs from a known one only in case is not an unknown key but
 * a misspelt known one: a deviation, as in the validator's strict mode.
 */
function noCaseVariants(known: readonly string[]) {
  const keys = new Set(known);
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    for (const key of Object.keys(value)) {
      const match = goFieldMatch(key, keys);
      if (match !== undefined && match !== key) {
        ctx.addIssue({ code: "custom", path: [key], message: `key "${key}" is read as "${match}" by Go; write "${match}"` });
      }
    }
  };
}

/** The `pci` sub-object (spec 3.1.3). */
export const PciDeviceSchema = z
  .looseObject({
    "pci-address": pciAddress,
    "vhost-net": z.string().optional(),
    "rdma-device": z.string().optional(),
    "pf-pci-address": optionalPciAddress,
    "representor-device": z.string().optional(),
  })
  .superRefine(noCaseVariants(DEVICE_FIELDS.pci.map((f) => f.key)));

/** The `vdpa` sub-object (spec 3.1.4). */
export const VdpaDeviceSchema = z
  .looseObject({
    "parent-device": requiredString,
    driver: z.enum(["vhost", "virtio"]),
    path: requiredString.startsWith("/", "must be an absolute path"),
    "pci-address": optionalPciAddress,
    "pf-pci-address": optionalPciAddress,
    "representor-device": z.string().optional(),
  })
  .superRefine(noCaseVariants(DEVICE_FIELDS.vdpa.map((f) => f.key)));

/** The `vhost-user` sub-object (spec 3.1.5). */
export const VhostUserDeviceSchema = z
  .looseObject({
    mode: z.enum(["client", "server"]),
    path: requiredString,
  })
  .superRefine(noCaseVariants(DEVICE_FIELDS["vhost-user"].map((f) => f.key)));

/** The `memif` sub-object (spec 3.1.6). */
export const MemifDeviceSchema = z
  .looseObject({
    role: z.enum(["master", "slave"]),
    path: requiredString,
    mode: z.enum(["ethernet", "ip", "inject-punt"]),
  })
  .superRefine(noCaseVariants(DEVICE_FIELDS.memif.map((f) => f.key)));

const version = z.string().regex(SPEC_VERSION_PATTERN, "must be MAJOR.MINOR.PATCH with major version 1");

// Any document may carry the other sub-objects too (Go keeps them); only the
// one named by `type` is required.
const otherDevices = {
  pci: PciDeviceSchema.optional(),
  vdpa: VdpaDeviceSchema.optional(),
  "vhost-user": VhostUserDeviceSchema.optional(),
  memif: MemifDeviceSchema.optional(),
};

const topLevelCaseVariants = noCaseVariants(TOP_LEVEL_KEYS);

/** A device-info document describing a PCI device. */
export const PciDeviceInfoSchema = z
  .looseObject({
    ...otherDevices,
    type: z.literal("pci"),
    version,
    pci: PciDeviceSchema,
  })
  .superRefine(topLevelCaseVariants);

/** A device-info document describing a vDPA device. */
export const VdpaDeviceInfoSchema = z
  .looseObject({
    ...otherDevices,
    type: z.literal("vdpa"),
    version,
    vdpa: VdpaDeviceSchema,
  })
  .superRefine(topLevelCaseVariants);

/** A device-info document describing a vhost-user socket. */
export const VhostUserDeviceInfoSchema = z
  .looseObject({
    ...otherDevices,
    type: z.literal("vhost-user"),
    version,
    "vhost-user": VhostUserDeviceSchema,
  })
  .superRefine(topLevelCaseVariants);

/** A device-info document describing a memif socket. */
export const MemifDeviceInfoSchema = z
  .looseObject({
    ...otherDevices,
    type: z.literal("memif"),
    version,
    memif: MemifDeviceSchema,
  })
  .superRefine(topLevelCaseVariants);

/** A device-info document: a discriminated union on `type`. */
export const DeviceInfoSchema = z.discriminatedUnion("type", [
  PciDeviceInfoSchema,
  VdpaDeviceInfoSchema,
  VhostUserDeviceInfoSchema,
  MemifDeviceInfoSchema,
]);

// The types are written out in ./types.ts (so the API reference lists their
// fields); test/types/schema-types.test-d.ts proves them equal to
// z.infer<typeof ...Schema> both ways.
export type {
  DeviceInfo,
  DeviceType,
  MemifDevice,
  MemifDeviceInfo,
  PciDevice,
  PciDeviceInfo,
  VdpaDevice,
  VdpaDeviceInfo,
  VhostUserDevice,
  VhostUserDeviceInfo,
} from "./types.js";
