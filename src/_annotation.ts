// Reading the network-status annotation: devinfo/network-status and
// devinfo/workload both export it (one list, `export *` in each).

export { NETWORK_STATUS_ANNOTATION } from "./status/network-status.js";
export { parseNetworkStatusAnnotation } from "./status/parse-network-status.js";
export type { NetworkStatus, NetworkStatusDNS } from "./status/schema.js";
