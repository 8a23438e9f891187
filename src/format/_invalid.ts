/**
 * The one builder of the "invalid device-info" error (`ERR_DEVINFO_INVALID`)
 * and of the advice that ends its message, for every reader and writer (and
 * of the same error for the documents that embed a device-info: network
 * status, KubeVirt's network-info): the advice depends on the issues and on
 * the options the caller actually gave, so that nobody who passed
 * `{ strict: false }` is told to pass it, and nobody is told that it helps
 * with a wrong type.
 *
 * @internal
 */

import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, type DeviceInfoIssueCode, describeIssues } from "../base/issues.js";

/**
 * Issues no mode accepts: `{ strict: false }` cannot help with them (an IP
 * address Go cannot parse is one, in a network status or a CNI result).
 */
const ALWAYS_ERRORS: ReadonlySet<DeviceInfoIssueCode> = new Set(["not_object", "wrong_type", "unserializable", "invalid_ip"]);

/**
 * A kind of document, for the words of its "invalid" error: what it is and
 * what every mode requires of it.
 */
export interface InvalidKind {
  /** Said after "invalid": `device-info`, `network status`, `network-info`. */
  readonly what: string;
  /** The advice when every error is one no mode accepts (a wrong type, not an object). */
  readonly fixTypes: string;
  /** What the document must be, after "the wrong types are refused in every mode, " (wrong types and deviations together). */
  readonly mustBe: string;
}

const DEVICE_INFO_TYPES = "a JSON object whose known fields have the types of spec v1.1.0 (strings, and objects for the sub-objects)";

/** A device-info document (spec section 3). */
export const DEVICE_INFO: InvalidKind = {
  what: "device-info",
  fixTypes: `Fix the document so that it is ${DEVICE_INFO_TYPES}.`,
  mustBe: `the document must be ${DEVICE_INFO_TYPES}.`,
};

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
  /**
   * The advice, for a caller whose advice depends neither on the issues nor
   * on options it has (e.g. "Pass an array of network-status entries");
   * otherwise {@link invalidHint}'s.
   */
  readonly hint?: string | undefined;
  /** The error that led to the refusal, as `cause`. */
  readonly cause?: unknown;
}

/**
 * The advice for `errors`: the way to fix them, and `{ strict: false }` only
 * when every error is a deviation from the spec (the only kind it turns into
 * warnings) and the caller did not already pass it.
 */
export function invalidHint(
  errors: readonly DeviceInfoIssue[],
  context: { action: "read" | "write"; strict?: boolean | undefined },
  kind: InvalidKind = DEVICE_INFO,
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
  return fatal.length === errors.length ? kind.fixTypes : `Fix these fields; the wrong types are refused in every mode, ${kind.mustBe}`;
}

/**
 * `ERR_DEVINFO_INVALID` for a document of `kind`, with the issues, the file,
 * and the advice (`context.hint`, or {@link invalidHint}'s):
 * `<file>: invalid <what>: …` for a reader, `refusing to write <file>:
 * invalid <what>: …` for a writer, `invalid <what>: …` for an encoder.
 */
export function invalidDocument(kind: InvalidKind, errors: readonly DeviceInfoIssue[], context: InvalidContext): DeviceInfoError {
  const { action, path, reason } = context;
  const where = action === "write" ? `refusing to write ${path ?? "the document"}: ` : path === undefined ? "" : `${path}: `;
  // An encoder's caller writes what it returns: advice as for a writer.
  const hint = context.hint ?? invalidHint(errors, { action: action === "read" ? "read" : "write", strict: context.strict }, kind);
  const what = reason === undefined ? `invalid ${kind.what}` : `invalid ${kind.what} (${reason})`;
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `${where}${what}: ${describeIssues(errors)}. ${hint}`, {
    path,
    issues: errors,
    cause: context.cause,
  });
}

/** {@link invalidDocument} for a device-info document: the error every reader and writer of one throws. */
export function invalidDeviceInfo(errors: readonly DeviceInfoIssue[], context: InvalidContext): DeviceInfoError {
  return invalidDocument(DEVICE_INFO, errors, context);
}
