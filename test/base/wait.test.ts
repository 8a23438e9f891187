// The one wait loop (src/base/wait.ts) and its option rules, which both
// waiters take: the same misuse is the same error from either, and a
// fraction of a millisecond is a duration like any other (issue 21).

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { checkWaitOptions, MAX_TIMER_MS, sleep, WAIT_OPTION_RULES, type WaitOptions, waitFor } from "../../src/base/wait.js";
import { waitForDeviceMetadata } from "../../src/dra/metadata.js";
import { waitForPodNetworkStatus } from "../../src/status/workload.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir();

type Waiter = (path: string, options: WaitOptions) => Promise<unknown>;
const WAITERS: readonly [string, Waiter][] = [
  ["waitForPodNetworkStatus", (path, options) => waitForPodNetworkStatus(path, options)],
  ["waitForDeviceMetadata", (path, options) => waitForDeviceMetadata(path, options)],
];

async function caught(promise: Promise<unknown>): Promise<{ name: string; code: unknown; message: string } | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { name: e.name, code: e.code, message: e.message };
  }
}

describe.each(WAITERS)("%s takes the wait's option rules", (_name, wait) => {
  it.each<[string, Partial<WaitOptions>, string, string]>([
    ["timeoutMs missing", {}, "ERR_INVALID_ARG_TYPE", 'The "options.timeoutMs" property must be of type number. Received undefined'],
    ["timeoutMs a string", { timeoutMs: "5" as never }, "ERR_INVALID_ARG_TYPE", 'The "options.timeoutMs" property must be of type number'],
    ["timeoutMs negative", { timeoutMs: -1 }, "ERR_OUT_OF_RANGE", 'The value of "options.timeoutMs" is out of range. It must be >= 0'],
    ["timeoutMs NaN", { timeoutMs: Number.NaN }, "ERR_OUT_OF_RANGE", 'The value of "options.timeoutMs" is out of range. It must be >= 0'],
    ["timeoutMs Infinity", { timeoutMs: Number.POSITIVE_INFINITY }, "ERR_OUT_OF_RANGE", "It must be >= 0 && <= 9007199254740991"],
    [
      "intervalMs 0",
      { timeoutMs: 1, intervalMs: 0 },
      "ERR_OUT_OF_RANGE",
      'The value of "options.intervalMs" is out of range. It must be > 0',
    ],
    ["intervalMs negative", { timeoutMs: 1, intervalMs: -5 }, "ERR_OUT_OF_RANGE", "It must be > 0 && <= 9007199254740991"],
    ["signal not a signal", { timeoutMs: 1, signal: {} as never }, "ERR_INVALID_ARG_TYPE", "must be an instance of AbortSignal"],
  ])("%s: the same misuse error", async (_case, options, code, message) => {
    const error = await caught(wait(tmp.join("absent"), options as WaitOptions));
    expect(error?.code).toBe(code);
    expect(error?.message).toContain(message);
  });

  it.each<[string, WaitOptions]>([
    ["a fractional timeoutMs", { timeoutMs: 20.5 }],
    ["a fractional intervalMs", { timeoutMs: 20, intervalMs: 2.5 }],
    ["timeoutMs 0 (one look)", { timeoutMs: 0 }],
  ])("accepts %s: waits, then times out on the absent file", async (_case, options) => {
    const error = await caught(wait(tmp.join("absent"), options));
    expect(error?.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(error?.message).toMatch(/^timed out after [\d.]+ ms waiting for /);
  });

  it("an aborted signal rejects with its reason, before any look", async () => {
    const reason = new Error("stop");
    expect(await caught(wait(tmp.join("absent"), { timeoutMs: 1000, signal: AbortSignal.abort(reason) }))).toMatchObject({
      message: "stop",
    });
  });

  it("an abort cuts a sleep short", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = caught(wait(tmp.join("absent"), { timeoutMs: 10_000, intervalMs: 5_000, signal: controller.signal }));
    setTimeout(() => controller.abort(new Error("enough")), 30);
    expect(await pending).toMatchObject({ message: "enough" });
    expect(performance.now() - started).toBeLessThan(4_000);
  });
});

describe("waitFor", () => {
  it("looks until found, every intervalMs", async () => {
    let looks = 0;
    const value = await waitFor(
      { timeoutMs: 5_000, intervalMs: 1 },
      async () => (++looks === 3 ? { value: "x" } : undefined),
      () => new Error("late"),
    );
    expect([value, looks]).toEqual(["x", 3]);
  });

  it("throws what timedOut returns once the deadline has passed, after at least one look", async () => {
    let looks = 0;
    const error = await caught(
      waitFor(
        { timeoutMs: 15, intervalMs: 5 },
        async () => {
          looks++;
          return undefined;
        },
        () => new Error(`late after ${looks}`),
      ),
    );
    expect(error?.message).toMatch(/^late after \d+$/);
    expect(looks).toBeGreaterThanOrEqual(2);
  });

  it("ends at once on an error of the look", async () => {
    const error = await caught(
      waitFor(
        { timeoutMs: 5_000 },
        async () => {
          throw new Error("bad file");
        },
        () => new Error("late"),
      ),
    );
    expect(error?.message).toBe("bad file");
  });

  it("a file that appears is found by both waiters", async () => {
    const annotations = tmp.join("annotations");
    const metadata = tmp.join("metadata.json");
    setTimeout(() => {
      fs.writeFileSync(annotations, 'k8s.v1.cni.cncf.io/network-status="[{\\"name\\":\\"n\\"}]"\n');
      fs.writeFileSync(
        metadata,
        JSON.stringify({ apiVersion: "metadata.resource.k8s.io/v1beta1", kind: "DeviceMetadata", metadata: { name: "c", generation: 1 } }),
      );
    }, 30);
    const [statuses, found] = await Promise.all([
      waitForPodNetworkStatus(annotations, { timeoutMs: 5_000, intervalMs: 5 }),
      waitForDeviceMetadata(metadata, { timeoutMs: 5_000, intervalMs: 5 }),
    ]);
    expect(statuses.map((s) => s.name)).toEqual(["n"]);
    expect(found.metadata.name).toBe("c");
  });
});

/** Runs `body` and collects the process warnings emitted meanwhile (a TimeoutOverflowWarning is one). */
async function warningsDuring<T>(body: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on("warning", onWarning);
  try {
    const result = await body();
    // Warnings are emitted on the next tick: let any pending one arrive.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { result, warnings };
  } finally {
    process.off("warning", onWarning);
  }
}

// Any duration >= 0 is allowed, but one Node timer takes at most 2^31-1 ms: past it,
// Node warns and fires after 1 ms, which turned a long interval into a 1 ms busy poll.
describe("durations past Node's timer limit (2^31-1 ms)", () => {
  it.each<[string, number]>([
    ["intervalMs 3e9", 3e9],
    ["intervalMs 2^31", 2 ** 31],
    ["intervalMs 2^31-1 (the limit itself)", MAX_TIMER_MS],
    ["intervalMs 2^53-1", Number.MAX_SAFE_INTEGER],
  ])("%s with timeoutMs 300: one look, a sleep to the deadline, a last look; no warning", async (_case, intervalMs) => {
    let looks = 0;
    const started = performance.now();
    const { result, warnings } = await warningsDuring(() =>
      caught(
        waitFor(
          { timeoutMs: 300, intervalMs },
          async () => {
            looks++;
            return undefined;
          },
          () => new Error("late"),
        ),
      ),
    );
    const elapsed = performance.now() - started;
    expect({ message: result?.message, looks, warnings }).toEqual({ message: "late", looks: 2, warnings: [] });
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(elapsed).toBeLessThan(2_000);
  });

  it.each<[string, WaitOptions]>([
    ["timeoutMs 3e9, intervalMs 3e9", { timeoutMs: 3e9, intervalMs: 3e9 }],
    ["timeoutMs 2^53-1, intervalMs 2^31", { timeoutMs: Number.MAX_SAFE_INTEGER, intervalMs: 2 ** 31 }],
    ["timeoutMs 2^31, intervalMs 2^53-1", { timeoutMs: 2 ** 31, intervalMs: Number.MAX_SAFE_INTEGER }],
  ])("%s: one look, then a sleep that only the abort ends; no warning", async (_case, options) => {
    let looks = 0;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("enough")), 300);
    const { result, warnings } = await warningsDuring(() =>
      caught(
        waitFor(
          { ...options, signal: controller.signal },
          async () => {
            looks++;
            return undefined;
          },
          () => new Error("late"),
        ),
      ),
    );
    expect({ message: result?.message, looks, warnings }).toEqual({ message: "enough", looks: 1, warnings: [] });
  });

  it("timeoutMs 3e9, intervalMs 50: looks every 50 ms, no warning", async () => {
    let looks = 0;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("enough")), 300);
    const { result, warnings } = await warningsDuring(() =>
      caught(
        waitFor(
          { timeoutMs: 3e9, intervalMs: 50, signal: controller.signal },
          async () => {
            looks++;
            return undefined;
          },
          () => new Error("late"),
        ),
      ),
    );
    expect(result?.message).toBe("enough");
    expect(warnings).toEqual([]);
    expect(looks).toBeGreaterThanOrEqual(3);
    expect(looks).toBeLessThanOrEqual(7);
  });

  it.each<[string, number]>([
    ["3e9", 3e9],
    ["2^31", 2 ** 31],
  ])("sleep(%s) neither warns nor ends early", async (_case, ms) => {
    const controller = new AbortController();
    let slept = false;
    setTimeout(() => controller.abort(new Error("enough")), 200);
    const { result, warnings } = await warningsDuring(() =>
      caught(
        sleep(ms, controller.signal).then(() => {
          slept = true;
        }),
      ),
    );
    expect({ message: result?.message, slept, warnings }).toEqual({ message: "enough", slept: false, warnings: [] });
  });

  it.each(WAITERS)("%s with timeoutMs and intervalMs 3e9: waits without a warning until aborted", async (_name, wait) => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("enough")), 300);
    const { result, warnings } = await warningsDuring(() =>
      caught(wait(tmp.join("absent"), { timeoutMs: 3e9, intervalMs: 3e9, signal: controller.signal })),
    );
    expect({ message: result?.message, warnings }).toEqual({ message: "enough", warnings: [] });
  });

  it.each(WAITERS)("%s with intervalMs 3e9 and timeoutMs 300: times out at the deadline", async (_name, wait) => {
    const started = performance.now();
    const { result, warnings } = await warningsDuring(() => caught(wait(tmp.join("absent"), { timeoutMs: 300, intervalMs: 3e9 })));
    expect(result?.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(warnings).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });
});

describe("checkWaitOptions", () => {
  it("needs an options object: timeoutMs has no default", () => {
    expect(() => checkWaitOptions(undefined as never, WAIT_OPTION_RULES)).toThrow(
      expect.objectContaining({
        code: "ERR_INVALID_ARG_TYPE",
        message: 'The "options" argument must be of type object. Received undefined',
      }),
    );
  });
});
