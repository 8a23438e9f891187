/**
 * `devinfo gc` over every combination of its flags, against one base
 * directory holding the files of live and gone pods, devices and writers:
 * nothing live is ever removed, and what is removed is exactly what the rules
 * of `devinfo gc --help` prove orphaned. Runs the CLI's own `main` in process
 * (a process per combination would take minutes and test nothing more; the
 * built CLI is covered by gc.test.ts).
 */

import fs from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/cli.js";
import { ago, containerID, DOCS, deadPid, put, useTempDir } from "./_helpers.js";

const MIN = 60_000;
const OLD = 5 * MIN; // past gc's 1m default guard
const FRESH = 20_000; // inside it

const LIVE_POD = containerID(1);
const LIVE_POD_2 = containerID(2);
const LIVE_SHORT = "abc123def"; // a runtime with short IDs; the network name holds "-"
const GONE_POD = containerID(3);

type Fate = "live" | "unknown" | "gone-old" | "gone-fresh" | "crashed";
interface Fixture {
  readonly dir: "dp" | "cni";
  readonly name: string;
  readonly content: string;
  readonly age: number;
  readonly fate: Fate;
  /** For gone files: the proof that removes them. */
  readonly provenBy?: "containers" | "devices" | "device-pairs";
}

let dead = 0;
function fixtures(): Fixture[] {
  const lock = (pid: number) => `${pid}\n`;
  return [
    // CNI files
    { dir: "cni", name: `default-sriov-net-${LIVE_POD}_net1`, content: DOCS.pci, age: OLD, fate: "live" },
    { dir: "cni", name: `default-sriov-net-${LIVE_POD}_net2`, content: DOCS.vhostUser, age: FRESH, fate: "live" },
    { dir: "cni", name: `other-${LIVE_POD_2}_net1`, content: DOCS.pci, age: OLD, fate: "live" },
    { dir: "cni", name: `k8s-net-a-${LIVE_SHORT}_eth1`, content: DOCS.memif, age: OLD, fate: "live" },
    { dir: "cni", name: `default-sriov-net-${GONE_POD}_net1`, content: DOCS.pci, age: OLD, fate: "gone-old", provenBy: "containers" },
    { dir: "cni", name: `default-sriov-net-${GONE_POD}_net2`, content: DOCS.pci, age: FRESH, fate: "gone-fresh", provenBy: "containers" },
    { dir: "cni", name: "devinfo-6f1c2a7e-1b2c-5d3e-8f9a-0b1c2d3e4f5a", content: DOCS.pci, age: OLD, fate: "unknown" },
    { dir: "cni", name: "hand-made", content: DOCS.memif, age: OLD, fate: "unknown" },
    // Device plugin files
    { dir: "dp", name: "intel.com-sriov-0000:af:06.0-device.json", content: DOCS.pci, age: OLD, fate: "live" },
    { dir: "dp", name: "intel.com-sriov-dpdk-0000:af:07.0-device.json", content: DOCS.pci, age: OLD, fate: "live" },
    { dir: "dp", name: "example.com-vdpa-vdpa0-device.json", content: DOCS.vdpa, age: OLD, fate: "live" },
    { dir: "dp", name: "intel.com-sriov-0000:af:06.1-device.json", content: DOCS.pci, age: OLD, fate: "gone-old", provenBy: "devices" },
    { dir: "dp", name: "intel.com-sriov-0000:af:06.2-device.json", content: DOCS.pci, age: FRESH, fate: "gone-fresh", provenBy: "devices" },
    { dir: "dp", name: "example.com-vdpa-vdpa1-device.json", content: DOCS.vdpa, age: OLD, fate: "gone-old", provenBy: "device-pairs" },
    { dir: "dp", name: "README", content: "not ours", age: OLD, fate: "unknown" },
    // Writers: live ones (this process) at work, crashed ones' leftovers
    ...(["dp", "cni"] as const).flatMap((dir): Fixture[] => [
      { dir, name: `.devinfo-tmp-${process.pid}-live`, content: "{", age: 0, fate: "live" },
      { dir, name: ".devinfo-lock-00000000000000aa", content: lock(process.pid), age: 0, fate: "live" },
      { dir, name: `.devinfo-tmp-${dead}-crashed`, content: "{", age: FRESH, fate: "crashed" },
      { dir, name: ".devinfo-lock-00000000000000bb", content: lock(dead), age: FRESH, fate: "crashed" },
      { dir, name: `.devinfo-tmp-${process.pid}-stale`, content: "", age: 11 * MIN, fate: "crashed" },
    ]),
  ];
}

// The inputs always tell the truth; only which of them are given varies.
const LISTS = {
  containers: `# crictl pods -q\n${LIVE_POD}\n${LIVE_POD_2}\n${LIVE_SHORT}\n${containerID(9)}\n`,
  attachments: JSON.stringify({
    cniVersion: "1.1.0",
    name: "multus-cni-network",
    "cni.dev/valid-attachments": [LIVE_POD, LIVE_POD_2, LIVE_SHORT].map((id) => ({ containerID: id, ifname: "eth0" })),
  }),
  bareDevices: "0000:af:06.0\n0000:af:07.0\nvdpa0\n",
  devicePairs: "intel.com/sriov 0000:af:06.0\nintel.com/sriov-dpdk 0000:af:07.0\nexample.com/vdpa vdpa0\n",
};

const CONTAINERS = ["none", "live-containers", "valid-attachments", "both"] as const;
const DEVICES = ["none", "bare", "bare+resource", "pairs", "pairs+resource"] as const;
const OLDER_THAN = [undefined, "0s", "10m"] as const;
const STALE_AFTER = [undefined, "10s", "5s"] as const;
const DRY_RUN = [false, true] as const;

interface Case {
  containers: (typeof CONTAINERS)[number];
  devices: (typeof DEVICES)[number];
  olderThan: (typeof OLDER_THAN)[number];
  staleAfter: (typeof STALE_AFTER)[number];
  dryRun: boolean;
}

const CASES: Case[] = CONTAINERS.flatMap((containers) =>
  DEVICES.flatMap((devices) =>
    OLDER_THAN.flatMap((olderThan) =>
      STALE_AFTER.flatMap((staleAfter) => DRY_RUN.map((dryRun) => ({ containers, devices, olderThan, staleAfter, dryRun }))),
    ),
  ),
);

function argsOf(c: Case, dir: (name: string) => string): string[] {
  const args: string[] = [];
  const list = (flag: string, file: string, content: string) => args.push(flag, put(dir(file), content));
  if (c.containers === "live-containers" || c.containers === "both") list("--live-containers", "pods.txt", LISTS.containers);
  if (c.containers === "valid-attachments" || c.containers === "both") list("--valid-attachments", "gc.json", LISTS.attachments);
  if (c.devices.startsWith("bare")) list("--live-devices", "devices.txt", LISTS.bareDevices);
  if (c.devices.startsWith("pairs")) list("--live-devices", "devices.txt", LISTS.devicePairs);
  if (c.devices.endsWith("+resource")) args.push("--resource", "intel.com/sriov");
  if (c.olderThan !== undefined) args.push("--older-than", c.olderThan);
  if (c.staleAfter !== undefined) args.push("--stale-after", c.staleAfter);
  if (c.dryRun) args.push("--dry-run");
  return args;
}

/** The rules of `devinfo gc --help`, as a table: the usage errors, then what each file's proof needs. */
function expected(c: Case, file: Fixture): { usage: boolean; removed: boolean } {
  const hasList = c.containers !== "none" || c.devices !== "none";
  const usage = c.devices === "bare" || c.staleAfter === "5s" || (c.olderThan !== undefined && !hasList);
  if (usage) return { usage, removed: false };
  const oldEnough = file.fate === "gone-old" ? c.olderThan !== "10m" : c.olderThan === "0s";
  const proven =
    file.provenBy === "containers"
      ? c.containers !== "none"
      : file.provenBy === "devices"
        ? c.devices !== "none"
        : file.provenBy === "device-pairs" && c.devices === "pairs";
  const removed = file.fate === "crashed" || ((file.fate === "gone-old" || file.fate === "gone-fresh") && proven && oldEnough);
  return { usage, removed };
}

describe("devinfo gc: every combination of flags, files of live and gone pods, devices and writers", () => {
  const tmp = useTempDir();
  beforeAll(() => {
    dead = deadPid();
  });

  it("covers every combination", () => {
    expect(CASES).toHaveLength(CONTAINERS.length * DEVICES.length * OLDER_THAN.length * STALE_AFTER.length * DRY_RUN.length);
  });

  it.each(CASES)("containers=$containers devices=$devices older-than=$olderThan stale-after=$staleAfter dry-run=$dryRun", async (c) => {
    const base = tmp.join("base");
    const files = fixtures();
    for (const f of files) put(tmp.join("base", f.dir, f.name), f.content, ago(f.age));
    let stdout = "";
    let stderr = "";
    const code = await main(["gc", "--base-dir", base, "--json", ...argsOf(c, (name) => tmp.join(name))], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin: (async function* () {})(),
      env: {},
    });

    const left = (f: Fixture) => fs.existsSync(tmp.join("base", f.dir, f.name));
    // Nothing live, and nothing whose owner nothing says, is ever removed.
    for (const f of files.filter((f) => f.fate === "live" || f.fate === "unknown")) {
      expect(left(f), `${f.dir}/${f.name}`).toBe(true);
      expect(fs.readFileSync(tmp.join("base", f.dir, f.name), "utf8")).toBe(f.content);
    }
    const usage = expected(c, files[0] as Fixture).usage;
    if (usage) {
      expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
      // gc runs with --json here: a usage error is then one JSON line with its code.
      expect(JSON.parse(stderr)).toMatchObject({ error: { code: "ERR_DEVINFO_USAGE" } });
      expect(files.every(left)).toBe(true);
      return;
    }
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const result = JSON.parse(stdout) as { dryRun: boolean; removed: { kind: string; name: string; path: string }[] };
    const wanted = files.filter((f) => expected(c, f).removed).map((f) => `${f.dir}/${f.name}`);
    expect(result.removed.map((r) => `${r.path.split("/").at(-2)}/${r.name}`).sort()).toEqual(wanted.sort());
    for (const f of files) expect(left(f), `${f.dir}/${f.name}`).toBe(c.dryRun || !expected(c, f).removed);
  });
});
