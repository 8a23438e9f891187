// Reading the CNI device-info file: devinfo/cni-plugin and
// devinfo/meta-plugin both export it (one list, `export *` in each).

export { loadDeviceInfoFromCNI, loadDeviceInfoFromCNISync } from "./files/operations.js";
