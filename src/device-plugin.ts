/**
 * `devinfo/device-plugin`: what a device plugin needs (spec 4.1): write,
 * read and remove the file of each device it advertises, and the paths
 * computed as the Go reference computes them. The same functions as the root
 * entry, in a smaller module.
 *
 * @packageDocumentation
 * @module devinfo/device-plugin
 */

export {
  DeviceInfoError,
  type DeviceInfoErrorCode,
  type DeviceInfoErrorDetails,
  type DeviceInfoErrorJSON,
  isDeviceInfoError,
} from "./base/errors.js";
export type { DeviceInfoIssue, DeviceInfoIssueCode } from "./base/issues.js";
export {
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  type LoadOptions,
  loadDeviceInfoFromDP,
  loadDeviceInfoFromDPSync,
  type SaveOptions,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
} from "./files/operations.js";
export { DEFAULT_BASE_DIR, getDPDeviceInfoPath, type PathOptions } from "./files/paths.js";
export { SPEC_VERSION } from "./format/fields.js";
export { parseDeviceInfo, type ValidationOptions } from "./format/parse.js";
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
export { type SerializeOptions, serializeDeviceInfo } from "./format/serialize.js";
export { type DeviceInfoValidation, type ValidateOptions, validateDeviceInfo } from "./format/validate.js";
