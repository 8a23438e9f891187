/**
 * Reading device-info text: liberal in what it accepts (everything the Go
 * reference accepts, deviations reported as warnings), strict on request.
 */

import { checkValidationOptions } from "../_options.js";
import { type DeviceInfoIssue, IssueCollector, reportWarnings } from "../base/issues.js";
import { foldGoObject, GO_DEVICE_INFO } from "./_go-decode.js";
import { hasDuplicateKeys, isJsonText, readGoJson } from "./_go-text.js";
import { invalidDeviceInfo } from "./_invalid.js";
import type { DeviceInfo } from "./schema.js";
import { checkDeviceInfo, isObject } from "./validate.js";

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
  let doc = isJsonText(input) ? readGoJson(input, { what: "", hint: DEVICE_INFO_HINT, file }) : input;
  // A key written twice in the text (which JSON.parse merges) is decoded as Go decodes it, into one.
  const decoded = new IssueCollector(options.strict === true);
  if (isObject(doc) && hasDuplicateKeys(doc)) doc = foldGoObject(doc, GO_DEVICE_INFO, [], decoded);
  const checked = checkDeviceInfo(doc, options.strict === true);
  const errors = [...decoded.errors, ...checked.errors];
  if (checked.value === undefined || errors.length > 0) {
    throw invalidDeviceInfo(errors, { action: "read", path: file, strict: options.strict });
  }
  reportWarnings([...decoded.warnings, ...checked.warnings], options.onWarning);
  return checked.value;
}

const DEVICE_INFO_HINT = `a device-info file holds one JSON object, e.g. {"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}`;
