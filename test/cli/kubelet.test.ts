/**
 * `devinfo gc --kubelet` and `devinfo ls --kubelet`: the built CLI, run as a
 * child process while a PodResources server (the v1 .proto, a real unix
 * socket) answers in this process; or the kubelet's checkpoint file.
 */

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Removal } from "../../src/cli/gc.js";
import type { ListEntry } from "../../src/cli/ls.js";
import { type FakeKubelet, pod, serveFakeKubelet } from "../helpers/kubelet.js";
import { assertBuiltAfterSources } from "../helpers/run-node.js";
import { ago, CLI, containerID, DOCS, put, REPO_ROOT, useTempDir } from "./_helpers.js";

const MIN = 60_000;
const SRIOV = "intel.com/sriov";
const GPU = "nvidia.com/gpu";
const CHECKPOINT = path.join(REPO_ROOT, "fixtures/kubelet/checkpoint-numa.json");

/** Runs the CLI without blocking this process's event loop (the kubelet answers from here). */
function devinfo(args: string[], input = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuiltAfterSources(CLI);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const tmp = useTempDir();
let kubelet: FakeKubelet | undefined;
afterEach(async () => {
  await kubelet?.close();
  kubelet = undefined;
});

/** The kubelet knows sriov 06.0 (held by default/sriov-pod) and 06.1, and one GPU. */
async function serve(): Promise<string> {
  kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), {
    pods: [pod("default", "sriov-pod", { app: { [SRIOV]: ["0000:af:06.0"] } })],
    allocatable: { [SRIOV]: ["0000:af:06.0", "0000:af:06.1"], [GPU]: ["GPU-1"] },
  });
  return kubelet.socket;
}

const dpName = (resource: string, device: string) => `${resource.replaceAll("/", "-")}-${device}-device.json`;
const dpFiles = () => fs.readdirSync(tmp.join("dp")).sort();

/** Device plugin files: two the kubelet knows, one it does not (06.7), one of a resource it does not know. */
function populate(age = 5 * MIN): void {
  for (const [resource, device] of [
    [SRIOV, "0000:af:06.0"],
    [SRIOV, "0000:af:06.1"],
    [SRIOV, "0000:af:06.7"],
    ["example.com/vdpa", "vdpa0"],
  ] as const) {
    put(tmp.join("dp", dpName(resource, device)), DOCS.pci, ago(age));
  }
}

describe("devinfo gc --kubelet", () => {
  // The kubelet's two sources list healthy devices only (GetAllocatableDevices filters on healthyDevices; the
  // checkpoint's RegisteredDevices is written from healthyDevices): 06.7 may be unhealthy, not gone.
  it("removes no device plugin file on the kubelet's word, and says why", async () => {
    const socket = await serve();
    populate();
    const run = await devinfo(["gc", "--base-dir", tmp.path, "--kubelet-socket", socket, "--json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("note: --kubelet: no device plugin file is removed on the kubelet's word");
    expect(run.stderr).toContain("list healthy devices only");
    expect(run.stderr).toContain("give --live-devices (e.g. ls /sys/bus/pci/devices with --resource)");
    expect(JSON.parse(run.stdout)).toEqual({ dryRun: false, removed: [], kept: 4, gone: 0, errors: [] });
    expect(dpFiles()).toHaveLength(4);
    expect(kubelet?.calls).toEqual(["GetAllocatableResources"]);
  });

  it("an unhealthy device (missing from the kubelet, present on the host) keeps its file; a device gone from both loses it", async () => {
    const socket = await serve();
    populate();
    // The host's PCI devices: 06.7 exists (the kubelet omits it: unhealthy); 06.1 is gone from the host but the kubelet lists it.
    const run = await devinfo(
      ["gc", "--base-dir", tmp.path, "--kubelet-socket", socket, "--resource", SRIOV, "--live-devices", "-", "--json"],
      "0000:af:06.0\n0000:af:06.7\n",
    );
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { removed: Removal[] }).removed).toEqual([]);
    expect(dpFiles()).toHaveLength(4);
    const gone = await devinfo(
      ["gc", "--base-dir", tmp.path, "--kubelet-socket", socket, "--resource", SRIOV, "--live-devices", "-", "--json"],
      "0000:af:06.0\n",
    );
    expect((JSON.parse(gone.stdout) as { removed: Removal[] }).removed.map((r) => [r.name, r.reason])).toEqual([
      [dpName(SRIOV, "0000:af:06.7"), "device not in the --live-devices list"],
    ]);
  });

  it("--resource limits --live-devices only: with the kubelet alone it is a usage error", async () => {
    const socket = await serve();
    populate();
    const run = await devinfo(["gc", "--base-dir", tmp.path, "--kubelet-socket", socket, "--resource", GPU, "--dry-run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--resource limits --live-devices; give --live-devices too");
    expect(dpFiles()).toHaveLength(4);
  });

  it("with --live-containers: CNI files of gone pods go, device plugin files stay", async () => {
    const socket = await serve();
    populate();
    put(tmp.join("cni", `default-sriov-net-${containerID(1)}_net1`), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", `default-sriov-net-${containerID(2)}_net1`), DOCS.pci, ago(5 * MIN));
    const run = await devinfo(
      ["gc", "--base-dir", tmp.path, "--kubelet", "--kubelet-socket", socket, "--live-containers", "-", "--json"],
      containerID(1),
    );
    expect(run.code).toBe(0);
    const { removed } = JSON.parse(run.stdout) as { removed: Removal[] };
    expect(removed.map((r) => r.name)).toEqual([`default-sriov-net-${containerID(2)}_net1`]);
    expect(dpFiles()).toHaveLength(4);
  });

  it("no socket: the checkpoint's RegisteredDevices prove nothing gone either", async () => {
    put(tmp.join("dp", dpName("intel.com/sriov_netdevice", "0000:af:06.3")), DOCS.pci, ago(5 * MIN));
    put(tmp.join("dp", dpName("intel.com/sriov_netdevice", "0000:af:06.9")), DOCS.pci, ago(5 * MIN));
    const args = ["--kubelet-socket", tmp.join("absent.sock"), "--kubelet-checkpoint", CHECKPOINT];
    const run = await devinfo(["gc", "--base-dir", tmp.path, ...args, "--json"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("note: --kubelet: no device plugin file is removed");
    expect((JSON.parse(run.stdout) as { removed: Removal[] }).removed).toEqual([]);
    expect(dpFiles()).toHaveLength(2);
  });

  it.each([
    { what: "a socket nobody listens on", make: deadSocket, says: /nothing answers on the kubelet's PodResources socket .*ECONNREFUSED/ },
    { what: "neither socket nor checkpoint", make: () => {}, says: /neither the kubelet's PodResources socket/ },
    {
      what: "a regular file as the socket",
      make: (p: string) => fs.writeFileSync(p, ""),
      says: /^devinfo: \S+kubelet\.sock is a regular file, not a unix socket, so it is not the kubelet's PodResources socket \(\/var\/lib\/kubelet\/pod-resources\/kubelet\.sock by default\); check --kubelet-socket\n$/,
    },
    {
      what: "a directory as the socket",
      make: (p: string) => fs.mkdirSync(p),
      says: /^devinfo: \S+kubelet\.sock is a directory, not a unix socket, .*; check --kubelet-socket\n$/,
    },
  ])("$what: exit 1 with the kubelet's error, nothing removed", async ({ make, says }) => {
    populate();
    const socket = tmp.join("kubelet.sock");
    await make(socket);
    const run = await devinfo(["gc", "--base-dir", tmp.path, "--kubelet-socket", socket, "--kubelet-checkpoint", tmp.join("absent")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(says);
    expect(dpFiles()).toHaveLength(4);
  });
});

/** A unix socket whose listener died by SIGKILL: the file stays, connect(2) is refused. */
async function deadSocket(socket: string): Promise<void> {
  const child = spawn(process.execPath, [
    "-e",
    `require("node:net").createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, "SIGKILL"))`,
  ]);
  await new Promise((resolve) => child.on("exit", resolve));
}

describe("--kubelet-timeout", () => {
  it("a kubelet slower than --kubelet-timeout: exit 1, advice in flags, nothing removed", async () => {
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { allocatable: { [SRIOV]: [] }, delayMs: 5_000 });
    populate();
    const run = await devinfo(["gc", "--base-dir", tmp.path, "--kubelet-socket", kubelet.socket, "--kubelet-timeout", "300ms"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/did not answer GetAllocatableResources .* within 300 ms.*a larger --kubelet-timeout/);
    expect(dpFiles()).toHaveLength(4);
  });

  it.each(["0s", "soon"])("--kubelet-timeout %s is a usage error", async (value) => {
    const run = await devinfo(["ls", "--base-dir", tmp.path, "--kubelet", "--kubelet-timeout", value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--kubelet-timeout");
  });
});

describe("devinfo ls --kubelet", () => {
  it("shows per device plugin file whether the kubelet knows the device and which pod holds it", async () => {
    const socket = await serve();
    populate();
    const sysfs = ["--sysfs", tmp.join("no-sysfs")]; // the host's PCI devices say nothing here
    const run = await devinfo(["ls", "--base-dir", tmp.path, "--kubelet-socket", socket, ...sysfs, "--json"]);
    expect(run.code).toBe(0);
    // The kubelet's answer is shown, never a verdict: it lists healthy devices only.
    const entries = JSON.parse(run.stdout) as ListEntry[];
    expect(entries.map((e) => [e.name, e.kubeletKnows, e.pod, e.orphaned])).toEqual([
      [dpName("example.com/vdpa", "vdpa0"), false, null, null],
      [dpName(SRIOV, "0000:af:06.0"), true, "default/sriov-pod", null],
      [dpName(SRIOV, "0000:af:06.1"), true, null, null],
      [dpName(SRIOV, "0000:af:06.7"), false, null, null],
    ]);
    expect(kubelet?.calls.sort()).toEqual(["GetAllocatableResources", "List"]);

    const text = await devinfo(["ls", "--base-dir", tmp.path, "--kubelet-socket", socket, ...sysfs]);
    const rows = text.stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(["KIND", "NAME", "TYPE", "VERSION", "DEVICE", "AGE", "ORPHANED", "KUBELET", "POD"]);
    expect(rows.find((r) => r[1] === "intel.com-sriov-0000:af:06.0-device.json")?.slice(-2)).toEqual(["listed", "default/sriov-pod"]);
    expect(rows.find((r) => r[1] === "intel.com-sriov-0000:af:06.7-device.json")?.slice(-3)).toEqual(["-", "not listed", "-"]);
  });

  it("from the checkpoint, the holder is the pod's UID", async () => {
    put(tmp.join("dp", dpName("intel.com/sriov_netdevice", "0000:af:06.1")), DOCS.pci, ago(5 * MIN));
    const run = await devinfo([
      "ls",
      "--base-dir",
      tmp.path,
      "--kubelet-socket",
      tmp.join("absent.sock"),
      "--kubelet-checkpoint",
      CHECKPOINT,
      "--json",
    ]);
    expect(run.code).toBe(0);
    const [entry] = JSON.parse(run.stdout) as ListEntry[];
    expect([entry?.kubeletKnows, entry?.pod]).toEqual([true, "0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a"]);
  });
});
