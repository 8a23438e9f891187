/**
 * JSON text as Go's encoding/json reads it, for every reader of the package
 * (device-info, network-status, CNI results and configurations, the Downward
 * API, KubeVirt): one decoder, so that they all agree on the hostile cases.
 *
 * - UTF-8 is decoded as Go decodes it: each byte that does not start a valid
 *   sequence becomes one U+FFFD, so a load-then-save writes the bytes Go would.
 * - A lone surrogate (raw in a JavaScript string, or `\ud800` escaped) becomes
 *   U+FFFD, as Go decodes it.
 * - A UTF-8 byte order mark is a syntax error, as for Go ("invalid character 'ï'").
 * - Text nested deeper than {@link MAX_JSON_DEPTH} levels is refused, as Go's
 *   scanner refuses it ("exceeded max depth").
 * - Number literals that JSON.parse would change (`1500.0`, `1.5e3`, integers
 *   beyond 2^53) keep their text on the side, for readers of Go integer fields
 *   ({@link rawNumberOf}).
 *
 * @internal
 */

import { Buffer, isUtf8 } from "node:buffer";
import { DeviceInfoError } from "../base/errors.js";

// Go's field-name fold lives with the field tables (an import-free module); readers of Go text take it from here too.
export { goFold } from "./fields.js";

/**
 * The deepest nesting of arrays and objects Go's encoding/json reads
 * (`maxNestingDepth` in its scanner.go): the outermost array or object is
 * level 1. Every reader refuses deeper text, and every writer refuses to
 * write it, so whatever one part of the package reads, every other part can
 * write, copy and show.
 */
export const MAX_JSON_DEPTH = 10_000;

/**
 * UTF-8 to text as Go's decoder reads it: each byte that does not start a
 * valid sequence becomes one U+FFFD (utf8.DecodeRune). Buffer#toString
 * follows WHATWG instead, which replaces a truncated sequence only once; the
 * difference would change the bytes of a load-then-save round trip.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return buffer.toString("utf8");
  let text = "";
  let start = 0;
  let i = 0;
  while (i < buffer.length) {
    const length = sequenceLength(buffer, i);
    if (length > 0) {
      i += length;
      continue;
    }
    text += `${buffer.toString("utf8", start, i)}\ufffd`;
    start = ++i;
  }
  return text + buffer.toString("utf8", start, i);
}

/** The length of the valid UTF-8 sequence at `i`, or 0 if there is none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] ?? 0;
  const continues = (at: number, low = 0x80, high = 0xbf) => {
    const byte = bytes[i + at];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return continues(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    // E0 excludes overlong forms, ED excludes the surrogates.
    return continues(1, lead === 0xe0 ? 0xa0 : 0x80, lead === 0xed ? 0x9f : 0xbf) && continues(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    return continues(1, lead === 0xf0 ? 0x90 : 0x80, lead === 0xf4 ? 0x8f : 0xbf) && continues(2) && continues(3) ? 4 : 0;
  }
  return 0;
}

// A `\uD800`-`\uDFFF` escape that is not half of a pair. Escapes are matched
// whole from left to right, so an escaped backslash followed by "ud800" is
// not mistaken for one; outside strings a backslash is a syntax error anyway.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const ESCAPES = /\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[dD][89a-fA-F][0-9a-fA-F]{2}|[\s\S])/g;

/**
 * Go decodes a lone surrogate (raw in a JS string, or escaped) as U+FFFD;
 * JSON.parse keeps it. Replacing it first makes the parsed value, and hence
 * the bytes written back, the same as Go's.
 */
export function goSurrogates(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  if (!SURROGATE_ESCAPE.test(wellFormed)) return wellFormed;
  return wellFormed.replace(ESCAPES, (match) => (match.length === 6 && match[1] === "u" ? "\\ufffd" : match));
}

/** What a reader tells {@link readGoJson} for its messages. */
export interface JsonTextContext {
  /** What the text is, as the subject of a sentence: `"the network status"` (`""`: the message starts "not valid JSON"). */
  readonly what: string;
  /** What it should look like, ending the message: `'it must be a JSON array such as [...]'`. */
  readonly hint: string;
  /** The file the text came from, if any: errors carry it as `path` and start with it. */
  readonly file?: string | undefined;
}

/** JSON text as a string or UTF-8 bytes (a Buffer, any typed array or DataView, an ArrayBuffer). */
export type JsonTextInput = string | ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

/** Whether `input` is text {@link readGoJson} reads (a string or bytes). */
export function isJsonText(input: unknown): input is JsonTextInput {
  return typeof input === "string" || ArrayBuffer.isView(input) || input instanceof ArrayBuffer || input instanceof SharedArrayBuffer;
}

/** The text of a string or UTF-8 bytes, decoded as Go decodes it (invalid UTF-8 and lone surrogates as U+FFFD). */
export function goText(input: JsonTextInput): string {
  if (typeof input === "string") return goSurrogates(input);
  const bytes = ArrayBuffer.isView(input)
    ? Buffer.from(input.buffer, input.byteOffset, input.byteLength)
    : Buffer.from(input as ArrayBuffer);
  return goSurrogates(decodeUtf8(bytes));
}

/** What {@link tryReadGoJson} read: the value, or why the text is not JSON. */
export type GoJsonRead =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly detail: string; readonly cause?: unknown };

/**
 * {@link readGoJson} without the error: the value, or why the text is not
 * JSON (`detail`, a phrase such as "the text is empty"), for callers that
 * word the problem themselves (the CLI's listings).
 */
export function tryReadGoJson(input: JsonTextInput): GoJsonRead {
  const text = goText(input);
  if (text.charCodeAt(0) === 0xfeff) {
    return { ok: false, detail: "it starts with a byte order mark (BOM), which Go's reader rejects; save it as UTF-8 without a BOM" };
  }
  if (text.trim() === "") return { ok: false, detail: "the text is empty" };
  const tooDeep = depthOverflowAt(text);
  if (tooDeep >= 0) {
    return {
      ok: false,
      detail: `nested deeper than ${MAX_JSON_DEPTH} levels at position ${tooDeep}, which Go refuses ("exceeded max depth")`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON to JSON.parse: the raw-number reader's words where it reads the text, as it always did.
    try {
      if (needsRawNumbers(text)) return { ok: true, value: parseKeepingNumbers(text) };
      JSON.parse(text);
    } catch (cause) {
      return { ok: false, detail: (cause as Error).message, cause };
    }
  }
  try {
    if (typeof value !== "object" || value === null) {
      return { ok: true, value: needsRawNumbers(text) ? parseKeepingNumbers(text) : value };
    }
    // Numbers need their text only where the value has some: a device-info has none, though its
    // strings ("1.1.0", "0000:af:06.0") would send every one through the tokenizer.
    const { strings, numbers } = census(value);
    if (numbers > 0 && needsRawNumbers(text)) return { ok: true, value: parseKeepingNumbers(text) };
    // JSON.parse merges a key written twice; Go decodes each in turn: read those texts again, entry by entry.
    return { ok: true, value: quotesIn(text) === 2 * strings ? value : parseKeepingNumbers(text) };
  } catch (cause) {
    return { ok: false, detail: (cause as Error).message, cause };
  }
}

/**
 * Parses JSON text the way Go's `json.Unmarshal` reads it (see the module
 * comment). The one JSON-text reader of the package.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for text that is not
 *   JSON: a syntax error, empty text, a byte order mark, nesting deeper than
 *   {@link MAX_JSON_DEPTH}.
 */
export function readGoJson(input: JsonTextInput, context: JsonTextContext): unknown {
  const read = tryReadGoJson(input);
  if (read.ok) return read.value;
  throw new DeviceInfoError(
    "ERR_DEVINFO_PARSE",
    `${context.file === undefined ? "" : `${context.file}: `}${context.what === "" ? "" : `${context.what} is `}not valid JSON (${read.detail}); ${context.hint}`,
    { path: context.file, cause: read.cause },
  );
}

/**
 * The position of the bracket that opens level {@link MAX_JSON_DEPTH} + 1,
 * or -1. Text shorter than two characters per level cannot be that deep, so
 * documents of ordinary size are not scanned at all.
 */
export function depthOverflowAt(text: string): number {
  if (text.length <= 2 * MAX_JSON_DEPTH) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

/**
 * How deep the arrays and objects of a value nest (the value itself is level
 * 1 when it is one), counted without recursion and up to `limit + 1`: a
 * cycle counts as deeper than any limit.
 */
export function valueDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (typeof item !== "object" || item === null) continue;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > limit) return deepest;
    }
    const children = Array.isArray(item) ? item : Object.values(item);
    for (const child of children) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return deepest;
}

// ---------------------------------------------------------------------------
// Number literals JSON.parse would change

const RAW_NUMBERS = new WeakMap<object, Map<string | number, string>>();

/**
 * The literal of the number at `container[key]` when JSON.parse changed it
 * (a fraction or exponent, such as `1500.0` or `1.5e3`, or an integer
 * beyond 2^53, which rounds), for readers of Go integer fields; `undefined`
 * for a plain integer literal or a value that was not read from text.
 */
export function rawNumberOf(container: object, key: string | number): string | undefined {
  return RAW_NUMBERS.get(container)?.get(key);
}

// A number literal outside strings that JSON.parse changes: a fraction, an
// exponent or 16 digits or more. Strings are matched whole first.
const TOKENS = /"(?:[^"\\]|\\[\s\S])*"|-?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]*)?/g;

function needsRawNumbers(text: string): boolean {
  if (!/[0-9][.eE]|[0-9]{16}/.test(text)) return false;
  TOKENS.lastIndex = 0;
  for (let m = TOKENS.exec(text); m !== null; m = TOKENS.exec(text)) {
    const token = m[0];
    if (token.charCodeAt(0) !== 0x22 && !isPlainSafeInteger(token)) return true;
  }
  return false;
}

function isPlainSafeInteger(literal: string): boolean {
  return /^-?(?:0|[1-9][0-9]{0,14})$/.test(literal);
}

// ---------------------------------------------------------------------------
// Keys written twice in one object

/** One key of an object as written: the key, its value, and the number literal JSON.parse changed ({@link rawNumberOf}). */
export type GoEntry = readonly [key: string, value: unknown, literal: string | undefined];

/** The keys of the objects that name a key more than once, in the order written (JSON.parse keeps only the last value). */
const ENTRIES = new WeakMap<object, readonly GoEntry[]>();
/** The values read from text in which some object names a key twice. */
const WITH_DUPLICATES = new WeakSet<object>();

/**
 * Every key of `object` in the order the text wrote them, a key written
 * twice included twice (Go's decoder reads each in turn), with its value and
 * its number literal; for an object not read from text, its own keys.
 */
export function goEntries(object: Record<string, unknown>): readonly GoEntry[] {
  return ENTRIES.get(object) ?? Object.keys(object).map((key): GoEntry => [key, object[key], rawNumberOf(object, key)]);
}

/** Whether `value` was read from text in which some object, at any depth, names a key twice. */
export function hasDuplicateKeys(value: unknown): boolean {
  return typeof value === "object" && value !== null && WITH_DUPLICATES.has(value);
}

/**
 * Whether JSON.parse kept every key of the text: each string of the text
 * (keys and values) is one of the value's, so the text's unescaped quotes
 * number twice the value's strings. One pass over the text and the value,
 * far cheaper than tokenizing: a key written twice is the only way to lose
 * a string. (A text JSON.parse did not read is not checked: the caller
 * has its value.)
 */
export function everyKeyKept(text: string, value: object): boolean {
  return quotesIn(text) === 2 * census(value).strings;
}

/** The unescaped `"` of a text. */
function quotesIn(text: string): number {
  let quotes = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) {
    let slashes = 0;
    while (text.charCodeAt(i - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) quotes++;
  }
  return quotes;
}

/** The strings (keys and string values) and the numbers of a parsed value, counted without recursion. */
function census(root: object): { strings: number; numbers: number } {
  let strings = 0;
  let numbers = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      for (const element of item)
        if (typeof element === "string") strings++;
        else if (typeof element === "number") numbers++;
        else if (typeof element === "object" && element !== null) stack.push(element);
    } else if (typeof item === "object" && item !== null) {
      for (const key of Object.keys(item)) {
        strings++;
        const element = (item as Record<string, unknown>)[key];
        if (typeof element === "string") strings++;
        else if (typeof element === "number") numbers++;
        else if (typeof element === "object" && element !== null) stack.push(element);
      }
    }
  }
  return { strings, numbers };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings exclude raw control characters; matching them is the point
const STRING_TOKEN = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER_TOKEN = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

interface Frame {
  readonly container: Record<string, unknown> | unknown[];
  key: string;
  /** An object's keys as written (kept when one is written twice). */
  readonly entries: GoEntry[];
  duplicate: boolean;
}

/**
 * JSON.parse, without recursion, recording the literal of every number
 * JSON.parse would change (see {@link rawNumberOf}) and the keys of every
 * object that names one twice (see {@link goEntries}). Used only for the
 * rare text that holds such a literal or such a key.
 */
function parseKeepingNumbers(text: string): unknown {
  let i = 0;
  const stack: Frame[] = [];
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else return;
    }
  };
  const syntaxError = (expected: string) =>
    new SyntaxError(
      i >= text.length ? `Unexpected end of JSON input (expected ${expected})` : `Unexpected token at position ${i} (expected ${expected})`,
    );
  const token = (pattern: RegExp, expected: string): string => {
    pattern.lastIndex = i;
    const match = pattern.exec(text);
    if (match === null) throw syntaxError(expected);
    i = pattern.lastIndex;
    return match[0];
  };
  const key = (): string => {
    skipSpace();
    const name = JSON.parse(token(STRING_TOKEN, "a string")) as string;
    skipSpace();
    if (text[i] !== ":") throw syntaxError("':'");
    i++;
    return name;
  };
  let duplicates = false;
  const store = (frame: Frame, value: unknown, raw: string | undefined) => {
    let at: string | number = frame.key;
    if (Array.isArray(frame.container)) {
      at = frame.container.length;
      frame.container.push(value);
    } else {
      frame.entries.push([frame.key, value, raw]);
      if (Object.hasOwn(frame.container, frame.key)) {
        frame.duplicate = true;
        RAW_NUMBERS.get(frame.container)?.delete(at); // the earlier value's literal
      }
      if (frame.key === "__proto__") {
        Object.defineProperty(frame.container, frame.key, { value, enumerable: true, writable: true, configurable: true });
      } else frame.container[frame.key] = value;
    }
    if (raw !== undefined) {
      let map = RAW_NUMBERS.get(frame.container);
      if (map === undefined) {
        map = new Map();
        RAW_NUMBERS.set(frame.container, map);
      }
      map.set(at, raw);
    }
  };

  for (;;) {
    // A value starts here.
    skipSpace();
    let value: unknown;
    let raw: string | undefined;
    const c = text[i];
    if (c === "{" || c === "[") {
      i++;
      skipSpace();
      const container: Frame["container"] = c === "{" ? {} : [];
      if (text[i] === (c === "{" ? "}" : "]")) {
        i++;
        value = container;
      } else {
        stack.push({ container, key: c === "{" ? key() : "", entries: [], duplicate: false });
        continue;
      }
    } else if (c === '"') value = JSON.parse(token(STRING_TOKEN, "a string"));
    else if (c === "t" && text.startsWith("true", i)) [value, i] = [true, i + 4];
    else if (c === "f" && text.startsWith("false", i)) [value, i] = [false, i + 5];
    else if (c === "n" && text.startsWith("null", i)) [value, i] = [null, i + 4];
    else {
      const literal = token(NUMBER_TOKEN, "a value");
      value = Number(literal);
      if (!isPlainSafeInteger(literal)) raw = literal;
    }
    // Store it, then close every container that ends here.
    for (;;) {
      const frame = stack.at(-1);
      if (frame === undefined) {
        skipSpace();
        if (i < text.length) throw syntaxError("the end of the text");
        if (duplicates) WITH_DUPLICATES.add(value as object);
        return value;
      }
      store(frame, value, raw);
      raw = undefined;
      skipSpace();
      const array = Array.isArray(frame.container);
      if (text[i] === ",") {
        i++;
        if (!array) frame.key = key();
        break;
      }
      if (text[i] !== (array ? "]" : "}")) throw syntaxError(array ? "',' or ']'" : "',' or '}'");
      i++;
      stack.pop();
      if (frame.duplicate) {
        ENTRIES.set(frame.container, frame.entries);
        duplicates = true;
      }
      value = frame.container;
    }
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_LITERAL = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * A value decoded into a Go `int` (int64 on the platforms Kubernetes runs
 * on), as encoding/json decodes it: an integer literal (`1500.0` and `1.5e3`
 * are type errors for Go) within int64. Beyond 2^53 the value is a bigint,
 * kept exact. `literal` is the number's text when it was read from text
 * ({@link rawNumberOf}). Returns the value, or the reason it is refused.
 */
export function decodeGoInt(value: number | bigint, literal: string | undefined): { value: number | bigint } | { error: string } {
  if (typeof value === "bigint") {
    return value >= INT64_MIN && value <= INT64_MAX ? { value } : { error: `${value} is out of the range of Go's int64` };
  }
  if (literal !== undefined) {
    if (!INTEGER_LITERAL.test(literal))
      return { error: `must be an integer, got ${literal} (Go's decoder refuses a fraction or an exponent)` };
    const exact = BigInt(literal);
    if (exact < INT64_MIN || exact > INT64_MAX) return { error: `${literal} is out of the range of Go's int64` };
    return { value: Number.isSafeInteger(value) ? value : exact };
  }
  if (Number.isSafeInteger(value)) return { value };
  return { error: `must be an integer, got ${String(value)}${Number.isInteger(value) ? " (beyond 2^53: pass it as a bigint)" : ""}` };
}
