// The engine-equivalence test (issue 21): every operation case of the file
// protocol (src/files/_protocol.ts) runs through every engine that carries
// it out — the generators under runSync and under runAsync, the sync twins,
// the thread-pool twins and the worker thread — each engine in its own child
// process under `strace -f -e trace=file,desc`, in a fresh directory per
// case. For each case the engines must agree on the result or the error
// (class, code, message, path, errno, syscall), on the files left behind
// (names, kinds, modes, bytes) and, per operation, on the system calls made
// on the case's files (name, path, flags, mode, outcome), allowing only the
// departures the protocol names (ENGINE_LATITUDE); and the generators' calls
// must be the protocol's SEQUENCES.
//
// As root, the children run as nobody, so that permission cases are real.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Call, ENGINE_LATITUDE, lockPathFor, SEQUENCES } from "../../src/files/_protocol.js";
import { getDPDeviceInfoPath } from "../../src/files/paths.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { removeTempDir } from "../helpers/temp-dir.js";
import type { DriverCase, Engine, Outcome, Plan, Step } from "./_engine-driver.js";
import { parseTrace, TEMP } from "./_strace.js";

const ENGINES: readonly Engine[] = ["generator-sync", "generator-async", "sync", "pool", "pool-threads", "worker"];
const GENERATORS: readonly Engine[] = ["generator-sync", "generator-async"];
/** The public copy has no generator: its engines are the sync twin, the thread pool and the worker. */
const COPY_ENGINES: readonly Engine[] = ["sync", "pool", "pool-threads", "worker"];

const STRACE = spawnSync("strace", ["-V"], { encoding: "utf8" }).status === 0;
const ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
/**
 * As root, the engines run as nobody, so that the permission cases are real; only where nobody exists and
 * can run this Node (a node under a private directory, as CI's per-version copies may be, it cannot).
 */
const AS_NOBODY =
  ROOT &&
  spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim() === String(NOBODY) &&
  spawnSync(process.execPath, ["-e", "0"], { uid: NOBODY, gid: NOBODY, stdio: "ignore" }).status === 0;
/** Permission cases mean something only where the children are not root. */
const UNPRIVILEGED = !ROOT || AS_NOBODY;

const PCI = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}';
const NEW = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.1"}}';
const FILE = "r-0-device.json";

type Sequence = readonly (keyof typeof SEQUENCES | Call)[];

interface Case {
  name: string;
  /** Makes the case's starting state in `d` (the case's own directory). */
  setup?: (d: string) => void;
  step: (d: string) => Step;
  /** Temporary names to stage in `<d>/<dir>` before the operation (counters `from`..`to`). */
  clash?: { dir: string; from: number; to: number };
  /** The generators' system calls, as steps of SEQUENCES or single calls (repeats collapsed). */
  sequence: Sequence;
  /** The number of rounds depends on timing: repeats of a call or of a pair of calls count as one. */
  repeats?: boolean;
  /** The engines that run it, the first the reference (default: all, the generator under runSync first). */
  engines?: readonly Engine[];
  /** A permission case: needs a process that is not root. */
  permission?: boolean;
}

const dp = (d: string) => path.join(d, "dp");
const target = (d: string) => path.join(d, "dp", FILE);
const withDp = (setup?: (d: string) => void) => (d: string) => {
  fs.mkdirSync(dp(d));
  setup?.(d);
};
const existing = (text = PCI) => withDp((d) => fs.writeFileSync(target(d), text, { mode: 0o444 }));
const read =
  (maxBytes = 65536) =>
  (d: string): Step => ({ op: "read", path: target(d), guard: dp(d), maxBytes });
const write =
  (overwrite = false, durable = false, guard = true) =>
  (d: string): Step => ({ op: "write", dir: dp(d), target: target(d), guard: guard ? dp(d) : undefined, data: NEW, overwrite, durable });
const remove = (d: string): Step => ({ op: "remove", path: target(d), guard: dp(d) });
const update =
  (timeoutMs = 2000, staleMs = 10_000) =>
  (d: string): Step => ({ op: "update", target: path.join(d, "cni", FILE), data: NEW, timeoutMs, staleMs });
const RESOURCE = "intel.com/sriov";
const DEVICE = "0000:af:06.0";
const dpSource = (d: string) => getDPDeviceInfoPath(RESOURCE, DEVICE, { baseDir: d });
const cniFile = (d: string) => path.join(d, "cni", "net-0123456789abcdef_net1");
const source = (text = PCI, also?: (d: string) => void) =>
  withDp((d) => {
    fs.writeFileSync(dpSource(d), text, { mode: 0o444 });
    also?.(d);
  });
const cniDir = (d: string) => fs.mkdirSync(path.join(d, "cni"));
const copy = (d: string): Step => ({ op: "copy", cniPath: cniFile(d), resourceName: RESOURCE, deviceID: DEVICE, baseDir: d });
const lockFile = (d: string) => fs.readdirSync(path.join(d, "cni")).find((n) => n.startsWith(".devinfo-lock-"));
const symlinkedDp = (d: string) => {
  fs.mkdirSync(path.join(d, "elsewhere"));
  fs.symlinkSync(path.join(d, "elsewhere"), dp(d));
};
const readOnlyDp = (setup?: (d: string) => void) =>
  withDp((d) => {
    setup?.(d);
    fs.chmodSync(dp(d), 0o555);
  });

// The first write of every engine is the staged clash: each thread's temporary
// names count from 1, so its first name is the staged one.
const CASES: Case[] = [
  {
    name: "exclusive create, temporary-name clash (another name, once)",
    setup: withDp(),
    step: write(),
    clash: { dir: "dp", from: 1, to: 1 },
    sequence: ["guard", "open", "create"],
  },
  { name: "read a file", setup: existing(), step: read(), sequence: ["guard", "readWhole"] },
  { name: "read a missing file", setup: withDp(), step: read(), sequence: ["guard", "readUnopened"] },
  { name: "read in a missing directory", step: read(), sequence: ["guard", "readUnopened"] },
  { name: "read an empty file (read to its end)", setup: existing(""), step: read(), sequence: ["guard", "readWhole"] },
  {
    name: "read a symlink (ELOOP)",
    setup: withDp((d) => {
      fs.writeFileSync(path.join(d, "real"), PCI);
      fs.symlinkSync(path.join(d, "real"), target(d));
    }),
    step: read(),
    sequence: ["guard", "readUnopened"],
  },
  {
    name: "read a FIFO",
    setup: withDp((d) => spawnSync("mkfifo", [target(d)])),
    step: read(),
    sequence: ["guard", "readRefused"],
  },
  { name: "read a directory", setup: withDp((d) => fs.mkdirSync(target(d))), step: read(), sequence: ["guard", "readRefused"] },
  { name: "read a file over maxBytes", setup: existing(), step: read(10), sequence: ["guard", "readRefused"] },
  {
    name: "read an unreadable file (EACCES)",
    setup: withDp((d) => fs.writeFileSync(target(d), PCI, { mode: 0 })),
    step: read(),
    sequence: ["guard", "readUnopened"],
    permission: true,
  },
  { name: "read through a symlinked guarded directory", setup: symlinkedDp, step: read(), sequence: ["guard"] },
  {
    name: "read through a symlinked guarded directory holding the file",
    setup: (d) => {
      symlinkedDp(d);
      fs.writeFileSync(path.join(d, "elsewhere", FILE), PCI);
    },
    step: read(),
    sequence: ["guard"],
  },
  { name: "read where the guarded directory is a file", setup: (d) => fs.writeFileSync(dp(d), ""), step: read(), sequence: ["guard"] },
  {
    name: "read through a file as directory, unguarded (ENOTDIR)",
    setup: (d) => fs.writeFileSync(dp(d), ""),
    step: (d) => ({ op: "read", path: target(d), maxBytes: 65536 }),
    sequence: ["readUnopened"],
  },
  { name: "exclusive create", setup: withDp(), step: write(), sequence: ["guard", "create"] },
  {
    name: "exclusive create, missing directories (created 0755)",
    step: write(),
    sequence: ["guard", "open", "makeDirectory", "create"],
  },
  { name: "exclusive create over a file (ERR_DEVINFO_EXISTS)", setup: existing(), step: write(), sequence: ["guard", "create", "lstat"] },
  {
    name: "exclusive create over a directory",
    setup: withDp((d) => fs.mkdirSync(target(d))),
    step: write(),
    sequence: ["guard", "create", "lstat"],
  },
  {
    name: "exclusive create over a symlink",
    setup: withDp((d) => fs.symlinkSync("/nonexistent", target(d))),
    step: write(),
    sequence: ["guard", "create", "lstat"],
  },
  {
    name: "exclusive create in a read-only directory (EACCES)",
    setup: readOnlyDp(),
    step: write(),
    sequence: ["guard", "open"],
    permission: true,
  },
  { name: "exclusive create through a symlinked guarded directory", setup: symlinkedDp, step: write(), sequence: ["guard"] },
  {
    name: "exclusive create through a file as directory, unguarded (ENOTDIR)",
    setup: (d) => fs.writeFileSync(dp(d), ""),
    step: write(false, false, false),
    sequence: ["open"],
  },
  {
    name: "exclusive create, temporary-name clash on every attempt",
    setup: withDp(),
    step: write(),
    clash: { dir: "dp", from: 1, to: 400 },
    sequence: ["guard", "open", "open", "open", "open", "open", "open"],
  },
  {
    name: "durable exclusive create",
    setup: withDp(),
    step: write(false, true),
    sequence: ["guard", "open", "fchmod", "write", "fsync", "close", "link", "unlink", "syncDirectory"],
  },
  { name: "atomic replace (overwrite)", setup: existing(), step: write(true), sequence: ["guard", "replace"] },
  { name: "atomic replace of a missing file", setup: withDp(), step: write(true), sequence: ["guard", "replace"] },
  {
    name: "atomic replace of a directory",
    setup: withDp((d) => fs.mkdirSync(target(d))),
    step: write(true),
    sequence: ["guard", "open", "fchmod", "write", "close", "lstat", "unlink"],
  },
  {
    name: "atomic replace of a symlink",
    setup: withDp((d) => fs.symlinkSync("/nonexistent", target(d))),
    step: write(true),
    sequence: ["guard", "open", "fchmod", "write", "close", "lstat", "unlink"],
  },
  {
    name: "durable atomic replace",
    setup: existing(),
    step: write(true, true),
    sequence: ["guard", "open", "fchmod", "write", "fsync", "close", "lstat", "rename", "syncDirectory"],
  },
  { name: "remove a file", setup: existing(), step: remove, sequence: ["guard", "remove"] },
  { name: "remove a missing file", setup: withDp(), step: remove, sequence: ["guard", "remove"] },
  {
    name: "remove a directory (refused)",
    setup: withDp((d) => fs.mkdirSync(target(d))),
    step: remove,
    sequence: ["guard", "unlink", "lstat"],
  },
  {
    name: "remove a symlink (the link only)",
    setup: withDp((d) => fs.symlinkSync("/nonexistent", target(d))),
    step: remove,
    sequence: ["guard", "remove"],
  },
  {
    name: "remove in a read-only directory (EACCES)",
    setup: readOnlyDp((d) => fs.writeFileSync(target(d), PCI)),
    step: remove,
    sequence: ["guard", "remove"],
    permission: true,
  },
  { name: "remove through a symlinked guarded directory", setup: symlinkedDp, step: remove, sequence: ["guard"] },
  {
    name: "copy a conforming document",
    setup: source(PCI, cniDir),
    step: copy,
    sequence: ["guard", "readWhole", "guard", "create"],
    engines: COPY_ENGINES,
  },
  {
    name: "copy a document that is not in the Go encoder's form (decoded, encoded again)",
    setup: source(JSON.stringify(JSON.parse(PCI), null, 2), cniDir),
    step: copy,
    sequence: ["guard", "readWhole", "guard", "create"],
    engines: COPY_ENGINES,
  },
  {
    name: "copy without a source (ERR_DEVINFO_NOT_FOUND)",
    setup: withDp(),
    step: copy,
    sequence: ["guard", "readUnopened"],
    engines: COPY_ENGINES,
  },
  {
    name: "copy onto an existing CNI file (ERR_DEVINFO_EXISTS)",
    setup: source(PCI, (d) => {
      fs.mkdirSync(path.join(d, "cni"));
      fs.writeFileSync(cniFile(d), PCI, { mode: 0o444 });
    }),
    step: copy,
    sequence: ["guard", "readWhole", "guard", "create", "lstat"],
    engines: COPY_ENGINES,
  },
  {
    name: "copy into a missing CNI directory",
    setup: (d) => {
      fs.mkdirSync(dp(d));
      fs.writeFileSync(dpSource(d), PCI, { mode: 0o444 });
    },
    step: copy,
    sequence: ["guard", "readWhole", "guard", "open", "makeDirectory", "create"],
    engines: COPY_ENGINES,
  },
  { name: "copy from a symlinked dp directory", setup: symlinkedDp, step: copy, sequence: ["guard"], engines: COPY_ENGINES },
  {
    name: "update under the lock",
    setup: (d) => {
      fs.mkdirSync(path.join(d, "cni"));
      fs.writeFileSync(path.join(d, "cni", FILE), PCI, { mode: 0o444 });
    },
    step: update(),
    sequence: ["lock", "readWhole", "lockCheck", "replace", "unlock"],
    engines: GENERATORS,
  },
  {
    name: "update, lock directory missing (created, kept with the file)",
    step: update(),
    // The lock's directory is kept: rmdir finds the file written in it.
    sequence: ["open", "makeDirectory", "lock", "readUnopened", "lockCheck", "replace", "unlock", "rmdir"],
    engines: GENERATORS,
  },
  {
    name: "update, lock held by a live process (contention, ERR_DEVINFO_CONFLICT)",
    setup: (d) => {
      fs.mkdirSync(path.join(d, "cni"));
      runLockOnce(d);
    },
    step: update(60),
    sequence: ["open", "lstat"],
    repeats: true,
    engines: GENERATORS,
  },
  {
    name: "update, stale lock broken in turn",
    setup: (d) => {
      fs.mkdirSync(path.join(d, "cni"));
      runLockOnce(d);
      const lock = path.join(d, "cni", lockFile(d) as string);
      fs.utimesSync(lock, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    },
    step: update(2000, 1000),
    sequence: ["open", "lstat", "breakStale", "lock", "readUnopened", "lockCheck", "replace", "unlock"],
    engines: GENERATORS,
  },
  {
    name: "update in a read-only directory (EACCES on the lock)",
    setup: (d) => {
      fs.mkdirSync(path.join(d, "cni"), { mode: 0o555 });
      fs.chmodSync(path.join(d, "cni"), 0o555);
    },
    step: update(),
    sequence: ["open"],
    engines: GENERATORS,
    permission: true,
  },
];

/** Leaves a live-looking lock file of the update's target (the name the package gives it). */
function runLockOnce(d: string): void {
  fs.writeFileSync(lockPathFor(path.join(d, "cni", FILE)), "1\n", { mode: 0o600 });
}

const enginesOf = (c: Case) => c.engines ?? ENGINES;
const referenceOf = (c: Case) => enginesOf(c)[0] as Engine;
const runnable = CASES.filter((c) => c.permission !== true || UNPRIVILEGED);

// ---------------------------------------------------------------------------
// Running the engines.

interface EngineRun {
  outcomes: Outcome[];
  /** Per case (index in the engine's list): the normalised calls of its window. */
  calls: string[][];
  /** Per case: the files left behind. */
  trees: string[][];
}

let root = "";
const runs = new Map<Engine, EngineRun>();
const caseIndex = new Map<Engine, Case[]>();
const caseDir = (engine: Engine, i: number) => path.join(root, engine, `c${i}`);

function chownTree(p: string): void {
  fs.lchownSync(p, NOBODY, NOBODY);
  if (fs.lstatSync(p).isDirectory()) for (const name of fs.readdirSync(p)) chownTree(path.join(p, name));
}

async function runEngine(engine: Engine): Promise<EngineRun> {
  const cases = runnable.filter((c) => enginesOf(c).includes(engine));
  caseIndex.set(engine, cases);
  fs.mkdirSync(path.join(root, engine));
  const driverCases: DriverCase[] = cases.map((c, i) => {
    const d = caseDir(engine, i);
    fs.mkdirSync(d);
    c.setup?.(d);
    return { step: c.step(d), clash: c.clash && { ...c.clash, dir: path.join(d, c.clash.dir) } };
  });
  const out = path.join(root, `${engine}.json`);
  const plan: Plan = { engine, cases: driverCases, out };
  fs.writeFileSync(path.join(root, `${engine}.plan.json`), JSON.stringify(plan));
  if (AS_NOBODY) chownTree(path.join(root, engine));
  const trace = path.join(root, `${engine}.trace`);
  const node = [process.execPath, path.join(root, "dist", "engine-driver.js"), path.join(root, `${engine}.plan.json`)];
  const [command, ...args] = STRACE ? ["strace", "-f", "-y", "-qq", "-s", "4096", "-e", "trace=file,desc", "-o", trace, ...node] : node;
  // One thread-pool thread: the pool engine's calls complete in the order it issues them; four: they overlap.
  const env = { PATH: process.env.PATH ?? "", UV_THREADPOOL_SIZE: engine === "pool-threads" ? "4" : "1", DEVINFO_ASYNC_WORKER: "off" };
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(command as string, args, {
      env,
      stdio: ["ignore", "ignore", "pipe"],
      ...(AS_NOBODY ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      err += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ code: status, stderr: err }));
  });
  if (code !== 0) throw new Error(`${engine} driver exited with ${code}: ${stderr}`);
  const outcomes = JSON.parse(fs.readFileSync(out, "utf8")) as Outcome[];
  const windows = STRACE ? parseTrace(fs.readFileSync(trace, "utf8"), cases.length, (i) => caseDir(engine, i)) : [];
  const trees = cases.map((_c, i) => tree(caseDir(engine, i)));
  return {
    outcomes: outcomes.map((o, i) => normaliseOutcome(o, caseDir(engine, i))),
    calls: windows,
    trees,
  };
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-engines-"));
  fs.chmodSync(root, 0o755);
  fs.writeFileSync(path.join(root, "package.json"), '{ "name": "devinfo", "type": "module" }\n');
  await build({
    entryPoints: [path.join(REPO_ROOT, "test", "files", "_engine-driver.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: path.join(root, "dist", "engine-driver.js"),
    logLevel: "warning",
  });
  if (AS_NOBODY) fs.chownSync(root, NOBODY, NOBODY);
  // Two at a time: the machine may be shared.
  for (let i = 0; i < ENGINES.length; i += 2) {
    const batch = ENGINES.slice(i, i + 2);
    const done = await Promise.all(batch.map(runEngine));
    for (const [j, engine] of batch.entries()) runs.set(engine, done[j] as EngineRun);
  }
}, 240_000);

afterAll(() => {
  if (root !== "" && process.env.DEVINFO_KEEP_ENGINE_RUNS === undefined) removeTempDir(root);
});

// ---------------------------------------------------------------------------
// Normalising.

function normaliseText(text: string, d: string): string {
  return text.replaceAll(d, "<d>").replace(TEMP, "<temp>");
}

function normaliseOutcome(outcome: Outcome, d: string): Outcome {
  return JSON.parse(normaliseText(JSON.stringify(outcome), d)) as Outcome;
}

/** Everything in `d`, sorted: names (temporary names normalised), kinds, modes, bytes (a lock's pid normalised). */
function tree(d: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const stats = fs.lstatSync(file);
      const rel = normaliseText(path.relative(d, file), d);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        walk(file);
      } else if (stats.isFile()) {
        let text: string;
        try {
          text = fs.readFileSync(file, "latin1");
        } catch (err) {
          text = `(unreadable: ${(err as NodeJS.ErrnoException).code})`;
        }
        out.push(`${rel} ${mode} ${name.startsWith(".devinfo-lock-") ? text.replace(/^\d+\n$/, "<pid>\n") : text}`);
      } else out.push(`${rel} (${stats.isSymbolicLink() ? "symlink" : "special"}) ${mode}`);
    }
  };
  walk(d);
  return out.sort();
}

/** Repeats of a one- or two-call block in a row, as one (a lock waited for a number of rounds that depends on timing). */
function collapse(calls: readonly string[]): string[] {
  const out = [...calls];
  for (const size of [1, 2]) {
    for (let i = 0; i + 2 * size <= out.length; ) {
      const a = out.slice(i, i + size).join("\n");
      const b = out.slice(i + size, i + 2 * size).join("\n");
      if (a === b && /^(open|lstat)/.test(a)) out.splice(i + size, size);
      else i++;
    }
  }
  return out;
}

/** An engine's calls with the departures the protocol allows it undone (ENGINE_LATITUDE). */
function withinLatitude(engine: Engine, op: Step["op"], calls: readonly string[], reference: readonly string[]): string[] {
  let out = [...calls];
  const has = (list: readonly string[]) => list.includes(engine === "pool-threads" ? "pool" : engine);
  if (has(ENGINE_LATITUDE.copyChecksTargetEarly) && op === "copy") {
    // The target directory's guard, started before the source is read, belongs just before the write.
    const guard = out.findIndex((c) => c === "lstat <d>/cni" || c.startsWith("lstat <d>/cni = "));
    const [call] = guard >= 0 ? out.splice(guard, 1) : [];
    const write = out.findIndex((c) => c.startsWith("open ") && c.includes("<temp"));
    if (call !== undefined && write >= 0) out.splice(write, 0, call);
  }
  if (has(ENGINE_LATITUDE.handOverRepeatsOpen)) {
    // The twin's failed open of its temporary file, then the generator's own first attempt failing alike.
    const isTempOpen = (c: string | undefined) => c?.startsWith("open ") === true && c.includes("<temp");
    const first = out.findIndex(isTempOpen);
    const second = out.findIndex((c, i) => i > first && isTempOpen(c));
    const failure = / = ([A-Z]+)$/.exec(out[first] ?? "")?.[1];
    if (first >= 0 && second >= 0 && failure !== undefined && out[second]?.endsWith(` = ${failure}`)) {
      out.splice(first, 1);
      out = renumberTemps(out);
    }
  }
  if (has(ENGINE_LATITUDE.readOpensBesideGuard) && (op === "read" || op === "copy") && !reference.some((c) => c.startsWith("open "))) {
    // The guard refused the directory: the file it opened meanwhile is closed unread.
    const open = out.findIndex((c) => c.startsWith("open "));
    const fd = / = (fd:\S+)$/.exec(out[open] ?? "")?.[1];
    out = out.filter((c, i) => i !== open && (fd === undefined || c !== `close ${fd}`));
  }
  return out;
}

function renumberTemps(calls: readonly string[]): string[] {
  const seen = new Map<string, string>();
  return calls.map((c) =>
    c.replace(/<temp\d+>/g, (t) => {
      if (!seen.has(t)) seen.set(t, `<temp${seen.size + 1}>`);
      return seen.get(t) as string;
    }),
  );
}

function expand(sequence: Sequence): string[] {
  return sequence.flatMap((s) => (s in SEQUENCES ? [...SEQUENCES[s as keyof typeof SEQUENCES]] : [s]));
}

const byName = (name: string) => CASES.find((c) => c.name === name) as Case;

function of(engine: Engine, c: Case): { outcome: Outcome; tree: string[]; calls: string[] } {
  const run = runs.get(engine) as EngineRun;
  const i = (caseIndex.get(engine) as Case[]).indexOf(c);
  return { outcome: run.outcomes[i] as Outcome, tree: run.trees[i] as string[], calls: run.calls[i] ?? [] };
}

// ---------------------------------------------------------------------------

describe("every engine carries out the file protocol alike", () => {
  // A skipped case says why on stderr, as the other optional suites do; no empty test stands in for it.
  if (!UNPRIVILEGED) console.warn("skipped: the permission cases need root and a nobody user who can run this node to run the engines as");
  if (!STRACE) console.warn("skipped: the system-call comparisons need strace (CI installs it)");

  it.each(runnable.map((c) => [c.name, c] as const))("%s: same result or error, same files, bytes and modes", (_name, c) => {
    const reference = of(referenceOf(c), c);
    for (const engine of enginesOf(c)) {
      const { outcome, tree } = of(engine, c);
      expect({ engine, outcome, tree }).toEqual({ engine, outcome: reference.outcome, tree: reference.tree });
    }
  });

  it.skipIf(!STRACE).each(runnable.map((c) => [c.name, c] as const))(
    "%s: the protocol's system calls, per operation, in every engine",
    (_name, c) => {
      const counted = (calls: readonly string[]) => (c.repeats === true ? collapse(calls) : [...calls]);
      const op = c.step("").op;
      const own = of(referenceOf(c), c).calls;
      const reference = counted(withinLatitude(referenceOf(c), op, own, own));
      if (process.env.DEVINFO_SHOW_ENGINE_CALLS !== undefined)
        console.log(c.name, JSON.stringify(Object.fromEntries(enginesOf(c).map((e) => [e, of(e, c).calls])), null, 1));
      // The reference engine makes the protocol's sequence, step by step.
      expect(reference.map((call) => call.split(" ")[0])).toEqual(counted(expand(c.sequence)));
      for (const engine of enginesOf(c)) {
        const calls = counted(withinLatitude(engine, op, of(engine, c).calls, reference));
        // Calls issued in one turn may complete in either order (ENGINE_LATITUDE.overlap): compared as a multiset.
        if (engine === "pool-threads") expect({ engine, calls: [...calls].sort() }).toEqual({ engine, calls: [...reference].sort() });
        else expect({ engine, calls }).toEqual({ engine, calls: reference });
      }
    },
  );

  it.skipIf(!STRACE)("the names, flags and modes on the wire are the ones every version of the package agrees on", () => {
    const named = (name: string) => of(referenceOf(byName(name)), byName(name)).calls;
    expect(named("exclusive create")).toEqual([
      "lstat <d>/dp",
      "open <d>/dp/<temp1> O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW 0444 = fd:<d>/dp/<temp1>",
      "fchmod fd:<d>/dp/<temp1> 0444",
      "write fd:<d>/dp/<temp1>",
      "close fd:<d>/dp/<temp1>",
      "link <d>/dp/<temp1> <d>/dp/r-0-device.json",
      "unlink <d>/dp/<temp1>",
    ]);
    const lock = "<d>/cni/.devinfo-lock-4317167f0c126205";
    expect(named("update under the lock").filter((call) => call.includes(".devinfo-lock-"))).toEqual([
      `open ${lock} O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW 0600 = fd:${lock}`,
      `write fd:${lock}`,
      `fstat fd:${lock}`,
      `close fd:${lock}`,
      `lstat ${lock}`,
      `lstat ${lock}`,
      `unlink ${lock}`,
    ]);
    // The temporary names themselves (`.devinfo-tmp-<pid>-<counter><random>`, base 36) are pinned by the
    // clash cases: the driver stages those names, and the engines must run into them.
  });
});
