/**
 * Reading device-info text: liberal in what it accepts (everything the Go
 * reference accepts, deviations reported as warnings), strict on request.
 */

import { callback, checkOptionsWith, flag, type OptionRules } from "../base/args.js";
import { type DeviceInfoIssue, IssueCollector, reportWarnings } from "../base/issues.js";
import { foldGoObject, GO_DEVICE_INFO } from "./_go-decode.js";
import { hasDuplicateKeys, isJsonText, readGoJson } from "./_go-text.js";
import { invalidDeviceInfo } from "./_invalid.js";
import type { DeviceInfo } from "./schema.js";
import { type CheckedDeviceInfo, checkDeviceInfo, isObject } from "./validate.js";

/**
 * Options shared by every reader and writer that validates (`strict`,
 * `onWarning`). Not to be confused with `ValidateOptions`, the `strict`-only
 * options of `validateDeviceInfo`, which returns its warnings.
 */
export interface ValidationOptions {
  /**
   * `false` (default for readers): deviations from the spec are warnings.
   * `true`: they are errors (`ERR_DEVINFO_INVALID`).
   */
  strict?: boolean | undefined;
  /** Called once per warning (never in strict mode, where warnings are errors). */
  onWarning?: ((warning: DeviceInfoIssue) => void) | undefined;
}

/** The rule of each {@link ValidationOptions} option. @internal */
export const VALIDATION_OPTION_RULES: OptionRules<ValidationOptions> = { strict: flag, onWarning: callback };
/** `options` of {@link parseDeviceInfo} and the annotation parsers. @internal */
export const checkValidationOptions = (o: ValidationOptions | undefined): ValidationOptions | undefined =>
  checkOptionsWith(o, VALIDATION_OPTION_RULES);

/**
 * Parses and validates a device-info document.
 *
 * `input` is JSON text (a string), UTF-8 bytes (a `Buffer`, any typed array or
 * `DataView`, or an `ArrayBuffer`), or a value already parsed. Text is
 * decoded as Go decodes it: each invalid UTF-8 byte and each lone surrogate
 * becomes U+FFFD, so a load-then-save writes the bytes Go would. Returns the document itself: known fields in Go's
 * order, unknown keys kept as ordinary enumerable properties (so `{ ...info }`
 * keeps them), `null` fields dropped. The input is not modified.
 *
 * In the default lenient mode the value is returned even when it deviates
 * from the spec, each deviation reported through `onWarning`; its type then
 * promises more than the document holds (a missing `pci-address`, say), so
 * pass `strict: true` when you rely on required fields.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for text that is not
 *   JSON (including a UTF-8 byte order mark, which Go rejects, and nesting
 *   deeper than Go's 10,000 levels), and
 *   `ERR_DEVINFO_INVALID` for a document that is not an object or has a known
 *   field of the wrong JSON type (and, in strict mode, for any deviation).
 *
 * @example
 * ```ts
 * const info = parseDeviceInfo('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}');
 * if (info.type === "pci") console.log(info.pci["pci-address"]);
 * ```
 */
export function parseDeviceInfo(input: unknown, options: ValidationOptions = {}): DeviceInfo {
  checkValidationOptions(options);
  return parseDocument(input, options, undefined);
}

/**
 * parseDeviceInfo with the file name that errors should carry.
 *
 * @internal
 */
export function parseDocument(input: unknown, options: ValidationOptions, file: string | undefined): DeviceInfo {
  const doc = isJsonText(input) ? readGoJson(input, { what: "", hint: DEVICE_INFO_HINT, file }) : input;
  const checked = checkReadDocument(doc, options.strict === true);
  if (checked.value === undefined) throw invalidDeviceInfo(checked.errors, { action: "read", path: file, strict: options.strict });
  reportWarnings(checked.warnings, options.onWarning);
  return checked.value;
}

/**
 * `checkDeviceInfo` of a document read from text, with the keys the text
 * wrote twice (which JSON.parse merges) decoded as Go decodes them: the
 * check every reader of device-info text makes, the CLI's included.
 *
 * @internal
 */
export function checkReadDocument(doc: unknown, strict: boolean): CheckedDeviceInfo {
  if (!isObject(doc) || !hasDuplicateKeys(doc)) return checkDeviceInfo(doc, strict);
  const decoded = new IssueCollector(strict);
  const checked = checkDeviceInfo(foldGoObject(doc, GO_DEVICE_INFO, [], decoded), strict);
  const errors = [...decoded.errors, ...checked.errors];
  const warnings = [...decoded.warnings, ...checked.warnings];
  return errors.length > 0 ? { valid: false, errors, warnings, value: undefined } : { ...checked, warnings };
}

const DEVICE_INFO_HINT = `a device-info file holds one JSON object, e.g. {"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}`;
