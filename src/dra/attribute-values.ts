/**
 * One device attribute's value as the readers take it (`deviceInfoFromDeviceAttributes`):
 * exactly one member of the `DeviceAttribute` union, of the kind its field
 * has; anything else is reported as a {@link DraWarning} and ignored.
 */

import { isObject } from "../format/validate.js";
import type { DraWarning } from "./limits.js";
import { isNUMANode, MAX_NUMA_NODES } from "./standard.js";

/** The one value of an attribute, or `undefined` (with a warning) when it has none or several. */
export function attributeValue(name: string, raw: unknown, warnings: DraWarning[]): { kind: string; value: unknown } | undefined {
  if (isObject(raw)) {
    const set = Object.keys(raw).filter((k) => raw[k] !== undefined && raw[k] !== null);
    const kind = set[0];
    if (set.length === 1 && kind !== undefined) return { kind, value: raw[kind] };
  }
  warnings.push({
    code: "invalid_attribute",
    attribute: name,
    message: `${name} must be an object with exactly one of "string", "int", "bool", "version" (or a list form: "strings", "ints", "bools", "versions"); got ${JSON.stringify(raw) ?? String(raw)}; it is ignored`,
  });
  return undefined;
}

/** A string-valued attribute (`string`, or leniently `version` where a version is read). */
export function stringValue(name: string, raw: unknown, warnings: DraWarning[], kind: "string" | "version"): string | undefined {
  const value = attributeValue(name, raw, warnings);
  if (value === undefined) return undefined;
  if ((value.kind === "string" || value.kind === "version") && typeof value.value === "string") {
    if (value.kind !== kind) {
      warnings.push({
        code: "wrong_attribute_type",
        attribute: name,
        message: `${name} should be a ${kind} attribute, got a ${value.kind} one; read anyway`,
      });
    }
    return value.value;
  }
  warnings.push({
    code: "wrong_attribute_type",
    attribute: name,
    message: `${name} must be a ${kind} attribute, got ${JSON.stringify(raw)}; it is ignored`,
  });
  return undefined;
}

/**
 * A NUMA node attribute as the upstream helper publishes it: an `int` from 0
 * to 1023, or an `ints` list of such, the physical node first. Anything else
 * is reported and ignored (a `-1` would match every NUMA-less device).
 */
export function numaNodeValue(name: string, raw: unknown, warnings: DraWarning[]): number | undefined {
  const value = attributeValue(name, raw, warnings);
  if (value === undefined) return undefined;
  if (value.kind === "int" && isNUMANode(value.value)) return value.value;
  if (value.kind === "ints" && Array.isArray(value.value) && value.value.length > 0 && value.value.every(isNUMANode)) {
    return value.value[0] as number;
  }
  warnings.push({
    code: "nonstandard_value",
    attribute: name,
    message: `${name} must be an int from 0 to ${MAX_NUMA_NODES - 1}, or a non-empty ints list of such, got ${JSON.stringify(raw)}; it is ignored`,
  });
  return undefined;
}
