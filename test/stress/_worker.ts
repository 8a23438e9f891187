/**
 * A stress worker process: forked by the coordinator (bundled with esbuild
 * from the sources, so it always runs the code under test), it performs file
 * operations on command and reports what it saw. It never decides whether a
 * scenario passed; the coordinator does.
 */

import fs from "node:fs";
import { setImmediate as yieldToEvents } from "node:timers/promises";
import {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  type DeviceInfo,
  getCNIDeviceInfoPath,
  getDPDeviceInfoPath,
  isDeviceInfoError,
  loadDeviceInfoFromCNI,
  loadDeviceInfoFromCNISync,
  loadDeviceInfoFromDP,
  loadDeviceInfoFromDPSync,
  type SaveOptions,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
  serializeDeviceInfo,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/index.js";
import { between, COUNTER_KEY, checkDoc, makeDoc, prng } from "./_docs.js";
import type { Api, Command, Reply, Target } from "./_protocol.js";

function send(reply: Reply): void {
  process.send?.(reply);
}

let stopRequested = false;

process.on("message", (message: Command) => {
  if (message.cmd === "stop") {
    stopRequested = true;
    return;
  }
  stopRequested = false;
  handle(message).catch((err: unknown) => send({ kind: "error", message: describe(err) }));
});
process.on("disconnect", () => process.exit(0));
send({ kind: "ready" });

function describe(err: unknown): string {
  if (isDeviceInfoError(err)) return `${err.code}: ${err.message}`;
  return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ""}` : String(err);
}

function codeOf(err: unknown): string {
  return isDeviceInfoError(err) ? err.code : `crash ${err instanceof Error ? err.name : typeof err}`;
}

async function handle(message: Exclude<Command, { cmd: "stop" }>): Promise<void> {
  switch (message.cmd) {
    case "race":
      return race(message);
    case "write-loop":
      return writeLoop(message);
    case "read-loop":
      return readLoop(message);
    case "crash-loop":
      return crashLoop(message);
    case "update-loop":
      return updateLoop(message);
    case "hold-lock":
      return holdLock(message.path);
  }
}

// ---------------------------------------------------------------------------

function save(target: Target, info: DeviceInfo, options: SaveOptions, api: Api): unknown {
  const opts = { ...options, baseDir: target.baseDir };
  if (target.kind === "dp") {
    return api === "sync"
      ? saveDeviceInfoForDPSync(target.resource, target.device, info, opts)
      : saveDeviceInfoForDP(target.resource, target.device, info, opts);
  }
  return api === "sync" ? saveDeviceInfoForCNISync(target.path, info, opts) : saveDeviceInfoForCNI(target.path, info, opts);
}

function load(target: Target, api: Api): DeviceInfo | undefined | Promise<DeviceInfo | undefined> {
  const opts = { baseDir: target.baseDir, strict: true };
  if (target.kind === "dp") {
    return api === "sync"
      ? loadDeviceInfoFromDPSync(target.resource, target.device, opts)
      : loadDeviceInfoFromDP(target.resource, target.device, opts);
  }
  return api === "sync" ? loadDeviceInfoFromCNISync(target.path, opts) : loadDeviceInfoFromCNI(target.path, opts);
}

function clean(target: Target, api: Api): unknown {
  const opts = { baseDir: target.baseDir };
  if (target.kind === "dp") {
    return api === "sync"
      ? cleanDeviceInfoForDPSync(target.resource, target.device, opts)
      : cleanDeviceInfoForDP(target.resource, target.device, opts);
  }
  return api === "sync" ? cleanDeviceInfoForCNISync(target.path, opts) : cleanDeviceInfoForCNI(target.path, opts);
}

function update(path: string, fn: (current: DeviceInfo | undefined) => DeviceInfo, api: Api, durable: boolean): unknown {
  return api === "sync" ? updateDeviceInfoForCNISync(path, fn, { durable }) : updateDeviceInfoForCNI(path, fn, { durable });
}

function spinUntil(at: bigint): void {
  while (process.hrtime.bigint() < at) {
    // Busy-wait: a timer is far too coarse to line the racers up.
  }
}

async function race(message: Extract<Command, { cmd: "race" }>): Promise<void> {
  const at = BigInt(message.at);
  const early = Number(at - process.hrtime.bigint()) / 1e6 - 2;
  if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
  spinUntil(at);
  const start = process.hrtime.bigint();
  let ok = false;
  let code: string | undefined;
  let text: string | undefined;
  try {
    await save(message.target, message.info, {}, message.api);
    ok = true;
  } catch (err) {
    code = codeOf(err);
    text = describe(err);
  }
  const end = process.hrtime.bigint();
  send({ kind: "race", trial: message.trial, ok, code, message: text, start: String(start), end: String(end) });
}

class Tally {
  readonly counts: Record<string, number> = {};
  readonly samples: string[] = [];
  ops = 0;
  add(key: string, sample?: string): void {
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    if (sample !== undefined && this.samples.length < 5) this.samples.push(sample);
  }
  async tick(): Promise<void> {
    this.ops++;
    if (this.ops % 16 === 0) await yieldToEvents();
    if (this.ops % 64 === 0) send({ kind: "progress", ops: this.ops });
  }
  done(): void {
    send({ kind: "loop-done", ops: this.ops, counts: this.counts, samples: this.samples });
  }
}

async function writeLoop(message: Extract<Command, { cmd: "write-loop" }>): Promise<void> {
  const random = prng(message.seed);
  const tally = new Tally();
  let seq = 0;
  while (!stopRequested) {
    const target = message.targets[between(random, 0, message.targets.length - 1)] as Target;
    const api: Api = random() < 0.5 ? "sync" : "async";
    const doc = makeDoc(message.writer, seq++, between(random, 0, message.maxFiller));
    try {
      if (message.mode === "naive") {
        fs.writeFileSync(pathOf(target), serializeDeviceInfo(doc));
        tally.add("naive");
      } else if (message.mode === "replace") {
        if (target.kind === "cni" && random() < 0.3) {
          await update(target.path, () => doc, api, false);
          tally.add("update");
        } else {
          await save(target, doc, { overwrite: true }, api);
          tally.add("replace");
        }
      } else {
        await save(target, doc, {}, api);
        tally.add("save");
        await clean(target, api);
        tally.add("clean");
      }
    } catch (err) {
      // Two writers of one file in save-clean mode: the loser's exclusive save fails, as it should.
      const code = codeOf(err);
      tally.add(message.mode === "save-clean" && code === "ERR_DEVINFO_EXISTS" ? "exists" : `error ${code}`, describe(err));
    }
    await tally.tick();
  }
  tally.done();
}

/**
 * Reads with the library's loaders (sync and async) and, one read in three,
 * the way the Go reference and most hand-written readers do: open, read it
 * all, parse. Atomic replacement must protect those readers too.
 */
async function readLoop(message: Extract<Command, { cmd: "read-loop" }>): Promise<void> {
  const tally = new Tally();
  let i = 0;
  while (!stopRequested) {
    const target = message.targets[i % message.targets.length] as Target;
    const kind = Math.floor(i / message.targets.length) % 3;
    i++;
    try {
      let doc: unknown;
      if (kind === 2) {
        tally.add("plain");
        doc = readPlain(target);
      } else doc = await load(target, kind === 0 ? "sync" : "async");
      if (doc === undefined) tally.add("missing", message.allowMissing ? undefined : `missing: ${JSON.stringify(target)}`);
      else {
        const problem = checkDoc(doc);
        tally.add(problem === undefined ? "whole" : "torn", problem);
      }
    } catch (err) {
      tally.add(`error ${codeOf(err)}`, describe(err));
    }
    await tally.tick();
  }
  tally.done();
}

function pathOf(target: Target): string {
  return target.kind === "cni" ? target.path : getDPDeviceInfoPath(target.resource, target.device, { baseDir: target.baseDir });
}

function readPlain(target: Target): unknown {
  let text: string;
  try {
    text = fs.readFileSync(pathOf(target), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    return `torn: ${text.length} bytes that are not JSON`;
  }
}

/** Every kind of write, chosen at random, forever: the coordinator kills this process at a random moment. */
async function crashLoop(message: Extract<Command, { cmd: "crash-loop" }>): Promise<void> {
  const random = prng(message.seed);
  const baseDir = message.baseDir;
  const dp = (i: number): Target => ({ kind: "dp", baseDir, resource: "stress.io/nic", device: `dev${i}` });
  const cni = (i: number): Target => ({ kind: "cni", baseDir, path: getCNIDeviceInfoPath(`net${i}`, { baseDir }) });
  const tolerated = new Set(["ERR_DEVINFO_EXISTS", "ERR_DEVINFO_NOT_FOUND"]);
  send({ kind: "ready" });
  for (let seq = 0; ; seq++) {
    const api: Api = random() < 0.5 ? "sync" : "async";
    const durable = random() < 0.2;
    const doc = makeDoc(process.pid % 1000, seq, between(random, 0, message.maxFiller));
    const n = between(random, 0, 1);
    try {
      switch (between(random, 0, 4)) {
        case 0:
          await save(dp(n), doc, { overwrite: true, durable }, api);
          break;
        case 1:
          await clean(dp(n), api);
          await save(dp(n), doc, { durable }, api);
          break;
        case 2:
          await save(cni(n), doc, { overwrite: true, durable }, api);
          break;
        case 3: {
          const target = cni(n) as Extract<Target, { kind: "cni" }>;
          await clean(target, api);
          const opts = { baseDir, durable };
          if (api === "sync") copyDeviceInfoForCNIFromDPSync(target.path, "stress.io/nic", `dev${n}`, opts);
          else await copyDeviceInfoForCNIFromDP(target.path, "stress.io/nic", `dev${n}`, opts);
          break;
        }
        default: {
          const target = cni(n) as Extract<Target, { kind: "cni" }>;
          await update(target.path, () => doc, api, durable);
        }
      }
    } catch (err) {
      if (!tolerated.has(codeOf(err))) send({ kind: "error", message: describe(err) });
    }
    // Tell the coordinator how far we got: it kills after a random number of operations.
    send({ kind: "progress", ops: seq + 1 });
    if (seq % 8 === 0) await yieldToEvents();
  }
}

async function updateLoop(message: Extract<Command, { cmd: "update-loop" }>): Promise<void> {
  const random = prng(message.seed);
  const tally = new Tally();
  const mine = `stress-count-${message.writer}`;
  for (let i = 0; i < message.count; i++) {
    const api: Api = random() < 0.5 ? "sync" : "async";
    try {
      await update(
        message.path,
        (current) => {
          const base = (current ?? makeDoc(message.writer, 0, 0)) as Record<string, unknown>;
          const counter = typeof base[COUNTER_KEY] === "number" ? base[COUNTER_KEY] : 0;
          const own = typeof base[mine] === "number" ? base[mine] : 0;
          return { ...base, [COUNTER_KEY]: counter + 1, [mine]: own + 1 } as unknown as DeviceInfo;
        },
        api,
        false,
      );
      tally.add("ok");
    } catch (err) {
      tally.add(`error ${codeOf(err)}`, describe(err));
    }
    await tally.tick();
  }
  tally.done();
}

async function holdLock(path: string): Promise<void> {
  await updateDeviceInfoForCNI(path, async () => {
    send({ kind: "holding" });
    // Keep the lock until the coordinator kills this process.
    return new Promise<DeviceInfo>(() => {});
  });
}
