/**
 * One pass over a parsed document that both checks it and builds the value
 * handed to the caller: known fields in Go's order, unknown keys kept after
 * them, `null` fields dropped and case-variant keys folded the way Go's
 * decoder reads them. Deviations from the spec are warnings unless `strict`.
 */

import { checkOptionsWith, flag, type OptionRules } from "../base/args.js";
import { type DeviceInfoIssue, IssueCollector } from "../base/issues.js";
import { MAX_JSON_DEPTH, valueDepth } from "./_go-text.js";
import { DEVICE_FIELDS, DEVICE_TYPES, type FieldRule, goFieldMatch, isDeviceKey } from "./fields.js";
import { FIELD_RULES, type FieldRules, firstBroken, type SubObjects, TYPE_RULES, VERSION_RULES } from "./rules.js";
import type { DeviceInfo } from "./schema.js";

/**
 * Options of {@link validateDeviceInfo}: only `strict`, since it returns its
 * warnings instead of reporting them. The readers' and writers' options are
 * `ValidationOptions` (`strict` and `onWarning`), of which this is a subset.
 */
export interface ValidateOptions {
  /** Treat deviations from the spec as errors instead of warnings. Default `false`. */
  strict?: boolean | undefined;
}

/** The rule of each {@link ValidateOptions} option. @internal */
export const VALIDATE_OPTION_RULES: OptionRules<ValidateOptions> = { strict: flag };
const checkValidateOptions = (o: ValidateOptions | undefined): ValidateOptions | undefined => checkOptionsWith(o, VALIDATE_OPTION_RULES);

/** The outcome of {@link validateDeviceInfo}. */
export interface DeviceInfoValidation {
  /** `true` when there are no errors (warnings allowed). */
  readonly valid: boolean;
  /** Problems that make the document unusable (or, with `strict`, non-conforming). */
  readonly errors: readonly DeviceInfoIssue[];
  /** Deviations from the spec that a lenient reader accepts. */
  readonly warnings: readonly DeviceInfoIssue[];
}

/**
 * Internal result: the normalised value exists only when there is no error.
 *
 * @internal
 */
export interface CheckedDeviceInfo extends DeviceInfoValidation {
  readonly value: DeviceInfo | undefined;
}

type Path = readonly (string | number)[];
type Json = Record<string, unknown>;
interface SubObject {
  /** The key issues about the sub-object point at (the exact one when there are case variants). */
  objectKey: string;
  readonly fields: Map<string, { value: string; path: Path }>;
  readonly unknown: Map<string, unknown>;
}

const TOP_KEYS: ReadonlySet<string> = new Set(["type", "version", ...DEVICE_TYPES]);
const RULES_BY_KEY = Object.fromEntries(
  DEVICE_TYPES.map((t) => [t, new Map(DEVICE_FIELDS[t].map((rule) => [rule.key, rule]))]),
) as unknown as Record<(typeof DEVICE_TYPES)[number], ReadonlyMap<string, FieldRule>>;

/**
 * Checks a parsed device-info document against spec v1.1.0 without throwing.
 *
 * Errors are problems no reader can accept: a document that is not an object,
 * or a known field of the wrong JSON type. Everything else the Go reference
 * accepts but the spec forbids (missing or unknown `type`, a malformed
 * `version`, missing required fields, enum values outside the spec, malformed
 * PCI addresses, `null` fields, case-variant keys) is a warning, or an error
 * with `strict: true`.
 *
 * @example
 * ```ts
 * const { valid, errors, warnings } = validateDeviceInfo({ type: "pci", version: "1.1.0", pci: {} });
 * // valid === true; warnings[0].jsonPath === "$['pci']['pci-address']"
 * ```
 */
export function validateDeviceInfo(value: unknown, options: ValidateOptions = {}): DeviceInfoValidation {
  checkValidateOptions(options);
  const { valid, errors, warnings } = checkDeviceInfo(value, options.strict === true);
  return { valid, errors, warnings };
}

/**
 * The shared pass behind parse, validate and every reader and writer.
 *
 * @internal
 */
export function checkDeviceInfo(doc: unknown, strict: boolean): CheckedDeviceInfo {
  const issues = new IssueCollector(strict);
  const { errors, warnings } = issues;

  if (!isObject(doc)) {
    issues.error("not_object", [], `a device-info document must be a JSON object, got ${describeType(doc)}`);
    return { valid: false, errors, warnings, value: undefined };
  }

  // Issues point at the keys as written ("PCI", not "pci"), so that a jsonPath
  // always leads to something in the document.
  let type: string | undefined;
  let typeKey = "type";
  let version: string | undefined;
  let versionKey = "version";
  // Keys are decoded in order, as Go decodes them: a second object for the same
  // sub-object (a case variant; JSON.parse already collapsed exact duplicates)
  // is merged into the first, and null resets it. Each object's fields are
  // checked as they come, so a type error stays an error even when a later
  // null discards the object (Go reports it too).
  const subObjects = new Map<(typeof DEVICE_TYPES)[number], SubObject>();
  const unknown: [string, unknown][] = [];

  for (const key of Object.keys(doc)) {
    const raw = doc[key];
    if (raw === undefined) continue;
    const known = goFieldMatch(key, TOP_KEYS);
    if (known === undefined) {
      checkDepth(raw, [key], 1, issues);
      unknown.push([key, raw]);
      continue;
    }
    if (known !== key) issues.deviation("key_case", [key], caseMessage(key, known));
    if (raw === null) {
      issues.deviation("null_field", [key], `null is read as an absent "${known}"; omit the key instead`);
      if (isDeviceKey(known)) subObjects.delete(known); // Go resets a pointer field on null
      continue;
    }
    if (isDeviceKey(known)) {
      if (!isObject(raw)) issues.error("wrong_type", [key], `"${known}" must be an object, got ${describeType(raw)}`);
      else readSubObject(known, key, raw, subObjects, issues);
    } else if (typeof raw !== "string") {
      issues.error("wrong_type", [key], `"${known}" must be a string, got ${describeType(raw)}`);
    } else if (known === "type") {
      type = raw;
      typeKey = key;
    } else {
      version = raw;
      versionKey = key;
    }
  }

  // The spec's rules (rules.ts, shared with the fast path), on the merged, canonical view.
  const brokenType = firstBroken(TYPE_RULES, type ?? "", subObjects);
  if (brokenType !== undefined) {
    const at = brokenType.at === "object" ? (type as string) : typeKey;
    issues.deviation(brokenType.code, [at], brokenType.message(type ?? ""));
  }
  const brokenVersion = firstBroken(VERSION_RULES, version ?? "", subObjects);
  if (brokenVersion !== undefined) issues.deviation(brokenVersion.code, [versionKey], brokenVersion.message(version ?? ""));
  for (const [device, { objectKey, fields }] of subObjects) {
    for (const rules of FIELD_RULES[device]) {
      const field = fields.get(rules.key);
      checkField(rules, field?.value ?? "", field?.path ?? [objectKey, rules.key], subObjects, issues);
    }
  }

  if (issues.failed) return { valid: false, errors, warnings, value: undefined };

  const out: Json = {};
  if (type !== undefined) out.type = type;
  if (version !== undefined) out.version = version;
  for (const device of DEVICE_TYPES) {
    const sub = subObjects.get(device);
    if (sub === undefined) continue;
    const obj: Json = {};
    for (const rule of DEVICE_FIELDS[device]) {
      const field = sub.fields.get(rule.key);
      if (field !== undefined) obj[rule.key] = field.value;
    }
    for (const [key, value] of sub.unknown) setOwn(obj, key, value);
    out[device] = obj;
  }
  for (const [key, value] of unknown) setOwn(out, key, value);
  return { valid: true, errors, warnings, value: out as DeviceInfo };
}

/** Decodes one object for a sub-object into what earlier ones gave (Go's merge). */
function readSubObject(
  device: (typeof DEVICE_TYPES)[number],
  partKey: string,
  raw: Json,
  subObjects: Map<(typeof DEVICE_TYPES)[number], SubObject>,
  issues: IssueCollector,
): void {
  const sub = subObjects.get(device) ?? { objectKey: partKey, fields: new Map(), unknown: new Map() };
  // Issues about the merged object point at the exact key when there is one.
  if (partKey === device) sub.objectKey = partKey;
  subObjects.set(device, sub);
  const rules = RULES_BY_KEY[device];
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (value === undefined) continue;
    const known = goFieldMatch(key, rules);
    if (known === undefined) {
      checkDepth(value, [partKey, key], 2, issues);
      sub.unknown.set(key, value);
      continue;
    }
    const path = [partKey, key];
    if (known !== key) issues.deviation("key_case", path, caseMessage(key, known));
    if (value === null) issues.deviation("null_field", path, `null is read as an absent "${known}"; omit the key instead`);
    else if (typeof value !== "string") issues.error("wrong_type", path, `"${known}" must be a string, got ${describeType(value)}`);
    else sub.fields.set(known, { value, path });
  }
}

/**
 * An unknown value `levels` deep in the document must not take it past Go's
 * depth limit: such a document could be read but not written back. (Text
 * was checked when it was read; this is for values passed in.)
 */
function checkDepth(value: unknown, path: Path, levels: number, issues: IssueCollector): void {
  if (typeof value === "object" && value !== null && levels + valueDepth(value, MAX_JSON_DEPTH - levels) > MAX_JSON_DEPTH) {
    issues.error(
      "unserializable",
      path,
      `the value is cyclic or nests the document deeper than ${MAX_JSON_DEPTH} levels, which Go refuses to read`,
    );
    return;
  }
  // Only once the value is known to be finite (no cycle): the walk below ends.
  const found = notJson(value);
  if (found === undefined) return;
  const at = [...path, ...found.at];
  if (found.fatal) issues.error("unserializable", at, found.message);
  else issues.deviation("lossy_json", at, found.message);
}

/**
 * The first place in an unknown key's value (keys and indexes below it) that
 * JSON text cannot hold as it is: what `JSON.stringify` would change without a
 * word (NaN and ±Infinity written as null, a Date as a string, a Map as `{}`,
 * a function or symbol left out, `undefined` in an array written as null), or
 * refuse (a BigInt: `fatal`). `undefined` as an object member is an absent
 * key, as it is for every field of the document. The value must be acyclic.
 */
function notJson(value: unknown): { at: (string | number)[]; message: string; fatal: boolean } | undefined {
  const own = primitiveProblem(value) ?? objectProblem(value);
  if (own !== undefined) return { at: [], ...own };
  if (typeof value !== "object" || value === null) return undefined;
  const stack: [object, (string | number)[]][] = [[value, []]];
  while (stack.length > 0) {
    const [item, at] = stack.pop() as [object, (string | number)[]];
    const array = Array.isArray(item);
    const keys: (string | number)[] = array ? Array.from({ length: item.length }, (_, i) => i) : Object.keys(item);
    for (const key of keys) {
      const child: unknown = (item as Record<string | number, unknown>)[key];
      if (child === undefined) {
        if (!array) continue;
        return { at: [...at, key], message: "undefined has no JSON form: JSON writes it as null in an array", fatal: false };
      }
      const problem = primitiveProblem(child) ?? objectProblem(child);
      if (problem !== undefined) return { at: [...at, key], ...problem };
      if (typeof child === "object" && child !== null) stack.push([child, [...at, key]]);
    }
  }
  return undefined;
}

const JSON_DATA = "give JSON data (strings, finite numbers, booleans, null, arrays, plain objects)";

function primitiveProblem(value: unknown): { message: string; fatal: boolean } | undefined {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value)
        ? undefined
        : { message: `${value} has no JSON form: JSON writes it as null; ${JSON_DATA}`, fatal: false };
    case "bigint":
      return { message: `a BigInt (${value}n) has no JSON form; pass a number or a string`, fatal: true };
    case "function":
    case "symbol":
      return { message: `a ${typeof value} has no JSON form: JSON leaves it out; ${JSON_DATA}`, fatal: false };
    default:
      return undefined;
  }
}

function objectProblem(value: unknown): { message: string; fatal: boolean } | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return undefined;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  const what = typeof name === "string" && name !== "" ? `a ${name} object` : "an object of a class";
  let written: string | undefined;
  try {
    written = JSON.stringify(value);
  } catch {
    // Its toJSON or a BigInt inside fails: said without what JSON would write.
  }
  const as =
    written === undefined
      ? "JSON does not write it as it is"
      : `JSON writes it as ${written.length > 40 ? `${written.slice(0, 37)}...` : written}`;
  return { message: `${what} is not JSON data: ${as}; ${JSON_DATA}`, fatal: false };
}

/** Every rule of `rules.ts` a field breaks (an absent or empty one: only whether it is required). */
function checkField(rules: FieldRules, value: string, path: Path, objects: SubObjects, issues: IssueCollector): void {
  if (value === "") {
    if (rules.missing !== undefined) issues.deviation(rules.missing.code, path, rules.missing.message(value));
    return;
  }
  for (const rule of rules.checks) if (!rule.accepts(value, objects)) issues.deviation(rule.code, path, rule.message(value));
}

function caseMessage(key: string, known: string): string {
  return `key "${key}" is read as "${known}" by Go's case-insensitive decoder; write "${known}"`;
}

/**
 * A JSON object: not null, not an array.
 *
 * @internal
 */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The JSON name of a value's type, for messages: `"a string"`, `"null"`.
 * With `withValue`, a primitive is followed by its JSON text (`a number 5`);
 * `NaN` and `±Infinity`, which have none (JSON.stringify writes `null`), are
 * named as they are.
 *
 * @internal
 */
export function describeType(value: unknown, withValue = false): string {
  // JSON.stringify writes NaN and ±Infinity as null: "a number null" would describe another value.
  if (withValue && typeof value === "number" && !Number.isFinite(value)) return `a number ${value} (JSON has no form for it)`;
  if (withValue && value !== null && typeof value !== "object" && typeof value !== "undefined") {
    const text = typeof value === "bigint" ? String(value) : JSON.stringify(value);
    if (text !== undefined) return `${describeType(value)} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "a boolean";
  return typeof value;
}

/**
 * Sets an own data property, even for `__proto__`, without touching any prototype.
 *
 * @internal
 */
export function setOwn(target: Json, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
