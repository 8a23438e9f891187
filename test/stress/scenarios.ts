/**
 * The stress scenarios. Each runs real processes against a real file system
 * and returns figures: how many trials it ran and how many failures it saw,
 * with up to a few samples of each failure. Sizes are chosen by the caller:
 * the fast subset in `npm test`, the full run in `npm run stress`.
 */

import fs from "node:fs";
import path from "node:path";
import {
  getCNIDeviceInfoPath,
  getDPDeviceInfoPath,
  loadDeviceInfoFromCNISync,
  loadDeviceInfoFromDPSync,
  saveDeviceInfoForCNISync,
  serializeDeviceInfo,
  updateDeviceInfoForCNISync,
} from "../../src/index.js";
import { between, COUNTER_KEY, checkDoc, makeDoc, prng } from "./_docs.js";
import { sleep, Worker } from "./_harness.js";
import { LOCK_PREFIX, lockFileOf, type Maintenance, TEMP_PREFIX } from "./_maintenance.js";
import type { Api, Reply, Target } from "./_protocol.js";

/** How many trials each scenario runs. */
export interface Sizes {
  /** Exclusive-create trials, and processes racing in each. */
  readonly raceTrials: number;
  readonly racers: number;
  /** Reads (and at least as many writes) per torn-read scenario. */
  readonly tornCycles: number;
  /** Writer processes killed with SIGKILL. */
  readonly crashTrials: number;
  /** Updates of one CNI file, shared by two processes. */
  readonly updates: number;
  /** Lock holders killed while other processes wait for the lock. */
  readonly lockCrashTrials: number;
  /** Fuzz cases over all parsers. */
  readonly fuzzCases: number;
}

export const SIZES = {
  fast: { raceTrials: 10, racers: 3, tornCycles: 300, crashTrials: 4, updates: 40, lockCrashTrials: 1, fuzzCases: 1000 },
  ci: { raceTrials: 2000, racers: 6, tornCycles: 10_000, crashTrials: 1000, updates: 2000, lockCrashTrials: 100, fuzzCases: 100_000 },
  full: { raceTrials: 5000, racers: 6, tornCycles: 20_000, crashTrials: 1000, updates: 4000, lockCrashTrials: 200, fuzzCases: 200_000 },
} as const satisfies Record<string, Sizes>;

export type SizeName = keyof typeof SIZES;

export interface ScenarioResult {
  readonly scenario: string;
  /** What one trial is, for the table. */
  readonly unit: string;
  readonly trials: number;
  readonly failures: number;
  /** Other figures worth showing (how often the race was real, leftovers seen...). */
  readonly detail: string;
  /** Up to a few descriptions of failures. */
  readonly samples: readonly string[];
  /**
   * A control: the same checks against a writer known to be unsafe. Its
   * failures are expected; none would mean the checks cannot see the problem.
   */
  readonly control?: boolean;
  readonly ms: number;
}

export interface Context {
  /** The bundled worker script. */
  readonly worker: string;
  /** `count` idle workers, reused across scenarios (starting a process costs more than most scenarios' trials). */
  readonly workers: (count: number) => Promise<Worker[]>;
  /** A scratch directory the scenarios may fill. */
  readonly root: string;
  readonly sizes: Sizes;
  readonly seed: number;
  /** `devinfo ls` and `devinfo gc`, when the CLI provides them. */
  readonly maintenance: Maintenance | undefined;
  /** Called now and then with a progress line. */
  readonly log?: ((line: string) => void) | undefined;
}

class Failures {
  count = 0;
  readonly samples: string[] = [];
  add(sample: string, count = 1): void {
    this.count += count;
    if (this.samples.length < 8) this.samples.push(sample);
  }
}

/** A figure with thousands separators. */
function n(value: number): string {
  return value.toLocaleString("en-US");
}

function pathOf(target: Target): string {
  return target.kind === "cni" ? target.path : getDPDeviceInfoPath(target.resource, target.device, { baseDir: target.baseDir });
}

function modeOf(file: string): number {
  return fs.lstatSync(file).mode & 0o7777;
}

async function timed(run: () => Promise<Omit<ScenarioResult, "ms">>): Promise<ScenarioResult> {
  const start = performance.now();
  const result = await run();
  return { ...result, ms: Math.round(performance.now() - start) };
}

// ---------------------------------------------------------------------------

/**
 * Many processes save the same new path at the same instant (lined up on the
 * monotonic clock) into a base directory that does not exist yet: exactly one
 * must succeed, every other must get ERR_DEVINFO_EXISTS, and the file must be
 * the winner's, byte for byte, mode 0444, with no temporary file left.
 */
export function exclusiveCreate(ctx: Context): Promise<ScenarioResult> {
  return timed(async () => {
    const random = prng(ctx.seed);
    const workers = await ctx.workers(ctx.sizes.racers);
    const failures = new Failures();
    let overlapped = 0;
    for (let trial = 0; trial < ctx.sizes.raceTrials; trial++) {
      const baseDir = path.join(ctx.root, `race-${trial}`);
      const target: Target =
        trial % 2 === 0
          ? { kind: "dp", baseDir, resource: "stress.io/race", device: `0000:af:06.${trial % 8}` }
          : { kind: "cni", baseDir, path: getCNIDeviceInfoPath(`default/net-${trial}`, { baseDir }) };
      const docs = workers.map((_, w) => makeDoc(w, trial, between(random, 0, 48 * 1024)));
      const at = process.hrtime.bigint() + 5_000_000n;
      workers.forEach((worker, w) => {
        const api: Api = (w + trial) % 2 === 0 ? "sync" : "async";
        worker.send({ cmd: "race", trial, target, info: docs[w] as NonNullable<(typeof docs)[number]>, api, at: String(at) });
      });
      const replies = await Promise.all(workers.map((w) => w.next("race")));
      if (anyOverlap(replies)) overlapped++;
      const problem = checkRace(
        target,
        replies,
        docs.map((d) => serializeDeviceInfo(d)),
      );
      if (problem !== undefined) failures.add(`trial ${trial}: ${problem}`);
      fs.rmSync(baseDir, { recursive: true, force: true });
      if (trial % 500 === 499) ctx.log?.(`exclusive create: ${trial + 1} trials`);
    }
    return {
      scenario: "Exclusive create race",
      unit: `trials of ${ctx.sizes.racers} processes`,
      trials: ctx.sizes.raceTrials,
      failures: failures.count,
      detail: `attempts overlapped in time in ${n(overlapped)} trials; each trial in a new base directory, so the directory creation races too`,
      samples: failures.samples,
    };
  });
}

function anyOverlap(replies: readonly Extract<Reply, { kind: "race" }>[]): boolean {
  const spans = replies.map((r) => [BigInt(r.start), BigInt(r.end)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  for (let i = 1; i < spans.length; i++) if ((spans[i]?.[0] ?? 0n) < (spans[i - 1]?.[1] ?? 0n)) return true;
  return false;
}

function checkRace(target: Target, replies: readonly Extract<Reply, { kind: "race" }>[], expected: readonly string[]): string | undefined {
  const winners = replies.flatMap((r, i) => (r.ok ? [i] : []));
  if (winners.length !== 1) return `${winners.length} saves succeeded`;
  const odd = replies.find((r) => !r.ok && r.code !== "ERR_DEVINFO_EXISTS");
  if (odd !== undefined) return `a loser failed with ${odd.message}`;
  const file = pathOf(target);
  const bytes = fs.readFileSync(file, "utf8");
  if (bytes !== expected[winners[0] as number]) return `the file is not the winner's document (${bytes.length} bytes)`;
  if (modeOf(file) !== 0o444) return `file mode ${modeOf(file).toString(8)}`;
  const dir = path.dirname(file);
  const left = fs.readdirSync(dir).filter((name) => name !== path.basename(file));
  if (left.length > 0) return `left in ${dir}: ${left.join(", ")}`;
  for (const d of [target.baseDir, dir]) if (modeOf(d) !== 0o755) return `directory ${d} has mode ${modeOf(d).toString(8)}`;
  return undefined;
}

// ---------------------------------------------------------------------------

/**
 * Readers load files in a loop while writers rewrite them. `replace`: writers
 * save with overwrite (and update CNI files), so every read must find a whole
 * file. `save-clean`: writers save and clean, so a read may find no file, but
 * never a torn one.
 */
export function tornReads(ctx: Context, mode: "replace" | "save-clean" | "naive"): Promise<ScenarioResult> {
  return timed(async () => {
    const baseDir = path.join(ctx.root, `torn-${mode}`);
    const targets: Target[] = [
      { kind: "dp", baseDir, resource: "stress.io/torn", device: "a" },
      { kind: "dp", baseDir, resource: "stress.io/torn", device: "b" },
      { kind: "cni", baseDir, path: getCNIDeviceInfoPath("net-a", { baseDir }) },
    ];
    if (mode !== "save-clean")
      for (const t of targets) saveDeviceInfoForCNISync(pathOf(t), makeDoc(99, 0, 10), { baseDir, overwrite: true });
    const pool = await ctx.workers(4);
    const writers = pool.slice(0, 2);
    const readers = pool.slice(2, 4);
    const target = ctx.sizes.tornCycles;
    const progress = new Map<Worker, number>();
    const total = (group: Worker[]) => group.reduce((sum, w) => sum + (progress.get(w) ?? 0), 0);
    let wake: () => void = () => {};
    for (const w of [...writers, ...readers]) {
      w.onProgress = (ops) => {
        progress.set(w, ops);
        if (total(readers) >= target && total(writers) >= target) wake();
      };
    }
    const enough = new Promise<void>((resolve) => {
      wake = resolve;
    });
    writers.forEach((w, i) => {
      w.send({ cmd: "write-loop", mode, targets, writer: i, seed: ctx.seed + i, maxFiller: 60 * 1024 });
    });
    for (const r of readers) r.send({ cmd: "read-loop", targets, allowMissing: mode === "save-clean" });
    await enough;
    for (const w of [...writers, ...readers]) w.send({ cmd: "stop" });
    const done = await Promise.all([...writers, ...readers].map((w) => w.next("loop-done")));
    for (const w of pool) w.onProgress = undefined;

    const failures = new Failures();
    const sum = (from: typeof done, key: string) => from.reduce((s, d) => s + (d.counts[key] ?? 0), 0);
    const readDone = done.slice(writers.length);
    const writeDone = done.slice(0, writers.length);
    for (const d of done) {
      for (const [key, n] of Object.entries(d.counts)) {
        const bad = key.startsWith("error") || key === "torn" || (key === "missing" && mode !== "save-clean");
        if (bad) failures.add(`${n} × ${key}: ${d.samples.join(" | ").slice(0, 400)}`, n);
      }
    }
    for (const w of [...writers, ...readers]) for (const e of w.errors) failures.add(e);
    const reads = readDone.reduce((s, d) => s + d.ops, 0);
    const writes = writeDone.reduce((s, d) => s + d.ops, 0);
    const detail =
      mode === "replace"
        ? `${n(writes)} replacements (${n(sum(writeDone, "update"))} by update); every read found a whole file (${n(sum(readDone, "plain"))} reads by plain readFile + JSON.parse, as the Go reference reads)`
        : `${n(writes)} save + clean cycles; ${n(sum(readDone, "whole"))} reads found a whole file, ${n(sum(readDone, "missing"))} no file, none a partial one (${n(sum(readDone, "plain"))} by plain readFile + JSON.parse)`;
    if (mode === "naive") {
      return {
        scenario: "Control: the same readers, a Go-style writer (O_TRUNC, write)",
        unit: "reads",
        trials: reads,
        failures: failures.count,
        detail: `${n(writes)} writes in place: ${n(failures.count)} reads (${Math.round((100 * failures.count) / Math.max(reads, 1))}%) found an empty or partial file, so the checks above would see one`,
        samples: failures.samples,
        control: true,
      };
    }
    return {
      scenario: mode === "replace" ? "Torn reads: replace (overwrite, update)" : "Torn reads: save and clean",
      unit: "reads",
      trials: reads,
      failures: failures.count,
      detail,
      samples: failures.samples,
    };
  });
}

// ---------------------------------------------------------------------------

const CRASH_DP = ["stress.io-nic-dev0-device.json", "stress.io-nic-dev1-device.json"];
const CRASH_CNI = ["net0", "net1"];

/**
 * A writer doing every kind of write (save, overwrite, clean, copy, update,
 * durable or not) is killed with SIGKILL at a random moment. Afterwards every
 * device-info file must be whole; every other file must be a recognisable
 * temporary or lock file of the dead writer; readers and `devinfo ls` must
 * ignore those, `devinfo gc` must remove them, and the next update must go
 * through.
 */
export function crashConsistency(ctx: Context): Promise<ScenarioResult> {
  return timed(async () => {
    const random = prng(ctx.seed);
    const failures = new Failures();
    const figures = { temps: 0, locks: 0, targets: 0, gcRemoved: 0, ops: 0 };
    let next = 0;
    const lane = async () => {
      // The next trial's process starts while this one runs and is inspected.
      let spare: Worker | undefined;
      for (let trial = next++; trial < ctx.sizes.crashTrials; trial = next++) {
        const baseDir = path.join(ctx.root, `crash-${trial}`);
        // Killed after a random number of operations (0: during the first), plus up to 2 ms, so
        // that kills land in every phase of every operation rather than in process start-up.
        const afterOps = between(random, 0, 24);
        const extraMs = random() * 2;
        const worker = spare ?? new Worker(ctx.worker);
        spare = next < ctx.sizes.crashTrials ? new Worker(ctx.worker) : undefined;
        let opsDone = 0;
        try {
          await worker.next("ready");
          const reached = new Promise<void>((resolve) => {
            worker.onProgress = (ops) => {
              opsDone = ops;
              if (ops >= afterOps) resolve();
            };
            if (afterOps === 0) resolve();
          });
          worker.send({ cmd: "crash-loop", baseDir, seed: ctx.seed + trial, maxFiller: 60 * 1024 });
          await worker.next("ready");
          await reached;
          await sleep(extraMs);
        } finally {
          await worker.kill("SIGKILL");
        }
        figures.ops += opsDone;
        for (const e of worker.errors) failures.add(`trial ${trial}: the writer reported ${e}`);
        const problems = await inspectCrash(baseDir, worker.pid, ctx.maintenance, figures, trial % 2 === 1);
        for (const p of problems) failures.add(`trial ${trial} (killed after ${afterOps} operations): ${p}`);
        fs.rmSync(baseDir, { recursive: true, force: true });
        if (trial % 250 === 249) ctx.log?.(`crash consistency: ${trial + 1} trials`);
      }
      await spare?.kill();
    };
    await Promise.all([lane(), lane(), lane()]);
    const gc =
      ctx.maintenance === undefined
        ? "; devinfo ls and gc not checked (no CLI)"
        : `, never listed by \`devinfo ls\`; \`devinfo gc\` removed ${n(figures.gcRemoved)} leftovers`;
    return {
      scenario: "Crash consistency (SIGKILL)",
      unit: "writers killed",
      trials: ctx.sizes.crashTrials,
      failures: failures.count,
      detail: `each killed after 0-24 writes (save, overwrite, clean, copy, update); all ${n(figures.targets)} device-info files left were whole; temporary files left in ${n(figures.temps)} trials${gc}; locks left in ${n(figures.locks)}, broken by the next update or by gc`,
      samples: failures.samples,
    };
  });
}

async function inspectCrash(
  baseDir: string,
  pid: number,
  maintenance: Maintenance | undefined,
  figures: { temps: number; locks: number; targets: number; gcRemoved: number; ops: number },
  gcFirstTrial: boolean,
): Promise<string[]> {
  const problems: string[] = [];
  if (!fs.existsSync(baseDir)) return problems; // killed before the first directory was made
  const tempPattern = new RegExp(`^${TEMP_PREFIX.replaceAll(".", "\\.")}${pid}-[0-9a-z]+$`);
  const contents = new Map<string, string>();
  const leftovers: string[] = [];
  let lockLeft = false;
  for (const entry of fs.readdirSync(baseDir)) {
    if (entry !== "dp" && entry !== "cni") problems.push(`unexpected ${entry} in the base directory`);
  }
  if (modeOf(baseDir) !== 0o755) problems.push(`base directory mode ${modeOf(baseDir).toString(8)}`);
  for (const [sub, names] of [
    ["dp", CRASH_DP],
    ["cni", CRASH_CNI],
  ] as const) {
    const dir = path.join(baseDir, sub);
    if (!fs.existsSync(dir)) continue;
    if (modeOf(dir) !== 0o755) problems.push(`${sub} directory mode ${modeOf(dir).toString(8)}`);
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if ((names as readonly string[]).includes(name)) {
        figures.targets++;
        const text = fs.readFileSync(file, "utf8");
        contents.set(file, text);
        let problem: string | undefined;
        try {
          problem = checkDoc(JSON.parse(text));
        } catch (err) {
          problem = `not JSON (${(err as Error).message}), ${text.length} bytes`;
        }
        if (problem !== undefined) problems.push(`${sub}/${name} is torn: ${problem}`);
        if (modeOf(file) !== 0o444) problems.push(`${sub}/${name} has mode ${modeOf(file).toString(8)}`);
      } else if (tempPattern.test(name)) {
        leftovers.push(file);
      } else if (sub === "cni" && name.startsWith(LOCK_PREFIX)) {
        lockLeft = true;
      } else {
        problems.push(`unrecognised file ${sub}/${name}`);
      }
    }
  }
  if (leftovers.length > 0) figures.temps++;
  if (lockLeft) figures.locks++;

  // Readers address files by name, so leftovers cannot reach them: load every target anyway.
  for (const [i, name] of CRASH_DP.entries()) {
    try {
      const doc = loadDeviceInfoFromDPSync("stress.io/nic", `dev${i}`, { baseDir, strict: true });
      const file = path.join(baseDir, "dp", name);
      if ((doc === undefined) !== !contents.has(file)) problems.push(`loading dp/${name} disagrees with the directory`);
    } catch (err) {
      problems.push(`loading dp/${name}: ${(err as Error).message}`);
    }
  }

  if (maintenance !== undefined) {
    const listed = await maintenance.ls(baseDir);
    const expected = [...contents.keys()].sort();
    if (JSON.stringify(listed) !== JSON.stringify(expected)) {
      problems.push(`devinfo ls listed [${listed.join(", ")}], expected [${expected.join(", ")}]`);
    }
  }

  // What the dead writer left must stop no one: on even trials the next update
  // breaks its lock (stale after 100 ms here), on odd ones devinfo gc removes
  // the leftovers first and the update must then go through at once.
  const gcFirst = maintenance !== undefined && gcFirstTrial;
  if (gcFirst) problems.push(...(await collectGarbage(baseDir, contents, maintenance, figures)));
  for (const name of CRASH_CNI) {
    const file = path.join(baseDir, "cni", name);
    try {
      updateDeviceInfoForCNISync(file, (doc) => ({ ...(doc ?? makeDoc(0, 0, 1)), [COUNTER_KEY]: 1 }) as typeof doc & object, {
        lockStaleMs: gcFirst ? 60_000 : 100,
        lockTimeoutMs: gcFirst ? 0 : 10_000,
      });
      const problem = checkDoc(loadDeviceInfoFromCNISync(file, { strict: true }));
      if (problem !== undefined) problems.push(`cni/${name} after update: ${problem}`);
      contents.set(file, fs.readFileSync(file, "utf8"));
    } catch (err) {
      problems.push(`update of cni/${name} after the crash${gcFirst ? " and gc" : ""}: ${(err as Error).message}`);
    }
  }
  if (maintenance !== undefined && !gcFirst) problems.push(...(await collectGarbage(baseDir, contents, maintenance, figures)));
  return problems;
}

/** Runs devinfo gc; it must remove every leftover and change no device-info file. */
async function collectGarbage(
  baseDir: string,
  contents: ReadonlyMap<string, string>,
  maintenance: Maintenance,
  figures: { gcRemoved: number },
): Promise<string[]> {
  const problems: string[] = [];
  figures.gcRemoved += await maintenance.gc(baseDir);
  for (const sub of ["dp", "cni"]) {
    const dir = path.join(baseDir, sub);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      if (!contents.has(path.join(dir, name))) problems.push(`devinfo gc left ${sub}/${name}`);
    }
  }
  for (const [file, text] of contents) {
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) problems.push(`devinfo gc changed ${file}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------

/**
 * Two processes increment a counter in one CNI file with
 * updateDeviceInfoForCNI: the final counter must equal the number of updates
 * that reported success (no lost update), and each process's own count must
 * match what it did.
 */
export function concurrentUpdates(ctx: Context): Promise<ScenarioResult> {
  return timed(async () => {
    const baseDir = path.join(ctx.root, "updates");
    const file = getCNIDeviceInfoPath("default-net_eth0", { baseDir });
    const workers = await ctx.workers(2);
    const per = Math.ceil(ctx.sizes.updates / workers.length);
    workers.forEach((w, i) => {
      w.send({ cmd: "update-loop", path: file, writer: i, count: per, seed: ctx.seed + i });
    });
    const done = await Promise.all(workers.map((w) => w.next("loop-done")));
    const failures = new Failures();
    const problems = checkCounters(file, done);
    for (const p of problems) failures.add(p.text, p.count);
    for (const w of workers) for (const e of w.errors) failures.add(e);
    const conflicts = done.reduce((s, d) => s + (d.counts["error ERR_DEVINFO_CONFLICT"] ?? 0), 0);
    return {
      scenario: "Concurrent updates of one CNI file",
      unit: "updates by 2 processes",
      trials: per * workers.length,
      failures: failures.count,
      detail: `serialised by the lock file: the counter equals the updates that succeeded; ${n(conflicts)} waits ended in ERR_DEVINFO_CONFLICT`,
      samples: failures.samples,
    };
  });
}

/** Lost updates and unexpected errors, from the final file and the workers' reports. */
function checkCounters(file: string, done: readonly Extract<Reply, { kind: "loop-done" }>[]): { text: string; count: number }[] {
  const problems: { text: string; count: number }[] = [];
  const doc = loadDeviceInfoFromCNISync(file, { strict: true }) as Record<string, unknown> | undefined;
  const okTotal = done.reduce((s, d) => s + (d.counts.ok ?? 0), 0);
  const counter = typeof doc?.[COUNTER_KEY] === "number" ? (doc[COUNTER_KEY] as number) : 0;
  if (counter !== okTotal)
    problems.push({ text: `counter is ${counter} after ${okTotal} successful updates`, count: Math.abs(okTotal - counter) });
  done.forEach((d, w) => {
    const own = doc?.[`stress-count-${w}`] ?? 0;
    if (own !== (d.counts.ok ?? 0))
      problems.push({ text: `process ${w} made ${d.counts.ok ?? 0} updates, the file counts ${own}`, count: 0 });
    for (const [key, n] of Object.entries(d.counts)) {
      if (key !== "ok" && key !== "error ERR_DEVINFO_CONFLICT")
        problems.push({ text: `${n} × ${key}: ${d.samples.join(" | ").slice(0, 300)}`, count: n });
    }
  });
  return problems;
}

/**
 * A process holding the update lock is killed while three others wait for
 * it. Its lock, made to look stale, must be broken exactly once: the waiters
 * then update one after another and no update is lost.
 */
export function lockHolderKilled(ctx: Context): Promise<ScenarioResult> {
  return timed(async () => {
    const random = prng(ctx.seed);
    const failures = new Failures();
    const waiters = await ctx.workers(3);
    let conflicts = 0;
    for (let trial = 0; trial < ctx.sizes.lockCrashTrials; trial++) {
      const baseDir = path.join(ctx.root, `lock-${trial}`);
      const file = getCNIDeviceInfoPath("default-net_eth0", { baseDir });
      saveDeviceInfoForCNISync(file, makeDoc(0, 0, 10), { baseDir });
      const holder = new Worker(ctx.worker);
      await holder.next("ready");
      holder.send({ cmd: "hold-lock", path: file });
      await holder.next("holding");
      waiters.forEach((w, i) => {
        w.send({ cmd: "update-loop", path: file, writer: i, count: 5, seed: ctx.seed + trial * 7 + i });
      });
      await sleep(between(random, 0, 20));
      await holder.kill("SIGKILL");
      // Age the dead holder's lock past the stale limit instead of waiting five seconds for it.
      const old = new Date(Date.now() - 60_000);
      try {
        fs.utimesSync(lockFileOf(file), old, old);
      } catch (err) {
        failures.add(`trial ${trial}: the dead holder's lock is missing (${(err as Error).message})`);
      }
      const done = await Promise.all(waiters.map((w) => w.next("loop-done")));
      conflicts += done.reduce((s, d) => s + (d.counts["error ERR_DEVINFO_CONFLICT"] ?? 0), 0);
      const problems = checkCounters(file, done).map((p) => p.text);
      if (fs.existsSync(lockFileOf(file))) problems.push("a lock was left behind");
      // One failure per trial that went wrong, however many ways.
      if (problems.length > 0) failures.add(`trial ${trial}: ${problems.join("; ")}`);
      fs.rmSync(baseDir, { recursive: true, force: true });
    }
    for (const w of waiters) for (const e of w.errors) failures.add(e);
    return {
      scenario: "Lock holder killed, 3 waiters",
      unit: "holders killed",
      trials: ctx.sizes.lockCrashTrials,
      failures: failures.count,
      detail: `its lock broken by the waiters; ${n(ctx.sizes.lockCrashTrials * 15)} updates by them, none lost; ${n(conflicts)} ended in ERR_DEVINFO_CONFLICT`,
      samples: failures.samples,
    };
  });
}
