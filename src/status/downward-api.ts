/**
 * The file the kubelet writes for a Downward API `metadata.annotations` (or
 * `metadata.labels`) volume item: one `key="value"` line per entry, keys
 * sorted, each value quoted with Go's `strconv.Quote` (the kubelet's
 * `fmt.Sprintf("%v=%q\n", ...)`), no trailing newline.
 *
 * Decoding is exact: every escape `strconv.Unquote` accepts, nothing else.
 * (Hand-rolled readers get this wrong: stripping every backslash corrupts
 * `\"` and `\\`, and skipping values that contain `=` loses JSON.)
 */

import { DeviceInfoError } from "../base/errors.js";
import { decodeUtf8 } from "../format/_go-text.js";
import { describeType, setOwn } from "../format/validate.js";

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
};

const HEX = /^[0-9a-fA-F]+$/;

function isHex(text: string, length: number): boolean {
  return text.length === length && HEX.test(text);
}

/**
 * Parses a Downward API annotations (or labels) file into a plain object of
 * key → value, decoding each value exactly as Go's `strconv.Unquote` does:
 * `\"`, `\\`, `\a \b \f \n \r \t \v`, `\xNN` and three-digit octal escapes
 * (bytes), `\uXXXX` and `\UXXXXXXXX` (code points), raw UTF-8 for the rest.
 * Byte escapes that do not form valid UTF-8 become one U+FFFD per byte, as
 * when Go reads the value as text (the kubelet never writes such bytes:
 * annotation values are valid UTF-8).
 *
 * Blank lines (a trailing newline, say) are ignored. A key that appears
 * twice keeps its last value.
 *
 * @param text - the file's content, as a string or UTF-8 bytes
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for a malformed line, with
 *   `line` set to its 1-based number and a message that shows what is wrong.
 *
 * @example
 * ```ts
 * const annotations = parseDownwardAPIAnnotations(fs.readFileSync("/etc/podnetinfo/annotations", "utf8"));
 * const statuses = parseNetworkStatusAnnotation(annotations[NETWORK_STATUS_ANNOTATION] ?? "[]");
 * ```
 */
export function parseDownwardAPIAnnotations(text: string | Uint8Array): Record<string, string> {
  return parseAnnotationsText(text, undefined);
}

/**
 * parseDownwardAPIAnnotations with the file name errors should carry.
 *
 * @internal
 */
export function parseAnnotationsText(input: string | Uint8Array, file: string | undefined): Record<string, string> {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    throw new DeviceInfoError("ERR_DEVINFO_PARSE", `a Downward API file must be text, got ${describeType(input)}`, { path: file });
  }
  // Go's strings are UTF-8: invalid bytes and lone surrogates are U+FFFD (escapes are decoded below, as Go does).
  const text = typeof input === "string" ? input.toWellFormed() : decodeUtf8(input);
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === "") continue;
    const [key, value] = parseLine(line, i + 1, file);
    setOwn(out, key, value);
  }
  return out;
}

function syntaxError(file: string | undefined, line: number, column: number, message: string): DeviceInfoError {
  const where = file === undefined ? `line ${line}` : `${file}:${line}`;
  return new DeviceInfoError(
    "ERR_DEVINFO_PARSE",
    `${where}, column ${column}: ${message}; a Downward API annotations file has one key="value" line per annotation, the value quoted as Go's strconv.Quote does`,
    { path: file, line },
  );
}

function parseLine(line: string, lineNumber: number, file: string | undefined): [string, string] {
  const fail = (column: number, message: string) => syntaxError(file, lineNumber, column, message);
  const eq = line.indexOf("=");
  if (eq < 0) throw fail(1, "no '=' after the key");
  const key = line.slice(0, eq);
  // Annotation keys are qualified names: never empty, no space, no quote.
  if (key === "" || /[\s"]/.test(key))
    throw fail(1, `${key === "" ? "an empty key" : `the key ${JSON.stringify(key)} is not an annotation key`}`);
  if (line[eq + 1] !== '"') throw fail(eq + 2, "the value must start with a double quote");

  let value = "";
  let bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      value += decodeUtf8(Uint8Array.from(bytes));
      bytes = [];
    }
  };
  let i = eq + 2;
  for (;;) {
    if (i >= line.length) throw fail(i + 1, "the closing double quote is missing");
    const c = line[i] as string;
    if (c === '"') {
      if (i !== line.length - 1) throw fail(i + 2, "unexpected text after the closing double quote");
      break;
    }
    if (c !== "\\") {
      flushBytes();
      // Copy the run of plain characters in one go.
      let j = i + 1;
      while (j < line.length && line[j] !== '"' && line[j] !== "\\") j++;
      value += line.slice(i, j);
      i = j;
      continue;
    }
    const e = line[i + 1];
    if (e === undefined) throw fail(i + 1, "a backslash ends the line");
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      flushBytes();
      value += simple;
      i += 2;
    } else if (e === "x") {
      const digits = line.slice(i + 2, i + 4);
      if (!isHex(digits, 2)) throw fail(i + 1, `\\x must be followed by two hex digits, got ${JSON.stringify(`\\x${digits}`)}`);
      bytes.push(Number.parseInt(digits, 16));
      i += 4;
    } else if (e >= "0" && e <= "7") {
      const digits = line.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(digits)) throw fail(i + 1, `an octal escape takes three octal digits, got ${JSON.stringify(`\\${digits}`)}`);
      const n = Number.parseInt(digits, 8);
      if (n > 255) throw fail(i + 1, `the octal escape \\${digits} is over \\377`);
      bytes.push(n);
      i += 4;
    } else if (e === "u" || e === "U") {
      const length = e === "u" ? 4 : 8;
      const digits = line.slice(i + 2, i + 2 + length);
      if (!isHex(digits, length))
        throw fail(i + 1, `\\${e} must be followed by ${length} hex digits, got ${JSON.stringify(`\\${e}${digits}`)}`);
      const code = Number.parseInt(digits, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw fail(i + 1, `\\${e}${digits} is not a valid Unicode code point`);
      flushBytes();
      value += String.fromCodePoint(code);
      i += 2 + length;
    } else {
      throw fail(i + 1, `unknown escape ${JSON.stringify(`\\${e}`)}${e === "'" ? " (\\' is not allowed in a double-quoted string)" : ""}`);
    }
  }
  flushBytes();
  return [key, value];
}
