/**
 * A network-status entry as data: the nine fields of Go's `v1.NetworkStatus`
 * (and the four of its `v1.DNS`) in struct order, each with its JSON type,
 * and the one walk over them that both the reader
 * (`parseNetworkStatusAnnotation`) and the writer
 * (`serializeNetworkStatusAnnotation`) use. KubeVirt's network-info reader
 * walks its own table with the same rules. A test keeps the tables in
 * agreement with the zod schemas in `schema.ts`.
 *
 * @internal
 */

import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, type IssueCollector, makeIssue, prefixIssues } from "../base/issues.js";
import { decodeGoInt, MAX_JSON_DEPTH, rawNumberOf, valueDepth } from "../format/_go-text.js";
import { type InvalidKind, invalidDeviceInfo, invalidDocument } from "../format/_invalid.js";
import { goFieldMatch } from "../format/fields.js";
import { toGoOrder } from "../format/serialize.js";
import { checkDeviceInfo, describeType, isObject, setOwn } from "../format/validate.js";

/** A JSON object as read or written. */
export type Json = Record<string, unknown>;
/** A JSON path, as issues carry it. */
export type Path = readonly (string | number)[];

/**
 * A field's JSON type, which decides how it is checked, decoded and omitted:
 * `strings` is Go's `[]string`, `int` Go's `int` (int64), `object` a struct
 * with its own `fields`, `device-info` a `*DeviceInfo`.
 */
export type FieldType = "string" | "strings" | "int" | "boolean" | "object" | "device-info";

/** One field of an entry (or of a sub-object). */
export interface EntryField {
  readonly key: string;
  readonly type: FieldType;
  /** Written even when empty: Go's field has no `omitempty` (`name`, `dns`). */
  readonly always?: true;
  /**
   * A missing key: `"deviation"` when Go reads the zero value (a warning,
   * an error with `strict`); `"error"` when no reader can do without it
   * (`null` included).
   */
  readonly required?: "deviation" | "error";
  /** A number only: a TypeScript type without bigint refuses Go ints beyond 2^53. */
  readonly safeInteger?: true;
  /** The fields of an `object`. */
  readonly fields?: readonly EntryField[];
}

/** Go's `v1.DNS`, in struct order. */
export const DNS_FIELDS: readonly EntryField[] = [
  { key: "nameservers", type: "strings" },
  { key: "domain", type: "string" },
  { key: "search", type: "strings" },
  { key: "options", type: "strings" },
];

/** Go's `v1.NetworkStatus`, in struct order (its JSON order). */
export const STATUS_FIELDS: readonly EntryField[] = [
  { key: "name", type: "string", always: true, required: "deviation" },
  { key: "interface", type: "string" },
  { key: "ips", type: "strings" },
  { key: "mac", type: "string" },
  { key: "mtu", type: "int" },
  { key: "default", type: "boolean" },
  { key: "dns", type: "object", always: true, fields: DNS_FIELDS },
  { key: "device-info", type: "device-info" },
  { key: "gateway", type: "strings" },
];

/** The entry's known keys, in Go's order. */
export const STATUS_KEYS: readonly string[] = STATUS_FIELDS.map((f) => f.key);
/** The `dns` object's known keys, in Go's order. */
export const DNS_KEYS: readonly string[] = DNS_FIELDS.map((f) => f.key);

/**
 * How a walk treats what Go's decoder tolerates.
 *
 * - `read`: as Go's decoder reads (keys matched exactly, else
 *   case-insensitively, the last one winning; `null` is absent; `null` in a
 *   list is `""`): each of those is a deviation, a warning unless the sink
 *   is strict. Number literals are checked as written.
 * - `write`: what a writer may emit so that Go reads back exactly that:
 *   keys exactly as known (a key Go would read as a known one is an error);
 *   `null` is absent (what JavaScript callers leave out); anything else
 *   that is not the field's type is an error.
 */
export interface FieldWalk {
  readonly sink: IssueCollector;
  readonly mode: "read" | "write";
  /** Drop values Go's `omitempty` drops (empty strings and lists, 0, false). Default `true`. */
  readonly omitEmpty?: boolean;
}

/** A Go slice or pointer is reset by `null`; a string, number or struct is left as it was. */
function resetOnNull(type: FieldType): boolean {
  return type === "strings" || type === "device-info";
}

function isEmpty(type: FieldType, value: unknown): boolean {
  if (value === undefined) return true;
  if (type === "string") return value === "";
  if (type === "strings") return (value as unknown[]).length === 0;
  if (type === "int") return value === 0;
  if (type === "boolean") return value !== true;
  return false;
}

/**
 * An object with `values` in the table's order, then the `unknown` keys in
 * their order, with Go's omissions (`omitEmpty`) and the always-written
 * fields at their zero value. Lists are copied.
 */
export function entryObject(
  table: readonly EntryField[],
  values: Readonly<Record<string, unknown>>,
  unknown: Iterable<readonly [string, unknown]> = [],
  omitEmpty = true,
): Json {
  const out: Json = {};
  for (const field of table) {
    const value = values[field.key];
    if (omitEmpty ? !isEmpty(field.type, value) : value !== undefined) out[field.key] = Array.isArray(value) ? [...value] : value;
    else if (field.always === true) out[field.key] = field.type === "object" ? {} : "";
  }
  for (const [key, value] of unknown) setOwn(out, key, value);
  return out;
}

interface Matched {
  /** The known fields' values, by their known key (`null` only where `required: "error"`). */
  readonly values: Map<string, unknown>;
  /** The key each value was read from (for number literals). */
  readonly sources: Map<string, string>;
  /** The known fields a key named, `null` included. */
  readonly seen: Set<string>;
  readonly unknown: [string, unknown][];
}

function matchKeys(raw: Json, table: readonly EntryField[], path: Path, walk: FieldWalk): Matched {
  const { sink } = walk;
  const byKey = new Map(table.map((f) => [f.key, f]));
  const matched: Matched = { values: new Map(), sources: new Map(), seen: new Set(), unknown: [] };
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    const match = goFieldMatch(key, byKey);
    const field = match === undefined ? undefined : byKey.get(match);
    if (match === undefined || field === undefined) {
      matched.unknown.push([key, value]);
      continue;
    }
    if (match !== key) {
      if (walk.mode === "write") {
        sink.error(
          "key_case",
          [...path, key],
          `key "${key}" would be read as "${match}" by Go's case-insensitive decoder; write "${match}"`,
        );
        continue;
      }
      sink.deviation("key_case", [...path, key], `key "${key}" is read as "${match}" by Go's case-insensitive decoder; write "${match}"`);
    }
    matched.seen.add(match);
    if (value === null && field.required !== "error") {
      if (walk.mode === "read") {
        sink.deviation("null_field", [...path, key], `null is read as an absent "${match}"; omit the key instead`);
        if (resetOnNull(field.type)) matched.values.delete(match);
      }
      continue;
    }
    // (A field named twice reaches here only once: readers decode the object with foldGoObject first.)
    matched.values.set(match, value);
    matched.sources.set(match, key);
  }
  return matched;
}

/**
 * Walks `raw` by `table`: each known field checked by its type (issues to
 * the walk's sink, under `path`), the result in the table's order with the
 * unknown keys after. A field that fails its check is left out; the caller
 * tells a failed walk by the sink's errors.
 */
export function walkFields(raw: Json, table: readonly EntryField[], path: Path, walk: FieldWalk): Json {
  const { values, sources, seen, unknown } = matchKeys(raw, table, path, walk);
  const out: Json = {};
  for (const field of table) {
    const at = [...path, field.key];
    if (!seen.has(field.key) && field.required === "error") walk.sink.error("wrong_type", at, mustBe(field, undefined));
    else if (!seen.has(field.key) && field.required === "deviation" && walk.mode === "read") {
      walk.sink.deviation("missing_field", at, `"${field.key}" is required (Go reads a missing ${field.key} as "")`);
    }
    if (!values.has(field.key)) continue;
    const literal = walk.mode === "read" ? rawNumberOf(raw, sources.get(field.key) ?? field.key) : undefined;
    const value = checkField(field, values.get(field.key), at, walk, literal);
    if (value !== undefined) out[field.key] = value;
  }
  return entryObject(table, out, unknown, walk.omitEmpty !== false);
}

function mustBe(field: EntryField, value: unknown): string {
  const what = { string: "a string", strings: "an array of strings", int: "an integer", boolean: "a boolean", object: "an object" };
  return `"${field.key}" must be ${what[field.type as keyof typeof what] ?? "an object"}, got ${describeType(value)}`;
}

/** One field's value checked by its type: the value to keep, or `undefined` (an issue was recorded). */
function checkField(field: EntryField, value: unknown, at: Path, walk: FieldWalk, literal: string | undefined): unknown {
  const { sink } = walk;
  switch (field.type) {
    case "string":
    case "boolean":
      if (typeof value === field.type) return value;
      sink.error("wrong_type", at, mustBe(field, value));
      return undefined;
    case "int": {
      const decoded = typeof value === "number" || typeof value === "bigint" ? decodeGoInt(value, literal) : undefined;
      if (decoded !== undefined && "value" in decoded && (field.safeInteger !== true || typeof decoded.value === "number")) {
        return decoded.value;
      }
      const detail = decoded !== undefined && "error" in decoded ? decoded.error : `must be an integer, got ${describeType(value)}`;
      sink.error("wrong_type", at, `"${field.key}" ${detail}`);
      return undefined;
    }
    case "strings":
      return checkStrings(field, value, at, walk);
    case "object":
      if (isObject(value)) return walkFields(value, field.fields ?? [], at, walk);
      sink.error("wrong_type", at, mustBe(field, value));
      return undefined;
    case "device-info":
      return walk.mode === "read" ? readDeviceInfo(value, at, sink) : writeDeviceInfo(value, at, sink);
  }
}

function checkStrings(field: EntryField, value: unknown, at: Path, walk: FieldWalk): string[] | undefined {
  if (!Array.isArray(value)) {
    walk.sink.error("wrong_type", at, mustBe(field, value));
    return undefined;
  }
  const out: string[] = [];
  for (const [i, item] of value.entries()) {
    if (typeof item === "string") out.push(item);
    else if (walk.mode === "write") {
      // The writer refuses the list whole.
      walk.sink.error("wrong_type", at, `"${field.key}" must be an array of strings, got ${describeType(item)} at index ${i}`);
      return undefined;
    } else if (item === null) {
      walk.sink.deviation("null_field", [...at, i], `null is read as "" (Go does); remove it`);
      out.push("");
    } else {
      walk.sink.error("wrong_type", [...at, i], `"${field.key}" must hold strings, got ${describeType(item)}`);
      out.push("");
    }
  }
  return out;
}

/** A device-info read as a device-info file is: deviations are warnings unless strict. */
function readDeviceInfo(value: unknown, at: Path, sink: IssueCollector): Json | undefined {
  const checked = checkDeviceInfo(value, sink.strict);
  sink.absorb(at, checked);
  return checked.value as Json | undefined;
}

/** A device-info as {@link serializeDeviceInfo} writes it (Go's order, unknown keys kept). */
function writeDeviceInfo(value: unknown, at: Path, sink: IssueCollector): Json | undefined {
  try {
    // Only ever written (by writeJson, which keeps an OrderedObject's key order), never read.
    return toGoOrder(value, true) as unknown as Json;
  } catch (err) {
    if (!(err instanceof DeviceInfoError)) throw err;
    sink.absorb(at, { errors: err.issues, warnings: [] });
    return undefined;
  }
}

/**
 * A caller's DeviceInfo for an entry (create, setNetworkStatusDeviceInfo),
 * checked leniently and copied in Go's order; `undefined` for none.
 */
export function normalizeDeviceInfo(info: unknown, path: Path): Json | undefined {
  if (info === undefined || info === null) return undefined;
  // Checked leniently (no option makes it strict): only what no mode accepts is an error.
  const checked = checkDeviceInfo(info, false);
  if (checked.value === undefined) throw invalidDeviceInfo(prefixIssues(path, checked.errors), { action: "encode", strict: false });
  return checked.value as Json;
}

/** A network-status annotation, for the words of its "invalid" errors. */
export const NETWORK_STATUS: InvalidKind = {
  what: "network status",
  fixTypes: "The annotation must be a JSON array of objects whose known fields have Go's types",
  mustBe: "the annotation must be a JSON array of objects whose known fields have Go's types.",
};

/**
 * `ERR_DEVINFO_INVALID` for a network status, with the issues and what to
 * do: `hint`, or when a reader gives the `strict` option its caller passed
 * instead, the advice of every reader (format/_invalid.ts).
 */
export function invalidStatus(
  issues: readonly DeviceInfoIssue[],
  hint: string | { readonly strict: boolean | undefined },
  path?: string,
  cause?: unknown,
): DeviceInfoError {
  const advice = typeof hint === "string" ? { hint } : { strict: hint.strict };
  return invalidDocument(NETWORK_STATUS, issues, { action: "read", path, ...advice, cause });
}

/** What to do about a network-status entry JSON cannot hold. */
export const UNSERIALIZABLE_HINT = "Pass entries of plain JSON data, without cycles, as parseNetworkStatusAnnotation returns them";

/**
 * Refuses (`ERR_DEVINFO_INVALID`, issue `unserializable` at the entry's
 * index) an entry of `statuses` that is cyclic or nests deeper than the
 * annotation's readers accept: each entry is level 2 of the annotation, whose
 * limit is {@link MAX_JSON_DEPTH} (Go's "exceeded max depth"). Walked
 * without recursion, so a value of any depth is refused, never a
 * `RangeError` of the stack or a `TypeError` of JSON.stringify later.
 */
export function checkStatusDepth(statuses: readonly unknown[], hint: string): void {
  statuses.forEach((status, i) => {
    if (valueDepth(status, MAX_JSON_DEPTH - 1) > MAX_JSON_DEPTH - 1) {
      const issue = makeIssue(
        "error",
        "unserializable",
        [i],
        `cannot be encoded as JSON: the entry is cyclic or would nest the annotation deeper than ${MAX_JSON_DEPTH} levels, which Go refuses to read`,
      );
      throw invalidStatus([issue], hint);
    }
  });
}
