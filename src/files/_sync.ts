/**
 * The synchronous twins of the hot file operations of `_atomic.ts`, written
 * straight against `fs.*Sync` instead of run through the generator executor:
 * a device plugin's loop and a CNI plugin call them thousands of times, and
 * the executor's per-call objects, the generator frames and the `Op`
 * switch cost as much as the library's own work (bench/README.md).
 *
 * Same system calls in the same order, same results, same errors: the
 * flags, names, verdicts and errors are the protocol's (`_protocol.ts`), and
 * the rare paths (a missing directory to create, a temporary-name clash, an
 * overwrite, a durable write) hand over to the generators themselves (the
 * one departure, `handOverRepeatsOpen` in `ENGINE_LATITUDE`).
 * test/files/engines.test.ts runs every operation case through every engine
 * under strace and compares; test/files/_sync.test.ts compares the public
 * sync and async twins.
 *
 * @internal
 */

import { Buffer } from "node:buffer";
import fs from "node:fs";
import { existsError, readToEnd, removeFailed, type WriteOptions, writeFileAtomic } from "./_atomic.js";
import {
  errnoOf,
  FILE_MODE,
  type FileRead,
  guardVerdict,
  ioError,
  openFailed,
  readFlags,
  readToEndResult,
  refusedOnStat,
  TEMP_FLAGS,
  tempPathIn,
} from "./_protocol.js";
import { runSync } from "./_syscalls.js";

/** Synchronous twin of `checkDirectory`. */
export function checkDirectorySync(dir: string): void {
  let stats: fs.Stats | undefined;
  let error: unknown;
  try {
    stats = fs.lstatSync(dir);
  } catch (err) {
    error = err;
  }
  const problem = guardVerdict(dir, error, stats);
  if (problem !== undefined) throw problem;
}

// One buffer for the reads whose bytes are consumed before the next read
// (the loads: parsed into a string at once): no allocation per load.
let shared: Buffer | undefined;
const SHARED_BYTES = 64 * 1024 + 1;

/**
 * Synchronous twin of `readRegular`. With `reuse`, the bytes of a file up to
 * 64 KiB are read into a buffer shared by every call: the caller must be done
 * with them before it reads again.
 */
export function readRegularSync(path: string, maxBytes: number, follow: boolean, reuse = false): FileRead {
  let fd: number;
  try {
    fd = fs.openSync(path, readFlags(follow));
  } catch (error) {
    return openFailed(error);
  }
  let stats: fs.Stats | undefined;
  try {
    stats = fs.fstatSync(fd);
    const refused = refusedOnStat(stats, maxBytes);
    if (refused !== undefined) return refused;
    const size = stats.size;
    if (size === 0) return readToEndResult(stats, runSync(readToEnd(fd, Buffer.allocUnsafe(Math.min(512, maxBytes + 1)), maxBytes)));
    let buffer: Buffer;
    if (reuse && size <= SHARED_BYTES) {
      shared ??= Buffer.allocUnsafeSlow(SHARED_BYTES);
      buffer = shared;
    } else buffer = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const n = fs.readSync(fd, buffer, length, size - length, null);
      if (n === 0) break;
      length += n;
    }
    return { ok: true, stats, bytes: length === buffer.byteLength ? buffer : buffer.subarray(0, length) };
  } catch (error) {
    return { ok: false, reason: "read", stats, error };
  } finally {
    closeQuietlySync(fd);
  }
}

/**
 * Synchronous twin of `writeFileAtomic(target, data, options)`, where `dir`
 * is the directory of `target` (any spelling of it: only the temporary
 * file's name is built from it).
 */
export function writeFileAtomicSync(dir: string, target: string, data: Uint8Array, options: WriteOptions): void {
  // Overwrites (updates) and durable writes are rare: the generator does them.
  if (options.overwrite || options.durable) {
    runSync(writeFileAtomic(target, data, options));
    return;
  }
  const temp = tempPathIn(dir);
  let fd: number;
  try {
    fd = fs.openSync(temp, TEMP_FLAGS, FILE_MODE);
  } catch {
    // A missing directory to create, or a name clash to retry with another
    // name: the generator does both, and reports what cannot be helped.
    runSync(writeFileAtomic(target, data, options));
    return;
  }
  try {
    // Exactly 0444 whatever the umask (see makeDirectories for why it is not read).
    fs.fchmodSync(fd, FILE_MODE);
    let done = 0;
    while (done < data.byteLength) done += fs.writeSync(fd, data, done, data.byteLength - done, null);
  } catch (err) {
    closeQuietlySync(fd);
    unlinkQuietlySync(temp);
    throw ioError(err, target, "write");
  }
  try {
    fs.closeSync(fd);
    fs.linkSync(temp, target);
  } catch (err) {
    unlinkQuietlySync(temp);
    if (errnoOf(err) === "EEXIST") throw runSync(existsError(target));
    throw ioError(err, target, "write");
  }
  unlinkQuietlySync(temp);
}

/** Synchronous twin of `removeFile`. */
export function removeFileSync(path: string): boolean {
  try {
    fs.unlinkSync(path);
    return true;
  } catch (err) {
    return runSync(removeFailed(path, err));
  }
}

function closeQuietlySync(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Nothing useful to do: the operation's own result or error matters more.
  }
}

function unlinkQuietlySync(path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // Left for `devinfo gc`, which recognises the temporary-file prefix.
  }
}
