/**
 * What Go's encoding/json does when one JSON object names a struct field
 * more than once (case variants: `"dns"` then `"DNS"`; JSON.parse has
 * already collapsed exact duplicates), for every reader of Go-written
 * status JSON (the annotation, CNI results, KubeVirt's network-info).
 *
 * Go decodes each key, in order, into the same field:
 *
 * - a string, number or boolean takes the later value; `null` leaves it as it was;
 * - a struct (or a non-nil pointer to one) is decoded into: the objects merge, key by key, at every level;
 * - a slice, pointer or raw value is reset by `null`;
 * - a slice is decoded element by element into the elements it already has
 *   (`decodeState.array`): strings are replaced (a `null` element keeps the
 *   old string), structs merge, the slice is cut to the new length (the cut
 *   elements stay in its backing array, where a third, longer array finds
 *   them again), and `[]` empties it;
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

import type { IssueCollector } from "../base/issues.js";
import { decodeGoInt, rawNumberOf } from "../format/_go-text.js";
import { DEVICE_FIELDS, DEVICE_TYPES } from "../format/fields.js";
import { describeType, isObject, setOwn } from "../format/validate.js";
import { parseGoCIDR, parseGoIP } from "./_go-ip.js";

type Json = Record<string, unknown>;
type Path = readonly (string | number)[];

/**
 * A field's Go type. Scalars: `string`, `int`, `bool` (`null` leaves them
 * as they were); `intPtr` (`*int`: `null` is nil); `ip` (`net.IP`: a string,
 * `null` is nil); `cidr` (CNI's `types.IPNet`: its UnmarshalJSON refuses
 * `null`); `raw` (any value, replaced; `null` is nil).
 */
export type GoType = "string" | "int" | "intPtr" | "bool" | "ip" | "cidr" | "raw" | GoStructType | GoSliceType;

/** A struct: its JSON fields by name. */
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

const UNSET: unique symbol = Symbol("unset");
type State = unknown | typeof UNSET;

/** One key of an object being decoded, with the object it came from (for its number literal) and that object's path. */
interface Entry {
  /** A key, or an index in an array. */
  readonly key: string | number;
  readonly value: unknown;
  readonly from: object;
  readonly at: Path;
}

/** The cut-off elements of a rebuilt slice that Go's backing array still holds. */
const BACKING = new WeakMap<unknown[], unknown[]>();
/** Where a rebuilt object's entries were read, for the paths of later issues. */
const PATHS = new WeakMap<object, Path>();

function goFold(name: string): string {
  return name.toLowerCase().replace(/\u017f/g, "s");
}

const MATCHERS = new WeakMap<GoStructType, (key: string) => string | undefined>();

/** Go's field matching: the exact name, else the first field whose name folds the same. */
function matcher(type: GoStructType): (key: string) => string | undefined {
  let match = MATCHERS.get(type);
  if (match === undefined) {
    const folded = new Map<string, string>();
    for (const name of Object.keys(type.fields)) if (!folded.has(goFold(name))) folded.set(goFold(name), name);
    match = (key) => (Object.hasOwn(type.fields, key) ? key : folded.get(goFold(key)));
    MATCHERS.set(type, match);
  }
  return match;
}

function isStruct(type: GoType): type is GoStructType {
  return typeof type === "object" && "fields" in type;
}

function isSlice(type: GoType): type is GoSliceType {
  return typeof type === "object" && "slice" in type;
}

/** Whether Go's decoder changes the field on `null` (to nil, or through the type's own UnmarshalJSON). */
function takesNull(type: GoType): boolean {
  if (isStruct(type)) return type.pointer === true || type.replaced === true;
  return isSlice(type) || type === "intPtr" || type === "ip" || type === "cidr" || type === "raw";
}

function expected(type: GoType): string {
  if (isStruct(type)) return "an object";
  if (isSlice(type)) return "an array";
  return {
    string: "a string",
    int: "an integer",
    intPtr: "an integer",
    bool: "a boolean",
    ip: "an IP address string",
    cidr: "a CIDR string",
    raw: "",
  }[type];
}

function entriesOf(obj: Json, at: Path): Entry[] {
  return Object.keys(obj).map((key) => ({ key, value: obj[key], from: obj, at }));
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
    const match = matcher(type);
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
        const decoded = decodeGoInt(value, rawNumberOf(entry.from, entry.key));
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
      if (type === "cidr" && checked) {
        // types.IPNet's UnmarshalJSON fails on null: Go stops there, whatever follows.
        this.sink.error(
          "invalid_ip",
          path,
          `must be a CIDR string such as "10.1.1.2/24", got null (Go's decoder fails on it even when another key gives the field a good value)`,
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
        const decoded = decodeGoInt(value, rawNumberOf(entry.from, entry.key));
        if ("value" in decoded) return decoded.value;
        this.sink.error("wrong_type", path, `"${entry.key}" ${decoded.error}`);
        return state;
      }
      case "ip":
      case "cidr": {
        if (typeof value !== "string") return wrong();
        if (!checked) return value;
        // Go's UnmarshalText / UnmarshalJSON fail at once on a malformed address.
        if (value === "" && type === "ip") return value;
        const ok = type === "ip" ? parseGoIP(value) !== undefined : parseGoCIDR(value) !== undefined;
        if (!ok) {
          this.sink.error(
            "invalid_ip",
            path,
            `"${value}" is not ${type === "ip" ? "an IP address" : 'an address with a prefix length, such as "10.1.1.2/24"'} (Go's decoder fails on it even when another key gives the field a good value)`,
          );
          return state;
        }
        return value;
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
      let next = this.assign(old, { key: i, value: item, from: value, at: path }, elem, checked || old !== UNSET);
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
}

/**
 * `raw` as Go decodes it into a struct of `type` (see the module comment):
 * the same object when no field is named twice at any level, else the
 * equivalent object without duplicates. Errors (a value of the wrong type
 * that a later key hides) go to `sink` under `path`, and with `deviations`
 * (default) the case-variant keys and nulls the reader will not see, as
 * deviations.
 */
export function foldGoObject(raw: Json, type: GoStructType, path: Path, sink: IssueCollector, deviations = true): Json {
  return new Folder(sink, deviations).struct(entriesOf(raw, path), type, path, raw, false);
}

// ---------------------------------------------------------------------------
// The Go types read by src/status

const DEVICE_INFO_FIELDS: Record<string, GoType> = { type: "string", version: "string" };
for (const device of DEVICE_TYPES) {
  DEVICE_INFO_FIELDS[device] = {
    pointer: true,
    fields: Object.fromEntries(DEVICE_FIELDS[device].map((rule) => [rule.key, "string"])),
  };
}

/** The spec's `DeviceInfo`, as the Go reference's `*DeviceInfo` field holds it. */
export const GO_DEVICE_INFO: GoStructType = { pointer: true, fields: DEVICE_INFO_FIELDS };

/** CNI's and the NPWG's `DNS`: a struct value (`null` leaves it as it was). */
export const GO_DNS: GoStructType = {
  fields: { nameservers: { slice: "string" }, domain: "string", search: { slice: "string" }, options: { slice: "string" } },
};

/** The NPWG's `v1.NetworkStatus`. */
export const GO_NETWORK_STATUS: GoStructType = {
  fields: {
    name: "string",
    interface: "string",
    ips: { slice: "string" },
    mac: "string",
    mtu: "int",
    default: "bool",
    dns: GO_DNS,
    "device-info": GO_DEVICE_INFO,
    gateway: { slice: "string" },
  },
};

/** KubeVirt's downward-API `NetworkInfo` (`interfaces` a slice of struct values). */
export const GO_KUBEVIRT_NETWORK_INFO: GoStructType = {
  fields: {
    interfaces: { slice: { fields: { network: "string", deviceInfo: GO_DEVICE_INFO, mac: "string", mtu: "int" } } },
  },
};

/** The struct CNI's version decoder reads first (`version.ConfigDecoder`). */
export const GO_CNI_VERSION: GoStructType = { fields: { cniVersion: "string" } };

/** CNI's `types.Route` (its UnmarshalJSON starts afresh); `pointer` in 0.3.0 and later. */
function cniRoute(pointer: boolean): GoStructType {
  const fields: Record<string, GoType> = {
    dst: "cidr",
    gw: "ip",
    mtu: "int",
    advmss: "int",
    priority: "int",
    table: "intPtr",
    scope: "intPtr",
  };
  return pointer ? { pointer: true, replaced: true, fields } : { replaced: true, fields };
}

const LEGACY_IP_CONFIG: GoStructType = {
  pointer: true,
  replaced: true,
  fields: { ip: "cidr", gateway: "ip", routes: { slice: cniRoute(false) } },
};

/** types020.Result (0.1.0, 0.2.0). */
const CNI_RESULT_020: GoStructType = {
  fields: { ip4: LEGACY_IP_CONFIG, ip6: LEGACY_IP_CONFIG, dns: GO_DNS },
};

/** types040.Result (0.3.0, 0.3.1, 0.4.0). */
const CNI_RESULT_040: GoStructType = {
  fields: {
    interfaces: { slice: { pointer: true, fields: { name: "string", mac: "string", sandbox: "string" } } },
    ips: { slice: { pointer: true, replaced: true, fields: { version: "string", interface: "intPtr", address: "cidr", gateway: "ip" } } },
    routes: { slice: cniRoute(true) },
    dns: GO_DNS,
  },
};

/** types100.Result (1.0.0, 1.1.0). */
const CNI_RESULT_100: GoStructType = {
  fields: {
    interfaces: {
      slice: {
        pointer: true,
        fields: { name: "string", mac: "string", mtu: "int", sandbox: "string", socketPath: "string", pciID: "string" },
      },
    },
    ips: { slice: { pointer: true, replaced: true, fields: { interface: "intPtr", address: "cidr", gateway: "ip" } } },
    routes: { slice: cniRoute(true) },
    dns: GO_DNS,
  },
};

/**
 * The Go struct a CNI result of `version` is decoded into, without
 * `cniVersion` (read first, with {@link GO_CNI_VERSION}, and reported once).
 */
export function goCNIResultType(version: string): GoStructType {
  if (version === "0.1.0" || version === "0.2.0") return CNI_RESULT_020;
  return version.startsWith("1.") ? CNI_RESULT_100 : CNI_RESULT_040;
}
