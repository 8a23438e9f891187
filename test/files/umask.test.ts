/**
 * Modes under any umask: files exactly 0444, created directories exactly
 * 0755. Each umask runs in its own child process (process.umask is
 * process-wide and vitest workers share nothing with it).
 */

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { packageUrl, runNode } from "../helpers/run-node.js";

// The core's built modules (not the main entry, so that other areas being rebuilt do not matter here).
const CORE = packageUrl("files/operations.js");
const PATHS = packageUrl("files/paths.js");

import { makeTempDir, removeTempDir } from "../helpers/temp-dir.js";

// Every writer, each creating its own missing directories, under the umask
// given; then the umask changes and the writers run again in new directories
// (a cached umask would go stale there).
const SCRIPT = `
import fs from "node:fs";
import path from "node:path";
import * as ops from ${JSON.stringify(CORE)};
import * as paths from ${JSON.stringify(PATHS)};
const d = { ...ops, ...paths };
const [dir, first, second] = process.argv.slice(1);
const info = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
async function writeAll(root) {
  const baseDir = path.join(root, "base");
  d.saveDeviceInfoForDPSync("intel.com/sriov", "a", info, { baseDir });
  await d.saveDeviceInfoForDP("intel.com/sriov", "b", info, { baseDir, overwrite: true });
  await d.saveDeviceInfoForCNI(d.getCNIDeviceInfoPath("x", { baseDir }), info);
  d.saveDeviceInfoForCNISync(path.join(root, "deep", "er", "f"), info);
  await d.copyDeviceInfoForCNIFromDP(path.join(root, "copy", "f"), "intel.com/sriov", "a", { baseDir });
  d.copyDeviceInfoForCNIFromDPSync(path.join(root, "copy-sync", "f"), "intel.com/sriov", "a", { baseDir });
  await d.updateDeviceInfoForCNI(path.join(root, "update", "f"), () => info);
  d.updateDeviceInfoForCNISync(path.join(root, "update", "f"), (c) => ({ ...c, "x-new": 1 }));
}
process.umask(parseInt(first, 8));
await writeAll(path.join(dir, "first"));
process.umask(parseInt(second, 8));
await writeAll(path.join(dir, "second"));
const modes = {};
for (const rel of fs.readdirSync(dir, { recursive: true })) modes[rel] = fs.lstatSync(path.join(dir, rel)).mode;
console.log(JSON.stringify(modes));
`;

describe("modes whatever the umask", () => {
  it.concurrent.each([
    ["077", "000"],
    ["000", "077"],
    ["022", "077"],
    ["077", "777"],
    ["027", "002"],
  ])("umask %s, then %s: files 0444, created directories 0755", async (first, second) => {
    const dir = makeTempDir();
    const result = await runNode(SCRIPT, [dir, first, second]).finally(() => removeTempDir(dir));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const modes = JSON.parse(result.stdout) as Record<string, number>;
    const files = Object.entries(modes).filter(([, mode]) => (mode & fs.constants.S_IFMT) === fs.constants.S_IFREG);
    const dirs = Object.entries(modes).filter(([, mode]) => (mode & fs.constants.S_IFMT) === fs.constants.S_IFDIR);
    expect(files.length).toBe(2 * 7);
    expect(dirs.length).toBe(2 * 9);
    for (const [rel, mode] of files) expect([rel, (mode & 0o7777).toString(8)]).toEqual([rel, "444"]);
    for (const [rel, mode] of dirs) expect([rel, (mode & 0o7777).toString(8)]).toEqual([rel, "755"]);
    // nothing else: no temporary or lock file, no other kind of entry
    expect(Object.keys(modes).filter((rel) => path.basename(rel).startsWith("."))).toEqual([]);
    expect(files.length + dirs.length).toBe(Object.keys(modes).length);
  });
});
