// The process-timing loop of the entry benchmarks (bench/dra.mjs,
// bench/kubelet.mjs): whole `node` processes, one per variant per round, the
// variants in a rotated order each round; a figure is the median over rounds
// of (variant - the first variant, `node -e 0`) in the same round, wall time
// and the child's own CPU time (user + system, reported by a preload on exit).

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * @typedef {object} Variant
 * @property {string} label - the table's row name
 * @property {string | undefined} script - an ES module body for `node -e`; `undefined`: `node -e 0`
 * @property {string} [cwd] - where the child runs (default: the caller's `cwd`)
 */

/**
 * @typedef {object} Samples
 * @property {number[]} wall - ms per round
 * @property {number[]} cpu - ms of user + system CPU per round
 * @property {number[]} dWall - ms over the first variant in the same round
 * @property {number[]} dCpu - CPU ms over the first variant in the same round
 * @property {number[]} ratio - wall time / the first variant's in the same round
 */

/** The median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs every variant once per round, in a rotated order, and returns each
 * variant's samples. The first variant is the baseline the `d*` figures are
 * taken against. Throws when a child fails (its stderr in the message).
 *
 * @param {readonly Variant[]} variants
 * @param {{ rounds: number, cwd: string }} options
 * @returns {Samples[]}
 */
export function timeProcesses(variants, { rounds, cwd }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-bench-import-"));
  const preload = path.join(dir, "usage.cjs");
  fs.writeFileSync(
    preload,
    'process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeSync(2, "\\ncpu:" + (u.user + u.system) + "\\n"); });\n',
  );
  const runOnce = (v) => {
    const args = v.script === undefined ? ["-r", preload, "-e", "0"] : ["-r", preload, "--input-type=module", "-e", v.script];
    const start = performance.now();
    const r = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", cwd: v.cwd ?? cwd });
    const wall = performance.now() - start;
    const cpu = Number(/cpu:(\d+)/.exec(r.stderr)?.[1]) / 1000;
    if (r.status !== 0 || Number.isNaN(cpu)) throw new Error(`${v.label} failed: ${r.stderr}`);
    return { wall, cpu };
  };
  const samples = variants.map(() => ({ wall: [], cpu: [], dWall: [], dCpu: [], ratio: [] }));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = variants.map((_, i) => (i + round) % variants.length);
      const results = [];
      for (const i of order) results[i] = runOnce(variants[i]);
      results.forEach((r, i) => {
        samples[i].wall.push(r.wall);
        samples[i].cpu.push(r.cpu);
        samples[i].dWall.push(r.wall - results[0].wall);
        samples[i].dCpu.push(r.cpu - results[0].cpu);
        samples[i].ratio.push(r.wall / results[0].wall);
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

/**
 * Prints the medians as a Markdown table, one row per variant.
 *
 * @param {readonly Variant[]} variants
 * @param {readonly Samples[]} samples
 */
export function printProcessTable(variants, samples) {
  console.log(processTable(variants, samples));
}

/**
 * The medians as a Markdown table, one row per variant: wall time, over the
 * first variant (`node -e 0`) as milliseconds and as a ratio (the median of
 * the per-round ratios), and CPU time.
 *
 * @param {readonly Variant[]} variants
 * @param {readonly Samples[]} samples
 * @returns {string}
 */
export function processTable(variants, samples) {
  const lines = [
    "| process | wall | over `node -e 0` | × `node -e 0` | CPU | CPU over `node -e 0` |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  variants.forEach((v, i) => {
    const s = samples[i];
    const f = (n) => n.toFixed(1);
    lines.push(
      `| ${v.label} | ${f(median(s.wall))} | ${i === 0 ? "" : `+${f(median(s.dWall))}`} | ${median(s.ratio).toFixed(2)}x | ${f(median(s.cpu))} | ${i === 0 ? "" : `+${f(median(s.dCpu))}`} |`,
    );
  });
  return lines.join("\n");
}
