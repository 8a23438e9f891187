/**
 * `devinfo/network-status`: the pod's `k8s.v1.cni.cncf.io/network-status`
 * annotation (spec 6): entries built from CNI results as Go's
 * `CreateNetworkStatuses` builds them, device-info derived from CNI 1.1
 * results, and parsing, merging and writing the annotation. The same
 * functions as the root entry.
 *
 * @packageDocumentation
 * @module devinfo/network-status
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
export type { DeviceInfo, DeviceType } from "./format/schema.js";
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
export { mergeNetworkStatus, type NetworkStatusTarget, setNetworkStatusDeviceInfo } from "./status/merge-network-status.js";
export { NETWORK_STATUS_ANNOTATION, OLD_NETWORK_STATUS_ANNOTATION } from "./status/network-status.js";
export { parseNetworkStatusAnnotation } from "./status/parse-network-status.js";
export type { NetworkStatus, NetworkStatusDNS } from "./status/schema.js";
export { serializeNetworkStatusAnnotation } from "./status/serialize-network-status.js";
