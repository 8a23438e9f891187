/**
 * Argument checks for API misuse, following Node's own convention (as
 * `node:fs` does): a wrong type is a `TypeError` with
 * `code: "ERR_INVALID_ARG_TYPE"`, a wrong value of the right type a
 * `TypeError` with `code: "ERR_INVALID_ARG_VALUE"`, a number outside its
 * range a `RangeError` with `code: "ERR_OUT_OF_RANGE"`; each message names
 * the argument (`options.maxBytes`), what was expected and what was received,
 * worded as Node words it. Data problems (bad files, bad JSON, unsafe names)
 * are never reported here: they stay {@link DeviceInfoError}s.
 *
 * Every public function calls these first, before touching the file system.
 * They sit on a CNI plugin's start-up path: each check is one `typeof` on
 * success, and messages are built only on failure.
 *
 * @internal
 * @module
 */

import { inspect } from "node:util";

/** Node's codes for API misuse. */
export type ArgumentErrorCode = "ERR_INVALID_ARG_TYPE" | "ERR_INVALID_ARG_VALUE" | "ERR_OUT_OF_RANGE";

/** A `TypeError` or `RangeError` carrying one of Node's misuse codes. */
export type ArgumentError = (TypeError | RangeError) & { readonly code: ArgumentErrorCode };

/** True for the errors the checks below throw (and Node's own of the same codes). */
export function isArgumentError(value: unknown): value is ArgumentError {
  if (!(value instanceof TypeError || value instanceof RangeError)) return false;
  const code = (value as { code?: unknown }).code;
  return code === "ERR_INVALID_ARG_TYPE" || code === "ERR_INVALID_ARG_VALUE" || code === "ERR_OUT_OF_RANGE";
}

/**
 * How Node describes a received value (`determineSpecificType` in Node's
 * `lib/internal/errors.js`): `null`, `undefined`, `function f`,
 * `an instance of Array`, `type number (5)`, with strings over 28 characters
 * cut to 25.
 */
export function describeReceived(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function" && value.name !== "") return `function ${value.name}`;
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name === "string" && name !== "") return `an instance of ${name}`;
    return inspect(value, { depth: -1 });
  }
  const shown = typeof value === "string" && value.length > 28 ? `${value.slice(0, 25)}...` : value;
  return `type ${typeof value} (${inspect(shown, { colors: false })})`;
}

// Node says "property" for a dotted name (`options.maxBytes`), else "argument".
function kind(name: string): string {
  return name.includes(".") ? "property" : "argument";
}

function withCode<E extends Error>(error: E, code: ArgumentErrorCode): E & { readonly code: ArgumentErrorCode } {
  return Object.assign(error, { code });
}

/**
 * `ERR_INVALID_ARG_TYPE`: `The "name" argument must be <expected>. Received <value>`.
 *
 * @param expected As Node words it: `"of type string"`, `"of type function"`,
 *   `"of type object"`, `"an instance of AbortSignal"`.
 */
export function invalidArgType(name: string, expected: string, value: unknown): ArgumentError {
  return withCode(
    new TypeError(`The "${name}" ${kind(name)} must be ${expected}. Received ${describeReceived(value)}`),
    "ERR_INVALID_ARG_TYPE",
  );
}

/** `ERR_INVALID_ARG_VALUE`: `The argument 'name' <reason>. Received <value>`. */
export function invalidArgValue(name: string, value: unknown, reason = "is invalid"): ArgumentError {
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  return withCode(new TypeError(`The ${kind(name)} '${name}' ${reason}. Received ${shown}`), "ERR_INVALID_ARG_VALUE");
}

/** `ERR_OUT_OF_RANGE`: `The value of "name" is out of range. It must be <range>. Received <value>`. */
export function outOfRange(name: string, range: string, value: unknown): ArgumentError {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`),
    "ERR_OUT_OF_RANGE",
  );
}

/** A string (any, even empty). */
export function checkString(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
}

/** A string of at least one character. */
export function checkNonEmptyString(value: unknown, name: string): asserts value is string {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  if (value === "") throw invalidArgValue(name, value, "must be a non-empty string");
}

/** A boolean. */
export function checkBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== "boolean") throw invalidArgType(name, "of type boolean", value);
}

/** A function (a callback). */
// biome-ignore lint/complexity/noBannedTypes: the check is for any callable; callers narrow it by their own declared type.
export function checkFunction(value: unknown, name: string): asserts value is Function {
  if (typeof value !== "function") throw invalidArgType(name, "of type function", value);
}

/** An object (a document or a record): not `null`, not an array, not a function. */
export function checkObject(value: unknown, name: string): asserts value is object {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidArgType(name, "of type object", value);
}

/**
 * An options argument: `undefined` (no options) or an object that is not
 * `null` and not an array. Anything else is misuse, never "no options".
 *
 * @returns The options, typed as declared, or `undefined`.
 */
export function checkOptions<T extends object>(value: T | undefined, name = "options"): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Map || value instanceof Set) {
    // (a Map's entries are not its properties: read as options, it would be "no options", every default)
    throw invalidArgType(name, "of type object", value);
  }
  checkKnownKeys(value, name);
  return value;
}

/**
 * Every key of every options-like object of the public API (options, the
 * kubelet's, pluginMain's `io`, selectors, `options.ready`, an error's
 * `details`). A key outside this set is a misspelling or a caller's mistake:
 * ignoring it (as `node:fs` does) would silently fall back to a default, and
 * here the default base directory is the production one. A key listed here but
 * not used by the function called is accepted, so one options object can be
 * passed to every call. `test/api/misuse.test.ts` keeps this list equal to the
 * properties the declarations give those objects, and
 * `test/architecture/option-rules.test.ts` checks that every rule table names
 * only keys listed here.
 *
 * A list rather than the union of the rule tables: those live beside their
 * types, in every entry's modules, and a CNI plugin's start must not load the
 * DRA and kubelet modules to learn their keys.
 */
export const KNOWN_OPTION_KEYS: ReadonlySet<string> = new Set([
  // files, format and roles (their rule tables sit beside their options types)
  "baseDir",
  "strict",
  "onWarning",
  "maxBytes",
  "overwrite",
  "durable",
  "lockTimeoutMs",
  "lockStaleMs",
  "kubelet",
  "unknownKeys",
  "index",
  "capabilityArgs",
  "prevResult",
  // network status, workload
  "omitNil",
  "keepWithoutSandbox",
  "confVersion",
  "vhostUserMode",
  "timeoutMs",
  "intervalMs",
  "until",
  "signal",
  // selectors
  "network",
  "interface",
  // the kubelet
  "socket",
  "checkpoint",
  // pluginMain's io
  "env",
  "stdin",
  "stdout",
  "maxStdinBytes",
  // devinfo/dra
  "afterGeneration",
  "annotationsPath",
  "claim",
  "deviceID",
  "domain",
  "driver",
  "kubevirtNetworkInfoPath",
  "maxAttributes",
  "metadataRoot",
  "ready",
  "request",
  "resourceName",
  "root",
  // devinfo/dra: the device metadata writer, its CDI spec and cleanup, driver vocabularies
  "apiVersions",
  "cdiDir",
  "claimDir",
  "claimName",
  "claimUID",
  "containerPath",
  "hostPath",
  "numaNode",
  "podClaimName",
  "requestName",
  "vocabulary",
  // options.ready of resourceClaimDeviceStatus
  "status",
  "reason",
  "message",
  "lastTransitionTime",
  "observedGeneration",
  // an error's details
  "cause",
  "errno",
  "issues",
  "line",
  "path",
  "syscall",
]);

/**
 * Refuses an own key of an options-like object that no function of the
 * library knows (`ERR_INVALID_ARG_VALUE`, naming the key and the known key it
 * most resembles): own and inherited enumerable string keys, since options
 * are read through the prototype chain. Symbol keys are ignored.
 */
export function checkKnownKeys(value: object, name = "options"): void {
  // Inherited enumerable keys too (`Object.create({ basedir })`): an option is read through the prototype chain.
  for (const key in value) {
    if (!KNOWN_OPTION_KEYS.has(key)) {
      const like = closestKnownKey(key);
      throw invalidArgValue(
        `${name}.${key}`,
        (value as Record<string, unknown>)[key],
        `is not an option of devinfo${like === undefined ? "" : ` (did you mean '${like}'?)`}; nothing was read or written`,
      );
    }
  }
}

/**
 * Refuses an own or inherited enumerable key of an argument object (not an
 * options object) that its rule table does not name, as {@link checkKnownKeys}
 * does for options (`ERR_INVALID_ARG_VALUE` with the closest key of the table),
 * then checks each present key by its rule.
 */
export function checkKeysWith<T extends object>(value: T, rules: OptionRules<T>, name: string): T {
  const known = Object.keys(rules);
  for (const key in value) {
    if (!Object.hasOwn(rules, key)) {
      const like = closestKnownKey(key, known);
      throw invalidArgValue(
        `${name}.${key}`,
        (value as Record<string, unknown>)[key],
        `is not a key of ${name}${like === undefined ? "" : ` (did you mean '${like}'?)`}; nothing was read or written`,
      );
    }
  }
  for (const key in rules) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) rules[key](item, `${name}.${key}`);
  }
  return value;
}

// The known key at the smallest edit distance (case-insensitive), if close enough to be a likely misspelling.
function closestKnownKey(key: string, keys: Iterable<string> = KNOWN_OPTION_KEYS): string | undefined {
  const k = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(k.length / 3)) + 1;
  for (const known of keys) {
    const d = editDistance(k, known.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

// Levenshtein distance with adjacent transpositions counted as one edit ("overwirte").
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const up = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = d;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/**
 * A number within `[min, max]` (`NaN` is out of range). Fractions are allowed:
 * for durations in milliseconds.
 */
export function checkNumber(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!(value >= min && value <= max)) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
}

/** An integer within `[min, max]`: for sizes and counts such as `maxBytes`. */
export function checkInteger(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isInteger(value)) throw outOfRange(name, "an integer", value);
  if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
}

/** One of a fixed set of strings (an enumerated option such as `unknownKeys`). */
export function checkOneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): asserts value is T {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalidArgValue(name, value, `must be one of: ${allowed.map((a) => `'${a}'`).join(", ")}`);
  }
}

/** An `AbortSignal` (from any realm: checked by shape, as Node's `validateAbortSignal` does). */
export function checkAbortSignal(value: unknown, name: string): asserts value is AbortSignal {
  if (typeof value !== "object" || value === null || !("aborted" in value)) throw invalidArgType(name, "an instance of AbortSignal", value);
}

/** An array (a list of network-status entries, say). */
export function checkArray(value: unknown, name: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw invalidArgType(name, "an instance of Array", value);
}

/**
 * Text or its bytes: a string, any typed array or `DataView`, or an
 * `ArrayBuffer` (what the readers of annotation and file text take).
 */
export function checkText(value: unknown, name: string): asserts value is string | Uint8Array {
  if (typeof value !== "string" && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
    throw invalidArgType(name, "of type string or an instance of Uint8Array", value);
  }
}

// ---------------------------------------------------------------------------
// The options of the public API, one table per options interface. Each table
// must name every option of its interface (the mapped type makes a missing
// one a compile error), so an option added later is checked or the build fails.

/** A check of one option's value (never called for `undefined`: every option is optional). */
export type OptionRule = (value: unknown, name: string) => void;

/** One rule per option of `T`, none forgotten. */
export type OptionRules<T> = { readonly [K in keyof Required<T>]-?: OptionRule };

/**
 * Checks an options argument against its table: `undefined` or an object
 * (see {@link checkOptions}), each option present checked by its rule under
 * the name `options.<key>`.
 *
 * @returns The options, or `undefined`.
 */
export function checkOptionsWith<T extends object>(value: T | undefined, rules: OptionRules<T>, name = "options"): T | undefined {
  const options = checkOptions(value, name);
  if (options === undefined) return undefined;
  for (const key in rules) {
    const option = (options as Record<string, unknown>)[key];
    if (option !== undefined) rules[key](option, `${name}.${key}`);
  }
  return options;
}

/** Accepts any value (an option that is data, such as `prevResult`). */
export const anyValue: OptionRule = () => {};
/** A number > 0 (an interval). */
export const positiveNumber: OptionRule = (value, name) => {
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!(value > 0 && value <= Number.MAX_SAFE_INTEGER)) throw outOfRange(name, `> 0 && <= ${Number.MAX_SAFE_INTEGER}`, value);
};
/** A number of milliseconds >= 0. */
export const milliseconds: OptionRule = (value, name) => checkNumber(value, name);
/** A size in bytes: an integer >= 0. */
export const byteCount: OptionRule = (value, name) => checkInteger(value, name);
/** A count or a generation: an integer >= 0. */
export const count: OptionRule = (value, name) => checkInteger(value, name);
/** A boolean flag. */
export const flag: OptionRule = checkBoolean;
/** A callback. */
export const callback: OptionRule = checkFunction;
/** A string. */
export const text: OptionRule = checkString;
/** An object. */
export const record: OptionRule = checkObject;
/** A required options argument: an object whose keys are all known options (see {@link checkKnownKeys}). */
export function checkRequiredOptions(value: unknown, name = "options"): asserts value is object {
  checkObject(value, name);
  checkKnownKeys(value, name);
}

/**
 * A required options-like input (the DRA writer's references): an object
 * whose keys are all known options, each of its fields checked by its rule,
 * those named in `required` even when absent (a required field's rule then
 * reports the `undefined`).
 */
export function checkRequiredOptionsWith<T extends object>(
  value: T,
  rules: OptionRules<T>,
  required: readonly (keyof T & string)[],
  name = "options",
): T {
  checkRequiredOptions(value, name);
  for (const key in rules) {
    const option = (value as Record<string, unknown>)[key];
    if (option !== undefined || (required as readonly string[]).includes(key)) rules[key](option, `${name}.${key}`);
  }
  return value;
}

/** A nested options object (the kubelet's, say): an object whose keys are all known options. */
export const nestedOptions: OptionRule = (value, name) => {
  checkObject(value, name);
  checkKnownKeys(value, name);
};
/** An `AbortSignal`. */
export const abortSignal: OptionRule = checkAbortSignal;
/** An array. */
export const list: OptionRule = checkArray;
/** A 1-based line number. */
export const lineNumber: OptionRule = (value, name) => checkInteger(value, name, 1);
/** One of a fixed set of strings. */
export function oneOf(...allowed: string[]): OptionRule {
  return (value, name) => checkOneOf(value, name, allowed);
}

// Optional arguments and properties: `undefined` is "not given"; anything else is checked as above.

/** {@link checkOptions}, with no options read as `{}`. */
export function checkOptionsOrEmpty<T extends object>(value: T | undefined, name = "options"): Partial<T> {
  return checkOptions(value, name) ?? {};
}

/** An optional string. */
export function optionalString(value: unknown, name: string): string | undefined {
  if (value !== undefined) checkString(value, name);
  return value;
}

/** An optional boolean. */
export function optionalBoolean(value: unknown, name: string): boolean | undefined {
  if (value !== undefined) checkBoolean(value, name);
  return value;
}

/** An optional integer within `[min, max]`. */
export function optionalInteger(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value !== undefined) checkInteger(value, name, min, max);
  return value;
}

/** An optional function (a callback), typed as the caller declares it. */
export function optionalFunction<F>(value: unknown, name: string): F | undefined {
  if (value !== undefined) checkFunction(value, name);
  return value as F | undefined;
}

/** An optional object property of a data argument (`null` is a wrong kind, not "absent"). */
export function optionalObject(value: unknown, name: string): void {
  if (value !== undefined) checkObject(value, name);
}

/** An optional list property of a data argument. */
export function optionalArray(value: unknown, name: string): void {
  if (value !== undefined) checkArray(value, name);
}

/** A plain object (`{}` literal, `Object.create(null)`, JSON): what a record of values by name is. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A record of values by name: a plain object (not an array, a function or a class instance). */
export function checkRecord(value: unknown, name: string, expected: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw invalidArgType(name, expected, value);
}
