// The child process of test/files/engines.test.ts: runs a list of file
// operations through one engine, each between two marker calls
// (`access("/devinfo-engine-marker/<i>/begin")`, ENOENT by design) that cut
// the strace output into one window per operation, and writes the outcomes
// as JSON. Bundled from the sources by the test into `<dir>/dist/`, next to a
// package.json named devinfo, so that the worker thread can import it too
// (`_worker.ts` checks both).

import fs from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";
import { DeviceInfoError } from "../../src/base/errors.js";
import { readGuardedAsync, removeGuardedAsync, startGuard, writeGuardedAsync } from "../../src/files/_async.js";
import {
  acquireLock,
  checkDirectory,
  DEFAULT_MAX_BYTES,
  fileBytes,
  readFileBytes,
  readRegular,
  releaseLock,
  removeFile,
  writeFileAtomic,
  writeWhileLocked,
} from "../../src/files/_atomic.js";
import { checkDirectorySync, readRegularSync, removeFileSync, writeFileAtomicSync } from "../../src/files/_sync.js";
import { type Gen, runAsync, runSync } from "../../src/files/_syscalls.js";
import { configureFileWorker, type FileWorker, fileWorker, fileWorkerState } from "../../src/files/_worker.js";
import { copyDeviceInfoForCNIFromDP, copyDeviceInfoForCNIFromDPSync } from "../../src/files/operations.js";
import { MARKER } from "./_strace.js";

/**
 * The engines: the generators under either executor, and the three
 * hand-written ones; the thread-pool engine twice, with one pool thread (its
 * calls complete in the order it issues them) and with four (they overlap).
 */
export type Engine = "generator-sync" | "generator-async" | "sync" | "pool" | "pool-threads" | "worker";

/** One operation, as plain data (paths absolute). */
export type Step =
  | { op: "read"; path: string; guard?: string | undefined; maxBytes: number }
  | { op: "write"; dir: string; target: string; guard?: string | undefined; data: string; overwrite: boolean; durable: boolean }
  | { op: "remove"; path: string; guard?: string | undefined }
  | { op: "update"; target: string; data: string; timeoutMs: number; staleMs: number }
  | { op: "copy"; cniPath: string; resourceName: string; deviceID: string; baseDir: string };

export interface DriverCase {
  step: Step;
  /** Temporary names `<counter><"0">` (Math.random is 0 in the driver) to create in `dir` first, counters `from` to `to`. */
  clash?: { dir: string; from: number; to: number } | undefined;
}

export interface Plan {
  engine: Engine;
  cases: DriverCase[];
  out: string;
}

/** An operation's outcome, as JSON. */
export type Outcome =
  | { value: unknown }
  | {
      error: {
        name: string;
        code?: string | undefined;
        message: string;
        path?: string | undefined;
        errno?: string | undefined;
        syscall?: string | undefined;
      };
    };

// Temporary names without their random part, in every thread: a clash can be staged.
Math.random = () => 0;

function marker(label: string): void {
  try {
    fs.accessSync(MARKER + label);
  } catch {
    // ENOENT: the call is the marker.
  }
}

const bytes = (text: string) => Buffer.from(text, "latin1");

function* guarded<T>(guard: string | undefined, then: Gen<T>): Gen<T> {
  if (guard !== undefined) yield* checkDirectory(guard);
  return yield* then;
}

function* update(step: Extract<Step, { op: "update" }>): Gen<string | null> {
  const lock = yield* acquireLock(step.target, { timeoutMs: step.timeoutMs, staleMs: step.staleMs });
  try {
    const before = yield* readFileBytes(step.target, DEFAULT_MAX_BYTES);
    yield* writeWhileLocked(lock, step.target, bytes(step.data), { overwrite: true, durable: false }, step.staleMs);
    return before === undefined ? null : before.toString("latin1");
  } finally {
    yield* releaseLock(lock);
  }
}

function generator(step: Step): Gen<unknown> {
  switch (step.op) {
    case "read":
      return (function* () {
        const read = yield* guarded(step.guard, readRegular(step.path, step.maxBytes, false));
        return fileBytes(read, step.path, step.maxBytes);
      })();
    case "write":
      return guarded(step.guard, writeFileAtomic(step.target, bytes(step.data), { overwrite: step.overwrite, durable: step.durable }));
    case "remove":
      return guarded(step.guard, removeFile(step.path));
    case "update":
      return update(step);
    case "copy":
      throw new Error("a copy has no generator: its engines are the public sync and async operations");
  }
}

const never = () => Promise.reject(new Error("the worker fell back to the thread pool"));

async function run(engine: Engine, step: Step, worker: FileWorker | undefined): Promise<unknown> {
  if (engine === "generator-sync") return runSync(generator(step));
  if (engine === "generator-async") return runAsync(generator(step));
  if (step.op === "update") throw new Error(`${engine}: updates run on the generators`);
  if (step.op === "copy") {
    // The public copy: the sync twin, or the async one (on the worker once it runs, else the thread pool).
    const options = { baseDir: step.baseDir, onWarning: () => {} };
    return engine === "sync"
      ? copyDeviceInfoForCNIFromDPSync(step.cniPath, step.resourceName, step.deviceID, options)
      : copyDeviceInfoForCNIFromDP(step.cniPath, step.resourceName, step.deviceID, options);
  }
  const write = step.op === "write" ? { overwrite: step.overwrite, durable: step.durable } : undefined;
  switch (engine) {
    case "sync":
      if (step.guard !== undefined) checkDirectorySync(step.guard);
      if (step.op === "read") return fileBytes(readRegularSync(step.path, step.maxBytes, false, true), step.path, step.maxBytes);
      if (step.op === "write") return writeFileAtomicSync(step.dir, step.target, bytes(step.data), write as typeof write & object);
      return removeFileSync(step.path);
    case "pool":
    case "pool-threads":
      if (step.op === "read") return fileBytes(await readGuardedAsync(step.path, step.guard, step.maxBytes), step.path, step.maxBytes);
      if (step.op === "write")
        return writeGuardedAsync(step.dir, startGuard(step.guard), step.target, bytes(step.data), write as typeof write & object);
      return removeGuardedAsync(step.path, step.guard);
    case "worker": {
      const w = worker as FileWorker;
      if (step.op === "read") return w.load(step.path, step.guard, step.maxBytes, never);
      if (step.op === "write") return w.save(step.dir, step.guard, step.target, bytes(step.data), write as typeof write & object, never);
      return w.clean(step.path, step.guard, never);
    }
  }
}

function outcomeOf(value: unknown): Outcome {
  if (Buffer.isBuffer(value)) return { value: { bytes: value.toString("latin1") } };
  return { value: value === undefined ? "(undefined)" : value };
}

function errorOf(err: unknown): Outcome {
  const e = err as DeviceInfoError;
  return {
    error: {
      name: e instanceof DeviceInfoError ? "DeviceInfoError" : String((e as Error | undefined)?.name),
      code: e?.code,
      message: String(e?.message),
      path: e?.path,
      errno: e?.errno,
      syscall: e?.syscall,
    },
  };
}

/** Starts the worker thread on this bundle and waits until it serves. */
async function startWorker(): Promise<FileWorker> {
  configureFileWorker({ threshold: 1, url: import.meta.url });
  for (;;) {
    const w = fileWorker();
    if (w !== undefined) return w;
    if (fileWorkerState().state === "off") throw new Error("the worker thread did not start");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Waits until the thread pool has run everything queued before (one pool thread in these runs: FIFO). */
function drainPool(): Promise<void> {
  return new Promise((resolve) => fs.access(`${MARKER}drain`, () => resolve()));
}

async function main(): Promise<void> {
  const plan = JSON.parse(fs.readFileSync(process.argv[2] as string, "utf8")) as Plan;
  const worker = plan.engine === "worker" ? await startWorker() : undefined;
  const outcomes: Outcome[] = [];
  for (const [i, c] of plan.cases.entries()) {
    if (c.clash !== undefined) {
      for (let n = c.clash.from; n <= c.clash.to; n++)
        fs.writeFileSync(join(c.clash.dir, `.devinfo-tmp-${process.pid}-${n.toString(36)}0`), "");
    }
    marker(`${i}/begin`);
    try {
      outcomes.push(outcomeOf(await run(plan.engine, c.step, worker)));
    } catch (err) {
      outcomes.push(errorOf(err));
    }
    // A read's close runs after its result (the pool engine): let it land in this operation's window.
    if (plan.engine === "pool-threads") await new Promise((resolve) => setTimeout(resolve, 5));
    await drainPool();
    marker(`${i}/end`);
  }
  fs.writeFileSync(plan.out, JSON.stringify(outcomes));
}

// Run as the child's main module only: the worker thread imports this bundle
// too, and only serves there (see _worker.ts); the test imports its types.
if (isMainThread && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
