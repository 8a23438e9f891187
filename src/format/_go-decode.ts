/**
 * Go's encoding/json decoding into a struct, once for every reader of
 * Go-written JSON: the device-info reader, CNI results, the network-status
 * annotation, KubeVirt's network-info, the kubelet's device checkpoint, and
 * the CNI version a DRA status reads.
 *
 * Go decodes each key of an object, in the order written, into the field it
 * names (`decodeState.object`):
 *
 * - a key names a field exactly, else case-insensitively with Unicode simple
 *   folding (U+017F ſ folds with s, U+212A Kelvin sign with k); unknown keys
 *   are ignored;
 * - a key written twice, exactly or as a case variant, is decoded twice: the
 *   last wins (JSON.parse merges exact duplicates first, so the text's keys
 *   are read from the tokenizer, {@link goEntries});
 * - a string, number or boolean takes the later value; `null` leaves it as it was;
 * - a struct (or a non-nil pointer to one) is decoded into: the objects merge, key by key, at every level;
 * - a slice, pointer, map or raw value is reset by `null`;
 * - a slice is decoded element by element into the elements it already has
 *   (`decodeState.array`): strings are replaced (a `null` element keeps the
 *   old string), structs merge, the slice is cut to the new length (the cut
 *   elements stay in its backing array, where a third, longer array finds
 *   them again), and `[]` empties it;
 * - a map is decoded into: each key's value is decoded into a fresh value
 *   and set, so a key written twice keeps the last;
 * - a type with its own `UnmarshalJSON` that starts from a fresh value
 *   (CNI's `IPConfig` and `Route`) is replaced whole;
 * - a value of the wrong type is an error even when a later key would have
 *   given a good one (Go saves the first error and reports it at the end).
 *
 * {@link foldGoObject} turns an object into the one object without such
 * duplicates that Go's decoding of it amounts to, reporting those errors;
 * the readers then read it as before. An object without duplicates comes
 * back as it is (the same object, so its number literals stay readable with
 * `rawNumberOf`); in an object that is rebuilt, integer fields are decoded
 * there (bigints beyond 2^53) and their errors reported.
 *
 * @internal
 */

import type { DeviceInfoIssueCode, IssueCollector } from "../base/issues.js";
import { decodeGoInt, goEntries, goFold, rawNumberOf } from "./_go-text.js";

export { goFold } from "./_go-text.js";

import { DEVICE_FIELDS, DEVICE_TYPES } from "./fields.js";
import { describeType, isObject, setOwn } from "./validate.js";

type Json = Record<string, unknown>;
type Path = readonly (string | number)[];

/**
 * A field's Go type. Scalars: `string`, `int`, `bool` (`null` leaves them
 * as they were); `intPtr` (`*int`: `null` is nil); `raw` (any value,
 * replaced; `null` is nil); a {@link GoTextType} (a string its own
 * UnmarshalText checks).
 */
export type GoType = "string" | "int" | "intPtr" | "bool" | "raw" | GoTextType | GoStructType | GoSliceType | GoMapType | GoEitherType;

/** A struct: its JSON fields by name (ASCII names, as every struct read here has). */
export interface GoStructType {
  readonly fields: Readonly<Record<string, GoType>>;
  /** A pointer to the struct: `null` makes it nil. */
  readonly pointer?: true;
  /** Has an UnmarshalJSON that decodes into a fresh value: a later object replaces it whole (`null` gives the zero value). */
  readonly replaced?: true;
}

/** A slice of `slice`. */
export interface GoSliceType {
  readonly slice: GoType;
}

/** A map of `map` values; with `intKey`, an integer-keyed map (Go's strconv.ParseInt of each key, kept in canonical form). */
export interface GoMapType {
  readonly map: GoType;
  /** What an integer key names, for the error of a key that is not one (`"a NUMA node number"`). */
  readonly intKey?: string;
}

/** A field read as `array` or `object` by the JSON kind of its value (a format that changed type between versions). */
export interface GoEitherType {
  readonly array: GoType;
  readonly object: GoType;
}

/** A string that the type's own UnmarshalText or UnmarshalJSON checks (`net.IP`, CNI's `types.IPNet`). */
export interface GoTextType {
  /** Whether Go's method accepts the string. */
  readonly accepts: (value: string) => boolean;
  /** What a good value is, for messages: `"an IP address"`. */
  readonly expected: string;
  /** The JSON value expected, for messages: `"an IP address string"`. */
  readonly json: string;
  /** The issue code of a refused string. */
  readonly code: DeviceInfoIssueCode;
  /** The method fails on `null` too (CNI's `types.IPNet`), where `net.IP` makes it nil. */
  readonly refusesNull?: true;
}

const UNSET: unique symbol = Symbol("unset");
type State = unknown | typeof UNSET;

/** One key of an object being decoded (or an index in an array), with its number literal and the path of its container. */
interface Entry {
  readonly key: string | number;
  readonly value: unknown;
  readonly literal: string | undefined;
  readonly at: Path;
}

/** The cut-off elements of a rebuilt slice that Go's backing array still holds. */
const BACKING = new WeakMap<unknown[], unknown[]>();
/** Where a rebuilt object's entries were read, for the paths of later issues. */
const PATHS = new WeakMap<object, Path>();

const MATCHERS = new WeakMap<object, (key: string) => string | undefined>();

/**
 * Go's field matching for a struct's fields (its names, or an object keyed
 * by them): the exact name, else the first field whose name folds the same
 * ({@link goFold}); `undefined` for a key Go ignores. Cached per `fields`.
 */
export function goFieldMatcher(fields: readonly string[] | Readonly<Record<string, unknown>>): (key: string) => string | undefined {
  let match = MATCHERS.get(fields);
  if (match === undefined) {
    const names = new Set<string>(Array.isArray(fields) ? fields : Object.keys(fields));
    const folded = new Map<string, string>();
    for (const name of names) if (!folded.has(goFold(name))) folded.set(goFold(name), name);
    match = (key) => (names.has(key) ? key : folded.get(goFold(key)));
    MATCHERS.set(fields, match);
  }
  return match;
}

function isStruct(type: GoType): type is GoStructType {
  return typeof type === "object" && "fields" in type;
}

function isSlice(type: GoType): type is GoSliceType {
  return typeof type === "object" && "slice" in type;
}

function isMap(type: GoType): type is GoMapType {
  return typeof type === "object" && "map" in type;
}

function isEither(type: GoType): type is GoEitherType {
  return typeof type === "object" && "array" in type;
}

function isText(type: GoType): type is GoTextType {
  return typeof type === "object" && "accepts" in type;
}

/** Whether Go's decoder changes the field on `null` (to nil, or through the type's own UnmarshalJSON). */
function takesNull(type: GoType): boolean {
  if (isStruct(type)) return type.pointer === true || type.replaced === true;
  return typeof type === "object" || type === "intPtr" || type === "raw";
}

function expected(type: GoType): string {
  if (isStruct(type) || isMap(type)) return "an object";
  if (isSlice(type)) return "an array";
  if (isEither(type)) return "an object or an array";
  if (isText(type)) return type.json;
  return { string: "a string", int: "an integer", intPtr: "an integer", bool: "a boolean", raw: "" }[type];
}

function entriesOf(obj: Json, at: Path): Entry[] {
  return goEntries(obj).map(([key, value, literal]) => ({ key, value, literal, at }));
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A map key as Go's `strconv.ParseInt(key, 10, 64)` reads it, in canonical form; `undefined` if it fails. */
function int64Key(key: string): string | undefined {
  if (!/^[+-]?[0-9]+$/.test(key)) return undefined;
  const n = BigInt(key);
  return n < INT64_MIN || n > INT64_MAX ? undefined : String(n);
}

class Folder {
  constructor(
    private readonly sink: IssueCollector,
    private readonly deviations: boolean,
  ) {}

  /**
   * The object Go's decoding of `entries` (in order) into a struct of `type`
   * amounts to; `original` when nothing had to change.
   */
  struct(entries: readonly Entry[], type: GoStructType, at: Path, original: Json | undefined, checked: boolean): Json {
    const match = goFieldMatcher(type.fields);
    const groups = new Map<string, Entry[]>();
    // Output order: each field where it first appears, unknown keys where they are.
    const order: (string | Entry)[] = [];
    for (const entry of entries) {
      const name = match(String(entry.key));
      if (name === undefined) {
        order.push(entry);
        continue;
      }
      const group = groups.get(name);
      if (group === undefined) {
        groups.set(name, [entry]);
        order.push(name);
      } else group.push(entry);
    }

    let changed = original === undefined;
    const values = new Map<string, { key: string; value: unknown }>();
    for (const [name, group] of groups) {
      const fieldType = type.fields[name] as GoType;
      // Every value of a field named twice is checked here: a later one may hide it from the reader.
      const fieldChecked = checked || group.length > 1;
      if (group.length > 1) changed = true;
      let state: State = UNSET;
      let kept = group[0] as Entry;
      for (const entry of group) {
        const next = this.assign(state, entry, fieldType, fieldChecked);
        if (next !== state) kept = entry;
        state = next;
      }
      // The reader sees the kept key only: the deviations of the others are reported here.
      for (const entry of group) {
        if (entry === kept || !this.deviations) continue;
        const path = [...entry.at, entry.key];
        if (entry.key !== name) {
          this.sink.deviation(
            "key_case",
            path,
            `key "${entry.key}" is read as "${name}" by Go's case-insensitive decoder; write "${name}"`,
          );
        }
        if (entry.value === null) this.sink.deviation("null_field", path, `null is read as an absent "${name}"; omit the key instead`);
      }
      // A refused value (state UNSET) or a rebuilt one changes the object.
      if (state !== (group[0] as Entry).value) changed = true;
      if (state === UNSET) continue;
      values.set(name, { key: String(kept.key), value: state });
    }
    if (!changed && original !== undefined) {
      PATHS.set(original, at);
      return original;
    }

    const out: Json = {};
    for (const item of order) {
      if (typeof item !== "string") {
        setOwn(out, String(item.key), item.value);
        continue;
      }
      const field = values.get(item);
      if (field === undefined) continue;
      let value = field.value;
      const group = groups.get(item) as Entry[];
      const fieldType = type.fields[item] as GoType;
      // An integer read from text loses its literal in a new object: decode it here.
      const isInt = fieldType === "int" || fieldType === "intPtr";
      if (isInt && !checked && group.length === 1 && (typeof value === "number" || typeof value === "bigint")) {
        const entry = group[0] as Entry;
        const decoded = decodeGoInt(value, entry.literal);
        if ("error" in decoded) {
          this.sink.error("wrong_type", [...entry.at, entry.key], `"${item}" ${decoded.error}`);
          continue;
        }
        value = decoded.value;
      }
      setOwn(out, field.key, value);
    }
    PATHS.set(out, at);
    return out;
  }

  /** The field's state after Go decodes `entry` into it. */
  private assign(state: State, entry: Entry, type: GoType, checked: boolean): State {
    const { value } = entry;
    const path = [...entry.at, entry.key];
    if (value === null) {
      if (isText(type) && type.refusesNull === true && checked) {
        // An UnmarshalJSON that fails on null: Go stops there, whatever follows.
        this.sink.error(
          type.code,
          path,
          `must be ${type.json}, got null (Go's decoder fails on it even when another key gives the field a good value)`,
        );
        return state;
      }
      if (takesNull(type)) return null;
      return state === UNSET ? null : state;
    }
    const wrong = () => {
      if (!checked) return value; // left for the reader, which reports it
      const what = typeof entry.key === "number" ? `element ${entry.key}` : `"${entry.key}"`;
      this.sink.error(
        "wrong_type",
        path,
        `${what} must be ${expected(type)}, got ${describeType(value)} (Go's decoder fails on it even when another key gives the field a good value)`,
      );
      return state;
    };
    if (isStruct(type)) {
      if (!isObject(value)) return wrong();
      const own = entriesOf(value, path);
      if (type.replaced === true || !isObject(state)) return this.struct(own, type, path, value, checked);
      return this.struct([...entriesOf(state, PATHS.get(state) ?? path), ...own], type, path, undefined, checked);
    }
    if (isSlice(type)) {
      if (!Array.isArray(value)) return wrong();
      return this.slice(Array.isArray(state) ? state : undefined, value, type.slice, path, checked);
    }
    if (isMap(type)) {
      if (!isObject(value)) return wrong();
      return this.map(isObject(state) ? state : undefined, value, type, path, checked);
    }
    if (isEither(type)) {
      const chosen = Array.isArray(value) ? type.array : isObject(value) ? type.object : undefined;
      if (chosen === undefined) return wrong();
      // Decoded into what the field holds when that is of the same kind.
      const same = Array.isArray(value) ? Array.isArray(state) : isObject(state);
      return this.assign(same ? state : UNSET, entry, chosen, checked);
    }
    if (isText(type)) {
      if (typeof value !== "string") return wrong();
      if (!checked) return value;
      // Go's UnmarshalText / UnmarshalJSON fail at once on a malformed value.
      if (!type.accepts(value)) {
        this.sink.error(
          type.code,
          path,
          `"${value}" is not ${type.expected} (Go's decoder fails on it even when another key gives the field a good value)`,
        );
        return state;
      }
      return value;
    }
    switch (type) {
      case "raw":
        return value;
      case "string":
        return typeof value === "string" ? value : wrong();
      case "bool":
        return typeof value === "boolean" ? value : wrong();
      case "int":
      case "intPtr": {
        if (typeof value !== "number" && typeof value !== "bigint") return wrong();
        if (!checked) return value;
        const decoded = decodeGoInt(value, entry.literal);
        if ("value" in decoded) return decoded.value;
        this.sink.error("wrong_type", path, `"${entry.key}" ${decoded.error}`);
        return state;
      }
    }
  }

  /** `decodeState.array` into a slice that holds `previous` (its backing array included). */
  private slice(previous: unknown[] | undefined, value: unknown[], elem: GoType, path: Path, checked: boolean): unknown[] {
    if (value.length === 0) return value; // Go's make(T, 0, 0): the old elements are gone
    const backing = previous === undefined ? [] : (BACKING.get(previous) ?? previous);
    const out: unknown[] = [];
    let changed = checked;
    value.forEach((item, i) => {
      const old: State = i < backing.length ? backing[i] : UNSET;
      const entry: Entry = { key: i, value: item, literal: rawNumberOf(value, i), at: path };
      let next = this.assign(old, entry, elem, checked || old !== UNSET);
      if (next === UNSET) next = null; // a refused element keeps Go's zero value
      if (item === null && next !== null && this.deviations)
        this.sink.deviation("null_field", [...path, i], "null leaves the element as it was (Go does); remove it");
      if (next !== item) changed = true;
      out.push(next);
    });
    if (!changed) return value;
    if (backing.length > out.length) BACKING.set(out, [...out, ...backing.slice(out.length)]);
    return out;
  }

  /** `decodeState.object` into a map that holds `previous`: each value decoded afresh and set, the last equal key winning. */
  private map(previous: Json | undefined, value: Json, type: GoMapType, path: Path, checked: boolean): Json {
    const out: Json = {};
    if (previous !== undefined) for (const key of Object.keys(previous)) setOwn(out, key, previous[key]);
    for (const entry of entriesOf(value, path)) {
      const key = type.intKey === undefined ? String(entry.key) : int64Key(String(entry.key));
      if (key === undefined) {
        this.sink.error("wrong_type", [...path, entry.key], `"${entry.key}" is not ${type.intKey}`);
        continue;
      }
      const next = this.assign(UNSET, entry, type.map, checked);
      setOwn(out, key, next === UNSET ? null : next);
    }
    return out;
  }
}

/**
 * `raw` as Go decodes it into a struct of `type` (see the module comment):
 * the same object when no field is named twice at any level, else the
 * equivalent object without duplicates. Errors (a value of the wrong type
 * that a later key hides, or with `checked` any value of the wrong type)
 * go to `sink` under `path`, and with `deviations` (default) the case-variant
 * keys and nulls the reader will not see, as deviations.
 */
export function foldGoObject(raw: Json, type: GoStructType, path: Path, sink: IssueCollector, deviations = true, checked = false): Json {
  return new Folder(sink, deviations).struct(entriesOf(raw, path), type, path, raw, checked);
}

// ---------------------------------------------------------------------------
// The spec's DeviceInfo, which every reader of Go-written JSON may carry

const DEVICE_INFO_FIELDS: Record<string, GoType> = { type: "string", version: "string" };
for (const device of DEVICE_TYPES) {
  DEVICE_INFO_FIELDS[device] = {
    pointer: true,
    fields: Object.fromEntries(DEVICE_FIELDS[device].map((rule) => [rule.key, "string"])),
  };
}

/** The spec's `DeviceInfo`, as the Go reference's `*DeviceInfo` field holds it. */
export const GO_DEVICE_INFO: GoStructType = { pointer: true, fields: DEVICE_INFO_FIELDS };

/** The struct CNI's version decoder reads first (`version.ConfigDecoder`). */
export const GO_CNI_VERSION: GoStructType = { fields: { cniVersion: "string" } };
