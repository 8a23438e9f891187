/**
 * `devinfo/workload`: what a pod's workload needs to find its devices
 * (spec 6): the network-status annotation read from the Downward API volume
 * (waiting for it to appear), the device-info of one attachment, and
 * KubeVirt's network-info. The same functions as the root entry.
 *
 * @packageDocumentation
 * @module devinfo/workload
 */

export * from "./_annotation.js";
export * from "./_format.js";
export { parseDownwardAPIAnnotations } from "./status/downward-api.js";
export type { KubeVirtInterface, KubeVirtNetworkInfo } from "./status/schema.js";
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
