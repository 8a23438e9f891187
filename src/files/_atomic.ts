/**
 * The file operations of the protocol (`_protocol.ts`), as generators of
 * system calls: reads that never follow a symlink or read a non-regular or
 * oversized file, and writes that are atomic (temporary file, then link or
 * rename) and exclusive when asked. These are the reference engine: the
 * sync, thread-pool and worker engines make the same calls
 * (test/files/engines.test.ts). The directory steps are in `_dirs.ts`, the
 * update lock in `_lock.ts`; this module re-exports both, and the protocol's
 * names and errors, for the operations.
 */

import { Buffer } from "node:buffer";
import type fs from "node:fs";
import { dirname, join } from "node:path";
import type { DeviceInfoError } from "../base/errors.js";
import { closeQuietly, makeDirectories, removeCreatedDirectories, unlinkQuietly } from "./_dirs.js";
import { type HeldLock, stillHeld } from "./_lock.js";
import {
  afterTempOpenFailed,
  afterUnlinkFailed,
  DIRECTORY_SYNC_FLAGS,
  errnoOf,
  existsVerdict,
  FILE_MODE,
  type FileRead,
  fileBytes,
  ioError,
  isDirectoryError,
  lockLost,
  notRegular,
  openFailed,
  readFlags,
  readToEndResult,
  refusedOnStat,
  TEMP_FLAGS,
  tempName,
} from "./_protocol.js";
import * as sys from "./_syscalls.js";

export { checkDirectory, makeDirectories, removeCreatedDirectories } from "./_dirs.js";
export { acquireLock, breakStaleLock, type HeldLock, type LockOptions, releaseLock } from "./_lock.js";
export {
  DEFAULT_MAX_BYTES,
  DIRECTORY_MODE,
  directoryProblem,
  errnoOf,
  FILE_MODE,
  type FileRead,
  fileBytes,
  ioError,
  LOCK_FILE_PREFIX,
  lockPathFor,
  readFlags,
  TEMP_FILE_PREFIX,
  TEMP_FLAGS,
  tempName,
  tooLarge,
} from "./_protocol.js";

/**
 * Reads a whole regular file with at most `maxBytes` bytes: `open`
 * (non-blocking, not following a final symlink unless `follow`), `fstat`,
 * `read`, `close`. Never reads a non-regular or oversized file. The one
 * reader of regular files of the package (sync twin: `readRegularSync` in
 * `_sync.ts`).
 *
 * @internal
 */
export function* readRegular(path: string, maxBytes: number, follow: boolean): sys.Gen<FileRead> {
  let fd: number;
  try {
    fd = yield* sys.open(path, readFlags(follow));
  } catch (error) {
    return openFailed(error);
  }
  let stats: fs.Stats | undefined;
  try {
    stats = yield* sys.fstat(fd);
    const refused = refusedOnStat(stats, maxBytes);
    if (refused !== undefined) return refused;
    // procfs and friends report size 0: read those until end of file.
    if (stats.size === 0) return readToEndResult(stats, yield* readToEnd(fd, Buffer.allocUnsafe(Math.min(512, maxBytes + 1)), maxBytes));
    // Our writers replace files, never modify them, so fstat's size is the
    // whole content: one read, where a read-until-EOF loop needs two.
    const buffer = Buffer.allocUnsafe(stats.size);
    let length = 0;
    while (length < buffer.byteLength) {
      const n = yield* sys.read(fd, buffer, length);
      if (n === 0) break;
      length += n;
    }
    return { ok: true, stats, bytes: length === buffer.byteLength ? buffer : buffer.subarray(0, length) };
  } catch (error) {
    return { ok: false, reason: "read", stats, error };
  } finally {
    yield* closeQuietly(fd);
  }
}

/** Reads until end of file; the bytes, or the count read once it is over `maxBytes`. */
export function* readToEnd(fd: number, start: Buffer, maxBytes: number): sys.Gen<Buffer | number> {
  let buffer = start;
  let length = 0;
  for (;;) {
    if (length === buffer.byteLength) {
      const grown = Buffer.allocUnsafe(Math.min(buffer.byteLength * 2, maxBytes + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    const n = yield* sys.read(fd, buffer, length);
    if (n === 0) return buffer.subarray(0, length);
    length += n;
    if (length > maxBytes) return length;
  }
}

/**
 * Reads a whole device-info file, or returns `undefined` when there is none.
 * Never follows a symlink at the target, never blocks on a FIFO, never reads
 * more than `maxBytes + 1` bytes.
 */
export function* readFileBytes(path: string, maxBytes: number): sys.Gen<Buffer | undefined> {
  return fileBytes(yield* readRegular(path, maxBytes, false), path, maxBytes);
}

export interface WriteOptions {
  /** Replace an existing file atomically instead of failing with ERR_DEVINFO_EXISTS. */
  overwrite: boolean;
  /** fsync the file and its directory before returning. */
  durable: boolean;
}

/**
 * Writes `data` to `target` atomically: a temporary file in the same directory
 * is written completely, then linked (exclusive: fails if the target exists,
 * decided by the kernel) or renamed (overwrite) into place. A crash at any
 * point leaves either no target or a complete one, plus at most one temporary
 * file that `devinfo gc` removes.
 */
export function* writeFileAtomic(target: string, data: Uint8Array, options: WriteOptions): sys.Gen<void> {
  const dir = dirname(target);
  let created: string | undefined;
  try {
    yield* writeCreating(target, data, options, (top) => {
      if (created === undefined || top.length < created.length) created = top;
    });
  } catch (err) {
    // A failed write leaves no directory it created behind (README: "Failures leave nothing behind").
    yield* removeCreatedDirectories(dir, created);
    throw err;
  }
}

function* writeCreating(target: string, data: Uint8Array, options: WriteOptions, madeDirectories: (top: string) => void): sys.Gen<void> {
  const dir = dirname(target);
  let temp = join(dir, tempName());
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined; attempt++) {
    try {
      fd = yield* sys.open(temp, TEMP_FLAGS, FILE_MODE);
    } catch (err) {
      const next = afterTempOpenFailed(errnoOf(err), attempt);
      if (next === "create-directories") {
        // Again after the first time only if another operation removed a directory it had created.
        const top = yield* makeDirectories(dir);
        if (top !== undefined) madeDirectories(top);
      } else if (next === "rename") temp = join(dir, tempName());
      else throw ioError(err, target, "write");
    }
  }
  try {
    // Exactly 0444 whatever the umask (see makeDirectories for why it is not read).
    yield* sys.fchmod(fd, FILE_MODE);
    yield* sys.write(fd, data);
    if (options.durable) yield* sys.fsync(fd);
  } catch (err) {
    yield* closeQuietly(fd);
    yield* unlinkQuietly(temp);
    throw ioError(err, target, "write");
  }
  try {
    yield* sys.close(fd);
    if (options.overwrite) {
      yield* refuseNonRegularTarget(target);
      yield* sys.rename(temp, target);
    } else {
      yield* sys.link(temp, target);
      yield* unlinkQuietly(temp);
    }
  } catch (err) {
    yield* unlinkQuietly(temp);
    if (errnoOf(err) === "EEXIST") throw yield* existsError(target);
    throw ioError(err, target, "write");
  }
  if (options.durable) {
    try {
      yield* syncDirectory(dir);
    } catch (err) {
      // The file is in place, but its directory entry may not survive a crash.
      throw ioError(err, target, "make durable");
    }
  }
}

function* refuseNonRegularTarget(target: string): sys.Gen<void> {
  let stats: fs.Stats;
  try {
    stats = yield* sys.lstat(target);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return;
    throw err;
  }
  if (!stats.isFile()) throw notRegular(target, stats, "replace");
}

/** The error of an exclusive create whose `link` found `target` existing: `lstat` says what it is. */
export function* existsError(target: string): sys.Gen<DeviceInfoError> {
  let stats: fs.Stats | undefined;
  try {
    stats = yield* sys.lstat(target);
  } catch {
    // Gone again: still report that it existed when we tried.
  }
  return existsVerdict(target, stats);
}

function* syncDirectory(dir: string): sys.Gen<void> {
  const fd = yield* sys.open(dir, DIRECTORY_SYNC_FLAGS);
  try {
    yield* sys.fsync(fd);
  } finally {
    yield* closeQuietly(fd);
  }
}

/** Removes a file or symlink (never a directory); `false` when there was none. */
export function* removeFile(path: string): sys.Gen<boolean> {
  try {
    yield* sys.unlink(path);
    return true;
  } catch (err) {
    return yield* removeFailed(path, err);
  }
}

/** What a failed `unlink` of `path` means: `false` when there was no file, else the error to throw. */
export function* removeFailed(path: string, err: unknown): sys.Gen<boolean> {
  const verdict = afterUnlinkFailed(err);
  if (verdict === "absent") return false;
  if (verdict === "maybe-directory" && (yield* isDirectory(path))) throw isDirectoryError(path, err);
  throw ioError(err, path, "remove");
}

function* isDirectory(path: string): sys.Gen<boolean> {
  try {
    return (yield* sys.lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * {@link writeFileAtomic}, but only while `lock` is still ours. A holder
 * slower than the stale limit has had its lock broken, and another process
 * may have updated the file since this one read it: writing now would
 * silently undo that update, so nothing is written and the caller gets
 * ERR_DEVINFO_CONFLICT instead.
 */
export function* writeWhileLocked(lock: HeldLock, target: string, data: Uint8Array, options: WriteOptions, staleMs: number): sys.Gen<void> {
  if (!(yield* stillHeld(lock))) throw lockLost(target, staleMs);
  yield* writeFileAtomic(target, data, options);
}
