/**
 * The files boundary: what the rest of the package (roles, status, cli) may
 * use of the file-system protocol, sync and async. Nothing outside `files/`
 * imports `_syscalls`, `_protocol`, `_atomic` or `_sync`: the system calls, their order
 * and the guarantees (no symlink followed, no FIFO blocked on, no file over
 * its cap read, directories created 0755) stay in one place.
 *
 * @internal
 * @packageDocumentation
 */

import type fs from "node:fs";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { readRegular } from "./_atomic.js";
import { checkDirectory as checkDirectoryGen, makeDirectories } from "./_dirs.js";
import { breakStaleLock } from "./_lock.js";
import type { FileRead } from "./_protocol.js";
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
} from "./_protocol.js";
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

/** What a reader of a file the kubelet mounts into a pod says when it cannot read it. @internal */
export interface MountedFile {
  /** The file, for "pass the path of ...": e.g. `a device metadata file`. */
  readonly what: string;
  /** What to check when there is no file at the path. */
  readonly missing: string;
}

/**
 * Reads a file the kubelet mounts into a pod (a Downward API item, a DRA
 * device metadata file) with {@link readRegularFile}, following symlinks:
 * the kubelet's atomic writer swaps a `..data` symlink to update the volume.
 * Only a regular file, never blocking on a FIFO, never beyond `maxBytes`.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` (no file, or a
 *   symlink to none), `ERR_DEVINFO_UNSAFE_PATH` (a directory, FIFO, socket
 *   or device, a path through a non-directory, a symlink loop: the codes of
 *   every reader, see `DeviceInfoErrorCode`), `ERR_DEVINFO_TOO_LARGE`,
 *   `ERR_DEVINFO_IO` (permission denied, an I/O error), with `path` and
 *   what to check.
 * @internal
 */
export async function readMountedFile(path: string, maxBytes: number, file: MountedFile): Promise<Buffer> {
  const read = await readRegularFile(path, { maxBytes, follow: true });
  if (read.ok) return read.bytes;
  if (read.reason === "not-regular") {
    const kind = read.stats.isDirectory() ? "a directory" : "not a regular file";
    throw new DeviceInfoError("ERR_DEVINFO_UNSAFE_PATH", `cannot read ${path}: it is ${kind}; pass the path of ${file.what}`, { path });
  }
  if (read.reason === "too-large") {
    throw new DeviceInfoError(
      "ERR_DEVINFO_TOO_LARGE",
      `${path} is ${read.size} bytes, over the ${maxBytes}-byte limit; pass a larger maxBytes if this file is really that large`,
      { path },
    );
  }
  const err = read.error;
  if (isDeviceInfoError(err)) throw err;
  const e = err as NodeJS.ErrnoException;
  const details = { path, errno: e?.code, syscall: e?.syscall, cause: err };
  switch (e?.code) {
    case "ENOENT":
      throw new DeviceInfoError("ERR_DEVINFO_NOT_FOUND", `${path} does not exist: ${file.missing}`, details);
    case "ENXIO":
      throw new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `cannot read ${path}: it is a socket or device, not a regular file; pass the path of ${file.what}`,
        details,
      );
    case "ENOTDIR":
      throw new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `cannot read ${path}: a component of the path is not a directory (ENOTDIR); pass the path of ${file.what}`,
        details,
      );
    case "ELOOP":
      throw new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `cannot read ${path}: its symbolic links loop (ELOOP); pass the path of ${file.what}`,
        details,
      );
    case "EACCES":
    case "EPERM":
      throw new DeviceInfoError(
        "ERR_DEVINFO_IO",
        `cannot read ${path}: permission denied (${e.code}); check the volume's defaultMode`,
        details,
      );
    default:
      throw new DeviceInfoError("ERR_DEVINFO_IO", `cannot read ${path}: ${e?.message ?? String(err)}`, details);
  }
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
 * a live one (the protocol of `breakStaleLock` in `_lock.ts`): `true` when
 * it was our turn to break it.
 *
 * @internal
 */
export function breakStaleLockSync(lock: string, stale: fs.Stats, staleMs: number): boolean {
  return runSync(breakStaleLock(lock, stale, staleMs));
}
