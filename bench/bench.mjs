#!/usr/bin/env node
// `npm run bench`: builds the package the way `npm run build` does (the same
// esbuild bundles, scripts/build.mjs) into a private copy installed as
// node_modules/devinfo of a scratch app, compiles the TypeScript benchmarks
// into one file, and runs them. A private copy, because other work may
// rebuild dist/ while the benchmarks run; installed in an app's node_modules
// so that cold-start scripts resolve `import "devinfo"` as users' code does.
// `import ... from "devinfo"` in the benchmarks stays an import of that copy.
//
// Usage: node bench/bench.mjs [--only=ops,event-loop,cold-start,scale,syscalls,compile-cache] [--quick] [--markdown=FILE]
//
// compile-cache (bench/compile-cache.mjs, a separate process) runs last, on
// the Node running this: `npm run bench` with each Node first on PATH
// measures each.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { buildBundles } from "../scripts/build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cache = path.join(root, "node_modules", ".cache", "devinfo-bench");
const app = path.join(cache, "app");
const pkg = path.join(app, "node_modules", "devinfo");
const outfile = path.join(cache, "run.mjs");

fs.rmSync(cache, { recursive: true, force: true });
fs.mkdirSync(pkg, { recursive: true });
fs.copyFileSync(path.join(root, "package.json"), path.join(pkg, "package.json"));
fs.writeFileSync(path.join(app, "package.json"), '{ "name": "devinfo-bench-app", "private": true, "type": "module" }\n');
await buildBundles(path.join(pkg, "dist"));

await build({
  absWorkingDir: root,
  entryPoints: ["bench/run.ts"],
  outfile,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  plugins: [
    {
      name: "devinfo-private-copy",
      setup(b) {
        b.onResolve({ filter: /^devinfo$/ }, () => ({ path: path.join(pkg, "dist", "index.js"), external: true }));
      },
    },
  ],
  logLevel: "warning",
});

// --only: compile-cache is this script's; the others are bench/run.ts's.
const args = process.argv.slice(2);
const onlyArg = args.find((a) => a.startsWith("--only="));
const only = onlyArg?.slice(7).split(",");
const others = only?.filter((s) => s !== "compile-cache");
const runArgs = args.filter((a) => a !== onlyArg).concat(others === undefined ? [] : [`--only=${others.join(",")}`]);

// A child, not an import: the benchmark's process starts clean.
let status = 0;
if (others === undefined || others.length > 0) {
  const run = spawnSync(process.execPath, [outfile, ...runArgs], {
    stdio: "inherit",
    env: { ...process.env, DEVINFO_BENCH_ROOT: root, DEVINFO_BENCH_APP: app },
  });
  status = run.status ?? 1;
}
if (only === undefined || only.includes("compile-cache")) {
  const rounds = args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? (args.includes("--quick") ? "2" : "30");
  const run = spawnSync(process.execPath, [path.join(root, "bench", "compile-cache.mjs"), `--rounds=${rounds}`], { stdio: "inherit" });
  status ||= run.status ?? 1;
}
process.exitCode = status;
