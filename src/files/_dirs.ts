/**
 * The directory steps of the protocol (`_protocol.ts`), as generators of
 * system calls: the guard of `<base>/dp` and `<base>/cni`, `mkdir -p` with
 * exact modes and its undoing, and the quiet `close` and `unlink` every
 * operation ends with on its failure paths.
 *
 * @internal
 */

import type fs from "node:fs";
import { dirname } from "node:path";
import { DIRECTORY_MODE, errnoOf, guardVerdict, ioError } from "./_protocol.js";
import * as sys from "./_syscalls.js";

export function* closeQuietly(fd: number): sys.Gen<void> {
  try {
    yield* sys.close(fd);
  } catch {
    // Nothing useful to do: the operation's own result or error matters more.
  }
}

export function* unlinkQuietly(path: string): sys.Gen<void> {
  try {
    yield* sys.unlink(path);
  } catch {
    // Left for `devinfo gc`, which recognises the temporary-file prefix.
  }
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
  let stats: fs.Stats | undefined;
  let error: unknown;
  try {
    stats = yield* sys.lstat(dir);
  } catch (err) {
    error = err;
  }
  const problem = guardVerdict(dir, error, stats);
  if (problem !== undefined) throw problem;
}
