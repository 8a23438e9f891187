/**
 * Runs the fuzz cases in a worker thread with a heap limit and a watchdog:
 * "never a crash, a hang or an unbounded allocation" becomes three things the
 * run can observe and count.
 */

import { Worker } from "node:worker_threads";
import type { FuzzJob, FuzzMessage, FuzzTargetResult } from "./_fuzz-thread.js";
import { bundle, scratch } from "./_harness.js";
import type { ScenarioResult } from "./scenarios.js";

/** Heap the fuzz thread may use; parsers see inputs of at most a few kilobytes. */
const HEAP_LIMIT_MB = 256;
/** The longest the thread may go without finishing a chunk of cases. */
const WATCHDOG_MS = 60_000;

export async function runFuzz(cases: number, seed: number, log?: (line: string) => void): Promise<ScenarioResult> {
  const start = performance.now();
  const tmp = scratch("devinfo-fuzz-");
  try {
    const script = await bundle("stress/_fuzz-thread.ts", tmp.dir);
    const job: FuzzJob = { cases, seed, dir: tmp.dir };
    const outcome = await new Promise<{ results?: readonly FuzzTargetResult[]; problem?: string; done: number }>((resolve) => {
      const worker = new Worker(script, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } });
      let done = 0;
      let logged = 0;
      let timer = setTimeout(() => hang(), WATCHDOG_MS);
      const hang = () => {
        void worker.terminate();
        resolve({ problem: `no progress for ${WATCHDOG_MS / 1000} s after ${done} cases: a parser hangs`, done });
      };
      worker.on("message", (message: FuzzMessage) => {
        clearTimeout(timer);
        timer = setTimeout(hang, WATCHDOG_MS);
        if (message.kind === "progress") {
          done = message.done;
          if (done - logged >= 25_000) {
            logged = done;
            log?.(`fuzz: ${done} cases`);
          }
        } else {
          clearTimeout(timer);
          resolve({ results: message.results, done });
        }
      });
      worker.on("error", (err: Error & { code?: string }) => {
        clearTimeout(timer);
        const what =
          err.code === "ERR_WORKER_OUT_OF_MEMORY" ? `over the ${HEAP_LIMIT_MB} MB heap limit` : `crashed: ${err.stack ?? err.message}`;
        resolve({ problem: `the fuzz thread ${what} after ${done} cases`, done });
      });
    });
    const results = outcome.results ?? [];
    const failures = results.reduce((s, r) => s + r.failures, 0) + (outcome.problem === undefined ? 0 : 1);
    const samples = [
      ...(outcome.problem === undefined ? [] : [outcome.problem]),
      ...results.flatMap((r) => r.samples.map((s) => `${r.name}: ${s}`)),
    ];
    return {
      scenario: "Hostile input (fast-check)",
      unit: "cases",
      trials: outcome.results === undefined ? outcome.done : results.reduce((s, r) => s + r.cases, 0),
      failures,
      detail: `no exception but DeviceInfoError, no prototype change, every value re-serialises stably, heap capped at ${HEAP_LIMIT_MB} MB; ${results.map((r) => `${r.name}: ${r.cases.toLocaleString("en-US")}`).join("; ")}`,
      samples,
      ms: Math.round(performance.now() - start),
    };
  } finally {
    tmp.dispose();
  }
}
