/**
 * Misuse a new user makes, answered with what to do: a directory without a
 * status, empty stdin, two files where one is read, field flags without
 * --type; and one parser of CNI file names for `ls` and `gc`.
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { Removal } from "../../src/cli/gc.js";
import type { ListEntry } from "../../src/cli/ls.js";
import { ago, DOCS, devinfo, put, useTempDir } from "./_helpers.js";

describe("devinfo status DIR without a status", () => {
  const tmp = useTempDir();

  it("an empty directory: an error saying no status was found, exit 1", () => {
    fs.mkdirSync(tmp.join("empty"));
    const run = devinfo(["status", tmp.join("empty")]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`devinfo: no network status under ${tmp.join("empty")}: it holds no device metadata file`);
    expect(run.stderr).not.toContain("lists no interface");
  });

  it("a directory of other files, with --json: the error as one JSON line, exit 1", () => {
    put(tmp.join("dir", "notes.txt"), "hello");
    const run = devinfo(["status", tmp.join("dir"), "--json"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: "ERR_DEVINFO_NOT_FOUND", path: tmp.join("dir") } });
  });

  it("metadata files still empty (the driver fills them later): not found yet, exit 1", () => {
    put(tmp.join("root", "resourceclaims", "claim", "nic", "sriov.example.com-metadata.json"), "");
    const run = devinfo(["status", tmp.join("root")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("yet: its device metadata file is empty");
  });

  it("an annotation that lists no interface is still an answer, exit 0", () => {
    const run = devinfo(["status", "-"], { input: "[]" });
    expect(run).toEqual({ code: 0, stdout: "", stderr: "The network status lists no interface.\n" });
  });
});

describe("empty stdin is no input, not bad JSON", () => {
  const tmp = useTempDir();
  it.each([
    {
      args: (b: string) => ["write", "cni", "x", "--base-dir", b],
      says: "stdin is empty; give --type and field flags, or JSON on stdin, or -f FILE",
    },
    {
      args: (b: string) => ["write", "cni", "x", "--base-dir", b, "-f", "-"],
      says: "-f: stdin is empty; it must hold the device-info document",
    },
    { args: () => ["status", "-"], says: "stdin is empty; pipe the network-status annotation's value" },
    { args: () => ["attributes", "-"], says: "stdin is empty; pipe a device-info document" },
  ])("$says", ({ args, says }) => {
    for (const input of ["", "  \n\n"]) {
      const run = devinfo(args(tmp.path), { input });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`devinfo: ${says}`);
      expect(run.stderr).not.toContain("not valid JSON");
    }
    expect(fs.existsSync(tmp.join("cni", "x"))).toBe(false);
  });

  it("an empty -f FILE names the file", () => {
    const file = put(tmp.join("doc.json"), "");
    const run = devinfo(["write", "cni", "x", "--base-dir", tmp.path, "-f", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`-f: ${file} is empty`);
  });
});

describe("two files where one is read", () => {
  it.each([
    ["show", "./a", "./b"],
    ["show", "/etc/a", "b"],
    ["attributes", "./a", "./b"],
    ["attributes", "-", "./b"],
  ])("%s %s %s: one NAME or PATH, not a complaint about a resource name", (command, a, b) => {
    const run = devinfo([command, a, b]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `devinfo ${command} reads one file: give one NAME or PATH (or a RESOURCE and a DEVICE), not "${a}" and "${b}"`,
    );
    expect(run.stderr).not.toContain('starts with "."');
  });

  it("a RESOURCE and a DEVICE still work as before", () => {
    const run = devinfo(["show", "intel.com/sriov", "0000:af:06.0", "--base-dir", "/nonexistent-base"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no device-info file at /nonexistent-base/dp/intel.com-sriov-0000:af:06.0-device.json");
  });
});

describe("write: field flags without --type name every missing flag", () => {
  const tmp = useTempDir();
  it.each([
    {
      flags: ["--role", "master"],
      missing: "missing: --type, --path, --mode. Add --type memif, and --path and --mode, which memif requires",
    },
    { flags: ["--mode", "server"], missing: "--type is required with field flags" }, // mode is a field of vhost-user and memif: no one type
    {
      flags: ["--role", "master", "--path", "/run/m.sock"],
      missing: "missing: --type, --mode. Add --type memif, and --mode, which memif requires",
    },
    {
      flags: ["--parent-device", "vdpa0"],
      missing: "missing: --type, --driver, --path. Add --type vdpa, and --driver and --path, which vdpa requires",
    },
    { flags: ["--vhost-net", "/dev/vhost-net"], missing: "missing: --type, --pci-address. Add --type pci, and --pci-address" },
  ])("$flags", ({ flags, missing }) => {
    const run = devinfo(["write", "cni", "x", "--base-dir", tmp.path, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(missing);
  });
});

describe("one parser of CNI file names for ls and gc", () => {
  const tmp = useTempDir();
  it.each([
    // The README's own example names: 12-digit container IDs.
    ["default-sriov-net-3f9a1c0d2e4b_net1", "default-sriov-net", "3f9a1c0d2e4b", "net1"],
    ["sriov-net-3f9a1c0d2e4b_net2", "sriov-net", "3f9a1c0d2e4b", "net2"],
    ["net1-3f9a1c0d2e4b_net1", "net1", "3f9a1c0d2e4b", "net1"],
    // Network and interface words that are hex (cafe, a) are not taken for the ID.
    ["kube-system-cafe-3f9a1c0d2e4b_eth_a", "kube-system-cafe", "3f9a1c0d2e4b", "eth_a"],
    [`default-sriov-net1-${"0123456789abcdef".repeat(4)}_net1`, "default-sriov-net1", "0123456789abcdef".repeat(4), "net1"],
  ])("%s: network %s, container %s, interface %s in ls --json, and gc names that container", (name, network, containerID, ifName) => {
    put(tmp.join("cni", name), DOCS.pci, ago(5 * 60_000));
    put(tmp.join("cni", "net1-aaaaaaaaaaaa_net1"), DOCS.pci, ago(5 * 60_000));
    const ls = devinfo(["ls", "--base-dir", tmp.path, "--json"]);
    const entry = (JSON.parse(ls.stdout) as ListEntry[]).find((e) => e.name === name);
    expect(entry).toMatchObject({ network, containerID, interface: ifName });
    const gc = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-", "--json", "--dry-run"], { input: "aaaaaaaaaaaa" });
    expect((JSON.parse(gc.stdout) as { removed: Removal[] }).removed).toEqual([
      expect.objectContaining({ name, reason: `container ${containerID} is gone` }),
    ]);
  });

  it("names without a hex ID of 12 digits or more have no parts (ls shows null)", () => {
    put(tmp.join("cni", "net-a_b"), DOCS.pci);
    put(tmp.join("cni", "devinfo-6f1c2a7e-1b2c-5d3e-8f9a-0b1c2d3e4f5a"), DOCS.pci);
    const entries = JSON.parse(devinfo(["ls", "--base-dir", tmp.path, "--json"]).stdout) as ListEntry[];
    expect(entries.map((e) => [e.network, e.containerID, e.interface])).toEqual([
      [null, null, null],
      [null, null, null],
    ]);
  });
});
