/**
 * `devinfo/meta-plugin`: what a meta-plugin (an NPWG implementation such as
 * Multus) needs per attachment (spec 4.2.1, 5.1.1, 6.1.1): its unique CNI
 * device-info file, the device plugin's file copied into it, the capability
 * arguments for the chain, the document collected after it, its removal on
 * DEL, and the CNI file operations. The network-status annotation is in
 * `devinfo/network-status`. The same functions as the root entry.
 *
 * @packageDocumentation
 * @module devinfo/meta-plugin
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
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  type LoadOptions,
  loadDeviceInfoFromCNI,
  loadDeviceInfoFromCNISync,
  type SaveOptions,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
} from "./files/operations.js";
export { DEFAULT_BASE_DIR, getCNIDeviceInfoPath, getDPDeviceInfoPath, type PathOptions } from "./files/paths.js";
export { SPEC_VERSION } from "./format/fields.js";
export type { DeviceInfo, DeviceType } from "./format/schema.js";
export {
  type Attachment,
  type AttachmentRequest,
  type BuildPluginStdinOptions,
  buildPluginStdin,
  CNI_DEVICE_INFO_FILE_CAPABILITY,
  CNI_DEVICE_INFO_UUID_NAMESPACE,
  collectDeviceInfo,
  type DeviceInfoCapabilityArgs,
  type DRAAttachment,
  declaresCapability,
  getCNIDeviceInfoFileName,
  injectRuntimeConfig,
  type NetConfInput,
  type PreparedDeviceInfo,
  type PrepareOptions,
  prepareDeviceInfo,
  releaseDeviceInfo,
} from "./roles/meta-plugin.js";
