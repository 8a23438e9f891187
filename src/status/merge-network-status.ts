/**
 * Merging network-status entries into an annotation shared with other
 * writers, and attaching a device-info to an attachment's entries.
 */

import { checkObject, checkString } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { makeIssue } from "../base/issues.js";
import type { DeviceInfo } from "../format/schema.js";
import { describeType, isObject, setOwn } from "../format/validate.js";
import { checkStatusDepth, invalidStatus, type Json, normalizeDeviceInfo, STATUS_KEYS, UNSERIALIZABLE_HINT } from "./_status-fields.js";
import type { NetworkStatus } from "./schema.js";

function attachmentKey(status: unknown, index: number, what: string): string {
  if (!isObject(status)) {
    const issue = makeIssue("error", "not_object", [index], `a network-status entry must be an object, got ${describeType(status)}`);
    throw invalidStatus([issue], `Pass ${what} as an array of network-status entries`);
  }
  const part = (key: "name" | "interface") => {
    const value = status[key];
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    const issue = makeIssue("error", "wrong_type", [index, key], `"${key}" must be a string, got ${describeType(value)}`);
    throw invalidStatus([issue], `Fix ${what}`);
  };
  // JSON text cannot be ambiguous, unlike a separator inside a name.
  return JSON.stringify([part("name"), part("interface")]);
}

function isKnownStatusKey(key: string): boolean {
  return STATUS_KEYS.includes(key);
}

/** The update's known fields, then the existing entry's other keys (updated in place), then the update's new ones. */
function mergeEntry(existing: NetworkStatus, update: NetworkStatus): NetworkStatus {
  const out: Json = {};
  for (const key of STATUS_KEYS) if (Object.hasOwn(update, key)) out[key] = update[key];
  for (const key of Object.keys(existing)) {
    if (isKnownStatusKey(key)) continue;
    if (!Object.hasOwn(update, key)) setOwn(out, key, existing[key]);
    else if (update[key] !== undefined) setOwn(out, key, update[key]);
  }
  for (const key of Object.keys(update)) {
    if (isKnownStatusKey(key) || Object.hasOwn(existing, key) || update[key] === undefined) continue;
    setOwn(out, key, update[key]);
  }
  return out as NetworkStatus;
}

/**
 * Merges network-status entries into an existing annotation (for a writer
 * that shares it with others). Entries are matched on `(name, interface)`
 * (a missing `interface` is `""`):
 *
 * - an update whose attachment is already there replaces that entry in
 *   place: its known fields are the update's, and the existing entry's
 *   unknown keys (another writer's) are kept unless the update sets them (an
 *   update key set to `undefined` removes it);
 * - other updates are appended, in order (known keys first, as a replaced
 *   entry has them);
 * - entries the updates do not name are kept untouched.
 *
 * Idempotent: merging the same updates twice gives the same result as once.
 * Neither input is modified.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` when an entry is not
 *   an object, its `name` / `interface` is not a string, or it is cyclic or
 *   nests deeper than the annotation's 10000 levels (issue `unserializable`,
 *   as `serializeNetworkStatusAnnotation` refuses it).
 *
 * @example
 * ```ts
 * const current = parseNetworkStatusAnnotation(pod.metadata.annotations[NETWORK_STATUS_ANNOTATION] ?? "[]");
 * const next = mergeNetworkStatus(current, createNetworkStatuses(result, "default/sriov-net1", false, info));
 * pod.metadata.annotations[NETWORK_STATUS_ANNOTATION] = serializeNetworkStatusAnnotation(next);
 * ```
 */
export function mergeNetworkStatus(existing: readonly NetworkStatus[], updates: readonly NetworkStatus[]): NetworkStatus[] {
  for (const [list, what] of [
    [existing, "existing"],
    [updates, "updates"],
  ] as const) {
    if (!Array.isArray(list)) {
      const issue = makeIssue("error", "wrong_type", [], `${what} must be an array, got ${describeType(list)}`);
      throw invalidStatus([issue], `Pass ${what} as an array of network-status entries`);
    }
  }
  // Refused here, as serializeNetworkStatusAnnotation would refuse them, not left to fail later untyped.
  checkStatusDepth(existing, UNSERIALIZABLE_HINT);
  checkStatusDepth(updates, UNSERIALIZABLE_HINT);
  const out = [...existing];
  const keys = existing.map((status, i) => attachmentKey(status, i, "existing"));
  updates.forEach((update, i) => {
    const key = attachmentKey(update, i, "updates");
    const at = keys.indexOf(key);
    if (at < 0) {
      // Rebuilt like a replaced entry (known keys first), so that merging again changes nothing.
      out.push(mergeEntry({} as NetworkStatus, update));
      keys.push(key);
    } else {
      out[at] = mergeEntry(out[at] as NetworkStatus, update);
    }
  });
  return out;
}

/** Which entries {@link setNetworkStatusDeviceInfo} changes. */
export interface NetworkStatusTarget {
  /** The entry's `name`, exactly as written (Multus: `namespace/name`). */
  network: string;
  /** The entry's `interface`; omitted: every entry of the network (as Go gives them all the same device-info). */
  interface?: string | undefined;
}

/** {@link setNetworkStatusDeviceInfo}: the target (the statuses and the device-info are data, checked as such). */
function checkSetDeviceInfoArgs(target: unknown): void {
  checkObject(target, "target");
  const { network, interface: ifName } = target as { network?: unknown; interface?: unknown };
  checkString(network, "target.network");
  if (ifName !== undefined) checkString(ifName, "target.interface");
}

/**
 * Attaches a DeviceInfo to the entries of one attachment (or removes it,
 * with `undefined`), for a meta-plugin that learns the device-info after
 * building the entries. Returns a new array; the input is not modified.
 * The device-info is checked leniently (as readers do) and stored in Go's
 * key order.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when no entry
 *   matches (the message lists the entries there are), `ERR_DEVINFO_INVALID`
 *   for a device-info that is not an object or has a known field of the
 *   wrong type, or an entry that is cyclic or nests deeper than the
 *   annotation's 10000 levels (issue `unserializable`, as
 *   `serializeNetworkStatusAnnotation` refuses it).
 *
 * @example
 * ```ts
 * statuses = setNetworkStatusDeviceInfo(statuses, { network: "default/sriov-net1", interface: "net1" }, info);
 * ```
 */
export function setNetworkStatusDeviceInfo(
  statuses: readonly NetworkStatus[],
  target: NetworkStatusTarget,
  deviceInfo: DeviceInfo | undefined,
): NetworkStatus[] {
  checkSetDeviceInfoArgs(target);
  if (!Array.isArray(statuses) || statuses.some((s: unknown) => !isObject(s))) {
    const issue = makeIssue("error", "wrong_type", [], "the statuses must be an array of network-status entries");
    throw invalidStatus([issue], "Pass the array that parseNetworkStatusAnnotation or createNetworkStatuses returned");
  }
  if (!isObject(target) || typeof target.network !== "string") {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the target must be { network: string, interface?: string }, got ${describeType(target)}`,
    );
  }
  checkStatusDepth(statuses, UNSERIALIZABLE_HINT);
  const info = normalizeDeviceInfo(deviceInfo, ["device-info"]);
  const matches = (status: NetworkStatus) =>
    status.name === target.network && (target.interface === undefined || (status.interface ?? "") === target.interface);
  if (!statuses.some(matches)) {
    // A name or interface that is no string is described, not written out (it may be large).
    const shown = (value: unknown) => (typeof value === "string" ? JSON.stringify(value) : `(${describeType(value)})`);
    const present = statuses.map((s) => `${shown(s.name)}@${shown(s.interface ?? "")}`).join(", ") || "none";
    const wanted = `${JSON.stringify(target.network)}${target.interface === undefined ? "" : `@${JSON.stringify(target.interface)}`}`;
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `no network-status entry for ${wanted} (entries: ${present}); pass the entry's exact name and interface`,
    );
  }
  return statuses.map((status) => {
    if (!matches(status)) return status;
    const out: Json = {};
    for (const key of STATUS_KEYS) {
      if (key === "device-info") {
        if (info !== undefined) out[key] = normalizeDeviceInfo(info, ["device-info"]);
      } else if (Object.hasOwn(status, key)) out[key] = status[key];
    }
    for (const key of Object.keys(status)) if (!isKnownStatusKey(key)) setOwn(out, key, status[key]);
    return out as NetworkStatus;
  });
}
