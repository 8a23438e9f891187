#!/usr/bin/env node
// Bundles each example plugin into one self-contained executable named after
// its CNI "type", ready to copy into the CNI bin directory (/opt/cni/bin),
// exactly as users bundle their own: with the package's
// `devinfo-bundle-plugin` (bin/bundle-plugin.mjs). The file runs wherever it
// is copied, whatever package.json sits above it (CommonJS or "type":
// "module"): test/roles/example-plugins.test.ts runs it in both.
//
// Usage: node examples/build.mjs [outdir]   (default examples/dist)

import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bundlePlugin } from "../bin/bundle-plugin.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** CNI type (the executable's name) → source. */
export const EXAMPLES = {
  "devinfo-vhost-user": "examples/vhost-user-cni.ts",
  "devinfo-pci-representor": "examples/pci-representor-cni.ts",
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
    });
  }
  return built;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildExamples(process.argv[2] === undefined ? undefined : path.resolve(process.argv[2]));
  for (const file of Object.values(built)) console.log(path.relative(process.cwd(), file));
}
