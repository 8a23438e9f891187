/**
 * The file protocol, stated once: the names, flags and modes of every file
 * the package creates, the system calls of each operation in order
 * ({@link SEQUENCES}), the decisions taken on each system call's outcome
 * (retry, create the directories, hand over, give up), and the mapping of
 * every failure to a `DeviceInfoError` code and message.
 *
 * Four engines carry it out: the generators of `_atomic.ts`, `_dirs.ts` and
 * `_lock.ts` (the reference, run by `runSync` and `runAsync` of
 * `_syscalls.ts`), the synchronous twins (`_sync.ts`), the thread-pool twins
 * (`_async.ts`) and the worker thread (`_worker.ts`, which runs the sync
 * twins). The twins are written by hand against `fs` because the executor
 * costs as much as the work (bench/README.md); they take every flag, name,
 * mode, verdict and error from here, and test/files/engines.test.ts runs
 * every operation case through every engine under `strace` and checks the
 * system calls against {@link SEQUENCES} and {@link ENGINE_LATITUDE}.
 *
 * @internal
 */

import fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { DeviceInfoError } from "../base/errors.js";
import type { Op } from "./_syscalls.js";

// ---------------------------------------------------------------------------
// Names, flags and modes (two versions of the package on one node must agree).

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;
/** `open` flags of a temporary file: created, exclusive, never through a symlink. */
export const TEMP_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** `open` flags of a lock file and of its breaker's turn file: the same as a temporary file's. */
export const LOCK_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** Mode of lock files (only their owner reads the pid in them). */
export const LOCK_MODE = 0o600;
/** `open` flags of a directory opened to `fsync` it (durable writes). */
export const DIRECTORY_SYNC_FLAGS = O_RDONLY | O_DIRECTORY;

/** File mode of device-info files, as the Go reference creates them. */
export const FILE_MODE = 0o444;
/** Mode of the directories this package creates (Go creates them 0000). */
export const DIRECTORY_MODE = 0o755;
/** Default cap on a device-info document, in bytes. */
export const DEFAULT_MAX_BYTES = 64 * 1024;
/**
 * Name prefix of temporary files. They start with a dot and never end in
 * `-device.json`, so no reader or listing mistakes them for device-info files.
 */
export const TEMP_FILE_PREFIX = ".devinfo-tmp-";
/** Name prefix of the lock files of {@link updateDeviceInfoForCNI}. */
export const LOCK_FILE_PREFIX = ".devinfo-lock-";

/** `open` flags of every read: never blocks on a FIFO, and never follows a final symlink unless `follow`. */
export function readFlags(follow: boolean): number {
  return follow ? O_RDONLY | O_NONBLOCK : O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
}

let tempCounter = 0;
let tempPrefix = "";
let tempPid = 0;
/** A fresh temporary file name (no directory). */
export function tempName(): string {
  tempCounter = (tempCounter + 1) % 0x100000;
  if (tempPid !== process.pid) {
    tempPid = process.pid;
    tempPrefix = `${TEMP_FILE_PREFIX}${tempPid}-`;
  }
  return `${tempPrefix}${tempCounter.toString(36)}${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
}

/**
 * A fresh temporary file in `dir`, spelt as the twins spell it (`dir` as
 * given, not normalised: any spelling of the target's directory will do).
 */
export function tempPathIn(dir: string): string {
  return dir === "/" ? `/${tempName()}` : `${dir}/${tempName()}`;
}

// FNV-1a (32-bit, twice with different seeds): a short, stable lock name
// for any file name, without loading node:crypto on the start-up path.
function nameHash(name: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** The lock file that serialises updates of `target`. */
export function lockPathFor(target: string): string {
  return join(dirname(target), `${LOCK_FILE_PREFIX}${nameHash(basename(target))}`);
}

/** The file a breaker of a stale lock creates to take its turn ({@link breakStaleLock}). */
export function breakTurnPathFor(lock: string): string {
  return `${lock}-break`;
}

// ---------------------------------------------------------------------------
// The sequences.

/** A system call, by the name of its step in `_syscalls.ts` (`open`, `fstat`...). */
export type Call = Op["op"];

/**
 * The system calls of each step of the protocol, in order, as every engine
 * makes them on its common path. An operation is a concatenation:
 *
 * - load: `guard`, then `readWhole` (or `readUnopened`, `readRefused`);
 * - save: `guard`, then `create` (`makeDirectories` before it retries when
 *   its directory was missing) or, with `overwrite`, `replace`; `durable`
 *   adds `fsync` of the file before `close` and `syncDirectory` at the end;
 * - clean: `guard`, then `remove`;
 * - update: `lock`, the load, `lockCheck` then the save (`replace`), `unlock`.
 */
export const SEQUENCES = {
  /** `checkDirectory` of the guarded directory (`<base>/dp`, `<base>/cni`): a symlink or non-directory is refused. */
  guard: ["lstat"],
  /** A regular file read whole: its size from `fstat`, one `read` of that size (an empty one: one `read` finds the end). */
  readWhole: ["open", "fstat", "read", "close"],
  /** The `open` failed: no file (a load's `undefined`), a symlink (ELOOP), a socket (ENXIO), permission denied. */
  readUnopened: ["open"],
  /** A directory, FIFO, socket or device, or a file over `maxBytes`: refused after `fstat`, never read. */
  readRefused: ["open", "fstat", "close"],
  /** Exclusive create: a temporary file written whole, linked into place (EEXIST decided by the kernel), unlinked. */
  create: ["open", "fchmod", "write", "close", "link", "unlink"],
  /** Atomic replace: as `create`, but the target is checked to be a regular file (or none) and renamed over. */
  replace: ["open", "fchmod", "write", "close", "lstat", "rename"],
  /** The end of a durable write, after the file's own `fsync`: its directory entry made durable. */
  syncDirectory: ["open", "fsync", "close"],
  /** One directory of `mkdir -p`, its mode set exactly whatever the umask. */
  makeDirectory: ["mkdir", "chmod"],
  /** A file or symlink removed (never a directory: `rmdir` only undoes directories the operation created). */
  remove: ["unlink"],
  /** The update lock taken: created exclusively, the pid written, its identity read. */
  lock: ["open", "write", "fstat", "close"],
  /** Before an update writes: the lock is still the very file it created. */
  lockCheck: ["lstat"],
  /** The update lock released, if still ours. */
  unlock: ["lstat", "unlink"],
  /** A stale lock broken in turn: the turn file, the lock's identity checked, the lock and the turn file removed. */
  breakStale: ["open", "close", "lstat", "unlink", "unlink"],
} as const satisfies Record<string, readonly Call[]>;

/**
 * Where an engine may depart from the generators' sequence, and nowhere
 * else (each is a measured saving, see the module comments of `_sync.ts`,
 * `_async.ts`; test/files/engines.test.ts allows exactly these):
 *
 * - `handOverRepeatsOpen` (sync, thread pool, worker): a twin whose `open`
 *   of the temporary file fails hands the write to the generator, which
 *   opens a fresh temporary file again from its first attempt: one failed
 *   `open` more than the generator makes alone;
 * - `readOpensBesideGuard` (thread pool): a load opens its file in the same
 *   turn as the guard's `lstat`; when the guard refuses the directory, the
 *   file was opened all the same, and is closed;
 * - `copyChecksTargetEarly` (thread pool): a copy starts the guard's
 *   `lstat` of its target's directory before it reads the source (the
 *   verdict still counts only after the source's), even when there turns
 *   out to be no source;
 * - `overlap` (thread pool): calls issued in one turn (`lstat` of the guard
 *   with `open` of the file; `fchmod` with `write`; a read's `close` after
 *   the result) may complete in either order.
 */
export const ENGINE_LATITUDE = {
  handOverRepeatsOpen: ["sync", "pool", "worker"],
  readOpensBesideGuard: ["pool"],
  copyChecksTargetEarly: ["pool"],
  overlap: ["pool"],
} as const;

/** Attempts of a temporary or lock file's `open` before its failure is reported. */
export const RETRIES = {
  /** ENOENT: the directory is created (again only if another operation removed one it had created). */
  createDirectories: 3,
  /** EEXIST on a temporary file: another name is tried. */
  tempNameClash: 5,
} as const;

/** What to do when the `open` of a temporary file failed with `errno` on attempt `attempt` (from 0). */
export function afterTempOpenFailed(errno: string | undefined, attempt: number): "create-directories" | "rename" | "fail" {
  if (errno === "ENOENT" && attempt < RETRIES.createDirectories) return "create-directories";
  if (errno === "EEXIST" && attempt < RETRIES.tempNameClash) return "rename";
  return "fail";
}

// ---------------------------------------------------------------------------
// Outcomes of a read, as data.

/**
 * What reading a regular file found: its stats and bytes, or why not. File
 * system conditions are data here, so that each caller words them its own
 * way: the library as typed errors ({@link fileBytes}), `devinfo ls` as a
 * column, the Downward API reader with advice about volumes.
 *
 * - `missing`: `open` failed with ENOENT; `open`: any other `open` failure
 *   (ELOOP for a symlink that is not followed, ENXIO for a socket, EACCES...);
 * - `not-regular`: a directory, FIFO, device or socket (from `fstat`);
 * - `too-large`: over `maxBytes` (`size` is `fstat`'s, or the bytes read so
 *   far for a file whose `fstat` size is 0, as in procfs);
 * - `read`: `fstat` or `read` failed.
 *
 * @internal
 */
export type FileRead =
  | { readonly ok: true; readonly stats: fs.Stats; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: "missing" | "open"; readonly stats: undefined; readonly error: unknown }
  | { readonly ok: false; readonly reason: "not-regular"; readonly stats: fs.Stats }
  | { readonly ok: false; readonly reason: "too-large"; readonly stats: fs.Stats; readonly size: number }
  | { readonly ok: false; readonly reason: "read"; readonly stats: fs.Stats | undefined; readonly error: unknown };

/** A read whose `open` failed. */
export function openFailed(error: unknown): FileRead {
  return { ok: false, reason: errnoOf(error) === "ENOENT" ? "missing" : "open", stats: undefined, error };
}

/** A read refused on `fstat`'s word (not a regular file, over `maxBytes`); `undefined` to read on. */
export function refusedOnStat(stats: fs.Stats, maxBytes: number): FileRead | undefined {
  if (!stats.isFile()) return { ok: false, reason: "not-regular", stats };
  if (stats.size > maxBytes) return { ok: false, reason: "too-large", stats, size: stats.size };
  return undefined;
}

/** A read that ended: the bytes (`readToEnd`'s buffer), or the count read once over `maxBytes`. */
export function readToEndResult(stats: fs.Stats, read: Buffer | number): FileRead {
  return typeof read === "number" ? { ok: false, reason: "too-large", stats, size: read } : { ok: true, stats, bytes: read };
}

// ---------------------------------------------------------------------------
// The error mapping.

type ErrnoError = NodeJS.ErrnoException;

export function errnoOf(err: unknown): string | undefined {
  return typeof err === "object" && err !== null ? (err as ErrnoError).code : undefined;
}

/** Turns a system error into the package's error, with advice. */
export function ioError(err: unknown, path: string, action: string): DeviceInfoError {
  if (err instanceof DeviceInfoError) return err;
  const errno = errnoOf(err);
  const syscall = typeof err === "object" && err !== null ? (err as ErrnoError).syscall : undefined;
  const details = { path, errno, syscall, cause: err };
  switch (errno) {
    case "ELOOP":
      return new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `cannot ${action} ${path}: it is a symbolic link, which device-info files never follow; remove the link`,
        details,
      );
    case "ENAMETOOLONG":
      return new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `cannot ${action} ${path}: the name is too long for the file system; use a shorter name`,
        details,
      );
    case "EACCES":
    case "EPERM":
      return new DeviceInfoError(
        "ERR_DEVINFO_IO",
        `cannot ${action} ${path}: permission denied (${errno}); run as the user that owns the base directory (usually root) or fix its permissions`,
        details,
      );
    case "EROFS":
      return new DeviceInfoError(
        "ERR_DEVINFO_IO",
        `cannot ${action} ${path}: the file system is read-only (EROFS); mount the base directory read-write`,
        details,
      );
    case "ENOSPC":
    case "EDQUOT":
      return new DeviceInfoError(
        "ERR_DEVINFO_IO",
        `cannot ${action} ${path}: no space left on the device (${errno}); nothing was written, free some space and retry`,
        details,
      );
    case "ENOTDIR":
      // A file where a directory must be: the mirror of a directory where a
      // file must be, and what checkDirectory says of <base>/dp and <base>/cni.
      return new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `cannot ${action} ${path}: a component of the path is not a directory (ENOTDIR); check the base directory`,
        details,
      );
    default:
      return new DeviceInfoError("ERR_DEVINFO_IO", `cannot ${action} ${path}: ${(err as Error)?.message ?? String(err)}`, details);
  }
}

/** `path` is not a regular file (`stats` from `fstat` or `lstat`). */
export function notRegular(path: string, stats: fs.Stats, action: string): DeviceInfoError {
  const kind = stats.isDirectory()
    ? "a directory"
    : stats.isSymbolicLink()
      ? "a symbolic link"
      : stats.isFIFO()
        ? "a FIFO"
        : stats.isSocket()
          ? "a socket"
          : "a device or other special file";
  return new DeviceInfoError(
    "ERR_DEVINFO_UNSAFE_PATH",
    `cannot ${action} ${path}: it is ${kind}, not a regular file; device-info files are never read or written through anything else`,
    { path },
  );
}

export function tooLarge(path: string | undefined, size: number, maxBytes: number): DeviceInfoError {
  const what = path === undefined ? "the document" : path;
  return new DeviceInfoError(
    "ERR_DEVINFO_TOO_LARGE",
    `${what} is ${size} bytes, over the ${maxBytes}-byte limit for device-info documents; pass a larger maxBytes if this is intended`,
    { path },
  );
}

/**
 * The library's reading of a device-info file: its bytes, `undefined` when
 * there is none, or a typed error (`ERR_DEVINFO_UNSAFE_PATH` for a symlink,
 * socket, device or directory, `ERR_DEVINFO_TOO_LARGE`, `ERR_DEVINFO_IO`).
 */
export function fileBytes(read: FileRead, path: string, maxBytes: number): Buffer | undefined {
  if (read.ok) return read.bytes;
  switch (read.reason) {
    case "missing":
      return undefined;
    case "open":
      if (errnoOf(read.error) === "ENXIO")
        throw new DeviceInfoError("ERR_DEVINFO_UNSAFE_PATH", `cannot read ${path}: it is a socket or device, not a regular file`, {
          path,
          errno: "ENXIO",
          cause: read.error,
        });
      throw ioError(read.error, path, "read");
    case "not-regular":
      throw notRegular(path, read.stats, "read");
    case "too-large":
      throw tooLarge(path, read.size, maxBytes);
    case "read":
      throw ioError(read.error, path, "read");
  }
}

/** Why `dir`, as `lstat` found it, is not a directory to write in; `undefined` when it is one. */
export function directoryProblem(dir: string, stats: fs.Stats): DeviceInfoError | undefined {
  if (stats.isDirectory()) return undefined;
  if (stats.isSymbolicLink()) {
    return new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `${dir} is a symbolic link; the dp and cni directories must be real directories inside the base directory, so that nothing is written elsewhere. Replace the link with a directory`,
      { path: dir },
    );
  }
  return new DeviceInfoError("ERR_DEVINFO_UNSAFE_PATH", `${dir} is not a directory; remove it so that it can be created`, { path: dir });
}

/** The guard's verdict on `dir` from its `lstat` (an error, or stats): the error to throw, `undefined` when it passes (a missing directory is created on first write). */
export function guardVerdict(dir: string, err: unknown, stats: fs.Stats | undefined): DeviceInfoError | undefined {
  if (err !== null && err !== undefined) return errnoOf(err) === "ENOENT" ? undefined : ioError(err, dir, "check directory");
  return directoryProblem(dir, stats as fs.Stats);
}

/**
 * The exclusive create of `target` found it existing (`link` failed with
 * EEXIST); `stats` is its `lstat` then, `undefined` when it has gone again
 * (still reported as existing when we tried).
 */
export function existsVerdict(target: string, stats: fs.Stats | undefined): DeviceInfoError {
  if (stats !== undefined && !stats.isFile()) return notRegular(target, stats, "write");
  return new DeviceInfoError(
    "ERR_DEVINFO_EXISTS",
    `device-info file already exists: ${target}; another writer created it first. Load it, clean it first, or pass { overwrite: true } to replace it`,
    { path: target, errno: "EEXIST" },
  );
}

/** What a failed `unlink` means: no file (`false`), a directory to tell apart (EISDIR, or EPERM on some systems), or an error. */
export function afterUnlinkFailed(err: unknown): "absent" | "maybe-directory" | "error" {
  const errno = errnoOf(err);
  if (errno === "ENOENT") return "absent";
  return errno === "EISDIR" || errno === "EPERM" ? "maybe-directory" : "error";
}

/** `unlink` refused `path`, which `lstat` says is a directory. */
export function isDirectoryError(path: string, err: unknown): DeviceInfoError {
  return new DeviceInfoError("ERR_DEVINFO_UNSAFE_PATH", `cannot remove ${path}: it is a directory, and clean never removes directories`, {
    path,
    errno: errnoOf(err),
    cause: err,
  });
}

/**
 * A failure to take the lock of `target`, worded for the document the caller
 * named (an update of a file in a directory it may not write is refused for
 * the document, not for a file it never heard of); the lock file is said in
 * the message, and its system error is the `cause`.
 */
export function lockError(err: unknown, target: string, lock: string): DeviceInfoError {
  const named = ioError(err, `${target} (its lock file ${lock})`, "update");
  return new DeviceInfoError(named.code, named.message, { path: target, errno: named.errno, syscall: named.syscall, cause: err });
}

/** Another process held the lock past the deadline. */
export function lockTimeout(target: string, lock: string, timeoutMs: number): DeviceInfoError {
  return new DeviceInfoError(
    "ERR_DEVINFO_CONFLICT",
    `another process is updating ${target} (lock ${lock} held for over ${timeoutMs} ms); retry, or remove the lock file if no process is updating it`,
    { path: target },
  );
}

/** The lock was broken as stale while the update ran: nothing is written. */
export function lockLost(target: string, staleMs: number): DeviceInfoError {
  return new DeviceInfoError(
    "ERR_DEVINFO_CONFLICT",
    `the update of ${target} outlasted the lock's stale limit (${staleMs} ms), so another process took over its lock and may have changed the file; nothing was written. Retry, and keep the update function short (or raise lockStaleMs)`,
    { path: target },
  );
}
