// The async API runs its file operations on the thread pool until a process
// has made many, then on a worker thread (src/files/_worker.ts). The three
// paths (sync, async on the thread pool, async on the worker) must give the
// same values, bytes, modes, warnings and errors (code, message, path,
// issues, errno, syscall, and the system error in `cause`). Each case runs
// the three in fresh base directories set up alike and compares everything.
//
// The sources run here, and a worker cannot import TypeScript: the worker
// runs the built bundle (dist/index.js, `npm run build` first; `npm test`
// does), which is what users' workers run.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import { configureFileWorker, DEFAULT_THRESHOLD, fileWorkerState, workerThreshold } from "../../src/files/_worker.js";
import * as ops from "../../src/files/operations.js";
import { getDPDeviceInfoPath } from "../../src/files/paths.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { addDeviceInfoFields, addDeviceInfoFieldsSync, type DeviceInfoFields } from "../../src/roles/cni-plugin.js";
import { FC_SEED, nearValidDocument, validDocument } from "../helpers/arbitraries.js";
import { readFixtures, writeFixtures } from "../helpers/fixtures.js";
import { packageUrl, runNode } from "../helpers/run-node.js";
import { makeTempDir, removeTempDir, useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir();
const RES = "intel.com/sriov";
const DEV = "0000:af:06.0";
const CNI_NAME = "net-0123456789abcdef_net1";

type Path = "sync" | "pool" | "worker";
const PATHS: readonly Path[] = ["sync", "pool", "worker"];
type Call = (sync: boolean, base: string, onWarning: (w: DeviceInfoIssue) => void) => unknown;

const dpPath = (base: string) => getDPDeviceInfoPath(RES, DEV, { baseDir: base });
const cniPath = (base: string) => path.join(base, "cni", CNI_NAME);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !condition(); ) {
    if (Date.now() - start > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let scratch: string;
beforeAll(async () => {
  // The first operation starts the worker, on the built bundle.
  scratch = makeTempDir("devinfo-worker-");
  configureFileWorker({ url: packageUrl(), threshold: 1, paused: false });
  await ops.loadDeviceInfoFromDP(RES, DEV, { baseDir: scratch });
  await until(() => fileWorkerState().state === "ready", "the worker");
});
afterAll(async () => {
  await fileWorkerState().worker?.terminate();
  removeTempDir(scratch);
});

/** Runs `call` on one path: every file operation goes to the worker, or none does. */
async function on(which: Path, call: () => unknown): Promise<unknown> {
  expect(fileWorkerState().state).toBe("ready");
  configureFileWorker({ paused: which !== "worker" });
  const before = fileWorkerState().answered;
  try {
    return await call();
  } finally {
    configureFileWorker({ paused: false });
    if (which !== "worker") expect(fileWorkerState().answered).toBe(before);
  }
}

/** Everything an operation left behind, as text. */
function tree(base: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const stats = fs.lstatSync(file);
      const rel = path.relative(base, file);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        walk(file);
      } else if (stats.isFile()) out.push(`${rel} ${mode} ${fs.readFileSync(file, "latin1")}`);
      else out.push(`${rel} (${stats.isSymbolicLink() ? "symlink" : "special"})`);
    }
  };
  walk(base);
  return out;
}

/** An error as comparable data, the base directory's name replaced. */
function describeError(err: unknown, base: string): unknown {
  const strip = (value: unknown) => (typeof value === "string" ? value.replaceAll(base, "<base>") : value);
  const e = err as DeviceInfoError & { cause?: NodeJS.ErrnoException };
  const cause = e.cause;
  return {
    devinfo: err instanceof DeviceInfoError,
    class: e.constructor.name,
    name: e.name,
    code: e.code,
    message: strip(e.message),
    path: strip(e.path),
    errno: e.errno,
    syscall: e.syscall,
    issues: e.issues,
    cause:
      cause === undefined
        ? undefined
        : {
            name: cause.name,
            message: strip(cause.message),
            code: cause.code,
            errno: cause.errno,
            syscall: cause.syscall,
            path: strip(cause.path),
            dest: strip((cause as { dest?: string }).dest),
          },
  };
}

/** Runs `call` on every path, each in its own base set up by `setup`; expects the same outcome from all. */
async function expectSame(setup: (base: string) => void, call: Call): Promise<unknown> {
  const outcomes: unknown[] = [];
  for (const which of PATHS) {
    const base = tmp.join(which);
    fs.mkdirSync(base);
    setup(base);
    const warnings: DeviceInfoIssue[] = [];
    let result: unknown;
    try {
      const value = await on(which, () => call(which === "sync", base, (w) => warnings.push(w)));
      result = { value: JSON.stringify(value)?.replaceAll(base, "<base>") };
    } catch (err) {
      result = { error: describeError(err, base) };
    }
    outcomes.push({ result, warnings, tree: tree(base) });
    fs.rmSync(base, { recursive: true, force: true });
  }
  expect(outcomes[1]).toEqual(outcomes[0]);
  expect(outcomes[2]).toEqual(outcomes[0]);
  return outcomes[0];
}

type Opts = { strict?: boolean; maxBytes?: number; overwrite?: boolean; durable?: boolean };
const save: (info: unknown, o?: Opts) => Call = (info, o) => (sync, base, onWarning) => {
  const options = { baseDir: base, onWarning, ...o };
  return sync
    ? ops.saveDeviceInfoForDPSync(RES, DEV, info as DeviceInfo, options)
    : ops.saveDeviceInfoForDP(RES, DEV, info as DeviceInfo, options);
};
const saveCNI: (info: unknown, file?: (base: string) => string, o?: Opts) => Call =
  (info, file = cniPath, o = {}) =>
  (sync, base, onWarning) => {
    const options = { baseDir: base, onWarning, ...o };
    return sync
      ? ops.saveDeviceInfoForCNISync(file(base), info as DeviceInfo, options)
      : ops.saveDeviceInfoForCNI(file(base), info as DeviceInfo, options);
  };
const load: (o?: Opts) => Call = (o) => (sync, base, onWarning) => {
  const options = { baseDir: base, onWarning, ...o };
  return sync ? ops.loadDeviceInfoFromDPSync(RES, DEV, options) : ops.loadDeviceInfoFromDP(RES, DEV, options);
};
const loadCNI: Call = (sync, base, onWarning) =>
  sync
    ? ops.loadDeviceInfoFromCNISync(cniPath(base), { baseDir: base, onWarning })
    : ops.loadDeviceInfoFromCNI(cniPath(base), { baseDir: base, onWarning });
const copy: (o?: Opts & { throwOnWarning?: boolean }) => Call =
  ({ throwOnWarning, ...o } = {}) =>
  (sync, base, onWarning) => {
    const report = (w: DeviceInfoIssue) => {
      onWarning(w);
      if (throwOnWarning) throw new Error(`stop at ${w.code}`);
    };
    const options = { baseDir: base, onWarning: report, ...o };
    return sync
      ? ops.copyDeviceInfoForCNIFromDPSync(cniPath(base), RES, DEV, options)
      : ops.copyDeviceInfoForCNIFromDP(cniPath(base), RES, DEV, options);
  };
const copyTo: (file: (base: string) => string) => Call = (file) => (sync, base, onWarning) => {
  const options = { baseDir: base, onWarning };
  return sync
    ? ops.copyDeviceInfoForCNIFromDPSync(file(base), RES, DEV, options)
    : ops.copyDeviceInfoForCNIFromDP(file(base), RES, DEV, options);
};
const cleanDP: Call = (sync, base) =>
  sync ? ops.cleanDeviceInfoForDPSync(RES, DEV, { baseDir: base }) : ops.cleanDeviceInfoForDP(RES, DEV, { baseDir: base });
const cleanCNI: Call = (sync, base) =>
  sync ? ops.cleanDeviceInfoForCNISync(cniPath(base), { baseDir: base }) : ops.cleanDeviceInfoForCNI(cniPath(base), { baseDir: base });

// Updates run on the generators in every engine (never on the worker): the same outcome with the worker ready.
const addFields: (fields: DeviceInfoFields, o?: Opts) => Call = (fields, o) => (sync, base, onWarning) => {
  const options = { baseDir: base, onWarning, ...o };
  return sync ? addDeviceInfoFieldsSync(cniPath(base), fields, options) : addDeviceInfoFields(cniPath(base), fields, options);
};
const update: (fn: (c: DeviceInfo | undefined) => DeviceInfo | undefined, o?: Opts) => Call = (fn, o) => (sync, base, onWarning) => {
  const options = { baseDir: base, onWarning, ...o };
  return sync ? ops.updateDeviceInfoForCNISync(cniPath(base), fn, options) : ops.updateDeviceInfoForCNI(cniPath(base), fn, options);
};

const nothing = () => undefined;
const dpFile = (bytes: string | Buffer) => (base: string) => {
  fs.mkdirSync(path.join(base, "dp"));
  fs.writeFileSync(dpPath(base), bytes, { mode: 0o444 });
};
const cniFile = (bytes: string) => (base: string) => {
  fs.mkdirSync(path.join(base, "cni"));
  fs.writeFileSync(cniPath(base), bytes, { mode: 0o444 });
};
const PCI = { type: "pci", version: "1.1.0", pci: { "pci-address": DEV, "rdma-device": "mlx5_3" } };
const PCI_TEXT = JSON.stringify(PCI);
const VHOST_TEXT = '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"/var/run/vhost/net1.sock"}}';
const DEVIATING_TEXT = JSON.stringify({ type: "pci", version: "1.1.0", pci: {}, extra: 1 });

describe("sync, async on the thread pool and async on the worker give the same outcome", () => {
  it.each(writeFixtures().map((f) => [f.name, f.input] as const))("save DP, write fixture %s (strict and lenient)", async (_n, input) => {
    const doc = JSON.parse(input);
    await expectSame(nothing, save(doc));
    await expectSame(nothing, save(doc, { strict: false }));
  });

  it.each(readFixtures().map((f) => [f.name, f.bytes] as const))("load DP and copy to CNI, read fixture %s", async (_n, bytes) => {
    await expectSame(dpFile(bytes), load());
    await expectSame(dpFile(bytes), load({ strict: true }));
    await expectSame(dpFile(bytes), copy());
  });

  it("save, copy, load and clean fuzzed documents (fast and general paths)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(validDocument({ unknownKeys: false }), validDocument(), nearValidDocument()), async (doc) => {
        await expectSame(nothing, save(doc, { strict: false }));
        const text = JSON.stringify(doc);
        await expectSame(dpFile(text), copy());
        await expectSame(dpFile(text), load());
        await expectSame(cniFile(text), loadCNI);
      }),
      { seed: FC_SEED, numRuns: 40 },
    );
  });

  it.each<[string, (base: string) => void, Call]>([
    ["save into missing directories (created 0755)", nothing, save(PCI)],
    ["save over an existing file (ERR_DEVINFO_EXISTS)", dpFile(PCI_TEXT), save(PCI)],
    ["save over an existing file with overwrite", dpFile("{}"), save(PCI, { overwrite: true })],
    ["save durably", nothing, save(PCI, { durable: true })],
    [
      "save CNI that fails after creating its directories (ENAMETOOLONG): no directory left",
      nothing,
      saveCNI(PCI, (base) => path.join(base, "a", "b", "n".repeat(300))),
    ],
    [
      "copy that fails after creating its directories: no directory left",
      dpFile(PCI_TEXT),
      copyTo((base) => path.join(base, "c", "d", "n".repeat(300))),
    ],
    ["save a document over maxBytes", nothing, save(PCI, { maxBytes: 20 })],
    ["save over a directory", (base) => fs.mkdirSync(dpPath(base), { recursive: true }), save(PCI)],
    [
      "save into a symlinked dp directory",
      (base) => {
        fs.mkdirSync(path.join(base, "elsewhere"));
        fs.symlinkSync(path.join(base, "elsewhere"), path.join(base, "dp"));
      },
      save(PCI),
    ],
    ["save where dp is a file", (base) => fs.writeFileSync(path.join(base, "dp"), ""), save(PCI)],
    ["save an invalid document", nothing, save({ type: "pci", version: "1.1.0", pci: { "pci-address": 5 } })],
    ["save a deviating document, strict", nothing, save({ type: "pci", version: "1.1.0", pci: {} })],
    ["save a deviating document, lenient", nothing, save({ type: "pci", version: "1.1.0", pci: {} }, { strict: false })],
    ["save to a CNI path in <base>/cni", nothing, saveCNI(PCI)],
    ["save to a CNI path elsewhere", nothing, saveCNI(PCI, (base) => path.join(base, "other", "x"))],
    ["save to a CNI path spelt with //", nothing, saveCNI(PCI, (base) => `${base}//cni/${CNI_NAME}`)],
    ["save to a relative CNI path", nothing, saveCNI(PCI, () => "cni/x")],
    [
      "save a CNI file over a symlink",
      (base) => {
        fs.mkdirSync(path.join(base, "cni"));
        fs.symlinkSync(path.join(base, "t"), cniPath(base));
      },
      saveCNI(PCI),
    ],
    ["load a missing file", nothing, load()],
    [
      "load a symlink",
      (base) => {
        fs.mkdirSync(path.join(base, "dp"));
        fs.writeFileSync(path.join(base, "t"), PCI_TEXT);
        fs.symlinkSync(path.join(base, "t"), dpPath(base));
      },
      load(),
    ],
    [
      "load a FIFO",
      (base) => {
        fs.mkdirSync(path.join(base, "dp"));
        execFileSync("mkfifo", [dpPath(base)]);
      },
      load(),
    ],
    ["load a directory", (base) => fs.mkdirSync(dpPath(base), { recursive: true }), load()],
    ["load a file over maxBytes", dpFile(PCI_TEXT), load({ maxBytes: 10 })],
    ["load an empty file", dpFile(""), load()],
    ["load a file that is not JSON", dpFile("{"), load()],
    ["load a file with a BOM", dpFile(`\ufeff${PCI_TEXT}`), load()],
    ["load pretty-printed JSON", dpFile(JSON.stringify(PCI, null, 2)), load()],
    ["load a deviating document (warnings)", dpFile(DEVIATING_TEXT), load()],
    ["load a deviating document, strict", dpFile(DEVIATING_TEXT), load({ strict: true })],
    ["load a CNI file", cniFile(PCI_TEXT), loadCNI],
    ["copy without a device plugin file (ERR_DEVINFO_NOT_FOUND)", nothing, copy()],
    ["copy a deviating document (warnings, two round trips on the worker)", dpFile(DEVIATING_TEXT), copy()],
    ["copy a deviating document whose onWarning throws (nothing written)", dpFile(DEVIATING_TEXT), copy({ throwOnWarning: true })],
    ["copy a document that is not JSON", dpFile("[1,"), copy()],
    ["copy a document that gets over maxBytes once encoded", dpFile(JSON.stringify(PCI, null, 0)), copy({ maxBytes: PCI_TEXT.length - 1 })],
    ["copy a source over maxBytes", dpFile(PCI_TEXT), copy({ maxBytes: 8 })],
    [
      "copy with overwrite",
      (base) => {
        dpFile(PCI_TEXT)(base);
        cniFile("{}")(base);
      },
      copy({ overwrite: true }),
    ],
    [
      "copy onto an existing CNI file",
      (base) => {
        dpFile(PCI_TEXT)(base);
        cniFile("{}")(base);
      },
      copy(),
    ],
    [
      "copy into a symlinked cni directory",
      (base) => {
        dpFile(PCI_TEXT)(base);
        fs.mkdirSync(path.join(base, "elsewhere"));
        fs.symlinkSync(path.join(base, "elsewhere"), path.join(base, "cni"));
      },
      copy(),
    ],
    [
      "update adding a deviation the file did not have (refused, nothing written)",
      cniFile(VHOST_TEXT),
      addFields({ pci: { "representor-device": "pf0vf3" } }),
    ],
    [
      "update adding it with strict: false (written, warnings)",
      cniFile(VHOST_TEXT),
      addFields({ pci: { "representor-device": "pf0vf3" } }, { strict: false }),
    ],
    [
      "update keeping the file's own deviation (written, warnings)",
      cniFile(DEVIATING_TEXT),
      addFields({ pci: { "rdma-device": "mlx5_1" } }),
    ],
    ["update of no file to a deviating document (refused)", nothing, update(() => JSON.parse(DEVIATING_TEXT))],
    ["update of no file to a conforming document", nothing, update(() => PCI as DeviceInfo)],
    ["clean a DP file", dpFile(PCI_TEXT), cleanDP],
    ["clean a missing DP file", nothing, cleanDP],
    ["clean a directory", (base) => fs.mkdirSync(dpPath(base), { recursive: true }), cleanDP],
    ["clean a CNI file", cniFile(PCI_TEXT), cleanCNI],
    [
      "clean through a symlinked cni directory",
      (base) => {
        fs.mkdirSync(path.join(base, "elsewhere"));
        fs.writeFileSync(path.join(base, "elsewhere", CNI_NAME), PCI_TEXT);
        fs.symlinkSync(path.join(base, "elsewhere"), path.join(base, "cni"));
      },
      cleanCNI,
    ],
  ])("%s", async (_name, setup, call) => {
    await expectSame(setup, call);
  });

  it("a whole cycle leaves the same files and no temporary file", async () => {
    const cycle: Call = async (sync, base, onWarning) => {
      const values = [];
      for (const step of [save(PCI), copy(), loadCNI]) values.push(await step(sync, base, onWarning));
      values.push(tree(base));
      values.push(await cleanCNI(sync, base, onWarning), await cleanDP(sync, base, onWarning));
      return values;
    };
    const answered = fileWorkerState().answered;
    const outcome = (await expectSame(nothing, cycle)) as { tree: string[] };
    expect(outcome.tree).toEqual(["cni/ 755", "dp/ 755"]);
    expect(fileWorkerState().answered - answered).toBe(5);
  });
});

describe("the worker under load", () => {
  const ids = Array.from({ length: 64 }, (_, i) => `0000:af:${(i >> 3).toString(16).padStart(2, "0")}.${i & 7}`);
  const cni = (base: string, i: number) => path.join(base, "cni", `net-${i}_net1`);
  const info = (id: string) => ({ type: "pci", version: "1.1.0", pci: { "pci-address": id } }) as DeviceInfo;

  it("concurrent calls give what the sync API gives, one by one", async () => {
    const base = tmp.join("async");
    const expected = tmp.join("sync");
    const options = { baseDir: base };
    const before = fileWorkerState().answered;
    const saved = await Promise.all(ids.map((id) => ops.saveDeviceInfoForDP(RES, id, info(id), options)));
    const copied = await Promise.all(ids.map((id, i) => ops.copyDeviceInfoForCNIFromDP(cni(base, i), RES, id, options)));
    const loaded = await Promise.all(ids.map((_, i) => ops.loadDeviceInfoFromCNI(cni(base, i), options)));
    const files = tree(base);
    const cleaned = await Promise.all(
      ids.flatMap((id, i) => [ops.cleanDeviceInfoForCNI(cni(base, i), options), ops.cleanDeviceInfoForDP(RES, id, options)]),
    );
    expect(fileWorkerState().answered - before).toBe(ids.length * 5);

    const sync = { baseDir: expected };
    expect(saved).toEqual(ids.map((id) => ops.saveDeviceInfoForDPSync(RES, id, info(id), sync).replace(expected, base)));
    expect(copied).toEqual(ids.map((id, i) => ops.copyDeviceInfoForCNIFromDPSync(cni(expected, i), RES, id, sync)));
    expect(loaded).toEqual(ids.map((_, i) => ops.loadDeviceInfoFromCNISync(cni(expected, i), sync)));
    expect(files).toEqual(tree(expected));
    expect(cleaned).toEqual(
      ids.flatMap((id, i) => [ops.cleanDeviceInfoForCNISync(cni(expected, i), sync), ops.cleanDeviceInfoForDPSync(RES, id, sync)]),
    );
    expect(tree(base)).toEqual(["cni/ 755", "dp/ 755"]);
  });

  /** A new worker, ready (the previous test stopped its own). */
  async function freshWorker(base: string) {
    configureFileWorker({ reset: true });
    await ops.loadDeviceInfoFromDP(RES, DEV, { baseDir: base });
    await until(() => fileWorkerState().state === "ready", "the worker");
    return fileWorkerState().worker as NonNullable<ReturnType<typeof fileWorkerState>["worker"]>;
  }

  it("a worker that stops with requests it has not started: they run on the thread pool, and so does every later call", async () => {
    const base = tmp.join("stopped");
    const options = { baseDir: base };
    const worker = await freshWorker(base);
    // The worker is kept busy by a 32 MiB read (refused by the decoder afterwards) while it is stopped.
    const big = "big";
    fs.mkdirSync(path.join(base, "dp"), { recursive: true });
    fs.writeFileSync(getDPDeviceInfoPath(RES, big, options), Buffer.alloc(32 << 20, 0x20));
    const answered = fileWorkerState().answered;
    const bigLoad = ops.loadDeviceInfoFromDP(RES, big, { ...options, maxBytes: 64 << 20 });
    const saves = ids.map((id) => ops.saveDeviceInfoForDP(RES, id, info(id), options));
    void worker.terminate();
    const outcomes = await Promise.allSettled([bigLoad, ...saves]);
    expect(fileWorkerState()).toMatchObject({ state: "off", answered });
    // The read it had started is repeated (reads have no effect): the same error as the sync API's.
    let expected: unknown;
    try {
      ops.loadDeviceInfoFromDPSync(RES, big, { ...options, maxBytes: 64 << 20 });
    } catch (err) {
      expected = err;
    }
    expect(expected).toMatchObject({ code: "ERR_DEVINFO_PARSE" });
    expect(outcomes[0]).toEqual({ status: "rejected", reason: expected });
    expect(outcomes.slice(1)).toEqual(ids.map((id) => ({ status: "fulfilled", value: getDPDeviceInfoPath(RES, id, options) })));
    for (const id of ids) {
      expect(JSON.parse(fs.readFileSync(getDPDeviceInfoPath(RES, id, options), "utf8"))).toEqual(info(id));
      expect(await ops.cleanDeviceInfoForDP(RES, id, options)).toBe(true);
    }
    expect(fileWorkerState()).toMatchObject({ state: "off", answered });
  });

  it("a worker that stops while it runs requests: every call settles, at most the one it was running fails (ERR_DEVINFO_IO)", async () => {
    const base = tmp.join("dying");
    const options = { baseDir: base };
    const worker = await freshWorker(base);
    const many = Array.from({ length: 256 }, (_, i) => `0000:b${i >> 7}:${((i >> 3) & 15).toString(16).padStart(2, "0")}.${i & 7}`);
    const saves = many.map((id) => ops.saveDeviceInfoForDP(RES, id, info(id), options));
    const loads = many.map((id) => ops.loadDeviceInfoFromDP(RES, id, options));
    // Stopped once it has answered a request: somewhere in the middle of the others.
    void saves[0]?.then(() => worker.terminate());
    const outcomes = await Promise.allSettled([...saves, ...loads]);
    expect(fileWorkerState().state).toBe("off");
    const failed = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(failed.length).toBeLessThanOrEqual(1);
    for (const [i, outcome] of outcomes.slice(0, many.length).entries()) {
      const file = getDPDeviceInfoPath(RES, many[i] as string, options);
      if (outcome.status === "fulfilled") {
        expect(outcome.value).toBe(file);
        expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(info(many[i] as string));
      } else {
        // Started by the worker, outcome unknown: a typed error naming the file.
        expect(outcome.reason).toBeInstanceOf(DeviceInfoError);
        expect(outcome.reason).toMatchObject({ code: "ERR_DEVINFO_IO", path: file });
        expect((outcome.reason as Error).message).toMatch(/worker thread of the async API stopped .* may or may not have been changed/);
      }
    }
    // Loads are repeated on the thread pool: never an error; the document, or nothing if it ran before its save.
    for (const [i, outcome] of outcomes.slice(many.length).entries()) {
      expect(outcome.status).toBe("fulfilled");
      const value = (outcome as PromiseFulfilledResult<DeviceInfo | undefined>).value;
      if (value !== undefined) expect(value).toEqual(info(many[i] as string));
    }
  });
});

describe("DEVINFO_ASYNC_WORKER", () => {
  it.each<[string | undefined, number]>([
    [undefined, DEFAULT_THRESHOLD],
    ["", DEFAULT_THRESHOLD],
    ["on", DEFAULT_THRESHOLD],
    ["TRUE", DEFAULT_THRESHOLD],
    ["Yes", DEFAULT_THRESHOLD],
    ["1", 1],
    [" 42 ", 42],
    ["off", Number.POSITIVE_INFINITY],
    ["OFF", Number.POSITIVE_INFINITY],
    ["Off", Number.POSITIVE_INFINITY],
    ["false", Number.POSITIVE_INFINITY],
    ["FALSE", Number.POSITIVE_INFINITY],
    ["no", Number.POSITIVE_INFINITY],
    ["0", Number.POSITIVE_INFINITY],
    // Not understood: off, never silently on.
    ["disabled", Number.POSITIVE_INFINITY],
    ["-1", Number.POSITIVE_INFINITY],
    ["1.5", Number.POSITIVE_INFINITY],
    ["1e3", Number.POSITIVE_INFINITY],
    ["99999999999999999999", Number.POSITIVE_INFINITY],
  ])("%j starts the worker at operation %d", (value, threshold) => {
    expect(workerThreshold(value)).toBe(threshold);
  });
});

describe("processes", () => {
  // Child processes with the built package; `workers` is what Node's diagnostic report lists.
  const script = (calls: number, wait: number) => `
    import fs from "node:fs";
    import { loadDeviceInfoFromCNI, saveDeviceInfoForCNI, cleanDeviceInfoForCNI } from ${JSON.stringify(packageUrl())};
    const [baseDir] = process.argv.slice(1);
    const file = baseDir + "/cni/net-1_net1";
    const info = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
    for (let i = 0; i < ${calls}; i++) {
      await saveDeviceInfoForCNI(file, info, { baseDir });
      await loadDeviceInfoFromCNI(file, { baseDir });
      await cleanDeviceInfoForCNI(file, { baseDir });
    }
    await new Promise((resolve) => setTimeout(resolve, ${wait}));
    console.log(JSON.stringify({ workers: process.report.getReport().workers.length, left: fs.readdirSync(baseDir + "/cni") }));
  `;

  it.each([
    ["a CNI plugin's few calls never start a worker (default threshold)", 1, {}, 0],
    ["one hundred calls do not either", 34, {}, 0],
    ["the same calls start one with DEVINFO_ASYNC_WORKER=1 (the observation can fail)", 1, { DEVINFO_ASYNC_WORKER: "1" }, 1],
    ["DEVINFO_ASYNC_WORKER=off never starts one", 400, { DEVINFO_ASYNC_WORKER: "off" }, 0],
    ["DEVINFO_ASYNC_WORKER=OFF never starts one either", 400, { DEVINFO_ASYNC_WORKER: "OFF" }, 0],
    ["DEVINFO_ASYNC_WORKER=false never starts one either", 400, { DEVINFO_ASYNC_WORKER: "false" }, 0],
    ["DEVINFO_ASYNC_WORKER with a value not understood never starts one", 400, { DEVINFO_ASYNC_WORKER: "disabled" }, 0],
  ])("%s", async (_name, calls, env, workers) => {
    const base = tmp.path;
    const result = await runNode(script(calls, 1000), [base], { env });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ workers, left: [] });
  });

  it("an application bundle devinfo was bundled into never runs in a worker (its top level would run again)", async () => {
    const app = tmp.join("app");
    const started = tmp.join("started");
    fs.mkdirSync(path.join(app, "dist"), { recursive: true });
    fs.writeFileSync(path.join(app, "package.json"), '{ "name": "my-device-plugin", "type": "module" }\n');
    // The application's top level records the thread it runs in, then makes its calls.
    const main = `import { appendFileSync } from "node:fs";
      import { threadId } from "node:worker_threads";
      appendFileSync(${JSON.stringify(started)}, threadId + "\\n");
      ${script(3, 1000).replace(JSON.stringify(packageUrl()), JSON.stringify(fileURLToPath(packageUrl())))}`;
    fs.writeFileSync(path.join(app, "main.js"), main);
    const outfile = path.join(app, "dist", "index.js");
    await build({ entryPoints: [path.join(app, "main.js")], outfile, bundle: true, format: "esm", platform: "node", logLevel: "error" });
    const result = await runNode(`await import(${JSON.stringify(pathToFileURL(outfile).href)});`, [tmp.path], {
      env: { DEVINFO_ASYNC_WORKER: "1" },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ workers: 0, left: [] });
    expect(fs.readFileSync(started, "utf8")).toBe("0\n");
  });

  // Until Node's report lists the worker (it is ready and serving).
  const READY = `for (let i = 0; process.report.getReport().workers.length === 0; i++) {
    if (i === 2000) throw new Error("no worker");
    await new Promise((r) => setTimeout(r, 5));
  }
  console.log("ready");`;

  it.each([
    ["exits while the worker is still starting", "", false, ""],
    ["exits once the worker is ready and idle", READY, false, "ready\n"],
    ["waits for a call in flight on the worker, then exits", READY, true, "ready\nsaved true\n"],
  ])("a process with a worker %s", async (_name, pause, inFlight, stdout) => {
    const base = tmp.path;
    const result = await runNode(
      `
      import { saveDeviceInfoForDP } from ${JSON.stringify(packageUrl())};
      const [baseDir] = process.argv.slice(1);
      const info = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
      await saveDeviceInfoForDP("a.com/x", "d0", info, { baseDir });
      ${pause}
      // Not awaited: nothing else keeps the event loop alive but the call itself.
      ${inFlight ? 'saveDeviceInfoForDP("a.com/x", "d1", info, { baseDir }).then((p) => console.log("saved", p.endsWith("a.com-x-d1-device.json")));' : ""}
      `,
      [base],
      { env: { DEVINFO_ASYNC_WORKER: "1" }, timeoutMs: 30_000 },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(stdout);
    expect(fs.readdirSync(path.join(base, "dp")).sort()).toEqual(
      inFlight ? ["a.com-x-d0-device.json", "a.com-x-d1-device.json"] : ["a.com-x-d0-device.json"],
    );
  });
});
