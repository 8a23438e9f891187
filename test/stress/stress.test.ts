/**
 * The fast subset of the stress suite, part of `npm test`: every scenario of
 * `npm run stress`, with few trials. The full run (`npm run stress`) uses the
 * same code with thousands.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "./scenarios.js";
import { SIZES } from "./scenarios.js";
import { SCENARIOS, setUp } from "./suite.js";

let ctx: Context;
let dispose: () => Promise<void> = async () => {};

beforeAll(async () => {
  ({ ctx, dispose } = await setUp(SIZES.fast, 4242));
});
afterAll(() => dispose());

describe("stress suite, fast subset", () => {
  it.each(SCENARIOS.filter((s) => s.key !== "torn-control").map((s) => [s.key, s] as const))("%s: no failures", async (_key, scenario) => {
    const result = await scenario.run(ctx);
    expect(result.trials).toBeGreaterThan(0);
    expect(result.samples).toEqual([]);
    expect(result.failures).toBe(0);
  });

  it("torn-control: the same readers do see torn files from a Go-style writer (the check is not blind)", async () => {
    const control = SCENARIOS.find((s) => s.key === "torn-control");
    const result = await control?.run(ctx);
    expect(result?.control).toBe(true);
    expect(result?.failures).toBeGreaterThan(0);
  });
});
