#!/usr/bin/env node
// devinfo-bundle-plugin: bundles a CNI plugin written with devinfo into ONE
// executable file, ready to copy into the CNI bin directory (/opt/cni/bin).
//
//   npx devinfo-bundle-plugin src/my-plugin.ts dist/my-plugin
//
// A runtime starts a plugin for every pod, so start-up is the plugin's main
// cost: one minified file is parsed once, where the package's modules and
// Node's ES module loader would add tens of milliseconds (bench/README.md,
// "Cold start"). The file runs wherever it is copied, whatever package.json
// sits above it:
//
// - it is an IIFE with no `import`, `export` or `require`, so it is valid
//   both as a CommonJS script (no package.json, or "type": "commonjs", as in
//   /opt/cni/bin) and as an ES module (under "type": "module");
// - Node's built-in modules come from `process.getBuiltinModule` (Node
//   20.16+), which both module systems have;
// - it needs nothing next to it and writes nothing anywhere: no code cache,
//   so a read-only /opt/cni/bin changes nothing.
//
// Your plugin must not use top-level `await` (an IIFE cannot): end it with
// `void pluginMain(plugin).then((code) => { process.exitCode = code; })`, as
// the examples do. esbuild (a devDependency of your project: `npm install
// -D esbuild`) does the bundling; every dependency is bundled in.
//
// examples/build.mjs imports `bundlePlugin` from this file.

import { chmodSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BUILTINS = new Set(builtinModules);

/**
 * Packages devinfo imports only lazily, for what a CNI plugin does not do on
 * its start-up path: gRPC and protobuf for `devinfo/kubelet`, zod for
 * `devinfo/schema`. Their dynamic `import()`s stay imports (resolved at run
 * time, only if reached) instead of adding megabytes to every plugin start.
 * A plugin that does reach them (a meta-plugin asking the kubelet) bundles
 * them with `--bundle-lazy`.
 */
export const LAZY_PACKAGES = ["@grpc/grpc-js", "protobufjs", "zod"];

const lazyExternal = {
  name: "devinfo-lazy-external",
  setup(build) {
    build.onResolve({ filter: /^[@a-z]/ }, (args) =>
      args.kind === "dynamic-import" && LAZY_PACKAGES.some((p) => args.path === p || args.path.startsWith(`${p}/`))
        ? { path: args.path, external: true }
        : undefined,
    );
  },
};

/**
 * esbuild plugin: `import fs from "node:fs"` (or `require("fs")`) becomes
 * `process.getBuiltinModule("node:fs")`, the one way to load a built-in
 * module that CommonJS and ES modules share.
 */
const builtinsFromProcess = {
  name: "devinfo-builtins-from-process",
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const id = args.path.startsWith("node:") ? args.path.slice(5) : args.path;
      return BUILTINS.has(id) || BUILTINS.has(args.path) ? { path: `node:${id}`, namespace: "devinfo-builtin" } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: "devinfo-builtin" }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

// Before anything else: a Node without getBuiltinModule answers with a CNI
// error (code 999, "plugin-specific"), not a stack trace.
const PRELUDE = `if (typeof process.getBuiltinModule !== "function") {
  process.stdout.write(JSON.stringify({ cniVersion: "1.0.0", code: 999, msg: "unsupported Node.js", details: "this plugin needs Node.js 20.16 or later, found " + process.version }) + "\\n");
  process.exit(1);
}`;

/**
 * Bundles `entry` (TypeScript or JavaScript) into the executable `outfile`
 * (mode 0755, `#!/usr/bin/env node`). Resolves to the output's path.
 *
 * @param {{ entry: string, outfile: string, absWorkingDir?: string, alias?: Record<string, string>, minify?: boolean, keepNames?: boolean, bundleLazy?: boolean }} options
 *   `alias` maps import names to paths (the repository's examples use it to
 *   build against its sources); `minify` and `keepNames` default to `true`;
 *   `bundleLazy` also bundles {@link LAZY_PACKAGES}.
 * @returns {Promise<string>}
 */
export async function bundlePlugin(options) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch (cause) {
    throw new Error("devinfo-bundle-plugin needs esbuild: install it in your project (npm install -D esbuild)", { cause });
  }
  const outfile = path.resolve(options.absWorkingDir ?? process.cwd(), options.outfile);
  const result = await esbuild.build({
    absWorkingDir: options.absWorkingDir,
    entryPoints: [options.entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "iife",
    minify: options.minify !== false,
    // Error classes keep their names (DeviceInfoError, CNIError) in reports.
    keepNames: options.keepNames !== false,
    alias: options.alias,
    plugins: options.bundleLazy === true ? [builtinsFromProcess] : [lazyExternal, builtinsFromProcess],
    banner: { js: PRELUDE },
    legalComments: "none",
    write: false,
    logLevel: "warning",
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`esbuild produced nothing for ${options.entry}`);
  // esbuild keeps an entry's own hashbang; exactly one, first.
  const code = output.text.replace(/^#![^\n]*\n/, "");
  mkdirSync(path.dirname(outfile), { recursive: true });
  writeFileSync(outfile, `#!/usr/bin/env node\n${code}`);
  chmodSync(outfile, 0o755);
  return outfile;
}

function usage() {
  return [
    "usage: devinfo-bundle-plugin [--bundle-lazy] <entry.ts|.js> <outfile>",
    "  bundles a CNI plugin into one executable file that runs wherever it is copied (see README, Performance)",
    `  --bundle-lazy  also bundle what devinfo loads lazily (${LAZY_PACKAGES.join(", ")}): for a plugin that asks the kubelet`,
    "",
  ].join("\n");
}

async function main(argv) {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(usage());
    return 0;
  }
  const bundleLazy = argv.includes("--bundle-lazy");
  const paths = argv.filter((arg) => arg !== "--bundle-lazy");
  if (paths.length !== 2 || paths.some((arg) => arg.startsWith("-"))) {
    process.stderr.write(usage());
    return 2;
  }
  try {
    const out = await bundlePlugin({ entry: paths[0], outfile: paths[1], bundleLazy });
    process.stdout.write(`${path.relative(process.cwd(), out) || out}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`devinfo-bundle-plugin: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

// Run as a command (also through the node_modules/.bin symlink), not when imported.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
