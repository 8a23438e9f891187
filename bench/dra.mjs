#!/usr/bin/env node
// What `devinfo/dra` costs a process, as whole `node` processes, next to the
// root entry (which must not load it): importing each entry, and the two
// things a DRA driver and a workload do once (map a device-info document to
// attributes; read a device metadata file). Each round runs every variant
// once in a rotated order; a figure is the median over rounds of
// (variant - `node -e 0`) in the same round, wall time and the child's own
// CPU time (user + system).
//
// With --baseline=DIR, the root entry of another build (DIR/dist/index.js,
// e.g. a checkout without devinfo/dra) runs next to ours.
//
// Usage: npm run build && node bench/dra.mjs [--rounds=30] [--baseline=DIR]

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const arg = (name) =>
  process.argv
    .slice(2)
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3);
const rounds = Number(arg("rounds") ?? 30);
const baseline = arg("baseline");
const dist = (entry) => pathToFileURL(path.join(root, "dist", entry)).href;
if (!fs.existsSync(path.join(root, "dist", "dra.js"))) throw new Error("run npm run build first");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-bench-dra-"));
const preload = path.join(work, "usage.cjs");
fs.writeFileSync(
  preload,
  'process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeSync(2, "\\ncpu:" + (u.user + u.system) + "\\n"); });\n',
);
const metadata = path.join(root, "fixtures", "dra", "metadata", "newer-version-first.json");
const variants = [
  { label: "`node -e 0`", script: undefined },
  { label: "import the root entry (`devinfo`)", script: `await import(${JSON.stringify(dist("index.js"))});` },
  ...(baseline === undefined
    ? []
    : [
        {
          label: `import the baseline's root entry (${baseline})`,
          script: `await import(${JSON.stringify(pathToFileURL(path.resolve(baseline, "dist", "index.js")).href)});`,
        },
      ]),
  { label: "import `devinfo/dra`", script: `await import(${JSON.stringify(dist("dra.js"))});` },
  {
    label: "`deviceInfoToDeviceAttributes` (import + one call)",
    script: `const d = await import(${JSON.stringify(dist("dra.js"))});
      const r = d.deviceInfoToDeviceAttributes({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } });
      if (r.attributes["resource.kubernetes.io/pciBusID"] === undefined) process.exit(1);`,
  },
  {
    label: "`readDeviceMetadata` of a two-version file (import + one read)",
    script: `const d = await import(${JSON.stringify(dist("dra.js"))});
      const m = await d.readDeviceMetadata(${JSON.stringify(metadata)});
      if (m?.metadata.generation !== 3) process.exit(1);`,
  },
];

function runOnce(v) {
  const args = v.script === undefined ? ["-r", preload, "-e", "0"] : ["-r", preload, "--input-type=module", "-e", v.script];
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", cwd: work });
  const wall = performance.now() - start;
  const cpu = Number(/cpu:(\d+)/.exec(r.stderr)?.[1]) / 1000;
  if (r.status !== 0 || Number.isNaN(cpu)) throw new Error(`${v.label} failed: ${r.stderr}`);
  return { wall, cpu };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const samples = variants.map(() => ({ wall: [], cpu: [], dWall: [], dCpu: [] }));
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
    });
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
const bytes = (entry) => fs.statSync(path.join(root, "dist", entry)).size;
console.log(`${rounds} interleaved rounds, node ${process.version}, ${os.cpus().length} CPUs; medians in ms`);
console.log(`bundles: dist/index.js ${bytes("index.js")} bytes, dist/dra.js ${bytes("dra.js")} bytes\n`);
console.log("| process | wall | over `node -e 0` | CPU | CPU over `node -e 0` |");
console.log("| --- | ---: | ---: | ---: | ---: |");
variants.forEach((v, i) => {
  const s = samples[i];
  const f = (n) => n.toFixed(1);
  console.log(
    `| ${v.label} | ${f(median(s.wall))} | ${i === 0 ? "" : `+${f(median(s.dWall))}`} | ${f(median(s.cpu))} | ${i === 0 ? "" : `+${f(median(s.dCpu))}`} |`,
  );
});
