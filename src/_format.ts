// The device-info format's names every role entry exports (devinfo/cni-plugin,
// device-plugin, meta-plugin, network-status, workload): one list,
// re-exported with `export *` by each.

export * from "./_errors.js";
export type { LoadOptions } from "./files/operations.js";
export { SPEC_VERSION } from "./format/fields.js";
export type { ValidationOptions } from "./format/parse.js";
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
} from "./format/schema.js";
