/**
 * Go's encoding/json text from JSON.stringify's.
 *
 * The two differ only in string escaping: Go also escapes `<`, `>`, `&`,
 * U+2028 and U+2029 (HTML-safe), and writes invalid UTF-16 (a lone surrogate,
 * which Go would hold as invalid UTF-8) as U+FFFD. Outside strings these
 * characters cannot occur in JSON text, so a rewrite of the stringified text
 * is exact. `\b` and `\f` stay short escapes, as Go 1.22 and later write them.
 *
 * Key order is the caller's. A JavaScript object always lists integer-like
 * keys ("0", "42") first, so objects whose order matters (Go's field order,
 * then unknown keys) are passed as {@link OrderedObject}s.
 */

import { DeviceInfoError } from "../base/errors.js";
import { makeIssue } from "../base/issues.js";
import { depthOverflowAt, MAX_JSON_DEPTH } from "./_go-text.js";

const NEEDS_GO_ESCAPE = /[<>&\u2028\u2029]|\\u[dD][89a-fA-F]/;
// Escapes are matched whole, left to right, so `\\ud800` (an escaped
// backslash followed by text) is never mistaken for a surrogate escape.
const GO_ESCAPE = /[<>&\u2028\u2029]|\\(?:u[dD][89a-fA-F][0-9a-fA-F]{2}|[^u]|u[0-9a-fA-F]{4})/g;
const REPLACEMENTS: Readonly<Record<string, string>> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/** Rewrites JSON.stringify output into the bytes Go's json.Marshal writes. */
export function toGoEscaping(json: string): string {
  if (!NEEDS_GO_ESCAPE.test(json)) return json;
  return json.replace(GO_ESCAPE, (match) => {
    const replacement = REPLACEMENTS[match];
    if (replacement !== undefined) return replacement;
    // A surrogate escape from JSON.stringify is always a lone one: pairs are written raw.
    return match.length === 6 && /^\\u[dD][89a-fA-F]/.test(match) ? "\\ufffd" : match;
  });
}

const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;

/**
 * The same object as a plain one, whose key order JSON.stringify keeps, or
 * `undefined` when a key looks like an array index (a plain object would list it first).
 */
function toPlainObject(value: OrderedObject): Record<string, unknown> | undefined {
  // No prototype: a "__proto__" key becomes an ordinary property.
  const plain: Record<string, unknown> = Object.create(null);
  for (const [key, item] of value.entries) {
    if (INDEX_KEY.test(key)) return undefined;
    if (item instanceof OrderedObject) {
      const nested = toPlainObject(item);
      if (nested === undefined) return undefined;
      plain[key] = nested;
    } else plain[key] = item;
  }
  return plain;
}

/** An object written with its keys in exactly this order. */
export class OrderedObject {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/**
 * `JSON.stringify` with Go's escaping and {@link OrderedObject}s written in
 * their order; `indent` as in Go's `MarshalIndent`. Values of any depth up to
 * {@link MAX_JSON_DEPTH} are written (without recursion when JSON.stringify
 * runs out of stack).
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` (issue `unserializable`)
 *   for a value nested deeper than {@link MAX_JSON_DEPTH} levels, cyclic, or
 *   holding a BigInt.
 */
export function goJsonStringify(value: unknown, indent = ""): string {
  const text = writeJson(value, indent, 0);
  if (text === undefined) return text as unknown as string;
  if (depthOverflowAt(text) >= 0) throw tooDeep();
  return toGoEscaping(text);
}

/**
 * JSON text of `value` as if written `depth` levels deep with `indent`
 * (before Go's escaping); `undefined` for what JSON omits. The caller checks
 * the depth of the whole text it builds ({@link depthOverflowAt}).
 */
export function writeJson(value: unknown, indent: string, depth: number): string | undefined {
  if (value instanceof OrderedObject) {
    // The common case, no integer-like key: one native JSON.stringify call.
    const plain = toPlainObject(value);
    if (plain !== undefined) return writeJson(plain, indent, depth);
    return encodeJson(value, indent, depth);
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, indent) as string | undefined;
  } catch {
    // Too deep for the stack, cyclic, or a BigInt: the encoder below writes or refuses it.
    return encodeJson(value, indent, depth);
  }
  // Newlines in JSON text are all structural: those inside strings are escaped.
  return text === undefined || indent === "" || depth === 0 ? text : text.replace(/\n/g, `\n${indent.repeat(depth)}`);
}

function tooDeep(): DeviceInfoError {
  return unserializable(`the value is cyclic or nested deeper than ${MAX_JSON_DEPTH} levels, which Go refuses to read`);
}

function unserializable(message: string): DeviceInfoError {
  const issue = makeIssue("error", "unserializable", [], message);
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `cannot be encoded as JSON: ${message}`, { issues: [issue] });
}

/** How {@link goMarshal} writes what `encoding/json` would. */
export interface GoMarshalOptions {
  /** The order of object keys (Go sorts a map's keys by their UTF-8 bytes). */
  readonly compareKeys: (a: string, b: string) => number;
}

/**
 * Go's `json.Marshal` of a value decoded into `interface{}`: object keys in
 * `compareKeys` order at every level, numbers as Go writes a float64 (`-0`
 * for negative zero), Go's escaping, any depth up to {@link MAX_JSON_DEPTH}
 * without recursion.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` (issue `unserializable`)
 *   for a non-finite number, a function, symbol or BigInt, a cycle or too deep a value.
 */
export function goMarshal(value: unknown, options: GoMarshalOptions): string {
  const text = encodeJson(value, "", 0, options);
  if (text === undefined) throw unserializable("undefined has no JSON form");
  return toGoEscaping(text);
}

interface Frame {
  readonly array: boolean;
  readonly entries: readonly (readonly [string, unknown])[] | readonly unknown[];
  readonly level: number;
  readonly key: string;
  readonly parts: string[];
  index: number;
}

/** What JSON.stringify reads for a value: its toJSON(), the primitive inside a wrapper object. */
function jsonValue(value: unknown, key: string): unknown {
  let v = value;
  if ((typeof v === "object" && v !== null) || typeof v === "bigint") {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") v = toJSON.call(v, key);
  }
  if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt) return v.valueOf();
  return v;
}

/**
 * JSON.stringify's text without recursion, with {@link OrderedObject}s in
 * their order: for values too deep for the native encoder's stack. Throws
 * the typed errors of {@link goJsonStringify}.
 */
function encodeJson(root: unknown, indent: string, depth: number, go?: GoMarshalOptions): string | undefined {
  const open = (value: unknown, level: number, key: string): Frame | string | undefined => {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value);
      case "number":
        if (go === undefined) return Number.isFinite(value) ? JSON.stringify(value) : "null";
        if (!Number.isFinite(value)) throw unserializable(`${value} has no JSON form (Go's json.Marshal refuses it too)`);
        return Object.is(value, -0) ? "-0" : JSON.stringify(value);
      case "boolean":
        return String(value);
      case "bigint":
        throw unserializable(`a BigInt (${value}n) has no JSON form; pass a number`);
      case "object":
        break;
      default:
        if (go !== undefined && value !== undefined) throw unserializable(`a ${typeof value} has no JSON form`);
        return undefined;
    }
    if (value === null) return "null";
    if (level > MAX_JSON_DEPTH) throw tooDeep();
    const array = Array.isArray(value);
    let entries = value instanceof OrderedObject ? value.entries : array ? value : Object.entries(value as object);
    if (go !== undefined && !array) entries = [...(entries as (readonly [string, unknown])[])].sort((a, b) => go.compareKeys(a[0], b[0]));
    return { array, entries, level, key, parts: [], index: 0 };
  };
  const close = (frame: Frame): string => {
    const [start, end] = frame.array ? ["[", "]"] : ["{", "}"];
    if (frame.parts.length === 0) return start + end;
    if (indent === "") return `${start}${frame.parts.join(",")}${end}`;
    const pad = `\n${indent.repeat(frame.level)}`;
    return `${start}${pad}${frame.parts.join(`,${pad}`)}\n${indent.repeat(frame.level - 1)}${end}`;
  };
  const add = (frame: Frame, key: string, text: string | undefined) => {
    if (frame.array) frame.parts.push(text ?? "null");
    else if (text !== undefined) frame.parts.push(`${JSON.stringify(key)}:${indent === "" ? "" : " "}${text}`);
  };

  const first = open(jsonValue(root, ""), depth + 1, "");
  if (typeof first !== "object") return first;
  const stack: Frame[] = [first];
  for (;;) {
    const top = stack.at(-1) as Frame;
    if (top.index < top.entries.length) {
      const i = top.index++;
      const [key, raw] = top.array ? [String(i), top.entries[i]] : (top.entries[i] as readonly [string, unknown]);
      const next = open(jsonValue(raw, key), top.level + 1, key);
      if (typeof next === "object") stack.push(next);
      else add(top, key, next);
      continue;
    }
    stack.pop();
    const text = close(top);
    const parent = stack.at(-1);
    if (parent === undefined) return text;
    add(parent, top.key, text);
  }
}

/**
 * A deep copy of JSON data (arrays and plain objects, own enumerable keys,
 * `__proto__` included as a key) without recursion, so any depth a reader
 * accepts can be copied: `structuredClone` runs out of stack at a few
 * thousand levels. Other objects are copied with `structuredClone`; a cycle
 * is refused like a value deeper than {@link MAX_JSON_DEPTH}.
 *
 * @internal
 */
export function cloneJson<T>(value: T): T {
  const copy = (item: unknown): unknown => {
    if (typeof item !== "object" || item === null) return item;
    if (Array.isArray(item)) return new Array<unknown>(item.length);
    const proto = Object.getPrototypeOf(item);
    return proto === Object.prototype || proto === null ? {} : structuredClone(item);
  };
  const root = copy(value);
  const stack: [unknown, unknown, number][] = [[value, root, 1]];
  while (stack.length > 0) {
    const [from, to, level] = stack.pop() as [Record<string, unknown>, Record<string, unknown>, number];
    if (level > MAX_JSON_DEPTH) throw tooDeep();
    if (typeof to !== "object" || to === null || (!Array.isArray(to) && Object.getPrototypeOf(to) !== Object.prototype)) continue;
    for (const key of Object.keys(from)) {
      const item = copy(from[key]);
      if (key === "__proto__") Object.defineProperty(to, key, { value: item, enumerable: true, writable: true, configurable: true });
      else to[key] = item;
      if (item !== from[key]) stack.push([from[key], item, level + 1]);
    }
  }
  return root as T;
}
