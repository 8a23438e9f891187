/**
 * Each file operation is written once, as a generator that yields the system
 * calls it needs; `runSync` performs them with `fs.*Sync`, `runAsync` with
 * the callback API (one thread-pool round trip per call, and none of the
 * promise layers of `fs/promises`). The sync and async twins of the public
 * API therefore cannot drift apart.
 */

import fs, { type Stats } from "node:fs";

export type Op =
  | { readonly op: "open"; readonly path: string; readonly flags: number; readonly mode: number }
  | { readonly op: "close"; readonly fd: number }
  | { readonly op: "write"; readonly fd: number; readonly data: Uint8Array }
  | { readonly op: "read"; readonly fd: number; readonly buffer: Uint8Array; readonly offset: number }
  | { readonly op: "fstat"; readonly fd: number }
  | { readonly op: "lstat"; readonly path: string }
  | { readonly op: "link"; readonly from: string; readonly to: string }
  | { readonly op: "rename"; readonly from: string; readonly to: string }
  | { readonly op: "unlink"; readonly path: string }
  | { readonly op: "mkdir"; readonly path: string; readonly mode: number }
  | { readonly op: "rmdir"; readonly path: string }
  | { readonly op: "chmod"; readonly path: string; readonly mode: number }
  | { readonly op: "fchmod"; readonly fd: number; readonly mode: number }
  | { readonly op: "fsync"; readonly fd: number }
  | { readonly op: "sleep"; readonly ms: number };

/** A file operation: yields system calls, receives their results. */
export type Gen<T> = Generator<Op, T, unknown>;

export function* open(path: string, flags: number, mode = 0o666): Gen<number> {
  return (yield { op: "open", path, flags, mode }) as number;
}
export function* close(fd: number): Gen<void> {
  yield { op: "close", fd };
}
/** Writes all of `data` (the runners loop on short writes). */
export function* write(fd: number, data: Uint8Array): Gen<void> {
  yield { op: "write", fd, data };
}
/** Reads into `buffer` from `offset` to its end; returns the byte count (0 at end of file). */
export function* read(fd: number, buffer: Uint8Array, offset: number): Gen<number> {
  return (yield { op: "read", fd, buffer, offset }) as number;
}
export function* fstat(fd: number): Gen<Stats> {
  return (yield { op: "fstat", fd }) as Stats;
}
export function* lstat(path: string): Gen<Stats> {
  return (yield { op: "lstat", path }) as Stats;
}
export function* link(from: string, to: string): Gen<void> {
  yield { op: "link", from, to };
}
export function* rename(from: string, to: string): Gen<void> {
  yield { op: "rename", from, to };
}
export function* unlink(path: string): Gen<void> {
  yield { op: "unlink", path };
}
export function* mkdir(path: string, mode: number): Gen<void> {
  yield { op: "mkdir", path, mode };
}
/** Removes an empty directory (fails with ENOTEMPTY otherwise: never removes anything in it). */
export function* rmdir(path: string): Gen<void> {
  yield { op: "rmdir", path };
}
export function* chmod(path: string, mode: number): Gen<void> {
  yield { op: "chmod", path, mode };
}
export function* fchmod(fd: number, mode: number): Gen<void> {
  yield { op: "fchmod", fd, mode };
}
export function* fsync(fd: number): Gen<void> {
  yield { op: "fsync", fd };
}
export function* sleep(ms: number): Gen<void> {
  yield { op: "sleep", ms };
}

let sleeper: Int32Array | undefined;

/** Performs one system call synchronously (exported for tests that drive a generator step by step). */
export function execSync(op: Op): unknown {
  switch (op.op) {
    case "open":
      return fs.openSync(op.path, op.flags, op.mode);
    case "close":
      return fs.closeSync(op.fd);
    case "write": {
      let done = 0;
      while (done < op.data.byteLength) done += fs.writeSync(op.fd, op.data, done, op.data.byteLength - done, null);
      return undefined;
    }
    case "read":
      return fs.readSync(op.fd, op.buffer, op.offset, op.buffer.byteLength - op.offset, null);
    case "fstat":
      return fs.fstatSync(op.fd);
    case "lstat":
      return fs.lstatSync(op.path);
    case "link":
      return fs.linkSync(op.from, op.to);
    case "rename":
      return fs.renameSync(op.from, op.to);
    case "unlink":
      return fs.unlinkSync(op.path);
    case "mkdir":
      return fs.mkdirSync(op.path, op.mode);
    case "rmdir":
      return fs.rmdirSync(op.path);
    case "chmod":
      return fs.chmodSync(op.path, op.mode);
    case "fchmod":
      return fs.fchmodSync(op.fd, op.mode);
    case "fsync":
      return fs.fsyncSync(op.fd);
    case "sleep":
      sleeper ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(sleeper, 0, 0, op.ms);
      return undefined;
  }
}

type Callback = (err: NodeJS.ErrnoException | null, result?: unknown) => void;

function execAsync(op: Op, cb: Callback): void {
  switch (op.op) {
    case "open":
      fs.open(op.path, op.flags, op.mode, cb);
      return;
    case "close":
      fs.close(op.fd, cb);
      return;
    case "write":
      writeAll(op.fd, op.data, 0, cb);
      return;
    case "read":
      fs.read(op.fd, op.buffer, op.offset, op.buffer.byteLength - op.offset, null, cb);
      return;
    case "fstat":
      fs.fstat(op.fd, cb);
      return;
    case "lstat":
      fs.lstat(op.path, cb);
      return;
    case "link":
      fs.link(op.from, op.to, cb);
      return;
    case "rename":
      fs.rename(op.from, op.to, cb);
      return;
    case "unlink":
      fs.unlink(op.path, cb);
      return;
    case "mkdir":
      fs.mkdir(op.path, op.mode, (err) => cb(err));
      return;
    case "rmdir":
      fs.rmdir(op.path, cb);
      return;
    case "chmod":
      fs.chmod(op.path, op.mode, cb);
      return;
    case "fchmod":
      fs.fchmod(op.fd, op.mode, cb);
      return;
    case "fsync":
      fs.fsync(op.fd, cb);
      return;
    case "sleep":
      setTimeout(cb, op.ms, null);
      return;
  }
}

function writeAll(fd: number, data: Uint8Array, done: number, cb: Callback): void {
  fs.write(fd, data, done, data.byteLength - done, null, (err, written) => {
    if (err !== null && err !== undefined) cb(err);
    else if (done + written < data.byteLength) writeAll(fd, data, done + written, cb);
    else cb(null);
  });
}

/** Performs an operation's system calls synchronously. */
export function runSync<T>(gen: Gen<T>): T {
  let step = gen.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = execSync(step.value);
    } catch (err) {
      step = gen.throw(err);
      continue;
    }
    step = gen.next(result);
  }
  return step.value;
}

/** Performs an operation's system calls on the thread pool, one at a time. */
export function runAsync<T>(gen: Gen<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const advance: Callback = (err, result) => {
      let step: IteratorResult<Op, T>;
      try {
        step = err === null || err === undefined ? gen.next(result) : gen.throw(err);
      } catch (thrown) {
        reject(thrown);
        return;
      }
      if (step.done) {
        resolve(step.value);
        return;
      }
      try {
        execAsync(step.value, advance);
      } catch (thrown) {
        // fs.* validates its arguments synchronously (e.g. a path with a NUL
        // byte): inside an fs callback that throw would be an uncaught
        // exception and the promise would never settle. Hand it to the
        // generator as the system call's error instead, as runSync does.
        advance(thrown as NodeJS.ErrnoException);
      }
    };
    advance(null);
  });
}
