/**
 * resolveDRANetworkDevices and findDRAAttachmentDevice on incomplete,
 * stale or contradictory DRA data and misspelt arguments: what DRA lacked
 * is said (never blamed on the device plugin), stale or conflicting objects
 * are not used, unsafe device IDs never reach the chain.
 */

import { describe, expect, it } from "vitest";
import {
  type DeviceMetadata,
  type DRANetworkDevicesInput,
  findDRAAttachmentDevice,
  type PodLike,
  type ResourceClaimLike,
  type ResourceSliceLike,
  resolveDRANetworkDevices,
} from "../../src/dra.js";
import { caught } from "../helpers/caught.js";
import { DRIVER, directClaim, directPod, EXT_CLAIM, extClaim, extPod, NIC, slice, templatePod } from "./_network-fixtures.js";

type Mutable = Record<string, unknown>;

/** Device metadata of the extended-resource claim: one device of its request, with attributes. */
const extMetadata = (device: string, attributes: Mutable, meta: Mutable = { name: EXT_CLAIM, namespace: "default" }): DeviceMetadata => ({
  apiVersion: "metadata.resource.k8s.io/v1beta1",
  kind: "DeviceMetadata",
  metadata: meta,
  requests: [
    { name: "container-0-request-0", devices: [{ driver: DRIVER, pool: "worker-1", name: device, attributes: attributes as never }] },
  ],
});

/** The slice with device 0000-08-00-3's k8s.cni.cncf.io/deviceID set to `id`. */
const sliceWithID = (id: string): ResourceSliceLike => {
  const s = slice();
  const device = ((s.spec as Mutable).devices as { name: string; attributes: Mutable }[]).find((d) => d.name === "0000-08-00-3");
  (device as { attributes: Mutable }).attributes["k8s.cni.cncf.io/deviceID"] = { string: id };
  return s;
};

const codes = (input: DRANetworkDevicesInput) => resolveDRANetworkDevices(input).warnings.map((w) => w.code);

describe("what DRA lacked for a network is a warning naming it", () => {
  it.each<[string, (s: ResourceSliceLike) => void]>([
    [
      "no attributes at all",
      (s) => {
        for (const d of s.spec.devices ?? []) delete (d as { attributes?: unknown }).attributes;
      },
    ],
    [
      "no ResourceSlice devices",
      (s) => {
        (s.spec as { devices?: unknown }).devices = undefined;
      },
    ],
  ])("a device with no device ID (%s) is still the network's, with a not_found warning naming it", (_name, strip) => {
    const s = slice();
    strip(s);
    const result = resolveDRANetworkDevices({
      pod: extPod(),
      networks: [{ resourceName: NIC }],
      resourceClaims: [extClaim()],
      resourceSlices: [s],
    });
    expect(result.devices[0]?.claimName).toBe(EXT_CLAIM);
    expect(result.devices[0]?.deviceID).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).toEqual(["not_found"]);
    expect(result.warnings[0]?.message).toMatch(/has no k8s\.cni\.cncf\.io\/deviceID attribute and no PCI address/);
  });

  const unlisted = (statuses: unknown) => {
    const pod = templatePod();
    (pod.status as Mutable).resourceClaimStatuses = statuses;
    return pod;
  };
  it.each<[string, () => DRANetworkDevicesInput, RegExp]>([
    [
      "a template claim resourceClaimStatuses does not name yet (no statuses)",
      () => ({ pod: unlisted(undefined), networks: [{ resourceName: NIC }], resourceSlices: [slice()] }),
      /claim "nics" .*template.*does not name its ResourceClaim yet.*re-read the pod/,
    ],
    [
      "a template claim resourceClaimStatuses does not name yet (another claim listed)",
      () => ({ pod: unlisted([{ name: "other", resourceClaimName: "x" }]), networks: [{ resourceName: NIC }] }),
      /claim "nics" .*re-read the pod/,
    ],
    [
      "a network past the devices DRA allocated (networkIndex 2 of 2 devices)",
      () => ({
        pod: extPod(),
        networks: [{ resourceName: NIC }, { resourceName: NIC }, { resourceName: NIC }],
        resourceClaims: [extClaim()],
        resourceSlices: [slice()],
      }),
      /network 2 is number 2 .*"openshift.io\/intel_nic".*only 2 device\(s\)/,
    ],
    [
      "a network naming a claim the pod does not have",
      () => ({
        pod: directPod(),
        networks: [{ resourceName: NIC, claim: "nicz" }],
        resourceClaims: [directClaim()],
        resourceSlices: [slice()],
      }),
      /names claim "nicz", which is not one of the pod's claims \(nics\)/,
    ],
    [
      "a network naming a request no allocation has",
      () => ({
        pod: directPod(),
        networks: [{ resourceName: NIC, request: "net-c" }],
        resourceClaims: [directClaim()],
        resourceSlices: [slice()],
      }),
      /names request "net-c", which no allocation of the pod's claims has \(requests: net-a, net-b\)/,
    ],
    [
      "the extended-resource claim with no allocation source",
      () => ({ pod: extPod(), networks: [{ resourceName: NIC }], resourceSlices: [slice()] }),
      new RegExp(`extended-resource claim ${EXT_CLAIM}, and no source lists its allocation`),
    ],
  ])("%s", (_name, input, message) => {
    const result = resolveDRANetworkDevices(input());
    expect(result.devices.at(-1)).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).toContain("not_found");
    expect(result.warnings.map((w) => w.message).join("\n")).toMatch(message);
  });

  it.each<[string, () => DRANetworkDevicesInput]>([
    [
      "a status entry without resourceClaimName (no claim needed)",
      () => ({ pod: unlisted([{ name: "nics" }]), networks: [{ resourceName: NIC }] }),
    ],
    [
      "a resource DRA does not serve (the device plugin's)",
      () => ({ pod: extPod(), networks: [{ resourceName: "intel.com/sriov" }], resourceClaims: [extClaim()] }),
    ],
    [
      "every network served",
      () => ({
        pod: extPod(),
        networks: [{ resourceName: NIC }, { resourceName: NIC }],
        resourceClaims: [extClaim()],
        resourceSlices: [slice()],
      }),
    ],
  ])("no warning: %s", (_name, input) => {
    expect(codes(input())).toEqual([]);
  });

  it("findDRAAttachmentDevice passes them on as ERR_DEVINFO_NOT_FOUND, with `lacking` for the network's own", async () => {
    const pod = templatePod();
    delete (pod.status as Mutable).resourceClaimStatuses;
    const unlistedFound = await findDRAAttachmentDevice({ pod, resourceSlices: [slice()] }, { resourceName: NIC });
    expect(unlistedFound.warnings.map((w) => [w.code, /claim "nics".*re-read the pod/.test(w.message)])).toEqual([
      ["ERR_DEVINFO_NOT_FOUND", true],
    ]);
    const past = await findDRAAttachmentDevice(
      { pod: extPod(), resourceClaims: [extClaim()], resourceSlices: [slice()] },
      { resourceName: NIC, deviceIndex: 2 },
    );
    expect(past.device).toBeUndefined();
    expect(past.lacking?.map((w) => w.code)).toEqual(["ERR_DEVINFO_NOT_FOUND"]);
    expect(past.warnings[0]?.message).toMatch(/number 2 .*only 2 device\(s\)/);
    expect(past.warnings[0]?.message).not.toMatch(/kubelet allocated no device/);
  });
});

describe("stale, incomplete or contradictory DRA objects", () => {
  const claimWithUID = () => {
    const claim = extClaim();
    (claim.metadata as Mutable).uid = "uid-now";
    return claim;
  };
  const otherID = { "k8s.cni.cncf.io/deviceID": { string: "0000:99:00.0" }, "k8s.cni.cncf.io/resourceName": { string: NIC } };

  it.each<[string, Mutable, string, string[]]>([
    [
      "uid of an earlier claim: not used (warning), the claim's own device stays",
      { name: EXT_CLAIM, namespace: "default", uid: "uid-before" },
      "0000:08:00.3",
      ["stale"],
    ],
    ["the claim's uid: used", { name: EXT_CLAIM, namespace: "default", uid: "uid-now" }, "0000:99:00.0", []],
  ])("device metadata with the %s", (_name, meta, deviceID, warned) => {
    const result = resolveDRANetworkDevices({
      pod: extPod(),
      networks: [{ resourceName: NIC }],
      resourceClaims: [claimWithUID()],
      resourceSlices: [slice()],
      metadata: [extMetadata("0000-08-00-3", otherID, meta)],
    });
    expect(result.devices[0]?.deviceID).toBe(deviceID);
    expect(result.warnings.map((w) => w.code)).toEqual(warned);
    if (warned.length > 0) expect(result.warnings[0]?.message).toMatch(/uid-before.*uid-now.*stale/);
  });

  it.each<[string, () => DRANetworkDevicesInput, string, RegExp]>([
    [
      "device metadata without a namespace",
      () => ({ pod: extPod(), networks: [{ resourceName: NIC }], metadata: [extMetadata("0000-08-00-3", otherID, { name: EXT_CLAIM })] }),
      "ERR_DEVINFO_INVALID",
      /metadata.*namespace/,
    ],
    [
      "two device metadata objects giving one device different attributes",
      () => ({
        pod: extPod(),
        networks: [{ resourceName: NIC }],
        metadata: [
          extMetadata("0000-08-00-3", otherID),
          extMetadata("0000-08-00-3", { ...otherID, "k8s.cni.cncf.io/deviceID": { string: "0000:98:00.0" } }),
        ],
      }),
      "ERR_DEVINFO_CONFLICT",
      /device sriovnetwork.k8snetworkplumbingwg.io\/worker-1\/0000-08-00-3 of claim .* different attributes/,
    ],
    [
      "one device twice in a pool's newest slices with different attributes",
      () => {
        const a = slice();
        const b = sliceWithID("0000:08:00.7");
        (b.metadata as Mutable).name = "worker-1-b";
        return { pod: extPod(), networks: [{ resourceName: NIC }], resourceClaims: [extClaim()], resourceSlices: [a, b] };
      },
      "ERR_DEVINFO_CONFLICT",
      /pool sriovnetwork.k8snetworkplumbingwg.io\/worker-1 \(generation 2\) list device "0000-08-00-3" twice/,
    ],
    [
      "one requestName mapped to two resources",
      () => {
        const pod = extPod();
        pod.status?.extendedResourceClaimStatus?.requestMappings.push({
          containerName: "app",
          resourceName: "example.com/port2",
          requestName: "container-0-request-0",
        });
        return { pod, networks: [{ resourceName: NIC }], resourceClaims: [extClaim()] };
      },
      "ERR_DEVINFO_INVALID",
      /requestMappings\[1\] maps request "container-0-request-0" to resource "example.com\/port2", but an earlier entry maps it to "openshift.io\/intel_nic"/,
    ],
    [
      "one device under two requests of one claim",
      () => {
        const md = extMetadata("0000-08-00-3", otherID);
        (md.requests as { name: string }[])[0] = { ...(md.requests as object[])[0], name: "container-0-request-9" } as { name: string };
        return { pod: extPod(), networks: [{ resourceName: NIC }], resourceClaims: [extClaim()], metadata: [md] };
      },
      "ERR_DEVINFO_CONFLICT",
      /is allocated for request "container-0-request-0" according to the ResourceClaim's allocation, but for request "container-0-request-9" according to the device metadata/,
    ],
  ])("%s: %s", (_name, input, code, message) => {
    const err = caught(() => resolveDRANetworkDevices(input()));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it("the same device twice in a pool with the same attributes is one device", () => {
    const b = slice();
    (b.metadata as Mutable).name = "worker-1-b";
    expect(
      resolveDRANetworkDevices({
        pod: extPod(),
        networks: [{ resourceName: NIC }],
        resourceClaims: [extClaim()],
        resourceSlices: [slice(), b],
      }).devices[0]?.deviceID,
    ).toBe("0000:08:00.3");
  });
});

describe("device IDs from attributes pass the device plugin file name's rule, or the network gets no device", () => {
  // 0000-08-00-3 sorts first of the claim's two devices: network 0 takes it.
  it.each<[string, string, boolean]>([
    ["a NUL byte", "0000:08:00.3\0x", false],
    ["300 bytes", "a".repeat(300), false],
    ["an empty ID (no ID)", "", true],
    ["a slash path", "../../../etc/passwd", false],
    ["'..'", "..", false],
    ["'.'", ".", false],
    ["a backslash", "0000:08:00.3\\x", false],
    ["padding", " 0000:08:00.3 ", false],
    ["a tab inside", "0000:08\t00.3", false],
    ["a DEL character", "0000:08:00.3\u007f", false],
    ["a netdev name", "enp8s0f0v3", true],
    ["a PCI address", "0000:08:00.3", true],
    ["dots inside a name", "a..b", true],
  ])("%s", async (_name, id, accepted) => {
    const input = { pod: extPod(), networks: [{ resourceName: NIC }], resourceClaims: [extClaim()], resourceSlices: [sliceWithID(id)] };
    const result = resolveDRANetworkDevices(input);
    if (accepted) {
      expect(result.warnings.map((w) => w.code)).not.toContain("unsafe_device_id");
      return;
    }
    expect(result.devices[0]).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).toEqual(["unsafe_device_id"]);
    const found = await findDRAAttachmentDevice(
      { pod: extPod(), resourceClaims: [extClaim()], resourceSlices: [sliceWithID(id)] },
      { resourceName: NIC },
    );
    expect(found.device).toBeUndefined();
    expect(found.warnings.map((w) => w.code)).toEqual(["ERR_DEVINFO_UNSAFE_PATH"]);
  });
});

describe("misspelt keys of the DRA arguments are refused; the Kubernetes objects' own fields are data", () => {
  const misuse = (run: () => unknown) => {
    try {
      run();
    } catch (err) {
      return err as NodeJS.ErrnoException;
    }
    throw new Error("nothing thrown");
  };
  it.each<[string, () => unknown, string, string | undefined]>([
    [
      "resolveDRANetworkDevices({ slices })",
      () => resolveDRANetworkDevices({ pod: extPod(), networks: [], slices: [] } as unknown as DRANetworkDevicesInput),
      "input.slices",
      undefined,
    ],
    [
      "resolveDRANetworkDevices({ resourceClaim })",
      () => resolveDRANetworkDevices({ pod: extPod(), networks: [], resourceClaim: [] } as unknown as DRANetworkDevicesInput),
      "input.resourceClaim",
      "resourceClaims",
    ],
    [
      "networks[].clam",
      () =>
        resolveDRANetworkDevices({ pod: extPod(), networks: [{ resourceName: NIC, clam: "nics" }] } as unknown as DRANetworkDevicesInput),
      "input.networks[0].clam",
      "claim",
    ],
  ])("%s", (_name, run, key, like) => {
    const err = misuse(run);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe("ERR_INVALID_ARG_VALUE");
    expect(err.message).toContain(key);
    if (like === undefined) expect(err.message).toMatch(/is not a key of input; nothing was read or written/);
    else expect(err.message).toContain(`did you mean '${like}'?`);
  });

  it.each<[string, Mutable, Mutable, string, string]>([
    ["dra.resourceSlice", { pod: extPod(), resourceSlice: [slice()] }, { resourceName: NIC }, "dra.resourceSlice", "resourceSlices"],
    [
      "dra.networks[].clam",
      { pod: extPod(), networks: [{ resourceName: NIC, clam: "x" }], networkIndex: 0 },
      { resourceName: NIC },
      "dra.networks[0].clam",
      "claim",
    ],
    [
      "network.devceIndex (would give the wrong device)",
      { pod: extPod(), resourceClaims: [extClaim()] },
      { resourceName: NIC, devceIndex: 1 },
      "network.devceIndex",
      "deviceIndex",
    ],
  ])("findDRAAttachmentDevice: %s", async (_name, dra, network, key, like) => {
    const run = findDRAAttachmentDevice(dra as never, network as never);
    await expect(run).rejects.toBeInstanceOf(TypeError);
    await expect(run).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining(`${key}`) });
    await expect(run).rejects.toMatchObject({ message: expect.stringContaining(`did you mean '${like}'?`) });
  });

  it("unknown fields of the pod, claims and slices are read past", () => {
    const pod = { ...extPod(), futureField: 1 } as PodLike;
    const claim = { ...extClaim(), futureField: 1 } as ResourceClaimLike;
    const s = { ...slice(), futureField: 1 } as ResourceSliceLike;
    expect(
      resolveDRANetworkDevices({ pod, networks: [{ resourceName: NIC }], resourceClaims: [claim], resourceSlices: [s] }).devices[0]
        ?.deviceID,
    ).toBe("0000:08:00.3");
  });
});
