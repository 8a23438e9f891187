/**
 * Cold start, as whole processes: what a CNI plugin written with this
 * package pays on every pod start, against `node -e 0` and against the same
 * script using `node:fs` alone. Also the cost of each runtime dependency and
 * of shipping the package unbundled, which is how the build was chosen.
 *
 * Every round runs every variant once, in a rotated order; a difference is
 * the median over rounds of the per-round difference. Each child also
 * reports its own CPU time (user + system, all threads) at exit, through a
 * one-line `-r` preload that every variant, `node -e 0` included, carries
 * (bench/_child.ts):
 * CPU time hardly moves when other processes compete for the machine, wall
 * time does.
 */

import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { runChild } from "./_child.js";
import { APP_DIR, CLI, PACKAGE_DIR, places, REPO_ROOT } from "./_env.js";
import { log, median, ms, pct, rotate, spread, table, us, type Verdict } from "./_stats.js";
import { INFO } from "./ops.js";

interface Variant {
  key: string;
  label: string;
  args: string[];
  /** stdin of the child. */
  input?: string;
  env?: Record<string, string>;
  /** Restores the files the child changes, before each run (not timed). */
  reset?: () => void;
  /** What stdout must hold, so that a failing child never passes for a fast one. */
  expect: RegExp;
}

/** A CNI-plugin-like script: reads the network configuration on stdin, loads the device-info file it names, answers on stdout. */
function pluginScript(load: { imports: string; expr: string }): string {
  return `import { readFileSync } from "node:fs";
${load.imports}
const conf = JSON.parse(readFileSync(0, "utf8"));
const info = ${load.expr};
process.stdout.write(JSON.stringify({ cniVersion: conf.cniVersion, deviceType: info.type }) + "\\n");
`;
}

/**
 * The example chained plugin's ADD (devinfo-pci-representor) written with
 * `node:fs` alone, as a user might without this package: read the copied
 * file, add the representor, write it back through a temporary file, pass
 * `prevResult` on. CommonJS, extensionless, like the bundle it is compared with.
 */
const FS_ONLY_PLUGIN = `#!/usr/bin/env node
"use strict";
const fs = require("node:fs");
const conf = JSON.parse(fs.readFileSync(0, "utf8"));
if (process.env.CNI_COMMAND === "ADD") {
  const file = conf.runtimeConfig && conf.runtimeConfig.CNIDeviceInfoFile;
  let info;
  try {
    info = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
  if (info !== undefined && info.type === "pci") {
    const representor = conf.representors[info.pci["pci-address"]];
    if (info.pci["representor-device"] !== representor) {
      info.pci["representor-device"] = representor;
      info.version = "1.1.0";
      const temp = file + ".tmp";
      fs.writeFileSync(temp, JSON.stringify(info), { mode: 0o444 });
      fs.renameSync(temp, file);
    }
  }
  process.stdout.write(JSON.stringify(conf.prevResult) + "\\n");
}
`;

/**
 * The first call in a fresh process next to the steady state: the import
 * (resolution, read, compile, evaluate), the first call (its functions
 * compiled on first use), then the median of 200 more calls.
 */
const FIRST_CALL = `import { readFileSync } from "node:fs";
const conf = JSON.parse(readFileSync(0, "utf8"));
const file = conf.runtimeConfig.CNIDeviceInfoFile;
let t = performance.now();
const devinfo = await import("devinfo");
const importMs = performance.now() - t;
t = performance.now();
devinfo.loadDeviceInfoFromCNISync(file);
const firstSyncUs = (performance.now() - t) * 1000;
t = performance.now();
await devinfo.loadDeviceInfoFromCNI(file);
const firstAsyncUs = (performance.now() - t) * 1000;
const steady = (f) => { const s = []; for (let i = 0; i < 200; i++) { const t0 = performance.now(); f(); s.push((performance.now() - t0) * 1000); } s.sort((a, b) => a - b); return s[100]; };
const steadySyncUs = steady(() => devinfo.loadDeviceInfoFromCNISync(file));
const a = [];
for (let i = 0; i < 200; i++) { const t0 = performance.now(); await devinfo.loadDeviceInfoFromCNI(file); a.push((performance.now() - t0) * 1000); }
a.sort((x, y) => x - y);
process.stdout.write(JSON.stringify({ importMs, firstSyncUs, firstAsyncUs, steadySyncUs, steadyAsyncUs: a[100] }) + "\\n");
`;

const SCRIPTS: Record<string, string> = {
  "empty.mjs": "",
  "fs-only.mjs": pluginScript({ imports: "", expr: 'JSON.parse(readFileSync(conf.runtimeConfig.CNIDeviceInfoFile, "utf8"))' }),
  "devinfo.mjs": pluginScript({
    imports: 'import { loadDeviceInfoFromCNISync } from "devinfo";',
    expr: "loadDeviceInfoFromCNISync(conf.runtimeConfig.CNIDeviceInfoFile)",
  }),
  // The node:fs script plus the package's import, unused: the import's share of the package's cost.
  "devinfo-import.mjs": pluginScript({
    imports: 'import * as devinfo from "devinfo";\nif (typeof devinfo.loadDeviceInfoFromCNISync !== "function") process.exit(1);',
    expr: 'JSON.parse(readFileSync(conf.runtimeConfig.CNIDeviceInfoFile, "utf8"))',
  }),
  "devinfo-async.mjs": pluginScript({
    imports: 'import { loadDeviceInfoFromCNI } from "devinfo";',
    expr: "await loadDeviceInfoFromCNI(conf.runtimeConfig.CNIDeviceInfoFile)",
  }),
  "devinfo-unbundled.mjs": pluginScript({
    imports: 'import { loadDeviceInfoFromCNISync } from "devinfo-unbundled";',
    expr: "loadDeviceInfoFromCNISync(conf.runtimeConfig.CNIDeviceInfoFile)",
  }),
  "tiny-package.mjs": pluginScript({
    imports: 'import { loadDeviceInfoFromCNISync } from "tiny-package";',
    expr: "loadDeviceInfoFromCNISync(conf.runtimeConfig.CNIDeviceInfoFile)",
  }),
  "devinfo-unminified.mjs": pluginScript({
    imports: 'import { loadDeviceInfoFromCNISync } from "devinfo-unminified";',
    expr: "loadDeviceInfoFromCNISync(conf.runtimeConfig.CNIDeviceInfoFile)",
  }),
  "devinfo-core.mjs": pluginScript({
    imports: 'import { loadDeviceInfoFromCNISync } from "devinfo-core";',
    expr: "loadDeviceInfoFromCNISync(conf.runtimeConfig.CNIDeviceInfoFile)",
  }),
  "schema.mjs": pluginScript({
    imports: 'import { DeviceInfoSchema } from "devinfo/schema";',
    expr: 'DeviceInfoSchema.parse(JSON.parse(readFileSync(conf.runtimeConfig.CNIDeviceInfoFile, "utf8")))',
  }),
  "first-call.mjs": FIRST_CALL,
  "zod.mjs": 'import * as z from "zod";\nif (typeof z.object !== "function") process.exit(1);\n',
  "zod-mini.mjs": 'import * as z from "zod/mini";\nif (typeof z.object !== "function") process.exit(1);\n',
  "uuid.mjs": 'import { v5 } from "uuid";\nif (typeof v5 !== "function") process.exit(1);\n',
};

/** The package as tsc would ship it, one module per source file (esbuild, no bundling), as node_modules/devinfo-unbundled. */
async function buildUnbundled(): Promise<void> {
  const dir = path.join(APP_DIR, "node_modules", "devinfo-unbundled");
  const sources = fs
    .readdirSync(path.join(REPO_ROOT, "src"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join("src", f));
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: sources,
    outdir: path.join(dir, "dist"),
    outbase: "src",
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
  fs.copyFileSync(path.join(PACKAGE_DIR, "package.json"), path.join(dir, "package.json"));
}

/**
 * Packages that are not shipped, to weigh build choices: the main entry not
 * minified; only the file operations and the format, minified (what an entry
 * point for CNI plugins alone would hold); and a package of one small module,
 * the floor of importing any package.
 */
async function buildAlternatives(): Promise<void> {
  const common = {
    absWorkingDir: REPO_ROOT,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  } as const;
  const pkg = (name: string) => {
    const dir = path.join(APP_DIR, "node_modules", name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, type: "module", exports: "./index.js" }));
    return path.join(dir, "index.js");
  };
  await build({ ...common, entryPoints: ["src/index.ts"], outfile: pkg("devinfo-unminified") });
  // The floor of any package: one small module, resolved through "exports" like devinfo.
  fs.writeFileSync(
    pkg("tiny-package"),
    'import { readFileSync } from "node:fs";\nexport function loadDeviceInfoFromCNISync(path) {\n  return JSON.parse(readFileSync(path, "utf8"));\n}\n',
  );
  await build({
    ...common,
    minify: true,
    stdin: { contents: 'export * from "./src/files/operations.ts";', resolveDir: REPO_ROOT, loader: "ts" },
    outfile: pkg("devinfo-core"),
  });
}

function run(v: Variant): { wallMs: number; cpuMs: number } {
  v.reset?.();
  const r = runChild(v.args, { input: v.input, env: v.env });
  if (!v.expect.test(r.stdout)) throw new Error(`cold start: ${v.label}: unexpected output:\n${r.stdout}\n${r.stderr}`);
  return r;
}

export async function benchColdStart(options: { rounds: number }): Promise<{ report: string; verdicts: Verdict[] }> {
  const [where] = places(["tmpfs"]);
  if (where === undefined) throw new Error("no tmpfs place");
  try {
    for (const [name, text] of Object.entries(SCRIPTS)) fs.writeFileSync(path.join(APP_DIR, name), text);
    await buildUnbundled();
    await buildAlternatives();
    const { buildExamples } = (await import(path.join(REPO_ROOT, "examples", "build.mjs"))) as {
      buildExamples(outdir: string): Promise<Record<string, string>>;
    };
    const plugins = await buildExamples(path.join(where.dir, "bin"));
    const representor = plugins["devinfo-pci-representor"];
    if (representor === undefined) throw new Error("examples/build.mjs built no devinfo-pci-representor");
    const fsOnlyPlugin = path.join(where.dir, "bin", "pci-representor-fs");
    fs.writeFileSync(fsOnlyPlugin, FS_ONLY_PLUGIN, { mode: 0o755 });
    // Every subpath entry of the package (devinfo/kubelet, ...): the cost of its import alone.
    const exportsMap = (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, "package.json"), "utf8")) as { exports: Record<string, unknown> })
      .exports;
    const subpaths = Object.keys(exportsMap)
      .filter((key) => key !== "." && key !== "./package.json" && key !== "./schema")
      .map((key) => key.slice(2));
    for (const sub of subpaths) {
      fs.writeFileSync(
        path.join(APP_DIR, `subpath-${sub}.mjs`),
        `import * as m from "devinfo/${sub}";\nif (Object.keys(m).length === 0) process.exit(1);\n`,
      );
    }

    // The CNI file the meta-plugin copied from the device plugin, as the chained plugin finds it.
    const cniFile = path.join(where.dir, "cni", `sriov-net1-${"ab".repeat(32)}_net1`);
    fs.mkdirSync(path.dirname(cniFile), { recursive: true });
    const copied = JSON.stringify({
      type: "pci",
      version: "1.1.0",
      pci: { "pci-address": INFO.type === "pci" ? INFO.pci["pci-address"] : "" },
    });
    const resetCopied = () => {
      fs.rmSync(cniFile, { force: true });
      fs.writeFileSync(cniFile, copied, { mode: 0o444 });
    };
    resetCopied();
    const prevResult = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "fixtures", "cni-results", "bridge-hostlocal.json"), "utf8"));
    const addConf = JSON.stringify({
      cniVersion: "1.0.0",
      name: "sriov-net1",
      type: "devinfo-pci-representor",
      capabilities: { CNIDeviceInfoFile: true },
      representors: { [INFO.type === "pci" ? INFO.pci["pci-address"] : ""]: "pf0vf3" },
      runtimeConfig: { CNIDeviceInfoFile: cniFile },
      prevResult,
    });
    const emptyBase = path.join(where.dir, "empty-base");
    fs.mkdirSync(emptyBase, { recursive: true });
    const scriptConf = JSON.stringify({ cniVersion: "1.0.0", name: "sriov-net1", runtimeConfig: { CNIDeviceInfoFile: cniFile } });
    const plugin = (key: string, label: string, script: string): Variant => ({
      key,
      label,
      args: [script],
      input: scriptConf,
      expect: /"deviceType":"pci"/,
    });
    const imports = (key: string, label: string, script: string): Variant => ({ key, label, args: [script], expect: /^$/ });
    const cniEnv = {
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "ab".repeat(32),
      CNI_NETNS: "/var/run/netns/bench",
      CNI_IFNAME: "net1",
      CNI_PATH: path.dirname(representor),
    };
    const variants: Variant[] = [
      { key: "bare", label: "`node -e 0`", args: ["-e", "0"], expect: /^$/ },
      imports("empty", "empty ESM script", "empty.mjs"),
      plugin("fs", "plugin-like script, node:fs + JSON.parse", "fs-only.mjs"),
      plugin("devinfo", "plugin-like script, devinfo (loadDeviceInfoFromCNISync)", "devinfo.mjs"),
      plugin("import", "plugin-like script, node:fs, plus `import * as devinfo` (unused)", "devinfo-import.mjs"),
      plugin("devinfo-async", "plugin-like script, devinfo (await loadDeviceInfoFromCNI)", "devinfo-async.mjs"),
      plugin("unbundled", "plugin-like script, devinfo unbundled (one module per file, as tsc emits)", "devinfo-unbundled.mjs"),
      plugin("tiny", "plugin-like script, a one-function package instead (the floor of any package)", "tiny-package.mjs"),
      plugin("unminified", "plugin-like script, devinfo bundle not minified (not shipped)", "devinfo-unminified.mjs"),
      plugin("core", "plugin-like script, devinfo's file operations and format alone (not shipped)", "devinfo-core.mjs"),
      plugin("schema", "plugin-like script, devinfo/schema (zod) DeviceInfoSchema.parse", "schema.mjs"),
      imports("zod", 'import * as z from "zod"', "zod.mjs"),
      imports("zod-mini", 'import * as z from "zod/mini"', "zod-mini.mjs"),
      imports("uuid", 'import { v5 } from "uuid"', "uuid.mjs"),
      {
        key: "add",
        label: "example plugin devinfo-pci-representor, whole ADD (load, update, write)",
        args: [representor],
        input: addConf,
        env: cniEnv,
        reset: resetCopied,
        expect: /"interfaces"/,
      },
      {
        key: "fs-add",
        label: "the same plugin written with node:fs alone, whole ADD",
        args: [fsOnlyPlugin],
        input: addConf,
        env: cniEnv,
        reset: resetCopied,
        expect: /"interfaces"/,
      },
      ...subpaths.map((sub) => imports(`subpath-${sub}`, `import * as m from "devinfo/${sub}"`, `subpath-${sub}.mjs`)),
      // The command line on a node (issue 22): what an operator or a cron job starts.
      {
        key: "cli-ls",
        label: "`devinfo ls`, empty base directory",
        args: [CLI, "ls", "--base-dir", emptyBase],
        expect: /^KIND +NAME/,
      },
      { key: "cli-show", label: "`devinfo show <CNI file>`", args: [CLI, "show", cniFile], reset: resetCopied, expect: /pci/ },
      {
        key: "cli-gc",
        label: "`devinfo gc --dry-run`, empty base directory",
        args: [CLI, "gc", "--dry-run", "--base-dir", emptyBase],
        expect: /^Would remove 0 files/,
      },
    ];

    // The ADD really updates the file: check once, outside the timing.
    run(variants.find((v) => v.key === "add") as Variant);
    if (!fs.readFileSync(cniFile, "utf8").includes('"representor-device":"pf0vf3"'))
      throw new Error("the example ADD did not update the file");

    const wall = new Map<string, number[]>(variants.map((v) => [v.key, []]));
    const cpu = new Map<string, number[]>(variants.map((v) => [v.key, []]));
    const warmup = 2;
    for (let round = 0; round < options.rounds + warmup; round++) {
      for (const v of rotate(variants, round)) {
        const r = run(v);
        if (round < warmup) continue;
        wall.get(v.key)?.push(r.wallMs);
        cpu.get(v.key)?.push(r.cpuMs);
      }
      if (round >= warmup && (round - warmup + 1) % 10 === 0) log(`cold-start: ${round - warmup + 1}/${options.rounds} rounds`);
    }
    const get = (m: Map<string, number[]>, key: string) => m.get(key) ?? [];
    // Per-round differences, then their median.
    const diff = (m: Map<string, number[]>, a: string, b: string) => get(m, a).map((value, i) => value - (get(m, b)[i] ?? Number.NaN));
    const rel = (m: Map<string, number[]>, a: string, b: string, over: string) =>
      get(m, a).map((value, i) => (value - (get(m, b)[i] ?? Number.NaN)) / (get(m, over)[i] ?? Number.NaN));

    const reference: Record<string, string> = {
      bare: "-",
      empty: "bare",
      fs: "bare",
      devinfo: "fs",
      "devinfo-async": "fs",
      import: "fs",
      unbundled: "fs",
      unminified: "fs",
      tiny: "fs",
      core: "fs",
      schema: "fs",
      zod: "empty",
      "zod-mini": "empty",
      uuid: "empty",
      add: "fs-add",
      "fs-add": "bare",
      ...Object.fromEntries(subpaths.map((sub) => [`subpath-${sub}`, "empty"])),
      "cli-ls": "bare",
      "cli-show": "bare",
      "cli-gc": "bare",
    };
    const ratio = (m: Map<string, number[]>, key: string) => get(m, key).map((value, i) => value / (get(m, "bare")[i] ?? Number.NaN));
    const name = (key: string) => variants.find((v) => v.key === key)?.label ?? key;
    const rows = variants.map((v) => {
      const ref = reference[v.key] ?? "-";
      const vsRef =
        ref === "-"
          ? "-"
          : `${signed(median(diff(wall, v.key, ref)))} ms = ${pct(median(rel(wall, v.key, ref, "bare")))} (CPU ${signed(median(diff(cpu, v.key, ref)))} ms)`;
      return [
        v.label,
        ms(median(get(wall, v.key))),
        ms(median(get(cpu, v.key))),
        ref === "-" ? "-" : ref === "bare" ? "`node -e 0`" : name(ref),
        vsRef,
      ];
    });
    // The first call in fresh processes (not interleaved: one kind of process).
    const first: Record<string, number[]> = { importMs: [], firstSyncUs: [], firstAsyncUs: [], steadySyncUs: [], steadyAsyncUs: [] };
    for (let i = 0; i < Math.max(5, Math.ceil(options.rounds / 2)); i++) {
      const r = runChild(["first-call.mjs"], { input: scriptConf });
      const values = JSON.parse(r.stdout) as Record<string, number>;
      for (const key of Object.keys(first)) first[key]?.push(values[key] ?? Number.NaN);
    }
    const firstOf = (key: string) => median(first[key] ?? []);
    const pkgShare = rel(wall, "devinfo", "fs", "bare");
    const pluginShare = rel(wall, "add", "fs-add", "bare");
    const pluginCpuShare = rel(cpu, "add", "fs-add", "bare");
    const pkgCpuShare = rel(cpu, "devinfo", "fs", "bare");
    const addShare = rel(wall, "add", "bare", "bare");
    const unbundledShare = rel(wall, "unbundled", "fs", "bare");
    const report = [
      `Whole processes, ${options.rounds} interleaved rounds; wall time measured by the parent (spawn to exit), CPU time (user + system) reported by each child.` +
        ` A difference is the median of per-round differences; a percentage divides it by the same round's \`node -e 0\` wall time.`,
      "",
      table(["process", "wall (ms, median)", "CPU (ms, median)", "compared with", "difference (wall; CPU), % of `node -e 0`"], rows),
      "",
      `Package cost, per round (wall): median ${pct(median(pkgShare))}, interquartile range ${spread(pkgShare, pct)}; CPU: ${pct(median(pkgCpuShare))} (${spread(pkgCpuShare, pct)}) of \`node -e 0\`'s CPU time.`,
    ].join("\n");
    return {
      report,
      verdicts: [
        {
          figure: "cold start: devinfo plugin-like script − node:fs one, % of `node -e 0`",
          value: `${pct(median(pkgShare))} (${signed(median(diff(wall, "devinfo", "fs")))} ms of ${ms(median(get(wall, "bare")))} ms; CPU ${pct(median(pkgCpuShare))})`,
          budget: "≤ 10%",
          ok: median(pkgShare) <= 0.1,
        },
        {
          figure: "cold start: same, unbundled package (one module per file)",
          value: `${pct(median(unbundledShare))} (${signed(median(diff(wall, "unbundled", "fs")))} ms)`,
          budget: "-",
          ok: undefined,
        },
        {
          figure:
            "plugin start: example plugin built with devinfo-bundle-plugin − same plugin with node:fs alone, whole ADD, % of `node -e 0`",
          value: `${pct(median(pluginShare))} (${spread(pluginShare, pct)}; ${signed(median(diff(wall, "add", "fs-add")))} ms; CPU ${pct(median(pluginCpuShare))})`,
          budget: "≤ 10%",
          ok: median(pluginShare) <= 0.1,
        },
        {
          figure: "first call in a fresh process: import; first loadDeviceInfoFromCNISync / steady state; async",
          value: `import ${ms(firstOf("importMs"))} ms; sync ${us(firstOf("firstSyncUs"))} / ${us(firstOf("steadySyncUs"))} µs; async ${us(firstOf("firstAsyncUs"))} / ${us(firstOf("steadyAsyncUs"))} µs`,
          budget: "-",
          ok: undefined,
        },
        {
          figure:
            "start as a ratio to `node -e 0` in the same round (wall, median): plugin ADD; devinfo/cni-plugin import; CLI ls, show, gc --dry-run",
          value: ["add", "subpath-cni-plugin", "cli-ls", "cli-show", "cli-gc"]
            .map((key) => `${median(ratio(wall, key)).toFixed(3)}×`)
            .join("; "),
          budget: "-",
          ok: undefined,
        },
        {
          figure: "cold start: example chained plugin's whole ADD − `node -e 0`",
          value: `${signed(median(diff(wall, "add", "bare")))} ms = ${pct(median(addShare))} (${ms(median(get(wall, "add")))} vs ${ms(median(get(wall, "bare")))} ms)`,
          budget: "-",
          ok: undefined,
        },
      ],
    };
  } finally {
    where.dispose();
  }
}

function signed(n: number): string {
  return `${n >= 0 ? "+" : "−"}${ms(Math.abs(n))}`;
}
