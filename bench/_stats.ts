/**
 * Statistics and reporting shared by the benchmarks. The machine is shared
 * and noisy, so a figure is never a single timing: each is measured in
 * several rounds, interleaved with its baseline, and reported as the median
 * of the per-round values (or of the per-round ratios).
 */

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The q-quantile (0..1) of a non-empty list, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Interquartile spread as "q1-q3", to show how noisy a median is. */
export function spread(values: readonly number[], format: (n: number) => string): string {
  return `${format(quantile(values, 0.25))}–${format(quantile(values, 0.75))}`;
}

/** Rotates `items` by `round`, so that no variant always runs first (or right after the same one). */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

export const us = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const ms = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const x = (n: number): string => `${n.toFixed(2)}x`;
export const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;
export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** One figure compared with its budget. */
export interface Verdict {
  /** What is measured, e.g. "sync full cycle vs raw node:fs floor (tmpfs)". */
  figure: string;
  /** The measured value, formatted. */
  value: string;
  /** The budget, formatted, e.g. "≤ 1.30x". */
  budget: string;
  /** `undefined` when the figure has no budget (reported only). */
  ok: boolean | undefined;
  /** A property rather than a timing: when it fails, `npm run bench` exits 1 (CI runs the quick size). */
  hard?: boolean;
}

/** A Markdown table (GitHub style), columns padded so it also reads well in a terminal. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

export function verdictTable(verdicts: readonly Verdict[]): string {
  return table(
    ["figure", "measured", "budget", "verdict"],
    verdicts.map((v) => [v.figure, v.value, v.budget, v.ok === undefined ? "(reported)" : v.ok ? "met" : v.hard ? "FAILED" : "MISSED"]),
  );
}

/** Progress for humans on stderr; stdout carries only the results. */
export function log(line: string): void {
  process.stderr.write(`  ${line}\n`);
}
