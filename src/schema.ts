/**
 * `devinfo/schema`: the zod schemas of the device-info format, and its JSON
 * Schema. A separate entry point because zod costs about 90 ms to import,
 * which every CNI plugin would otherwise pay on every pod start.
 *
 * @packageDocumentation
 * @module devinfo/schema
 */

export { PCI_ADDRESS_PATTERN, SPEC_VERSION_PATTERN } from "./format/fields.js";
export type * from "./format/schema.js";
export {
  DeviceInfoSchema,
  MemifDeviceInfoSchema,
  MemifDeviceSchema,
  PciDeviceInfoSchema,
  PciDeviceSchema,
  VdpaDeviceInfoSchema,
  VdpaDeviceSchema,
  VhostUserDeviceInfoSchema,
  VhostUserDeviceSchema,
} from "./format/schema.js";
export type * from "./status/schema.js";
export {
  KubeVirtInterfaceSchema,
  KubeVirtNetworkInfoSchema,
  NetworkStatusAnnotationSchema,
  NetworkStatusDNSSchema,
  NetworkStatusSchema,
} from "./status/schema.js";
