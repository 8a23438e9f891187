#!/usr/bin/env node
// What asking the kubelet costs a fresh process (a meta-plugin pays it on
// every pod ADD that needs a device ID): whole `node` processes timed by
// bench/_import-cost.mjs, each figure also a ratio to `node -e 0` in the same
// round. The root entry and `devinfo/kubelet` imported, an answer from the
// checkpoint, one Get and one List of a large node over a real PodResources
// socket (the tests' grpc-js server, in its own process), and the same two
// calls with the @grpc/grpc-js + protobufjs client devinfo used before its
// node:http2 client, for comparison in the same rounds.
//
// Usage: npm run build && node bench/kubelet.mjs [--rounds=30] [--pods=30000] [--dist=DIR]
// (`npm run bench` runs it as its "kubelet" suite, on its private copy of the bundles.)

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { median, processTable, timeProcesses } from "./_import-cost.mjs";

// (Bundled into npm run bench's runner, this file's URL is the runner's: the runner says where the repository is.)
const root = process.env.DEVINFO_BENCH_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Starts the tests' PodResources server on `socket` with `pods` pods, in its own process (spawnSync blocks this one). */
async function startServer(serverBundle, socket, pods) {
  const server = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { serveFakeKubelet, pod } = await import(${JSON.stringify(pathToFileURL(serverBundle).href)});
       const pods = [pod("default", "p", { app: { "intel.com/sriov": ["0000:af:06.0"] } })];
       for (let i = 1; i < ${pods}; i++) pods.push(pod("ns-" + (i % 50), "pod-" + i, { app: { "intel.com/sriov": ["0000:af:" + (i % 256).toString(16).padStart(2, "0") + "." + (i % 8)] } }));
       await serveFakeKubelet(${JSON.stringify(socket)}, { pods });
       console.log("ready");`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise((resolve, reject) => {
    server.stdout.once("data", resolve);
    server.once("exit", () => reject(new Error("the PodResources server did not start")));
  });
  return server;
}

/**
 * Runs the suite. `dist` is the bundles' directory (default: the repository's dist/).
 *
 * @returns {Promise<{ report: string, verdicts: { figure: string, value: string, budget: string, ok: boolean | undefined }[] }>}
 */
export async function benchKubelet({ rounds = 30, pods = 30_000, dist = path.join(root, "dist") } = {}) {
  if (!fs.existsSync(path.join(dist, "kubelet.js"))) throw new Error(`no ${dist}/kubelet.js: run npm run build first`);
  const url = (entry) => JSON.stringify(pathToFileURL(path.join(dist, entry)).href);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-bench-kubelet-"));
  // A private directory per run (next to the packages, which the bundles import): runs side by side never share one.
  fs.mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
  const cache = fs.mkdtempSync(path.join(root, "node_modules", ".cache", "devinfo-bench-kubelet-"));
  const bundle = (entry, name, plugins = []) =>
    build({
      plugins,
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: path.join(cache, name),
      bundle: true,
      format: "esm",
      platform: "node",
      packages: "external",
      logLevel: "warning",
    });
  await bundle("test/helpers/kubelet.ts", "server.mjs");
  await bundle("test/helpers/kubelet.ts", "grpc-client.mjs");
  const grpcClient = JSON.stringify(pathToFileURL(path.join(cache, "grpc-client.mjs")).href);
  // devinfo/kubelet as it was before its own HTTP/2 client: the same entry, the same code around the
  // call (checks, the Get-then-List logic, the mapping of every pod), the call made by @grpc/grpc-js
  // + protobufjs. The fair "before" of a whole lookup; the rows of the bare grpc-js call above it
  // leave out the mapping.
  await bundle("src/kubelet.ts", "kubelet-grpc-js.mjs", [
    {
      name: "grpc-js-call",
      setup(b) {
        b.onResolve({ filter: /\/_h2\.js$/ }, () => ({ path: "grpc-js-call", namespace: "devinfo-bench" }));
        b.onLoad({ filter: /.*/, namespace: "devinfo-bench" }, () => ({
          resolveDir: root,
          loader: "ts",
          contents: `import { callWithGrpcJs } from "./test/helpers/kubelet.ts";
            export { GRPC_STATUS, isGrpcStatusError, MAX_MESSAGE_BYTES } from "./src/kubelet/_h2.ts";
            export function callPodResources(socket, method, request, deadline) {
              return callWithGrpcJs(socket, method, request, deadline);
            }`,
        }));
      },
    },
  ]);
  const kubeletGrpcJs = JSON.stringify(pathToFileURL(path.join(cache, "kubelet-grpc-js.mjs")).href);

  const small = path.join(work, "kubelet.sock");
  const large = path.join(work, "large.sock");
  const servers = [
    await startServer(path.join(cache, "server.mjs"), small, 1),
    await startServer(path.join(cache, "server.mjs"), large, pods),
  ];
  const checkpoint = path.join(root, "fixtures", "kubelet", "checkpoint-numa.json");
  const POD = `{ namespace: "default", name: "p", uid: "0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a" }`;
  const GET = "one `Get` (`getPodDevices` over the socket)";
  const LIST = `one \`List\` of ${pods.toLocaleString("en")} pods (\`listPodDevices\`)`;
  const LIST_BEFORE = `before: \`listPodDevices\` of ${pods.toLocaleString("en")} pods with @grpc/grpc-js + protobufjs (the whole lookup)`;
  const variants = [
    { label: "`node -e 0`", script: undefined },
    { label: "empty ES module (`--input-type=module -e ''`)", script: "" },
    { label: "import the root entry (`devinfo`)", script: `await import(${url("index.js")});` },
    { label: "import `devinfo/kubelet`", script: `await import(${url("kubelet.js")});` },
    {
      label: "`getPodDevices` from the checkpoint (no socket)",
      script: `const k = await import(${url("kubelet.js")});
        const d = await k.getPodDevices(${POD}, { socket: "/nonexistent.sock", checkpoint: ${JSON.stringify(checkpoint)} });
        if (d.source.type !== "checkpoint") process.exit(1);`,
    },
    {
      label: GET,
      script: `const k = await import(${url("kubelet.js")});
        const d = await k.getPodDevices(${POD}, { socket: ${JSON.stringify(small)} });
        if (d.resources["intel.com/sriov"]?.[0] !== "0000:af:06.0") process.exit(1);`,
    },
    {
      label: LIST,
      script: `const k = await import(${url("kubelet.js")});
        const l = await k.listPodDevices({ socket: ${JSON.stringify(large)}, timeoutMs: 60000 });
        if (l.pods.length !== ${pods}) process.exit(1);`,
    },
    {
      label: "before: one `Get` with @grpc/grpc-js + protobufjs",
      script: `const { callWithGrpcJs } = await import(${grpcClient});
        const r = await callWithGrpcJs(${JSON.stringify(small)}, "Get", { pod_name: "p", pod_namespace: "default" }, Date.now() + 60000);
        if (r.pod_resources.name !== "p") process.exit(1);`,
      cwd: root,
    },
    {
      label: "before: `getPodDevices` with @grpc/grpc-js + protobufjs (the whole lookup)",
      script: `const k = await import(${kubeletGrpcJs});
        const d = await k.getPodDevices(${POD}, { socket: ${JSON.stringify(small)} });
        if (d.resources["intel.com/sriov"]?.[0] !== "0000:af:06.0") process.exit(1);`,
      cwd: root,
    },
    {
      label: LIST_BEFORE,
      script: `const k = await import(${kubeletGrpcJs});
        const l = await k.listPodDevices({ socket: ${JSON.stringify(large)}, timeoutMs: 60000 });
        if (l.pods.length !== ${pods}) process.exit(1);`,
      cwd: root,
    },
    {
      label: `before: one \`List\` of ${pods.toLocaleString("en")} pods with @grpc/grpc-js + protobufjs`,
      script: `const { callWithGrpcJs } = await import(${grpcClient});
        const r = await callWithGrpcJs(${JSON.stringify(large)}, "List", {}, Date.now() + 60000);
        if (r.pod_resources.length !== ${pods}) process.exit(1);`,
      cwd: root,
    },
  ];
  let samples;
  try {
    samples = timeProcesses(variants, { rounds, cwd: work });
  } finally {
    for (const server of servers) server.kill();
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  }
  const ratio = (label) => median(samples[variants.findIndex((v) => v.label === label)].ratio);
  const get = ratio(GET);
  const list = ratio(LIST);
  const listBefore = ratio(LIST_BEFORE);
  const listCallBefore = ratio(variants[variants.length - 1].label);
  const report = [
    `${rounds} interleaved rounds, node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}; medians in ms`,
    "",
    processTable(variants, samples),
  ].join("\n");
  return {
    report,
    verdicts: [
      { figure: "fresh process, one kubelet `Get` / `node -e 0`", value: `${get.toFixed(2)}x`, budget: "≤ 1.50x", ok: get <= 1.5 },
      {
        figure: `fresh process, one \`List\` of ${pods.toLocaleString("en")} pods / the same lookup with grpc-js`,
        value: `${(list / listBefore).toFixed(2)}x`,
        budget: "≤ 1.00x",
        ok: list <= listBefore * 1.0,
      },
      {
        figure: `fresh process, one \`List\` of ${pods.toLocaleString("en")} pods / the bare grpc-js call (no mapping of the pods)`,
        value: `${(list / listCallBefore).toFixed(2)}x`,
        budget: "≤ 1.00x",
        ok: list <= listCallBefore * 1.0,
      },
    ],
  };
}

if (process.argv[1] !== undefined && path.basename(process.argv[1]) === "kubelet.mjs") {
  const { values } = parseArgs({ options: { rounds: { type: "string" }, pods: { type: "string" }, dist: { type: "string" } } });
  const { report, verdicts } = await benchKubelet({
    rounds: values.rounds === undefined ? undefined : Number(values.rounds),
    pods: values.pods === undefined ? undefined : Number(values.pods),
    dist: values.dist === undefined ? undefined : path.resolve(values.dist),
  });
  console.log(report);
  for (const v of verdicts) console.log(`${v.ok ? "met" : "missed"}: ${v.figure}: ${v.value} (budget ${v.budget})`);
}
