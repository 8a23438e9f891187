/**
 * The file protocol, driven system call by system call. The operations are
 * generators of system calls, so a test can interleave two of them in a
 * chosen order, or make any one call fail, deterministically.
 */

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import {
  acquireLock,
  checkDirectory,
  type HeldLock,
  LOCK_FILE_PREFIX,
  lockPathFor,
  makeDirectories,
  readFileBytes,
  releaseLock,
  removeFile,
  TEMP_FILE_PREFIX,
  writeFileAtomic,
} from "../../src/files/_atomic.js";
import { execSync, type Gen, type Op, runSync } from "../../src/files/_syscalls.js";
import { useTempDir } from "../helpers/temp-dir.js";

/** Steps a generator one system call at a time, performing each for real. */
class Stepper<T> {
  private step: IteratorResult<Op, T>;
  constructor(private readonly gen: Gen<T>) {
    this.step = gen.next();
  }
  get done(): boolean {
    return this.step.done === true;
  }
  get value(): T {
    if (this.step.done !== true) throw new Error("not done");
    return this.step.value;
  }
  get next(): Op | undefined {
    return this.step.done === true ? undefined : this.step.value;
  }
  /** Performs pending calls until `stop` says so for the next one (or the generator ends). */
  runUntil(stop: (op: Op) => boolean, limit = 100): this {
    for (let i = 0; i < limit; i++) {
      const op = this.next;
      if (op === undefined || stop(op)) return this;
      this.perform(op);
    }
    throw new Error(`no stop after ${limit} calls`);
  }
  private perform(op: Op): void {
    let result: unknown;
    try {
      result = op.op === "sleep" ? undefined : execSync(op);
    } catch (err) {
      this.step = this.gen.throw(err);
      return;
    }
    this.step = this.gen.next(result);
  }
}

/** Runs an operation, failing its `n`-th system call (0-based) with `errno`. Returns the error thrown, if any. */
function runFailing<T>(gen: Gen<T>, n: number, errno: string): { error: unknown; calls: string[] } {
  const calls: string[] = [];
  let step = gen.next();
  try {
    while (step.done !== true) {
      const op = step.value;
      calls.push(op.op);
      if (calls.length - 1 === n) {
        step = gen.throw(Object.assign(new Error(`${errno} (injected)`), { code: errno, syscall: op.op }));
        continue;
      }
      let result: unknown;
      try {
        result = execSync(op);
      } catch (err) {
        step = gen.throw(err);
        continue;
      }
      step = gen.next(result);
    }
  } catch (error) {
    return { error, calls };
  }
  return { error: undefined, calls };
}

const ours = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith(TEMP_FILE_PREFIX) || n.startsWith(LOCK_FILE_PREFIX));

describe("writeFileAtomic under failure of each system call", () => {
  const tmp = useTempDir();

  for (const overwrite of [false, true]) {
    for (const existing of [false, true]) {
      if (!overwrite && existing) continue;
      it(`${overwrite ? "overwrite" : "exclusive"}, ${existing ? "replacing a file" : "new file in a new directory"}: a typed error, no temporary file, the old state or the new one`, () => {
        const target = tmp.join("sub", "f");
        const setup = () => {
          fs.rmSync(tmp.join("sub"), { recursive: true, force: true });
          if (existing) {
            fs.mkdirSync(tmp.join("sub"));
            fs.writeFileSync(target, "old");
          }
        };
        setup();
        const all = runFailing(writeFileAtomic(target, Buffer.from("new"), { overwrite, durable: true }), -1, "");
        expect(all.error).toBeUndefined();
        expect(all.calls.length).toBeGreaterThan(4);
        for (const errno of ["ENOSPC", "EIO"]) {
          for (let n = 0; n < all.calls.length; n++) {
            setup();
            const { error, calls } = runFailing(writeFileAtomic(target, Buffer.from("new"), { overwrite, durable: true }), n, errno);
            const where = `${errno} at call ${n} (${calls[n]})`;
            // Failing cleanup calls (close, unlink of the temporary file) is swallowed; anything else is reported.
            if (error !== undefined) {
              expect(isDeviceInfoError(error), where).toBe(true);
              if (isDeviceInfoError(error)) {
                expect(error.code, where).toBe("ERR_DEVINFO_IO");
                expect(error.errno, where).toBe(errno);
                // the file, or the directory that could not be created
                expect([target, path.dirname(target)], where).toContain(error.path);
              }
            }
            const content = fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined;
            expect(["new", existing ? "old" : undefined], where).toContain(content);
            // Only the durability calls after the rename or link (fsync and open of the directory) fail with the new file in place.
            const afterPublish = calls.slice(0, n).some((op) => op === "rename" || op === "link");
            if (error !== undefined && !afterPublish) expect(content, where).toBe(existing ? "old" : undefined);
            const left = fs.existsSync(tmp.join("sub")) ? ours(tmp.join("sub")) : [];
            // Only a failed unlink of the temporary file after a successful link may leave it (for `devinfo gc`).
            if (left.length > 0) expect(calls[n], where).toBe("unlink");
          }
        }
      });
    }
  }
});

describe("the update lock, interleaved", () => {
  const tmp = useTempDir();
  const options = { timeoutMs: 10_000, staleMs: 1_000 };

  function staleLock(target: string): string {
    const lock = lockPathFor(target);
    fs.writeFileSync(lock, "999999\n");
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    return lock;
  }

  // Design-agnostic: a waiter has judged the lock stale once its lstat of the
  // lock returned and its next call is anything but another open or lstat of it.
  const judgedStale = (lock: string) => {
    let looked = false;
    return (op: Op) => {
      if (op.op === "lstat" && op.path === lock) {
        looked = true;
        return false;
      }
      return looked && !((op.op === "open" || op.op === "lstat") && op.path === lock);
    };
  };

  it("two waiters breaking the same stale lock: only one gets it", () => {
    const target = tmp.join("f");
    const lock = staleLock(target);
    const a = new Stepper(acquireLock(target, options));
    const b = new Stepper(acquireLock(target, options));
    // Both find the lock and judge it stale...
    a.runUntil(judgedStale(lock));
    b.runUntil(judgedStale(lock));
    // ...A breaks it and takes a fresh one...
    a.runUntil(() => false);
    expect(a.done).toBe(true);
    const held: HeldLock = a.value;
    // ...and B, late, must not break A's fresh lock: it goes back to waiting.
    b.runUntil((op) => op.op === "sleep");
    expect(b.done).toBe(false);
    expect(fs.lstatSync(lock).ino).toBe(held.ino);
    expect(ours(tmp.path)).toEqual([path.basename(lock)]);
    runSync(releaseLock(held));
    expect(ours(tmp.path)).toEqual([]);
  });

  it("a waiter that finds another one breaking the stale lock waits (sleeps) instead of spinning", () => {
    const target = tmp.join("f");
    const lock = staleLock(target);
    const a = new Stepper(acquireLock(target, options));
    const b = new Stepper(acquireLock(target, options));
    // A is in the middle of breaking the lock (whatever that takes) when B looks.
    a.runUntil(judgedStale(lock));
    a.runUntil((op) => op.op === "unlink" || op.op === "rename");
    b.runUntil((op) => op.op === "sleep", 12);
    expect(b.done).toBe(false);
    a.runUntil(() => false);
    expect(a.done).toBe(true);
  });

  // The backoff doubles up to 50 ms: its last sleep must end at lockTimeoutMs, not up to 50 ms after it.
  it.each([5, 20, 70, 100])("waiting for a live lock with lockTimeoutMs %i: the sleeps end at the deadline", (timeoutMs) => {
    const target = tmp.join("f");
    fs.writeFileSync(lockPathFor(target), "1\n");
    const sleeps: number[] = [];
    const gen = acquireLock(target, { timeoutMs, staleMs: 60_000 });
    const started = Date.now();
    let error: unknown;
    try {
      for (let step = gen.next(); step.done !== true; ) {
        const op = step.value;
        if (op.op === "sleep") sleeps.push(op.ms);
        let result: unknown;
        try {
          result = execSync(op);
        } catch (err) {
          step = gen.throw(err);
          continue;
        }
        step = gen.next(result);
      }
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: "ERR_DEVINFO_CONFLICT" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(timeoutMs);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(timeoutMs);
  });

  it("release never removes a lock that is no longer ours", () => {
    const target = tmp.join("f");
    const held = runSync(acquireLock(target, options));
    // Our lock was broken as stale and another process took a new one.
    fs.unlinkSync(held.path);
    fs.writeFileSync(held.path, "other\n");
    runSync(releaseLock(held));
    expect(fs.readFileSync(held.path, "utf8")).toBe("other\n");
  });

  it("a lock whose pid cannot be written is removed, not left to block every update", () => {
    const target = tmp.join("f");
    const { error, calls } = runFailing(acquireLock(target, options), 1, "ENOSPC");
    expect(calls.slice(0, 2)).toEqual(["open", "write"]);
    expect(isDeviceInfoError(error) && error.code).toBe("ERR_DEVINFO_IO");
    expect(ours(tmp.path)).toEqual([]);
  });
});

describe("readFileBytes", () => {
  const tmp = useTempDir();

  it("reads a file that grows after fstat only up to its fstat size (our writers replace files, never append)", () => {
    const file = tmp.join("f");
    fs.writeFileSync(file, "12345");
    const s = new Stepper(readFileBytes(file, 100));
    s.runUntil((op) => op.op === "read");
    fs.appendFileSync(file, "678");
    s.runUntil(() => false);
    expect(s.value?.toString()).toBe("12345");
  });
});

describe("every protocol step reports a failed system call as a DeviceInfoError", () => {
  const tmp = useTempDir();

  const steps: [string, (dir: string) => Gen<unknown>][] = [
    ["readFileBytes", (dir) => readFileBytes(path.join(dir, "f"), 100)],
    ["readFileBytes of an empty (procfs-like) file", (dir) => readFileBytes(path.join(dir, "empty"), 100)],
    ["removeFile", (dir) => removeFile(path.join(dir, "f"))],
    ["removeFile of a directory", (dir) => removeFile(path.join(dir, "d"))],
    ["checkDirectory", (dir) => checkDirectory(path.join(dir, "d"))],
    ["makeDirectories", (dir) => makeDirectories(path.join(dir, "x", "y"))],
    ["acquireLock", (dir) => acquireLock(path.join(dir, "new", "f"), { timeoutMs: 1000, staleMs: 1000 })],
  ];

  it.each(steps)("%s", (_name, make) => {
    const setup = () => {
      fs.rmSync(tmp.path, { recursive: true, force: true });
      fs.mkdirSync(tmp.join("d"), { recursive: true });
      fs.writeFileSync(tmp.join("f"), "{}");
      fs.writeFileSync(tmp.join("empty"), "");
    };
    setup();
    const all = runFailing(make(tmp.path), -1, "");
    expect(all.calls.length).toBeGreaterThan(0);
    for (let n = 0; n < all.calls.length; n++) {
      setup();
      const { error, calls } = runFailing(make(tmp.path), n, "EIO");
      if (error !== undefined) expect(isDeviceInfoError(error), `EIO at call ${n} (${calls[n]}): ${String(error)}`).toBe(true);
    }
  });
});
