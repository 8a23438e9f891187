/**
 * `devinfo/cni-plugin`: what a CNI plugin needs (spec 5.1.2): the CNI
 * protocol (`pluginMain`, like Go's `skel`), the CNI device-info file's path
 * from the plugin's configuration, and reading, adding to or writing that
 * file. The same functions as the root entry, in a smaller module a plugin
 * loads on every pod start.
 *
 * @packageDocumentation
 * @module devinfo/cni-plugin
 */

export * from "./_cni-file.js";
export * from "./_cni-result.js";
export * from "./_format.js";
export { CNIError, isCNIError } from "./base/errors.js";
export {
  type DeviceInfoUpdater,
  type DeviceInfoUpdaterSync,
  type UpdateOptions,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "./files/operations.js";
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
