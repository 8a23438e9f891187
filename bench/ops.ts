/**
 * Per operation and per full cycle (save the device plugin file, copy it to
 * a CNI file, load that, clean both), sync and async, against baselines run
 * in the same process, interleaved round by round:
 *
 * - raw floor: `writeFileSync` / `readFileSync` + `JSON.parse` / `unlinkSync`
 *   doing the same non-atomic, unvalidated work (what the Go reference does);
 * - naive async: the same with `node:fs/promises`.
 *
 * Each round runs every variant over a batch of devices, phase by phase (all
 * saves, then all copies, ...), in a rotated order; a figure is the median
 * over rounds, and a ratio the median of the per-round ratios.
 */

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
import { type Place, places } from "./_env.js";
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
  key: "raw" | "sync" | "promises" | "async";
  label: string;
  async: boolean;
  phases: Record<Phase, PhaseFn>;
}

export const deviceID = (i: number): string =>
  `0000:${(0xa0 + (i >> 8)).toString(16)}:${((i >> 3) & 31).toString(16).padStart(2, "0")}.${i & 7}`;
export const cniName = (i: number): string => `sriov-net1-${i.toString(16).padStart(64, "0")}_net1`;

/** The four variants, each in its own base directory under `dir`. */
export function variants(dir: string): Variant[] {
  const base = (key: string) => {
    const baseDir = path.join(dir, key);
    fs.mkdirSync(path.join(baseDir, "dp"), { recursive: true });
    fs.mkdirSync(path.join(baseDir, "cni"), { recursive: true });
    return {
      options: { baseDir },
      dp: (i: number) => getDPDeviceInfoPath(RESOURCE, deviceID(i), { baseDir }),
      cni: (i: number) => path.join(baseDir, "cni", cniName(i)),
    };
  };
  const raw = base("raw");
  const promises = base("promises");
  const sync = base("sync");
  const async = base("async");
  return [
    {
      key: "raw",
      label: "raw node:fs floor",
      async: false,
      phases: {
        "save DP": (i) => fs.writeFileSync(raw.dp(i), JSON.stringify(INFO)),
        "copy DP to CNI": (i) => fs.writeFileSync(raw.cni(i), JSON.stringify(JSON.parse(fs.readFileSync(raw.dp(i), "utf8")))),
        "load CNI": (i) => JSON.parse(fs.readFileSync(raw.cni(i), "utf8")),
        "clean CNI": (i) => fs.unlinkSync(raw.cni(i)),
        "clean DP": (i) => fs.unlinkSync(raw.dp(i)),
      },
    },
    {
      key: "sync",
      label: "devinfo sync",
      async: false,
      phases: {
        "save DP": (i) => saveDeviceInfoForDPSync(RESOURCE, deviceID(i), INFO, sync.options),
        "copy DP to CNI": (i) => copyDeviceInfoForCNIFromDPSync(sync.cni(i), RESOURCE, deviceID(i), sync.options),
        "load CNI": (i) => loadDeviceInfoFromCNISync(sync.cni(i), sync.options),
        "clean CNI": (i) => cleanDeviceInfoForCNISync(sync.cni(i), sync.options),
        "clean DP": (i) => cleanDeviceInfoForDPSync(RESOURCE, deviceID(i), sync.options),
      },
    },
    {
      key: "promises",
      label: "naive node:fs/promises",
      async: true,
      phases: {
        "save DP": (i) => fsp.writeFile(promises.dp(i), JSON.stringify(INFO)),
        "copy DP to CNI": async (i) =>
          fsp.writeFile(promises.cni(i), JSON.stringify(JSON.parse(await fsp.readFile(promises.dp(i), "utf8")))),
        "load CNI": async (i) => JSON.parse(await fsp.readFile(promises.cni(i), "utf8")),
        "clean CNI": (i) => fsp.unlink(promises.cni(i)),
        "clean DP": (i) => fsp.unlink(promises.dp(i)),
      },
    },
    {
      key: "async",
      label: "devinfo async",
      async: true,
      phases: {
        "save DP": (i) => saveDeviceInfoForDP(RESOURCE, deviceID(i), INFO, async.options),
        "copy DP to CNI": (i) => copyDeviceInfoForCNIFromDP(async.cni(i), RESOURCE, deviceID(i), async.options),
        "load CNI": (i) => loadDeviceInfoFromCNI(async.cni(i), async.options),
        "clean CNI": (i) => cleanDeviceInfoForCNI(async.cni(i), async.options),
        "clean DP": (i) => cleanDeviceInfoForDP(RESOURCE, deviceID(i), async.options),
      },
    },
  ];
}

/** µs per operation of each phase for one batch. */
export async function runBatch(variant: Variant, batch: number): Promise<Record<Phase, number>> {
  const result = {} as Record<Phase, number>;
  for (const phase of PHASES) {
    const fn = variant.phases[phase];
    const start = performance.now();
    if (variant.async) for (let i = 0; i < batch; i++) await fn(i);
    else for (let i = 0; i < batch; i++) fn(i);
    result[phase] = ((performance.now() - start) * 1000) / batch;
  }
  return result;
}

export interface OpsOptions {
  rounds: number;
  batch: number;
  places: readonly Place["name"][];
}

type Samples = Record<Variant["key"], Record<Phase | "cycle", number[]>>;

const cycleOf = (r: Record<Phase, number>) => PHASES.reduce((sum, p) => sum + r[p], 0);

export async function benchOps(options: OpsOptions): Promise<{ report: string; verdicts: Verdict[] }> {
  const verdicts: Verdict[] = [];
  const sections: string[] = [];
  for (const where of places(options.places)) {
    try {
      const vs = variants(where.dir);
      const samples = Object.fromEntries(
        vs.map((v) => [v.key, Object.fromEntries([...PHASES, "cycle"].map((p) => [p, [] as number[]]))]),
      ) as Samples;
      const ratios = { syncRaw: [] as number[], asyncSync: [] as number[], promisesSync: [] as number[], asyncPromises: [] as number[] };
      const warmup = 2;
      for (let round = 0; round < options.rounds + warmup; round++) {
        const cycle = {} as Record<Variant["key"], number>;
        for (const v of rotate(vs, round)) {
          const r = await runBatch(v, options.batch);
          cycle[v.key] = cycleOf(r);
          if (round < warmup) continue;
          for (const p of PHASES) samples[v.key][p].push(r[p]);
          samples[v.key].cycle.push(cycle[v.key]);
        }
        if (round < warmup) continue;
        ratios.syncRaw.push(cycle.sync / cycle.raw);
        ratios.asyncSync.push(cycle.async / cycle.sync);
        ratios.promisesSync.push(cycle.promises / cycle.sync);
        ratios.asyncPromises.push(cycle.async / cycle.promises);
      }
      log(`ops ${where.name}: ${options.rounds} rounds done`);
      const rows = [...PHASES, "cycle" as const].map((p) => {
        const m = (k: Variant["key"]) => median(samples[k][p]);
        return [
          p === "cycle" ? "**full cycle**" : p,
          us(m("raw")),
          us(m("sync")),
          x(m("sync") / m("raw")),
          us(m("promises")),
          us(m("async")),
          x(m("async") / m("sync")),
        ];
      });
      const syncRaw = median(ratios.syncRaw);
      const asyncSync = median(ratios.asyncSync);
      sections.push(
        [
          `#### ${where.name} (${where.type}, ${where.dir})`,
          "",
          `µs per operation, median of ${options.rounds} rounds of ${options.batch} devices; ratios of medians.`,
          "",
          table(["operation", "raw node:fs", "devinfo sync", "sync/raw", "naive fs/promises", "devinfo async", "async/sync"], rows),
          "",
          `Per-round ratios of the full cycle (median, interquartile range): devinfo sync / raw floor ${x(syncRaw)} (${spread(ratios.syncRaw, x)}), ` +
            `devinfo async / devinfo sync ${x(asyncSync)} (${spread(ratios.asyncSync, x)}), ` +
            `naive fs/promises / devinfo sync ${x(median(ratios.promisesSync))} (${spread(ratios.promisesSync, x)}), ` +
            `devinfo async / naive fs/promises ${x(median(ratios.asyncPromises))} (${spread(ratios.asyncPromises, x)}).`,
        ].join("\n"),
      );
      verdicts.push(
        {
          figure: `sync full cycle / raw node:fs floor, ${where.name}`,
          value: `${x(syncRaw)} (${us(median(samples.sync.cycle))} vs ${us(median(samples.raw.cycle))} µs)`,
          budget: "≤ 1.30x",
          ok: syncRaw <= 1.3,
        },
        {
          figure: `async full cycle / sync full cycle, ${where.name}`,
          value: `${x(asyncSync)} (${us(median(samples.async.cycle))} µs)`,
          budget: "≤ 3.00x",
          ok: asyncSync <= 3,
        },
        {
          figure: `naive fs/promises cycle / sync full cycle, ${where.name}`,
          value: `${x(median(ratios.promisesSync))} (${us(median(samples.promises.cycle))} µs)`,
          budget: "-",
          ok: undefined,
        },
      );
    } finally {
      where.dispose();
    }
  }
  return { report: sections.join("\n\n"), verdicts };
}
