/**
 * prepareDeviceInfo for networks whose resource a DRA driver serves: the pod
 * object and the node's ResourceSlices (fixtures/dra/network), the claims'
 * device metadata written to a temp dir, and the kubelet's dynamicResources
 * from a real grpc-js PodResources server on a real unix socket. Each case
 * ends with the attachment's CNI device-info file on disk.
 */

import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { PodLike, ResourceSliceLike } from "../../src/dra.js";
import { type DeviceInfo, saveDeviceInfoForDP } from "../../src/index.js";
import type { PodResourcesMessage } from "../../src/kubelet/_proto.js";
import { type AttachmentRequest, prepareDeviceInfo } from "../../src/roles/meta-plugin.js";
import { DRIVER, directClaim, directPod, EXT_CLAIM, extClaim, extPod, NIC, slice, templatePod } from "../dra/_network-fixtures.js";
import { type FakeKubelet, serveFakeKubelet } from "../helpers/kubelet.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";

const CID = "3f9a1c0b2d4e";
const vf = (address: string, pf: string) =>
  ({ type: "pci", version: "1.1.0", pci: { "pci-address": address, "pf-pci-address": pf } }) as const satisfies DeviceInfo;

const tmp = useTempDir("devinfo-dra-meta-");
let kubelet: FakeKubelet | undefined;
afterEach(async () => {
  await kubelet?.close();
  kubelet = undefined;
});

/** The kubelet's PodResources view of a pod: the container's DRA devices, and device plugin devices. */
function kubeletPod(name: string, claimName: string, devices: string[], plugin: Record<string, string[]> = {}): PodResourcesMessage {
  return {
    name,
    namespace: "default",
    containers: [
      {
        name: "app",
        devices: Object.entries(plugin).map(([resource_name, device_ids]) => ({ resource_name, device_ids })),
        dynamic_resources:
          devices.length === 0
            ? []
            : [
                {
                  class_name: "",
                  claim_name: claimName,
                  claim_namespace: "default",
                  claim_resources: devices.map((device_name) => ({
                    driver_name: DRIVER,
                    pool_name: "worker-1",
                    device_name,
                    cdi_devices: [{ name: `k8s.${DRIVER}/vf=${device_name}` }],
                  })),
                },
              ],
      },
    ],
  };
}

const cniFiles = (baseDir: string) => (fs.existsSync(path.join(baseDir, "cni")) ? fs.readdirSync(path.join(baseDir, "cni")) : []);
const readCNI = (cniPath: string | undefined) => JSON.parse(fs.readFileSync(cniPath as string, "utf8")) as unknown;

describe("prepareDeviceInfo({ dra }): the device-info of a DRA-served network, end to end", () => {
  it("a pod whose SR-IOV resource is DRA-backed through an extended resource (KEP-5004): each network its VF, device-info from the attributes", async () => {
    const baseDir = tmp.join("devinfo");
    const dra = {
      pod: extPod(),
      resourceClaims: [extClaim()],
      resourceSlices: [slice()],
    };
    const results = [];
    for (const [deviceIndex, ifName] of [
      [0, "net1"],
      [1, "net2"],
    ] as const) {
      results.push(
        await prepareDeviceInfo(
          { network: `default/sriov-net-${ifName}`, containerID: CID, ifName, resourceName: NIC, deviceIndex, dra },
          { baseDir },
        ),
      );
    }
    expect(results.map((r) => r.capabilityArgs.deviceID)).toEqual(["0000:08:00.3", "0000:08:02.2"]);
    expect(results.map((r) => r.warnings)).toEqual([[], []]);
    expect(readCNI(results[0]?.cniPath)).toEqual(vf("0000:08:00.3", "0000:08:00.0"));
    expect(readCNI(results[1]?.cniPath)).toEqual(vf("0000:08:02.2", "0000:08:00.1"));
    expect(results[0]?.copied).toEqual(vf("0000:08:00.3", "0000:08:00.0"));
    expect(results[0]?.draDevice).toMatchObject({ via: "extendedResource", claimName: EXT_CLAIM, device: "0000-08-00-3" });
  });

  it("a pod with a directly referenced claim, networks naming their requests: the driver's device plugin file wins over the attributes", async () => {
    const baseDir = tmp.join("devinfo");
    const written: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:08:00.4", "rdma-device": "mlx5_3" } };
    await saveDeviceInfoForDP(NIC, "0000:08:00.4", written, { baseDir });
    const networks = [
      { resourceName: NIC, request: "net-a" },
      { resourceName: NIC, request: "net-b" },
    ];
    const dra = {
      pod: directPod(),
      networks,
      resourceClaims: [directClaim()],
      resourceSlices: [slice()],
    };
    const b = await prepareDeviceInfo(
      { network: "default/sriov-net-b", containerID: CID, ifName: "net2", resourceName: NIC, dra: { ...dra, networkIndex: 1 } },
      { baseDir },
    );
    const a = await prepareDeviceInfo(
      { network: "default/sriov-net-a", containerID: CID, ifName: "net1", resourceName: NIC, dra: { ...dra, networkIndex: 0 } },
      { baseDir },
    );
    expect(b.capabilityArgs.deviceID).toBe("0000:08:00.4");
    expect(readCNI(b.cniPath)).toEqual(written);
    expect(a.capabilityArgs.deviceID).toBe("0000:08:02.4");
    expect(readCNI(a.cniPath)).toEqual(vf("0000:08:02.4", "0000:08:00.1"));
    expect(a.draDevice).toMatchObject({ via: "claim", claimName: "sriov-nics", podClaimName: "nics", request: "net-a" });
  });

  it("the kubelet's dynamicResources as the source: one Get, no ResourceClaim needed", async () => {
    const baseDir = tmp.join("devinfo");
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), {
      pods: [kubeletPod("sriov-ext", EXT_CLAIM, ["0000-08-02-2", "0000-08-00-3"])],
    });
    const prepared = await prepareDeviceInfo(
      {
        network: "default/sriov-net-a",
        containerID: CID,
        ifName: "net1",
        resourceName: NIC,
        pod: { namespace: "default", name: "sriov-ext" },
        dra: { pod: extPod(), resourceSlices: [slice()] },
      },
      { baseDir, kubelet: { socket: kubelet.socket } },
    );
    expect(kubelet.calls).toEqual(["Get"]);
    expect(prepared.draDevice).toMatchObject({ source: "kubelet", device: "0000-08-00-3", deviceID: "0000:08:00.3" });
    expect(readCNI(prepared.cniPath)).toEqual(vf("0000:08:00.3", "0000:08:00.0"));
  });

  it("device metadata as the source of a template claim's device and its device-info", async () => {
    const baseDir = tmp.join("devinfo");
    const attributes = slice().spec.devices?.find((d) => d.name === "0000-08-00-4")?.attributes ?? {};
    const prepared = await prepareDeviceInfo(
      {
        network: "default/sriov-net-a",
        containerID: CID,
        ifName: "net1",
        resourceName: NIC,
        dra: {
          pod: templatePod(),
          metadata: [
            {
              apiVersion: "metadata.resource.k8s.io/v1beta1",
              kind: "DeviceMetadata",
              metadata: { name: "sriov-tmpl-nics-x7k2p", namespace: "default" },
              podClaimName: "nics",
              requests: [{ name: "nic", devices: [{ driver: DRIVER, pool: "worker-1", name: "0000-08-00-4", attributes }] }],
            },
          ],
        },
      },
      { baseDir },
    );
    expect(prepared.capabilityArgs.deviceID).toBe("0000:08:00.4");
    expect(readCNI(prepared.cniPath)).toEqual(vf("0000:08:00.4", "0000:08:00.0"));
  });

  it("no DRA: the device plugin path is unchanged (one kubelet call, the plugin's file, no draDevice)", async () => {
    const baseDir = tmp.join("devinfo");
    await saveDeviceInfoForDP("intel.com/sriov", "0000:af:06.0", vf("0000:af:06.0", "0000:af:00.0"), { baseDir });
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), {
      pods: [kubeletPod("plain", "", [], { "intel.com/sriov": ["0000:af:06.0"] })],
    });
    const request: AttachmentRequest = {
      network: "default/sriov",
      containerID: CID,
      ifName: "net1",
      resourceName: "intel.com/sriov",
      pod: { namespace: "default", name: "plain" },
      dra: { pod: { metadata: { name: "plain", namespace: "default" }, spec: { containers: [] } } },
    };
    const prepared = await prepareDeviceInfo(request, { baseDir, kubelet: { socket: kubelet.socket } });
    expect(kubelet.calls).toEqual(["Get"]);
    expect(prepared).not.toHaveProperty("draDevice");
    expect(prepared.capabilityArgs.deviceID).toBe("0000:af:06.0");
    expect(prepared.copied).toEqual(vf("0000:af:06.0", "0000:af:00.0"));
    expect(prepared.warnings).toEqual([]);
  });

  it("the kubelet says DRA but nothing names the device's resource: a warning, and the attachment goes on without a device", async () => {
    const baseDir = tmp.join("devinfo");
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: [kubeletPod("sriov-ext", EXT_CLAIM, ["0000-08-00-3"])] });
    const prepared = await prepareDeviceInfo(
      { network: "default/a", containerID: CID, ifName: "net1", resourceName: NIC, pod: { namespace: "default", name: "sriov-ext" } },
      { baseDir, kubelet: { socket: kubelet.socket } },
    );
    expect(kubelet.calls).toEqual(["Get"]);
    expect(prepared.cniPath).toBeUndefined();
    expect(prepared.warnings.map((w) => w.code)).toEqual(["ERR_DEVINFO_NOT_FOUND", "ERR_DEVINFO_NOT_FOUND"]);
    expect(prepared.warnings[0]?.message).toContain(`default/${EXT_CLAIM}`);
    expect(prepared.warnings[0]?.message).toContain("request.dra");
  });
});

describe("prepareDeviceInfo({ dra }): bad input fails before any file is written", () => {
  const ext = () => extPod();
  it.each<[string, () => AttachmentRequest["dra"], string]>([
    [
      "a malformed pod status",
      () => ({
        pod: {
          ...ext(),
          status: { extendedResourceClaimStatus: { resourceClaimName: EXT_CLAIM, requestMappings: "app" } },
        } as unknown as PodLike,
      }),
      "ERR_DEVINFO_INVALID",
    ],
    [
      "a ResourceClaim with a result missing its device",
      () => {
        const claim = extClaim();
        const results = claim.status?.allocation?.devices?.results ?? [];
        delete (results[0] as Record<string, unknown>).device;
        return { pod: ext(), resourceClaims: [claim] };
      },
      "ERR_DEVINFO_INVALID",
    ],
    [
      "device metadata that contradicts the claim's allocation",
      () => ({
        pod: ext(),
        resourceClaims: [extClaim()],
        metadata: [
          {
            apiVersion: "metadata.resource.k8s.io/v1beta1",
            kind: "DeviceMetadata",
            metadata: { name: EXT_CLAIM, namespace: "default" },
            requests: [{ name: "container-0-request-0", devices: [{ driver: DRIVER, pool: "worker-1", name: "0000-08-02-4" }] }],
          },
        ],
      }),
      "ERR_DEVINFO_CONFLICT",
    ],
  ])("%s: %s, no CNI file", async (_name, dra, code) => {
    const baseDir = tmp.join("devinfo");
    const netConf = { cniVersion: "1.0.0", name: "n", plugins: [{ type: "x", capabilities: { CNIDeviceInfoFile: true } }] };
    await expect(
      prepareDeviceInfo({ network: "default/a", containerID: CID, ifName: "net1", resourceName: NIC, netConf, dra: dra() }, { baseDir }),
    ).rejects.toMatchObject({ code });
    expect(cniFiles(baseDir)).toEqual([]);
  });

  it.each<[string, Partial<AttachmentRequest>, string]>([
    ["dra that is not an object", { dra: "pod" as unknown as AttachmentRequest["dra"] }, "ERR_INVALID_ARG_TYPE"],
    ["a deviceID together with dra", { deviceID: "0000:08:00.3", dra: { pod: {} } }, "ERR_INVALID_ARG_VALUE"],
    ["networks without networkIndex", { dra: { pod: {}, networks: [{ resourceName: NIC }] } }, "ERR_INVALID_ARG_VALUE"],
    [
      "a networkIndex whose network has another resource",
      {
        dra: {
          pod: { spec: { resourceClaims: [{ name: "c", resourceClaimName: "c" }] } },
          networks: [{ resourceName: "x/y" }],
          networkIndex: 0,
        },
      },
      "ERR_INVALID_ARG_VALUE",
    ],
  ])("API misuse: %s (%s)", async (_name, extra, code) => {
    const baseDir = tmp.join("devinfo");
    await expect(
      prepareDeviceInfo({ network: "default/a", containerID: CID, ifName: "net1", resourceName: NIC, ...extra }, { baseDir }),
    ).rejects.toMatchObject({ code });
    expect(cniFiles(baseDir)).toEqual([]);
  });
});

describe("prepareDeviceInfo({ dra }): what DRA lacked is said, never blamed on the device plugin", () => {
  const ext = () => extPod();
  const claim = () => extClaim();
  const slices = () => [slice()];
  const template = () => {
    const pod = templatePod();
    delete (pod.status as Record<string, unknown>).resourceClaimStatuses;
    (pod.metadata as Record<string, unknown>).name = "sriov-ext"; // the kubelet's pod of these cases
    return pod;
  };
  const nic = { resourceName: NIC };
  it.each<[string, () => NonNullable<AttachmentRequest["dra"]>, RegExp]>([
    [
      "a template claim the pod's status does not name yet",
      () => ({ pod: template(), resourceSlices: slices() }),
      /claim "nics" .*re-read the pod/,
    ],
    [
      "networkIndex past the devices of the resource",
      () => ({ pod: ext(), resourceClaims: [claim()], resourceSlices: slices(), networks: [nic, nic, nic], networkIndex: 2 }),
      /network 2 is number 2 .*only 2 device\(s\)/,
    ],
    [
      "a network naming a claim the pod does not have",
      () => ({ pod: ext(), resourceClaims: [claim()], resourceSlices: slices(), networks: [{ ...nic, claim: "nics" }], networkIndex: 0 }),
      /names claim "nics", which is not one of the pod's claims/,
    ],
    [
      "the extended-resource claim with no allocation source",
      () => ({ pod: ext(), resourceSlices: slices() }),
      new RegExp(`extended-resource claim ${EXT_CLAIM}, and no source lists its allocation`),
    ],
  ])("%s", async (_name, dra, message) => {
    const baseDir = tmp.join("devinfo");
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: [kubeletPod("sriov-ext", EXT_CLAIM, [])] });
    const prepared = await prepareDeviceInfo(
      {
        network: "default/a",
        containerID: CID,
        ifName: "net1",
        resourceName: NIC,
        pod: { namespace: "default", name: "sriov-ext" },
        dra: dra(),
      },
      { baseDir, kubelet: { socket: kubelet.socket } },
    );
    expect(prepared.draDevice).toBeUndefined();
    expect(prepared.capabilityArgs).toEqual({});
    const found = prepared.warnings.filter((w) => message.test(w.message));
    expect(found.map((w) => w.code)).toEqual(["ERR_DEVINFO_NOT_FOUND"]);
    expect(prepared.warnings.map((w) => w.message).join("\n")).not.toMatch(/kubelet allocated no device/);
  });

  it.each<[string, { namespace: string; name: string }]>([
    ["another name", { namespace: "default", name: "sriov-other" }],
    ["another namespace", { namespace: "kube-system", name: "sriov-ext" }],
  ])("request.pod and dra.pod naming different pods (%s): TypeError, before the kubelet is asked", async (_name, pod) => {
    const baseDir = tmp.join("devinfo");
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: [kubeletPod("sriov-ext", EXT_CLAIM, [])] });
    const run = prepareDeviceInfo(
      { network: "default/a", containerID: CID, ifName: "net1", resourceName: NIC, pod, dra: { pod: ext(), resourceClaims: [claim()] } },
      { baseDir, kubelet: { socket: kubelet.socket } },
    );
    await expect(run).rejects.toBeInstanceOf(TypeError);
    await expect(run).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("request.dra.pod") });
    expect(kubelet.calls).toEqual([]);
  });

  it.each<[string, string]>([
    ["a NUL byte", "0000:08:00.3\0/x"],
    ["300 bytes", "0".repeat(300)],
  ])(
    "a device ID from the attributes that no device plugin file can be named by (%s): a warning, no device, no file",
    async (_name, id) => {
      const baseDir = tmp.join("devinfo");
      const resourceSlices = slices();
      for (const device of ((resourceSlices[0] as ResourceSliceLike).spec as { devices: { attributes: Record<string, unknown> }[] })
        .devices)
        device.attributes["k8s.cni.cncf.io/deviceID"] = { string: id };
      const netConf = { cniVersion: "1.0.0", name: "n", plugins: [{ type: "x", capabilities: { CNIDeviceInfoFile: true } }] };
      const prepared = await prepareDeviceInfo(
        {
          network: "default/a",
          containerID: CID,
          ifName: "net1",
          resourceName: NIC,
          netConf,
          dra: { pod: ext(), resourceClaims: [claim()], resourceSlices },
        },
        { baseDir },
      );
      expect(prepared.draDevice).toBeUndefined();
      expect(prepared.capabilityArgs.deviceID).toBeUndefined();
      expect(prepared.warnings.map((w) => w.code)).toEqual(["ERR_DEVINFO_UNSAFE_PATH"]);
      expect(cniFiles(baseDir)).toEqual([]);
    },
  );
});

describe("the DRA code stays off the CNI plugin's start-up path", () => {
  it.each(["index.js", "meta-plugin.js"])("dist/%s loads it lazily from the devinfo/dra bundle, and carries none of it", (bundle) => {
    const text = fs.readFileSync(path.join(REPO_ROOT, "dist", bundle), "utf8");
    expect(text).toContain('import("./dra.js")');
    // The resolver's field names and messages are in dist/dra.js only.
    expect(text).not.toMatch(/requestMappings|extendedResourceClaimStatus|resourceClaimStatuses/);
    expect(fs.readFileSync(path.join(REPO_ROOT, "dist", "dra.js"), "utf8")).toMatch(/findDRAAttachmentDevice/);
  });
});
