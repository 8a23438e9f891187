import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { canonicalInterfaceAddress, type DraWarning, networkStatusFromResourceClaim, resourceClaimDeviceStatus } from "../../src/dra.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { createNetworkStatuses, deviceInfoFor, parseDeviceInfo } from "../../src/index.js";
import type { CNIResult } from "../../src/status/cni-result.js";
import { GO_REFERENCE_DIR } from "../helpers/fixtures.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { validateDeviceStatuses } from "./k8s-api.js";

const RESULTS_DIR = path.join(REPO_ROOT, "fixtures", "cni-results");
const PCI_INFO = JSON.parse(fs.readFileSync(path.join(GO_REFERENCE_DIR, "netstatus-from-cni", "devinfo-pci.json"), "utf8")) as DeviceInfo;
const results = fs
  .readdirSync(RESULTS_DIR)
  .filter((f) => /^[a-z0-9-]+\.json$/.test(f) && !f.endsWith(".conflist.json") && !f.includes("stdin"))
  .map((f) => ({ name: f.slice(0, -5), result: JSON.parse(fs.readFileSync(path.join(RESULTS_DIR, f), "utf8")) as CNIResult }));

/** Results of the versions the recorded fixtures do not cover, in the shapes each version has. */
const SYNTHETIC: { name: string; result: CNIResult }[] = [
  { name: "0.1.0", result: { cniVersion: "0.1.0", ip4: { ip: "10.1.0.5/16", gateway: "10.1.0.1" }, ip6: { ip: "2001:db8::5/64" } } },
  { name: "0.2.0", result: { cniVersion: "0.2.0", ip4: { ip: "10.2.0.5/16" } } },
  {
    name: "0.4.0",
    result: {
      cniVersion: "0.4.0",
      interfaces: [{ name: "net1", mac: "02:00:00:00:04:00", sandbox: "/var/run/netns/x" }],
      ips: [{ version: "4", interface: 0, address: "10.4.0.5/24" }],
    },
  },
  {
    name: "1.1.0",
    result: {
      cniVersion: "1.1.0",
      interfaces: [{ name: "net1", mac: "02:00:00:00:11:00", sandbox: "/var/run/netns/x", pciID: "0000:af:06.0", mtu: 9000 }],
      ips: [
        { interface: 0, address: "10.11.0.5/24" },
        { interface: 0, address: "2001:db8:0:0::5/64" },
      ],
    },
  },
];
const DEVICE = { driver: "sriov.example.com", pool: "node-1", device: "vf-3" };

/** What the annotation path gives for these network-status fields, which networkData and data carry. */
function visible(entries: readonly Record<string, unknown>[]) {
  return entries.map((e) => ({ interface: e.interface, ips: e.ips, mac: e.mac, "device-info": e["device-info"] }));
}

describe("CNI result → ResourceClaim device status → network-status, against the annotation path", () => {
  it.each([...results, ...SYNTHETIC])("$name", ({ result }) => {
    for (const info of [undefined, PCI_INFO]) {
      // the annotation path: what Multus writes for the attachment
      const annotation = createNetworkStatuses(result, "default/claim-1", false, info, { keepWithoutSandbox: true });
      // the DRA path: one status per pod interface, the claim's status, read back
      const statuses = annotation.map((entry, i) =>
        resourceClaimDeviceStatus({ ...DEVICE, device: `vf-${i}` }, { cniResult: result, interface: entry.interface, deviceInfo: info }),
      );
      validateDeviceStatuses(statuses);
      const back = networkStatusFromResourceClaim({ metadata: { name: "claim-1", namespace: "default" }, status: { devices: statuses } });
      const expected = visible(annotation).filter(
        (e) => e.interface !== undefined || e.ips !== undefined || e["device-info"] !== undefined,
      );
      // the DRA path derives device-info from the CNI 1.1 pciID when none is given, as deviceInfoFromCNIResult does
      const derived =
        info === undefined && result.cniVersion === "1.1.0"
          ? { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } }
          : undefined;
      expect(visible(back)).toStrictEqual(expected.map((e) => ({ ...e, "device-info": e["device-info"] ?? derived })));
      for (const entry of back) expect(entry.name).toBe("default/claim-1");
    }
  });
});

describe("resourceClaimDeviceStatus", () => {
  const bridge = results.find((r) => r.name === "bridge-hostlocal")?.result as CNIResult;

  it("describes the pod interface with its addresses in CIDR form, MAC and device-info, in the API's field order", () => {
    const status = resourceClaimDeviceStatus(DEVICE, { cniResult: bridge, deviceInfo: PCI_INFO });
    expect(status).toStrictEqual({
      ...DEVICE,
      data: parseDeviceInfo(PCI_INFO),
      networkData: { interfaceName: "net1", ips: ["10.250.0.2/24", "fd00:250::2/64"], hardwareAddress: "fa:18:2b:7e:fc:c0" },
    });
    expect(Object.keys(status)).toStrictEqual(["driver", "pool", "device", "data", "networkData"]);
    validateDeviceStatuses([status]);
  });

  it("takes the CNI result as text too, and an interface by name", () => {
    const status = resourceClaimDeviceStatus(DEVICE, { cniResult: JSON.stringify(bridge), interface: "net1" });
    expect(status.networkData?.interfaceName).toBe("net1");
  });

  it("writes addresses in the canonical form the API requires", () => {
    const result = {
      cniVersion: "1.0.0",
      interfaces: [{ name: "net1", sandbox: "/x" }],
      ips: [
        { interface: 0, address: "2001:0DB8:0000::0005/064" },
        { interface: 0, address: "10.0.0.7/024" },
      ],
    };
    const status = resourceClaimDeviceStatus(DEVICE, { cniResult: result });
    expect(status.networkData?.ips).toStrictEqual(["2001:db8::5/64", "10.0.0.7/24"]);
    validateDeviceStatuses([status]);
  });

  it.each([
    [16, 16, false],
    [17, 16, true],
  ])("%i addresses: %i kept, the rest reported", (count, kept, warned) => {
    const ips = Array.from({ length: count }, (_, i) => ({ interface: 0, address: `10.0.${i}.1/24` }));
    const warnings: DraWarning[] = [];
    const status = resourceClaimDeviceStatus(
      DEVICE,
      { cniResult: { cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: "/x" }], ips } },
      { onWarning: (w) => warnings.push(w) },
    );
    expect(status.networkData?.ips).toHaveLength(kept);
    expect(status.networkData?.ips).toStrictEqual(ips.slice(0, 16).map((ip) => ip.address));
    expect(warnings.map((w) => w.code)).toStrictEqual(warned ? ["too_many_ips"] : []);
    validateDeviceStatuses([status]);
  });

  it.each([
    ["an interface name of 256 bytes", { interface: "i".repeat(256) }, "interfaceName", true],
    ["an interface name of 257 bytes", { interface: "i".repeat(257) }, "interfaceName", false],
    ["an interface name of 256 bytes in 128 characters", { interface: "é".repeat(128) }, "interfaceName", true],
    ["an interface name of 258 bytes in 129 characters", { interface: "é".repeat(129) }, "interfaceName", false],
    ["a hardware address of 128 bytes", { networkStatus: { name: "n", mac: "a".repeat(128) } }, "hardwareAddress", true],
    ["a hardware address of 129 bytes", { networkStatus: { name: "n", mac: "a".repeat(129) } }, "hardwareAddress", false],
  ])("%s", (_, source, field, fits) => {
    const warnings: DraWarning[] = [];
    const status = resourceClaimDeviceStatus(DEVICE, source, { onWarning: (w) => warnings.push(w) });
    expect(status.networkData?.[field] !== undefined).toBe(fits);
    expect(warnings).toStrictEqual(fits ? [] : [expect.objectContaining({ code: "value_too_long", attribute: `networkData.${field}` })]);
    validateDeviceStatuses([status]);
  });

  it("keeps data within 10 KiB: at the edge it is there, past it it is reported", () => {
    const sized = (bytes: number) => {
      const base = { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: "" } };
      const overhead = JSON.stringify(base).length;
      return { ...base, "vhost-user": { mode: "client", path: `/${"p".repeat(bytes - overhead - 1)}` } } as DeviceInfo;
    };
    const warnings: DraWarning[] = [];
    const at = resourceClaimDeviceStatus(DEVICE, { deviceInfo: sized(10 * 1024) }, { onWarning: (w) => warnings.push(w) });
    expect(Buffer.byteLength(JSON.stringify(at.data))).toBe(10 * 1024);
    validateDeviceStatuses([at]);
    const past = resourceClaimDeviceStatus(DEVICE, { deviceInfo: sized(10 * 1024 + 1) }, { onWarning: (w) => warnings.push(w) });
    expect(past.data).toBeUndefined();
    expect(warnings.map((w) => w.code)).toStrictEqual(["data_too_large"]);
  });

  it("adds a Ready condition when asked, which the API accepts", () => {
    const now = new Date("2026-03-01T10:20:30.456Z");
    const status = resourceClaimDeviceStatus(DEVICE, { cniResult: bridge }, { ready: { lastTransitionTime: now, observedGeneration: 2 } });
    expect(status.conditions).toStrictEqual([
      {
        type: "Ready",
        status: "True",
        observedGeneration: 2,
        lastTransitionTime: "2026-03-01T10:20:30Z",
        reason: "NetworkConfigured",
        message: "",
      },
    ]);
    validateDeviceStatuses([status]);
    const failed = resourceClaimDeviceStatus(DEVICE, {}, { ready: { status: "False", reason: "CNIAddFailed", message: "no VF left" } });
    expect(failed.conditions?.[0]).toMatchObject({ status: "False", reason: "CNIAddFailed", message: "no VF left" });
    expect(resourceClaimDeviceStatus(DEVICE, {}, { ready: true }).conditions?.[0]?.lastTransitionTime).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(resourceClaimDeviceStatus({ ...DEVICE, shareID: "0b7a1c2e-3f4d-4e5f-8a9b-0c1d2e3f4a5b" }, {})).toStrictEqual({
      ...DEVICE,
      shareID: "0b7a1c2e-3f4d-4e5f-8a9b-0c1d2e3f4a5b",
    });
  });

  it("uses a network-status entry for the interface, MAC and device-info, and says why its IPs cannot be used", () => {
    const warnings: DraWarning[] = [];
    const status = resourceClaimDeviceStatus(
      DEVICE,
      { networkStatus: { name: "default/sriov", interface: "net1", ips: ["10.1.1.2"], mac: "02:00:00:00:00:01", "device-info": PCI_INFO } },
      { onWarning: (w) => warnings.push(w) },
    );
    expect(status).toStrictEqual({
      ...DEVICE,
      data: parseDeviceInfo(PCI_INFO),
      networkData: { interfaceName: "net1", hardwareAddress: "02:00:00:00:00:01" },
    });
    expect(warnings.map((w) => [w.code, w.attribute])).toStrictEqual([["invalid_ip", "networkData.ips"]]);
  });

  it("reports an interface the CNI result does not have", () => {
    const warnings: DraWarning[] = [];
    const status = resourceClaimDeviceStatus(DEVICE, { cniResult: bridge, interface: "net7" }, { onWarning: (w) => warnings.push(w) });
    expect(status.networkData).toStrictEqual({ interfaceName: "net7" });
    expect(warnings.map((w) => w.code)).toStrictEqual(["no_interface"]);
  });

  it("refuses a CNI result Go refuses, with the library's errors", () => {
    for (const [cniResult, code] of [
      ["{not json", "ERR_DEVINFO_PARSE"],
      [{ cniVersion: "9.9.9" }, "ERR_DEVINFO_INVALID"],
      [{ cniVersion: "1.0.0", ips: [{ address: "10.0.0.300/24" }] }, "ERR_DEVINFO_INVALID"],
    ] as const) {
      try {
        resourceClaimDeviceStatus(DEVICE, { cniResult: cniResult as CNIResult });
        expect.unreachable();
      } catch (err) {
        expect(isDeviceInfoError(err) && err.code).toBe(code);
      }
    }
  });

  it.each([
    ["device", () => resourceClaimDeviceStatus(null as never, {}), "ERR_INVALID_ARG_TYPE"],
    ["device.pool", () => resourceClaimDeviceStatus({ driver: "d", pool: 5, device: "x" } as never, {}), "ERR_INVALID_ARG_TYPE"],
    ["device.device", () => resourceClaimDeviceStatus({ driver: "d", pool: "p", device: "" }, {}), "ERR_INVALID_ARG_VALUE"],
    ["source", () => resourceClaimDeviceStatus(DEVICE, undefined as never), "ERR_INVALID_ARG_TYPE"],
    ["source.interface", () => resourceClaimDeviceStatus(DEVICE, { interface: 1 as never }), "ERR_INVALID_ARG_TYPE"],
    ["options", () => resourceClaimDeviceStatus(DEVICE, {}, null as never), "ERR_INVALID_ARG_TYPE"],
    ["options.onWarning", () => resourceClaimDeviceStatus(DEVICE, {}, { onWarning: "x" as never }), "ERR_INVALID_ARG_TYPE"],
    ["options.ready.reason", () => resourceClaimDeviceStatus(DEVICE, {}, { ready: { reason: "not camel" } }), "ERR_INVALID_ARG_VALUE"],
    ["options.ready.status", () => resourceClaimDeviceStatus(DEVICE, {}, { ready: { status: "Yes" as never } }), "ERR_INVALID_ARG_VALUE"],
    [
      "options.ready.lastTransitionTime",
      () => resourceClaimDeviceStatus(DEVICE, {}, { ready: { lastTransitionTime: "soon" } }),
      "ERR_INVALID_ARG_VALUE",
    ],
    ["claim", () => networkStatusFromResourceClaim("claim" as never), "ERR_INVALID_ARG_TYPE"],
    ["text", () => canonicalInterfaceAddress(5 as never), "ERR_INVALID_ARG_TYPE"],
  ])("misuse of %s follows Node's convention", (argument, call, code) => {
    let caught: unknown;
    try {
      call();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect(caught).toMatchObject({ code });
    expect((caught as Error).message).toContain(argument);
  });
});

describe("networkStatusFromResourceClaim", () => {
  const claim = {
    apiVersion: "resource.k8s.io/v1",
    kind: "ResourceClaim",
    metadata: { name: "pod-1-net", namespace: "tenant-a" },
    status: {
      devices: [
        { driver: "gpu.example.com", pool: "n1", device: "gpu-0", data: { model: "X100" } },
        {
          driver: "sriov.example.com",
          pool: "n1",
          device: "vf-3",
          data: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3" } },
          networkData: { interfaceName: "net1", ips: ["10.1.1.2/24", "2001:db8::2/64"], hardwareAddress: "02:00:00:00:00:03" },
        },
        {
          driver: "vhost.example.com",
          pool: "n1",
          device: "sock-0",
          data: { type: "vhost-user", "vhost-user": { mode: "client", path: "/s" } },
        },
      ],
    },
  };

  it("gives the entries a workload would read from the annotation, so the workload helpers apply", () => {
    const statuses = networkStatusFromResourceClaim(claim);
    expect(statuses).toStrictEqual([
      {
        name: "tenant-a/pod-1-net",
        interface: "net1",
        ips: ["10.1.1.2", "2001:db8::2"],
        mac: "02:00:00:00:00:03",
        dns: {},
        "device-info": { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3" } },
      },
      { name: "tenant-a/pod-1-net", dns: {}, "device-info": { type: "vhost-user", "vhost-user": { mode: "client", path: "/s" } } },
    ]);
    expect(deviceInfoFor(statuses, { interface: "net1" })).toMatchObject({ pci: { "pci-address": "0000:af:06.3" } });
    expect(networkStatusFromResourceClaim(claim, { driver: "vhost.example.com" })).toHaveLength(1);
  });

  it("has nothing for a claim without status, and refuses a malformed one", () => {
    expect(networkStatusFromResourceClaim({ metadata: { name: "c" } })).toStrictEqual([]);
    expect(networkStatusFromResourceClaim({ status: { devices: null } })).toStrictEqual([]);
    for (const devices of ["x", [1]]) {
      try {
        networkStatusFromResourceClaim({ status: { devices } } as never);
        expect.unreachable();
      } catch (err) {
        expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
      }
    }
  });
});
