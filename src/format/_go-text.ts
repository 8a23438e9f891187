/**
 * Text as Go's encoding/json reads it, so that a load-then-save writes the
 * bytes Go would: invalid UTF-8 and lone surrogates become U+FFFD. Shared by
 * every reader of JSON documents (device-info, network-status, KubeVirt).
 */

import { type Buffer, isUtf8 } from "node:buffer";

/**
 * UTF-8 to text as Go's decoder reads it: each byte that does not start a
 * valid sequence becomes one U+FFFD (utf8.DecodeRune). Buffer#toString
 * follows WHATWG instead, which replaces a truncated sequence only once; the
 * difference would change the bytes of a load-then-save round trip.
 */
export function decodeUtf8(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString("utf8");
  let text = "";
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    text += `${bytes.toString("utf8", start, i)}\ufffd`;
    start = ++i;
  }
  return text + bytes.toString("utf8", start, i);
}

/** The length of the valid UTF-8 sequence at `i`, or 0 if there is none. */
function sequenceLength(bytes: Buffer, i: number): number {
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
