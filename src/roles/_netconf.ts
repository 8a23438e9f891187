/**
 * CNI network configurations as both roles see them: a single plugin
 * configuration or a configuration list (`plugins`), given as JSON text,
 * UTF-8 bytes or an already parsed object. Also Go's `json.Marshal` of a
 * `map[string]interface{}`, which is how libcni re-encodes every
 * configuration it hands to a plugin.
 *
 * @internal
 */

import { DeviceInfoError } from "../base/errors.js";
import { goEntries, goFold, isJsonText, readGoJson } from "../format/_go-text.js";
import { goMarshal } from "../format/go-json.js";
import { describeType, isObject } from "../format/validate.js";

/**
 * A CNI network configuration: JSON text, UTF-8 bytes (e.g. a plugin's
 * stdin), or the parsed object.
 */
export type NetConfInput = string | Uint8Array | object;

type Json = Record<string, unknown>;

/** The capability (spec 5.1) that carries the CNI device-info file's path to a plugin. */
export const CNI_DEVICE_INFO_FILE_CAPABILITY = "CNIDeviceInfoFile";

/**
 * The parsed object of a network configuration (text is read as Go reads it:
 * {@link readGoJson}); throws a DeviceInfoError for anything else.
 */
export function toNetConfObject(input: NetConfInput, what: string): Json {
  const value = isJsonText(input) ? readGoJson(input, { what: `the ${what}`, hint: "pass the JSON object a CNI runtime sends" }) : input;
  if (!isObject(value)) {
    throw new DeviceInfoError("ERR_DEVINFO_INVALID", `the ${what} must be a JSON object, got ${describe(value)}`);
  }
  return value;
}

/** Whether `conf` is a configuration list (it has a `plugins` array), the way Multus tells them apart. */
export function isConfList(conf: Json): boolean {
  return Array.isArray(conf.plugins);
}

/** The plugin configurations of a list, or the configuration itself. Entries that are not objects are reported. */
export function pluginConfigs(conf: Json, what: string): Json[] {
  if (!isConfList(conf)) return [conf];
  return (conf.plugins as unknown[]).map((plugin, index) => {
    if (!isObject(plugin)) {
      throw new DeviceInfoError("ERR_DEVINFO_INVALID", `the ${what}'s plugins[${index}] must be a JSON object, got ${describe(plugin)}`);
    }
    return plugin;
  });
}

/**
 * The capabilities a plugin configuration declares as `true` (libcni ignores
 * the others). Read as libcni decodes `types.PluginConf.Capabilities`, a Go
 * map field: its key matched case-insensitively, the objects of case variants
 * merged in order, `null` starting over. A value that is not an object
 * declares nothing (libcni would refuse the configuration when it runs it).
 */
export function declaredCapabilities(plugin: Json): string[] {
  let merged: Json = {};
  for (const [, value] of goFieldEntries([plugin], "capabilities")) {
    if (value === null) merged = {};
    else if (isObject(value)) merged = { ...merged, ...value };
  }
  return Object.keys(merged).filter((key) => merged[key] === true);
}

// ---------------------------------------------------------------------------
// Go's encoding/json decoding of a struct field (what Go plugins, skel and
// libcni do with the keys of a configuration they decode into a struct).

/**
 * Every `[key, value]` that Go's encoding/json decodes into the struct field
 * named `field` (its key exactly, or case-insensitively), in the order Go
 * reads them: the objects in order (case variants of a struct field decode
 * into the same struct), each object's keys in order.
 */
export function goFieldEntries(objects: readonly Json[], field: string): [string, unknown][] {
  const folded = goFold(field);
  const out: [string, unknown][] = [];
  for (const object of objects) {
    // goEntries: a key the text wrote twice is read twice, as Go reads it.
    for (const [key, value] of goEntries(object)) if (key === field || goFold(key) === folded) out.push([key, value]);
  }
  return out;
}

/**
 * A string field as Go decodes it: the last value that is not `null`
 * (`null` leaves a string as it was); `undefined` when there is none.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` when a value given
 *   for it is neither a string nor `null` (Go's decoder fails on it, even
 *   when a later key is right).
 */
export function goStringField(objects: readonly Json[], field: string, what: string): string | undefined {
  let value: string | undefined;
  for (const [key, item] of goFieldEntries(objects, field)) {
    if (item === null) continue;
    if (typeof item !== "string") throw wrongFieldType(what, key, "a string", item);
    value = item;
  }
  return value;
}

/**
 * A struct field as Go decodes it: the objects given for it (case variants
 * included), in order, each decoded into the same struct; `null` leaves it as
 * it was. Empty when there is none.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` when a value given
 *   for it is neither an object nor `null`.
 */
export function goStructParts(objects: readonly Json[], field: string, what: string): Json[] {
  const parts: Json[] = [];
  for (const [key, item] of goFieldEntries(objects, field)) {
    if (item === null) continue;
    if (!isObject(item)) throw wrongFieldType(what, key, "a JSON object", item);
    parts.push(item);
  }
  return parts;
}

function wrongFieldType(what: string, key: string, expected: string, value: unknown): DeviceInfoError {
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `${what}: "${key}" must be ${expected}, got ${describe(value)}`);
}

// ---------------------------------------------------------------------------
// CNI versions, as containernetworking/cni v1.3.0 reads them.

/** The newest CNI version libcni v1.3.0 implements (`version.Current()`). */
export const LIBCNI_CURRENT_VERSION = "1.1.0";

/**
 * Go's `version.ParseVersion`: `""` is 0.1.0; otherwise one to three
 * `.`-separated parts, each a Go `strconv.Atoi` integer (an optional sign,
 * decimal digits, within int64). Returns the three numbers, or why the text
 * is not a version.
 */
export function parseCNIVersion(version: string): [bigint, bigint, bigint] | { error: string } {
  if (version === "") return [0n, 1n, 0n];
  const parts = version.split(".");
  if (parts.length >= 4) return { error: `invalid version ${JSON.stringify(version)}: too many parts` };
  const numbers: bigint[] = [];
  for (const [i, part] of parts.entries()) {
    const n = /^[+-]?[0-9]+$/.test(part) ? BigInt(part) : undefined;
    if (n === undefined || n > 9223372036854775807n || n < -9223372036854775808n) {
      return { error: `failed to convert ${["major", "minor", "micro"][i]} version part ${JSON.stringify(part)}` };
    }
    numbers.push(n);
  }
  return [numbers[0] ?? 0n, numbers[1] ?? 0n, numbers[2] ?? 0n];
}

/** Orders two parsed versions. */
function compareParsed(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < 3; i++) {
    const x = a[i] ?? 0n;
    const y = b[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const CURRENT = parseCNIVersion(LIBCNI_CURRENT_VERSION) as [bigint, bigint, bigint];

/**
 * The `cniVersion` libcni v1.3.0 gives every plugin of a configuration list
 * (`NetworkConfFromBytes`; keys matched exactly, as libcni reads the list as
 * a map):
 *
 * - without `cniVersions`, the list's `cniVersion` as written (`""` when
 *   absent);
 * - with `cniVersions` (CNI spec 1.1, "Version considerations"): the highest
 *   of its entries and of `cniVersion` that libcni implements (1.1.0 or
 *   older); newer ones, such as `2.0.0`, are skipped.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` where libcni refuses
 *   the list: a `cniVersion` that is not a string; `cniVersions` that is not
 *   an array, or an entry that is not a string or not a version; with
 *   `cniVersions`, a `cniVersion` that is not a version; and, instead of the
 *   empty or unsupported `cniVersion` libcni would then send, `cniVersions`
 *   where no candidate is a version libcni implements.
 */
export function confListVersion(list: Json, what: string): string {
  const refuse = (detail: string) => new DeviceInfoError("ERR_DEVINFO_INVALID", `the ${what} cannot be run as libcni runs it: ${detail}`);
  const raw = list.cniVersion;
  if (raw !== undefined && typeof raw !== "string") throw refuse(`"cniVersion" must be a string, got ${describe(raw)}`);
  const cniVersion = raw ?? "";
  if (!Object.hasOwn(list, "cniVersions")) return cniVersion;
  const listed = list.cniVersions;
  if (!Array.isArray(listed)) throw refuse(`"cniVersions" must be an array of versions, got ${describe(listed)}`);
  const candidates: { version: string; parsed: readonly bigint[] }[] = [];
  listed.forEach((entry: unknown, index) => {
    if (typeof entry !== "string") throw refuse(`"cniVersions"[${index}] must be a string, got ${describe(entry)}`);
    const parsed = parseCNIVersion(entry);
    if (!Array.isArray(parsed)) throw refuse(`"cniVersions"[${index}] is not a version: ${parsed.error}`);
    candidates.push({ version: entry, parsed });
  });
  if (cniVersion !== "") {
    const parsed = parseCNIVersion(cniVersion);
    if (!Array.isArray(parsed)) throw refuse(`"cniVersion" is not a version: ${parsed.error}`);
    candidates.push({ version: cniVersion, parsed });
  }
  // The highest libcni implements; of equal ones (1.0 and 1.0.0), the first, as libcni's sort leaves them.
  let best: (typeof candidates)[number] | undefined;
  for (const candidate of candidates) {
    if (compareParsed(candidate.parsed, CURRENT) > 0) continue;
    if (best === undefined || compareParsed(candidate.parsed, best.parsed) > 0) best = candidate;
  }
  if (best === undefined) {
    throw refuse(
      `none of the versions it lists (${[...listed, ...(cniVersion === "" ? [] : [cniVersion])].map((v) => JSON.stringify(v)).join(", ") || "none"}) is one libcni implements (${LIBCNI_CURRENT_VERSION} and older); list a supported version in "cniVersions"`,
    );
  }
  return best.version;
}

/**
 * Go's `json.Marshal` of a value decoded into `interface{}`: object keys
 * sorted by their UTF-8 bytes at every level, Go's string escaping, and
 * float64 numbers written as Go writes them (which is JSON.stringify's text,
 * except for negative zero); any depth up to Go's limit.
 */
export function goMarshalSorted(value: unknown): string {
  return goMarshal(value, { compareKeys: compareUtf8 });
}

/** Compares by Unicode code point, which is UTF-8 byte order (Go's sort of map keys). */
export function compareUtf8(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx - cy;
  }
}

/** A short description of a JSON value's type and, for a primitive, its value, for messages. */
export function describe(value: unknown): string {
  return describeType(value, true);
}
