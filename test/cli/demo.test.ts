import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ListEntry } from "../../src/cli/ls.js";
import type { StatusEntry } from "../../src/cli/status.js";
import { parseNetworkStatusAnnotation } from "../../src/status/network-status.js";
import { devinfo, devinfoInTerminal, useTempDir } from "./_helpers.js";

/** The lines of one step, from its title to the next one. */
function step(stdout: string, n: number): string[] {
  const lines = stdout.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`Step ${n}/7  `));
  const end = lines.findIndex((l, i) => i > start && /^Step \d\/7 {2}/.test(l));
  return lines.slice(start, end === -1 ? undefined : end);
}

const matches = (lines: string[], re: RegExp) => lines.map((l) => re.exec(l)?.[1]).filter((m): m is string => m !== undefined);

describe("devinfo demo", () => {
  const tmp = useTempDir();

  /** Runs the demo with TMPDIR, HOME, the working directory and $DEVINFO_BASE_DIR all inside the test's directory. */
  function demo(...args: string[]) {
    for (const dir of ["tmp", "home", "cwd", "base"]) fs.mkdirSync(tmp.join(dir));
    return devinfo(["demo", ...args], {
      cwd: tmp.join("cwd"),
      env: { TMPDIR: tmp.join("tmp"), HOME: tmp.join("home"), DEVINFO_BASE_DIR: tmp.join("base") },
    });
  }

  it("walks through seven numbered steps and touches nothing outside its temporary directory", () => {
    const run = demo();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const titles = run.stdout.split("\n").filter((l) => /^Step \d\/7 {2}/.test(l));
    expect(titles.map((t) => t.slice(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `Step ${n}/7`));
    for (const dir of ["tmp", "home", "cwd", "base"]) expect({ dir, files: fs.readdirSync(tmp.join(dir)) }).toEqual({ dir, files: [] });
    const root = /^ {2}(\/\S+devinfo-demo-\S+)$/m.exec(run.stdout)?.[1];
    expect(root?.startsWith(tmp.join("tmp"))).toBe(true);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(`Removed ${root}. Run "devinfo demo --keep" to explore the files.`);
  });

  it("removes on DEL and on exit every file it created, and says nothing is left", () => {
    const out = demo().stdout;
    const published = matches(step(out, 1), /^ {4}wrote (dp\/\S+)/);
    const attached = matches(step(out, 2), /^ {10}(cni\/\S+)$/);
    expect(published).toHaveLength(5);
    expect(published.every((p) => p.endsWith("-device.json"))).toBe(true);
    expect(attached).toHaveLength(3);
    expect(matches(step(out, 7), /^ {4}removed (\S+)$/).sort()).toEqual([...published, ...attached].sort());
    expect(step(out, 7)).toContain("  Nothing is left: dp/ and cni/ are empty, no temporary or lock file remains.");
  });

  it("the annotation it prints carries the device-info the device plugin published and the plugins added", () => {
    const out = demo().stdout;
    const lines = step(out, 4);
    const start = lines.indexOf("    [{");
    const end = lines.indexOf("    }]");
    const annotation = lines
      .slice(start, end + 1)
      .map((l) => l.slice(4))
      .join("\n");
    const statuses = parseNetworkStatusAnnotation(annotation, { strict: true });
    expect(statuses.map((s) => [s.interface, s["device-info"]?.type ?? null])).toEqual([
      ["eth0", null],
      ["net1", "pci"],
      ["net2", "vdpa"],
      ["net3", "vhost-user"],
    ]);
    // net1's device was published in step 1 and got its representor in step 3.
    const net1 = statuses[1]?.["device-info"];
    expect(net1?.type === "pci" && net1.pci).toMatchObject({ "pci-address": "0000:af:06.2", "representor-device": "pf0vf2" });
    expect(step(out, 1).join("\n")).toContain("dp/intel.com-sriov_netdevice-0000:af:06.2-device.json");
    // The workload (step 6) reads back what the annotation holds.
    expect(matches(step(out, 6), /^ {4}(net\d {2}\S+ +\S+)/)).toEqual([
      "net1  pci        0000:af:06.2",
      "net2  vdpa       /dev/vhost-vdpa-0",
      "net3  vhost-user /var/run/vhost-user/demo-pod-net3.sock",
    ]);
  });

  it("--keep leaves the directory: a snapshot of the pod's files, the Downward API file, an empty base directory", () => {
    const run = demo("--keep");
    expect(run.code).toBe(0);
    const root = /^Kept (\/\S+):$/m.exec(run.stdout)?.[1] ?? "";
    expect(fs.readdirSync(root).sort()).toEqual(["devinfo", "podinfo", "snapshot"]);
    for (const sub of ["dp", "cni"]) expect(fs.readdirSync(path.join(root, "devinfo", sub))).toEqual([]);

    // The commands the closing message suggests work on what was kept.
    const snapshot = path.join(root, "snapshot", "devinfo");
    const entries = JSON.parse(devinfo(["ls", "--base-dir", snapshot, "--json"]).stdout) as ListEntry[];
    expect(entries.map((e) => e.kind)).toEqual(["dp", "dp", "dp", "dp", "dp", "cni", "cni", "cni"]);
    expect(devinfo(["validate", "--strict", ...entries.map((e) => e.path)]).code).toBe(0);
    const status = JSON.parse(devinfo(["status", path.join(root, "podinfo", "annotations"), "--json"]).stdout) as StatusEntry[];
    // What the workload sees is exactly what the CNI files held.
    for (const e of entries.filter((x) => x.kind === "cni")) {
      const ifName = e.name.split("_").at(-1);
      expect(status.find((s) => s.interface === ifName)?.deviceInfo).toEqual(JSON.parse(fs.readFileSync(e.path, "utf8")));
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("in colour on a terminal only", () => {
    const run = devinfoInTerminal(["demo"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("\u001b[1m\u001b[36mStep 1/7");
    expect(devinfoInTerminal(["demo"], { NO_COLOR: "1" }).stdout).not.toContain("\u001b[");
  });
});
