/**
 * Test-only: Go's `strconv.Quote` and the kubelet's Downward API file format
 * (`fieldpath.FormatMap`), written from Go's documented rules so that tests
 * can produce files the kubelet would write. Checked against the kubelet's
 * real output in `fixtures/downward-api/` (see downward-api.test.ts).
 */

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrint(codePoint: number): boolean {
  return codePoint === 0x20 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(codePoint));
}

const SHORT: Readonly<Record<number, string>> = { 7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v" };

/**
 * `strconv.Quote(s)` for a well-formed string. A lone surrogate is replaced
 * with U+FFFD first, as every reader decodes it: a Go string cannot hold one
 * (its 3 bytes would be invalid UTF-8, which Quote writes as `\x` escapes).
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s.toWellFormed()) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (isGoPrint(cp)) out += ch;
    else if (SHORT[cp] !== undefined) out += SHORT[cp];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

/** The kubelet's annotations file: `key="value"` lines, keys sorted bytewise, no trailing newline. */
export function formatDownwardAPIFile(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return keys.map((key) => `${key}=${goQuote(map[key] as string)}`).join("\n");
}
