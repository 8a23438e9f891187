/**
 * The fast path of encoding and decoding for the documents nearly every
 * device plugin writes: conforming to spec v1.1.0 with nothing unusual
 * (keys exactly in Go's order, no unknown or case-variant key, no `null`,
 * every value a non-empty printable ASCII string that JSON writes without an
 * escape). For those, validation finds nothing, Go's encoding is a plain
 * concatenation, and `JSON.parse` already returns the value the general
 * reader would build. Anything else returns `undefined`, and the caller uses
 * the general code (`checkDeviceInfo`, `serializeDeviceInfo`,
 * `parseDocument`), which alone words warnings and errors.
 *
 * "Conforming" is decided by the spec's rule table (`rules.ts`), the one the
 * general validator reports from: a document that breaks any rule there
 * takes the general path, which words it. The only checks of this file's own
 * are the shape above, which the general code handles by decoding.
 *
 * The result is exactly the general code's: the same bytes, the same value,
 * no warning (a conforming document has none), and each property of the
 * input read once, in the order the general validator reads them. Tests
 * compare both over a case of every rule, the fixture set and fuzzed
 * documents (test/format/rules.test.ts, test/files/_fast.test.ts).
 *
 * @internal
 */

import { type Buffer, isAscii } from "node:buffer";
import { everyKeyKept } from "./_go-text.js";
import { FIELD_RULES, type FieldRules, firstBroken, type SubObjects, TYPE_RULES, type ValueRule, VERSION_RULES } from "./rules.js";
import type { DeviceInfo } from "./schema.js";

const RULES: ReadonlyMap<string, readonly FieldRules[]> = new Map(Object.entries(FIELD_RULES));
/** A document of the fast path has one sub-object: the one its third key names. */
const ONLY: ReadonlyMap<string, SubObjects> = new Map(Object.keys(FIELD_RULES).map((device) => [device, new Set([device])]));

/**
 * A non-empty string of printable ASCII without `"`, `\` (JSON escapes) and
 * `<`, `>`, `&` (Go's HTML-safe escapes): JSON text `"<value>"` as it is.
 */
function plain(value: unknown): value is string {
  if (typeof value !== "string" || value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) return false;
  }
  return true;
}

/**
 * The JSON members of a conforming sub-object (`"k":"v",...`), or
 * `undefined`. `withText` false: only checks, and returns "".
 */
function members(rules: readonly FieldRules[], sub: unknown, objects: SubObjects, withText: boolean): string | undefined {
  if (typeof sub !== "object" || sub === null || Array.isArray(sub)) return undefined;
  const record = sub as Record<string, unknown>;
  let text = "";
  let next = 0; // rules before `next` are passed: keys must come in Go's order
  for (const key of Object.keys(record)) {
    let at = next;
    while (at < rules.length && (rules[at] as FieldRules).key !== key) {
      if ((rules[at] as FieldRules).missing !== undefined) return undefined; // a required field is missing
      at++;
    }
    const rule = rules[at];
    if (rule === undefined) return undefined; // unknown, case-variant, or out of order
    const value = record[key];
    if (!plain(value) || !follows(rule.checks, value, objects)) return undefined;
    if (withText) text += `${text === "" ? "" : ","}"${key}":"${value}"`;
    next = at + 1;
  }
  for (let at = next; at < rules.length; at++) if ((rules[at] as FieldRules).missing !== undefined) return undefined;
  return text;
}

/** Whether `value` breaks none of `checks` (all of them, as the validator reports all). */
function follows(checks: readonly ValueRule[], value: string, objects: SubObjects): boolean {
  for (const check of checks) if (!check.accepts(value, objects)) return false;
  return true;
}

function conforming(info: unknown, withText: boolean): string | undefined {
  if (typeof info !== "object" || info === null || Array.isArray(info)) return undefined;
  const record = info as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length !== 3 || keys[0] !== "type" || keys[1] !== "version") return undefined;
  const type = record.type;
  const version = record.version;
  const device = keys[2] as string;
  const rules = RULES.get(device);
  const objects = ONLY.get(device);
  if (rules === undefined || objects === undefined) return undefined;
  if (!plain(type) || firstBroken(TYPE_RULES, type, objects) !== undefined) return undefined;
  if (!plain(version) || firstBroken(VERSION_RULES, version, objects) !== undefined) return undefined;
  const inner = members(rules, record[device], objects, withText);
  if (inner === undefined) return undefined;
  return withText ? `{"type":"${type}","version":"${version}","${device}":{${inner}}}` : "";
}

/**
 * Go's `json.Marshal` text of a conforming document (what
 * `serializeDeviceInfo(checkDeviceInfo(info).value)` returns), or
 * `undefined` when the document needs the general code.
 */
export function encodeConforming(info: unknown): string | undefined {
  return conforming(info, true);
}

/**
 * The value of a conforming document's UTF-8 bytes (what
 * `parseDocument(bytes)` returns, without warnings), or `undefined` when the
 * bytes need the general reader (not ASCII, not JSON, not conforming).
 */
export function parseConforming(bytes: Buffer): DeviceInfo | undefined {
  const doc = parseAscii(bytes);
  return doc === undefined || conforming(doc, false) === undefined ? undefined : (doc as DeviceInfo);
}

/**
 * Both at once, for a copy: the value of conforming bytes and Go's text of
 * it (`parseConforming(bytes)` and `encodeConforming` of that), checked in
 * one pass, or `undefined` when the bytes need the general code.
 */
export function transcodeConforming(bytes: Buffer): { readonly info: DeviceInfo; readonly text: string } | undefined {
  const doc = parseAscii(bytes);
  const text = doc === undefined ? undefined : conforming(doc, true);
  return text === undefined ? undefined : { info: doc as DeviceInfo, text };
}

/** `JSON.parse` of non-empty ASCII bytes, or `undefined` (the general reader words every problem). */
function parseAscii(bytes: Buffer): unknown {
  if (bytes.byteLength === 0 || !isAscii(bytes)) return undefined;
  try {
    const text = bytes.toString("latin1");
    const doc: unknown = JSON.parse(text);
    // A key written twice is Go's to decode (JSON.parse keeps only the last value).
    return typeof doc === "object" && doc !== null && !everyKeyKept(text, doc) ? undefined : doc;
  } catch {
    return undefined;
  }
}
