#!/usr/bin/env node
// Bundles each example plugin into one self-contained executable named after
// its CNI "type", ready to copy into the CNI bin directory (/opt/cni/bin),
// exactly as users bundle their own: with the package's
// `devinfo-bundle-plugin` (bin/bundle-plugin.mjs). The file runs wherever it
// is copied, whatever package.json sits above it (CommonJS or "type":
// "module"): test/roles/example-plugins.test.ts runs it in both.
//
// Each executable gets its V8 code cache next to it (<type>.v8-cache), made
// after a warm-up ADD in a scratch directory.
//
// Usage: node examples/build.mjs [outdir]   (default examples/dist)

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundlePlugin } from "../bin/bundle-plugin.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** CNI type (the executable's name) → source. */
export const EXAMPLES = {
  "devinfo-vhost-user": "examples/vhost-user-cni.ts",
  "devinfo-pci-representor": "examples/pci-representor-cni.ts",
};

/**
 * The warm-up run of each example at build time (see bundlePlugin): an ADD,
 * safe here because the examples only touch files in the scratch directory
 * `dir` the bundler gives them, so the code cache holds everything an ADD
 * compiles. A PCI document like one a meta-plugin copied.
 */
const copied = (dir) => {
  const file = path.join(dir, "cni", "warm-up_net1");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, '{"type":"pci","version":"1.0.0","pci":{"pci-address":"0000:af:06.0"}}', { mode: 0o444 });
  return file;
};
const prevResult = { cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: "/var/run/netns/warm-up" }], ips: [] };
const WARM_UP = {
  "devinfo-vhost-user": (dir) =>
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "warm-up",
      type: "devinfo-vhost-user",
      socketDir: path.join(dir, "sockets"),
      runtimeConfig: { CNIDeviceInfoFile: path.join(dir, "cni", "warm-up_net1") },
    }),
  "devinfo-pci-representor": (dir) =>
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "warm-up",
      type: "devinfo-pci-representor",
      representors: { "0000:af:06.0": "pf0vf3" },
      runtimeConfig: { CNIDeviceInfoFile: copied(dir) },
      prevResult,
    }),
};

/** Builds the examples into `outdir`; resolves to the executables' paths by CNI type. */
export async function buildExamples(outdir = path.join(root, "examples", "dist")) {
  const built = {};
  mkdirSync(outdir, { recursive: true });
  for (const [type, source] of Object.entries(EXAMPLES)) {
    built[type] = await bundlePlugin({
      absWorkingDir: root,
      entry: source,
      outfile: path.join(outdir, type),
      // The repository's own source; a user's project resolves "devinfo" from node_modules.
      alias: { devinfo: "./src/index.ts" },
      warmUp: { command: "ADD", stdin: WARM_UP[type] },
    });
  }
  return built;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildExamples(process.argv[2] === undefined ? undefined : path.resolve(process.argv[2]));
  for (const file of Object.values(built)) console.log(path.relative(process.cwd(), file));
}
