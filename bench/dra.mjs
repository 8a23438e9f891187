#!/usr/bin/env node
// What `devinfo/dra` costs a process, as whole `node` processes, next to the
// root entry (which must not load it): importing each entry, and the two
// things a DRA driver and a workload do once (map a device-info document to
// attributes; read a device metadata file), timed by bench/_import-cost.mjs.
//
// With --baseline=DIR, the root entry of another build (DIR/dist/index.js,
// e.g. a checkout without devinfo/dra) runs next to ours.
//
// Usage: npm run build && node bench/dra.mjs [--rounds=30] [--baseline=DIR]

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { printProcessTable, timeProcesses } from "./_import-cost.mjs";

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

let samples;
try {
  samples = timeProcesses(variants, { rounds, cwd: work });
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
const bytes = (entry) => fs.statSync(path.join(root, "dist", entry)).size;
console.log(`${rounds} interleaved rounds, node ${process.version}, ${os.cpus().length} CPUs; medians in ms`);
console.log(`bundles: dist/index.js ${bytes("index.js")} bytes, dist/dra.js ${bytes("dra.js")} bytes\n`);
printProcessTable(variants, samples);
