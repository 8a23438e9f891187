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

export * from "./_cni-file.js";
export * from "./_dp-file.js";
export * from "./_dra-attachment.js";
export * from "./_format.js";
export {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
} from "./files/operations.js";
export { getCNIDeviceInfoPath } from "./files/paths.js";
export {
  type Attachment,
  type AttachmentRequest,
  type BuildPluginStdinOptions,
  buildPluginStdin,
  CNI_DEVICE_INFO_FILE_CAPABILITY,
  CNI_DEVICE_INFO_UUID_NAMESPACE,
  collectDeviceInfo,
  type DeviceInfoCapabilityArgs,
  declaresCapability,
  getCNIDeviceInfoFileName,
  injectRuntimeConfig,
  type NetConfInput,
  type PreparedDeviceInfo,
  type PrepareOptions,
  prepareDeviceInfo,
  releaseDeviceInfo,
} from "./roles/meta-plugin.js";
