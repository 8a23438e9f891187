/**
 * What the kubelet writes for a Downward API `metadata.annotations` item, for
 * the demo: one `key="value"` line per annotation, keys sorted, each value
 * quoted as Go's `strconv.Quote` quotes it (`fmt.Sprintf("%v=%q\n", ...)`),
 * lines joined by `\n` without a trailing one.
 */

const SHORT: Readonly<Record<string, string>> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** `strconv.Quote` for a well-formed string. */
export function goQuote(value: string): string {
  let out = '"';
  for (const char of value) {
    const short = SHORT[char];
    if (short !== undefined) out += short;
    else if (PRINTABLE.test(char)) out += char;
    else {
      const code = char.codePointAt(0) ?? 0;
      if (code < 0x80) out += `\\x${code.toString(16).padStart(2, "0")}`;
      else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, "0")}`;
      else out += `\\U${code.toString(16).padStart(8, "0")}`;
    }
  }
  return `${out}"`;
}

/** The file content for an annotation map. */
export function formatDownwardAPIAnnotations(annotations: Readonly<Record<string, string>>): string {
  return Object.keys(annotations)
    .sort()
    .map((key) => `${key}=${goQuote(annotations[key] ?? "")}`)
    .join("\n");
}
