/**
 * The async API's worker thread (src/files/_worker.ts): what it costs to
 * start, what it saves per operation, and so where it pays for itself. Each
 * figure comes from fresh child processes, interleaved round by round, with
 * the path chosen by `DEVINFO_ASYNC_WORKER` (`off`: the thread pool only;
 * `1`: the worker from the first operation on):
 *
 * - start-up: a process that makes one async operation and then idles for
 *   a while, with and without a worker started by it: the difference in CPU
 *   time (every thread) and peak RSS is the worker's cost; the synchronous
 *   part of the call that starts it is how long it blocks the event loop;
 * - per operation: full cycles (save, copy, load, clean both) on each path,
 *   next to the naive `fs/promises` cycle in the same process, once the
 *   worker is ready;
 * - break-even: the start-up CPU time over the CPU time saved per operation.
 */

import fs from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { runChild } from "./_child.js";
import { SELF } from "./_env.js";
import { log, mb, median, ms, table, us, type Verdict, x } from "./_stats.js";
import { PHASES, type Variant, variants } from "./ops.js";

const sleep = (msTime: number) => new Promise((resolve) => setTimeout(resolve, msTime));
const IDLE_MS = 600;

/** Child: one async operation, then idle; prints `{ callMs }`, the event loop's longest delay meanwhile. */
export async function workerStartChild(dir: string): Promise<void> {
  const async = variants(dir).find((v) => v.key === "async") as Variant;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await sleep(20);
  histogram.reset();
  await async.phases["load CNI"](0);
  await sleep(IDLE_MS); // the worker, if any, starts meanwhile (its CPU time counts)
  histogram.disable();
  process.stdout.write(`${JSON.stringify({ callMs: histogram.max / 1e6 })}\n`);
}

export interface CycleSample {
  asyncWall: number;
  asyncCpu: number;
  naiveWall: number;
  naiveCpu: number;
}

/** Child: `count` full cycles with the async API and with naive fs/promises, alternately; prints a CycleSample (µs per cycle, medians). */
export async function asyncCyclesChild(dir: string, count: number): Promise<void> {
  const vs = variants(dir);
  const async = vs.find((v) => v.key === "async") as Variant;
  const naive = vs.find((v) => v.key === "promises") as Variant;
  const cycles = async (v: Variant) => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const phase of PHASES) {
      const fn = v.phases[phase];
      for (let i = 0; i < count; i++) await fn(i);
    }
    const used = process.cpuUsage(cpu);
    return { wall: ((performance.now() - start) * 1000) / count, cpu: (used.user + used.system) / count };
  };
  await async.phases["clean DP"](0); // starts the worker with DEVINFO_ASYNC_WORKER=1
  await sleep(IDLE_MS);
  await cycles(async);
  await cycles(naive);
  const samples: CycleSample[] = [];
  for (let round = 0; round < 5; round++) {
    const a = await cycles(async);
    const n = await cycles(naive);
    samples.push({ asyncWall: a.wall, asyncCpu: a.cpu, naiveWall: n.wall, naiveCpu: n.cpu });
  }
  const m = (k: keyof CycleSample) => median(samples.map((s) => s[k]));
  process.stdout.write(
    `${JSON.stringify({ asyncWall: m("asyncWall"), asyncCpu: m("asyncCpu"), naiveWall: m("naiveWall"), naiveCpu: m("naiveCpu") })}\n`,
  );
}

type PathKey = "pool" | "worker";
const ENV: Record<PathKey, string> = { pool: "off", worker: "1" };

export async function benchAsyncWorker(options: {
  rounds: number;
  cycles: number;
  dir: string;
}): Promise<{ report: string; verdicts: Verdict[] }> {
  const start: Record<PathKey, { cpuMs: number; rss: number; callMs: number }[]> = { pool: [], worker: [] };
  const cycles: Record<PathKey, CycleSample[]> = { pool: [], worker: [] };
  const child = (mode: string, key: PathKey, extra: string[] = []) => {
    const dir = fs.mkdtempSync(path.join(options.dir, "worker-"));
    try {
      return runChild([SELF, `--worker=${mode}`, `--dir=${dir}`, ...extra], { env: { DEVINFO_ASYNC_WORKER: ENV[key] } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  for (let round = 0; round < options.rounds; round++) {
    for (const key of (round % 2 === 0 ? ["pool", "worker"] : ["worker", "pool"]) as PathKey[]) {
      const run = child("worker-start", key);
      start[key].push({ cpuMs: run.cpuMs, rss: run.maxRssBytes, callMs: (JSON.parse(run.stdout) as { callMs: number }).callMs });
      cycles[key].push(JSON.parse(child("async-cycles", key, [`--count=${options.cycles}`]).stdout) as CycleSample);
    }
    log(`event-loop: worker round ${round + 1}/${options.rounds}`);
  }
  // Per round: the worker's start-up cost, and the CPU time it saves per operation (5 per cycle).
  const perRound = (f: (i: number) => number) => median(start.pool.map((_, i) => f(i)));
  const at = <T>(list: T[], i: number) => list[i] as T;
  const startCpu = perRound((i) => at(start.worker, i).cpuMs - at(start.pool, i).cpuMs);
  const startRss = perRound((i) => at(start.worker, i).rss - at(start.pool, i).rss);
  const stall = median(start.worker.map((s) => s.callMs));
  const stallPool = median(start.pool.map((s) => s.callMs));
  const savedCpuPerOp = perRound((i) => (at(cycles.pool, i).asyncCpu - at(cycles.worker, i).asyncCpu) / PHASES.length);
  const savedWallPerOp = perRound((i) => (at(cycles.pool, i).asyncWall - at(cycles.worker, i).asyncWall) / PHASES.length);
  const breakEven = (startCpu * 1000) / savedCpuPerOp;
  const ratio = (key: PathKey, metric: "Wall" | "Cpu") => median(cycles[key].map((s) => s[`async${metric}`] / s[`naive${metric}`]));
  const m = (key: PathKey, k: keyof CycleSample) => median(cycles[key].map((s) => s[k]));
  const report = [
    `The async API runs on the thread pool until a process has made \`DEFAULT_THRESHOLD\` (500) async file operations, then on one worker thread (one message round trip per operation).` +
      ` Fresh child processes, ${options.rounds} interleaved rounds, the path chosen with \`DEVINFO_ASYNC_WORKER\` (\`off\`, or \`1\` to start it at once):`,
    "",
    table(
      [
        "path",
        "full cycle, wall (µs)",
        "CPU (µs)",
        "naive fs/promises in the same process: wall, CPU (µs)",
        "/ naive, wall",
        "/ naive, CPU",
      ],
      (["pool", "worker"] as const).map((key) => [
        key === "pool" ? "thread pool (before the worker, or DEVINFO_ASYNC_WORKER=off)" : "worker thread",
        us(m(key, "asyncWall")),
        us(m(key, "asyncCpu")),
        `${us(m(key, "naiveWall"))}, ${us(m(key, "naiveCpu"))}`,
        x(ratio(key, "Wall")),
        x(ratio(key, "Cpu")),
      ]),
    ),
    "",
    `Starting the worker (a process that makes one async call and idles ${IDLE_MS} ms, with the worker minus without):` +
      ` **${ms(startCpu)} ms of CPU time, ${mb(startRss)} of peak RSS**; the event loop's longest delay meanwhile (\`monitorEventLoopDelay\`) is ${ms(stall)} ms` +
      ` (without a worker: ${ms(stallPool)} ms, the first call compiling the package's functions): loading Node's worker modules and creating the thread, each in its own turn of the event loop after the call that starts it; the worker loads the package's bundle on its own thread while calls go on on the thread pool.` +
      ` It saves ${us(savedCpuPerOp)} µs of CPU time and ${us(savedWallPerOp)} µs of wall time per operation, so it pays for its CPU time after` +
      ` **${breakEven.toFixed(0)} operations** (${(breakEven / PHASES.length).toFixed(0)} full cycles). A CNI plugin makes one to three: it never starts one.`,
  ].join("\n");
  return {
    report,
    verdicts: [
      {
        figure: "async API worker thread: start-up CPU time, peak RSS, longest event-loop delay; break-even (operations)",
        value: `${ms(startCpu)} ms, +${mb(startRss)}, ${ms(stall)} ms; ${breakEven.toFixed(0)} (threshold 500)`,
        budget: "-",
        ok: undefined,
      },
      {
        figure: "async full cycle on the thread pool (before the worker starts) / naive fs/promises, tmpfs",
        value: `${x(ratio("pool", "Wall"))} (CPU ${x(ratio("pool", "Cpu"))}); on the worker ${x(ratio("worker", "Wall"))} (CPU ${x(ratio("worker", "Cpu"))}), fresh processes`,
        budget: "-",
        ok: undefined,
      },
    ],
  };
}
