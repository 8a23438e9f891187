/**
 * The update lock of the protocol (`_protocol.ts`: `lock`, `lockCheck`,
 * `unlock`, `breakStale`), as generators of system calls: a file created
 * with O_EXCL next to the target, waited for with backoff, broken in turn
 * when its holder died.
 *
 * @internal
 */

import { Buffer } from "node:buffer";
import type fs from "node:fs";
import { dirname } from "node:path";
import { closeQuietly, makeDirectories, removeCreatedDirectories, unlinkQuietly } from "./_dirs.js";
import { breakTurnPathFor, errnoOf, LOCK_FLAGS, LOCK_MODE, lockError, lockPathFor, lockTimeout, RETRIES } from "./_protocol.js";
import * as sys from "./_syscalls.js";

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
        fd = yield* sys.open(lock, LOCK_FLAGS, LOCK_MODE);
      } catch (err) {
        const errno = errnoOf(err);
        // Again after the first time only if another operation removed a directory it had created.
        if (errno === "ENOENT" && creations++ < RETRIES.createDirectories) {
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
  const left = deadline - Date.now();
  if (left <= 0) throw lockTimeout(target, lock, options.timeoutMs);
  // Never past the deadline: the backoff's next step may be longer than what is left of lockTimeoutMs.
  yield* sys.sleep(Math.min(delay, left));
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
  const turn = breakTurnPathFor(lock);
  try {
    yield* closeQuietly(yield* sys.open(turn, LOCK_FLAGS, LOCK_MODE));
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
export function* stillHeld(lock: HeldLock): sys.Gen<boolean> {
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
