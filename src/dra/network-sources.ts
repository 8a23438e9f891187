/**
 * The readers of the Kubernetes objects `resolveDRANetworkDevices` takes:
 * fields checked as Go decodes them, and the ResourceSlices' device attributes.
 * Internal to devinfo/dra.
 */

import { invalidArgType, isPlainObject } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssueCode, makeIssue } from "../base/issues.js";
import { describeType, isObject } from "../format/validate.js";
import type { DeviceAttributes } from "./types.js";

type Path = readonly (string | number)[];

export function invalid(what: string, path: Path, code: DeviceInfoIssueCode, message: string): DeviceInfoError {
  const issue = makeIssue("error", code, path, message);
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `${what}: ${issue.jsonPath} ${message}`, { issues: [issue] });
}

/** A reader of one Kubernetes object: `null` is absent, as Go decodes it; a wrong type is ERR_DEVINFO_INVALID naming the field. */
export function reader(what: string) {
  const list = (value: unknown, path: Path): unknown[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid(what, path, "wrong_type", `must be a list, got ${describeType(value)}`);
    return value;
  };
  const object = (value: unknown, path: Path): Record<string, unknown> | undefined => {
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw invalid(what, path, "wrong_type", `must be an object, got ${describeType(value)}`);
    return value;
  };
  const string = (value: unknown, path: Path, required = false): string | undefined => {
    if ((value === undefined || value === null || value === "") && !required) return undefined;
    if (typeof value !== "string" || value === "")
      throw invalid(what, path, required ? "missing_field" : "wrong_type", `must be a non-empty string, got ${describeType(value)}`);
    return value;
  };
  return { list, object, string };
}

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** JSON with sorted keys: two attribute objects are the same when these are equal. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    isPlainObject(v) && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => compare(a, b))) : v,
  );
/** Each device's attributes by [driver, pool, device], from the newest generation of its pool. */
export function sliceAttributes(slices: readonly unknown[]): Map<string, DeviceAttributes> {
  const r = reader("a ResourceSlice");
  const newest = new Map<string, number>();
  const read = slices.map((item, i) => {
    if (!isPlainObject(item)) throw invalidArgType(`input.resourceSlices[${i}]`, "a ResourceSlice object", item);
    const spec = r.object(item.spec, ["spec"]) ?? {};
    const driver = r.string(spec.driver, ["spec", "driver"], true) as string;
    const pool = r.object(spec.pool, ["spec", "pool"]) ?? {};
    const poolName = r.string(pool.name, ["spec", "pool", "name"], true) as string;
    const generation = pool.generation ?? 0;
    if (typeof generation !== "number" || !Number.isInteger(generation))
      throw invalid("a ResourceSlice", ["spec", "pool", "generation"], "wrong_type", `must be an integer, got ${describeType(generation)}`);
    const key = JSON.stringify([driver, poolName]);
    newest.set(key, Math.max(newest.get(key) ?? generation, generation));
    return { driver, poolName, generation, key, devices: r.list(spec.devices, ["spec", "devices"]) };
  });
  const out = new Map<string, DeviceAttributes>();
  for (const slice of read) {
    if (slice.generation !== newest.get(slice.key)) continue; // a pool being replaced: its older slices are stale
    slice.devices.forEach((device, j) => {
      const d = r.object(device, ["spec", "devices", j]) ?? {};
      const name = r.string(d.name, ["spec", "devices", j, "name"], true) as string;
      const attributes = r.object(d.attributes, ["spec", "devices", j, "attributes"]) ?? {};
      const key = JSON.stringify([slice.driver, slice.poolName, name]);
      const earlier = out.get(key);
      if (earlier !== undefined && canonical(earlier) !== canonical(attributes))
        throw new DeviceInfoError(
          "ERR_DEVINFO_CONFLICT",
          `the ResourceSlices of pool ${slice.driver}/${slice.poolName} (generation ${slice.generation}) list device "${name}" twice with different attributes: a pool names each device once; fetch the slices again`,
        );
      out.set(key, attributes as DeviceAttributes);
    });
  }
  return out;
}
