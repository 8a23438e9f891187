/**
 * CNI network configurations as both roles see them: a single plugin
 * configuration or a configuration list (`plugins`), given as JSON text,
 * UTF-8 bytes or an already parsed object. Also Go's `json.Marshal` of a
 * `map[string]interface{}`, which is how libcni re-encodes every
 * configuration it hands to a plugin.
 *
 * @internal
 */

import { DeviceInfoError } from "../errors.js";
import { isJsonText, readGoJson } from "../format/_go-text.js";
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

/** The capabilities a plugin configuration declares as `true` (libcni ignores the others). */
export function declaredCapabilities(plugin: Json): string[] {
  const capabilities = plugin.capabilities;
  if (!isObject(capabilities)) return [];
  return Object.keys(capabilities).filter((key) => capabilities[key] === true);
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
