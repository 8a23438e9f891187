/**
 * `devinfo/device-plugin`: what a device plugin needs (spec 4.1): write,
 * read and remove the file of each device it advertises, and the paths
 * computed as the Go reference computes them. The same functions as the root
 * entry, in a smaller module.
 *
 * @packageDocumentation
 * @module devinfo/device-plugin
 */

export * from "./_dp-file.js";
export * from "./_format.js";
export {
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  loadDeviceInfoFromDP,
  loadDeviceInfoFromDPSync,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
} from "./files/operations.js";
export { parseDeviceInfo } from "./format/parse.js";
export { type SerializeOptions, serializeDeviceInfo } from "./format/serialize.js";
export { type DeviceInfoValidation, type ValidateOptions, validateDeviceInfo } from "./format/validate.js";
