/**
 * The bytes the Go reference writes: json.Marshal of its DeviceInfo struct.
 */

import { checkOptionsWith, type OptionRules, oneOf } from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, makeIssue } from "../base/issues.js";
import { invalidDeviceInfo } from "./_invalid.js";
import { DEVICE_FIELDS, DEVICE_TYPES } from "./fields.js";
import { goJsonStringify, OrderedObject } from "./go-json.js";
import type { DeviceInfo } from "./schema.js";
import { describeType, isObject } from "./validate.js";

/** Options of {@link serializeDeviceInfo}. */
export interface SerializeOptions {
  /**
   * `"keep"` (default) writes keys the spec does not define after the known
   * ones, in their original order, so new spec fields survive a copy.
   * `"drop"` writes only the fields of the Go reference's struct, exactly as
   * Go's json.Marshal does after decoding the document.
   */
  unknownKeys?: "keep" | "drop" | undefined;
}

/** The rule of each {@link SerializeOptions} option. @internal */
export const SERIALIZE_OPTION_RULES: OptionRules<SerializeOptions> = { unknownKeys: oneOf("keep", "drop") };
const checkSerializeOptions = (o: SerializeOptions | undefined): SerializeOptions | undefined =>
  checkOptionsWith(o, SERIALIZE_OPTION_RULES);

/**
 * Encodes a device-info document exactly as the Go reference (`json.Marshal`)
 * does: compact, no trailing newline, fields in the order `type, version, pci,
 * vdpa, vhost-user, memif` (sub-fields in Go struct order), empty strings
 * omitted, an empty sub-object kept as `{}`, and Go's escaping (`<` `>` `&`
 * as `\u003c` `\u003e` `\u0026`, U+2028/U+2029 escaped).
 *
 * It does not check the spec's rules (use {@link validateDeviceInfo}); it does
 * reject what cannot be encoded, with an `ERR_DEVINFO_INVALID` error.
 *
 * @example
 * ```ts
 * serializeDeviceInfo({ version: "1.1.0", type: "pci", pci: { "pci-address": "0000:af:06.0" } });
 * // '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}'
 * ```
 */
export function serializeDeviceInfo(info: DeviceInfo, options: SerializeOptions = {}): string {
  checkSerializeOptions(options);
  const ordered = toGoOrder(info, options.unknownKeys !== "drop");
  try {
    return goJsonStringify(ordered);
  } catch (cause) {
    const detail = isDeviceInfoError(cause) ? (cause.issues[0]?.message ?? cause.message) : (cause as Error).message;
    const issue = makeIssue("error", "unserializable", [], `cannot be encoded as JSON: ${detail}`);
    const error = invalidDeviceInfo([issue], { action: "encode" });
    throw new DeviceInfoError(error.code, error.message, { issues: error.issues, cause });
  }
}

/**
 * `info` with keys in Go's order (unknown keys after the known ones, in their
 * original order) and Go's omissions applied, for {@link goJsonStringify}.
 * Throws `ERR_DEVINFO_INVALID` for a known field of the wrong type. Also used
 * to embed device-info in other Go-encoded documents.
 *
 * @internal
 */
export function toGoOrder(info: unknown, keepUnknown: boolean): OrderedObject {
  const issues: DeviceInfoIssue[] = [];
  if (!isObject(info)) {
    issues.push(makeIssue("error", "not_object", [], `a device-info document must be an object, got ${describeType(info)}`));
    throw invalid(issues);
  }
  const out: [string, unknown][] = [];
  for (const key of ["type", "version"] as const) {
    const value = info[key];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value === "string") out.push([key, value]);
    else issues.push(makeIssue("error", "wrong_type", [key], `"${key}" must be a string, got ${describeType(value)}`));
  }
  for (const device of DEVICE_TYPES) {
    const sub = info[device];
    if (sub === undefined || sub === null) continue;
    if (!isObject(sub)) {
      issues.push(makeIssue("error", "wrong_type", [device], `"${device}" must be an object, got ${describeType(sub)}`));
      continue;
    }
    const obj: [string, unknown][] = [];
    const known = new Set<string>();
    for (const { key } of DEVICE_FIELDS[device]) {
      known.add(key);
      const value = sub[key];
      if (value === undefined || value === null || value === "") continue;
      if (typeof value === "string") obj.push([key, value]);
      else issues.push(makeIssue("error", "wrong_type", [device, key], `"${key}" must be a string, got ${describeType(value)}`));
    }
    if (keepUnknown) for (const key of Object.keys(sub)) if (!known.has(key)) obj.push([key, sub[key]]);
    out.push([device, new OrderedObject(obj)]);
  }
  if (keepUnknown) {
    for (const key of Object.keys(info)) {
      if (key !== "type" && key !== "version" && !(DEVICE_TYPES as readonly string[]).includes(key)) out.push([key, info[key]]);
    }
  }
  if (issues.length > 0) throw invalid(issues);
  return new OrderedObject(out);
}

function invalid(issues: DeviceInfoIssue[]): DeviceInfoError {
  return invalidDeviceInfo(issues, { action: "encode" });
}
