// End to end with the device from the kubelet: a PodResources server (the v1
// protocol, built from the same .proto as the client) on a real unix socket
// says which devices the pod holds; the meta-plugin helpers resolve each
// network's device from it as Multus does, copy the device plugin's file, and
// the real libcni runs the real bridge + host-local and the chained
// TypeScript plugin, which reads the device the kubelet named.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import {
  type CNIResult,
  collectDeviceInfo,
  createNetworkStatuses,
  type DeviceInfo,
  prepareDeviceInfo,
  releaseDeviceInfo,
  saveDeviceInfoForDP,
} from "../../src/index.js";
import { getPodDevices } from "../../src/kubelet.js";
import { type FakeKubelet, pod, serveFakeKubelet } from "../helpers/kubelet.js";
import { createSandbox, type Sandbox } from "./_harness.js";

const e2e = inject("e2e");
const RESOURCE = "intel.com/sriov";
// Split over two containers: Multus v4.3.1 hands them out container by container (app, then sidecar).
const DEVICES = ["0000:af:06.1", "0000:af:06.0"];
const REPRESENTORS = { "0000:af:06.0": "pf0vf3", "0000:af:06.1": "pf0vf4" };
const POD = { namespace: "default", name: "sriov-pod", uid: "0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a" };

let box: Sandbox;
let kubelet: FakeKubelet;
let socket: string;
const extraBridges: string[] = [];
beforeEach(async () => {
  box = createSandbox(e2e);
  fs.mkdirSync(path.join(box.dir, "pod-resources"));
  socket = path.join(box.dir, "pod-resources", "kubelet.sock");
  kubelet = await serveFakeKubelet(socket, {
    pods: [pod("default", "sriov-pod", { app: { [RESOURCE]: ["0000:af:06.1"] }, sidecar: { [RESOURCE]: ["0000:af:06.0"] } })],
  });
});
afterEach(async () => {
  await kubelet.close();
  for (const bridge of extraBridges.splice(0)) spawnSync("ip", ["link", "del", bridge]);
  box.dispose();
});

/** An SR-IOV-like network on its own bridge and subnet: bridge + host-local, then the chained TypeScript plugin. */
function sriovNetwork(name: string, index: number) {
  const bridge = index === 0 ? box.bridge : `${box.bridge.slice(0, 12)}k${index}`;
  if (index !== 0) extraBridges.push(bridge);
  const subnet = `10.${252 - index}.${box.subnet.split(".")[2]}`;
  return {
    cniVersion: "1.0.0",
    name,
    plugins: [
      {
        type: "bridge",
        bridge,
        isGateway: true,
        ipam: { type: "host-local", dataDir: box.ipam, ranges: [[{ subnet: `${subnet}.0/24`, gateway: `${subnet}.1` }]] },
      },
      { type: "devinfo-pci-representor", capabilities: { CNIDeviceInfoFile: true }, representors: REPRESENTORS },
    ],
  };
}

describe("the device ID comes from the kubelet's PodResources API", () => {
  it("two networks of one resource get the pod's two devices in Multus's order, through libcni and the chained plugin", async () => {
    for (const device of DEVICES) {
      const doc = { type: "pci", version: "1.1.0", pci: { "pci-address": device } } as DeviceInfo;
      await saveDeviceInfoForDP(RESOURCE, device, doc, { baseDir: box.base });
    }
    expect((await getPodDevices(POD, { socket })).resources).toEqual({ [RESOURCE]: DEVICES });

    const networks = ["sriov-net1", "sriov-net2"].map((name, i) => ({
      attachment: { network: `default/${name}`, containerID: box.containerID, ifName: `net${i + 1}` },
      netConf: sriovNetwork(name, i),
    }));
    const added = [];
    for (const [deviceIndex, { attachment, netConf }] of networks.entries()) {
      const prepared = await prepareDeviceInfo(
        { ...attachment, netConf, resourceName: RESOURCE, pod: POD, deviceIndex },
        { baseDir: box.base, kubelet: { socket } },
      );
      const device = DEVICES[deviceIndex] as string;
      expect(prepared.warnings).toEqual([]);
      expect(prepared.capabilityArgs.deviceID).toBe(device);

      const add = box.cni("add", box.writeConf(`${attachment.ifName}.conflist`, netConf), attachment.ifName, prepared.capabilityArgs);
      expect(add.status, add.stderr).toBe(0);
      // The chained plugin read the device the kubelet named and added its representor.
      const deviceInfo = await collectDeviceInfo(prepared);
      const representor = REPRESENTORS[device as keyof typeof REPRESENTORS];
      expect(deviceInfo).toEqual({ type: "pci", version: "1.1.0", pci: { "pci-address": device, "representor-device": representor } });
      const [status] = createNetworkStatuses(add.out as CNIResult, attachment.network, false, deviceInfo);
      expect(status?.interface).toBe(attachment.ifName);
      expect(status?.["device-info"]).toEqual(deviceInfo);
      added.push({ attachment, prepared });
    }
    // Get answered every question; List was never needed.
    expect(kubelet.calls.every((method) => method === "Get")).toBe(true);

    for (const { attachment } of added) expect(await releaseDeviceInfo(attachment, { baseDir: box.base })).toBe(true);
    expect(fs.readdirSync(path.join(box.base, "cni"))).toEqual([]);
  });

  it("a third network of the resource gets no device: a warning, and the chain runs without device-info", async () => {
    const netConf = sriovNetwork("sriov-net3", 0);
    const attachment = { network: "default/sriov-net3", containerID: box.containerID, ifName: "net3" };
    const prepared = await prepareDeviceInfo(
      { ...attachment, netConf, resourceName: RESOURCE, pod: POD, deviceIndex: 2 },
      { baseDir: box.base, kubelet: { socket } },
    );
    expect(prepared.warnings.map((w) => w.code)).toEqual(["ERR_DEVINFO_NOT_FOUND"]);
    expect(prepared.capabilityArgs.deviceID).toBeUndefined();
    const add = box.cni("add", box.writeConf("net3.conflist", netConf), "net3", prepared.capabilityArgs);
    expect(add.status, add.stderr).toBe(0);
    expect(await collectDeviceInfo(prepared)).toBeUndefined();
  });
});
