// The files boundary (src/files/_io.ts): the one reader of regular files and
// the directory helpers, sync and async twins giving the same outcome, and no
// module outside src/files reaching past it.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import {
  breakStaleLockSync,
  checkDirectory,
  checkDirectorySync,
  ensureDirectory,
  ensureDirectorySync,
  type FileRead,
  readMountedFile,
  readRegularFile,
  readRegularFileSync,
} from "../../src/files/_io.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-io-"));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

/** What a FileRead says, without the Stats objects (two reads give two). */
function summary(read: FileRead): Record<string, unknown> {
  if (read.ok) return { ok: true, bytes: read.bytes.toString("latin1"), size: read.stats.size };
  const base = { ok: false, reason: read.reason, hasStats: read.stats !== undefined };
  if (read.reason === "too-large") return { ...base, size: read.size };
  if (read.reason === "missing" || read.reason === "open" || read.reason === "read")
    return { ...base, errno: (read.error as NodeJS.ErrnoException).code };
  return base;
}

type Case = [name: string, make: (file: string) => void, maxBytes: number, follow: boolean, expected: Record<string, unknown>];
const CASES: Case[] = [
  ["a regular file", (f) => fs.writeFileSync(f, "hello"), 64, false, { ok: true, bytes: "hello", size: 5 }],
  ["an empty file", (f) => fs.writeFileSync(f, ""), 64, false, { ok: true, bytes: "", size: 0 }],
  ["a file at the cap", (f) => fs.writeFileSync(f, "x".repeat(64)), 64, false, { ok: true, bytes: "x".repeat(64), size: 64 }],
  [
    "a file over the cap",
    (f) => fs.writeFileSync(f, "x".repeat(65)),
    64,
    false,
    { ok: false, reason: "too-large", hasStats: true, size: 65 },
  ],
  ["no file", () => undefined, 64, false, { ok: false, reason: "missing", hasStats: false, errno: "ENOENT" }],
  [
    "a symlink, not followed",
    (f) => {
      fs.writeFileSync(`${f}.target`, "target");
      fs.symlinkSync(`${f}.target`, f);
    },
    64,
    false,
    { ok: false, reason: "open", hasStats: false, errno: "ELOOP" },
  ],
  [
    "a symlink, followed",
    (f) => {
      fs.writeFileSync(`${f}.target`, "target");
      fs.symlinkSync(`${f}.target`, f);
    },
    64,
    true,
    { ok: true, bytes: "target", size: 6 },
  ],
  ["a directory", (f) => fs.mkdirSync(f), 64, false, { ok: false, reason: "not-regular", hasStats: true }],
  ["a FIFO (never blocks)", (f) => execFileSync("mkfifo", [f]), 64, false, { ok: false, reason: "not-regular", hasStats: true }],
];

/** The kubelet's AtomicWriter layout: `name -> ..data/name`, `..data -> ..<stamp>/`. */
function atomicWriterVolume(volume: string, files: Record<string, string>): void {
  fs.mkdirSync(path.join(volume, "..2026_11_30_01_00_00.000000001"), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(volume, "..2026_11_30_01_00_00.000000001", name), text);
    fs.symlinkSync(path.join("..data", name), path.join(volume, name));
  }
  fs.symlinkSync("..2026_11_30_01_00_00.000000001", path.join(volume, "..data"));
}

describe("readMountedFile: a file the kubelet mounts, through its ..data symlink", () => {
  const FILE = { what: "a test file", missing: "is it mounted?" };

  it("reads through the atomic writer's symlinks", async () => {
    atomicWriterVolume(path.join(dir, "vol"), { annotations: 'a="b"' });
    expect((await readMountedFile(path.join(dir, "vol", "annotations"), 64, FILE)).toString()).toBe('a="b"');
  });

  it.each<[string, (d: string) => string, string, RegExp]>([
    ["no file", (d) => path.join(d, "absent"), "ERR_DEVINFO_NOT_FOUND", /does not exist: is it mounted\?/],
    [
      "a path through a regular file (ENOTDIR)",
      (d) => {
        fs.writeFileSync(path.join(d, "plain"), "");
        return path.join(d, "plain", "x");
      },
      "ERR_DEVINFO_UNSAFE_PATH",
      /a component of the path is not a directory \(ENOTDIR\); pass the path of a test file/,
    ],
    ["a directory", (d) => d, "ERR_DEVINFO_UNSAFE_PATH", /it is a directory; pass the path of a test file/],
    [
      "a FIFO (never blocks)",
      (d) => {
        execFileSync("mkfifo", [path.join(d, "fifo")]);
        return path.join(d, "fifo");
      },
      "ERR_DEVINFO_UNSAFE_PATH",
      /not a regular file/,
    ],
    [
      "a file over the cap",
      (d) => {
        fs.writeFileSync(path.join(d, "big"), "x".repeat(65));
        return path.join(d, "big");
      },
      "ERR_DEVINFO_TOO_LARGE",
      /65 bytes, over the 64-byte limit/,
    ],
  ])("%s: %s", async (_name, make, code, message) => {
    const file = make(dir);
    const err = await readMountedFile(file, 64, FILE).catch((e: unknown) => e);
    expect(isDeviceInfoError(err) && { code: err.code, path: err.path }).toEqual({ code, path: file });
    expect((err as Error).message).toMatch(message);
  });
});

describe("readRegularFile and readRegularFileSync", () => {
  it.each(CASES)("%s", async (_name, make, maxBytes, follow, expected) => {
    const file = path.join(dir, "f");
    make(file);
    const sync = readRegularFileSync(file, { maxBytes, follow });
    const async = await readRegularFile(file, { maxBytes, follow });
    expect(summary(sync)).toEqual(expected);
    expect(summary(async)).toEqual(expected);
  });

  it.each([
    [4096, true],
    [8, false],
  ])("reads a file whose fstat size is 0 (procfs) to its end, maxBytes %i", async (maxBytes, fits) => {
    const file = "/proc/self/mountinfo";
    for (const read of [readRegularFileSync(file, { maxBytes }), await readRegularFile(file, { maxBytes })]) {
      expect(read.stats?.size).toBe(0);
      if (fits) expect(read.ok && read.bytes.byteLength > 0 && read.bytes.byteLength <= maxBytes).toBe(true);
      else expect(read.ok === false && read.reason === "too-large" && read.size > maxBytes).toBe(true);
    }
  });
});

describe("checkDirectory and ensureDirectory", () => {
  it.each([
    ["a directory", (d: string) => fs.mkdirSync(d), undefined],
    ["no directory", () => undefined, undefined],
    ["a symlink to a directory", (d: string) => fs.symlinkSync(os.tmpdir(), d), "ERR_DEVINFO_UNSAFE_PATH"],
    ["a regular file", (d: string) => fs.writeFileSync(d, ""), "ERR_DEVINFO_UNSAFE_PATH"],
  ])("%s", async (_name, make, code) => {
    const d = path.join(dir, "cni");
    make(d);
    const outcome = (fn: () => unknown) => {
      try {
        fn();
        return "ok";
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    const expected = code ?? "ok";
    expect(outcome(() => checkDirectorySync(d))).toBe(expected);
    expect(
      await checkDirectory(d).then(
        () => "ok",
        (err: { code: string }) => err.code,
      ),
    ).toBe(expected);
  });

  it("creates missing directories 0755 whatever the umask, sync and async", async () => {
    const previous = process.umask(0o077);
    try {
      ensureDirectorySync(path.join(dir, "a", "b"));
      await ensureDirectory(path.join(dir, "c", "d"));
    } finally {
      process.umask(previous);
    }
    for (const d of ["a", "a/b", "c", "c/d"]) expect(fs.statSync(path.join(dir, d)).mode & 0o777).toBe(0o755);
  });

  it("refuses to create through a symlinked directory", async () => {
    fs.symlinkSync(os.tmpdir(), path.join(dir, "cni"));
    expect(() => ensureDirectorySync(path.join(dir, "cni"))).toThrow(expect.objectContaining({ code: "ERR_DEVINFO_UNSAFE_PATH" }));
    await expect(ensureDirectory(path.join(dir, "cni"))).rejects.toMatchObject({ code: "ERR_DEVINFO_UNSAFE_PATH" });
  });
});

describe("breakStaleLockSync", () => {
  it("removes the very lock it judged stale, and reports its turn", () => {
    const lock = path.join(dir, ".devinfo-lock-x");
    fs.writeFileSync(lock, "1\n");
    expect(breakStaleLockSync(lock, fs.lstatSync(lock), 0)).toBe(true);
    expect(fs.existsSync(lock)).toBe(false);
  });
});

describe("the files boundary", () => {
  const src = path.join(import.meta.dirname, "../../src");
  const modules = fs
    .readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.startsWith(`files${path.sep}`));
  it.each(modules)("%s imports nothing of src/files but its public modules and _io", (file) => {
    const text = fs.readFileSync(path.join(src, file), "utf8");
    const internal = [...text.matchAll(/from\s+"([^"]*files\/_[^"]*)"/g)].map((m) => m[1]);
    expect(internal.filter((m) => !m?.endsWith("files/_io.js"))).toEqual([]);
  });
});
