/**
 * Faults a first-time user hit: lists that proved every file gone (an empty
 * pipe, another node's devices, shortened IDs either way round), a symbolic
 * link removed without --force, flag values that crashed or were dropped,
 * and exit codes that disagreed between text and --json. Each runs the
 * built CLI against real files.
 */

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Removal } from "../../src/cli/gc.js";
import { ago, DOCS, devinfo, put, REPO_ROOT, useTempDir } from "./_helpers.js";

const MIN = 60_000;
const SRIOV_A = "intel.com-sriov-0000:af:06.0-device.json";
const SRIOV_B = "intel.com-sriov-0000:af:06.1-device.json";
const OTHER = "example.com-gpu-0000:3b:00.0-device.json";
const SHORT = "3f9a1c0d2e4b";
const LONG = `${SHORT}5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b`;

describe("gc/ls --live-devices: a list that would orphan every file of its resources is refused", () => {
  const tmp = useTempDir();
  const dp = () => fs.readdirSync(tmp.join("dp")).sort();

  function node(): void {
    for (const name of [SRIOV_A, SRIOV_B, OTHER]) put(tmp.join("dp", name), DOCS.pci, ago(5 * MIN));
  }

  const emptyFile = () => put(tmp.join("empty.txt"), "");
  const blankFile = () => put(tmp.join("blank.txt"), "  \n\t\n\n");
  it.each([
    { what: "stdin of a failed ls (empty)", source: () => "-", input: "" },
    { what: "printf '' (empty stdin)", source: () => "-", input: "" },
    { what: "white space only on stdin", source: () => "-", input: " \n\n\t\n" },
    { what: "/dev/null", source: () => "/dev/null", input: "" },
    { what: "an empty file", source: emptyFile, input: "" },
    { what: "a white-space-only file", source: blankFile, input: "" },
    { what: "comments only", source: () => "-", input: "# no devices\n" },
  ])("empty list with --resource: $what → usage error, nothing removed", ({ source, input }) => {
    node();
    for (const command of ["gc", "ls"]) {
      const run = devinfo([command, "--base-dir", tmp.path, "--resource", "intel.com/sriov", "--live-devices", source()], { input });
      expect(run.code, `${command}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(
        /^devinfo: --live-devices: the list is empty, which would make every device plugin file of intel\.com\/sriov an orphan/,
      );
      expect(run.stderr).toContain("--confirm-all-gone");
    }
    expect(dp()).toEqual([OTHER, SRIOV_A, SRIOV_B].sort());
  });

  it("empty list without --resource: a usage error (exit 2), not ERR_DEVINFO_INVALID", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-devices", "-"], { input: "" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^devinfo: --live-devices: the list is empty/);
    expect(dp()).toHaveLength(3);
  });

  it.each([
    {
      what: "another node's devices, bare with --resource",
      args: ["--resource", "intel.com/sriov"],
      input: "0000:00:00.0\n0000:00:01.0\n",
      n: "none of the 2 listed devices is",
    },
    { what: "one device", args: ["--resource", "intel.com/sriov"], input: "0000:00:00.0\n", n: "the one listed device is not" },
    {
      what: "<resourceName> <deviceID> lines",
      args: [],
      input: "intel.com/sriov 0000:00:00.0\nintel.com/sriov 0000:00:01.0\n",
      n: "none of the 2 listed devices is",
    },
  ])("a list matching no file: $what → refused in gc and ls, nothing removed", ({ args, input, n }) => {
    node();
    for (const command of [["gc", "--dry-run"], ["gc"], ["ls"]]) {
      const run = devinfo([...command, "--base-dir", tmp.path, ...args, "--live-devices", "-"], { input });
      expect(run.code, `${command.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(`--live-devices: ${n} the device of any of the 2 device plugin files of intel.com/sriov`);
    }
    expect(dp()).toEqual([OTHER, SRIOV_A, SRIOV_B].sort());
  });

  it("--confirm-all-gone accepts it: every file of the resource goes, the other resource's stays", () => {
    node();
    const run = devinfo(
      ["gc", "--base-dir", tmp.path, "--resource", "intel.com/sriov", "--live-devices", "-", "--confirm-all-gone", "--json"],
      {
        input: "0000:00:00.0\n",
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { removed: Removal[] }).removed.map((r) => r.name).sort()).toEqual([SRIOV_A, SRIOV_B]);
    expect(dp()).toEqual([OTHER]);
    // An empty list too, once confirmed.
    put(tmp.join("dp", SRIOV_A), DOCS.pci, ago(5 * MIN));
    const empty = devinfo([
      "gc",
      "--base-dir",
      tmp.path,
      "--resource",
      "intel.com/sriov",
      "--live-devices",
      "/dev/null",
      "--confirm-all-gone",
    ]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(dp()).toEqual([OTHER]);
  });

  it("a list with one live device still removes the others (the guard is for lists matching nothing)", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--resource", "intel.com/sriov", "--live-devices", "-"], {
      input: "0000:af:06.0\n0000:00:01.0\n",
    });
    expect(run.code, run.stderr).toBe(0);
    expect(dp()).toEqual([OTHER, SRIOV_A].sort());
  });

  it("a list of a resource with no file here is accepted (nothing to orphan)", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--resource", "acme.io/nic", "--live-devices", "-"], { input: "0000:00:00.0\n" });
    expect(run.code, run.stderr).toBe(0);
    expect(dp()).toHaveLength(3);
  });

  it("gc --help and the README state the rule", () => {
    const help = devinfo(["gc", "--help"]).stdout.replace(/\s+/g, " ");
    expect(help).toContain("An empty --live-devices list");
    expect(help).toContain("a --live-devices list that is empty or none of whose devices");
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8").replace(/\s+/g, " ");
    expect(readme).toContain("An empty `--live-devices` list");
  });
});

describe("gc --live-containers: prefixes both ways, empty lists, messages", () => {
  const tmp = useTempDir();
  const cni = () => fs.readdirSync(tmp.join("cni")).sort();

  it("a file named with a shortened ID that starts a listed full ID is live, never removed", () => {
    const short = `default-sriov-net-${SHORT}_net1`;
    const gone = `default-sriov-net-${"a".repeat(64)}_net1`;
    put(tmp.join("cni", short), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", gone), DOCS.pci, ago(5 * MIN));
    for (const list of [LONG, `${SHORT}0000`]) {
      const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-", "--dry-run", "--json"], { input: `${list}\n` });
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as { removed: Removal[] }).removed.map((r) => r.name)).toEqual([gone]);
    }
    const ls = devinfo(["ls", "--base-dir", tmp.path, "--live-containers", "-", "--json"], { input: `${LONG}\n` });
    expect(ls.code, ls.stderr).toBe(0);
    const entries = JSON.parse(ls.stdout) as { name: string; orphaned: boolean | null }[];
    expect(entries.find((e) => e.name === short)?.orphaned).toBe(false);
  });

  it("a listed token that starts an ID in a file name is refused, even when another file holds it whole", () => {
    const a = `a-${SHORT}_net1`;
    const b = `b-${LONG}_net1`;
    put(tmp.join("cni", a), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", b), DOCS.pci, ago(5 * MIN));
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: `${SHORT}\n` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`"${SHORT}" is a shortened ID: it is the start of ${LONG}`);
    expect(cni()).toEqual([a, b]);
  });

  it.each([
    { what: "empty stdin", input: "" },
    { what: "white space", input: " \n\n" },
    { what: "comments only", input: "# nothing\n" },
  ])("an empty --live-containers list ($what) is a usage error (exit 2), in gc and ls", ({ input }) => {
    put(tmp.join("cni", `net-${LONG}_net1`), DOCS.pci, ago(5 * MIN));
    for (const command of ["gc", "ls"]) {
      const run = devinfo([command, "--base-dir", tmp.path, "--live-containers", "-"], { input });
      expect(run.code, `${command}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/^devinfo: --live-containers: the list is empty/);
      expect(run.stderr).not.toContain("ERR_DEVINFO_INVALID");
    }
    expect(cni()).toHaveLength(1);
  });

  it('one listed ID that matches no file: "the one listed ID is not", not "none of the 1 listed ID is"', () => {
    put(tmp.join("cni", `net-${LONG}_net1`), DOCS.pci, ago(5 * MIN));
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: `${"b".repeat(64)}\n` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--live-containers: the one listed ID is not the container of any of the 1 CNI file,");
    expect(run.stderr).not.toContain("none of the 1");
  });

  it("the reason names the container ID whole, as in the file name, in text and --json", () => {
    const live = "c".repeat(64);
    const name = `net-${LONG}_net1`;
    put(tmp.join("cni", name), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", `net-${live}_net1`), DOCS.pci, ago(5 * MIN));
    const json = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-", "--dry-run", "--json"], { input: `${live}\n` });
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { removed: Removal[] }).removed).toEqual([
      expect.objectContaining({ name, reason: `container ${LONG} is gone` }),
    ]);
    const text = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-", "--dry-run"], { input: `${live}\n` });
    expect(text.stdout).toContain(`would remove cni/${name} (container ${LONG} is gone)`);
  });
});

describe("rm: a symbolic link is refused unless --force", () => {
  const tmp = useTempDir();

  it.each([
    { what: "to a file outside the base directory", target: () => put(tmp.join("outside", "hostname"), "node-1\n") },
    { what: "to a device-info file", target: () => put(tmp.join("outside", "info.json"), DOCS.pci) },
    { what: "dangling", target: () => tmp.join("outside", "missing") },
  ])("rm cni PATH of a link $what: refused, exit 1; --force removes the link, never its target", ({ target }) => {
    const to = target();
    const link = tmp.join("victim", "link");
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(to, link);
    const run = devinfo(["rm", "cni", link, "--base-dir", tmp.path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `devinfo: ${link} does not read as a device-info file (it is a symbolic link); nothing removed. Check the path, or pass --force to remove it anyway\n`,
    );
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    const forced = devinfo(["rm", "cni", link, "--base-dir", tmp.path, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(fs.existsSync(link)).toBe(false);
    if (fs.existsSync(path.dirname(to)) && to.endsWith("missing") === false) expect(fs.existsSync(to)).toBe(true);
  });

  it("rm cni NAME and rm dp of a link in the base directory are refused too", () => {
    const target = put(tmp.join("outside", "info.json"), DOCS.pci);
    fs.mkdirSync(tmp.join("cni"), { recursive: true });
    fs.mkdirSync(tmp.join("dp"), { recursive: true });
    fs.symlinkSync(target, tmp.join("cni", `net-${LONG}_net1`));
    fs.symlinkSync(target, tmp.join("dp", SRIOV_A));
    const cni = devinfo(["rm", "cni", `net-${LONG}_net1`, "--base-dir", tmp.path]);
    const dp = devinfo(["rm", "dp", "intel.com/sriov", "0000:af:06.0", "--base-dir", tmp.path]);
    for (const run of [cni, dp]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("(it is a symbolic link); nothing removed");
    }
    expect(fs.lstatSync(tmp.join("dp", SRIOV_A)).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, "utf8")).toBe(DOCS.pci);
  });
});

describe("flag values are checked where they are parsed: a usage error naming the flag", () => {
  const tmp = useTempDir();

  it.each([
    { args: ["gc", "--kubelet", "--kubelet-timeout", "25h"], flag: "--kubelet-timeout" },
    { args: ["gc", "--kubelet", "--kubelet-timeout", "0.1ms"], flag: "--kubelet-timeout" },
    { args: ["gc", "--kubelet", "--kubelet-timeout", "1.5ms"], flag: "--kubelet-timeout" },
    { args: ["gc", "--kubelet", "--kubelet-timeout", "0s"], flag: "--kubelet-timeout" },
    { args: ["ls", "--kubelet", "--kubelet-timeout", "9999999999999h"], flag: "--kubelet-timeout" },
    { args: ["ls", "--kubelet-timeout", "25h"], flag: "--kubelet-timeout" },
    { args: ["gc", "--kubelet-socket", ""], flag: "--kubelet-socket" },
    { args: ["gc", "--kubelet-checkpoint", ""], flag: "--kubelet-checkpoint" },
    { args: ["ls", "--kubelet", "--kubelet-socket="], flag: "--kubelet-socket" },
    { args: ["ls", "--sysfs", ""], flag: "--sysfs" },
  ])("$args", ({ args, flag }) => {
    fs.mkdirSync(tmp.join("dp"), { recursive: true });
    fs.mkdirSync(tmp.join("cni"), { recursive: true });
    const run = devinfo([...args, "--base-dir", tmp.path]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^devinfo: ${flag}`));
    expect(run.stderr).not.toContain("internal error");
  });

  it("--kubelet-timeout at the limits (1ms, 24h) is accepted", () => {
    fs.mkdirSync(tmp.join("dp"), { recursive: true });
    for (const timeout of ["1ms", "24h"]) {
      const run = devinfo([
        "ls",
        "--base-dir",
        tmp.path,
        "--kubelet-timeout",
        timeout,
        "--kubelet-socket",
        tmp.join("none.sock"),
        "--kubelet-checkpoint",
        tmp.join("none"),
      ]);
      expect(run.stderr).not.toContain("--kubelet-timeout");
      expect(run.stderr).not.toContain("internal error");
    }
  });

  it.each([
    { args: ["--device-id", ""], flag: "--device-id" },
    { args: ["--device-id", "two words"], flag: "--device-id" },
    { args: ["--resource-name", "bad name"], flag: "--resource-name" },
    { args: ["--resource-name", ""], flag: "--resource-name" },
    { args: ["--resource-name", "sriov"], flag: "--resource-name" },
  ])("attributes $args", ({ args, flag }) => {
    put(tmp.join("dp", SRIOV_A), DOCS.pci);
    const run = devinfo(["attributes", "intel.com/sriov", "0000:af:06.0", "--base-dir", tmp.path, ...args]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^devinfo: ${flag}: `));
    expect(run.stdout).toBe("");
  });
});

describe("other flags whose empty value reached a call unchecked", () => {
  const tmp = useTempDir();
  const fixture = path.join(REPO_ROOT, "fixtures/downward-api/multus-sriov.annotations");

  it.each([
    { args: () => ["status", fixture, "--network", ""], flag: "--network" },
    { args: () => ["status", fixture, "--interface", ""], flag: "--interface" },
    { args: () => ["write", "dp", "intel.com/sriov", "0000:af:06.0", "-f", "", "--base-dir", tmp.path], flag: "-f/--filename" },
  ])("$flag ''", ({ args, flag }) => {
    const run = devinfo(args());
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.startsWith(`devinfo: ${flag} needs`)).toBe(true);
    expect(run.stdout).toBe("");
  });
});

describe("status --json with a filter that matches nothing", () => {
  const fixture = path.join(REPO_ROOT, "fixtures/downward-api/multus-sriov.annotations");

  it.each([[["--network", "nonexist"]], [["--interface", "nonexist"]]])("%j: prints [] and exits 1, as text does", (filter) => {
    const json = devinfo(["status", fixture, ...filter, "--json"]);
    expect(json.stdout).toBe("[]\n");
    expect(json.code).toBe(1);
    expect(devinfo(["status", fixture, ...filter]).code).toBe(1);
  });

  it("without a filter, --json exits 0", () => {
    expect(devinfo(["status", fixture, "--json"]).code).toBe(0);
  });
});
