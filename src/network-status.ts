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

export * from "./_annotation.js";
export * from "./_cni-result.js";
export * from "./_format.js";
export { type DeviceInfoFromCNIResultOptions, deviceInfoFromCNIResult } from "./status/cni-result.js";
export { type CreateNetworkStatusOptions, createNetworkStatus, createNetworkStatuses } from "./status/create-network-status.js";
export { mergeNetworkStatus, type NetworkStatusTarget, setNetworkStatusDeviceInfo } from "./status/merge-network-status.js";
export { OLD_NETWORK_STATUS_ANNOTATION } from "./status/network-status.js";
export { serializeNetworkStatusAnnotation } from "./status/serialize-network-status.js";
