#!/usr/bin/env node
// Second step of `npm run build`, after `tsc -p tsconfig.json` (which
// typechecks and emits the declarations and one module per source file):
// replaces each runtime entry point with a single-file esbuild bundle.
//
// Why: a CNI plugin imports this package on every pod start. Loading the 12+
// modules tsc emits costs ~40 ms on top of a ~70 ms `node` start; one bundled,
// minified file costs ~6 ms (bench/README.md, "Cold start"). The declarations stay
// tsc's, per module, next to the bundles; the per-module .js files stay too
// (the tests check that dist/ is not older than src/), but nothing imports them.
//
// Dependencies (zod, uuid) stay external and lazy `import()`s stay lazy, so a
// bundle loads exactly what the unbundled modules load.
//
// Usage: node scripts/build.mjs [outdir]   (run by `npm run build`; default dist/)

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Bundled entry points: source → output (the paths package.json `exports` and `bin` name). */
export const ENTRIES = [
  { source: "src/index.ts", outfile: "index.js" },
  { source: "src/schema.ts", outfile: "schema.js" },
  { source: "src/kubelet.ts", outfile: "kubelet.js" },
  { source: "src/dra.ts", outfile: "dra.js" },
  { source: "src/cni-plugin.ts", outfile: "cni-plugin.js" },
  { source: "src/device-plugin.ts", outfile: "device-plugin.js" },
  { source: "src/meta-plugin.ts", outfile: "meta-plugin.js" },
  { source: "src/network-status.ts", outfile: "network-status.js" },
  { source: "src/workload.ts", outfile: "workload.js" },
  { source: "src/cli/main.ts", outfile: "cli/main.js" },
];

/**
 * The CLI's `devinfo schema` loads the `devinfo/schema` entry lazily. Bundled
 * in, its static `import "zod"` would be hoisted to the top of the CLI bundle
 * (ES modules import at top level) and every command would load zod: keep it
 * an import of the schema bundle next door instead.
 */
const schemaEntryExternal = {
  name: "schema-entry-external",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/schema\.js$/ }, (args) =>
      path.resolve(args.resolveDir) === path.join(root, "src", "cli") ? { path: "../schema.js", external: true } : undefined,
    );
  },
};

/**
 * The same for `devinfo/kubelet`, which the meta-plugin helpers (a pod
 * instead of a deviceID) and the CLI (`gc --kubelet`) load lazily: an import
 * of the kubelet bundle next door, not a second copy of it inside
 * dist/index.js, which every CNI plugin parses on every pod start.
 */
function kubeletEntryExternal(outfile) {
  // Lazily imported module → the bundle that exports all of it. prepareDeviceInfo's DRA side
  // (src/dra/attachment-device.ts) is in the devinfo/dra bundle, which re-exports it.
  const lazy = new Map([
    [path.join(root, "src", "kubelet.js"), "kubelet.js"],
    [path.join(root, "src", "dra", "attachment-device.js"), "dra.js"],
  ]);
  return {
    name: "kubelet-entry-external",
    setup(b) {
      b.onResolve({ filter: /(kubelet|attachment-device)\.js$/ }, (args) => {
        const bundle = lazy.get(path.resolve(args.resolveDir, args.path));
        if (args.kind !== "dynamic-import" || bundle === undefined) return undefined;
        const relative = path.posix.relative(path.posix.dirname(outfile), bundle);
        return { path: relative.startsWith(".") ? relative : `./${relative}`, external: true };
      });
    },
  };
}

/**
 * `import fs from "node:fs"` (any form, any `node:` module) as
 * `const fs = process.getBuiltinModule("node:fs")`, on the same line. The
 * same object, without the ES module facade Node builds for a built-in on its
 * first `import`: that facade reads every export, and node:fs's `ReadStream`
 * getter loads Node's streams. Measured (Node 20, CPU of an otherwise empty
 * script, medians of 25-30): importing node:fs, node:util, node:buffer and
 * node:path costs 2.0-2.3 ms, getting them 0.0-0.1 ms. `process.getBuiltinModule`
 * is in every Node package.json "engines" allows (20.16+, 22.3+).
 */
function builtinsFromProcess(text) {
  return text.replace(/^import\s+(?!type\b)([^;]*?)\s*from\s*"(node:[\w/]+)";/gm, (statement, clause, specifier) => {
    const get = `process.getBuiltinModule(${JSON.stringify(specifier)})`;
    const parts = [];
    const braces = /\{([^}]*)\}/.exec(clause);
    const head = clause
      .replace(/\{[^}]*\}/, "")
      .replace(/,\s*$/, "")
      .trim();
    if (head.startsWith("*")) parts.push(`const ${head.replace(/^\*\s*as\s+/, "")} = ${get};`);
    else if (head !== "") parts.push(`const ${head} = ${get};`);
    if (braces !== null) {
      const items = braces[1]
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
      const types = items.filter((item) => item.startsWith("type "));
      const values = items.filter((item) => !item.startsWith("type "));
      if (types.length > 0)
        parts.unshift(`import type { ${types.map((item) => item.slice(5)).join(", ")} } from ${JSON.stringify(specifier)};`);
      if (values.length > 0) parts.push(`const { ${values.map((item) => item.replace(/\s+as\s+/, ": ")).join(", ")} } = ${get};`);
    }
    // One line for one: line numbers (source maps, stack traces) stay.
    return parts.join(" ") + "\n".repeat((statement.match(/\n/g) ?? []).length);
  });
}

/** The package's sources as they load, with their built-ins from `process` (builtinsFromProcess). */
const builtinsPlugin = {
  name: "devinfo-builtins-from-process",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) =>
      args.path.startsWith(path.join(root, "src") + path.sep)
        ? { contents: builtinsFromProcess(fs.readFileSync(args.path, "utf8")), loader: "ts" }
        : undefined,
    );
  },
};

/** Bundles every entry into `outdir` (default dist/); `overrides` replace build options (scripts/measure-build-options.mjs). */
export async function buildBundles(outdir = path.join(root, "dist"), overrides = {}) {
  for (const { source, outfile } of ENTRIES) {
    await build({
      absWorkingDir: root,
      entryPoints: [source],
      outfile: path.join(outdir, outfile),
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      // Dependencies are installed next to the package; bundling them would
      // duplicate them for users who import them too (and zod is heavy).
      packages: "external",
      plugins: [schemaEntryExternal, kubeletEntryExternal(outfile), builtinsPlugin],
      // Minified, names included: a CNI plugin pays for every byte V8 has to
      // scan on every pod start (about 1.7 ms less for dist/index.js, a
      // quarter of its import; bench/README.md). Stack traces map back to
      // src/ (which the package ships) with `node --enable-source-maps`.
      minify: true,
      // No keepNames for the library's entries: its hundreds of `__name(fn, "...")` calls run at every
      // import (about 3 ms of CPU of a bundled CNI plugin's start, bench/README.md). The error classes
      // set their own names (src/base/errors.ts), so Node's report of an uncaught error still reads
      // `DeviceInfoError: ...`. The command line keeps every name (its start matters less).
      keepNames: outfile.startsWith("cli/"),
      // Short lines: Node prints the whole source line an uncaught error came from, which would be a
      // screenful of bundle in one line; esbuild breaks lines past this many characters (a few bytes).
      lineLimit: 160,
      sourcemap: true,
      sourcesContent: false,
      legalComments: "none",
      // With the built-ins taken from process.getBuiltinModule, a bundle may hold no import statement
      // left: tools that tell ES modules from CommonJS by their syntax (publint) need one ESM statement.
      banner: { js: "export {};" },
      logLevel: "warning",
      ...overrides,
    });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildBundles(process.argv[2] === undefined ? undefined : path.resolve(process.argv[2]));
}
