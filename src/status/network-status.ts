/**
 * The `k8s.v1.cni.cncf.io/network-status` annotation (spec section 6), one
 * module per job: the entries a meta-plugin builds from CNI results
 * (`create-network-status.ts`), the exact string Go's `SetNetworkStatus`
 * writes (`serialize-network-status.ts`), a tolerant reader
 * (`parse-network-status.ts`) and merging (`merge-network-status.ts`); the
 * reader and the writer walk one field table (`_status-fields.ts`). This
 * module names the annotation and gathers them under one path.
 */

/** The annotation Multus writes the network status to. */
export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";
/** The annotation's former name (`OldNetworkStatusAnnot`), which Multus still writes alongside. */
export const OLD_NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/networks-status";

export { type CreateNetworkStatusOptions, createNetworkStatus, createNetworkStatuses } from "./create-network-status.js";
export { mergeNetworkStatus, type NetworkStatusTarget, setNetworkStatusDeviceInfo } from "./merge-network-status.js";
export { checkStatusList, parseNetworkStatusAnnotation, parseStatusText } from "./parse-network-status.js";
export { serializeNetworkStatusAnnotation } from "./serialize-network-status.js";
