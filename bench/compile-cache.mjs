#!/usr/bin/env node
// Does Node's module compile cache (`module.enableCompileCache()`, Node 22.1+)
// make the `devinfo` command start faster? Times whole processes on each Node
// given, in interleaved rounds (the variants in a rotated order each round):
//
// - `node -e 0`, the floor every ratio is taken against in the same round;
// - `devinfo validate <file>` as shipped (dist/cli/main.js, one bundle);
// - the same through a two-line entry that first enables the compile cache
//   in a private directory (warmed once before the rounds), then imports the
//   bundle: what shipping it would mean (on Node 20 the entry finds no
//   `enableCompileCache` and only imports);
// - the bundled example CNI plugin's ADD, which reads its own V8 code cache
//   (devinfo-bundle-plugin): for comparison only, the compile cache does not
//   apply to it.
//
// A figure is the median over rounds of (variant / `node -e 0`) wall time, and
// the CPU time (user + system) each child reports at exit.
//
//   node bench/compile-cache.mjs [--rounds=N] [--node=/path/to/node ...]
//
// The bundles are built privately (scripts/build.mjs, examples/build.mjs) into
// a scratch directory: other work may rebuild dist/ meanwhile.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildBundles } from "../scripts/build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const rounds = Number(args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 30);
const nodes = args.filter((a) => a.startsWith("--node=")).map((a) => a.slice(7));
if (nodes.length === 0) nodes.push(process.execPath);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-bench-compile-cache-"));
try {
  const app = path.join(scratch, "app");
  await buildBundles(path.join(app, "dist"));
  fs.writeFileSync(path.join(app, "package.json"), '{ "name": "devinfo-bench-app", "private": true, "type": "module" }\n');
  const cacheDir = path.join(scratch, "compile-cache");
  fs.mkdirSync(cacheDir, { mode: 0o700 });
  const entry = path.join(app, "dist", "cli", "with-compile-cache.js");
  fs.writeFileSync(
    entry,
    `import module from "node:module";\nmodule.enableCompileCache?.(${JSON.stringify(cacheDir)});\nawait import("./main.js");\n`,
  );
  const doc = path.join(scratch, "doc.json");
  fs.writeFileSync(doc, '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}');
  const preload = path.join(scratch, "usage.cjs");
  fs.writeFileSync(
    preload,
    'process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeSync(2, "\\ncpu:" + (u.user + u.system) + "\\n"); });\n',
  );
  const cli = path.join(app, "dist", "cli", "main.js");
  const plugins = path.join(scratch, "plugins");

  for (const node of nodes) {
    const version = spawnSync(node, ["-p", "process.version"], { encoding: "utf8" }).stdout.trim();
    // The plugin and its V8 cache, built by this Node (the cache is per version).
    fs.rmSync(plugins, { recursive: true, force: true });
    const built = spawnSync(node, [path.join(root, "examples", "build.mjs"), plugins], { encoding: "utf8" });
    if (built.status !== 0) throw new Error(`examples/build.mjs on ${version} failed: ${built.stderr}`);
    const pluginEnv = (dir) => ({
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "0123456789abcdef",
      CNI_NETNS: "/var/run/netns/t",
      CNI_IFNAME: "net1",
      CNI_PATH: plugins,
      DEVINFO_BENCH_DIR: dir,
    });
    const infoFile = path.join(scratch, "cni", "sriov-net1-abc_net1");
    const pluginInput = JSON.stringify({
      cniVersion: "1.0.0",
      name: "sriov-net1",
      type: "devinfo-pci-representor",
      representors: { "0000:af:06.0": "pf0vf3" },
      runtimeConfig: { CNIDeviceInfoFile: infoFile },
      prevResult: { cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: "/var/run/netns/t" }], ips: [] },
    });
    const variants = [
      { label: "`node -e 0`", args: ["-e", "0"] },
      { label: "`devinfo validate` (dist/cli/main.js)", args: [cli, "validate", doc] },
      { label: "`devinfo validate`, compile cache enabled first", args: [entry, "validate", doc] },
      {
        label: "example CNI plugin ADD (its own V8 code cache)",
        args: [path.join(plugins, "devinfo-pci-representor")],
        env: pluginEnv(scratch),
        input: pluginInput,
        before: () => {
          fs.mkdirSync(path.dirname(infoFile), { recursive: true });
          fs.rmSync(infoFile, { force: true });
          fs.writeFileSync(infoFile, '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}', { mode: 0o444 });
        },
      },
    ];
    const runOnce = (v) => {
      v.before?.();
      const start = performance.now();
      const r = spawnSync(node, ["-r", preload, ...v.args], {
        env: { PATH: `${path.dirname(node)}:${process.env.PATH ?? ""}`, ...v.env },
        input: v.input,
        encoding: "utf8",
        cwd: scratch,
      });
      const wall = performance.now() - start;
      const cpu = Number(/cpu:(\d+)/.exec(r.stderr)?.[1]) / 1000;
      if (r.status !== 0 || Number.isNaN(cpu)) throw new Error(`${v.label} on ${version} failed (${r.status}): ${r.stdout}${r.stderr}`);
      return { wall, cpu };
    };
    // Warm-up: the compile cache gets written, the files get into the page cache.
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    for (let i = 0; i < 3; i++) for (const v of variants) runOnce(v);
    const samples = variants.map(() => ({ wall: [], cpu: [], ratio: [], cpuRatio: [] }));
    for (let round = 0; round < rounds; round++) {
      const results = [];
      for (let k = 0; k < variants.length; k++) {
        const i = (k + round) % variants.length;
        results[i] = runOnce(variants[i]);
      }
      results.forEach((r, i) => {
        samples[i].wall.push(r.wall);
        samples[i].cpu.push(r.cpu);
        samples[i].ratio.push(r.wall / results[0].wall);
        samples[i].cpuRatio.push(r.cpu / results[0].cpu);
      });
    }
    const cached = fs.readdirSync(cacheDir).length > 0;
    const load = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join("/");
    console.log(
      `\nNode ${version}: ${rounds} rounds, load average ${load}; compile cache ${cached ? "written" : "not written (no enableCompileCache)"}\n`,
    );
    console.log("| process | wall (ms, median) | / `node -e 0` (wall) | CPU (ms, median) | / `node -e 0` (CPU) |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    variants.forEach((v, i) => {
      const s = samples[i];
      console.log(
        `| ${v.label} | ${median(s.wall).toFixed(1)} | ${median(s.ratio).toFixed(3)}x | ${median(s.cpu).toFixed(1)} | ${median(s.cpuRatio).toFixed(3)}x |`,
      );
    });
    // The change shipping the entry would make: median over rounds of (with cache - without) / `node -e 0`.
    const diff = samples[2].wall.map((w, r) => (w - (samples[1].wall[r] ?? 0)) / (samples[0].wall[r] ?? 1));
    const cpuDiff = samples[2].cpu.map((c, r) => (c - (samples[1].cpu[r] ?? 0)) / (samples[0].cpu[r] ?? 1));
    console.log(
      `\nwith the compile cache - without, per round: wall ${(100 * median(diff)).toFixed(1)}% of \`node -e 0\`, CPU ${(100 * median(cpuDiff)).toFixed(1)}%`,
    );
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
