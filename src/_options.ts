/**
 * The options tables of the public API: one per options interface, each
 * naming every option (a missing one is a compile error, see
 * {@link OptionRules}), checked at the entry of every public function before
 * anything touches the file system. Type imports only: no module is loaded.
 *
 * @internal
 * @module
 */

import {
  abortSignal,
  anyValue,
  byteCount,
  callback,
  checkBoolean,
  checkObject,
  checkOptions,
  checkOptionsWith,
  checkString,
  flag,
  invalidArgType,
  milliseconds,
  nestedOptions,
  type OptionRules,
  oneOf,
  positiveNumber,
  record,
  text,
} from "./base/args.js";
import type { LoadOptions, SaveOptions, UpdateOptions } from "./files/operations.js";
import type { PathOptions } from "./files/paths.js";
import type { ValidationOptions } from "./format/parse.js";
import type { SerializeOptions } from "./format/serialize.js";
import type { ValidateOptions } from "./format/validate.js";
import type { BuildPluginStdinOptions, PrepareOptions } from "./roles/meta-plugin.js";
import type { DeviceInfoFromCNIResultOptions } from "./status/cni-result.js";
import type { CreateNetworkStatusOptions } from "./status/create-network-status.js";
import type { ReadPodNetworkStatusOptions, WaitForPodNetworkStatusOptions } from "./status/workload.js";

const PATH: OptionRules<PathOptions> = { baseDir: text };
const VALIDATION: OptionRules<ValidationOptions> = { strict: flag, onWarning: callback };
const VALIDATE: OptionRules<ValidateOptions> = { strict: flag };
const LOAD: OptionRules<LoadOptions> = { ...PATH, ...VALIDATION, maxBytes: byteCount };
const SAVE: OptionRules<SaveOptions> = { ...LOAD, overwrite: flag, durable: flag };
const UPDATE: OptionRules<UpdateOptions> = { ...LOAD, durable: flag, lockTimeoutMs: milliseconds, lockStaleMs: milliseconds };
const PREPARE: OptionRules<PrepareOptions> = { ...LOAD, durable: flag, kubelet: nestedOptions };
const SERIALIZE: OptionRules<SerializeOptions> = { unknownKeys: oneOf("keep", "drop") };
const READ_POD: OptionRules<ReadPodNetworkStatusOptions> = { ...VALIDATION, maxBytes: byteCount };
const WAIT_POD: OptionRules<WaitForPodNetworkStatusOptions> = {
  ...READ_POD,
  timeoutMs: milliseconds,
  intervalMs: positiveNumber,
  until: callback,
  signal: abortSignal,
};
const STDIN: OptionRules<BuildPluginStdinOptions> = { index: byteCount, capabilityArgs: record, prevResult: anyValue };
const CREATE_STATUS: OptionRules<CreateNetworkStatusOptions> = { omitNil: flag, keepWithoutSandbox: flag, confVersion: text };
const FROM_RESULT: OptionRules<DeviceInfoFromCNIResultOptions> = {
  vhostUserMode: oneOf("client", "server"),
  confVersion: text,
  onWarning: callback,
};

/** `options` of the path functions. */
export const checkPathOptions = (o: PathOptions | undefined): PathOptions | undefined => checkOptionsWith(o, PATH);
/** `options` of {@link parseDeviceInfo} and the annotation parsers. */
export const checkValidationOptions = (o: ValidationOptions | undefined): ValidationOptions | undefined => checkOptionsWith(o, VALIDATION);
/** `options` of {@link validateDeviceInfo}. */
export const checkValidateOptions = (o: ValidateOptions | undefined): ValidateOptions | undefined => checkOptionsWith(o, VALIDATE);
/** `options` of every reader. */
export const checkLoadOptions = (o: LoadOptions | undefined): LoadOptions | undefined => checkOptionsWith(o, LOAD);
/** `options` of every writer. */
export const checkSaveOptions = (o: SaveOptions | undefined): SaveOptions | undefined => checkOptionsWith(o, SAVE);
/** `options` of the updates. */
export const checkUpdateOptions = (o: UpdateOptions | undefined): UpdateOptions | undefined => checkOptionsWith(o, UPDATE);
/** `options` of {@link prepareDeviceInfo}. */
export const checkPrepareOptions = (o: PrepareOptions | undefined): PrepareOptions | undefined => checkOptionsWith(o, PREPARE);
/** `options` of {@link serializeDeviceInfo}. */
export const checkSerializeOptions = (o: SerializeOptions | undefined): SerializeOptions | undefined => checkOptionsWith(o, SERIALIZE);
/** `options` of {@link readPodNetworkStatus} and {@link readKubeVirtNetworkInfo}. */
export const checkReadPodOptions = (o: ReadPodNetworkStatusOptions | undefined): ReadPodNetworkStatusOptions | undefined =>
  checkOptionsWith(o, READ_POD);
/** `options` of {@link waitForPodNetworkStatus} (required: `timeoutMs` has no default). */
export function checkWaitPodOptions(o: WaitForPodNetworkStatusOptions): WaitForPodNetworkStatusOptions {
  const options = checkOptionsWith(o, WAIT_POD);
  if (options === undefined) throw invalidArgType("options", "of type object", o);
  if (options.timeoutMs === undefined) milliseconds(options.timeoutMs, "options.timeoutMs");
  return options;
}
/** `options` of {@link buildPluginStdin}. */
export const checkStdinOptions = (o: BuildPluginStdinOptions | undefined): BuildPluginStdinOptions | undefined =>
  checkOptionsWith(o, STDIN);
/** `options` of {@link createNetworkStatus} and {@link createNetworkStatuses}. */
export const checkCreateStatusOptions = (o: CreateNetworkStatusOptions | undefined): CreateNetworkStatusOptions | undefined =>
  checkOptionsWith(o, CREATE_STATUS);
/** `options` of {@link deviceInfoFromCNIResult}. */
export const checkFromResultOptions = (o: DeviceInfoFromCNIResultOptions | undefined): DeviceInfoFromCNIResultOptions | undefined =>
  checkOptionsWith(o, FROM_RESULT);

// ---------------------------------------------------------------------------
// Whole argument lists of the network-status and workload functions, one call
// at each entry (their modules are busy; one line each keeps them readable).

/** {@link createNetworkStatus} / {@link createNetworkStatuses} (the CNI result and the device-info are data, checked as such). */
export function checkCreateStatusArgs(networkName: unknown, isDefault: unknown, options: CreateNetworkStatusOptions | undefined): void {
  checkString(networkName, "networkName");
  checkBoolean(isDefault, "isDefault");
  checkCreateStatusOptions(options);
}

/** {@link setNetworkStatusDeviceInfo}: the target (the statuses and the device-info are data, checked as such). */
export function checkSetDeviceInfoArgs(target: unknown): void {
  checkObject(target, "target");
  const { network, interface: ifName } = target as { network?: unknown; interface?: unknown };
  checkString(network, "target.network");
  if (ifName !== undefined) checkString(ifName, "target.interface");
}

/** {@link deviceInfoFor}: the selector, an options-like object (the statuses are data, checked as such). */
export function checkSelector(selector: object | undefined): void {
  const s = checkOptions(selector, "selector") as { network?: unknown; interface?: unknown } | undefined;
  if (s?.network !== undefined) checkString(s.network, "selector.network");
  if (s?.interface !== undefined) checkString(s.interface, "selector.interface");
}

/** {@link deviceInfoFromCNIResult} (the CNI result is data: any value, checked as a result). */
export function checkFromResultArgs(ifName: unknown, options: DeviceInfoFromCNIResultOptions | undefined): void {
  if (ifName !== undefined) checkString(ifName, "ifName");
  checkFromResultOptions(options);
}
