#!/usr/bin/env node
// What `devinfo/kubelet` costs a process, as whole `node` processes: the root
// entry (which must not load gRPC), the kubelet entry imported, answering
// from the checkpoint, and asking a PodResources socket (gRPC and protobufjs
// loaded, one Get). Each round runs every variant once in a rotated order;
// a figure is the median over rounds of (variant - `node -e 0`) in the same
// round, wall time and the child's own CPU time (user + system).
//
// Usage: npm run build && node bench/kubelet.mjs [--rounds=30]

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rounds = Number(/^--rounds=(\d+)$/.exec(process.argv[2] ?? "")?.[1] ?? 30);
const dist = (entry) => pathToFileURL(path.join(root, "dist", entry)).href;
if (!fs.existsSync(path.join(root, "dist", "kubelet.js"))) throw new Error("run npm run build first");

const work = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-bench-kubelet-"));
const cache = path.join(root, "node_modules", ".cache", "devinfo-bench-kubelet");
fs.mkdirSync(cache, { recursive: true });

// The tests' PodResources server, in its own process (spawnSync blocks this one).
await build({
  absWorkingDir: root,
  entryPoints: ["test/helpers/kubelet.ts"],
  outfile: path.join(cache, "server.mjs"),
  bundle: true,
  format: "esm",
  platform: "node",
  packages: "external",
  logLevel: "warning",
});
const socket = path.join(work, "kubelet.sock");
const server = spawn(
  process.execPath,
  [
    "--input-type=module",
    "-e",
    `const { serveFakeKubelet, pod } = await import(${JSON.stringify(pathToFileURL(path.join(cache, "server.mjs")).href)});
     await serveFakeKubelet(${JSON.stringify(socket)}, { pods: [pod("default", "p", { app: { "intel.com/sriov": ["0000:af:06.0"] } })] });
     console.log("ready");`,
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
await new Promise((resolve, reject) => {
  server.stdout.once("data", resolve);
  server.once("exit", () => reject(new Error("the PodResources server did not start")));
});

const preload = path.join(work, "usage.cjs");
fs.writeFileSync(
  preload,
  'process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeSync(2, "\\ncpu:" + (u.user + u.system) + "\\n"); });\n',
);
const checkpoint = path.join(root, "fixtures", "kubelet", "checkpoint-numa.json");
const POD = `{ namespace: "default", name: "p", uid: "0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a" }`;
const variants = [
  { label: "`node -e 0`", script: undefined },
  { label: "empty ES module (`--input-type=module -e ''`)", script: "" },
  { label: "import the root entry (`devinfo`)", script: `await import(${JSON.stringify(dist("index.js"))});` },
  { label: "import `devinfo/kubelet`", script: `await import(${JSON.stringify(dist("kubelet.js"))});` },
  {
    label: "`getPodDevices` from the checkpoint (no socket)",
    script: `const k = await import(${JSON.stringify(dist("kubelet.js"))});
      const d = await k.getPodDevices(${POD}, { socket: "/nonexistent.sock", checkpoint: ${JSON.stringify(checkpoint)} });
      if (d.source.type !== "checkpoint") process.exit(1);`,
  },
  {
    label: "`getPodDevices` over the socket (gRPC loaded, one `Get`)",
    script: `const k = await import(${JSON.stringify(dist("kubelet.js"))});
      const d = await k.getPodDevices(${POD}, { socket: ${JSON.stringify(socket)} });
      if (d.resources["intel.com/sriov"]?.[0] !== "0000:af:06.0") process.exit(1);`,
  },
  { label: "import `@grpc/grpc-js` alone", script: 'await import("@grpc/grpc-js");', cwd: root },
  {
    label: "import `protobufjs` alone and parse the PodResources .proto",
    script: `const p = (await import("protobufjs")).default;
      const { PODRESOURCES_V1_PROTO } = await import(${JSON.stringify(pathToFileURL(path.join(root, "dist", "kubelet", "_proto.js")).href)});
      p.parse(PODRESOURCES_V1_PROTO, { keepCase: true });`,
    cwd: root,
  },
];

function runOnce(v) {
  const args = v.script === undefined ? ["-r", preload, "-e", "0"] : ["-r", preload, "--input-type=module", "-e", v.script];
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? "" }, encoding: "utf8", cwd: v.cwd ?? work });
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
  server.kill();
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(`${rounds} interleaved rounds, node ${process.version}, ${os.cpus().length} CPUs; medians in ms\n`);
console.log("| process | wall | over `node -e 0` | CPU | CPU over `node -e 0` |");
console.log("| --- | ---: | ---: | ---: | ---: |");
variants.forEach((v, i) => {
  const s = samples[i];
  const f = (n) => n.toFixed(1);
  console.log(
    `| ${v.label} | ${f(median(s.wall))} | ${i === 0 ? "" : `+${f(median(s.dWall))}`} | ${f(median(s.cpu))} | ${i === 0 ? "" : `+${f(median(s.dCpu))}`} |`,
  );
});
