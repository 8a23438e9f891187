/**
 * Several processes at once: exclusive saves race for a new file (exactly one
 * wins), and updates of one file serialise on its lock (none is lost).
 */

import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockPathFor } from "../../src/files/_atomic.js";
import { loadDeviceInfoFromCNISync, updateDeviceInfoForCNI } from "../../src/files/operations.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { lines, packageUrl, runNode, spawnNode } from "../helpers/run-node.js";

// The core's built modules (not the main entry, so that other areas being rebuilt do not matter here).
const CORE = packageUrl("files/operations.js");

import { leftovers, makeTempDir, removeTempDir, useTempDir } from "../helpers/temp-dir.js";

const WORKERS = 8;
const TRIALS = Number(process.env.DEVINFO_RACE_TRIALS ?? 50);

/** The document worker `i` writes: different content and size per worker. */
function docOf(i: number): DeviceInfo {
  return {
    type: "pci",
    version: "1.1.0",
    pci: { "pci-address": `0000:af:0${i}.0` },
    writer: i,
    pad: "x".repeat(1000 * (i + 1)),
  } as DeviceInfo;
}

// A worker saves on command: "<path> <startAt>" (epoch ms, fractional). It
// spins until then so that all workers hit the file system together, then
// answers with one JSON line. Even workers use the Sync API, odd ones async.
const WORKER = `
import * as d from ${JSON.stringify(CORE)};
import readline from "node:readline";
const id = Number(process.argv[1]);
const info = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:0" + id + ".0" }, writer: id, pad: "x".repeat(1000 * (id + 1)) };
const now = () => performance.timeOrigin + performance.now();
console.log("ready");
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [file, startAt] = line.split(" ");
  while (now() < Number(startAt)) {}
  try {
    if (id % 2 === 0) d.saveDeviceInfoForCNISync(file, info);
    else await d.saveDeviceInfoForCNI(file, info);
    console.log(JSON.stringify({ id, ok: true }));
  } catch (err) {
    console.log(JSON.stringify({ id, code: err.code ?? String(err) }));
  }
}
`;

describe(`${WORKERS} processes saving the same new file (${TRIALS} trials)`, () => {
  let dir: string;
  let workers: { child: ChildProcess; out: ReturnType<typeof lines> }[] = [];

  beforeAll(async () => {
    dir = makeTempDir();
    workers = Array.from({ length: WORKERS }, (_, i) => {
      const child = spawnNode(WORKER, [String(i)]);
      return { child, out: lines(child) };
    });
    for (const w of workers) expect(await w.out.next()).toBe("ready");
  }, 60_000);

  afterAll(() => {
    for (const w of workers) w.child.stdin?.end();
    removeTempDir(dir);
  });

  it("exactly one succeeds, the others get ERR_DEVINFO_EXISTS, and the file is the winner's, complete", async () => {
    const wins = new Array<number>(WORKERS).fill(0);
    for (let trial = 0; trial < TRIALS; trial++) {
      // Odd trials also race to create the directories.
      const file = trial % 2 === 0 ? path.join(dir, "cni", `trial-${trial}`) : path.join(dir, `new-${trial}`, "cni", "f");
      const startAt = performance.timeOrigin + performance.now() + 20;
      for (const w of workers) w.child.stdin?.write(`${file} ${startAt}\n`);
      const results = (await Promise.all(workers.map((w) => w.out.next()))).map(
        (line) => JSON.parse(line) as { id: number; ok?: true; code?: string },
      );
      const winners = results.filter((r) => r.ok);
      expect(winners, `trial ${trial}: ${JSON.stringify(results)}`).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => r.code)).toEqual(new Array(WORKERS - 1).fill("ERR_DEVINFO_EXISTS"));
      const winner = winners[0]?.id ?? -1;
      wins[winner] = (wins[winner] ?? 0) + 1;
      expect(fs.readFileSync(file, "utf8")).toBe(serializeDeviceInfo(docOf(winner)));
      expect(fs.statSync(file).mode & 0o7777).toBe(0o444);
      expect(leftovers(path.dirname(file))).toEqual([]);
    }
    // Every trial had exactly one winner (checked above); the tally is for the curious.
    expect(wins.reduce((a, b) => a + b, 0)).toBe(TRIALS);
  });
});

describe("updates of one file from two processes", () => {
  const tmp = useTempDir();

  // Each process adds its id to a list and bumps a counter, many times over.
  const UPDATER = `
import * as d from ${JSON.stringify(CORE)};
const [file, id, times] = process.argv.slice(1);
const bump = (c) => ({ ...c, counter: (c?.counter ?? 0) + 1, by: [...(c?.by ?? []), id] });
// A generous stale limit: on a loaded CI machine a holder may be descheduled
// for longer than the 5 s default, and breaking its lock is not what is tested.
const options = { lockStaleMs: 120_000, lockTimeoutMs: 120_000 };
for (let i = 0; i < Number(times); i++) {
  if (id === "sync") d.updateDeviceInfoForCNISync(file, (c) => ({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, ...bump(c) }), options);
  else await d.updateDeviceInfoForCNI(file, async (c) => ({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, ...bump(c) }), options);
}
`;

  it("lose no update: the lock serialises them", async () => {
    const file = tmp.join("cni", "f");
    const times = 60;
    const results = await Promise.all(["sync", "async"].map((id) => runNode(UPDATER, [file, id, String(times)])));
    for (const r of results) expect([r.code, r.stderr]).toEqual([0, ""]);
    const info = loadDeviceInfoFromCNISync(file) as unknown as { counter: number; by: string[] };
    expect(info.counter).toBe(2 * times);
    expect(info.by.filter((id) => id === "sync")).toHaveLength(times);
    expect(info.by.filter((id) => id === "async")).toHaveLength(times);
    expect(leftovers(path.dirname(file))).toEqual([]);
  });

  // The child takes the lock and holds it inside fn until told to go on.
  const HOLDER = `
import fs from "node:fs";
import * as d from ${JSON.stringify(CORE)};
const [file] = process.argv.slice(1);
d.updateDeviceInfoForCNISync(file, (c) => {
  console.log("holding");
  fs.readSync(0, Buffer.alloc(1));
  return { ...c, holder: true };
});
console.log("done");
`;

  it("a lock held by a live process gives ERR_DEVINFO_CONFLICT after lockTimeoutMs; its update then completes", async () => {
    const file = tmp.join("cni", "f");
    await updateDeviceInfoForCNI(file, () => ({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } }));
    const holder = spawnNode(HOLDER, [file]);
    const out = lines(holder);
    expect(await out.next()).toBe("holding");
    await expect(updateDeviceInfoForCNI(file, (c) => c && { ...c, other: true }, { lockTimeoutMs: 100 })).rejects.toMatchObject({
      code: "ERR_DEVINFO_CONFLICT",
    });
    holder.stdin?.end("go\n");
    expect(await out.next()).toBe("done");
    // Waiting (the default timeout) now succeeds, and both updates are in.
    const after = await updateDeviceInfoForCNI(file, (c) => c && ({ ...c, other: true } as DeviceInfo));
    expect(after).toMatchObject({ holder: true, other: true });
    expect(leftovers(path.dirname(file))).toEqual([]);
  });

  it("a lock left by a killed process is broken once stale", async () => {
    const file = tmp.join("cni", "f");
    const holder = spawnNode(HOLDER, [file]);
    const out = lines(holder);
    expect(await out.next()).toBe("holding");
    holder.kill("SIGKILL");
    await new Promise((resolve) => holder.once("close", resolve));
    const lock = lockPathFor(file);
    expect(fs.existsSync(lock)).toBe(true);
    await expect(updateDeviceInfoForCNI(file, () => undefined, { lockTimeoutMs: 50, lockStaleMs: 60_000 })).rejects.toMatchObject({
      code: "ERR_DEVINFO_CONFLICT",
    });
    // Age it instead of waiting: staleness is judged by the lock's mtime.
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    const written = await updateDeviceInfoForCNI(file, () => ({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } }), {
      lockStaleMs: 60_000,
    });
    expect(written?.type).toBe("pci");
    expect(leftovers(path.dirname(file))).toEqual([]);
  });
});

describe("a reader while a writer replaces and removes the file", () => {
  const tmp = useTempDir();

  // The writer cycles exclusive save, overwrite, clean; the reader loads until
  // the writer is done. Go's non-atomic write let readers see an empty file.
  const WRITER = `
import fs from "node:fs";
import * as d from ${JSON.stringify(CORE)};
const [file, stop, cycles] = process.argv.slice(1);
const a = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, pad: "a".repeat(20000) };
const b = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.1" }, pad: "b".repeat(30000) };
for (let i = 0; i < Number(cycles); i++) {
  if (i % 2 === 0) d.saveDeviceInfoForCNISync(file, a);
  else await d.saveDeviceInfoForCNI(file, a);
  await d.saveDeviceInfoForCNI(file, b, { overwrite: true });
  d.cleanDeviceInfoForCNISync(file);
}
fs.writeFileSync(stop, "");
`;
  const READER = `
import fs from "node:fs";
import * as d from ${JSON.stringify(CORE)};
const [file, stop] = process.argv.slice(1);
const seen = {};
while (!fs.existsSync(stop)) {
  let key;
  try {
    const info = (seen.n = (seen.n ?? 0) + 1) % 2 ? d.loadDeviceInfoFromCNISync(file) : await d.loadDeviceInfoFromCNI(file);
    key = info === undefined ? "none" : info.pci["pci-address"] + ":" + info.pad.length;
  } catch (err) {
    key = "error " + (err.code ?? String(err));
  }
  seen[key] = (seen[key] ?? 0) + 1;
}
console.log(JSON.stringify(seen));
`;

  it("sees no file, the old one or the new one, complete, never anything else", async () => {
    const file = tmp.join("cni", "f");
    const stop = tmp.join("stop");
    fs.mkdirSync(tmp.join("cni"));
    const [writer, reader] = await Promise.all([runNode(WRITER, [file, stop, "200"]), runNode(READER, [file, stop])]);
    expect([writer.code, writer.stderr]).toEqual([0, ""]);
    expect([reader.code, reader.stderr]).toEqual([0, ""]);
    const seen = JSON.parse(reader.stdout) as Record<string, number>;
    delete seen.n;
    expect(Object.keys(seen).filter((key) => !["none", "0000:af:06.0:20000", "0000:af:06.1:30000"].includes(key))).toEqual([]);
    expect(leftovers(tmp.join("cni"))).toEqual([]);
  });
});
