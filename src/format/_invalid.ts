/**
 * The one builder of the "invalid device-info" error (`ERR_DEVINFO_INVALID`)
 * and of the advice that ends its message, for every reader and writer: the
 * advice depends on the issues and on the options the caller actually gave,
 * so that nobody who passed `{ strict: false }` is told to pass it.
 *
 * @internal
 */

import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, type DeviceInfoIssueCode, describeIssues } from "../base/issues.js";

/** Issues no mode accepts: `{ strict: false }` cannot help with them. */
const ALWAYS_ERRORS: ReadonlySet<DeviceInfoIssueCode> = new Set(["not_object", "wrong_type", "unserializable"]);

/** What the refused operation was, and the options its caller gave. */
export interface InvalidContext {
  /**
   * `read`: a reader refused a document; `write`: a writer refused to write
   * it to `path`; `encode`: an encoder (no file) refused to encode it.
   */
  readonly action: "read" | "write" | "encode";
  /** The file; `undefined` for text or a value with no file. */
  readonly path?: string | undefined;
  /** The `strict` option as the caller gave it (`undefined`: not given). */
  readonly strict?: boolean | undefined;
  /** Said after "invalid device-info", e.g. why deviations are errors here. */
  readonly reason?: string | undefined;
}

/**
 * The advice for `errors`: the way to fix them, and `{ strict: false }` only
 * when every error is a deviation from the spec (the only kind it turns into
 * warnings) and the caller did not already pass it.
 */
export function invalidHint(
  errors: readonly DeviceInfoIssue[],
  context: { action: "read" | "write"; strict?: boolean | undefined },
): string {
  const fatal = errors.filter((e) => ALWAYS_ERRORS.has(e.code));
  if (fatal.length === 0) {
    if (context.strict === false) return "Fix these fields.";
    if (errors.every((e) => e.code === "lossy_json")) {
      return context.action === "read"
        ? "Give JSON data, or read with { strict: false } to accept it with a warning."
        : "Give JSON data, or pass { strict: false } to write what JSON makes of it.";
    }
    return context.action === "read"
      ? "Fix these fields, or read with { strict: false } to accept deviations from the spec as warnings."
      : "Fix these fields, or pass { strict: false } to write deviations from the spec.";
  }
  if (fatal.every((e) => e.code === "unserializable")) {
    return "Give unknown keys only values JSON holds as they are: strings, finite numbers, booleans, null, arrays and plain objects.";
  }
  const types = "a JSON object whose known fields have the types of spec v1.1.0 (strings, and objects for the sub-objects)";
  return fatal.length === errors.length
    ? `Fix the document so that it is ${types}.`
    : `Fix these fields; the wrong types are refused in every mode, the document must be ${types}.`;
}

/**
 * `ERR_DEVINFO_INVALID` for a device-info document, with the issues, the
 * file, and {@link invalidHint}'s advice: `<file>: invalid device-info: …`
 * for a reader, `refusing to write <file>: invalid device-info: …` for a
 * writer, `invalid device-info: …` for an encoder.
 */
export function invalidDeviceInfo(errors: readonly DeviceInfoIssue[], context: InvalidContext): DeviceInfoError {
  const { action, path, reason } = context;
  const where = action === "write" ? `refusing to write ${path ?? "the document"}: ` : path === undefined ? "" : `${path}: `;
  // An encoder's caller writes what it returns: advice as for a writer.
  const hint = invalidHint(errors, { action: action === "read" ? "read" : "write", strict: context.strict });
  const what = reason === undefined ? "invalid device-info" : `invalid device-info (${reason})`;
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `${where}${what}: ${describeIssues(errors)}. ${hint}`, {
    path,
    issues: errors,
  });
}
