/**
 * The async twins of the hot file operations, written against Node's
 * callback API instead of run through the generator executor. On this kind
 * of machine one thread-pool round trip costs 17-35 µs against 1-2 µs for
 * the system call itself, so an async operation costs its round trips on
 * the critical path; these twins make the same system calls as the
 * generators but take fewer turns:
 *
 * - a read starts `lstat` of the guarded directory and `open` of the file
 *   together (the file is only opened, never read, before the directory is
 *   known to be a real one: a symlinked directory still fails the call with
 *   the same error, and the descriptor is closed);
 * - `fchmod` and `write` of a temporary file run together (both on the
 *   descriptor; the file is invisible until `link`);
 * - a read's `close` runs after the promise resolves (its error was always
 *   ignored);
 * - a copy checks the target's directory while it reads the source.
 *
 * Writes keep their order otherwise: `lstat` of the directory before the
 * temporary file is created, `close` before `link`, `unlink` of the
 * temporary file before resolving (a process that exits right after must
 * not leave one). These departures are the protocol's `ENGINE_LATITUDE`
 * (`_protocol.ts`), whose flags, names, verdicts and errors these twins take;
 * the rare paths (a directory to create, a name clash, an overwrite, a
 * durable write, a file whose `fstat` size is 0) hand over to the generators
 * (test/files/engines.test.ts runs every operation case through every
 * engine under strace and compares).
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
import { runAsync } from "./_syscalls.js";

const ignore = (): void => {};

/** Async twin of `checkDirectory`, one round trip. */
export function checkDirectoryAsync(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.lstat(dir, (err, stats) => {
      const problem = guardVerdict(dir, err, stats);
      if (problem === undefined) resolve();
      else reject(problem);
    });
  });
}

/**
 * Async twin of `checkDirectory(guardedDir)` then `readRegular(path,
 * maxBytes, false)`: the `lstat` and the `open` in one turn, then `fstat`,
 * `read`. Rejects with the directory's error, resolves to the file's outcome.
 */
export function readGuardedAsync(path: string, guardedDir: string | undefined, maxBytes: number): Promise<FileRead> {
  return new Promise((resolve, reject) => {
    let pending = guardedDir === undefined ? 1 : 2;
    let guard: unknown;
    let openError: NodeJS.ErrnoException | null = null;
    let fd = -1;
    const both = () => {
      if (--pending > 0) return;
      if (guard !== undefined) {
        if (fd >= 0) fs.close(fd, ignore);
        reject(guard);
        return;
      }
      if (openError !== null) {
        resolve(openFailed(openError));
        return;
      }
      readOpened(fd, maxBytes, resolve);
    };
    if (guardedDir !== undefined) {
      fs.lstat(guardedDir, (err, stats) => {
        guard = guardVerdict(guardedDir, err, stats);
        both();
      });
    }
    try {
      fs.open(path, readFlags(false), (err, opened) => {
        openError = err;
        if (err === null) fd = opened;
        both();
      });
    } catch (err) {
      // fs.open validates synchronously (a NUL byte): an open failure, as runAsync reports it.
      openError = err as NodeJS.ErrnoException;
      both();
    }
  });
}

function readOpened(fd: number, maxBytes: number, resolve: (read: FileRead) => void): void {
  const finish = (read: FileRead) => {
    fs.close(fd, ignore); // its error was always ignored: off the critical path
    resolve(read);
  };
  fs.fstat(fd, (err, stats) => {
    if (err !== null) return finish({ ok: false, reason: "read", stats: undefined, error: err });
    const refused = refusedOnStat(stats, maxBytes);
    if (refused !== undefined) return finish(refused);
    const size = stats.size;
    if (size === 0) {
      runAsync(readToEnd(fd, Buffer.allocUnsafe(Math.min(512, maxBytes + 1)), maxBytes)).then(
        (read) => finish(readToEndResult(stats, read)),
        (error: unknown) => finish({ ok: false, reason: "read", stats, error }),
      );
      return;
    }
    const buffer = Buffer.allocUnsafe(size);
    const step = (length: number) => {
      fs.read(fd, buffer, length, size - length, null, (error, n) => {
        if (error !== null) return finish({ ok: false, reason: "read", stats, error });
        if (n === 0 || length + n === size) {
          const total = length + n;
          return finish({ ok: true, stats, bytes: total === size ? buffer : buffer.subarray(0, total) });
        }
        step(length + n);
      });
    };
    step(0);
  });
}

/**
 * Async twin of `checkDirectory(guardedDir)` then `writeFileAtomic(target,
 * data, options)`, where `dir` is the directory of `target` and `guard` the
 * pending check of `guardedDir` (started earlier by a copy, while it reads
 * its source: a check has no side effect, and its verdict is still awaited
 * before the temporary file is created).
 */
export function writeGuardedAsync(
  dir: string,
  guard: Promise<void> | undefined,
  target: string,
  data: Uint8Array,
  options: WriteOptions,
): Promise<void> {
  const write = () => writeAtomicAsync(dir, target, data, options);
  return guard === undefined ? write() : guard.then(write);
}

/** {@link checkDirectoryAsync} started now, awaited later: never an unhandled rejection meanwhile. */
export function startGuard(dir: string | undefined): Promise<void> | undefined {
  if (dir === undefined) return undefined;
  const guard = checkDirectoryAsync(dir);
  guard.catch(ignore);
  return guard;
}

function writeAtomicAsync(dir: string, target: string, data: Uint8Array, options: WriteOptions): Promise<void> {
  // Overwrites (updates) and durable writes are rare: the generator does them.
  if (options.overwrite || options.durable) return runAsync(writeFileAtomic(target, data, options));
  const temp = tempPathIn(dir);
  return new Promise((resolve, reject) => {
    const generator = () => runAsync(writeFileAtomic(target, data, options)).then(resolve, reject);
    const fail = (err: unknown) => {
      fs.unlink(temp, () => reject(ioError(err, target, "write")));
    };
    try {
      fs.open(temp, TEMP_FLAGS, FILE_MODE, (openError, fd) => {
        // A missing directory to create, or a name clash: the generator does both.
        if (openError !== null) return void generator();
        let pending = 2;
        let chmodError: unknown = null;
        let writeError: unknown = null;
        const written = () => {
          if (--pending > 0) return;
          // The generator stops at the first of fchmod, write: its error wins.
          const first = chmodError ?? writeError;
          if (first !== null) return void fs.close(fd, () => fail(first));
          fs.close(fd, (closeError) => {
            if (closeError !== null) return fail(closeError);
            fs.link(temp, target, (linkError) => {
              fs.unlink(temp, () => {
                if (linkError === null) resolve();
                else if (errnoOf(linkError) === "EEXIST") runAsync(existsError(target)).then(reject, reject);
                else reject(ioError(linkError, target, "write"));
              });
            });
          });
        };
        // Exactly 0444 whatever the umask (see makeDirectories for why it is not read).
        fs.fchmod(fd, FILE_MODE, (err) => {
          chmodError = err;
          written();
        });
        writeAll(fd, data, 0, (err) => {
          writeError = err;
          written();
        });
      });
    } catch {
      void generator();
    }
  });
}

function writeAll(fd: number, data: Uint8Array, done: number, cb: (err: unknown) => void): void {
  fs.write(fd, data, done, data.byteLength - done, null, (err, n) => {
    if (err !== null) cb(err);
    else if (done + n < data.byteLength) writeAll(fd, data, done + n, cb);
    else cb(null);
  });
}

/** Async twin of `checkDirectory(guardedDir)` then `removeFile(path)`. */
export function removeGuardedAsync(path: string, guardedDir: string | undefined): Promise<boolean> {
  const remove = () =>
    new Promise<boolean>((resolve, reject) => {
      try {
        fs.unlink(path, (err) => {
          if (err === null) resolve(true);
          else runAsync(removeFailed(path, err)).then(resolve, reject);
        });
      } catch (err) {
        runAsync(removeFailed(path, err)).then(resolve, reject);
      }
    });
  return guardedDir === undefined ? remove() : checkDirectoryAsync(guardedDir).then(remove);
}
