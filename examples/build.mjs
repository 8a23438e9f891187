#!/usr/bin/env node
// Bundles each example plugin into one self-contained executable named after
// its CNI "type", ready to copy into the CNI bin directory (/opt/cni/bin).
// One file starts faster than the package's module graph, and a runtime
// executes a plugin on every pod start.
//
// Usage: node examples/build.mjs [outdir]   (default examples/dist)

import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** CNI type (the executable's name) → source. */
export const EXAMPLES = {
  "devinfo-vhost-user": "examples/vhost-user-cni.ts",
  "devinfo-pci-representor": "examples/pci-representor-cni.ts",
};

/** Builds the examples into `outdir`; resolves to the executables' paths by CNI type. */
export async function buildExamples(outdir = path.join(root, "examples", "dist")) {
  const built = {};
  // Inside this "type": "module" package an extensionless file would load as ESM.
  mkdirSync(outdir, { recursive: true });
  writeFileSync(path.join(outdir, "package.json"), '{ "type": "commonjs" }\n');
  for (const [type, source] of Object.entries(EXAMPLES)) {
    const outfile = path.join(outdir, type);
    await build({
      absWorkingDir: root,
      entryPoints: [source],
      // Extensionless and CommonJS: a file named like its CNI type runs as CommonJS
      // wherever it is copied, whatever package.json sits above it.
      outfile,
      format: "cjs",
      bundle: true,
      platform: "node",
      target: "node20",
      // The repository's own source; a user's project resolves "devinfo" from node_modules.
      alias: { devinfo: "./src/index.ts" },
      legalComments: "none",
      logLevel: "warning",
    });
    chmodSync(outfile, 0o755);
    built[type] = outfile;
  }
  return built;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildExamples(process.argv[2] === undefined ? undefined : path.resolve(process.argv[2]));
  for (const file of Object.values(built)) console.log(path.relative(process.cwd(), file));
}
