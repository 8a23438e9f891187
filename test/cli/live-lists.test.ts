/**
 * A live list proves nothing until its shape is checked: `gc` and `ls` refuse
 * a container or device list that is not what its flag says (a table, a
 * header, JSON, shortened IDs, application containers) before any file is
 * judged. Every case runs the built CLI against real files; the running pod's
 * file must survive and nothing be removed.
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { Removal } from "../../src/cli/gc.js";
import { ago, containerID, DOCS, devinfo, put, useTempDir } from "./_helpers.js";

const MIN = 60_000;
/** A running pod sandbox and a gone one, with full (64-digit) IDs as containerd makes them. */
const RUNNING = "3c1f0a7e5b2d4f6a8c9e0b1d2f3a4c5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
const GONE = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d";
const APP_CONTAINER = "7f6e5d4c3b2a19081726354453627180a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4";

/** `crictl pods` as it prints a table: a header line, IDs cut to 13 characters. */
const CRICTL_PODS_TABLE = `POD ID              CREATED        STATE     NAME         NAMESPACE   ATTEMPT   RUNTIME
${RUNNING.slice(0, 13)}       2 hours ago    Ready     sriov-pod    default     0         (default)
`;

describe("--live-containers: the list is checked before it proves anything", () => {
  const tmp = useTempDir();
  const cni = (id: string, ifName = "net1") => `default-sriov-net1-${id}_${ifName}`;
  const files = () => fs.readdirSync(tmp.join("cni")).sort();

  function node(): void {
    put(tmp.join("cni", cni(RUNNING)), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", cni(GONE)), DOCS.pci, ago(5 * MIN));
  }

  it.each([
    {
      what: "crictl pods (the table: header and 13-character IDs)",
      input: CRICTL_PODS_TABLE,
      line: 1,
      says: '"POD" is not a pod sandbox ID',
    },
    {
      what: "a header line only",
      input: "POD ID   CREATED   STATE   NAME   NAMESPACE   ATTEMPT   RUNTIME\n",
      line: 1,
      says: '"POD" is not',
    },
    {
      what: "the first column of the table without its header (awk NR>1)",
      input: `${RUNNING.slice(0, 13)}\n`,
      line: 1,
      says: `"${RUNNING.slice(0, 13)}" is a shortened ID: it is the start of ${RUNNING}, the container of cni/${cni(RUNNING)}`,
    },
    {
      what: "full IDs with one shortened among them",
      input: `${GONE}\n${RUNNING.slice(0, 12)}\n`,
      line: 2,
      says: "is a shortened ID",
    },
    { what: "crictl pods -o json", input: `{"items": [{"id": "${RUNNING}"}]}\n`, line: 1, says: "is not a pod sandbox ID" },
    { what: "a table cell (a pod name)", input: `${RUNNING}\nsriov-pod\n`, line: 2, says: '"sriov-pod" is not a pod sandbox ID' },
    { what: "an upper-case ID no file holds", input: `${RUNNING.toUpperCase()}\n`, line: 1, says: "is not a pod sandbox ID" },
    { what: "a word between comments", input: `# pods\nSTATE # column\n`, line: 2, says: '"STATE" is not' },
  ])("$what: usage error naming line $line and the right command; nothing removed", ({ input, line, says }) => {
    node();
    for (const command of ["gc", "ls"]) {
      const run = devinfo([command, "--base-dir", tmp.path, "--live-containers", "-"], { input });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(`devinfo: --live-containers: line ${line} (`);
      expect(run.stderr).toContain(says);
      expect(run.stderr).toContain('as "crictl pods -q --no-trunc" prints them');
    }
    expect(files()).toEqual([cni(RUNNING), cni(GONE)].sort());
  });

  it("crictl ps -q (application containers, none a pod sandbox) is refused; --confirm-all-gone accepts it", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: `${APP_CONTAINER}\n${"ab".repeat(32)}\n` });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("none of the 2 listed IDs is the container of any of the 2 CNI files");
    expect(run.stderr).toContain('"crictl ps -q" lists application containers');
    expect(run.stderr).toContain("pass --confirm-all-gone");
    expect(files()).toHaveLength(2);
    const ls = devinfo(["ls", "--base-dir", tmp.path, "--live-containers", "-"], { input: APP_CONTAINER });
    expect(ls.code).toBe(2);
    const confirmed = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-", "--confirm-all-gone"], { input: APP_CONTAINER });
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain("Removed 2 files, kept 0.");
    expect(files()).toEqual([]);
  });

  it("the right list (crictl pods -q --no-trunc) removes only the gone pod's file", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: `${RUNNING}\n${APP_CONTAINER}\n` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`removed cni/${cni(GONE)} (container ${GONE} is gone)`);
    expect(files()).toEqual([cni(RUNNING)]);
  });

  it("IDs have no fixed length: 12-digit IDs as in the README, shortened to 8, are refused; whole, they work", () => {
    const short = "3f9a1c0d2e4b";
    put(tmp.join("cni", cni(short)), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", cni("0a1b2c3d4e5f")), DOCS.pci, ago(5 * MIN));
    const cut = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: short.slice(0, 8) });
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain(`is a shortened ID: it is the start of ${short}`);
    expect(files()).toHaveLength(2);
    const whole = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-", "--json"], { input: short });
    expect(whole.code).toBe(0);
    expect((JSON.parse(whole.stdout) as { removed: Removal[] }).removed.map((r) => r.reason)).toEqual(["container 0a1b2c3d4e5f is gone"]);
    expect(files()).toEqual([cni(short)]);
  });

  it("a non-hex ID a CNI file name holds exactly is an ID (the CNI spec allows them)", () => {
    put(tmp.join("cni", cni("pod.1-a")), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", cni(containerID(2))), DOCS.pci, ago(5 * MIN));
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: "pod.1-a\n" });
    expect(run.code).toBe(0);
    expect(files()).toEqual([cni("pod.1-a")]);
  });

  it("with no CNI file naming a container, a list that matches nothing proves nothing and is not refused", () => {
    put(tmp.join("cni", "devinfo-6f1c2a7e-1b2c-5d3e-8f9a-0b1c2d3e4f5a"), DOCS.pci, ago(5 * MIN));
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: RUNNING });
    expect(run).toMatchObject({ code: 0, stdout: "Removed 0 files, kept 1.\n" });
  });

  it("--confirm-all-gone without --live-containers or --live-devices is a usage error", () => {
    const run = devinfo(["gc", "--base-dir", tmp.path, "--confirm-all-gone"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--confirm-all-gone confirms a --live-containers or --live-devices list");
  });
});

describe("--valid-attachments: one network's view, shape-checked, read as pluginMain reads it", () => {
  const tmp = useTempDir();
  const cni = (id: string) => `default-sriov-net1-${id}_net1`;
  const files = () => fs.readdirSync(tmp.join("cni")).sort();
  function node(): void {
    put(tmp.join("cni", cni(RUNNING)), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", cni(GONE)), DOCS.pci, ago(5 * MIN));
  }
  const request = (key: string, ids: string[]) =>
    JSON.stringify({ cniVersion: "1.1.0", name: "multus-cni-network", [key]: ids.map((containerID) => ({ containerID, ifname: "eth0" })) });

  it.each(["cni.dev/valid-attachments", "cni.dev/attachments"])("reads %s", (key) => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--valid-attachments", "-", "--json"], { input: request(key, [RUNNING]) });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { removed: Removal[] }).removed.map((r) => r.name)).toEqual([cni(GONE)]);
    expect(files()).toEqual([cni(RUNNING)]);
  });

  it("a shortened container ID is refused, naming the attachment", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--valid-attachments", "-"], {
      input: request("cni.dev/valid-attachments", [GONE, RUNNING.slice(0, 13)]),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("devinfo: --valid-attachments: attachment 1: ");
    expect(run.stderr).toContain("is a shortened ID");
    expect(files()).toHaveLength(2);
  });

  it("a request matching no file is legitimate (no confirmation asked)", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--valid-attachments", "-"], {
      input: request("cni.dev/valid-attachments", [APP_CONTAINER]),
    });
    expect(run.code).toBe(0);
    expect(files()).toEqual([]);
  });

  it.each([
    ["an empty list", request("cni.dev/valid-attachments", [])],
    ["null", JSON.stringify({ cniVersion: "1.1.0", name: "n", "cni.dev/attachments": null })],
  ])("%s is a valid request that proves nothing: no CNI file judged, and it says so", (_what, input) => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--valid-attachments", "-"], { input });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("note: --valid-attachments: the GC request lists no attachment, which proves no pod gone");
    expect(run.stdout).toBe("Removed 0 files, kept 2.\n");
    expect(files()).toHaveLength(2);
  });
});

describe("--live-devices: the list is checked before it proves anything", () => {
  const tmp = useTempDir();
  const SRIOV = "intel.com/sriov";
  const dp = (device: string) => `intel.com-sriov-${device}-device.json`;
  const files = () => fs.readdirSync(tmp.join("dp")).sort();
  function node(): void {
    put(tmp.join("dp", dp("0000:af:06.0")), DOCS.pci, ago(5 * MIN));
    put(tmp.join("dp", dp("0000:af:06.1")), DOCS.pci, ago(5 * MIN));
  }

  it.each([
    {
      what: "a header",
      args: [],
      input: "RESOURCE DEVICE\nintel.com/sriov 0000:af:06.0\n",
      line: 1,
      says: '"RESOURCE" is not a resource name',
    },
    {
      what: "lspci output",
      args: ["--resource", SRIOV],
      input: "af:06.0 Ethernet controller: Intel Corporation Ethernet Virtual Function\n",
      line: 1,
      says: "fields, where a line is",
    },
    {
      what: "lspci -s addresses without the domain",
      args: ["--resource", SRIOV],
      input: "af:06.0\n",
      line: 1,
      says: "is not a full PCI address",
    },
    { what: "an upper-case address", args: ["--resource", SRIOV], input: "0000:AF:06.0\n", line: 1, says: "is not a full PCI address" },
    {
      what: "a shortened address",
      args: ["--resource", SRIOV],
      input: "0000:af:06.1\n0000:af:06\n",
      line: 2,
      says: '"0000:af:06" is the start of the PCI address 0000:af:06.0',
    },
    { what: "JSON", args: ["--resource", SRIOV], input: '["0000:af:06.0"]\n', line: 1, says: "is not a device ID" },
  ])("$what: usage error naming line $line; nothing removed", ({ args, input, line, says }) => {
    node();
    for (const command of ["gc", "ls"]) {
      const run = devinfo([command, "--base-dir", tmp.path, "--live-devices", "-", ...args], { input });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`devinfo: --live-devices: line ${line} (`);
      expect(run.stderr).toContain(says);
      expect(run.stderr).toContain('"ls /sys/bus/pci/devices"');
    }
    expect(files()).toHaveLength(2);
  });

  it("the host's PCI devices (ls /sys/bus/pci/devices) remove the file of a device that is gone", () => {
    node();
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-devices", "-", "--resource", SRIOV], {
      input: "0000:00:00.0\n0000:af:06.0\n0000:af:00.0\n",
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`removed dp/${dp("0000:af:06.1")} (device not in the --live-devices list)`);
    expect(files()).toEqual([dp("0000:af:06.0")]);
  });

  it("--resource must be a resource name", () => {
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-devices", "-", "--resource", "sriov"], { input: "0000:af:06.0\n" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--resource "sriov" is not a resource name');
  });
});
