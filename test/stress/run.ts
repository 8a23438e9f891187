/**
 * `npm run stress`: runs every scenario at the chosen size and prints the
 * figures as a Markdown table (the README's "Reliability" table). Exits 1 if
 * any scenario saw a failure.
 *
 *   npm run stress                      # full size
 *   npm run stress -- --size=ci         # the size CI runs
 *   npm run stress -- --only=race,crash --seed=7
 */

import { parseArgs } from "node:util";
import { type ScenarioResult, SIZES, type SizeName } from "./scenarios.js";
import { passed, SCENARIOS, setUp, table } from "./suite.js";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "full" },
    only: { type: "string" },
    seed: { type: "string", default: "20250101" },
  },
});
const size = values.size as SizeName;
if (!(size in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(", ")}`);
const only = values.only?.split(",");
const seed = Number(values.seed);
const log = (line: string) => process.stderr.write(`  ${line}\n`);

const started = performance.now();
const { ctx, dispose } = await setUp(SIZES[size], seed, log);
const results: ScenarioResult[] = [];
try {
  for (const scenario of SCENARIOS) {
    if (only !== undefined && !only.includes(scenario.key)) continue;
    process.stderr.write(`${scenario.key}...\n`);
    const result = await scenario.run(ctx);
    results.push(result);
    process.stderr.write(
      `${scenario.key}: ${result.trials} ${result.unit}, ${result.failures} failures, ${(result.ms / 1000).toFixed(1)} s\n`,
    );
    if (result.control === true && result.failures === 0) process.stderr.write("  ✗ the control saw no torn read: the check is blind\n");
    if (result.control !== true) for (const sample of result.samples) process.stderr.write(`  ✗ ${sample}\n`);
  }
} finally {
  await dispose();
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${table(results)}\n\nSize ${size}, seed ${seed}, Node ${process.version}, ${seconds.toFixed(0)} s.\n`);
process.exitCode = results.every(passed) ? 0 : 1;
