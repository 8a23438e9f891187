/**
 * The file-system protocol behind every public operation: reads that never
 * follow a symlink or read a non-regular or oversized file, and writes that
 * are atomic (temporary file, then link or rename) and exclusive when asked.
 */

import { Buffer } from "node:buffer";
import fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { DeviceInfoError } from "../base/errors.js";
import * as sys from "./_syscalls.js";

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;
/** `open` flags of a temporary file: created, exclusive, never through a symlink. */
export const TEMP_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

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

function notRegular(path: string, stats: fs.Stats, action: string): DeviceInfoError {
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

/** `open` flags of every read: never blocks on a FIFO, and never follows a final symlink unless `follow`. */
export function readFlags(follow: boolean): number {
  return follow ? O_RDONLY | O_NONBLOCK : O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
}

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
    return { ok: false, reason: errnoOf(error) === "ENOENT" ? "missing" : "open", stats: undefined, error };
  }
  let stats: fs.Stats | undefined;
  try {
    stats = yield* sys.fstat(fd);
    if (!stats.isFile()) return { ok: false, reason: "not-regular", stats };
    if (stats.size > maxBytes) return { ok: false, reason: "too-large", stats, size: stats.size };
    // procfs and friends report size 0: read those until end of file.
    if (stats.size === 0) {
      const read = yield* readToEnd(fd, Buffer.allocUnsafe(Math.min(512, maxBytes + 1)), maxBytes);
      return typeof read === "number" ? { ok: false, reason: "too-large", stats, size: read } : { ok: true, stats, bytes: read };
    }
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

/**
 * Reads a whole device-info file, or returns `undefined` when there is none.
 * Never follows a symlink at the target, never blocks on a FIFO, never reads
 * more than `maxBytes + 1` bytes.
 */
export function* readFileBytes(path: string, maxBytes: number): sys.Gen<Buffer | undefined> {
  return fileBytes(yield* readRegular(path, maxBytes, false), path, maxBytes);
}

export function tooLarge(path: string | undefined, size: number, maxBytes: number): DeviceInfoError {
  const what = path === undefined ? "the document" : path;
  return new DeviceInfoError(
    "ERR_DEVINFO_TOO_LARGE",
    `${what} is ${size} bytes, over the ${maxBytes}-byte limit for device-info documents; pass a larger maxBytes if this is intended`,
    { path },
  );
}

function* closeQuietly(fd: number): sys.Gen<void> {
  try {
    yield* sys.close(fd);
  } catch {
    // Nothing useful to do: the operation's own result or error matters more.
  }
}

function* unlinkQuietly(path: string): sys.Gen<void> {
  try {
    yield* sys.unlink(path);
  } catch {
    // Left for `devinfo gc`, which recognises the temporary-file prefix.
  }
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
 * `mkdir -p` with every created directory exactly {@link DIRECTORY_MODE}.
 * Returns the topmost directory it created (`undefined` when `dir` existed),
 * for {@link removeCreatedDirectories}.
 */
export function* makeDirectories(dir: string): sys.Gen<string | undefined> {
  let created: string | undefined = dir;
  try {
    yield* sys.mkdir(dir, DIRECTORY_MODE);
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === "EEXIST") return undefined;
    if (errno !== "ENOENT" || dirname(dir) === dir) throw ioError(err, dir, "create directory");
    created = (yield* makeDirectories(dirname(dir))) ?? dir;
    try {
      yield* sys.mkdir(dir, DIRECTORY_MODE);
    } catch (again) {
      // Our parents are no use to anyone else's failure either.
      if (errnoOf(again) === "EEXIST") return created === dir ? undefined : created;
      yield* removeCreatedDirectories(dirname(dir), created === dir ? undefined : created);
      throw ioError(again, dir, "create directory");
    }
  }
  // Always, whatever the umask: reading the umask (process.umask()) briefly
  // sets it to 0 for every thread of the process, and caching it goes stale
  // when the program changes it. Directory creation is rare; one chmod is cheap.
  try {
    yield* sys.chmod(dir, DIRECTORY_MODE);
  } catch (err) {
    yield* removeCreatedDirectories(dir, created);
    throw ioError(err, dir, "set the mode of directory");
  }
  return created;
}

/**
 * Undoes {@link makeDirectories} for an operation that ends without writing
 * a file (it failed, or had nothing to write): removes `dir` and its parents
 * up to and including `top` (the directory `makeDirectories` returned),
 * deepest first, with `rmdir` only, and stops at the first that cannot be
 * removed. A directory that is not empty (another writer put a file there
 * meanwhile, or ours was written) is never removed. Never throws.
 */
export function* removeCreatedDirectories(dir: string, top: string | undefined): sys.Gen<void> {
  if (top === undefined) return;
  for (let current = dir; ; current = dirname(current)) {
    try {
      yield* sys.rmdir(current);
    } catch {
      return;
    }
    if (current === top || dirname(current) === current || !current.startsWith(top)) return;
  }
}

/** Refuses a directory that is a symlink (checked for `<base>/dp` and `<base>/cni`). */
export function* checkDirectory(dir: string): sys.Gen<void> {
  let stats: fs.Stats;
  try {
    stats = yield* sys.lstat(dir);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return; // created on first write
    throw ioError(err, dir, "check directory");
  }
  const problem = directoryProblem(dir, stats);
  if (problem !== undefined) throw problem;
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
      const errno = errnoOf(err);
      if (errno === "ENOENT" && attempt < 3) {
        // Again after the first time only if another operation removed a directory it had created.
        const top = yield* makeDirectories(dir);
        if (top !== undefined) madeDirectories(top);
      } else if (errno === "EEXIST" && attempt < 5) temp = join(dir, tempName());
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

export function* existsError(target: string): sys.Gen<DeviceInfoError> {
  try {
    const stats = yield* sys.lstat(target);
    if (!stats.isFile()) return notRegular(target, stats, "write");
  } catch {
    // Gone again: still report that it existed when we tried.
  }
  return new DeviceInfoError(
    "ERR_DEVINFO_EXISTS",
    `device-info file already exists: ${target}; another writer created it first. Load it, clean it first, or pass { overwrite: true } to replace it`,
    { path: target, errno: "EEXIST" },
  );
}

function* syncDirectory(dir: string): sys.Gen<void> {
  const fd = yield* sys.open(dir, O_RDONLY | O_DIRECTORY);
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
  const errno = errnoOf(err);
  if (errno === "ENOENT") return false;
  if (errno === "EISDIR" || errno === "EPERM") {
    const isDir = yield* isDirectory(path);
    if (isDir) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `cannot remove ${path}: it is a directory, and clean never removes directories`,
        { path, errno, cause: err },
      );
    }
  }
  throw ioError(err, path, "remove");
}

function* isDirectory(path: string): sys.Gen<boolean> {
  try {
    return (yield* sys.lstat(path)).isDirectory();
  } catch {
    return false;
  }
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

export interface LockOptions {
  /** Give up with ERR_DEVINFO_CONFLICT after this long. */
  timeoutMs: number;
  /** A lock file older than this is left by a dead process and is broken. */
  staleMs: number;
}

/** A lock taken by {@link acquireLock}: its path and the identity of the file we created. */
export interface HeldLock {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  readonly mtimeMs: number;
  /** The topmost directory taking the lock created ({@link makeDirectories}), removed again by {@link releaseLock} if still empty. */
  readonly createdDirectory?: string | undefined;
}

/**
 * Takes the update lock of `target`: a file created with O_EXCL next to it.
 * Waits with backoff while another process holds it; breaks a lock older than
 * `staleMs` (its holder died: updates take milliseconds).
 */
export function* acquireLock(target: string, options: LockOptions): sys.Gen<HeldLock> {
  const lock = lockPathFor(target);
  const deadline = Date.now() + options.timeoutMs;
  let delay = 1;
  let createdDirectory: string | undefined;
  try {
    for (let creations = 0; ; ) {
      let fd: number | undefined;
      try {
        fd = yield* sys.open(lock, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      } catch (err) {
        const errno = errnoOf(err);
        // Again after the first time only if another operation removed a directory it had created.
        if (errno === "ENOENT" && creations++ < 3) {
          const top = yield* makeDirectories(dirname(lock));
          if (top !== undefined && (createdDirectory === undefined || top.length < createdDirectory.length)) createdDirectory = top;
          continue;
        }
        if (errno !== "EEXIST") throw lockError(err, target, lock);
      }
      if (fd !== undefined) {
        try {
          // The pid is for humans who find the file; the identity is for releaseLock.
          yield* sys.write(fd, Buffer.from(`${process.pid}\n`));
          const stats = yield* sys.fstat(fd);
          return { path: lock, dev: stats.dev, ino: stats.ino, mtimeMs: stats.mtimeMs, createdDirectory };
        } catch (err) {
          // A lock we cannot complete must not block every later update until it goes stale.
          yield* unlinkQuietly(lock);
          throw lockError(err, target, lock);
        } finally {
          yield* closeQuietly(fd);
        }
      }
      if (yield* waitForLock(lock, target, deadline, delay, options)) delay = Math.min(delay * 2, 50);
    }
  } catch (err) {
    yield* removeCreatedDirectories(dirname(lock), createdDirectory);
    throw err;
  }
}

/**
 * A failure to take the lock of `target`, worded for the document the caller
 * named (an update of a file in a directory it may not write is refused for
 * the document, not for a file it never heard of); the lock file is said in
 * the message, and its system error is the `cause`.
 */
function lockError(err: unknown, target: string, lock: string): DeviceInfoError {
  const named = ioError(err, `${target} (its lock file ${lock})`, "update");
  return new DeviceInfoError(named.code, named.message, { path: target, errno: named.errno, syscall: named.syscall, cause: err });
}

/**
 * One round of waiting for a lock held by someone else: breaks it when stale,
 * fails at the deadline. Resolves to whether it slept (`false`: try again at once).
 */
function* waitForLock(lock: string, target: string, deadline: number, delay: number, options: LockOptions): sys.Gen<boolean> {
  let stats: fs.Stats;
  try {
    stats = yield* sys.lstat(lock);
  } catch {
    return false; // released between our open and lstat
  }
  // With our turn to break a stale lock, try again at once; while another
  // waiter has the turn, wait like for a live lock (never spin).
  if (Date.now() - stats.mtimeMs > options.staleMs && (yield* breakStaleLock(lock, stats, options.staleMs))) return false;
  if (Date.now() >= deadline) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_CONFLICT",
      `another process is updating ${target} (lock ${lock} held for over ${options.timeoutMs} ms); retry, or remove the lock file if no process is updating it`,
      { path: target },
    );
  }
  yield* sys.sleep(delay);
  return true;
}

/**
 * Removes a stale lock without ever removing a live one. Unlinking by name is
 * not enough: two waiters can both see the same stale lock, and the slower
 * one would then unlink the fresh lock the faster one just took, letting two
 * updates run at once. (Renaming the lock aside and linking a fresh one back
 * is not enough either: a third waiter can take the lock while it is aside.)
 * So breakers take turns, through a second O_EXCL file next to the lock, and
 * the one whose turn it is unlinks the lock only if it is still the very file
 * it judged stale (same device, inode and mtime). Nothing else can remove or
 * replace a lock whose holder is dead, so that check cannot go stale before
 * the unlink. A breaker that dies in its turn leaves its file to go stale in
 * turn, like a lock. Resolves to whether it was our turn.
 */
export function* breakStaleLock(lock: string, stale: fs.Stats, staleMs: number): sys.Gen<boolean> {
  const turn = `${lock}-break`;
  try {
    yield* closeQuietly(yield* sys.open(turn, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600));
  } catch {
    try {
      if (Date.now() - (yield* sys.lstat(turn)).mtimeMs > staleMs) yield* unlinkQuietly(turn);
    } catch {
      // Its turn is over.
    }
    return false; // someone else is breaking it
  }
  try {
    const now = yield* sys.lstat(lock);
    if (now.dev === stale.dev && now.ino === stale.ino && now.mtimeMs === stale.mtimeMs) yield* sys.unlink(lock);
  } catch {
    // Gone already: released, or broken in an earlier turn.
  } finally {
    yield* unlinkQuietly(turn);
  }
  return true;
}

/** Whether the lock file is still the one we created (not broken as stale, not someone else's since). */
function* stillHeld(lock: HeldLock): sys.Gen<boolean> {
  try {
    const stats = yield* sys.lstat(lock.path);
    return stats.dev === lock.dev && stats.ino === lock.ino && stats.mtimeMs === lock.mtimeMs;
  } catch {
    return false;
  }
}

/** Releases a lock, unless it was broken as stale and is now someone else's. */
export function* releaseLock(lock: HeldLock): sys.Gen<void> {
  if (yield* stillHeld(lock)) yield* unlinkQuietly(lock.path);
  // An update that wrote nothing (no change, its function threw, the
  // document was refused) leaves no directory behind; after a write the
  // directory holds the file and rmdir leaves it.
  yield* removeCreatedDirectories(dirname(lock.path), lock.createdDirectory);
}

/**
 * {@link writeFileAtomic}, but only while `lock` is still ours. A holder
 * slower than the stale limit has had its lock broken, and another process
 * may have updated the file since this one read it: writing now would
 * silently undo that update, so nothing is written and the caller gets
 * ERR_DEVINFO_CONFLICT instead.
 */
export function* writeWhileLocked(lock: HeldLock, target: string, data: Uint8Array, options: WriteOptions, staleMs: number): sys.Gen<void> {
  if (!(yield* stillHeld(lock))) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_CONFLICT",
      `the update of ${target} outlasted the lock's stale limit (${staleMs} ms), so another process took over its lock and may have changed the file; nothing was written. Retry, and keep the update function short (or raise lockStaleMs)`,
      { path: target },
    );
  }
  yield* writeFileAtomic(target, data, options);
}
