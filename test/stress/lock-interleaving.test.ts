/**
 * The update lock's protocol, checked the way a model checker would: every
 * lock operation is a generator of system calls, so several "processes" can
 * be stepped one system call at a time in any order, on the real file
 * system. Random schedules (fixed seeds) run three acquirers against a lock
 * left by a dead process; whatever the interleaving, two of them must never
 * hold the lock at once. Real processes (the stress suite's "lock holder
 * killed" scenario) hit the same windows only now and then.
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acquireLock, type HeldLock, lockPathFor, releaseLock } from "../../src/files/_atomic.js";
import { execSync, type Gen, type Op } from "../../src/files/_syscalls.js";
import {
  type DeviceInfo,
  isDeviceInfoError,
  loadDeviceInfoFromCNISync,
  saveDeviceInfoForCNISync,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/index.js";
import { prng } from "./_docs.js";

/** One system call, as the sync runner performs it; sleeps are skipped (time is the schedule's). */
function exec(op: Op): unknown {
  return op.op === "sleep" ? undefined : execSync(op);
}

/** A generator stepped one system call at a time. */
class Stepper<T> {
  private step: IteratorResult<Op, T>;
  constructor(private readonly gen: Gen<T>) {
    this.step = gen.next();
  }
  get done(): boolean {
    return this.step.done === true;
  }
  get value(): T {
    if (!this.step.done) throw new Error("not done");
    return this.step.value;
  }
  /** Performs the pending system call and runs up to the next one. */
  advance(): void {
    if (this.step.done) return;
    let result: unknown;
    try {
      result = exec(this.step.value);
    } catch (err) {
      this.step = this.gen.throw(err);
      return;
    }
    this.step = this.gen.next(result);
  }
}

type Proc =
  | { state: "acquiring"; stepper: Stepper<HeldLock>; rounds: number }
  | { state: "holding"; held: HeldLock; steps: number; rounds: number }
  | { state: "releasing"; stepper: Stepper<void>; rounds: number }
  | { state: "done" };

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * One schedule: `procs` acquirers, each taking the lock `rounds` times,
 * against a stale lock left by a dead holder. Returns a description of the
 * first moment two processes held the lock, or `undefined`.
 */
function schedule(seed: number, procs: number, rounds: number): string | undefined {
  const random = prng(seed);
  const target = path.join(dir, `s${seed}`, "net");
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const lock = lockPathFor(target);
  fs.writeFileSync(lock, "12345\n");
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(lock, past, past);

  const options = { timeoutMs: 60_000, staleMs: 5_000 };
  const all: Proc[] = Array.from({ length: procs }, () => ({
    state: "acquiring",
    stepper: new Stepper(acquireLock(target, options)),
    rounds,
  }));
  for (let step = 0; step < 100_000; step++) {
    const live = all.filter((p) => p.state !== "done");
    if (live.length === 0) return undefined;
    const proc = live[Math.floor(random() * live.length)] as Proc;
    switch (proc.state) {
      case "acquiring":
        proc.stepper.advance();
        if (proc.stepper.done) {
          const holders = all.filter((p) => p.state === "holding").length;
          if (holders > 0) return `step ${step}: a process took the lock while ${holders} other(s) held it`;
          Object.assign(proc, { state: "holding", held: proc.stepper.value, steps: 1 + Math.floor(random() * 6) });
        }
        break;
      case "holding":
        if (--proc.steps <= 0) Object.assign(proc, { state: "releasing", stepper: new Stepper(releaseLock(proc.held)) });
        break;
      case "releasing":
        proc.stepper.advance();
        if (proc.stepper.done) {
          if (proc.rounds > 1)
            Object.assign(proc, { state: "acquiring", stepper: new Stepper(acquireLock(target, options)), rounds: proc.rounds - 1 });
          else Object.assign(proc, { state: "done" });
        }
        break;
    }
  }
  return "the schedule did not finish (livelock?)";
}

describe("the update lock under every interleaving of its system calls", () => {
  it("three processes breaking a dead holder's lock: never two holders (300 random schedules)", () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 300; seed++) {
      const problem = schedule(seed, 3, 2);
      if (problem !== undefined) failures.push(`seed ${seed}: ${problem}`);
    }
    expect(failures).toEqual([]);
  });

  it("no lock file is left once every process has released", () => {
    for (let seed = 1001; seed <= 1050; seed++) {
      expect(schedule(seed, 3, 1)).toBeUndefined();
      const left = fs.readdirSync(path.join(dir, `s${seed}`)).filter((n) => n !== "net");
      expect(left).toEqual([]);
    }
  });
});

describe("an update that outlasts the lock's stale limit", () => {
  type Counted = DeviceInfo & { counter: number; slow?: boolean; fast?: boolean };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("fails with ERR_DEVINFO_CONFLICT rather than silently undo the update made after its lock was broken", async () => {
    const file = path.join(dir, "slow", "net");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    saveDeviceInfoForCNISync(file, { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, counter: 0 } as Counted);
    const options = { lockStaleMs: 100 };
    // Holds the lock for 600 ms: after 100 ms it looks left by a dead process.
    const slow = updateDeviceInfoForCNI(
      file,
      async (doc) => {
        await sleep(600);
        const d = doc as Counted;
        return { ...d, counter: d.counter + 1, slow: true } as Counted;
      },
      options,
    );
    await sleep(250);
    updateDeviceInfoForCNISync(
      file,
      (doc) => ({ ...(doc as Counted), counter: (doc as Counted).counter + 1, fast: true }) as Counted,
      options,
    );
    const outcome = await slow.then(
      () => "ok",
      (err: unknown) => (isDeviceInfoError(err) ? err.code : String(err)),
    );
    const final = loadDeviceInfoFromCNISync(file) as Counted;
    // No silent lost update: the slow one fails, typed, or both are in the file.
    if (outcome === "ok") expect(final).toMatchObject({ counter: 2, slow: true, fast: true });
    else expect({ outcome, final }).toMatchObject({ outcome: "ERR_DEVINFO_CONFLICT", final: { counter: 1, fast: true } });
    expect(fs.readdirSync(path.dirname(file))).toEqual(["net"]);
  });
});
