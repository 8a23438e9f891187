/**
 * The files boundary: what the rest of the package (roles, status, cli) may
 * use of the file-system protocol, sync and async. Nothing outside `files/`
 * imports `_syscalls`, `_atomic` or `_sync`: the system calls, their order
 * and the guarantees (no symlink followed, no FIFO blocked on, no file over
 * its cap read, directories created 0755) stay in one place.
 *
 * @internal
 * @packageDocumentation
 */

import type fs from "node:fs";
import { breakStaleLock, checkDirectory as checkDirectoryGen, type FileRead, makeDirectories, readRegular } from "./_atomic.js";
import { checkDirectorySync, readRegularSync } from "./_sync.js";
import { type Gen, runAsync, runSync } from "./_syscalls.js";

export {
  DEFAULT_MAX_BYTES,
  DIRECTORY_MODE,
  FILE_MODE,
  type FileRead,
  ioError,
  LOCK_FILE_PREFIX,
  TEMP_FILE_PREFIX,
} from "./_atomic.js";
export { checkDirectorySync };

/** How to read a regular file. @internal */
export interface ReadRegularOptions {
  /** The most bytes the file may hold; a larger one is `too-large`, never read. */
  readonly maxBytes: number;
  /**
   * Follow a symlink at the path itself (default `false`: a symlink is an
   * `open` failure with ELOOP). The Downward API's files are symlinks the
   * kubelet swaps; device-info files never are.
   */
  readonly follow?: boolean | undefined;
}

/**
 * Reads a whole regular file: `open` (O_NONBLOCK, O_NOFOLLOW unless
 * `follow`), `fstat`, `read`, `close`. Resolves to its stats and bytes, or
 * to why it could not be read ({@link FileRead}); never rejects for a
 * file-system condition.
 *
 * @internal
 */
export function readRegularFile(path: string, options: ReadRegularOptions): Promise<FileRead> {
  return runAsync(readRegular(path, options.maxBytes, options.follow === true));
}

/** Synchronous twin of {@link readRegularFile}. @internal */
export function readRegularFileSync(path: string, options: ReadRegularOptions): FileRead {
  return readRegularSync(path, options.maxBytes, options.follow === true);
}

/**
 * Refuses a directory that is a symlink or not a directory
 * (`ERR_DEVINFO_UNSAFE_PATH`); a missing one is fine.
 *
 * @internal
 */
export function checkDirectory(dir: string): Promise<void> {
  return runAsync(checkDirectoryGen(dir));
}

function* ensure(dir: string): Gen<void> {
  yield* checkDirectoryGen(dir);
  yield* makeDirectories(dir);
}

/**
 * {@link checkDirectory}, then `mkdir -p` with every directory it creates
 * exactly 0755, whatever the umask.
 *
 * @internal
 */
export function ensureDirectory(dir: string): Promise<void> {
  return runAsync(ensure(dir));
}

/** Synchronous twin of {@link ensureDirectory}. @internal */
export function ensureDirectorySync(dir: string): void {
  runSync(ensure(dir));
}

/**
 * Removes a stale lock file of `updateDeviceInfoForCNI` without ever removing
 * a live one (the protocol of `breakStaleLock` in `_atomic.ts`): `true` when
 * it was our turn to break it.
 *
 * @internal
 */
export function breakStaleLockSync(lock: string, stale: fs.Stats, staleMs: number): boolean {
  return runSync(breakStaleLock(lock, stale, staleMs));
}
