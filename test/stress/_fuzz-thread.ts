/**
 * The fuzz run's worker thread: it runs under a heap limit set by the host,
 * so a parser that allocates without bound kills the thread (and is reported)
 * instead of the machine, and the host's watchdog catches a hang.
 */

import fs from "node:fs";
import path from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import { TARGETS, useFileDirectory, useFileWriter } from "./_fuzz-targets.js";

export interface FuzzJob {
  readonly cases: number;
  readonly seed: number;
  readonly dir: string;
}

export interface FuzzTargetResult {
  readonly name: string;
  readonly cases: number;
  readonly failures: number;
  readonly samples: readonly string[];
}

export type FuzzMessage =
  | { readonly kind: "progress"; readonly done: number }
  | { readonly kind: "done"; readonly results: readonly FuzzTargetResult[] };

const CHUNK = 250;

function run(job: FuzzJob): FuzzTargetResult[] {
  useFileDirectory(job.dir);
  useFileWriter((file, bytes) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  });
  const totalWeight = TARGETS.reduce((s, t) => s + t.weight, 0);
  const results: FuzzTargetResult[] = [];
  let done = 0;
  for (const [index, target] of TARGETS.entries()) {
    const cases = Math.ceil((job.cases * target.weight) / totalWeight);
    let failures = 0;
    const samples: string[] = [];
    for (let chunk = 0; chunk * CHUNK < cases; chunk++) {
      const n = Math.min(CHUNK, cases - chunk * CHUNK);
      // One seed per chunk: any failing case can be regenerated from (seed, target, chunk).
      const seed = job.seed + index * 1_000_003 + chunk;
      for (const input of fc.sample(target.arbitrary, { seed, numRuns: n })) {
        const problem = target.check(input);
        if (problem !== undefined) {
          failures++;
          if (samples.length < 5) samples.push(`[seed ${seed}] ${problem}`);
        }
      }
      done += n;
      parentPort?.postMessage({ kind: "progress", done } satisfies FuzzMessage);
    }
    results.push({ name: target.name, cases, failures, samples });
  }
  return results;
}

parentPort?.postMessage({ kind: "done", results: run(workerData as FuzzJob) } satisfies FuzzMessage);
