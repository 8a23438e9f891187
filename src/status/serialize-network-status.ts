/**
 * Writing the `k8s.v1.cni.cncf.io/network-status` annotation (spec section
 * 6) byte for byte as the Go reference's `SetNetworkStatus` writes it.
 */

import { type DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { IssueCollector, makeIssue } from "../base/issues.js";
import { depthOverflowAt, MAX_JSON_DEPTH } from "../format/_go-text.js";
import { toGoEscaping, writeJson } from "../format/go-json.js";
import { describeType, isObject } from "../format/validate.js";
import {
  checkStatusDepth,
  DNS_KEYS,
  invalidStatus,
  type Json,
  type Path,
  STATUS_FIELDS,
  STATUS_KEYS,
  UNSERIALIZABLE_HINT,
  walkFields,
} from "./_status-fields.js";
import type { NetworkStatus } from "./schema.js";

/**
 * The annotation value Go's `SetNetworkStatus` writes, byte for byte: each
 * entry as `json.MarshalIndent(entry, "", "    ")`, joined by `,` inside
 * `[` `]`. Fields in Go's order (`name, interface, ips, mac, mtu, default,
 * dns, device-info, gateway`), empty values omitted except `name` and `dns`
 * (always written, `{}` when empty), Go's escaping, the device-info encoded
 * as {@link serializeDeviceInfo} does. Unknown keys (other writers', the
 * legacy `device`) are written after the known ones in their original order
 * (integer-like keys such as `"0"` included, which a JavaScript object lists
 * first).
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for an entry that is
 *   not an object or has a known field of the wrong type (issues carry the
 *   JSON path, e.g. `$[1]['mtu']`).
 *
 * @example
 * ```ts
 * serializeNetworkStatusAnnotation([{ name: "x" }]);
 * // '[{\n    "name": "x",\n    "dns": {}\n}]'
 * ```
 */
export function serializeNetworkStatusAnnotation(statuses: readonly NetworkStatus[]): string {
  if (!Array.isArray(statuses)) {
    const issue = makeIssue("error", "wrong_type", [], `the statuses must be an array, got ${describeType(statuses)}`);
    throw invalidStatus([issue], "Pass an array of network-status entries");
  }
  // Refused before any encoding: the indented text of a deep value is huge (as Go's MarshalIndent writes it).
  checkStatusDepth(statuses, UNSERIALIZABLE_HINT);
  const sink = new IssueCollector(true);
  const entries = statuses.map((status, i) => toGoStatus(status, i, sink));
  if (sink.failed) throw invalidStatus(sink.errors, "Fix these fields");
  const parts: string[] = [];
  for (const entry of entries) {
    try {
      parts.push(toGoEscaping(writeObject(entry, STATUS_KEYS, 0)));
    } catch (cause) {
      const detail = isDeviceInfoError(cause) ? (cause.issues[0]?.message ?? cause.message) : (cause as Error).message;
      throw unserializable([parts.length], detail, cause);
    }
  }
  const text = `[${parts.join(",")}]`;
  // The entries are encoded one level deep: the whole text is what Go reads.
  if (depthOverflowAt(text) >= 0) {
    throw unserializable([], `the annotation would nest deeper than ${MAX_JSON_DEPTH} levels, which Go refuses to read`);
  }
  return text;
}

const INDENT = "    ";

/** `JSON.stringify(value, null, INDENT)` as if written `depth` levels deep; `undefined` for what JSON omits. */
function jsonAt(value: unknown, depth: number): string | undefined {
  return writeJson(value, INDENT, depth);
}

/**
 * Go's MarshalIndent layout for an entry (or its `dns`): the known keys in
 * `order`, then the others in the object's order. Written by hand because a
 * JavaScript object always lists integer-like keys ("0", "42") first, and
 * JSON.stringify would put another writer's key "0" before "name".
 */
function writeObject(obj: Json, order: readonly string[], depth: number): string {
  const keys = [...order.filter((k) => Object.hasOwn(obj, k)), ...Object.keys(obj).filter((k) => !order.includes(k))];
  const pad = INDENT.repeat(depth + 1);
  const parts: string[] = [];
  for (const key of keys) {
    const value = obj[key];
    const text =
      depth === 0 && key === "dns" && isObject(value)
        ? writeObject(value, DNS_KEYS, 1)
        : depth === 0 && key === "mtu" && typeof value === "bigint"
          ? String(value) // Go's int64 beyond 2^53, exact
          : jsonAt(value, depth + 1);
    if (text !== undefined) parts.push(`${pad}${JSON.stringify(key)}: ${text}`);
  }
  return parts.length === 0 ? "{}" : `{\n${parts.join(",\n")}\n${INDENT.repeat(depth)}}`;
}

/** Checks one entry for writing and returns it in Go's order with Go's omissions. */
function toGoStatus(status: unknown, index: number, sink: IssueCollector): Json {
  if (!isObject(status)) {
    sink.error("not_object", [index], `a network-status entry must be an object, got ${describeType(status)}`);
    return {};
  }
  return walkFields(status, STATUS_FIELDS, [index], { sink, mode: "write" });
}

function unserializable(path: Path, detail: string, cause?: unknown): DeviceInfoError {
  const issue = makeIssue("error", "unserializable", path, `cannot be encoded as JSON: ${detail}`);
  return invalidStatus([issue], UNSERIALIZABLE_HINT, undefined, cause);
}
