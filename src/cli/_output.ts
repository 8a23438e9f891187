/**
 * Text output: buffered lines (a listing of 100,000 files is a few hundred
 * writes, not 100,000), colour only on a TTY and never with NO_COLOR, and
 * tables whose columns are sized from the rows seen so far.
 */

import { styleText } from "node:util";
import { valueDepth } from "../format/_go-text.js";
import { writeJson } from "../format/go-json.js";
import type { CliIO, OutStream } from "./_io.js";

const FLUSH_AT = 64 * 1024;

/** ANSI styles; every one is the identity when colour is off. */
export interface Styles {
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly green: (s: string) => string;
  readonly cyan: (s: string) => string;
}

const plain = (s: string) => s;
const PLAIN: Styles = { bold: plain, dim: plain, red: plain, yellow: plain, green: plain, cyan: plain };
// node:util's styleText writes the codes. Whether to colour at all is useColor's decision (the stream may be
// a test's, or stderr), so the stream check of newer Node versions is off; Node 20 ignores the option.
const styleWith = styleText as (format: keyof Styles, text: string, options?: { validateStream?: boolean }) => string;
const styled = (format: keyof Styles) => (s: string) => styleWith(format, s, { validateStream: false });
const ANSI: Styles = {
  bold: styled("bold"),
  dim: styled("dim"),
  red: styled("red"),
  yellow: styled("yellow"),
  green: styled("green"),
  cyan: styled("cyan"),
};

/**
 * Colour rules of https://no-color.org and common practice: NO_COLOR (any
 * non-empty value) wins, then FORCE_COLOR, then "is it a terminal that is not dumb".
 */
export function useColor(stream: OutStream, env: CliIO["env"]): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return stream.isTTY === true && env.TERM !== "dumb";
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// The exact codes the styles above write (styleText's open and close codes for bold, dim and the four colours).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const OWN_SGR = /(\u001b\[(?:1|2|22|31|32|33|36|39)m)/;

/**
 * Text from files, annotations, file names and arguments made safe for a
 * terminal: every C0 control character (newline and tab included), DEL, every
 * C1 control character, the Unicode bidi controls (U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069) and the line and paragraph separators
 * (U+2028, U+2029) are written as `\uXXXX`, so a name cannot move the cursor,
 * set the window title, clear the screen, reorder text or start a line that
 * looks like ours. Other text, backslashes included, is unchanged.
 *
 * @param text - Any string.
 * @param keepStyles - Keep the styles' own SGR codes (`ESC[1m`, `ESC[31m`, ...), for text already styled.
 */
export function escapeText(text: string, keepStyles = false): string {
  return escapeKeeping(text, keepStyles, "");
}

/**
 * The first character of `text` that {@link escapeText} would escape, as
 * `U+XXXX`, or `undefined` when there is none.
 */
export function firstUnsafeCharacter(text: string): string | undefined {
  const match = new RegExp(UNSAFE.source).exec(text);
  return match === null ? undefined : `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** {@link escapeText}, keeping the characters of `keep` (newline and tab, for help text). */
function escapeKeeping(text: string, keepStyles: boolean, keep: string): string {
  const escapePart = (s: string) =>
    s.replace(UNSAFE, (c) => (keep.includes(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  if (!keepStyles) return escapePart(text);
  return text
    .split(OWN_SGR)
    .map((part, i) => (i % 2 === 1 ? part : escapePart(part)))
    .join("");
}

/**
 * A buffered, optionally coloured writer for one stream. It is the one root of
 * terminal safety: {@link Output.line} escapes every control character in
 * what it is given ({@link escapeText}), newlines included, keeping only the
 * styles' own colour codes when colour is on; {@link Output.write} does the
 * same but keeps newlines and tabs (help text, JSON documents). JSON text is unchanged by
 * this (JSON.stringify already writes C0 controls as escapes; the others are
 * only ever inside strings, where `\uXXXX` is the same character).
 */
export class Output {
  readonly style: Styles;
  readonly isTTY: boolean;
  private readonly color: boolean;
  private buffer = "";
  /** Called before buffered text reaches the stream (erases a progress line on the same terminal). */
  beforeFlush: (() => void) | undefined;

  constructor(
    private readonly stream: OutStream,
    color: boolean,
  ) {
    this.style = color ? ANSI : PLAIN;
    this.color = color;
    this.isTTY = stream.isTTY === true;
  }

  /** Appends text (no newline added); newlines and tabs in it are kept, every other control character is escaped. */
  write(text: string): void {
    this.append(escapeKeeping(text, this.color, "\n\t"));
  }

  /** Appends one line; every control character in `text`, newlines included, is escaped. */
  line(text = ""): void {
    this.append(`${this.escape(text)}\n`);
  }

  /** `text` as this output writes it: {@link escapeText}, keeping colour codes when colour is on. */
  escape(text: string): string {
    return escapeText(text, this.color);
  }

  private append(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  /** Writes straight through, after what is buffered (progress lines). */
  direct(text: string): void {
    this.flush();
    this.stream.write(text);
  }

  flush(): void {
    if (this.buffer === "") return;
    const chunk = this.buffer;
    this.buffer = "";
    this.beforeFlush?.();
    this.stream.write(chunk);
  }
}

/** Visible width, ignoring ANSI escapes. */
function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
  return s.replace(/\u001b\[[0-9;]*m/g, "").length;
}

/**
 * A table printed in the style of kubectl: upper-case headers, columns
 * separated by at least three spaces. Rows are buffered until `limit`, then
 * the widths are fixed and later rows stream (a wider value shifts its line,
 * it is never cut), so memory stays flat on huge listings.
 */
export class Table {
  private rows: string[][] = [];
  private widths: number[] | undefined;

  constructor(
    private readonly out: Output,
    private readonly headers: readonly string[],
    private readonly limit = 1000,
  ) {}

  /** Whether widths are fixed and rows now stream in arrival order. */
  get streaming(): boolean {
    return this.widths !== undefined;
  }

  add(cells: string[]): void {
    // Escaped here, before the widths are measured, so that an escaped name keeps its column.
    const row = cells.map((cell) => this.out.escape(cell));
    if (this.widths !== undefined) {
      this.print(row);
      return;
    }
    this.rows.push(row);
    if (this.rows.length >= this.limit) this.start();
  }

  /** Prints what is buffered, sorted by `compare` when everything fitted in the buffer. */
  end(compare?: (a: string[], b: string[]) => number): void {
    if (this.widths === undefined) {
      if (compare !== undefined) this.rows.sort(compare);
      this.start();
    }
  }

  private start(): void {
    const widths = this.headers.map((h) => h.length);
    for (const row of this.rows) {
      row.forEach((cell, i) => {
        widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
      });
    }
    this.widths = widths;
    this.print(this.headers.map((h) => this.out.style.bold(h)));
    for (const row of this.rows) this.print(row);
    this.rows = [];
  }

  private print(row: readonly string[]): void {
    const widths = this.widths ?? [];
    let line = "";
    row.forEach((cell, i) => {
      if (i === row.length - 1) line += cell;
      else line += cell + " ".repeat(Math.max(3, (widths[i] ?? 0) - visibleLength(cell) + 3));
    });
    this.out.line(line.trimEnd());
  }
}

/** Age as kubectl prints it: `45s`, `12m`, `5h`, `3d`, `2y`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/**
 * Progress on stderr for long scans, only when stderr is a terminal: one line
 * rewritten in place, at most a few times a second, and erased at the end.
 */
export class Progress {
  private count = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly err: Output,
    private readonly label: string,
    out?: Output,
    private readonly threshold = 1000,
    private readonly enabled = err.isTTY,
  ) {
    // Both streams may be the same terminal: erase the progress line before
    // the listing goes on, and draw it again on a later tick.
    if (out !== undefined && this.enabled) out.beforeFlush = () => this.clear();
  }

  tick(): void {
    this.count++;
    if (!this.enabled || this.count < this.threshold || (this.count & 255) !== 0) return;
    const now = Date.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    this.drawn = true;
    this.err.direct(`\r\u001b[K${this.label}: ${this.count} entries…`);
  }

  /** Erases the progress line, if drawn. */
  clear(): void {
    if (this.drawn) this.err.direct("\r\u001b[K");
    this.drawn = false;
  }

  done(): void {
    this.clear();
  }
}

/**
 * Past this nesting depth, `--json` output is printed on one line: indented
 * JSON grows with the square of its depth (a 20 KB file of 10,000 nested
 * arrays would print 200 MB), and a document that deep is not read by eye.
 */
export const MAX_INDENTED_DEPTH = 32;

/**
 * The indentation `--json` output uses for `value`: two spaces, or none for a
 * value nested deeper than {@link MAX_INDENTED_DEPTH}, so the output stays
 * proportional to the input.
 */
export function jsonIndent(value: unknown): string {
  return valueDepth(value, MAX_INDENTED_DEPTH) > MAX_INDENTED_DEPTH ? "" : "  ";
}

/**
 * `--json` output: JSON text of any depth the readers accept (no recursion
 * limit), indented unless too deep ({@link jsonIndent}).
 */
export function formatJson(value: unknown): string {
  return writeJson(value, jsonIndent(value), 0) ?? "null";
}
