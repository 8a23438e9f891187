/**
 * prepareDeviceInfo with the pod instead of a deviceID: the device comes from
 * a PodResources server on a real unix socket (or the checkpoint), assigned
 * to the pod's networks as Multus assigns it.
 */

import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isDeviceInfoError, saveDeviceInfoForDP } from "../../src/index.js";
import { prepareDeviceInfo } from "../../src/roles/meta-plugin.js";
import { type FakeKubelet, pod, serveFakeKubelet } from "../helpers/kubelet.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";

const SRIOV = "intel.com/sriov_netdevice";
const CID = "3f9a1c0b2d4e";
const POD = { namespace: "default", name: "sriov-pod", uid: "0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a" };
const pci = (address: string) => ({ type: "pci", version: "1.1.0", pci: { "pci-address": address } }) as const;

const tmp = useTempDir("devinfo-kubelet-meta-");
let kubelet: FakeKubelet | undefined;
afterEach(async () => {
  await kubelet?.close();
  kubelet = undefined;
});

async function setUp(): Promise<{ baseDir: string; socket: string }> {
  const baseDir = tmp.join("devinfo");
  // The kubelet lists them out of order and across two containers.
  kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), {
    pods: [pod("default", "sriov-pod", { app: { [SRIOV]: ["0000:af:06.1"] }, sidecar: { [SRIOV]: ["0000:af:06.0"] } })],
  });
  for (const address of ["0000:af:06.0", "0000:af:06.1"]) await saveDeviceInfoForDP(SRIOV, address, pci(address), { baseDir });
  return { baseDir, socket: kubelet.socket };
}

describe("prepareDeviceInfo({ pod }) resolves the device through the kubelet", () => {
  // Multus v4.3.1's order: the containers in the kubelet's order (app, then sidecar), each sorted.
  it.each([
    [0, "net1", "0000:af:06.1"],
    [1, "net2", "0000:af:06.0"],
  ])("network number %i of the resource (%s) gets %s, copied from its device plugin file", async (deviceIndex, ifName, address) => {
    const { baseDir, socket } = await setUp();
    const attachment = { network: `default/sriov-${ifName}`, containerID: CID, ifName };
    const prepared = await prepareDeviceInfo(
      { ...attachment, resourceName: SRIOV, pod: POD, deviceIndex },
      { baseDir, kubelet: { socket } },
    );
    expect(prepared.capabilityArgs.deviceID).toBe(address);
    expect(prepared.copied).toEqual(pci(address));
    expect(prepared.warnings).toEqual([]);
    expect(JSON.parse(fs.readFileSync(prepared.cniPath as string, "utf8"))).toEqual(pci(address));
  });

  it("from the checkpoint when the socket does not exist", async () => {
    const baseDir = tmp.join("devinfo");
    await saveDeviceInfoForDP(SRIOV, "0000:af:06.1", pci("0000:af:06.1"), { baseDir });
    const checkpoint = path.join(REPO_ROOT, "fixtures/kubelet/checkpoint-numa.json");
    const prepared = await prepareDeviceInfo(
      // app's devices first (0000:af:06.1, 0000:d8:02.0), then sidecar's (0000:af:06.0)
      { network: "default/a", containerID: CID, ifName: "net1", resourceName: SRIOV, pod: POD, deviceIndex: 0 },
      { baseDir, kubelet: { socket: tmp.join("absent.sock"), checkpoint } },
    );
    expect(prepared.capabilityArgs.deviceID).toBe("0000:af:06.1");
    expect(prepared.copied).toEqual(pci("0000:af:06.1"));
  });

  it("more networks than devices: a warning, no device, no file (as Multus goes on without one)", async () => {
    const { baseDir, socket } = await setUp();
    const prepared = await prepareDeviceInfo(
      { network: "default/c", containerID: CID, ifName: "net3", resourceName: SRIOV, pod: POD, deviceIndex: 2 },
      { baseDir, kubelet: { socket } },
    );
    expect(prepared.cniPath).toBeUndefined();
    expect(prepared.capabilityArgs).toEqual({});
    expect(prepared.warnings.map((w) => w.code)).toEqual(["ERR_DEVINFO_NOT_FOUND"]);
    expect(prepared.warnings[0]?.message).toContain("default/sriov-pod");
  });

  it("no resourceName: the kubelet is not asked (here there is none to ask)", async () => {
    const prepared = await prepareDeviceInfo(
      { network: "default/br", containerID: CID, ifName: "net1", pod: POD },
      { baseDir: tmp.join("devinfo"), kubelet: { socket: tmp.join("absent.sock"), checkpoint: tmp.join("absent") } },
    );
    expect(prepared).toEqual({ cniPath: undefined, capabilityArgs: {}, copied: undefined, warnings: [] });
  });

  it("the kubelet's errors fail the ADD, nothing created", async () => {
    const baseDir = tmp.join("devinfo");
    const err = await prepareDeviceInfo(
      { network: "default/a", containerID: CID, ifName: "net1", resourceName: SRIOV, pod: POD },
      { baseDir, kubelet: { socket: tmp.join("absent.sock"), checkpoint: tmp.join("absent") } },
    ).catch((e: unknown) => e);
    expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_KUBELET_UNAVAILABLE");
    expect(fs.existsSync(baseDir)).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["deviceID and pod together", { deviceID: "0000:af:06.0", pod: POD }, "ERR_INVALID_ARG_VALUE", "request.deviceID"],
    ["deviceIndex negative", { pod: POD, deviceIndex: -1 }, "ERR_OUT_OF_RANGE", "request.deviceIndex"],
    ["deviceIndex a fraction", { pod: POD, deviceIndex: 0.5 }, "ERR_OUT_OF_RANGE", "request.deviceIndex"],
    ["deviceIndex a string", { pod: POD, deviceIndex: "1" }, "ERR_INVALID_ARG_TYPE", "request.deviceIndex"],
    ["pod a string", { pod: "default/sriov-pod" }, "ERR_INVALID_ARG_TYPE", "request.pod"],
    ["pod without a name", { pod: { namespace: "default" } }, "ERR_INVALID_ARG_TYPE", "pod.name"],
  ])("misuse: %s (%s naming %s), nothing created", async (_, extra, code, name) => {
    const baseDir = tmp.join("devinfo");
    const err = await prepareDeviceInfo(
      { network: "default/a", containerID: CID, ifName: "net1", resourceName: SRIOV, ...extra },
      { baseDir, kubelet: { socket: tmp.join("absent.sock") } },
    ).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe(code);
    expect((err as Error).message).toContain(name);
    expect(fs.existsSync(baseDir)).toBe(false);
  });
});
