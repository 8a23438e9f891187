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
 * their order; `indent` as in Go's `MarshalIndent`. Throws what
 * JSON.stringify throws (cycles, BigInt, nesting too deep).
 */
export function goJsonStringify(value: unknown, indent = ""): string {
  return toGoEscaping(writeJson(value, indent, 0) as string);
}

/**
 * JSON text of `value` as if written `depth` levels deep with `indent`
 * (before Go's escaping); `undefined` for what JSON omits.
 */
export function writeJson(value: unknown, indent: string, depth: number): string | undefined {
  if (value instanceof OrderedObject) {
    // The common case, no integer-like key: one native JSON.stringify call.
    const plain = toPlainObject(value);
    if (plain !== undefined) return writeJson(plain, indent, depth);
    const parts: string[] = [];
    for (const [key, item] of value.entries) {
      const text = writeJson(item, indent, depth + 1);
      if (text !== undefined) parts.push(indent === "" ? `${JSON.stringify(key)}:${text}` : `${JSON.stringify(key)}: ${text}`);
    }
    if (indent === "" || parts.length === 0) return `{${parts.join(",")}}`;
    const pad = `\n${indent.repeat(depth + 1)}`;
    return `{${pad}${parts.join(`,${pad}`)}\n${indent.repeat(depth)}}`;
  }
  const text = JSON.stringify(value, null, indent) as string | undefined;
  // Newlines in JSON text are all structural: those inside strings are escaped.
  return text === undefined || indent === "" || depth === 0 ? text : text.replace(/\n/g, `\n${indent.repeat(depth)}`);
}
