/**
 * `devinfo/workload`: what a pod's workload needs to find its devices
 * (spec 6): the network-status annotation read from the Downward API volume
 * (waiting for it to appear), the device-info of one attachment, and
 * KubeVirt's network-info. The same functions as the root entry.
 *
 * @packageDocumentation
 * @module devinfo/workload
 */

export {
  DeviceInfoError,
  type DeviceInfoErrorCode,
  type DeviceInfoErrorDetails,
  type DeviceInfoErrorJSON,
  isDeviceInfoError,
} from "./base/errors.js";
export type { DeviceInfoIssue, DeviceInfoIssueCode } from "./base/issues.js";
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
export { parseDownwardAPIAnnotations } from "./status/downward-api.js";
export { NETWORK_STATUS_ANNOTATION } from "./status/network-status.js";
export { parseNetworkStatusAnnotation } from "./status/parse-network-status.js";
export type { KubeVirtInterface, KubeVirtNetworkInfo, NetworkStatus, NetworkStatusDNS } from "./status/schema.js";
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
