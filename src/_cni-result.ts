// The CNI result types: devinfo/cni-plugin and devinfo/network-status both
// export them (one list, `export *` in each).

export type { CNIDNS, CNIInterface, CNIIPConfig, CNILegacyIPConfig, CNIResult, CNIRoute } from "./status/cni-result.js";
