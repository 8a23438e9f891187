import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { ListEntry } from "../../src/cli/ls.js";
import { ago, containerID, DOCS, devinfo, devinfoInTerminal, put, useTempDir } from "./_helpers.js";

const KEYS = [
  "kind",
  "name",
  "path",
  "resource",
  "device",
  "network",
  "containerID",
  "interface",
  "type",
  "version",
  "address",
  "modified",
  "ageSeconds",
  "orphaned",
  "orphanedReason",
  "kubeletKnows",
  "pod",
  "warnings",
  "problem",
];

function table(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split("\n")
    .map((line) => line.split(/ {3,}/));
}

describe("devinfo ls", () => {
  const tmp = useTempDir();
  const base = () => tmp.path;
  const ls = (...args: string[]) => devinfo(["ls", "--base-dir", base(), ...args]);
  const lsJson = (...args: string[]) => JSON.parse(ls("--json", ...args).stdout) as ListEntry[];
  const cni = (id: string, ifName = "net1") => `default-sriov-net-${id}_${ifName}`;

  function populate(): void {
    put(tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json"), DOCS.pci, ago(3 * 60_000));
    put(tmp.join("dp", "example.com-vdpa-vdpa0-device.json"), DOCS.vdpa, ago(150 * 60_000));
    put(tmp.join("cni", cni(containerID(1))), DOCS.pci, ago(90_000));
    put(tmp.join("cni", cni(containerID(2), "net2")), DOCS.vhostUser, ago(5_000));
  }

  it("an empty base directory (no dp/ nor cni/ yet): header only on stdout, a note on stderr", () => {
    fs.mkdirSync(tmp.join("empty"));
    const run = devinfo(["ls", "--base-dir", tmp.join("empty")]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("KIND   NAME   TYPE   VERSION   DEVICE   AGE   ORPHANED\n");
    expect(run.stderr).toBe(`No device-info files under ${tmp.join("empty")}.\n`);
    expect(devinfo(["ls", "--base-dir", tmp.join("empty"), "--json"]).stdout).toBe("[]\n");
  });

  it.each([["ls"], ["ls", "--json"], ["gc"], ["gc", "--json"]])(
    "%j: a base directory that does not exist is an error, not an empty node",
    (...args) => {
      for (const missing of [tmp.join("nope"), tmp.join("file")]) {
        fs.writeFileSync(tmp.join("file"), "");
        const run = devinfo([...args, "--base-dir", missing]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe("");
        // With --json the error is one JSON line with its code and path.
        const message = args.includes("--json") ? (JSON.parse(run.stderr) as { error: { message: string } }).error.message : run.stderr;
        expect(message).toMatch(
          new RegExp(`^(devinfo: )?the base directory ${missing} (does not exist|is not a directory); check --base-dir`),
        );
        if (args.includes("--json"))
          expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: "ERR_DEVINFO_NOT_FOUND", path: missing } });
      }
    },
  );

  it("a table: dp files then CNI files, sorted, with type, version, main address, age", () => {
    populate();
    const run = ls();
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(table(run.stdout)).toEqual([
      ["KIND", "NAME", "TYPE", "VERSION", "DEVICE", "AGE", "ORPHANED"],
      ["dp", "example.com-vdpa-vdpa0-device.json", "vdpa", "1.1.0", "/dev/vhost-vdpa-0", "2h", "-"],
      ["dp", "intel.com-sriov-0000:af:06.0-device.json", "pci", "1.1.0", "0000:af:06.0", "3m", expect.stringMatching(/^(yes|no|-)$/)],
      // Ages as set, plus the seconds a loaded machine takes to start the CLI.
      ["cni", cni(containerID(1)), "pci", "1.1.0", "0000:af:06.0", expect.stringMatching(/^9\ds$/), "-"],
      [
        "cni",
        cni(containerID(2), "net2"),
        "vhost-user",
        "1.1.0",
        "/var/run/vhost/net1.sock (server)",
        expect.stringMatching(/^\d+s$/),
        "-",
      ],
    ]);
  });

  it("--json: the same entries, every key always present", () => {
    populate();
    const entries = lsJson("--sysfs", tmp.join("no-sysfs"));
    expect(entries.map((e) => Object.keys(e))).toEqual(entries.map(() => KEYS));
    expect(entries.map((e) => [e.kind, e.name])).toEqual([
      ["dp", "example.com-vdpa-vdpa0-device.json"],
      ["dp", "intel.com-sriov-0000:af:06.0-device.json"],
      ["cni", cni(containerID(1))],
      ["cni", cni(containerID(2), "net2")],
    ]);
    expect(entries[1]).toMatchObject({
      path: tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json"),
      resource: "intel.com-sriov",
      device: "0000:af:06.0",
      type: "pci",
      address: "0000:af:06.0",
      orphaned: null,
      warnings: 0,
      problem: null,
    });
    expect(entries[2]).toMatchObject({ network: "default-sriov-net", containerID: containerID(1), interface: "net1" });
    expect(entries[2]?.ageSeconds).toBeGreaterThanOrEqual(90);
    expect(Date.parse(entries[2]?.modified ?? "")).toBeLessThan(Date.now() - 89_000);
  });

  it("--live-containers marks CNI files of gone containers (a preview of gc)", () => {
    populate();
    put(tmp.join("cni", "hand-made"), DOCS.memif);
    // stdin is empty here: an empty list would judge every file with an ID-shaped name, so it is refused.
    expect(ls("--live-containers", "-", "--sysfs", tmp.join("no-sysfs")).code).toBe(2);
    const withList = JSON.parse(
      devinfo(["ls", "--base-dir", base(), "--json", "--live-containers", "-"], { input: `${containerID(2)}\n` }).stdout,
    ) as ListEntry[];
    const verdicts = Object.fromEntries(withList.filter((e) => e.kind === "cni").map((e) => [e.name, e.orphaned]));
    expect(verdicts).toEqual({ [cni(containerID(1))]: true, [cni(containerID(2), "net2")]: false, "hand-made": null });
    const gone = withList.find((e) => e.name === cni(containerID(1)));
    expect(gone?.orphanedReason).toBe(`container ${containerID(1)} is gone`);
  });

  it("--live-devices marks device plugin files; --resource limits which", () => {
    populate();
    const run = (input: string, ...extra: string[]) =>
      Object.fromEntries(
        (JSON.parse(devinfo(["ls", "--base-dir", base(), "--json", "--live-devices", "-", ...extra], { input }).stdout) as ListEntry[])
          .filter((e) => e.kind === "dp")
          .map((e) => [e.device ?? e.name, e.orphaned]),
      );
    // The vDPA file's name splits at its parent-device, read from the file.
    expect(run("intel.com/sriov 0000:af:06.0\nexample.com/vdpa vdpa1\n")).toEqual({ "0000:af:06.0": false, vdpa0: true });
    // A list speaks only for the resources it names.
    expect(run("intel.com/sriov 0000:af:06.0\n")).toEqual({ "0000:af:06.0": false, vdpa0: null });
    expect(run("0000:af:06.1\n", "--resource", "intel.com/sriov", "--confirm-all-gone")).toEqual({ "0000:af:06.0": true, vdpa0: null });
    const bare = devinfo(["ls", "--base-dir", base(), "--live-devices", "-"], { input: "0000:af:06.0\n" });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('the line "0000:af:06.0" does not say whose device it is');
  });

  it("--sysfs: a PCI device plugin file whose device is not in sysfs looks orphaned", () => {
    populate();
    put(tmp.join("dp", "intel.com-sriov-0000:af:06.1-device.json"), DOCS.pci.replace("06.0", "06.1"));
    fs.mkdirSync(tmp.join("sys", "bus", "pci", "devices", "0000:af:06.0"), { recursive: true });
    const entries = lsJson("--sysfs", tmp.join("sys")).filter((e) => e.type === "pci" && e.kind === "dp");
    expect(entries.map((e) => [e.device, e.orphaned])).toEqual([
      ["0000:af:06.0", false],
      ["0000:af:06.1", true],
    ]);
    expect(entries[1]?.orphanedReason).toBe(`no PCI device 0000:af:06.1 under ${tmp.join("sys", "bus", "pci", "devices")}`);
  });

  it("temporary and lock files are not listed; a note on stderr says so", () => {
    populate();
    put(tmp.join("dp", ".devinfo-tmp-1-abc"), "");
    put(tmp.join("cni", ".devinfo-lock-0123456789abcdef"), "1\n");
    const run = ls();
    expect(run.stdout).not.toContain(".devinfo-");
    expect(table(run.stdout)).toHaveLength(5);
    expect(run.stderr).toBe('(2 temporary or lock files not listed; "devinfo gc" removes them once their writer is gone)\n');
    expect(
      lsJson()
        .map((e) => e.name)
        .filter((n) => n.startsWith(".")),
    ).toEqual([]);
  });

  it("unusable files are listed with their problem, never followed or read beyond the limit", () => {
    put(tmp.join("cni", "broken"), "{");
    put(tmp.join("cni", "big"), `{"x":"${"a".repeat(70_000)}"}`);
    put(tmp.join("cni", "wrong"), '{"type":"pci","version":"1.1.0","pci":{"pci-address":1}}');
    put(tmp.join("dp", "notes.txt"), DOCS.pci);
    put(tmp.join("secret"), DOCS.pci);
    fs.symlinkSync(tmp.join("secret"), tmp.join("cni", "link"));
    fs.mkdirSync(tmp.join("cni", "subdir"));
    const problems = Object.fromEntries(lsJson().map((e) => [e.name, e.problem]));
    expect(problems).toEqual({
      "notes.txt": 'not a device plugin file name (no "-device.json" suffix); readers never look at it',
      big: expect.stringContaining("over the 65536-byte limit"),
      broken: "not JSON",
      link: "symbolic link (never followed)",
      subdir: "directory",
      wrong: expect.stringMatching(/^invalid: \$\['pci'\]\['pci-address'\]: /),
    });
    expect(ls().stdout).toMatch(/^cni +broken +<invalid> +- +not JSON +\d+s +-$/m);
  });

  it("refuses a symlinked cni directory", () => {
    fs.mkdirSync(tmp.join("elsewhere"));
    fs.mkdirSync(tmp.join("base"));
    fs.symlinkSync(tmp.join("elsewhere"), tmp.join("base", "cni"));
    const run = devinfo(["ls", "--base-dir", tmp.join("base")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^devinfo: .*cni is a symbolic link/);
  });

  it("$DEVINFO_BASE_DIR is the default base directory, --base-dir wins", () => {
    populate();
    expect(table(devinfo(["ls"], { env: { DEVINFO_BASE_DIR: base() } }).stdout)).toHaveLength(5);
    fs.mkdirSync(tmp.join("x"));
    expect(devinfo(["ls", "--base-dir", tmp.join("x")], { env: { DEVINFO_BASE_DIR: base() } }).stderr).toContain("No device-info files");
  });

  describe("large directories", () => {
    const COUNT = 1_500;
    function many(): void {
      fs.mkdirSync(tmp.join("cni"), { recursive: true });
      for (let i = 0; i < COUNT; i++) fs.writeFileSync(tmp.join("cni", cni(containerID(i))), DOCS.pci);
    }

    it("over 1000 entries stream in directory order: every file once, JSON still one array", () => {
      many();
      const entries = lsJson();
      expect(new Set(entries.map((e) => e.name)).size).toBe(COUNT);
      const rows = table(ls().stdout);
      expect(rows).toHaveLength(COUNT + 1);
      expect(new Set(rows.slice(1).map((r) => r[1])).size).toBe(COUNT);
    });

    it("shows progress on stderr only when it is a terminal", () => {
      many();
      expect(ls().stderr).toBe("");
      const run = devinfoInTerminal(["ls", "--base-dir", base()]);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/devinfo ls: reading: \d+ entries…/);
      expect(run.stdout).toContain("\r\u001b[K"); // erased again
    });
  });
});
