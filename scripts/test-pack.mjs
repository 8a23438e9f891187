#!/usr/bin/env node
// The package as users get it, from a fresh clone: `git clone` this
// repository's HEAD into a temporary directory (no dist/, no node_modules),
// `npm ci` there, `npm pack` (its `prepack` builds), install the tarball into
// an empty project, then run the bin (`npx devinfo demo`), import every entry
// point of package.json `exports`, and let a DeviceInfoError go uncaught.
// Run by `npm run test:pack` and by .ci/run. Commit first: the clone holds
// HEAD, not the working tree. Set KEEP=1 to keep the temporary directories.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-pack-"));
const root = path.join(work, "clone");
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
  step("git clone HEAD, npm ci");
  run("git", ["clone", "--quiet", "--no-hardlinks", repo, root], work);
  if (fs.existsSync(path.join(root, "dist"))) fail("the clone holds dist/: is it committed?");
  run(npm, ["ci", "--no-audit", "--no-fund", "--prefer-offline"], root);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

  step("npm pack (prepack builds)");
  const packed = JSON.parse(run(npm, ["pack", "--json", "--pack-destination", work], root));
  const tarball = path.join(work, packed[0].filename);
  const files = new Set(packed[0].files.map((f) => f.path));
  // What package.json promises: every exports target (types and code) and every bin
  const targets = [
    ...Object.values(pkg.exports).flatMap((t) => (typeof t === "string" ? [t] : Object.values(t))),
    ...Object.values(pkg.bin),
  ].map((t) => t.replace(/^\.\//, ""));
  // ...and what README.md links to: the examples (sources and README) and the API reference's introduction.
  const linked = [
    "docs/reference.md",
    "docs/api/README.md",
    "examples/README.md",
    "examples/build.mjs",
    "examples/pci-representor-cni.ts",
    "examples/vhost-user-cni.ts",
  ];
  for (const required of ["package.json", "README.md", "LICENSE", ...targets, ...linked]) {
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
  // npx itself, on Node 22.1 and later, keeps Node's compile cache for npm's own modules in TMPDIR: not the demo's.
  const left = fs.readdirSync(tmp).filter((name) => name !== "node-compile-cache");
  if (left.length !== 0) fail(`the demo left files in TMPDIR: ${left.join(", ")}`);

  step("import every entry point of package.json exports");
  const probe = `
    import { SPEC_VERSION, serializeDeviceInfo } from "devinfo";
    import { DeviceInfoSchema } from "devinfo/schema";
    const info = { type: "pci", version: SPEC_VERSION, pci: { "pci-address": "0000:af:06.0" } };
    DeviceInfoSchema.parse(info);
    console.log(serializeDeviceInfo(info));
    for (const entry of ${JSON.stringify(Object.keys(pkg.exports).filter((e) => e.startsWith("./") && !e.endsWith(".json")))}) {
      const names = Object.keys(await import("devinfo" + entry.slice(1)));
      if (names.length === 0) throw new Error("devinfo" + entry.slice(1) + " exports nothing");
    }
  `;
  const imported = run(process.execPath, ["--input-type=module", "-e", probe], app);
  if (imported.trim() !== '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}')
    fail(`unexpected import output: ${imported}`);
  process.stdout.write(imported);

  step("an uncaught DeviceInfoError: its class name, and no screenful of minified bundle");
  const crash = `import { parseDeviceInfo } from "devinfo"; parseDeviceInfo("{");`;
  let stderr = "";
  try {
    execFileSync(process.execPath, ["--input-type=module", "-e", crash], { cwd: app, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    stderr = err.stderr;
  }
  if (!/DeviceInfoError/.test(stderr) || !/ERR_DEVINFO_\w+/.test(stderr))
    fail(`the report does not name DeviceInfoError and its code:\n${stderr}`);
  const longest = Math.max(...stderr.split("\n").map((line) => line.length));
  if (longest > 400) fail(`the report has a line of ${longest} characters (a minified bundle line?):\n${stderr.slice(0, 2000)}`);
  console.log(`${stderr.length} bytes on stderr, longest line ${longest} characters`);

  console.log("test:pack: ok");
} finally {
  if (process.env.KEEP === undefined) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
