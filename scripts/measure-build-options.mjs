#!/usr/bin/env node
// What esbuild's `keepNames` and `lineLimit` cost at start-up (issue 11, C4).
// Builds the entries three ways into node_modules/.cache and runs fresh `node`
// processes, the variants interleaved round by round so that machine load
// hits them alike. The figure is CPU time (user + system, from the child's own
// process.cpuUsage() at exit), which other processes on the machine disturb
// far less than wall time. The variants' order rotates round by round.
// Printed as medians and as the median of the per-round differences to the
// minified build, with the load average.
//
//   minified           minify: true, keepNames: false, no line limit
//   +keepNames         minify: true, keepNames: true (real class names in errors)
//   +keepNames+lines   keepNames and lineLimit: 160 (what dist/ ships: an
//                      uncaught error's source line is short, not the bundle)
//
// Usage: node scripts/measure-build-options.mjs [rounds=40]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildBundles } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rounds = Number(process.argv[2] ?? 40);
const cache = path.join(root, "node_modules", ".cache", "devinfo-build-options");

const VARIANTS = {
  minified: { keepNames: false, lineLimit: 0 },
  "+keepNames": { keepNames: true, lineLimit: 0 },
  "+keepNames+lines": { keepNames: true, lineLimit: 160 },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

for (const [name, options] of Object.entries(VARIANTS)) await buildBundles(path.join(cache, name), options);

// Preloaded into every child: its CPU time (user + system, µs) on stderr at exit.
const CPU_AT_EXIT = `data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("\\ncpu-us "+(u.user+u.system)+"\\n")})`;

function cpuMs(args) {
  const run = spawnSync(process.execPath, [`--import=${CPU_AT_EXIT}`, ...args], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  const match = /cpu-us (\d+)/.exec(run.stderr);
  if (match === null) throw new Error(`no CPU time from ${args.join(" ")}`);
  return Number(match[1]) / 1000;
}

const CASES = {
  "import(index.js)": (dir) => [
    "--input-type=module",
    "-e",
    `await import(${JSON.stringify(pathToFileURL(path.join(dir, "index.js")).href)})`,
  ],
  "import(cni-plugin.js)": (dir) => [
    "--input-type=module",
    "-e",
    `await import(${JSON.stringify(pathToFileURL(path.join(dir, "cni-plugin.js")).href)})`,
  ],
  "devinfo --version": (dir) => [path.join(dir, "cli", "main.js"), "--version"],
};

const samples = Object.fromEntries(Object.keys(VARIANTS).map((n) => [n, Object.fromEntries(Object.keys(CASES).map((c) => [c, []]))]));
const loadBefore = os.loadavg();
const names = Object.keys(VARIANTS);
for (let round = 0; round < rounds; round++) {
  // The order rotates each round, so that no variant is always the first (or last) of a burst.
  for (const name of names.map((_, i) => names[(i + round) % names.length])) {
    for (const [label, args] of Object.entries(CASES)) samples[name][label].push(cpuMs(args(path.join(cache, name))));
  }
}
const loadAfter = os.loadavg();

const fmt = (x) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
console.log(
  `node ${process.version}, ${os.cpus().length} CPUs, ${rounds} interleaved rounds; load average (1/5/15 min) ${loadBefore.map((l) => l.toFixed(2)).join("/")} before, ${loadAfter.map((l) => l.toFixed(2)).join("/")} after`,
);
console.log("CPU time per process (user + system), median ms; in brackets the median of the per-round difference to minified");
console.log(
  `${"variant".padEnd(18)} ${"index.js bytes".padStart(14)} ${"longest line".padStart(12)}   ${Object.keys(CASES)
    .map((c) => c.padStart(26))
    .join(" ")}`,
);
for (const name of Object.keys(VARIANTS)) {
  const text = fs.readFileSync(path.join(cache, name, "index.js"), "utf8");
  const longest = Math.max(...text.split("\n").map((l) => l.length));
  const cells = Object.keys(CASES).map((c) => {
    const own = samples[name][c];
    const base = samples.minified[c];
    const diff = median(own.map((x, i) => x - base[i]));
    return `${median(own).toFixed(2)} ms [${fmt(diff)}]`.padStart(26);
  });
  console.log(`${name.padEnd(18)} ${String(text.length).padStart(14)} ${String(longest).padStart(12)}   ${cells.join(" ")}`);
}
