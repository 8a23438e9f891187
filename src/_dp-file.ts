// The device plugin's file paths and write options: devinfo/device-plugin and
// devinfo/meta-plugin both export them (one list, `export *` in each).

export type { SaveOptions } from "./files/operations.js";
export { DEFAULT_BASE_DIR, getDPDeviceInfoPath, type PathOptions } from "./files/paths.js";
