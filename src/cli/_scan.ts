/**
 * Walking `<base>/dp` and `<base>/cni` one entry at a time (`opendir`, never
 * a full `readdir`), and reading one small file at a time, so that `ls` and
 * `gc` keep flat memory and flat time per file on directories of any size.
 */

import type { Buffer } from "node:buffer";
import fs from "node:fs";
import { join } from "node:path";
import { DeviceInfoError } from "../base/errors.js";
import { checkDirectorySync, DEFAULT_MAX_BYTES, ioError, readRegularFileSync } from "../files/_io.js";
import { tryReadGoJson } from "../format/_go-text.js";
import { isDeviceKey } from "../format/fields.js";
import { isObject } from "../format/validate.js";
import { classifyName } from "./_names.js";

/**
 * Yields the entries of a directory as the kernel returns them. A missing
 * directory has no entries; a symlinked one is refused (the core never
 * writes through one, and gc must never delete through one).
 */
function* directoryEntries(dir: string): Generator<fs.Dirent> {
  checkDirectorySync(dir);
  let handle: fs.Dir;
  try {
    handle = fs.opendirSync(dir, { bufferSize: 256 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw ioError(err, dir, "list");
  }
  try {
    for (;;) {
      let entry: fs.Dirent | null;
      try {
        entry = handle.readSync();
      } catch (err) {
        throw ioError(err, dir, "list");
      }
      if (entry === null) return;
      yield entry;
    }
  } finally {
    handle.closeSync();
  }
}

/** One file read for a listing: its stats and bytes, or why it could not be read. */
export type ReadResult =
  | { readonly ok: true; readonly stats: fs.Stats; readonly bytes: Buffer }
  | { readonly ok: false; readonly stats: fs.Stats | undefined; readonly problem: string; readonly gone?: boolean };

/**
 * Reads a small regular file without blocking on a FIFO and (unless
 * `follow`) without following a symlink, with at most `maxBytes` bytes: four
 * system calls per file.
 */
export function readSmallFile(path: string, maxBytes = DEFAULT_MAX_BYTES, follow = false): ReadResult {
  const read = readRegularFileSync(path, { maxBytes, follow });
  if (read.ok) return read;
  switch (read.reason) {
    case "missing":
      return { ok: false, stats: undefined, problem: "no such file", gone: true };
    case "open": {
      const code = (read.error as NodeJS.ErrnoException).code;
      if (code === "EACCES" || code === "EPERM") return { ok: false, stats: lstatQuietly(path), problem: `permission denied (${code})` };
      if (code === "ELOOP") return { ok: false, stats: lstatQuietly(path), problem: "symbolic link (never followed)" };
      if (code === "ENXIO") return { ok: false, stats: lstatQuietly(path), problem: "socket or device, not a regular file" };
      return { ok: false, stats: lstatQuietly(path), problem: `cannot read: ${code ?? (read.error as Error).message}` };
    }
    case "not-regular":
      return { ok: false, stats: read.stats, problem: read.stats.isDirectory() ? "directory" : "not a regular file" };
    case "too-large":
      return {
        ok: false,
        stats: read.stats,
        problem: read.stats.size > maxBytes ? `${read.size} bytes, over the ${maxBytes}-byte limit` : `over the ${maxBytes}-byte limit`,
      };
    case "read":
      return {
        ok: false,
        stats: undefined,
        problem: `cannot read: ${(read.error as NodeJS.ErrnoException).code ?? (read.error as Error).message}`,
      };
  }
}

function lstatQuietly(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Why the regular file at `path` is not a device-info document, or
 * `undefined` when it is one: read as `show` reads (at most the spec-sized
 * limit, never through a link), it must be a JSON object with one of the
 * spec's device keys (`pci`, `vdpa`, ...) or a `type` naming an object of the
 * document (a future type). Lenient: invalid values do not matter. What is not a regular file (a link, a
 * directory) or is gone is not judged here: `undefined`. `rm` and `gc`
 * remove only what passes.
 */
export function notDeviceInfo(path: string): string | undefined {
  const read = readSmallFile(path);
  if (!read.ok)
    return read.gone === true || read.problem === "symbolic link (never followed)" || read.problem === "directory"
      ? undefined
      : read.problem;
  const parsed = tryReadGoJson(read.bytes);
  if (!parsed.ok) return "not JSON";
  const doc = parsed.value;
  if (!isObject(doc)) return "JSON, but not an object";
  // A spec device key, or a "type" naming an object of the document (as every type does, future ones too);
  // a bare "type" is not enough: package.json has "type": "module".
  if (Object.keys(doc).some(isDeviceKey) || (typeof doc.type === "string" && isObject(doc[doc.type]))) return undefined;
  return 'a JSON object without a device: no "pci", "vdpa", "vhost-user" or "memif" key, nor an object its "type" names';
}

/** What a listing shows of a document: type, version and its main address or path. */
export interface Summary {
  readonly type: string | undefined;
  readonly version: string | undefined;
  /** The PCI address, vDPA device path, or socket path, whichever the type makes primary. */
  readonly address: string | undefined;
  /** Values that may be the device ID in a device plugin file name. */
  readonly deviceHints: readonly string[];
}

/** Summarises a parsed document, lenient about shape (it may be invalid). */
export function summarize(doc: unknown): Summary {
  if (!isObject(doc)) return { type: undefined, version: undefined, address: undefined, deviceHints: [] };
  const type = typeof doc.type === "string" ? doc.type : undefined;
  const version = typeof doc.version === "string" ? doc.version : undefined;
  const str = (obj: unknown, key: string) => (isObject(obj) && typeof obj[key] === "string" ? (obj[key] as string) : undefined);
  let address: string | undefined;
  const hints: string[] = [];
  switch (type) {
    case "pci":
      address = str(doc.pci, "pci-address");
      break;
    case "vdpa":
      address = str(doc.vdpa, "path") ?? str(doc.vdpa, "parent-device");
      for (const key of ["parent-device", "pci-address"]) {
        const hint = str(doc.vdpa, key);
        if (hint !== undefined) hints.push(hint);
      }
      break;
    case "vhost-user": {
      const path = str(doc["vhost-user"], "path");
      const mode = str(doc["vhost-user"], "mode");
      address = path === undefined ? undefined : mode === undefined ? path : `${path} (${mode})`;
      break;
    }
    case "memif": {
      const path = str(doc.memif, "path");
      const role = str(doc.memif, "role");
      address = path === undefined ? undefined : role === undefined ? path : `${path} (${role})`;
      break;
    }
  }
  return { type, version, address, deviceHints: hints };
}

/**
 * Whether a process with this pid runs in our PID namespace. EPERM means it
 * exists but belongs to someone else.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether a path exists (no symlink following for the last component). */
export function exists(path: string): boolean {
  try {
    fs.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The names of the entries of `<base>/<kind>` that are not the writers'
 * temporary or lock files, read one at a time: what the live-list checks
 * compare a list with before it may prove anything.
 */
export function* entryNames(baseDir: string, kind: "dp" | "cni"): Generator<string> {
  for (const dirent of directoryEntries(join(baseDir, kind))) {
    const nameKind = classifyName(kind, dirent.name);
    if (nameKind === "device-info" && !dirent.isDirectory() && !dirent.isSymbolicLink()) yield dirent.name;
  }
}

/** `<base>/dp` and `<base>/cni`, in listing order. */
function subdirectories(baseDir: string): readonly { readonly kind: "dp" | "cni"; readonly dir: string }[] {
  return [
    { kind: "dp", dir: join(baseDir, "dp") },
    { kind: "cni", dir: join(baseDir, "cni") },
  ];
}

/**
 * Every entry of `<base>/dp` then `<base>/cni`, one at a time (memory stays
 * flat whatever the count), ticking `progress` for each. Every 1024 entries
 * it lets pending events run: a closed stdout (`devinfo ls | head`) reports
 * EPIPE as an event, which a synchronous loop would only see at the end.
 */
export async function* scanBaseDir(
  baseDir: string,
  progress: { tick(): void },
): AsyncGenerator<{ readonly kind: "dp" | "cni"; readonly dir: string; readonly dirent: fs.Dirent }> {
  requireBaseDir(baseDir);
  let seen = 0;
  for (const { kind, dir } of subdirectories(baseDir)) {
    for (const dirent of directoryEntries(dir)) {
      progress.tick();
      if ((++seen & 1023) === 0) await new Promise((resolve) => setImmediate(resolve));
      yield { kind, dir, dirent };
    }
  }
}

/**
 * A base directory that does not exist is an error, not an empty node: a
 * typo in --base-dir must not look like "no files". (Its dp/ and cni/ may be
 * missing: writers create them on first use.)
 */
export function requireBaseDir(baseDir: string): void {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(baseDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new DeviceInfoError(
        "ERR_DEVINFO_NOT_FOUND",
        `the base directory ${baseDir} does not exist; check --base-dir (or $DEVINFO_BASE_DIR), or is no device plugin or CNI plugin running on this node yet?`,
        { path: baseDir, errno: code },
      );
    }
    throw ioError(err, baseDir, "list");
  }
  if (!stats.isDirectory()) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `the base directory ${baseDir} is not a directory; check --base-dir (or $DEVINFO_BASE_DIR)`,
      {
        path: baseDir,
      },
    );
  }
}
