// Operations that write no file leave no directory behind (README: "Failures
// leave nothing behind"): every directory an operation created is removed
// again, deepest first, with rmdir only, when it ends without a file written.
// The worker path makes the same system calls (writeFileAtomicSync): its case
// is in _worker.test.ts, which compares the three paths' trees.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { makeDirectories, removeCreatedDirectories } from "../../src/files/_atomic.js";
import { type Gen, runAsync, runSync } from "../../src/files/_syscalls.js";
import {
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/files/operations.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { addDeviceInfoFields, addDeviceInfoFieldsSync } from "../../src/roles/cni-plugin.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir();
const PCI: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
// Longer than any file system's name limit (255 bytes): the link into place fails with ENAMETOOLONG,
// after the directories and the temporary file were created.
const TOO_LONG = "n".repeat(300);

/** Everything under the test's directory, relative, directories with a trailing slash. */
function tree(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const rel = path.relative(tmp.path, file);
      if (fs.lstatSync(file).isDirectory()) {
        out.push(`${rel}/`);
        walk(file);
      } else out.push(rel);
    }
  };
  walk(tmp.path);
  return out;
}

async function outcome(call: () => unknown): Promise<unknown> {
  try {
    return { value: await call() };
  } catch (err) {
    return { code: (err as { code?: string }).code };
  }
}

type Case = readonly [string, () => unknown, unknown];
const deep = () => tmp.join("a", "b", "c", "f");
const boom = () => {
  throw new Error("boom");
};

describe("an operation that writes no file leaves no directory behind", () => {
  it.each<Case>([
    [
      "addDeviceInfoFields on a missing file",
      () => addDeviceInfoFields(deep(), { pci: { "representor-device": "x" } }),
      { value: undefined },
    ],
    [
      "addDeviceInfoFieldsSync on a missing file",
      () => addDeviceInfoFieldsSync(deep(), { pci: { "representor-device": "x" } }),
      { value: undefined },
    ],
    ["updateDeviceInfoForCNI, no change", () => updateDeviceInfoForCNI(deep(), (info) => info), { value: undefined }],
    ["updateDeviceInfoForCNISync, no change", () => updateDeviceInfoForCNISync(deep(), (info) => info), { value: undefined }],
    ["updateDeviceInfoForCNI, fn throws", () => updateDeviceInfoForCNI(deep(), boom), { code: undefined }],
    ["updateDeviceInfoForCNISync, fn throws", () => updateDeviceInfoForCNISync(deep(), boom), { code: undefined }],
    [
      "updateDeviceInfoForCNI, invalid document (strict)",
      () => updateDeviceInfoForCNI(deep(), () => ({ type: "pci" }) as DeviceInfo, { strict: true }),
      { code: "ERR_DEVINFO_INVALID" },
    ],
    [
      "updateDeviceInfoForCNISync, invalid document (strict)",
      () => updateDeviceInfoForCNISync(deep(), () => ({ type: "pci" }) as DeviceInfo, { strict: true }),
      { code: "ERR_DEVINFO_INVALID" },
    ],
    [
      "updateDeviceInfoForCNI, I/O error",
      () => updateDeviceInfoForCNI(tmp.join("a", "b", TOO_LONG), () => PCI),
      { code: "ERR_DEVINFO_UNSAFE_PATH" },
    ],
    [
      "updateDeviceInfoForCNISync, I/O error",
      () => updateDeviceInfoForCNISync(tmp.join("a", "b", TOO_LONG), () => PCI),
      { code: "ERR_DEVINFO_UNSAFE_PATH" },
    ],
    ["saveDeviceInfoForCNI, I/O error", () => saveDeviceInfoForCNI(tmp.join("a", "b", TOO_LONG), PCI), { code: "ERR_DEVINFO_UNSAFE_PATH" }],
    [
      "saveDeviceInfoForCNISync, I/O error",
      () => saveDeviceInfoForCNISync(tmp.join("a", "b", TOO_LONG), PCI),
      { code: "ERR_DEVINFO_UNSAFE_PATH" },
    ],
    [
      "saveDeviceInfoForCNI (durable), I/O error",
      () => saveDeviceInfoForCNI(tmp.join("a", "b", TOO_LONG), PCI, { durable: true }),
      { code: "ERR_DEVINFO_UNSAFE_PATH" },
    ],
    [
      "saveDeviceInfoForCNISync (overwrite), I/O error",
      () => saveDeviceInfoForCNISync(tmp.join("a", "b", TOO_LONG), PCI, { overwrite: true }),
      { code: "ERR_DEVINFO_UNSAFE_PATH" },
    ],
    [
      "saveDeviceInfoForDP, I/O error",
      () => saveDeviceInfoForDP(`a.com/${TOO_LONG}`, "d0", PCI, { baseDir: tmp.join("base") }),
      { code: "ERR_DEVINFO_UNSAFE_PATH" },
    ],
    [
      "saveDeviceInfoForDPSync, I/O error",
      () => saveDeviceInfoForDPSync(`a.com/${TOO_LONG}`, "d0", PCI, { baseDir: tmp.join("base") }),
      { code: "ERR_DEVINFO_UNSAFE_PATH" },
    ],
  ])("%s", async (_name, call, expected) => {
    expect(await outcome(call)).toEqual(expected);
    expect(tree()).toEqual([]);
  });

  it.each([
    ["copyDeviceInfoForCNIFromDP", copyDeviceInfoForCNIFromDP],
    ["copyDeviceInfoForCNIFromDPSync", copyDeviceInfoForCNIFromDPSync],
  ] as const)("%s, I/O error on the write: only the source's directories stay", async (_name, copy) => {
    const baseDir = tmp.join("base");
    const dp = saveDeviceInfoForDPSync("a.com/x", "d0", PCI, { baseDir });
    const result = await outcome(() => copy(tmp.join("c", "d", TOO_LONG), "a.com/x", "d0", { baseDir }));
    expect(result).toEqual({ code: "ERR_DEVINFO_UNSAFE_PATH" });
    expect(tree()).toEqual(["base/", "base/dp/", `base/dp/${path.basename(dp)}`]);
  });

  it.each([
    ["updateDeviceInfoForCNI", updateDeviceInfoForCNI],
    ["updateDeviceInfoForCNISync", updateDeviceInfoForCNISync],
  ] as const)("%s that writes keeps the directories it created, mode 0755", async (_name, update) => {
    await update(deep(), () => PCI);
    expect(tree()).toEqual(["a/", "a/b/", "a/b/c/", "a/b/c/f"]);
    for (const dir of ["a", "a/b", "a/b/c"]) expect(fs.statSync(tmp.join(dir)).mode & 0o777).toBe(0o755);
  });

  it.each([
    ["updateDeviceInfoForCNI", updateDeviceInfoForCNI],
    ["updateDeviceInfoForCNISync", updateDeviceInfoForCNISync],
  ] as const)("%s never removes a directory another writer put a file in meanwhile", async (_name, update) => {
    await update(deep(), () => {
      // Another writer, while the update holds the lock in the directories it created.
      fs.writeFileSync(tmp.join("a", "b", "other"), "x");
      return undefined;
    });
    expect(tree()).toEqual(["a/", "a/b/", "a/b/other"]);
  });

  it("leaves directories that existed before, even empty ones", async () => {
    fs.mkdirSync(tmp.join("a", "b"), { recursive: true });
    await updateDeviceInfoForCNI(deep(), boom).catch(() => undefined);
    updateDeviceInfoForCNISync(tmp.join("a", "f"), (info) => info);
    expect(tree()).toEqual(["a/", "a/b/"]);
  });
});

describe("makeDirectories and removeCreatedDirectories", () => {
  it.each([
    ["sync", <T>(gen: Gen<T>): Promise<T> => Promise.resolve(runSync(gen))],
    ["async", <T>(gen: Gen<T>): Promise<T> => runAsync(gen)],
  ] as const)("return and remove the topmost directory created (%s)", async (_name, run) => {
    fs.mkdirSync(tmp.join("x"));
    expect(await run(makeDirectories(tmp.join("x", "y", "z")))).toBe(tmp.join("x", "y"));
    expect(await run(makeDirectories(tmp.join("x", "y", "z")))).toBeUndefined();
    await run(removeCreatedDirectories(tmp.join("x", "y", "z"), tmp.join("x", "y")));
    expect(tree()).toEqual(["x/"]);
  });
});
