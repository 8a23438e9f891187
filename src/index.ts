/**
 * devinfo: the Kubernetes Network Plumbing Working Group's Device Information
 * Specification v1.1.0 for TypeScript device plugins, meta-plugins, CNI
 * plugins and workloads, compatible byte for byte with the Go reference.
 *
 * This entry point never loads zod (see `devinfo/schema` for the schemas).
 *
 * @packageDocumentation
 * @module devinfo
 */

export {
  CNIError,
  DeviceInfoError,
  type DeviceInfoErrorCode,
  type DeviceInfoErrorDetails,
  type DeviceInfoErrorJSON,
  isCNIError,
  isDeviceInfoError,
} from "./base/errors.js";
export type { DeviceInfoIssue, DeviceInfoIssueCode } from "./base/issues.js";
export {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  type DeviceInfoUpdater,
  type DeviceInfoUpdaterSync,
  type LoadOptions,
  loadDeviceInfoFromCNI,
  loadDeviceInfoFromCNISync,
  loadDeviceInfoFromDP,
  loadDeviceInfoFromDPSync,
  type SaveOptions,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
  type UpdateOptions,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "./files/operations.js";
export { DEFAULT_BASE_DIR, getCNIDeviceInfoPath, getDPDeviceInfoPath, type PathOptions } from "./files/paths.js";
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
// Roles: the CNI plugin side, spec 5.1.2, and the CNI protocol for plugin executables.
export {
  addDeviceInfoFields,
  addDeviceInfoFieldsSync,
  type DeviceInfoFields,
  getCNIDeviceInfoFile,
  type SaveIfAbsentResult,
  saveDeviceInfoIfAbsent,
  saveDeviceInfoIfAbsentSync,
} from "./roles/cni-plugin.js";
export {
  CNI_ERROR,
  type CNIGCAttachment,
  type CNINetConf,
  type CNIPlugin,
  type CNIPluginArgs,
  type CNIPluginIO,
  DEFAULT_MAX_STDIN_BYTES,
  pluginMain,
} from "./roles/cni-skel.js";
// Roles: the meta-plugin (NPWG implementation) side, spec 4.2.1, 5.1.1, 6.1.1.
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
// Network status (spec 6): the network-status annotation, CNI results, the Downward API, the workload side.
export {
  type CNIDNS,
  type CNIInterface,
  type CNIIPConfig,
  type CNILegacyIPConfig,
  type CNIResult,
  type CNIRoute,
  type DeviceInfoFromCNIResultOptions,
  deviceInfoFromCNIResult,
} from "./status/cni-result.js";
export { type CreateNetworkStatusOptions, createNetworkStatus, createNetworkStatuses } from "./status/create-network-status.js";
export { parseDownwardAPIAnnotations } from "./status/downward-api.js";
export { mergeNetworkStatus, type NetworkStatusTarget, setNetworkStatusDeviceInfo } from "./status/merge-network-status.js";
export { NETWORK_STATUS_ANNOTATION, OLD_NETWORK_STATUS_ANNOTATION } from "./status/network-status.js";
export { parseNetworkStatusAnnotation } from "./status/parse-network-status.js";
export type { KubeVirtInterface, KubeVirtNetworkInfo, NetworkStatus, NetworkStatusDNS } from "./status/schema.js";
export { serializeNetworkStatusAnnotation } from "./status/serialize-network-status.js";
export {
  type AttachmentSelector,
  DEFAULT_DOWNWARD_API_MAX_BYTES,
  DEFAULT_KUBEVIRT_NETWORK_INFO_PATH,
  DEFAULT_POD_ANNOTATIONS_PATH,
  deviceInfoFor,
  KUBEVIRT_NETWORK_INFO_ANNOTATION,
  type ReadPodNetworkStatusOptions,
  readKubeVirtNetworkInfo,
  readPodNetworkStatus,
  type WaitForPodNetworkStatusOptions,
  waitForPodNetworkStatus,
} from "./status/workload.js";
