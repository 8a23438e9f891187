/**
 * The order of a pod's devices, as Multus v4.3.1 takes them (multus-cni#1539):
 * each resource's list is the containers' lists in the kubelet's order, each
 * container's list sorted in byte order. The same pod is served by a real
 * PodResources server on a unix socket and written as a kubelet checkpoint;
 * getPodDevices, listPodDevices, assignDeviceIDs and prepareDeviceInfo({ pod })
 * must agree on both.
 */

import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { saveDeviceInfoForDP } from "../../src/index.js";
import { assignDeviceIDs, getPodDevices, type KubeletOptions, listPodDevices } from "../../src/kubelet.js";
import { prepareDeviceInfo } from "../../src/roles/meta-plugin.js";
import { type FakeKubelet, orderedPod, serveFakeKubelet } from "../helpers/kubelet.js";
import { useTempDir } from "../helpers/temp-dir.js";

const SRIOV = "intel.com/sriov_netdevice";
const UID = "5a4c3b2d-0000-4000-8000-0000000000aa";
const POD = { namespace: "default", name: "two-apps", uid: UID };

/** Container → [resource, ids] entries, in the kubelet's order (several entries of one resource: NUMA nodes). */
type Layout = readonly (readonly [string, readonly (readonly [string, string[]])[]])[];

interface Case {
  what: string;
  layout: Layout;
  resources: Record<string, string[]>;
  ordered: { name: string; resources: Record<string, string[]> }[];
}

const CASES: Case[] = [
  {
    // The example: the second network belongs to the app's second VF, 02.3, not the sidecar's 02.1.
    what: "two containers each given two VFs of one resource",
    layout: [
      ["app", [[SRIOV, ["0000:3b:02.3", "0000:3b:02.0"]]]],
      ["sidecar", [[SRIOV, ["0000:3b:02.2", "0000:3b:02.1"]]]],
    ],
    resources: { [SRIOV]: ["0000:3b:02.0", "0000:3b:02.3", "0000:3b:02.1", "0000:3b:02.2"] },
    ordered: [
      { name: "app", resources: { [SRIOV]: ["0000:3b:02.0", "0000:3b:02.3"] } },
      { name: "sidecar", resources: { [SRIOV]: ["0000:3b:02.1", "0000:3b:02.2"] } },
    ],
  },
  {
    what: "containers whose names sort otherwise, one named like an integer (a record would put it first)",
    layout: [
      ["zeta", [[SRIOV, ["0000:3b:02.5"]]]],
      ["0", [[SRIOV, ["0000:3b:02.4", "0000:3b:02.1"]]]],
      ["alpha", [[SRIOV, ["0000:3b:02.0"]]]],
    ],
    resources: { [SRIOV]: ["0000:3b:02.5", "0000:3b:02.1", "0000:3b:02.4", "0000:3b:02.0"] },
    ordered: [
      { name: "zeta", resources: { [SRIOV]: ["0000:3b:02.5"] } },
      { name: "0", resources: { [SRIOV]: ["0000:3b:02.1", "0000:3b:02.4"] } },
      { name: "alpha", resources: { [SRIOV]: ["0000:3b:02.0"] } },
    ],
  },
  {
    what: "a container's devices of one resource split over two NUMA nodes: merged, then sorted",
    layout: [
      [
        "app",
        [
          [SRIOV, ["0000:d8:02.1"]],
          [SRIOV, ["0000:3b:02.7", "0000:3b:02.6"]],
        ],
      ],
      ["sidecar", [[SRIOV, ["0000:3b:02.0"]]]],
    ],
    resources: { [SRIOV]: ["0000:3b:02.6", "0000:3b:02.7", "0000:d8:02.1", "0000:3b:02.0"] },
    ordered: [
      { name: "app", resources: { [SRIOV]: ["0000:3b:02.6", "0000:3b:02.7", "0000:d8:02.1"] } },
      { name: "sidecar", resources: { [SRIOV]: ["0000:3b:02.0"] } },
    ],
  },
  {
    what: "two resources in two containers, counted separately; a device listed twice keeps its first place",
    layout: [
      [
        "app",
        [
          ["nvidia.com/gpu", ["GPU-b"]],
          [SRIOV, ["0000:3b:02.2"]],
        ],
      ],
      [
        "sidecar",
        [
          [SRIOV, ["0000:3b:02.2", "0000:3b:02.0"]],
          ["nvidia.com/gpu", ["GPU-a"]],
        ],
      ],
    ],
    resources: { "nvidia.com/gpu": ["GPU-b", "GPU-a"], [SRIOV]: ["0000:3b:02.2", "0000:3b:02.0"] },
    ordered: [
      { name: "app", resources: { "nvidia.com/gpu": ["GPU-b"], [SRIOV]: ["0000:3b:02.2"] } },
      { name: "sidecar", resources: { [SRIOV]: ["0000:3b:02.0", "0000:3b:02.2"], "nvidia.com/gpu": ["GPU-a"] } },
    ],
  },
  {
    what: "byte order within a container, as Go's sort.Strings (not UTF-16 order)",
    // U+FF5E sorts before U+1F600 by UTF-16 code units, after it by UTF-8 bytes.
    layout: [["app", [["r", ["\u{1F600}", "\uFF5E"]]]]],
    resources: { r: ["\uFF5E", "\u{1F600}"] },
    ordered: [{ name: "app", resources: { r: ["\uFF5E", "\u{1F600}"] } }],
  },
];

const tmp = useTempDir("devinfo-multus-order-");
let kubelet: FakeKubelet | undefined;
afterEach(async () => {
  await kubelet?.close();
  kubelet = undefined;
});

/** The checkpoint the kubelet would write for `layout`: one entry per container and resource, the NUMA nodes as keys. */
function writeCheckpoint(layout: Layout): string {
  const entries = layout.flatMap(([container, devices]) => {
    const byResource = new Map<string, Record<string, string[]>>();
    devices.forEach(([resource, ids], numa) => {
      const nodes = byResource.get(resource) ?? {};
      nodes[String(numa)] = ids;
      byResource.set(resource, nodes);
    });
    return [...byResource].map(([resource, nodes]) => ({
      PodUID: UID,
      ContainerName: container,
      ResourceName: resource,
      DeviceIDs: nodes,
      AllocResp: null,
    }));
  });
  const file = tmp.join("kubelet_internal_checkpoint");
  fs.writeFileSync(file, JSON.stringify({ Data: { PodDeviceEntries: entries, RegisteredDevices: {} }, Checksum: 1 }));
  return file;
}

async function source(kind: "podresources" | "checkpoint", layout: Layout): Promise<KubeletOptions> {
  if (kind === "checkpoint") return { socket: tmp.join("absent.sock"), checkpoint: writeCheckpoint(layout) };
  kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: [orderedPod(POD.namespace, POD.name, layout)] });
  return { socket: kubelet.socket, checkpoint: tmp.join("absent") };
}

describe.each(["podresources", "checkpoint"] as const)("Multus v4.3.1's order from %s", (kind) => {
  it.each(CASES)("getPodDevices and listPodDevices: $what", async ({ layout, resources, ordered }) => {
    const options = await source(kind, layout);
    const devices = await getPodDevices(POD, options);
    expect(devices.resources).toEqual(resources);
    expect(devices.orderedContainers).toEqual(ordered);
    // Own keys in the kubelet's order where JavaScript keeps it; the ordered form keeps it always.
    expect(Object.keys(devices.resources)).toEqual(Object.keys(resources));
    expect(devices.orderedContainers.map((c) => c.name)).toEqual(layout.map(([name]) => name));
    const { pods } = await listPodDevices(options);
    expect(pods.map((p) => [p.resources, p.orderedContainers])).toEqual([[resources, ordered]]);
  });

  it("assignDeviceIDs and prepareDeviceInfo({ pod }): the second network gets the app's second VF", async () => {
    const [first] = CASES as [Case];
    const options = await source(kind, first.layout);
    const { resources } = await getPodDevices(POD, options);
    expect(assignDeviceIDs(resources, [SRIOV, undefined, SRIOV, SRIOV, SRIOV, SRIOV])).toEqual([
      "0000:3b:02.0",
      undefined,
      "0000:3b:02.3",
      "0000:3b:02.1",
      "0000:3b:02.2",
      undefined,
    ]);
    const baseDir = tmp.join("devinfo");
    for (const address of ["0000:3b:02.0", "0000:3b:02.1", "0000:3b:02.2", "0000:3b:02.3"]) {
      await saveDeviceInfoForDP(SRIOV, address, { type: "pci", version: "1.1.0", pci: { "pci-address": address } }, { baseDir });
    }
    const got: (string | undefined)[] = [];
    for (const deviceIndex of [0, 1, 2, 3]) {
      const prepared = await prepareDeviceInfo(
        {
          network: `default/net${deviceIndex}`,
          containerID: "3f9a1c0b2d4e",
          ifName: `net${deviceIndex}`,
          resourceName: SRIOV,
          pod: POD,
          deviceIndex,
        },
        { baseDir, kubelet: options },
      );
      expect(prepared.warnings).toEqual([]);
      got.push(prepared.copied?.pci?.["pci-address"]);
    }
    expect(got).toEqual(["0000:3b:02.0", "0000:3b:02.3", "0000:3b:02.1", "0000:3b:02.2"]);
  });
});
