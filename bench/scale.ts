/**
 * Scale: a device plugin publishing and withdrawing 1,000 and 10,000 devices,
 * and `devinfo ls` / `devinfo gc` over 10,000 and 100,000 CNI files (on
 * tmpfs, where the production base directory lives). Each run is a fresh
 * process, so that its peak RSS is its own; sizes are interleaved round by
 * round. "Flat" means the time per file at the larger size is at most 1.5x
 * the time per file at the smaller one (a tenth of the count).
 */

import fs from "node:fs";
import path from "node:path";
import { cleanDeviceInfoForDP, cleanDeviceInfoForDPSync, getDPDeviceInfoPath, saveDeviceInfoForDP, saveDeviceInfoForDPSync } from "devinfo";
import { type ChildRun, runChild } from "./_child.js";
import { CLI, places, SELF } from "./_env.js";
import { log, mb, median, ms, table, us, type Verdict, x } from "./_stats.js";
import { cniName, deviceID, INFO, RESOURCE } from "./ops.js";

const FLAT = 1.5;
const RSS_BUDGET = 100 * 1024 * 1024;

export interface PublishResult {
  publishUs: number;
  withdrawUs: number;
  rawPublishUs: number;
  rawWithdrawUs: number;
}

/** Worker (a child process): publishes then withdraws `count` devices; prints a PublishResult. */
export async function publishWorker(dir: string, count: number, api: "sync" | "async"): Promise<void> {
  const options = { baseDir: path.join(dir, "devinfo") };
  let start = performance.now();
  if (api === "async") for (let i = 0; i < count; i++) await saveDeviceInfoForDP(RESOURCE, deviceID(i), INFO, options);
  else for (let i = 0; i < count; i++) saveDeviceInfoForDPSync(RESOURCE, deviceID(i), INFO, options);
  const publishUs = ((performance.now() - start) * 1000) / count;
  start = performance.now();
  if (api === "async") for (let i = 0; i < count; i++) await cleanDeviceInfoForDP(RESOURCE, deviceID(i), options);
  else for (let i = 0; i < count; i++) cleanDeviceInfoForDPSync(RESOURCE, deviceID(i), options);
  const withdrawUs = ((performance.now() - start) * 1000) / count;
  // The raw node:fs floor, same names, same process, for scale.
  const raw = { baseDir: path.join(dir, "raw") };
  fs.mkdirSync(path.join(raw.baseDir, "dp"), { recursive: true });
  const body = JSON.stringify(INFO);
  start = performance.now();
  for (let i = 0; i < count; i++) fs.writeFileSync(getDPDeviceInfoPath(RESOURCE, deviceID(i), raw), body);
  const rawPublishUs = ((performance.now() - start) * 1000) / count;
  start = performance.now();
  for (let i = 0; i < count; i++) fs.unlinkSync(getDPDeviceInfoPath(RESOURCE, deviceID(i), raw));
  const rawWithdrawUs = ((performance.now() - start) * 1000) / count;
  const result: PublishResult = { publishUs, withdrawUs, rawPublishUs, rawWithdrawUs };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const containerID = (i: number) => i.toString(16).padStart(64, "0");

/** Writes `count` CNI files named as Multus names them (`<network>-<containerID>_<ifName>`), from `from` on. */
function populate(cniDir: string, from: number, count: number, step = 1): void {
  const body = JSON.stringify(INFO);
  for (let i = from; i < count; i += step) fs.writeFileSync(path.join(cniDir, cniName(i)), body, { mode: 0o444 });
}

export async function benchScale(options: {
  rounds: number;
  devices: readonly number[];
  files: readonly number[];
}): Promise<{ report: string; verdicts: Verdict[] }> {
  const [where] = places(["tmpfs"]);
  if (where === undefined) throw new Error("no tmpfs place");
  const verdicts: Verdict[] = [];
  const sections: string[] = [];
  try {
    // --- Device plugin: publish and withdraw.
    const publish = new Map<string, { r: PublishResult; rss: number }[]>();
    for (let round = 0; round < options.rounds; round++) {
      for (const api of ["async", "sync"] as const) {
        for (const count of round % 2 === 0 ? options.devices : [...options.devices].reverse()) {
          const dir = fs.mkdtempSync(path.join(where.dir, "dp-"));
          const run = runChild([SELF, "--worker=publish", `--count=${count}`, `--dir=${dir}`, `--api=${api}`]);
          fs.rmSync(dir, { recursive: true, force: true });
          const key = `${api} ${count}`;
          publish.set(key, [...(publish.get(key) ?? []), { r: JSON.parse(run.stdout) as PublishResult, rss: run.maxRssBytes }]);
        }
      }
      log(`scale: device plugin round ${round + 1}/${options.rounds}`);
    }
    const pub = (api: string, count: number, f: (s: { r: PublishResult; rss: number }) => number) =>
      median((publish.get(`${api} ${count}`) ?? []).map(f));
    const small = options.devices[0] ?? 0;
    const large = options.devices[options.devices.length - 1] ?? 0;
    const publishRows = (["async", "sync"] as const).flatMap((api) =>
      options.devices.map((count) => [
        `${api}, ${count.toLocaleString("en-US")} devices`,
        us(pub(api, count, (s) => s.r.publishUs)),
        us(pub(api, count, (s) => s.r.withdrawUs)),
        `${us(pub(api, count, (s) => s.r.rawPublishUs))} / ${us(pub(api, count, (s) => s.r.rawWithdrawUs))}`,
        mb(pub(api, count, (s) => s.rss)),
      ]),
    );
    sections.push(
      [
        `#### Device plugin: publish (saveDeviceInfoForDP) then withdraw (cleanDeviceInfoForDP) every device, one after the other`,
        "",
        `µs per device, median of ${options.rounds} runs, each a fresh process; the raw floor is writeFileSync / unlinkSync of the same names in the same process.`,
        "",
        table(["run", "publish (µs/device)", "withdraw (µs/device)", "raw floor publish / withdraw", "peak RSS"], publishRows),
      ].join("\n"),
    );
    for (const api of ["async", "sync"] as const) {
      const growth = (pub(api, large, (s) => s.r.publishUs + s.r.withdrawUs) /
        pub(api, small, (s) => s.r.publishUs + s.r.withdrawUs)) as number;
      verdicts.push({
        figure: `scale: ${api} publish + withdraw, time per device at ${large.toLocaleString("en-US")} / at ${small.toLocaleString("en-US")}`,
        value: `${x(growth)} (${us(pub(api, large, (s) => s.r.publishUs + s.r.withdrawUs))} µs/device)`,
        budget: `≤ ${x(FLAT)} (flat)`,
        ok: growth <= FLAT,
      });
    }

    // --- devinfo ls and devinfo gc. Time per file excludes the process's start: each round also runs the command on
    // an empty directory, and a file's time is (time with N files - time with none) / N, per round.
    const sizes = [0, ...options.files];
    const lsRuns = new Map<number, ChildRun[]>();
    const gcRuns = new Map<number, ChildRun[]>();
    const dirs = new Map<number, string>();
    for (const count of sizes) {
      const base = fs.mkdtempSync(path.join(where.dir, "cli-"));
      fs.mkdirSync(path.join(base, "cni"), { recursive: true });
      fs.mkdirSync(path.join(base, "dp"), { recursive: true });
      populate(path.join(base, "cni"), 0, count);
      // The pods that still exist: every other one (an empty list is refused, so at least one).
      fs.writeFileSync(
        path.join(base, "live.txt"),
        Array.from({ length: Math.max(1, Math.ceil(count / 2)) }, (_, k) => containerID(2 * k)).join("\n"),
      );
      dirs.set(count, base);
      log(`scale: ${count} CNI files written`);
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const count of round % 2 === 0 ? sizes : [...sizes].reverse()) {
        const base = dirs.get(count) as string;
        const listing = path.join(base, "ls.out");
        const ls = runChild([CLI, "ls", "--base-dir", base], { stdoutFile: listing });
        const listed = countLines(listing, "cni ");
        if (listed !== count) throw new Error(`devinfo ls listed ${listed} CNI files of ${count}`);
        lsRuns.set(count, [...(lsRuns.get(count) ?? []), ls]);
        const gcOut = path.join(base, "gc.out");
        const gc = runChild([CLI, "gc", "--base-dir", base, "--live-containers", path.join(base, "live.txt"), "--older-than", "0s"], {
          stdoutFile: gcOut,
        });
        const removed = countLines(gcOut, "removed ");
        if (removed !== Math.floor(count / 2)) throw new Error(`devinfo gc removed ${removed} of ${count} files, not half`);
        gcRuns.set(count, [...(gcRuns.get(count) ?? []), gc]);
        populate(path.join(base, "cni"), 1, count, 2); // the removed half, back for the next round
      }
      log(`scale: ls/gc round ${round + 1}/${options.rounds}`);
    }
    const perFile = (runs: Map<number, ChildRun[]>, count: number, metric: (r: ChildRun) => number) =>
      median((runs.get(count) ?? []).map((r, i) => ((metric(r) - metric((runs.get(0) ?? [])[i] as ChildRun)) * 1000) / count));
    const cliRows = (["ls", "gc"] as const).flatMap((cmd) => {
      const runs = cmd === "ls" ? lsRuns : gcRuns;
      return sizes.map((count) => [
        `devinfo ${cmd}, ${count.toLocaleString("en-US")} CNI files`,
        ms(median((runs.get(count) ?? []).map((r) => r.wallMs))),
        count === 0 ? "-" : us(perFile(runs, count, (r) => r.wallMs)),
        count === 0 ? "-" : us(perFile(runs, count, (r) => r.cpuMs)),
        mb(Math.max(...(runs.get(count) ?? []).map((r) => r.maxRssBytes))),
      ]);
    });
    sections.push(
      [
        `#### \`devinfo ls\` and \`devinfo gc --live-containers <half of the pods> --older-than 0s\` (removes half the files)`,
        "",
        `Median of ${options.rounds} runs, each a fresh process (ls output to a file). Per file: (run with N files − run on an empty` +
          ` directory in the same round) / N, so the process start is not spread over the files. Peak RSS is the largest of the runs.`,
        "",
        table(["run", "wall (ms)", "wall per file (µs)", "CPU per file (µs)", "peak RSS"], cliRows),
      ].join("\n"),
    );
    const fSmall = options.files[0] ?? 0;
    const fLarge = options.files[options.files.length - 1] ?? 0;
    for (const [cmd, runs] of [
      ["ls", lsRuns],
      ["gc", gcRuns],
    ] as const) {
      const per = (count: number) => perFile(runs, count, (r) => r.wallMs);
      const growth = per(fLarge) / per(fSmall);
      const cpuGrowth = perFile(runs, fLarge, (r) => r.cpuMs) / perFile(runs, fSmall, (r) => r.cpuMs);
      const rss = Math.max(...(runs.get(fLarge) ?? []).map((r) => r.maxRssBytes));
      verdicts.push(
        {
          figure: `scale: devinfo ${cmd}, time per file at ${fLarge.toLocaleString("en-US")} / at ${fSmall.toLocaleString("en-US")} files`,
          value: `${x(growth)} (${us(per(fLarge))} µs/file; CPU ${x(cpuGrowth)})`,
          budget: `≤ ${x(FLAT)} (linear)`,
          ok: growth <= FLAT,
        },
        {
          figure: `scale: devinfo ${cmd}, peak RSS at ${fLarge.toLocaleString("en-US")} files`,
          value: mb(rss),
          budget: "< 100 MB",
          ok: rss < RSS_BUDGET,
        },
      );
    }
  } finally {
    where.dispose();
  }
  return { report: sections.join("\n\n"), verdicts };
}

function countLines(file: string, prefix: string): number {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.startsWith(prefix)).length;
}
