/**
 * `npm run bench`: every benchmark, then each figure next to its budget.
 *
 *   npm run bench                              # everything, full size (several minutes)
 *   npm run bench -- --only=ops,cold-start     # some suites
 *   npm run bench -- --quick                   # small sizes: a smoke test of the harness, not figures
 *   npm run bench -- --markdown=bench/latest.md
 *   npm run bench -- --only=cold-start --rounds=60   # more rounds than the default
 *
 * Progress goes to stderr, results to stdout. Exits 0 even when a budget is
 * missed (the table says MISSED): timings on a shared machine are for people,
 * not a gate. Exits 1 when a property fails (FAILED): the async API making a
 * `*Sync` call, which CI checks with the quick size.
 */

import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { machine } from "./_env.js";
import { log, type Verdict, verdictTable } from "./_stats.js";
import { benchColdStart } from "./cold-start.js";
import { benchEventLoop } from "./event-loop.js";
import { benchKubelet } from "./kubelet.mjs";
import { benchOps } from "./ops.js";
import { benchScale } from "./scale.js";
import { benchSyscalls } from "./syscalls.js";
import { worker } from "./workers.js";

const SUITES = ["ops", "event-loop", "cold-start", "scale", "syscalls", "kubelet"] as const;
type Suite = (typeof SUITES)[number];

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    markdown: { type: "string" },
    rounds: { type: "string" },
    // Internal: the children some suites start (scale, syscalls) run this bundle in a worker mode.
    worker: { type: "string" },
    count: { type: "string" },
    dir: { type: "string" },
    api: { type: "string" },
  },
});
if (values.worker !== undefined) {
  await worker(values.worker, { count: Number(values.count), dir: values.dir ?? "", api: values.api === "sync" ? "sync" : "async" });
  process.exit(0);
}
const only = (values.only?.split(",") ?? [...SUITES]) as Suite[];
for (const suite of only) if (!SUITES.includes(suite)) throw new Error(`--only: unknown suite ${suite}; one of ${SUITES.join(", ")}`);
const quick = values.quick;
/** Rounds of a suite: --rounds when given, else the suite's default for the chosen size. */
const rounds = (full: number, small: number) => (values.rounds !== undefined ? Number(values.rounds) : quick ? small : full);

const started = performance.now();
const header = `${new Date().toISOString()}: ${machine()}${quick ? " (--quick: smoke sizes, not figures)" : ""}`;
process.stderr.write(`${header}\n`);

const sections: string[] = [];
const verdicts: Verdict[] = [];
async function suite(name: Suite, title: string, run: () => Promise<{ report: string; verdicts: Verdict[] }>): Promise<void> {
  if (!only.includes(name)) return;
  process.stderr.write(`${name}...\n`);
  const t = performance.now();
  const result = await run();
  log(`${name}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
  sections.push(`### ${title}\n\n${result.report}`);
  verdicts.push(...result.verdicts);
}

await suite("ops", "Per operation and full cycle", () =>
  benchOps({ rounds: rounds(21, 3), batch: quick ? 20 : 200, places: ["tmpfs", "disk"] }),
);

await suite("event-loop", "The async API does not block the event loop", () =>
  benchEventLoop({ cycles: quick ? 50 : 2000, workerRounds: rounds(5, 1), workerCycles: quick ? 20 : 200 }),
);
await suite("cold-start", "Cold start", () => benchColdStart({ rounds: rounds(40, 2) }));
await suite("scale", "Scale", () =>
  benchScale({ rounds: rounds(5, 1), devices: quick ? [100, 1000] : [1000, 10_000], files: quick ? [1000, 10_000] : [10_000, 100_000] }),
);
await suite("syscalls", "System calls per operation", () => benchSyscalls({ count: quick ? 5 : 50, cycles: quick ? 20 : 500 }));
await suite("kubelet", "Kubelet lookup in a fresh process", () =>
  benchKubelet({
    rounds: rounds(30, 2),
    pods: quick ? 1000 : 30_000,
    dist: path.join(process.env.DEVINFO_BENCH_APP ?? "", "node_modules", "devinfo", "dist"),
  }),
);

const seconds = ((performance.now() - started) / 1000).toFixed(0);
const out = [`## Results`, "", header, "", verdictTable(verdicts), "", ...sections.flatMap((s) => [s, ""]), `Total ${seconds} s.`, ""].join(
  "\n",
);
process.stdout.write(out);
if (values.markdown !== undefined) fs.writeFileSync(values.markdown, out);
if (verdicts.some((v) => v.hard === true && v.ok === false)) process.exitCode = 1;
