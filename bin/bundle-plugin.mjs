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
// - next to it, `<outfile>.v8-cache` holds V8's code cache, made at build
//   time after a warm-up run of the plugin (VERSION by default): with it, the
//   functions that run are not compiled again at every start. The plugin
//   only reads it, and runs without it (missing, from another build, made
//   by another Node release, or refused by V8): a read-only /opt/cni/bin is
//   fine. Build with the Node release your nodes run.
//
// Your plugin must not use top-level `await` (an IIFE cannot): end it with
// `void pluginMain(plugin).then((code) => { process.exitCode = code; })`, as
// the examples do. esbuild (a devDependency of your project: `npm install
// -D esbuild`) does the bundling; every dependency is bundled in.
//
// examples/build.mjs imports `bundlePlugin` from this file.

import { Buffer } from "node:buffer";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const BUILTINS = new Set(builtinModules);

/**
 * Packages devinfo loads only lazily, with `import()`, for what a CNI
 * plugin does not do on its start-up path: zod, the library of the schema
 * validator (`devinfo/schema`, about 90 ms to load). Such `import()`s stay imports
 * (resolved at run time, only if reached) instead of adding to every plugin
 * start; `--bundle-lazy` bundles them. `devinfo/kubelet` loads no package
 * (node:http2 and its own protobuf codec), so a plugin that asks the kubelet
 * needs no flag.
 */
export const LAZY_PACKAGES = ["zod"];

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
      contents: builtinShim(args.path),
      loader: "js",
    }));
  },
};

/**
 * An ES module standing for the built-in `id`: its default export is the
 * module, and each of its own properties (as the Node running the build has
 * them) is a named export read once, marked pure so that esbuild keeps only
 * the names the plugin imports. A CommonJS stand-in (`module.exports = ...`)
 * would make esbuild copy every property of the module into a new object,
 * with a getter each, for every module importing it: about 2 ms of a
 * plugin's start for node:fs, node:buffer, node:path and node:util.
 */
function builtinShim(id) {
  const mod = process.getBuiltinModule(id);
  const lines = [`const m = process.getBuiltinModule(${JSON.stringify(id)});`, "const get = (key) => m[key];", "export default m;"];
  Object.keys(mod).forEach((key, i) => {
    if (key === "default" || key === "__esModule") return;
    lines.push(`const e${i} = /* @__PURE__ */ get(${JSON.stringify(key)});`, `export { e${i} as ${JSON.stringify(key)} };`);
  });
  return lines.join("\n");
}

// Before anything else: a Node without getBuiltinModule answers with a CNI
// error (code 999, "plugin-specific"), not a stack trace.
const PRELUDE = `if (typeof process.getBuiltinModule !== "function") {
  process.stdout.write(JSON.stringify({ cniVersion: "1.0.0", code: 999, msg: "unsupported Node.js", details: "this plugin needs Node.js 20.16 or later, found " + process.version }) + "\\n");
  process.exit(1);
}`;

/**
 * Bundles `entry` (TypeScript or JavaScript) into the executable `outfile`
 * (mode 0755, `#!/usr/bin/env node`) and, unless `codeCache` is `false`, its
 * V8 code cache `<outfile>.v8-cache` (see {@link CACHE_SUFFIX}), made after a
 * warm-up run of the plugin at build time. Install both side by side; the
 * executable works without the cache, only slower to start. Resolves to the
 * executable's path.
 *
 * The warm-up runs the plugin once, in a child process of this Node (the
 * executable uses the cache only on this same Node release, see
 * {@link nodeIdentity}), in a scratch directory,
 * with `CNI_COMMAND=warmUp.command`, placeholder `CNI_CONTAINERID`,
 * `CNI_NETNS`, `CNI_IFNAME`, `CNI_PATH`, plus `warmUp.env`, and
 * `warmUp.stdin` as its standard input (a string, or a function of the
 * scratch directory that may create files there and returns it). By default
 * it is VERSION, which has no side effects. Pass an ADD only for a plugin
 * whose ADD is safe to run on the build machine (one that only edits the
 * device-info file in the scratch directory, like the examples): every
 * function the run calls is then in the cache. A warm-up that fails (the
 * plugin throws or exits non-zero) rejects with an `Error` showing the
 * plugin's output, before anything is written: `outfile` and its cache are
 * neither created nor changed.
 *
 * @param {{ entry: string, outfile: string, absWorkingDir?: string, alias?: Record<string, string>, minify?: boolean, keepNames?: boolean, bundleLazy?: boolean, codeCache?: boolean, warmUp?: { command: string, stdin?: string | ((dir: string) => string), env?: Record<string, string> } }} options
 *   `alias` maps import names to paths (the repository's examples use it to
 *   build against its sources); `minify` and `codeCache` default to
 *   `true`, `keepNames` (esbuild's: every function's `name` kept, at a cost
 *   at every start) to `false`; `bundleLazy` also bundles {@link LAZY_PACKAGES};
 *   `warmUp` defaults to {@link DEFAULT_WARM_UP}.
 * @returns {Promise<string>}
 */
export async function bundlePlugin(options) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch (cause) {
    throw new Error("devinfo-bundle-plugin needs esbuild: install it in your project (npm install -D esbuild)", { cause });
  }
  const workDir = options.absWorkingDir ?? process.cwd();
  const outfile = path.resolve(workDir, options.outfile);
  // The executable reads the cache next to its real path (Node resolves a symbolic link to the script).
  const cacheFile = `${realOrGiven(outfile)}${CACHE_SUFFIX}`;
  // Checked before esbuild runs too: an entry that is the output is refused even if it does not build.
  refuseOverwritingInputs([path.resolve(workDir, options.entry)], outfile, cacheFile);
  const result = await esbuild.build({
    absWorkingDir: options.absWorkingDir,
    entryPoints: [options.entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "iife",
    minify: options.minify !== false,
    // Off by default: esbuild's keepNames adds a `__name(fn, "...")` call per function and class, run at
    // every start (about 3 ms of CPU for the examples). devinfo's error classes set their own names.
    keepNames: options.keepNames === true,
    alias: options.alias,
    plugins: options.bundleLazy === true ? [builtinsFromProcess] : [lazyExternal, builtinsFromProcess],
    // No module URL in a single-file script: devinfo's async worker thread (src/files/_worker.ts) stays off.
    define: { "import.meta.url": "undefined" },
    legalComments: "none",
    write: false,
    metafile: true,
    logLevel: "warning",
  });
  // Every file the bundle was made from (metafile paths are relative to the working directory), plugin
  // namespaces ("devinfo-builtin:node:fs") left out.
  const inputs = Object.keys(result.metafile?.inputs ?? {})
    .filter((input) => !/^[a-z-]+:/.test(input))
    .map((input) => path.resolve(workDir, input));
  refuseOverwritingInputs(inputs, outfile, cacheFile);
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`esbuild produced nothing for ${options.entry}`);
  // esbuild keeps an entry's own hashbang; the launcher has its own.
  const code = output.text.replace(/^#![^\n]*\n/, "");
  // The name stack traces give the bundle's code: V8 keeps the warm-up's in the cache, so both use this one.
  const name = path.basename(outfile);
  const cache = options.codeCache === false ? undefined : warmUp(code, options.warmUp, name);
  // The warm-up ran on this very Node (process.execPath): the cache is for it.
  const node = nodeIdentity();
  // The cache file starts with the build's identity, which the executable checks (see launcher).
  const id = cache === undefined ? "" : createHash("sha256").update(code).update(node).update(cache).digest("hex").slice(0, 32);
  mkdirSync(path.dirname(outfile), { recursive: true });
  // Each file is written whole under a temporary name in its directory, then renamed over the old one: a
  // runtime starting the plugin from /opt/cni/bin meanwhile runs the old build or the new one, never half of
  // one. The cache goes first: the old executable refuses the new cache ("from another build").
  if (cache === undefined) rmSync(cacheFile, { force: true });
  else writeAtomically(cacheFile, Buffer.concat([Buffer.from(id, "latin1"), cache, cache]), 0o644);
  writeAtomically(outfile, launcher(code, id, name, node), 0o755);
  return outfile;
}

/**
 * Throws (before anything is written) when `outfile` or `cacheFile` is one
 * of `inputs`, the files the bundle is made from, compared by real path (a
 * symbolic link to the entry is the entry): `devinfo-bundle-plugin src/x.ts
 * src/x.ts` would otherwise replace the plugin's source with its bundle.
 */
function refuseOverwritingInputs(inputs, outfile, cacheFile) {
  const real = (file) => {
    try {
      return realpathSync(file);
    } catch {
      // Not there (yet): its directory's real path, plus its name.
      try {
        return path.join(realpathSync(path.dirname(file)), path.basename(file));
      } catch {
        return path.resolve(file);
      }
    }
  };
  const read = new Map(inputs.map((input) => [real(input), input]));
  for (const target of [outfile, cacheFile]) {
    const input = read.get(real(target));
    if (input !== undefined) {
      throw new Error(
        `the output ${target} is ${input}, a file the plugin is built from: building would replace it; nothing was written. Give another output path`,
      );
    }
  }
}

/** `file`'s real path when it exists, else `file`. */
function realOrGiven(file) {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Writes `data` to `file` (mode `mode`) through a temporary file in the same
 * directory and a rename. A `file` that is a symbolic link is written
 * through, as a plain write would (the link stays, its target is replaced).
 */
function writeAtomically(given, data, mode) {
  const file = realOrGiven(given);
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temp, data, { mode, flag: "wx" });
    chmodSync(temp, mode); // the umask does not narrow it
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * The Node a code cache is made for and may be used by: its version, V8
 * version (with Node's patch level, "-node.38") and architecture, as
 * `v20.20.2 11.3.244.8-node.38 x64`. The executable computes the same string
 * of the Node running it (a few property reads) and reads no cache when the
 * two differ.
 */
export function nodeIdentity() {
  return `${process.version} ${process.versions.v8} ${process.arch}`;
}

/** The code cache's file name: the executable's, plus this. */
export const CACHE_SUFFIX = ".v8-cache";

/**
 * The executable: the bundle's source as a string, compiled by `vm.Script`
 * with the V8 code cache that `<executable>.v8-cache` holds, made at build
 * time after a warm-up run of the plugin. V8 then skips compiling the
 * functions the warm-up compiled, on every start. The cache is optional and
 * only ever read; the plugin compiles as it would without one (slower, never
 * wrong) when the file is
 *
 * - missing or unreadable, or DEVINFO_NO_CODE_CACHE is set;
 * - made by another Node: the executable holds the version, V8 version and
 *   architecture of the Node that built it ({@link nodeIdentity}), compared
 *   with the running one's before the file is read. V8's own check is not
 *   enough: it compares V8's version number only, which releases of one Node
 *   line share (Node 20.19.0 and 20.20.2 both run V8 11.3.244.8, with
 *   different patches: "-node.26" and "-node.38"), and Node 20.19.0 accepts a
 *   cache made by 20.20.2 and crashes on it (SIGSEGV);
 * - from another build: it starts with this build's identity (32 hex
 *   digits of a hash of the bundle and the cache), checked first;
 * - damaged: empty or truncated, or: it holds the cache twice, compared byte for byte (a native
 *   `memcmp`), because V8 does not check the payload of a cache in release
 *   builds and aborts the process on a corrupt one. A checksum would cost
 *   more than the cache saves: node:crypto or node:zlib take 4-9 ms to
 *   load, a JavaScript loop about 3 ms, and V8's own checksum needs node:v8;
 * - refused by V8: made with other V8 flags (NODE_OPTIONS=--stack-trace-limit=5
 *   is one; heap sizes too before Node 24), or for another source
 *   (`cachedDataRejected`).
 *
 * Stack traces name the bundle's code after the plugin (`my-plugin:1:234`):
 * V8 keeps the file name the warm-up compiled it under, so both use that.
 *
 * With DEVINFO_CODE_CACHE_DEBUG set, the executable says on stderr which
 * of these it found ("used", "rejected by V8", ...). Nothing is written at
 * run time: a read-only /opt/cni/bin is fine. The
 * cache is not embedded in the executable because V8 would scan its base64
 * text at every start (about 1 ms for 150 KB).
 */
function launcher(code, id, name, node) {
  return `#!/usr/bin/env node
${PRELUDE}
((source) => {
  "use strict";
  const vm = process.getBuiltinModule("node:vm");
  const self = typeof __filename === "string" ? __filename : process.argv[1];
  const options = { filename: ${JSON.stringify(name)}, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER };
  let script;
  let cache = ${JSON.stringify(id === "" ? "none built" : "disabled")};
  const node = \`\${process.version} \${process.versions.v8} \${process.arch}\`;
  if (${JSON.stringify(id)} !== "" && !process.env.DEVINFO_NO_CODE_CACHE) {
    if (node !== ${JSON.stringify(node)}) cache = "made by another Node (" + ${JSON.stringify(node)} + "), this is " + node;
    else try {
      const file = process.getBuiltinModule("node:fs").readFileSync(self + ${JSON.stringify(CACHE_SUFFIX)});
      const n = (file.length - 32) / 2;
      if (file.length <= 32) cache = "damaged (empty or truncated)";
      else if (file.toString("latin1", 0, 32) !== ${JSON.stringify(id)}) cache = "from another build";
      else if (!(n > 0 && Number.isInteger(n) && file.compare(file, 32, 32 + n, 32 + n) === 0)) cache = "damaged";
      else {
        script = new vm.Script(source, { ...options, cachedData: file.subarray(32, 32 + n) });
        cache = script.cachedDataRejected ? "rejected by V8" : "used";
      }
    } catch (err) {
      script = undefined; // compiled below, without the cache
      cache = \`unreadable (\${err?.code ?? err})\`;
    }
  }
  if (process.env.DEVINFO_CODE_CACHE_DEBUG) process.stderr.write(\`devinfo code cache: \${cache}\\n\`);
  (script ?? new vm.Script(source, options)).runInThisContext();
})(
${JSON.stringify(code)},
);
`;
}

/**
 * The warm-up run by default: VERSION, which every plugin answers without
 * side effects. It compiles the start-up path; a run of ADD (see
 * {@link bundlePlugin}'s `warmUp`) also compiles what ADD calls.
 */
export const DEFAULT_WARM_UP = { command: "VERSION", stdin: '{"cniVersion":"1.1.0"}' };

// The warm-up process: compiles the bundle exactly as the executable does,
// runs it, and writes V8's code cache at exit (functions compiled during the
// run included).
const WARM_UP_RUNNER = `"use strict";
const vm = require("node:vm");
const fs = require("node:fs");
const { DEVINFO_WARM_UP_SOURCE: sourceFile, DEVINFO_WARM_UP_CACHE: cacheFile, DEVINFO_WARM_UP_NAME: filename } = process.env;
delete process.env.DEVINFO_WARM_UP_SOURCE;
delete process.env.DEVINFO_WARM_UP_CACHE;
delete process.env.DEVINFO_WARM_UP_NAME;
const script = new vm.Script(fs.readFileSync(sourceFile, "utf8"), {
  filename,
  importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
process.on("exit", () => fs.writeFileSync(cacheFile, script.createCachedData()));
script.runInThisContext();
`;

/**
 * Runs the bundle once in a child process of the Node running the build (V8
 * accepts the cache only in the same Node version), as CNI command
 * `warm.command` with `warm.stdin` (a string, or a function of a scratch
 * directory that may create files there and returns the string), in that
 * scratch directory, and returns V8's code cache made after the run, or
 * `undefined` (with a warning) when none was made. A warm-up that fails (the
 * plugin throws, exits non-zero or is killed) fails the build with an error
 * that shows the plugin's stdout and stderr: a cache of a run that failed
 * half-way would hold the wrong functions, and a failed ADD usually means the
 * plugin is broken or its warm-up input is wrong. Nothing is written then.
 */
function warmUp(code, warm = DEFAULT_WARM_UP, name = "plugin") {
  const dir = mkdtempSync(path.join(tmpdir(), "devinfo-bundle-"));
  try {
    const sourceFile = path.join(dir, "plugin.js");
    const cacheFile = path.join(dir, "plugin.cache");
    const runner = path.join(dir, "warm-up.cjs");
    writeFileSync(sourceFile, code);
    writeFileSync(runner, WARM_UP_RUNNER);
    const input = typeof warm.stdin === "function" ? warm.stdin(dir) : (warm.stdin ?? "");
    const run = spawnSync(process.execPath, [runner], {
      cwd: dir,
      input,
      env: {
        PATH: process.env.PATH ?? "",
        CNI_COMMAND: warm.command,
        CNI_CONTAINERID: "devinfo-bundle-plugin-warm-up",
        CNI_NETNS: "/var/run/netns/devinfo-bundle-plugin-warm-up",
        CNI_IFNAME: "net1",
        CNI_PATH: dir,
        ...warm.env,
        DEVINFO_WARM_UP_SOURCE: sourceFile,
        DEVINFO_WARM_UP_CACHE: cacheFile,
        DEVINFO_WARM_UP_NAME: name,
      },
      stdio: ["pipe", "pipe", "pipe"],
      encoding: "utf8",
      timeout: 60_000,
    });
    if (run.error !== undefined || run.status !== 0) {
      const why = run.error?.message ?? (run.signal === null ? `exit status ${run.status}` : `killed by ${run.signal}`);
      const shown = [
        ["stdout", run.stdout],
        ["stderr", run.stderr],
      ]
        .filter(([, text]) => typeof text === "string" && text.trim() !== "")
        .map(([stream, text]) => `--- plugin ${stream} ---\n${text.trimEnd()}\n`)
        .join("");
      throw new Error(
        `the warm-up run of the plugin (CNI_COMMAND=${warm.command}) failed (${why}); nothing was written. Fix the plugin or its warm-up input (--warm-up-stdin), or build without a cache (--no-code-cache)\n${shown}`,
      );
    }
    if (existsSync(cacheFile)) return readFileSync(cacheFile);
    process.stderr.write(
      `devinfo-bundle-plugin: warning: the warm-up run made no code cache (${run.error?.message ?? `exit ${run.status}`}); the plugin will compile at every start\n${run.stderr ?? ""}`,
    );
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function usage() {
  return [
    "usage: devinfo-bundle-plugin [--bundle-lazy] [--no-code-cache] [--warm-up-command <CMD> --warm-up-stdin <file>] <entry.ts|.js> <outfile>",
    "  bundles a CNI plugin into one executable file that runs wherever it is copied, and its V8 code cache",
    "  <outfile>.v8-cache (install both side by side; the plugin works without it, slower to start; see README, Performance)",
    `  --bundle-lazy        also bundle what is loaded with import() only when reached (${LAZY_PACKAGES.join(", ")}, the`,
    "                       schema validator's library); devinfo/kubelet loads no package: a plugin that asks the kubelet needs no flag",
    "  --no-code-cache      no warm-up run, no cache file",
    "  --warm-up-command    the CNI command of the warm-up run at build time (default VERSION); ADD only for a plugin whose ADD is",
    "                       safe to run on the build machine; a warm-up that fails (exit status not 0) fails the build, nothing written",
    '  --warm-up-stdin      the file whose content the warm-up run gets on stdin (default {"cniVersion":"1.1.0"})',
    "",
  ].join("\n");
}

async function main(argv) {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(usage());
    return 0;
  }
  const paths = [];
  const flags = { bundleLazy: false, codeCache: true, command: undefined, stdinFile: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--bundle-lazy") flags.bundleLazy = true;
    else if (arg === "--no-code-cache") flags.codeCache = false;
    else if (arg === "--warm-up-command" && i + 1 < argv.length) flags.command = argv[++i];
    else if (arg === "--warm-up-stdin" && i + 1 < argv.length) flags.stdinFile = argv[++i];
    else paths.push(arg);
  }
  if (paths.length !== 2 || paths.some((arg) => arg.startsWith("-"))) {
    process.stderr.write(usage());
    return 2;
  }
  try {
    const warmUp =
      flags.command === undefined && flags.stdinFile === undefined
        ? undefined
        : {
            command: flags.command ?? DEFAULT_WARM_UP.command,
            stdin: flags.stdinFile === undefined ? DEFAULT_WARM_UP.stdin : readFileSync(flags.stdinFile, "utf8"),
          };
    const out = await bundlePlugin({
      entry: paths[0],
      outfile: paths[1],
      bundleLazy: flags.bundleLazy,
      codeCache: flags.codeCache,
      warmUp,
    });
    process.stdout.write(`${path.relative(process.cwd(), out) || out}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`devinfo-bundle-plugin: ${err instanceof Error ? err.message.trimEnd() : String(err)}\n`);
    return 1;
  }
}

/** Whether this file is the command run (also through the node_modules/.bin symlink), not a module imported. */
function runAsCommand() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false; // argv[1] is no file (node -e ... with arguments)
  }
}

if (runAsCommand()) process.exitCode = await main(process.argv.slice(2));
