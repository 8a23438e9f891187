#!/usr/bin/env node
// What esbuild's `keepNames` and line breaks in the bundles cost at start-up
// (issue 11, C4). Builds the entries three ways into node_modules/.cache and
// times fresh `node` processes, the variants interleaved round by round so
// that machine load hits them alike; prints medians.
//
//   minified        minify: true (what dist/ was)
//   +keepNames      minify: true, keepNames: true (real class names in errors)
//   +keepNames+lines  keepNames, identifiers and syntax minified, whitespace kept
//                   (an uncaught error's source line is one statement, not the bundle)
//
// Usage: node scripts/measure-build-options.mjs [rounds=30]

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildBundles } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rounds = Number(process.argv[2] ?? 30);
const cache = path.join(root, "node_modules", ".cache", "devinfo-build-options");

const VARIANTS = {
  minified: { minify: true, keepNames: false },
  "+keepNames": { minify: true, keepNames: true },
  "+keepNames+lines": { minify: false, minifyIdentifiers: true, minifySyntax: true, minifyWhitespace: false, keepNames: true },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

for (const [name, options] of Object.entries(VARIANTS)) await buildBundles(path.join(cache, name), options);

// In the child: the import of the entry, timed from inside (no process start noise).
const importTimer = (file) =>
  `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t))`;

const samples = Object.fromEntries(Object.keys(VARIANTS).map((n) => [n, { importIndex: [], processIndex: [], processCli: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const name of Object.keys(VARIANTS)) {
    const dir = path.join(cache, name);
    const s = samples[name];
    s.importIndex.push(
      Number(execFileSync(process.execPath, ["--input-type=module", "-e", importTimer(path.join(dir, "index.js"))], { encoding: "utf8" })),
    );
    let t = performance.now();
    execFileSync(process.execPath, [
      "--input-type=module",
      "-e",
      `await import(${JSON.stringify(pathToFileURL(path.join(dir, "index.js")).href)})`,
    ]);
    s.processIndex.push(performance.now() - t);
    t = performance.now();
    execFileSync(process.execPath, [path.join(dir, "cli", "main.js"), "--version"]);
    s.processCli.push(performance.now() - t);
  }
}

console.log(`node ${process.version}, ${rounds} interleaved rounds, medians`);
console.log(
  "variant            index.js bytes   longest line   import(index.js) in-process   node -e import(index.js)   devinfo --version",
);
for (const name of Object.keys(VARIANTS)) {
  const file = path.join(cache, name, "index.js");
  const text = fs.readFileSync(file, "utf8");
  const longest = Math.max(...text.split("\n").map((l) => l.length));
  const s = samples[name];
  console.log(
    `${name.padEnd(18)} ${String(text.length).padStart(14)}   ${String(longest).padStart(12)}   ${median(s.importIndex).toFixed(2).padStart(25)} ms   ${median(s.processIndex).toFixed(1).padStart(21)} ms   ${median(s.processCli).toFixed(1).padStart(14)} ms`,
  );
}
