#!/usr/bin/env node
// What `devinfo/kubelet` costs a process, as whole `node` processes: the root
// entry (which must not load gRPC), the kubelet entry imported, answering
// from the checkpoint, and asking a PodResources socket (gRPC and protobufjs
// loaded, one Get), timed by bench/_import-cost.mjs.
//
// Usage: npm run build && node bench/kubelet.mjs [--rounds=30]

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { printProcessTable, timeProcesses } from "./_import-cost.mjs";

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

let samples;
try {
  samples = timeProcesses(variants, { rounds, cwd: work });
} finally {
  server.kill();
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(`${rounds} interleaved rounds, node ${process.version}, ${os.cpus().length} CPUs; medians in ms\n`);
printProcessTable(variants, samples);
