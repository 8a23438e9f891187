/**
 * The stress suite as a whole: which scenarios exist, how to set up their
 * context, and how to print their figures as the README's table.
 */

import { runFuzz } from "./_fuzz-host.js";
import { bundle, scratch, startWorkers, type Worker } from "./_harness.js";
import { cliMaintenance } from "./_maintenance.js";
import {
  type Context,
  concurrentUpdates,
  crashConsistency,
  exclusiveCreate,
  lockHolderKilled,
  type ScenarioResult,
  type Sizes,
  tornReads,
} from "./scenarios.js";

export interface Scenario {
  readonly key: string;
  readonly run: (ctx: Context) => Promise<ScenarioResult>;
}

export const SCENARIOS: readonly Scenario[] = [
  { key: "race", run: exclusiveCreate },
  { key: "torn-replace", run: (ctx) => tornReads(ctx, "replace") },
  { key: "torn-save-clean", run: (ctx) => tornReads(ctx, "save-clean") },
  { key: "torn-control", run: (ctx) => tornReads(ctx, "naive") },
  { key: "crash", run: crashConsistency },
  { key: "updates", run: concurrentUpdates },
  { key: "lock-crash", run: lockHolderKilled },
  { key: "fuzz", run: (ctx) => runFuzz(ctx.sizes.fuzzCases, ctx.seed, ctx.log) },
];

/** Bundles the worker and builds a context; `dispose` removes every file the run made. */
export async function setUp(
  sizes: Sizes,
  seed: number,
  log?: (line: string) => void,
): Promise<{ ctx: Context; dispose: () => Promise<void> }> {
  const tmp = scratch();
  const worker = await bundle("stress/_worker.ts", tmp.dir);
  const pool: Worker[] = [];
  const workers = async (count: number) => {
    if (pool.length < count) pool.push(...(await startWorkers(worker, count - pool.length)));
    return pool.slice(0, count);
  };
  const ctx: Context = { worker, workers, root: tmp.dir, sizes, seed, maintenance: cliMaintenance, log };
  const dispose = async () => {
    await Promise.all(pool.map((w) => w.close()));
    tmp.dispose();
  };
  return { ctx, dispose };
}

/** Whether a result is a pass: no failure, or, for a control, at least one. */
export function passed(result: ScenarioResult): boolean {
  return result.control === true ? result.failures > 0 : result.failures === 0;
}

/** The figures as a Markdown table. */
export function table(results: readonly ScenarioResult[]): string {
  const rows = [
    "| Scenario | Trials | Failures | Notes |",
    "| --- | ---: | ---: | --- |",
    ...results.map((r) => {
      const failures = r.control === true ? `(${r.failures.toLocaleString("en-US")} torn, expected)` : String(r.failures);
      return `| ${r.scenario} | ${r.trials.toLocaleString("en-US")} ${r.unit} | ${failures} | ${r.detail} |`;
    }),
  ];
  return rows.join("\n");
}
