/**
 * The async API's worker thread: once a process has made many async file
 * operations, each one becomes one message round trip to a worker thread
 * that makes its system calls with the synchronous twins (`_sync.ts`),
 * instead of one thread-pool round trip per system call (five to seven per
 * operation on the critical path). A round trip costs about the same either
 * way (17-40 µs on this kind of machine against 1-4 µs for the system call
 * itself), so a full cycle takes 5-6 round trips instead of 22.
 *
 * Starting a worker costs about 60-90 ms of CPU time and 10 MB, and blocks
 * the event loop for a few milliseconds (loading Node's worker modules): a
 * process pays it only after {@link DEFAULT_THRESHOLD} async file operations,
 * about where the round trips it saves have paid for it (bench/README.md), so
 * a CNI plugin, which makes one to three calls, never does. Until the worker
 * is ready, and for ever if it cannot start or stops, operations run on the
 * thread pool as before (`_async.ts`). `DEVINFO_ASYNC_WORKER=off` (or
 * `false`, `no`, `0`, any case; and any value not understood) turns it off;
 * `DEVINFO_ASYNC_WORKER=<n>` starts it at the n-th operation (tests and
 * benchmarks); see {@link workerThreshold}.
 *
 * Only file-system work crosses threads: arguments are checked, paths built
 * (always absolute, see `baseDirsOf`), documents validated and encoded, read
 * bytes decoded, and warnings reported on the calling thread, exactly as the
 * thread-pool path does; the worker gets paths and bytes and makes the same
 * system calls as the sync twins, in the same order. Its errors are
 * re-created here as the same `DeviceInfoError` (code, message, path,
 * issues, errno, syscall, and a cause with the system error's own fields).
 * A copy is one round trip when the source is a conforming document (no
 * warning can arise from it), two otherwise (the bytes are decoded here,
 * with their warnings, before the write is sent).
 *
 * The worker is unreferenced while idle (it never keeps a process alive)
 * and referenced while a request is in flight. It waits for requests in
 * `Atomics.wait` and reads them with `receiveMessageOnPort` (no event-loop
 * turn on its side); replies arrive here as messages. If it stops with
 * requests in flight, those it had not started, and every load, run again
 * on the thread pool; a write or removal it had started rejects with
 * `ERR_DEVINFO_IO` (its outcome is unknown).
 *
 * The worker runs the bundle this code is in (`import.meta.url`, e.g.
 * `dist/index.js`): a small script checks that it is one of this package's
 * bundles, sets a registered global and imports it, and the check at the end
 * of this file starts serving. Where there is no module URL (a CommonJS or
 * IIFE bundle, such as `devinfo-bundle-plugin`'s) or it is not the package's
 * (an application bundle devinfo was bundled into), there is no worker.
 *
 * @internal
 */

import { Buffer } from "node:buffer";
import type { MessagePort, Worker } from "node:worker_threads";
import { DeviceInfoError, type DeviceInfoErrorCode } from "../base/errors.js";
import type { DeviceInfoIssue } from "../base/issues.js";
import { encodeConforming, parseConforming } from "../format/_fast.js";
import type { DeviceInfo } from "../format/schema.js";
import type { WriteOptions } from "./_atomic.js";
import { fileBytes } from "./_protocol.js";
import { checkDirectorySync, readRegularSync, removeFileSync, writeFileAtomicSync } from "./_sync.js";

/**
 * Async file operations made on the thread pool before the worker starts.
 * Measured break-even (bench/README.md, "The async API's worker thread"):
 * the worker's start-up CPU time over the CPU time it saves per operation.
 */
export const DEFAULT_THRESHOLD = 500;

// Requests: [id, op, ...arguments]; replies: [id, ok, value or error data]; [READY] once.
const SAVE = 0;
const LOAD = 1;
const CLEAN = 2;
const COPY = 3;
const READY = -1;

type Request =
  | [
      id: number,
      op: typeof SAVE,
      dir: string,
      guard: string | undefined,
      path: string,
      bytes: Uint8Array,
      overwrite: boolean,
      durable: boolean,
    ]
  | [id: number, op: typeof LOAD, path: string, guard: string | undefined, maxBytes: number]
  | [id: number, op: typeof CLEAN, path: string, guard: string | undefined]
  | [
      id: number,
      op: typeof COPY,
      dpPath: string,
      dpGuard: string | undefined,
      cniDir: string,
      cniGuard: string | undefined,
      cniPath: string,
      maxBytes: number,
      overwrite: boolean,
      durable: boolean,
    ];
type Reply = [id: number, ok: true, value: unknown] | [id: number, ok: false, error: ErrorData] | [typeof READY];

/** An error as plain data (structured clone keeps neither the class nor a system error's fields). */
interface ErrorData {
  devinfo: boolean;
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable primitive fields (a system error's errno, code, syscall, path, dest). */
  fields: Record<string, unknown>;
  code?: DeviceInfoErrorCode;
  path?: string | undefined;
  issues?: readonly DeviceInfoIssue[];
  errno?: string | undefined;
  syscall?: string | undefined;
  line?: number | undefined;
  cause?: ErrorData | { value: unknown } | undefined;
}

// Int32 slots of the shared state.
const WAKE = 0; // 1 when requests are waiting
const STARTED = 1; // id of the request the worker started last

/** What the worker is given (workerData), and what the trampoline hands to the module it imports. */
interface WorkerData {
  url: string;
  requests: MessagePort;
  replies: MessagePort;
  state: SharedArrayBuffer;
}

const HOSTED = Symbol.for("devinfo.fileWorker");

// Runs as CommonJS in the new thread: hand the ports to the module, import it.
// Only one of this package's own bundles, never a user's application bundle
// that devinfo was bundled into (its top level would run again in here): the
// package.json next to dist/ must be devinfo's.
const TRAMPOLINE = `"use strict";
const { workerData } = require("node:worker_threads");
const owner = JSON.parse(require("node:fs").readFileSync(new URL("../package.json", workerData.url), "utf8")).name;
if (owner !== "devinfo") throw new Error(workerData.url + " is not one of devinfo's bundles");
const key = Symbol.for("devinfo.fileWorker");
globalThis[key] = workerData;
import(workerData.url).then(() => {
  if (globalThis[key] !== undefined) throw new Error(workerData.url + " does not serve devinfo's file operations");
});`;

// ---------------------------------------------------------------------------
// The calling thread's side.

const IDLE = 0;
const STARTING = 1;
const READY_STATE = 2;
const OFF = 3;

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** The same operation on the thread pool. */
  fallback(): Promise<unknown>;
  /** Whether it may run again after the worker started it (reads). */
  repeatable: boolean;
  /** For the error when its outcome is unknown. */
  path: string;
  action: string;
}

let state = IDLE;
let operations = 0;
let threshold: number | undefined;
let moduleURL: string | undefined;
let worker: Worker | undefined;
let requests: MessagePort | undefined;
let replies: MessagePort | undefined;
let shared: Int32Array | undefined;
let seq = 0;
let answered = 0;
let paused = false;
const pending = new Map<number, Pending>();

/**
 * The operation count at which the worker starts, from `DEVINFO_ASYNC_WORKER`
 * (`Infinity`: never): unset or empty, the default ({@link DEFAULT_THRESHOLD});
 * `on`, `true` or `yes`, the default too; `off`, `false`, `no` or `0`, never;
 * a positive integer n, at the n-th operation. Words are read
 * case-insensitively and trimmed. Any other value also means never: the
 * worker only saves time, and the thread pool is always correct, so a value
 * that was misspelt (perhaps to turn it off) never turns it on.
 */
export function workerThreshold(value: string | undefined): number {
  const word = (value ?? "").trim().toLowerCase();
  if (word === "" || word === "on" || word === "true" || word === "yes") return DEFAULT_THRESHOLD;
  if (/^[1-9][0-9]*$/.test(word)) {
    const n = Number(word);
    if (Number.isSafeInteger(n)) return n;
  }
  return Number.POSITIVE_INFINITY; // off, false, no, 0, and anything unrecognised
}

/**
 * Counts an async file operation; returns the worker when it is ready to run
 * it, `undefined` when the thread pool must (and starts the worker once the
 * threshold is reached).
 */
export function fileWorker(): FileWorker | undefined {
  if (state === READY_STATE) return paused ? undefined : FILE_WORKER;
  if (state === IDLE) {
    threshold ??= workerThreshold(process.env.DEVINFO_ASYNC_WORKER);
    if (++operations >= threshold) start();
  }
  return undefined;
}

/**
 * Starts the worker in two later turns of the event loop, never inside the
 * caller's: loading Node's worker modules (compiled on first use) and
 * creating the thread each block the event loop for a few milliseconds.
 */
function start(): void {
  state = STARTING;
  const url = moduleURL ?? ownURL();
  if (url === undefined) {
    state = OFF;
    return;
  }
  setImmediate(() => {
    try {
      setImmediate(create, url, process.getBuiltinModule("node:worker_threads"));
    } catch {
      state = OFF;
    }
  });
}

function create(url: string, threads: typeof import("node:worker_threads")): void {
  try {
    const requestChannel = new threads.MessageChannel();
    const replyChannel = new threads.MessageChannel();
    const buffer = new SharedArrayBuffer(8);
    const data: WorkerData = { url, requests: requestChannel.port2, replies: replyChannel.port2, state: buffer };
    const started = new threads.Worker(TRAMPOLINE, {
      eval: true,
      // Not the process's --import/--require hooks: the worker only runs this module.
      execArgv: [],
      // Its output is not piped to ours (it writes none): piping would set up process.stdout and stderr here.
      stdout: true,
      stderr: true,
      workerData: data,
      transferList: [requestChannel.port2, replyChannel.port2],
    });
    started.unref();
    started.on("error", () => {}); // followed by "exit"
    started.on("exit", (code) => stopped(started, code));
    replyChannel.port1.on("message", onReply);
    replyChannel.port1.unref();
    worker = started;
    requests = requestChannel.port1;
    replies = replyChannel.port1;
    shared = new Int32Array(buffer);
  } catch {
    state = OFF;
  }
}

/**
 * This module's URL when it is one of the package's library bundles
 * (`<package>/dist/<entry>.js`, checked again in the worker); `undefined`
 * in a CommonJS or IIFE bundle (no module URL), in the CLI's bundle (which
 * runs a command when imported) and in tsc's per-module output.
 */
function ownURL(): string | undefined {
  let url: unknown;
  try {
    url = import.meta.url;
  } catch {
    return undefined;
  }
  return typeof url === "string" && /^file:\/\/.*\/dist\/[a-z-]+\.js$/.test(url) ? url : undefined;
}

function onReply(reply: Reply): void {
  if (reply[0] === READY) {
    if (state === STARTING) state = READY_STATE;
    return;
  }
  const [id, ok, value] = reply;
  const request = pending.get(id);
  if (request === undefined) return;
  pending.delete(id);
  answered++;
  if (pending.size === 0) replies?.unref();
  if (ok) request.resolve(value);
  else request.reject(revive(value as ErrorData));
}

function stopped(which: Worker, code: number): void {
  if (which !== worker) return;
  state = OFF;
  worker = undefined;
  const port = replies as MessagePort;
  // Replies already sent count: take them before deciding about the rest.
  const { receiveMessageOnPort } = process.getBuiltinModule("node:worker_threads");
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) onReply(m.message as Reply);
  port.close();
  requests?.close();
  const last = Atomics.load(shared as Int32Array, STARTED);
  const left = [...pending];
  pending.clear();
  for (const [id, request] of left) {
    // Ids wrap around at 2^31, as the shared slot does.
    const begun = ((last - id) | 0) >= 0;
    if (!begun || request.repeatable) request.fallback().then(request.resolve, request.reject);
    else {
      request.reject(
        new DeviceInfoError(
          "ERR_DEVINFO_IO",
          `cannot ${request.action} ${request.path}: the worker thread of the async API stopped (exit code ${code}) before it reported the outcome, so the file may or may not have been changed; check it and retry`,
          { path: request.path },
        ),
      );
    }
  }
}

function post<T>(request: Request, fallback: () => Promise<T>, repeatable: boolean, path: string, action: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    seq = (seq + 1) | 0;
    const id = seq;
    request[0] = id;
    pending.set(id, { resolve: resolve as (value: unknown) => void, reject, fallback, repeatable, path, action });
    if (pending.size === 1) replies?.ref();
    (requests as MessagePort).postMessage(request);
    const wake = shared as Int32Array;
    Atomics.store(wake, WAKE, 1);
    Atomics.notify(wake, WAKE);
  });
}

/** Structured clone copies a view's whole buffer (Buffer.from's 8 KiB pool slab): send exactly the bytes. */
function exact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The operations the worker runs, each with its thread-pool twin as the
 * fallback (used when the worker stops before it could answer).
 */
export interface FileWorker {
  /** `checkDirectory(guard)` then the atomic write of `bytes` to `path` (in `dir`). */
  save(
    dir: string,
    guard: string | undefined,
    path: string,
    bytes: Uint8Array,
    write: WriteOptions,
    fallback: () => Promise<void>,
  ): Promise<void>;
  /** `checkDirectory(guard)` then `fileBytes(readRegular(path))`: the bytes, or `undefined` when there is no file. */
  load(path: string, guard: string | undefined, maxBytes: number, fallback: () => Promise<Buffer | undefined>): Promise<Buffer | undefined>;
  /** `checkDirectory(guard)` then `removeFile(path)`. */
  clean(path: string, guard: string | undefined, fallback: () => Promise<boolean>): Promise<boolean>;
  /**
   * The copy of the device plugin's file at `dpPath` to `cniPath`: the
   * document copied; or `undefined` when there is no source; or the source's
   * bytes when they are not a conforming document (nothing written: the
   * caller decodes them, with their warnings, and saves). `fallback` reads
   * the source on the thread pool.
   */
  copy(
    dpPath: string,
    dpGuard: string | undefined,
    cniDir: string,
    cniGuard: string | undefined,
    cniPath: string,
    maxBytes: number,
    write: WriteOptions,
    fallback: () => Promise<Buffer | undefined>,
  ): Promise<DeviceInfo | Buffer | undefined>;
}

const FILE_WORKER: FileWorker = {
  save(dir, guard, path, bytes, write, fallback) {
    return post([0, SAVE, dir, guard, path, exact(bytes), write.overwrite, write.durable], fallback, false, path, "write");
  },
  async load(path, guard, maxBytes, fallback) {
    const bytes = await post<Uint8Array | Buffer | undefined>([0, LOAD, path, guard, maxBytes], fallback, true, path, "read");
    return bytes === undefined || Buffer.isBuffer(bytes) ? bytes : toBuffer(bytes);
  },
  clean(path, guard, fallback) {
    return post([0, CLEAN, path, guard], fallback, false, path, "remove");
  },
  async copy(dpPath, dpGuard, cniDir, cniGuard, cniPath, maxBytes, write, fallback) {
    const request: Request = [0, COPY, dpPath, dpGuard, cniDir, cniGuard, cniPath, maxBytes, write.overwrite, write.durable];
    const done = await post<{ info: DeviceInfo } | Uint8Array | undefined>(request, fallback, false, cniPath, "write");
    if (done === undefined) return undefined;
    if (done instanceof Uint8Array) return Buffer.isBuffer(done) ? done : toBuffer(done);
    return done.info;
  },
};

function revive(data: ErrorData): Error {
  if (data.devinfo) {
    const cause = data.cause === undefined ? undefined : "value" in data.cause ? data.cause.value : revive(data.cause);
    const error = new DeviceInfoError(data.code as DeviceInfoErrorCode, data.message, {
      path: data.path,
      issues: data.issues,
      errno: data.errno,
      syscall: data.syscall,
      line: data.line,
      cause,
    });
    if (data.stack !== undefined) error.stack = data.stack;
    return error;
  }
  const Class = ERROR_CLASSES[data.name] ?? Error;
  const error = new Class(data.message);
  Object.assign(error, data.fields);
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

const ERROR_CLASSES: Record<string, ErrorConstructor | undefined> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
};

// ---------------------------------------------------------------------------
// For tests and benchmarks (not exported by any entry point).

/**
 * Changes the policy: `threshold` (operations before the worker starts;
 * `Infinity` never), `url` (the module the worker imports: tests run the
 * sources, which a worker cannot import, against the built bundle), `paused`
 * (send nothing to a ready worker: the thread-pool path runs), `reset` (after
 * the worker stopped: count operations from 0 again, and start a new one).
 */
export function configureFileWorker(options: { threshold?: number; url?: string; paused?: boolean; reset?: boolean }): void {
  if (options.threshold !== undefined) threshold = options.threshold;
  if (options.url !== undefined) moduleURL = options.url;
  if (options.paused !== undefined) paused = options.paused;
  if (options.reset === true && state === OFF) {
    state = IDLE;
    operations = 0;
  }
}

/** The worker's state and the number of requests it has answered. */
export function fileWorkerState(): { state: "idle" | "starting" | "ready" | "off"; answered: number; worker: Worker | undefined } {
  return { state: (["idle", "starting", "ready", "off"] as const)[state] ?? "off", answered, worker };
}

// ---------------------------------------------------------------------------
// The worker's side.

function serve(data: WorkerData): void {
  const { receiveMessageOnPort } = process.getBuiltinModule("node:worker_threads");
  const flags = new Int32Array(data.state);
  data.replies.postMessage([READY] satisfies Reply);
  for (;;) {
    Atomics.wait(flags, WAKE, 0);
    Atomics.store(flags, WAKE, 0);
    for (let m = receiveMessageOnPort(data.requests); m !== undefined; m = receiveMessageOnPort(data.requests)) {
      const request = m.message as Request;
      Atomics.store(flags, STARTED, request[0]);
      data.replies.postMessage(handle(request));
    }
  }
}

function handle(request: Request): Reply {
  const id = request[0];
  try {
    return [id, true, run(request)];
  } catch (err) {
    return [id, false, errorData(err)];
  }
}

function run(request: Request): unknown {
  switch (request[1]) {
    case SAVE: {
      const [, , dir, guard, path, bytes, overwrite, durable] = request;
      if (guard !== undefined) checkDirectorySync(guard);
      writeFileAtomicSync(dir, path, bytes, { overwrite, durable });
      return undefined;
    }
    case LOAD: {
      const [, , path, guard, maxBytes] = request;
      if (guard !== undefined) checkDirectorySync(guard);
      const bytes = fileBytes(readRegularSync(path, maxBytes, false, true), path, maxBytes);
      return bytes === undefined ? undefined : new Uint8Array(bytes);
    }
    case CLEAN: {
      const [, , path, guard] = request;
      if (guard !== undefined) checkDirectorySync(guard);
      return removeFileSync(path);
    }
    case COPY: {
      const [, , dpPath, dpGuard, cniDir, cniGuard, cniPath, maxBytes, overwrite, durable] = request;
      if (dpGuard !== undefined) checkDirectorySync(dpGuard);
      const bytes = fileBytes(readRegularSync(dpPath, maxBytes, false, true), dpPath, maxBytes);
      if (bytes === undefined) return undefined;
      // What decode and encode do for a conforming document, which has nothing to report.
      const info = parseConforming(bytes);
      const text = info === undefined ? undefined : encodeConforming(info);
      const out = text === undefined ? undefined : Buffer.from(text, "utf8");
      if (out === undefined || out.byteLength > maxBytes) return new Uint8Array(bytes);
      if (cniGuard !== undefined) checkDirectorySync(cniGuard);
      writeFileAtomicSync(cniDir, cniPath, out, { overwrite, durable });
      return { info };
    }
  }
}

function errorData(err: unknown): ErrorData {
  const e = (typeof err === "object" && err !== null ? err : new Error(String(err))) as Error & Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    const value = e[key];
    if (value === null || (typeof value !== "object" && typeof value !== "function" && typeof value !== "symbol")) fields[key] = value;
  }
  const data: ErrorData = { devinfo: false, name: String(e.name), message: String(e.message), stack: e.stack, fields };
  if (err instanceof DeviceInfoError) {
    data.devinfo = true;
    data.code = err.code;
    data.path = err.path;
    data.issues = err.issues;
    data.errno = err.errno;
    data.syscall = err.syscall;
    data.line = err.line;
    const cause = err.cause;
    if (cause !== undefined) data.cause = typeof cause === "object" && cause !== null ? errorData(cause) : { value: cause };
  }
  return data;
}

// In the worker thread, the trampoline has set the registered global before
// importing this module: serve once the module has finished loading.
{
  const global = globalThis as { [HOSTED]?: WorkerData };
  const hosted = global[HOSTED];
  if (hosted !== undefined) {
    delete global[HOSTED];
    setImmediate(serve, hosted);
  }
}
