/**
 * Per operation and per full cycle (save the device plugin file, copy it to
 * a CNI file, load that, clean both), sync and async, against baselines run
 * in the same process, interleaved round by round:
 *
 * - raw floor: `writeFileSync` / `readFileSync` + `JSON.parse` / `unlinkSync`
 *   doing the same non-atomic, unvalidated work (what the Go reference does);
 * - atomic floor: exactly devinfo's system calls through `fs.*Sync`, paths
 *   and bytes prepared before timing, no library code (the protocol's limit);
 * - naive async: the same work as the raw floor with `node:fs/promises`;
 * - the Go reference's functions (bench/go-reference), batch by batch.
 *
 * Each round runs every variant over a batch of devices, phase by phase (all
 * saves, then all copies, ...), in a rotated order; a figure is the median
 * over rounds, and a ratio the median of the per-round ratios.
 */

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  type DeviceInfo,
  getDPDeviceInfoPath,
  loadDeviceInfoFromCNI,
  loadDeviceInfoFromCNISync,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
} from "devinfo";
import { APP_DIR, type Place, places, REPO_ROOT } from "./_env.js";
import { log, median, rotate, spread, table, us, type Verdict, x } from "./_stats.js";

export const RESOURCE = "bench.example.com/sriov";

/** A device plugin's document as the SR-IOV device plugin writes them (five fields). */
export const INFO: DeviceInfo = {
  type: "pci",
  version: "1.1.0",
  pci: {
    "pci-address": "0000:af:06.3",
    "vhost-net": "/dev/vhost-net",
    "rdma-device": "mlx5_3",
    "pf-pci-address": "0000:af:00.0",
    "representor-device": "pf0vf3",
  },
};

export const PHASES = ["save DP", "copy DP to CNI", "load CNI", "clean CNI", "clean DP"] as const;
export type Phase = (typeof PHASES)[number];

type PhaseFn = (i: number) => unknown;

export interface Variant {
  key: "raw" | "atomic" | "sync" | "promises" | "async";
  label: string;
  async: boolean;
  /** Work done before a batch, outside the timing. */
  prepare?: (count: number) => void;
  phases: Record<Phase, PhaseFn>;
}

/** The Go reference replica (bench/go-reference), a child process that runs whole batches on request. */
interface GoReference {
  batch(count: number): Promise<BatchResult>;
  close(): void;
}

/** Builds the Go replica once; its path, or `undefined` when there is no Go toolchain. */
export function buildGoReference(): string | undefined {
  const binary = path.join(APP_DIR, "go-reference");
  if (fs.existsSync(binary)) return binary;
  if (spawnSync("go", ["version"]).status !== 0) return undefined;
  const built = spawnSync("go", ["build", "-o", binary, path.join(REPO_ROOT, "bench", "go-reference", "main.go")], {
    env: { ...process.env, GO111MODULE: "off", GOFLAGS: "" },
    encoding: "utf8",
  });
  if (built.status !== 0) throw new Error(`go build bench/go-reference failed:\n${built.stderr}`);
  return binary;
}

/** Starts the Go replica; `undefined` when there is no Go toolchain. */
function startGoReference(baseDir: string): GoReference | undefined {
  const binary = buildGoReference();
  if (binary === undefined) return undefined;
  fs.mkdirSync(path.join(baseDir, "dp"), { recursive: true });
  fs.mkdirSync(path.join(baseDir, "cni"), { recursive: true });
  const child = spawn(binary, [], { stdio: ["pipe", "pipe", "inherit"] });
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      waiting.shift()?.(line);
    }
  });
  return {
    batch(count) {
      return new Promise((resolve) => {
        waiting.push((line) => resolve(JSON.parse(line) as BatchResult));
        child.stdin.write(`batch ${baseDir} ${count}\n`);
      });
    },
    close() {
      child.stdin.end();
    },
  };
}

export const deviceID = (i: number): string =>
  `0000:${(0xa0 + (i >> 8)).toString(16)}:${((i >> 3) & 31).toString(16).padStart(2, "0")}.${i & 7}`;
export const cniName = (i: number): string => `sriov-net1-${i.toString(16).padStart(64, "0")}_net1`;

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const WRITE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;

/**
 * The atomic floor: exactly the system calls of devinfo's full cycle (28,
 * the syscalls suite lists them), straight through `fs.*Sync`, with every
 * path, temporary name and byte prepared before the timing starts and no
 * library code at all: no path building, no validation, no encoding, no
 * parsing. The physical limit of the protocol through `node:fs`.
 */
export interface AtomicFloor {
  /** Prepares the paths and bytes of devices 0..count-1 (not timed). */
  prepare(count: number): void;
  phases: Record<Phase, PhaseFn>;
}

export function atomicFloor(baseDir: string, dpPath: (i: number) => string, cniPath: (i: number) => string): AtomicFloor {
  const dpDir = path.join(baseDir, "dp");
  const cniDir = path.join(baseDir, "cni");
  // The bytes devinfo writes for INFO (Go's encoding), and a read buffer reused as devinfo's is.
  const bytes = Buffer.from(JSON.stringify(INFO));
  const buffer = Buffer.allocUnsafe(64 * 1024 + 1);
  let dp: string[] = [];
  let cni: string[] = [];
  let dpTemp: string[] = [];
  let cniTemp: string[] = [];
  const save = (dir: string, temp: string, target: string) => {
    fs.lstatSync(dir);
    const fd = fs.openSync(temp, WRITE_FLAGS, 0o444);
    fs.fchmodSync(fd, 0o444);
    fs.writeSync(fd, bytes, 0, bytes.byteLength, null);
    fs.closeSync(fd);
    fs.linkSync(temp, target);
    fs.unlinkSync(temp);
  };
  const load = (dir: string, file: string) => {
    fs.lstatSync(dir);
    const fd = fs.openSync(file, READ_FLAGS);
    const size = fs.fstatSync(fd).size;
    fs.readSync(fd, buffer, 0, size, null);
    fs.closeSync(fd);
  };
  const clean = (dir: string, file: string) => {
    fs.lstatSync(dir);
    fs.unlinkSync(file);
  };
  return {
    prepare(count) {
      const ids = Array.from({ length: count }, (_, i) => i);
      dp = ids.map(dpPath);
      cni = ids.map(cniPath);
      dpTemp = ids.map((i) => path.join(dpDir, `.devinfo-tmp-${process.pid}-${i.toString(36)}floor`));
      cniTemp = ids.map((i) => path.join(cniDir, `.devinfo-tmp-${process.pid}-${i.toString(36)}floor`));
    },
    phases: {
      "save DP": (i) => save(dpDir, dpTemp[i] as string, dp[i] as string),
      "copy DP to CNI": (i) => {
        load(dpDir, dp[i] as string);
        save(cniDir, cniTemp[i] as string, cni[i] as string);
      },
      "load CNI": (i) => load(cniDir, cni[i] as string),
      "clean CNI": (i) => clean(cniDir, cni[i] as string),
      "clean DP": (i) => clean(dpDir, dp[i] as string),
    },
  };
}

/**
 * The variants, each in its own base directory under `dir`. Every variant
 * gets its arguments (device IDs, CNI paths, DP paths for the baselines)
 * prepared before the timing, as the atomic floor gets its paths: a caller
 * has them at hand, and building them is not the library's work.
 */
export function variants(dir: string): Variant[] {
  let ids: string[] = [];
  const base = (key: string) => {
    const baseDir = path.join(dir, key);
    fs.mkdirSync(path.join(baseDir, "dp"), { recursive: true });
    fs.mkdirSync(path.join(baseDir, "cni"), { recursive: true });
    const v = {
      options: { baseDir },
      dp: (i: number) => getDPDeviceInfoPath(RESOURCE, deviceID(i), { baseDir }),
      cni: (i: number) => path.join(baseDir, "cni", cniName(i)),
      dps: [] as string[],
      cnis: [] as string[],
      /** Prepares device IDs and paths for `count` devices (not timed). */
      prepare: (count: number) => {
        if (ids.length !== count) ids = Array.from({ length: count }, (_, i) => deviceID(i));
        if (v.dps.length !== count) v.dps = ids.map((_, i) => v.dp(i));
        if (v.cnis.length !== count) v.cnis = ids.map((_, i) => v.cni(i));
      },
    };
    return v;
  };
  const raw = base("raw");
  const atomic = base("atomic");
  const floor = atomicFloor(atomic.options.baseDir, atomic.dp, atomic.cni);
  const promises = base("promises");
  const sync = base("sync");
  const async = base("async");
  // Prepared, or built on the spot for a caller that did not prepare (event-loop, syscalls).
  const id = (i: number) => ids[i] ?? deviceID(i);
  type Base = ReturnType<typeof base>;
  const cniOf = (v: Base, i: number) => v.cnis[i] ?? v.cni(i);
  const dpOf = (v: Base, i: number) => v.dps[i] ?? v.dp(i);
  return [
    {
      key: "raw",
      label: "raw node:fs floor",
      async: false,
      prepare: raw.prepare,
      phases: {
        "save DP": (i) => fs.writeFileSync(dpOf(raw, i), JSON.stringify(INFO)),
        "copy DP to CNI": (i) => fs.writeFileSync(cniOf(raw, i), JSON.stringify(JSON.parse(fs.readFileSync(dpOf(raw, i), "utf8")))),
        "load CNI": (i) => JSON.parse(fs.readFileSync(cniOf(raw, i), "utf8")),
        "clean CNI": (i) => fs.unlinkSync(cniOf(raw, i)),
        "clean DP": (i) => fs.unlinkSync(dpOf(raw, i)),
      },
    },
    {
      key: "atomic",
      label: "atomic floor: devinfo's 28 system calls through fs.*Sync, paths and bytes prepared, no library code",
      async: false,
      prepare: floor.prepare,
      phases: floor.phases,
    },
    {
      key: "sync",
      label: "devinfo sync",
      async: false,
      prepare: sync.prepare,
      phases: {
        "save DP": (i) => saveDeviceInfoForDPSync(RESOURCE, id(i), INFO, sync.options),
        "copy DP to CNI": (i) => copyDeviceInfoForCNIFromDPSync(cniOf(sync, i), RESOURCE, id(i), sync.options),
        "load CNI": (i) => loadDeviceInfoFromCNISync(cniOf(sync, i), sync.options),
        "clean CNI": (i) => cleanDeviceInfoForCNISync(cniOf(sync, i), sync.options),
        "clean DP": (i) => cleanDeviceInfoForDPSync(RESOURCE, id(i), sync.options),
      },
    },
    {
      key: "promises",
      label: "naive node:fs/promises",
      async: true,
      prepare: promises.prepare,
      phases: {
        "save DP": (i) => fsp.writeFile(dpOf(promises, i), JSON.stringify(INFO)),
        "copy DP to CNI": async (i) =>
          fsp.writeFile(cniOf(promises, i), JSON.stringify(JSON.parse(await fsp.readFile(dpOf(promises, i), "utf8")))),
        "load CNI": async (i) => JSON.parse(await fsp.readFile(cniOf(promises, i), "utf8")),
        "clean CNI": (i) => fsp.unlink(cniOf(promises, i)),
        "clean DP": (i) => fsp.unlink(dpOf(promises, i)),
      },
    },
    {
      key: "async",
      label: "devinfo async",
      async: true,
      prepare: async.prepare,
      phases: {
        "save DP": (i) => saveDeviceInfoForDP(RESOURCE, id(i), INFO, async.options),
        "copy DP to CNI": (i) => copyDeviceInfoForCNIFromDP(cniOf(async, i), RESOURCE, id(i), async.options),
        "load CNI": (i) => loadDeviceInfoFromCNI(cniOf(async, i), async.options),
        "clean CNI": (i) => cleanDeviceInfoForCNI(cniOf(async, i), async.options),
        "clean DP": (i) => cleanDeviceInfoForDP(RESOURCE, id(i), async.options),
      },
    },
  ];
}

/** µs per operation of each phase for one batch: wall time, and CPU time of the whole process (thread pool included). */
export interface BatchResult {
  wall: Record<Phase, number>;
  cpu: Record<Phase, number>;
}

export async function runBatch(variant: Variant, batch: number): Promise<BatchResult> {
  const result: BatchResult = { wall: {} as Record<Phase, number>, cpu: {} as Record<Phase, number> };
  variant.prepare?.(batch);
  for (const phase of PHASES) {
    const fn = variant.phases[phase];
    const cpu = process.cpuUsage();
    const start = performance.now();
    if (variant.async) for (let i = 0; i < batch; i++) await fn(i);
    else for (let i = 0; i < batch; i++) fn(i);
    result.wall[phase] = ((performance.now() - start) * 1000) / batch;
    const used = process.cpuUsage(cpu);
    result.cpu[phase] = (used.user + used.system) / batch;
  }
  return result;
}

export interface OpsOptions {
  rounds: number;
  batch: number;
  places: readonly Place["name"][];
}

type Key = Variant["key"] | "go";
type Metric = "wall" | "cpu";
/** samples[metric][variant][phase or "cycle"]: one value per round. */
type Samples = Record<Metric, Record<Key, Record<Phase | "cycle", number[]>>>;

const cycleOf = (r: Record<Phase, number>) => PHASES.reduce((sum, p) => sum + r[p], 0);

export async function benchOps(options: OpsOptions): Promise<{ report: string; verdicts: Verdict[] }> {
  const verdicts: Verdict[] = [];
  const sections: string[] = [];
  for (const where of places(options.places)) {
    const go = startGoReference(path.join(where.dir, "go"));
    try {
      const vs = variants(where.dir);
      type Runner = { key: Key; run: () => Promise<BatchResult> };
      const runners: Runner[] = vs.map((v) => ({ key: v.key, run: () => runBatch(v, options.batch) }));
      if (go !== undefined) runners.push({ key: "go", run: () => go.batch(options.batch) });
      const empty = () =>
        Object.fromEntries(runners.map((v) => [v.key, Object.fromEntries([...PHASES, "cycle"].map((p) => [p, [] as number[]]))]));
      const samples = { wall: empty(), cpu: empty() } as Samples;
      const warmup = 2;
      for (let round = 0; round < options.rounds + warmup; round++) {
        for (const v of rotate(runners, round)) {
          const r = await v.run();
          if (round < warmup) continue;
          for (const metric of ["wall", "cpu"] as const) {
            for (const p of PHASES) samples[metric][v.key][p].push(r[metric][p]);
            samples[metric][v.key].cycle.push(cycleOf(r[metric]));
          }
        }
      }
      log(`ops ${where.name}: ${options.rounds} rounds done`);
      const m = (metric: Metric, k: Key, p: Phase | "cycle") => median(samples[metric][k][p]);
      /** Per-round ratio of two variants' full cycles: their median, and its interquartile range. */
      const ratio = (metric: Metric, a: Key, b: Key) => {
        const rs = samples[metric][a].cycle.map((value, i) => value / (samples[metric][b].cycle[i] ?? Number.NaN));
        return { median: median(rs), spread: spread(rs, x) };
      };
      const hasGo = go !== undefined;
      const rows = (metric: Metric) =>
        [...PHASES, "cycle" as const].map((p) => [
          p === "cycle" ? "**full cycle**" : p,
          hasGo ? us(m(metric, "go", p)) : "-",
          us(m(metric, "raw", p)),
          us(m(metric, "atomic", p)),
          us(m(metric, "sync", p)),
          x(m(metric, "sync", p) / m(metric, "raw", p)),
          x(m(metric, "sync", p) / m(metric, "atomic", p)),
          us(m(metric, "promises", p)),
          us(m(metric, "async", p)),
          x(m(metric, "async", p) / m(metric, "sync", p)),
        ]);
      const header = [
        "operation",
        "Go reference",
        "raw node:fs",
        "atomic floor",
        "devinfo sync",
        "sync/raw",
        "sync/atomic",
        "naive fs/promises",
        "devinfo async",
        "async/sync",
      ];
      const ratioLine = (metric: Metric) =>
        [
          ["devinfo sync / raw floor", "sync", "raw"],
          ["atomic floor / raw floor", "atomic", "raw"],
          ["devinfo sync / atomic floor", "sync", "atomic"],
          ["devinfo async / devinfo sync", "async", "sync"],
          ["naive fs/promises / devinfo sync", "promises", "sync"],
          ["devinfo async / naive fs/promises", "async", "promises"],
          ...(hasGo ? [["devinfo sync / Go reference", "sync", "go"]] : []),
        ]
          .map(([label, a, b]) => {
            const r = ratio(metric, a as Key, b as Key);
            return `${label} ${x(r.median)} (${r.spread})`;
          })
          .join(", ");
      sections.push(
        [
          `#### ${where.name} (${where.type}, ${where.dir})`,
          "",
          `Wall time, µs per operation, median of ${options.rounds} rounds of ${options.batch} devices (ratios of the medians).` +
            " The atomic floor makes exactly devinfo's system calls (lstat of the directory, temporary file, fchmod, write, close, link, unlink;" +
            " lstat, open, fstat, read, close) straight through fs.*Sync, with paths and bytes prepared before timing and no library code:" +
            " the cost of the protocol itself.",
          "",
          table(header, rows("wall")),
          "",
          `CPU time (user + system, all threads: the thread pool's work counts), µs per operation:`,
          "",
          table(header, rows("cpu")),
          "",
          `Per-round ratios of the full cycle, median (interquartile range). Wall: ${ratioLine("wall")}. CPU: ${ratioLine("cpu")}.` +
            (hasGo ? "" : " (No Go toolchain: no Go reference column.)"),
        ].join("\n"),
      );
      const syncAtomic = ratio("wall", "sync", "atomic");
      const asyncNaive = ratio("wall", "async", "promises");
      const goRatio = (a: Key) => (hasGo ? `${x(ratio("wall", a, "go").median)}` : "no Go toolchain");
      verdicts.push(
        {
          figure: `sync full cycle / atomic floor, ${where.name}`,
          value:
            `${x(syncAtomic.median)} (${syncAtomic.spread}; ${us(m("wall", "sync", "cycle"))} vs ${us(m("wall", "atomic", "cycle"))} µs; CPU ${x(ratio("cpu", "sync", "atomic").median)});` +
            ` vs raw floor ${x(ratio("wall", "sync", "raw").median)}, vs Go ${goRatio("sync")}`,
          budget: "≤ 1.15x",
          ok: syncAtomic.median <= 1.15,
        },
        {
          figure: `  atomic floor / raw node:fs floor; / Go reference, ${where.name}`,
          value: `${x(ratio("wall", "atomic", "raw").median)} (CPU ${x(ratio("cpu", "atomic", "raw").median)}); ${goRatio("atomic")}${hasGo ? ` (Go ${us(m("wall", "go", "cycle"))} µs)` : ""}`,
          budget: "-",
          ok: undefined,
        },
        {
          figure: `async full cycle / naive fs/promises cycle, ${where.name}`,
          value: `${x(asyncNaive.median)} (${asyncNaive.spread}; ${us(m("wall", "async", "cycle"))} vs ${us(m("wall", "promises", "cycle"))} µs; CPU ${x(ratio("cpu", "async", "promises").median)}); async / sync ${x(ratio("wall", "async", "sync").median)}`,
          budget: "≤ 1.00x",
          ok: asyncNaive.median <= 1,
        },
      );
    } finally {
      go?.close();
      where.dispose();
    }
  }
  return { report: sections.join("\n\n"), verdicts };
}
