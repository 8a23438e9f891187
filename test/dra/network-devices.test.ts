/**
 * resolveDRANetworkDevices: which DRA device serves each of a pod's networks,
 * from real Pod, ResourceClaim and ResourceSlice objects (fixtures/dra/network),
 * device metadata files written to a temp dir, and the kubelet's view.
 */

import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type DeviceMetadata,
  type DRANetwork,
  type DRANetworkDevicesInput,
  findDRAAttachmentDevice,
  type KubeletDRADevice,
  type PodLike,
  readResourceClaimMetadata,
  resolveDRANetworkDevices,
  writeDeviceMetadata,
} from "../../src/dra.js";
import { caught } from "../helpers/caught.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { DRIVER, directClaim, directPod, extClaim, extPod, NIC, slice, staleSlice, templatePod } from "./_network-fixtures.js";

/** The extended-resource pod asking for a second resource too, served by a second request of the same claim. */
const twoResourcePod = (): PodLike => {
  const pod = extPod();
  pod.status?.extendedResourceClaimStatus?.requestMappings.push({
    containerName: "app",
    resourceName: "example.com/port2",
    requestName: "container-0-request-1",
  });
  return pod;
};

/** The kubelet's view of a claim (DynamicResourceDevice of devinfo/kubelet). */
const kubelet = (claimName: string, ...devices: string[]): KubeletDRADevice[] =>
  devices.map((device) => ({ containerName: "app", claimName, claimNamespace: "default", driver: DRIVER, pool: "worker-1", device }));

const nets = (...items: DRANetwork[]) => items;
const ids = (input: DRANetworkDevicesInput) =>
  resolveDRANetworkDevices(input).devices.map((d) => (d === undefined ? undefined : `${d.request ?? "-"}=${d.deviceID}`));

describe("resolveDRANetworkDevices: the device of each network", () => {
  it.each<[string, () => DRANetworkDevicesInput, (string | undefined)[]]>([
    [
      "extended resource (KEP-5004): both VFs of the scheduler's claim, in device-name order",
      () => ({
        pod: extPod(),
        networks: nets({ resourceName: NIC }, { resourceName: NIC }),
        resourceClaims: [extClaim()],
        resourceSlices: [slice()],
      }),
      ["container-0-request-0=0000:08:00.3", "container-0-request-0=0000:08:02.2"],
    ],
    [
      "several devices of one pool, more networks than devices: the third gets none",
      () => ({
        pod: extPod(),
        networks: nets({ resourceName: NIC }, {}, { resourceName: NIC }, { resourceName: NIC }),
        resourceClaims: [extClaim()],
        resourceSlices: [slice()],
      }),
      ["container-0-request-0=0000:08:00.3", undefined, "container-0-request-0=0000:08:02.2", undefined],
    ],
    [
      "direct claim (spec.resourceClaims only): requests in name order",
      () => ({
        pod: directPod(),
        networks: nets({ resourceName: NIC }, { resourceName: NIC }),
        resourceClaims: [directClaim()],
        resourceSlices: [slice()],
      }),
      ["net-a=0000:08:02.4", "net-b=0000:08:00.4"],
    ],
    [
      "request-name mapping: each network takes its request's device, whatever the order",
      () => ({
        pod: directPod(),
        networks: nets({ resourceName: NIC, request: "net-b" }, { resourceName: NIC, request: "net-a" }),
        resourceClaims: [directClaim()],
        resourceSlices: [slice()],
      }),
      ["net-b=0000:08:00.4", "net-a=0000:08:02.4"],
    ],
    [
      "a named request is served before the networks that name none",
      () => ({
        pod: directPod(),
        networks: nets({ resourceName: NIC }, { resourceName: NIC, claim: "nics", request: "net-a" }),
        resourceClaims: [directClaim()],
        resourceSlices: [slice()],
      }),
      ["net-b=0000:08:00.4", "net-a=0000:08:02.4"],
    ],
    [
      "the kubelet's dynamicResources as the source (no ResourceClaim): the extended claim serves one resource",
      () => ({
        pod: extPod(),
        networks: nets({ resourceName: NIC }, { resourceName: NIC }),
        dynamicResources: kubelet("sriov-ext-extended-resources-4sd7g", "0000-08-02-2", "0000-08-00-3"),
        resourceSlices: [slice()],
      }),
      ["-=0000:08:00.3", "-=0000:08:02.2"],
    ],
    [
      "an extended claim serving two resources, seen by the kubelet only: the devices' resourceName attribute decides",
      () => ({
        pod: twoResourcePod(),
        networks: nets({ resourceName: "example.com/port2" }, { resourceName: NIC }),
        dynamicResources: kubelet("sriov-ext-extended-resources-4sd7g", "0000-08-02-2", "0000-08-00-3"),
        resourceSlices: [slice()],
      }),
      [undefined, "-=0000:08:00.3"],
    ],
    [
      "an extended claim serving two resources, with the claim: each request's mapping decides",
      () => {
        const claim = extClaim();
        const results = claim.status?.allocation?.devices?.results ?? [];
        (results[0] as Record<string, unknown>).request = "container-0-request-1"; // 0000-08-02-2
        return {
          pod: twoResourcePod(),
          networks: nets({ resourceName: "example.com/port2" }, { resourceName: NIC }),
          resourceClaims: [claim],
          resourceSlices: [slice()],
        };
      },
      ["container-0-request-1=0000:08:02.2", "container-0-request-0=0000:08:00.3"],
    ],
    [
      "the kubelet's view of a direct claim: the devices' resourceName attribute pairs them",
      () => ({
        pod: directPod(),
        networks: nets({ resourceName: NIC }),
        dynamicResources: kubelet("sriov-nics", "0000-08-02-4"),
        resourceSlices: [slice()],
      }),
      ["-=0000:08:02.4"],
    ],
    [
      "the kubelet and the claim agree: the claim's request names are kept",
      () => ({
        pod: directPod(),
        networks: nets({ resourceName: NIC, request: "net-b" }),
        resourceClaims: [directClaim()],
        dynamicResources: kubelet("sriov-nics", "0000-08-00-4"),
        resourceSlices: [slice()],
      }),
      ["net-b=0000:08:00.4"],
    ],
    [
      "a template's claim, named by status.resourceClaimStatuses",
      () => ({
        pod: templatePod(),
        networks: nets({ resourceName: NIC }),
        dynamicResources: kubelet("sriov-tmpl-nics-x7k2p", "0000-08-00-4"),
        resourceSlices: [slice()],
      }),
      ["-=0000:08:00.4"],
    ],
    [
      "the newest generation of a pool is read, not a stale slice",
      () => ({
        pod: extPod(),
        networks: nets({ resourceName: NIC }),
        resourceClaims: [extClaim()],
        resourceSlices: [slice(), staleSlice()],
      }),
      ["container-0-request-0=0000:08:00.3"],
    ],
    [
      "no DRA: a pod without claims gives no device (the device plugin path goes on)",
      () => ({
        pod: { metadata: { name: "p", namespace: "default" }, spec: {} },
        networks: nets({ resourceName: NIC }),
        resourceSlices: [slice()],
      }),
      [undefined],
    ],
    [
      "another pod's claim and the kubelet's other claims are ignored",
      () => ({
        pod: directPod(),
        networks: nets({ resourceName: NIC }),
        resourceClaims: [extClaim()],
        dynamicResources: kubelet("someone-elses", "0000-08-00-3"),
        resourceSlices: [slice()],
      }),
      [undefined],
    ],
    [
      "a network of another resource gets none of the pod's devices",
      () => ({
        pod: extPod(),
        networks: nets({ resourceName: "intel.com/other" }),
        resourceClaims: [extClaim()],
        resourceSlices: [slice()],
      }),
      [undefined],
    ],
  ])("%s", (_name, input, expected) => {
    expect(ids(input())).toEqual(expected);
  });

  it("gives the device's claim, request, attributes and device-info (the SR-IOV DRA driver's vocabulary read)", () => {
    const { devices, warnings } = resolveDRANetworkDevices({
      pod: extPod(),
      networks: [{ resourceName: NIC }],
      resourceClaims: [extClaim()],
      resourceSlices: [slice()],
    });
    expect(warnings).toEqual([]);
    expect(devices[0]).toMatchObject({
      resourceName: NIC,
      via: "extendedResource",
      claimName: "sriov-ext-extended-resources-4sd7g",
      request: "container-0-request-0",
      driver: DRIVER,
      pool: "worker-1",
      device: "0000-08-00-3",
      deviceID: "0000:08:00.3",
      source: "resourceClaim",
      deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:08:00.3", "pf-pci-address": "0000:08:00.0" } },
    });
    expect(devices[0]?.podClaimName).toBeUndefined();
    expect(devices[0]?.attributes?.[`${DRIVER}/vfID`]).toEqual({ int: 1 });
  });

  it("the device ID falls back to the PCI address when the driver publishes no k8s.cni.cncf.io/deviceID", () => {
    const s = slice();
    for (const device of s.spec.devices ?? []) delete device.attributes?.["k8s.cni.cncf.io/deviceID"];
    const { devices } = resolveDRANetworkDevices({
      pod: extPod(),
      networks: [{ resourceName: NIC }],
      resourceClaims: [extClaim()],
      resourceSlices: [s],
    });
    expect(devices[0]?.deviceID).toBe("0000:08:00.3");
  });

  it("a device with neither a device ID nor a PCI address is found without one", () => {
    const claim = extClaim();
    const { devices } = resolveDRANetworkDevices({ pod: extPod(), networks: [{ resourceName: NIC }], resourceClaims: [claim] });
    expect(devices[0]).toMatchObject({ device: "0000-08-00-3", claimName: "sriov-ext-extended-resources-4sd7g" });
    expect(devices[0]?.deviceID).toBeUndefined();
  });
});

describe("resolveDRANetworkDevices: device metadata files as the source", () => {
  const tmp = useTempDir();

  it("reads the devices and their attributes from the driver's metadata files (no ResourceSlice, no claim)", async () => {
    const root = tmp.join("metadata");
    const attributes = slice().spec.devices?.find((d) => d.name === "0000-08-00-4")?.attributes ?? {};
    const metadata: DeviceMetadata = {
      apiVersion: "metadata.resource.k8s.io/v1beta1",
      kind: "DeviceMetadata",
      metadata: { name: "sriov-nics", namespace: "default", uid: "0b5c8a52-1f0e-4b7e-9b1a-6d2c4e8f0a13" },
      requests: [{ name: "net-b", devices: [{ driver: DRIVER, pool: "worker-1", name: "0000-08-00-4", attributes }] }],
    };
    await writeDeviceMetadata(path.join(root, "resourceclaims", "sriov-nics", "net-b", `${DRIVER}-metadata.json`), metadata);
    const read = await readResourceClaimMetadata("sriov-nics", "net-b", { root });
    expect(read).toBeDefined();
    const { devices } = resolveDRANetworkDevices({
      pod: directPod(),
      networks: [{ resourceName: NIC, request: "net-b" }],
      metadata: [read as DeviceMetadata],
    });
    expect(devices[0]).toMatchObject({
      request: "net-b",
      device: "0000-08-00-4",
      deviceID: "0000:08:00.4",
      source: "metadata",
      deviceInfo: { type: "pci", pci: { "pci-address": "0000:08:00.4", "pf-pci-address": "0000:08:00.0" } },
    });
  });
});

describe("resolveDRANetworkDevices: bad input", () => {
  const withStatus = (status: Record<string, unknown>): PodLike => ({ ...extPod(), status });
  it.each<[string, () => DRANetworkDevicesInput, string, string]>([
    [
      "requestMappings that is not a list",
      () => ({ pod: withStatus({ extendedResourceClaimStatus: { resourceClaimName: "c", requestMappings: "app" } }), networks: [] }),
      "ERR_DEVINFO_INVALID",
      "$['status']['extendedResourceClaimStatus']['requestMappings']",
    ],
    [
      "an extended-resource claim status without its claim name",
      () => ({ pod: withStatus({ extendedResourceClaimStatus: { requestMappings: [] } }), networks: [] }),
      "ERR_DEVINFO_INVALID",
      "$['status']['extendedResourceClaimStatus']['resourceClaimName']",
    ],
    [
      "a pod claim without a name",
      () => ({ pod: { spec: { resourceClaims: [{ resourceClaimName: "x" }] } } as unknown as PodLike, networks: [] }),
      "ERR_DEVINFO_INVALID",
      "$['spec']['resourceClaims'][0]['name']",
    ],
    [
      "an allocation result without its device",
      () => {
        const claim = extClaim();
        const results = claim.status?.allocation?.devices?.results ?? [];
        delete (results[1] as Record<string, unknown>).device;
        return { pod: extPod(), networks: [{ resourceName: NIC }], resourceClaims: [claim] };
      },
      "ERR_DEVINFO_INVALID",
      "$['status']['allocation']['devices']['results'][1]['device']",
    ],
    [
      "a slice whose pool generation is not an integer",
      () => {
        const s = slice();
        (s.spec.pool as Record<string, unknown>).generation = "2";
        return { pod: extPod(), networks: [], resourceSlices: [s] };
      },
      "ERR_DEVINFO_INVALID",
      "$['spec']['pool']['generation']",
    ],
    [
      "the kubelet lists a device the claim's allocation does not have",
      () => ({
        pod: extPod(),
        networks: [{ resourceName: NIC }],
        resourceClaims: [extClaim()],
        dynamicResources: kubelet("sriov-ext-extended-resources-4sd7g", "0000-08-02-4"),
      }),
      "ERR_DEVINFO_CONFLICT",
      "0000-08-02-4",
    ],
    [
      "device metadata puts a device under another request than the claim",
      () => ({
        pod: directPod(),
        networks: [{ resourceName: NIC }],
        resourceClaims: [directClaim()],
        metadata: [
          {
            apiVersion: "metadata.resource.k8s.io/v1beta1",
            kind: "DeviceMetadata",
            metadata: { name: "sriov-nics", namespace: "default" },
            requests: [{ name: "net-a", devices: [{ driver: DRIVER, pool: "worker-1", name: "0000-08-00-4" }] }],
          },
        ],
      }),
      "ERR_DEVINFO_CONFLICT",
      '"net-b"',
    ],
  ])("%s: %s", (_name, input, code, where) => {
    const err = caught(() => resolveDRANetworkDevices(input()));
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toContain(where);
  });

  it.each<[string, unknown]>([
    ["no input", undefined],
    ["a pod that is not an object", { pod: "sriov-ext", networks: [] }],
    ["networks that are not a list", { pod: {}, networks: { resourceName: NIC } }],
    ["a network's resourceName that is not a string", { pod: {}, networks: [{ resourceName: 1 }] }],
    ["resourceSlices that are not a list", { pod: {}, networks: [], resourceSlices: {} }],
  ])("API misuse: %s is a TypeError", (_name, input) => {
    let error: unknown;
    try {
      resolveDRANetworkDevices(input as DRANetworkDevicesInput);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
  });
});

describe("findDRAAttachmentDevice: one attachment's device and device-info", () => {
  const tmp = useTempDir();

  it("the second network of the resource gets the second VF, its device-info from the slice's attributes (no device plugin file)", async () => {
    const found = await findDRAAttachmentDevice(
      { pod: extPod(), resourceClaims: [extClaim()], resourceSlices: [slice()] },
      { resourceName: NIC, deviceIndex: 1 },
      { baseDir: tmp.join("devinfo") },
    );
    expect(found.device).toMatchObject({ device: "0000-08-02-2", deviceID: "0000:08:02.2" });
    expect(found.deviceInfo).toEqual({
      type: "pci",
      version: "1.1.0",
      pci: { "pci-address": "0000:08:02.2", "pf-pci-address": "0000:08:00.1" },
    });
    expect(found.warnings).toEqual([]);
  });

  it("a pod without claims and no kubelet allocations: no device, nothing read", async () => {
    const found = await findDRAAttachmentDevice(
      { pod: { spec: { resourceClaims: [] } } },
      { resourceName: NIC },
      { baseDir: tmp.join("devinfo") },
    );
    expect(found).toEqual({ warnings: [] });
  });

  it("a device without device ID or attributes (no slice, no metadata): found, with one warning that it has no device ID", async () => {
    const found = await findDRAAttachmentDevice(
      { pod: extPod(), resourceClaims: [extClaim()] },
      { resourceName: NIC },
      { baseDir: tmp.join("devinfo") },
    );
    expect(found.device?.device).toBe("0000-08-00-3");
    expect(found.deviceInfo).toBeUndefined();
    expect(found.warnings.map((w) => w.code)).toEqual(["ERR_DEVINFO_NOT_FOUND"]);
  });
});
