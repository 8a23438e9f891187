import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { findPodDevices, podDeviceInfo } from "../../src/dra.js";
import { REPO_ROOT } from "../helpers/run-node.js";

const FIXTURES = path.join(REPO_ROOT, "fixtures");
const METADATA = fs.readFileSync(path.join(FIXTURES, "dra", "metadata", "sriov-gen2-network.json"), "utf8");
const SRIOV_PCI = {
  type: "pci",
  version: "1.1.0",
  pci: { "pci-address": "0000:af:06.0", "pf-pci-address": "0000:af:00.0", "representor-device": "pf0vf0" },
};
const METADATA_PCI = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3", "pf-pci-address": "0000:af:00.0" } };
const VHOST = { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "server", path: "/var/run/kubevirt/vhost.sock" } };

let dir: string;
let options: { metadataRoot: string; annotationsPath: string; kubevirtNetworkInfoPath: string };
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "devinfo-dra-pod-"));
  options = {
    metadataRoot: path.join(dir, "dra-device-attributes"),
    annotationsPath: path.join(dir, "podnetinfo", "annotations"),
    kubevirtNetworkInfoPath: path.join(dir, "podinfo", "network-info"),
  };
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function mount(which: "metadata" | "annotations" | "kubevirt"): void {
  const put = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };
  if (which === "metadata")
    put(
      path.join(options.metadataRoot, "resourceclaimtemplates", "nic-claim", "nic", "sriovnetwork.k8snetworkplumbingwg.io-metadata.json"),
      METADATA,
    );
  if (which === "annotations")
    put(options.annotationsPath, fs.readFileSync(path.join(FIXTURES, "downward-api", "multus-sriov.annotations"), "utf8"));
  if (which === "kubevirt")
    put(options.kubevirtNetworkInfoPath, JSON.stringify({ interfaces: [{ network: "vhost-net", deviceInfo: VHOST }] }));
}

describe("findPodDevices / podDeviceInfo: the device of a network, interface or claim, from whichever source the pod has", () => {
  it("reads every source the pod has, metadata first", async () => {
    mount("metadata");
    mount("annotations");
    mount("kubevirt");
    const devices = await findPodDevices(undefined, options);
    expect(devices.map((d) => [d.source, d.interface ?? d.network])).toStrictEqual([
      ["device-metadata", "net1"],
      ["network-status", "eth0"],
      ["network-status", "net1"],
      ["kubevirt-network-info", "vhost-net"],
    ]);
    expect(devices[0]).toMatchObject({
      claim: "nic-claim",
      request: "nic",
      driver: "sriovnetwork.k8snetworkplumbingwg.io",
      pool: "node-1",
      device: "0000-af-06-3",
      resourceName: "intel.com/sriov",
      deviceID: "0000:af:06.3",
      deviceInfo: METADATA_PCI,
      networkData: { interfaceName: "net1" },
    });
  });

  it.each([
    ["a claim (metadata only)", { claim: "nic-claim" }, ["metadata"], METADATA_PCI],
    ["a request and driver", { request: "nic", driver: "sriovnetwork.k8snetworkplumbingwg.io" }, ["metadata", "annotations"], METADATA_PCI],
    ["an interface, from metadata when mounted", { interface: "net1" }, ["metadata", "annotations"], METADATA_PCI],
    ["an interface, from the annotation otherwise", { interface: "net1" }, ["annotations"], SRIOV_PCI],
    ["a network (namespace-less)", { network: "sriov-net1" }, ["metadata", "annotations"], SRIOV_PCI],
    ["a KubeVirt network", { network: "vhost-net" }, ["annotations", "kubevirt"], VHOST],
    ["an interface without device-info", { interface: "eth0" }, ["annotations"], undefined],
    ["a claim the pod does not have", { claim: "other" }, ["metadata", "annotations", "kubevirt"], undefined],
  ] as const)("%s", async (_, selector, mounted, expected) => {
    for (const source of mounted) mount(source);
    expect(await podDeviceInfo(selector, options)).toStrictEqual(expected);
  });

  it("has nothing when nothing is mounted, and skips a source given as false", async () => {
    expect(await findPodDevices({}, options)).toStrictEqual([]);
    mount("annotations");
    expect(await findPodDevices({}, { ...options, annotationsPath: false })).toStrictEqual([]);
  });

  it("reports a malformed source instead of skipping it", async () => {
    fs.mkdirSync(path.dirname(options.annotationsPath), { recursive: true });
    fs.writeFileSync(options.annotationsPath, 'k8s.v1.cni.cncf.io/network-status="[not json"');
    try {
      await findPodDevices({}, options);
      expect.unreachable();
    } catch (err) {
      expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_PARSE");
    }
  });

  it.each([
    ["selector", () => findPodDevices(null as never), "ERR_INVALID_ARG_TYPE"],
    ["selector.claim", () => findPodDevices({ claim: 1 as never }), "ERR_INVALID_ARG_TYPE"],
    ["options.metadataRoot", () => podDeviceInfo({}, { metadataRoot: true as never }), "ERR_INVALID_ARG_TYPE"],
    ["options.maxBytes", () => podDeviceInfo({}, { maxBytes: -5 }), "ERR_OUT_OF_RANGE"],
  ])("misuse of %s rejects with Node's convention", async (argument, call, code) => {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toContain(argument);
  });
});
