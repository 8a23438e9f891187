// The one wait loop (src/base/wait.ts) and its option rules, which both
// waiters take: the same misuse is the same error from either, and a
// fraction of a millisecond is a duration like any other (issue 21).

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { checkWaitOptions, WAIT_OPTION_RULES, type WaitOptions, waitFor } from "../../src/base/wait.js";
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
