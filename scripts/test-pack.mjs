#!/usr/bin/env node
// The package as users get it: `npm pack`, install the tarball into an empty
// directory, then run the bin (`npx devinfo demo`) and import both entry
// points there. Run by `npm run test:pack` (after a build) and by .ci/run.
// Set KEEP=1 to keep the temporary directories.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-pack-"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

function step(title) {
  console.log(`== ${title}`);
}

function fail(message) {
  console.error(`test:pack FAILED: ${message}`);
  console.error(`(work directory: ${work})`);
  process.exit(1);
}

function run(cmd, args, cwd, extraEnv = {}) {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", ...extraEnv },
    });
  } catch (err) {
    fail(`${cmd} ${args.join(" ")} exited with ${err.status}\n--- stdout\n${err.stdout}\n--- stderr\n${err.stderr}`);
  }
}

try {
  if (!fs.existsSync(path.join(root, "dist/cli/main.js"))) fail("dist/cli/main.js is missing: run `npm run build` first");

  step("npm pack");
  const packed = JSON.parse(run(npm, ["pack", "--json", "--pack-destination", work], root));
  const tarball = path.join(work, packed[0].filename);
  const files = new Set(packed[0].files.map((f) => f.path));
  for (const required of [
    "package.json",
    "README.md",
    "LICENSE",
    "dist/index.js",
    "dist/index.d.ts",
    "dist/schema.js",
    "dist/dra.js",
    "dist/cli/main.js",
  ]) {
    if (!files.has(required)) fail(`the tarball lacks ${required}`);
  }
  // The bundles: every runtime file package.json's exports and bin name (a new entry needs no edit here).
  const bundles = new Set(
    [...Object.values(pkg.exports).map((e) => (typeof e === "string" ? e : e.default)), ...Object.values(pkg.bin)]
      .filter((f) => typeof f === "string")
      .map((f) => path.posix.normalize(f)),
  );
  for (const bundle of bundles) if (!files.has(bundle)) fail(`the tarball lacks ${bundle}, which package.json names`);
  for (const file of files) {
    if (/^(test|fixtures|bench|scripts|\.ci)\//.test(file) || file.endsWith(".tsbuildinfo")) fail(`the tarball should not hold ${file}`);
    // Only the bundles run: tsc's one-module-per-file output is for the tests.
    if (/^dist\/.*\.js$/.test(file) && !bundles.has(file)) {
      fail(`the tarball should not hold ${file} (nothing imports it: the entries are bundles)`);
    }
  }
  console.log(`${packed[0].filename}: ${files.size} files, ${packed[0].size} bytes packed`);

  step("npm install the tarball into an empty directory");
  const app = path.join(work, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "devinfo-pack-test", private: true, type: "module" }));
  run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], app);

  step("npx devinfo --version");
  const version = run(npx, ["--no-install", "devinfo", "--version"], app);
  if (!version.includes(`devinfo ${pkg.version}`)) fail(`unexpected version output: ${version}`);
  process.stdout.write(version);

  step("npx devinfo demo");
  // HOME and TMPDIR inside the work directory: the demo must touch nothing outside its temporary directory.
  const tmp = path.join(work, "tmp");
  fs.mkdirSync(tmp);
  const demo = run(npx, ["--no-install", "devinfo", "demo"], app, { TMPDIR: tmp });
  process.stdout.write(demo);
  if (!/nothing is left/i.test(demo)) fail("the demo did not end by showing that nothing is left");
  if (fs.readdirSync(tmp).length !== 0) fail(`the demo left files in TMPDIR: ${fs.readdirSync(tmp).join(", ")}`);

  step("import both entry points");
  const probe = `
    import { SPEC_VERSION, serializeDeviceInfo } from "devinfo";
    import { DeviceInfoSchema } from "devinfo/schema";
    const info = { type: "pci", version: SPEC_VERSION, pci: { "pci-address": "0000:af:06.0" } };
    DeviceInfoSchema.parse(info);
    console.log(serializeDeviceInfo(info));
  `;
  const imported = run(process.execPath, ["--input-type=module", "-e", probe], app);
  if (imported.trim() !== '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}')
    fail(`unexpected import output: ${imported}`);
  process.stdout.write(imported);

  console.log("test:pack: ok");
} finally {
  if (process.env.KEEP === undefined) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
