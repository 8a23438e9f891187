/**
 * Devices allocated through DRA, from the PodResources API's
 * `ContainerResources.dynamic_resources` (KEP-3695), served by a real grpc-js
 * server on a real unix socket; and the checkpoint, which cannot see them.
 * The field numbers are checked against bytes written by hand from
 * upstream's v1 api.proto, not against our own copy of it.
 */

import { Buffer } from "node:buffer";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { PodResourcesMessage } from "../../src/kubelet/_proto.js";
import { CHECKPOINT_DRA_NOTE, type DynamicResourceDevice, getPodDevices, listPodDevices } from "../../src/kubelet.js";
import { type FakeKubelet, type FakeKubeletOptions, serveFakeKubelet } from "../helpers/kubelet.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";

const DRIVER = "sriovnetwork.k8snetworkplumbingwg.io";
const SRIOV = "intel.com/sriov_netdevice";
const POD = { namespace: "default", name: "dra-pod" };

/** A pod with a device plugin VF in one container and DRA-allocated VFs in two. */
const DRA_POD: PodResourcesMessage = {
  name: "dra-pod",
  namespace: "default",
  containers: [
    {
      name: "app",
      devices: [{ resource_name: SRIOV, device_ids: ["0000:af:06.0"] }],
      dynamic_resources: [
        {
          class_name: "",
          claim_name: "dra-pod-vf-8xk2p",
          claim_namespace: "default",
          claim_resources: [
            {
              driver_name: DRIVER,
              pool_name: "worker-1",
              device_name: "0000-3b-02-2",
              cdi_devices: [{ name: `k8s.${DRIVER}/vf=0000-3b-02-2` }],
            },
            { driver_name: DRIVER, pool_name: "worker-1", device_name: "0000-3b-02-3", cdi_devices: [] },
          ],
        },
      ],
    },
    { name: "plain", devices: [], dynamic_resources: [] },
    {
      name: "sidecar",
      devices: [],
      dynamic_resources: [
        {
          // A kubelet of 1.27 to 1.30 still sends the class.
          class_name: "sriov-vf",
          claim_name: "shared-vf",
          claim_namespace: "net",
          claim_resources: [
            {
              driver_name: DRIVER,
              pool_name: "worker-1",
              device_name: "0000-3b-02-4",
              // A device shared by several claims (consumable capacity) carries its share.
              share_id: "4f1c7e2a-share",
              cdi_devices: [{ name: `k8s.${DRIVER}/vf=0000-3b-02-4` }, { name: "k8s.example.com/extra=a" }],
            },
          ],
        },
      ],
    },
  ],
};

const EXPECTED: DynamicResourceDevice[] = [
  {
    containerName: "app",
    className: "",
    claimName: "dra-pod-vf-8xk2p",
    claimNamespace: "default",
    driver: DRIVER,
    pool: "worker-1",
    device: "0000-3b-02-2",
    cdiDevices: [`k8s.${DRIVER}/vf=0000-3b-02-2`],
  },
  {
    containerName: "app",
    className: "",
    claimName: "dra-pod-vf-8xk2p",
    claimNamespace: "default",
    driver: DRIVER,
    pool: "worker-1",
    device: "0000-3b-02-3",
    cdiDevices: [],
  },
  {
    containerName: "sidecar",
    className: "sriov-vf",
    claimName: "shared-vf",
    claimNamespace: "net",
    driver: DRIVER,
    pool: "worker-1",
    device: "0000-3b-02-4",
    shareID: "4f1c7e2a-share",
    cdiDevices: [`k8s.${DRIVER}/vf=0000-3b-02-4`, "k8s.example.com/extra=a"],
  },
];

// --- protobuf by hand, from upstream's api.proto field numbers -------------

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** A length-delimited field (wire type 2): a string or an embedded message. */
function field(number: number, value: string | number[]): number[] {
  const bytes = typeof value === "string" ? [...Buffer.from(value)] : value;
  return [...varint((number << 3) | 2), ...varint(bytes.length), ...bytes];
}

/** `PodResources` as the kubelet writes it (upstream numbers: see each comment). */
function podBytes(pod: PodResourcesMessage): number[] {
  return [
    ...field(1, pod.name), // PodResources.name
    ...field(2, pod.namespace), // PodResources.namespace
    ...pod.containers.flatMap((c) =>
      field(3, [
        // PodResources.containers
        ...field(1, c.name), // ContainerResources.name
        ...c.devices.flatMap((d) =>
          // ContainerResources.devices: ContainerDevices.resource_name 1, device_ids 2
          field(2, [...field(1, d.resource_name), ...d.device_ids.flatMap((id) => field(2, id))]),
        ),
        ...(c.dynamic_resources ?? []).flatMap((r) =>
          field(5, [
            // ContainerResources.dynamic_resources
            ...(r.class_name === "" ? [] : field(1, r.class_name)), // DynamicResource.class_name (tombstoned in 1.31)
            ...field(2, r.claim_name), // DynamicResource.claim_name
            ...field(3, r.claim_namespace), // DynamicResource.claim_namespace
            ...r.claim_resources.flatMap((cr) =>
              field(4, [
                // DynamicResource.claim_resources
                ...cr.cdi_devices.flatMap((cdi) => field(1, field(1, cdi.name))), // ClaimResource.cdi_devices, CDIDevice.name
                ...field(2, cr.driver_name), // ClaimResource.driver_name
                ...field(3, cr.pool_name), // ClaimResource.pool_name
                ...field(4, cr.device_name), // ClaimResource.device_name
                ...(cr.share_id === undefined ? [] : field(5, cr.share_id)), // ClaimResource.share_id (optional)
              ]),
            ),
          ]),
        ),
      ]),
    ),
  ];
}

const tmp = useTempDir("devinfo-kubelet-dra-");
let kubelet: FakeKubelet | undefined;
afterEach(async () => {
  await kubelet?.close();
  kubelet = undefined;
});

async function serve(options: FakeKubeletOptions): Promise<string> {
  kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), options);
  return kubelet.socket;
}

describe("dynamicResources over the PodResources API", () => {
  it.each<[string, FakeKubeletOptions, "Get" | "List"]>([
    ["Get, encoded from our .proto", { pods: [DRA_POD] }, "Get"],
    ["List (a kubelet without Get), encoded from our .proto", { pods: [DRA_POD], without: ["Get"] }, "List"],
    [
      "Get, bytes written by hand with upstream's field numbers",
      { raw: { Get: Uint8Array.from(field(1, podBytes(DRA_POD))) } }, // GetPodResourcesResponse.pod_resources
      "Get",
    ],
    [
      "List, bytes written by hand with upstream's field numbers",
      { raw: { List: Uint8Array.from(field(1, podBytes(DRA_POD))) }, without: ["Get"] }, // ListPodResourcesResponse.pod_resources
      "List",
    ],
  ])("getPodDevices: %s", async (_, options, method) => {
    const socket = await serve(options);
    const devices = await getPodDevices(POD, { socket });
    expect(devices.source).toEqual({ type: "podresources", method, path: socket });
    expect(devices.dynamicResources).toEqual(EXPECTED);
    // Device plugin devices are unaffected; DRA devices are not mixed into resources.
    expect(devices.resources).toEqual({ [SRIOV]: ["0000:af:06.0"] });
    expect(devices.orderedContainers.map((c) => c.name)).toEqual(["app", "plain", "sidecar"]);
    // shareID only where the kubelet sent share_id: never made up.
    expect(devices.dynamicResources.map((d) => "shareID" in d)).toEqual(EXPECTED.map((d) => d.shareID !== undefined));
  });

  it("listPodDevices: each pod's own entries; a pod without DRA has none", async () => {
    const other: PodResourcesMessage = { name: "web", namespace: "default", containers: [{ name: "web", devices: [] }] };
    const socket = await serve({ pods: [other, DRA_POD] });
    const { pods } = await listPodDevices({ socket });
    expect(pods.map((p) => [p.name, p.dynamicResources])).toEqual([
      ["web", []],
      ["dra-pod", EXPECTED],
    ]);
  });

  it("a claim with no devices gives no entry", async () => {
    const empty: PodResourcesMessage = {
      ...DRA_POD,
      containers: [
        {
          name: "app",
          devices: [],
          dynamic_resources: [{ class_name: "", claim_name: "c", claim_namespace: "default", claim_resources: [] }],
        },
      ],
    };
    const socket = await serve({ pods: [empty] });
    expect((await getPodDevices(POD, { socket })).dynamicResources).toEqual([]);
  });
});

describe("the checkpoint cannot see DRA allocations", () => {
  const checkpoint = path.join(REPO_ROOT, "fixtures/kubelet/checkpoint-numa.json");
  const uid = "0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a";

  it("getPodDevices: dynamicResources is [] and the source says why", async () => {
    const devices = await getPodDevices({ ...POD, uid }, { socket: tmp.join("absent.sock"), checkpoint });
    expect(devices.dynamicResources).toEqual([]);
    expect(devices.source).toEqual({ type: "checkpoint", path: checkpoint, note: CHECKPOINT_DRA_NOTE });
    expect(CHECKPOINT_DRA_NOTE).toMatch(/cannot see devices allocated through DRA/);
  });

  it("listPodDevices: every pod's dynamicResources is [], the source says why", async () => {
    const { pods, source } = await listPodDevices({ socket: tmp.join("absent.sock"), checkpoint });
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.map((p) => p.dynamicResources)).toEqual(pods.map(() => []));
    expect(source).toEqual({ type: "checkpoint", path: checkpoint, note: CHECKPOINT_DRA_NOTE });
  });
});
