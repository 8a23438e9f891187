/**
 * Proof that the async API never blocks the event loop:
 *
 * 1. every `node:fs` function is wrapped with a counter while async full
 *    cycles run: no `*Sync` call may happen, every system call goes through
 *    the callback API (the thread pool);
 * 2. the event loop's delay (`monitorEventLoopDelay`) while a long run of
 *    async cycles goes on, next to the same run with the sync API (which
 *    blocks it for the whole run, by design).
 */

import fs from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { runChild } from "./_child.js";
import { places, SELF } from "./_env.js";
import { log, median, ms, table, us, type Verdict } from "./_stats.js";
import { benchAsyncWorker } from "./async-worker.js";
import { PHASES, type Variant, variants } from "./ops.js";

type Counts = { sync: Map<string, number>; callback: Map<string, number>; promises: Map<string, number> };

/** Wraps every function of `fs` and `fs.promises` with a counter; returns the counts and an undo. */
function countFsCalls(): { counts: Counts; restore: () => void } {
  const counts: Counts = { sync: new Map(), callback: new Map(), promises: new Map() };
  const undo: (() => void)[] = [];
  const wrap = (target: Record<string, unknown>, kind: (name: string) => keyof Counts | undefined) => {
    for (const name of Object.keys(target)) {
      const descriptor = Object.getOwnPropertyDescriptor(target, name);
      const original = descriptor?.value;
      // Classes (Stats, Dirent, streams) and constants are not calls.
      if (typeof original !== "function" || descriptor?.writable !== true || /^[A-Z]/.test(name)) continue;
      const k = kind(name);
      if (k === undefined) continue;
      target[name] = function (this: unknown, ...args: unknown[]) {
        counts[k].set(name, (counts[k].get(name) ?? 0) + 1);
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      undo.push(() => {
        target[name] = original;
      });
    }
  };
  wrap(fs as unknown as Record<string, unknown>, (name) => (name.endsWith("Sync") ? "sync" : "callback"));
  wrap(fs.promises as unknown as Record<string, unknown>, () => "promises");
  return {
    counts,
    restore: () => {
      for (const f of undo) f();
    },
  };
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** `fs` calls of the main thread over `count` async cycles (after 50 to warm up). */
async function countDuring(async: Variant, count: number): Promise<Counts> {
  await cycles(async, 50);
  const { counts, restore } = countFsCalls();
  try {
    await cycles(async, count);
  } finally {
    restore();
  }
  return counts;
}

/** Child (DEVINFO_ASYNC_WORKER=off: the thread pool only): prints the counts of {@link countDuring}. */
export async function fsCallsChild(dir: string, count: number): Promise<void> {
  const counts = await countDuring(variants(dir).find((v) => v.key === "async") as Variant, count);
  process.stdout.write(`${JSON.stringify({ sync: [...counts.sync], callback: [...counts.callback], promises: [...counts.promises] })}\n`);
}

async function cycles(variant: Variant, count: number): Promise<void> {
  for (const phase of PHASES) {
    const fn = variant.phases[phase];
    for (let i = 0; i < count; i++) await fn(i);
  }
}

/** The event loop's delay while `run` runs, with a 1 ms timer ticking alongside. */
async function delayDuring(run: () => Promise<void>): Promise<{ ms: number; maxMs: number; p99Ms: number; ticks: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  // The monitor records the gap between two of its timer's turns: let it turn
  // a few times first, so that a loop blocked from the start is recorded too.
  histogram.enable();
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.reset();
  // reset() forgets the previous turn too: one more turn before the work starts.
  await new Promise((resolve) => setTimeout(resolve, 3));
  const ticksBefore = ticks;
  const start = performance.now();
  await run();
  const elapsed = performance.now() - start;
  const ticksDuring = ticks - ticksBefore;
  await new Promise((resolve) => setTimeout(resolve, 5));
  histogram.disable();
  clearInterval(timer);
  return { ms: elapsed, maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, ticks: ticksDuring };
}

/** µs per call of a loop of `lstat`s of `dir`: sync, callback (one thread-pool round trip each), promise. */
async function roundTrip(dir: string, count: number): Promise<{ sync: number; callback: number; promise: number }> {
  const time = async (run: () => Promise<void> | void) => {
    const start = performance.now();
    await run();
    return ((performance.now() - start) * 1000) / count;
  };
  const samples = { sync: [] as number[], callback: [] as number[], promise: [] as number[] };
  for (let round = 0; round < 7; round++) {
    samples.sync.push(
      await time(() => {
        for (let i = 0; i < count; i++) fs.lstatSync(dir);
      }),
    );
    samples.callback.push(
      await time(
        () =>
          new Promise<void>((resolve, reject) => {
            let left = count;
            const next = (err: NodeJS.ErrnoException | null) => {
              if (err !== null) reject(err);
              else if (--left === 0) resolve();
              else fs.lstat(dir, next);
            };
            fs.lstat(dir, next);
          }),
      ),
    );
    samples.promise.push(
      await time(async () => {
        for (let i = 0; i < count; i++) await fs.promises.lstat(dir);
      }),
    );
  }
  return { sync: median(samples.sync), callback: median(samples.callback), promise: median(samples.promise) };
}

export async function benchEventLoop(options: {
  cycles: number;
  /** Rounds and cycles per child process of the worker-thread figures (async-worker.ts). */
  workerRounds: number;
  workerCycles: number;
}): Promise<{ report: string; verdicts: Verdict[] }> {
  const [where] = places(["tmpfs"]);
  if (where === undefined) throw new Error("no tmpfs place");
  try {
    const vs = variants(where.dir);
    const async = vs.find((v) => v.key === "async") as Variant;
    const sync = vs.find((v) => v.key === "sync") as Variant;
    // In this process (on the worker thread once the ops suite has made 500 operations), and in a
    // fresh one on the thread pool alone.
    const here = await countDuring(async, options.cycles);
    const poolDir = fs.mkdtempSync(path.join(where.dir, "calls-"));
    const child = runChild([SELF, "--worker=fs-calls", `--dir=${poolDir}`, `--count=${options.cycles}`], {
      env: { DEVINFO_ASYNC_WORKER: "off" },
    });
    fs.rmSync(poolDir, { recursive: true, force: true });
    const parsed = JSON.parse(child.stdout) as Record<keyof Counts, [string, number][]>;
    const pool: Counts = { sync: new Map(parsed.sync), callback: new Map(parsed.callback), promises: new Map(parsed.promises) };
    const perCycle = (n: number) => (n / options.cycles).toFixed(n % options.cycles === 0 ? 0 : 2);
    const callRows = [...pool.callback].sort((a, b) => b[1] - a[1]).map(([name, n]) => [`fs.${name}`, perCycle(n)]);
    const syncCalls = total(here.sync) + total(pool.sync);
    const promiseCalls = total(here.promises) + total(pool.promises);
    const allCalls = syncCalls + promiseCalls + total(here.callback) + total(pool.callback);
    log(`event-loop: fs calls counted over ${options.cycles} async cycles, twice`);

    const asyncDelay = await delayDuring(() => cycles(async, options.cycles));
    const syncDelay = await delayDuring(async () => {
      for (const phase of PHASES) for (let i = 0; i < options.cycles; i++) sync.phases[phase](i);
    });
    log("event-loop: delays measured");
    const trip = await roundTrip(where.dir, options.cycles * 5);
    const worker = await benchAsyncWorker({ rounds: options.workerRounds, cycles: options.workerCycles, dir: where.dir });

    const report = [
      `${options.cycles} full cycles with the async API on tmpfs, every \`node:fs\` and \`node:fs/promises\` function of the main thread wrapped with a counter,` +
        " twice: in a fresh process on the thread pool alone (`DEVINFO_ASYNC_WORKER=off`), and in this one, where the worker thread runs by now:" +
        ` **${syncCalls}** calls to \`*Sync\` functions and ${promiseCalls} to \`fs/promises\` in all;` +
        ` on the thread pool ${total(pool.sync)} \`*Sync\`, ${total(pool.callback)} callback-API calls (${perCycle(total(pool.callback))} per cycle: one thread-pool round trip per system call, below);` +
        ` here ${total(here.sync)} \`*Sync\`, ${total(here.callback)} callback-API calls (${perCycle(total(here.callback))} per cycle).` +
        " The worker thread makes the system calls with `fs.*Sync` on its own thread, where they block nothing.",
      "",
      table(["callback API function", "calls per full cycle"], callRows),
      "",
      `Event-loop delay (\`monitorEventLoopDelay\`, 1 ms resolution) while ${options.cycles} full cycles run, a 1 ms interval timer ticking alongside:`,
      "",
      table(
        ["API", "run time (ms)", "max delay (ms)", "p99 delay (ms)", "1 ms timer ticks during the run"],
        [
          ["devinfo async", ms(asyncDelay.ms), ms(asyncDelay.maxMs), ms(asyncDelay.p99Ms), String(asyncDelay.ticks)],
          ["devinfo sync (blocks, by design)", ms(syncDelay.ms), ms(syncDelay.maxMs), ms(syncDelay.p99Ms), String(syncDelay.ticks)],
        ],
      ),
      "",
      `What a thread-pool round trip costs here (a loop of ${options.cycles * 5} \`lstat\`s of a directory, median of 7):` +
        ` \`fs.lstatSync\` ${us(trip.sync)} µs, \`fs.lstat\` (callback) ${us(trip.callback)} µs, \`fs.promises.lstat\` ${us(trip.promise)} µs per call.` +
        " Every system call of the async API on the thread pool is one such round trip; on the worker thread, every operation is one message round trip.",
      "",
      "#### The async API's worker thread",
      "",
      worker.report,
    ].join("\n");
    return {
      report,
      verdicts: [
        {
          figure: "async API: `*Sync` fs calls during async cycles",
          value: `${syncCalls} (of ${allCalls} fs calls of the main thread; thread pool and worker)`,
          budget: "0",
          ok: syncCalls === 0,
          hard: true,
        },
        {
          figure: "async API: one thread-pool round trip (fs.lstat callback) / fs.lstatSync",
          value: `${us(trip.callback)} µs / ${us(trip.sync)} µs`,
          budget: "-",
          ok: undefined,
        },
        {
          figure: "async API: longest event-loop stall during async cycles",
          value: `${ms(asyncDelay.maxMs)} ms over a ${ms(asyncDelay.ms)} ms run (sync: ${ms(syncDelay.maxMs)} ms)`,
          budget: "-",
          ok: undefined,
        },
        ...worker.verdicts,
      ],
    };
  } finally {
    where.dispose();
  }
}
