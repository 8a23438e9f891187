import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DeviceInfoError, isDeviceInfoError } from "../../src/base/errors.js";
import {
  DEVICE_METADATA_API_VERSIONS,
  DEVICE_METADATA_ROOT,
  type DeviceMetadata,
  type DeviceMetadataDevice,
  decodeDeviceMetadataStream,
  deviceInfoFromDeviceMetadata,
  findDeviceMetadata,
  findPodDevices,
  LEGACY_DEVICE_METADATA_ROOT,
  mergeDeviceMetadata,
  networkStatusFromDeviceMetadata,
  networkStatusFromResourceClaim,
  readDeviceMetadata,
  readResourceClaimMetadata,
  readResourceClaimTemplateMetadata,
  resourceClaimDeviceStatus,
  waitForDeviceMetadata,
} from "../../src/dra.js";
import { deviceInfoFor, getDPDeviceInfoPath } from "../../src/index.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { validateDeviceAttributes, validateOpenAPI } from "./k8s-api.js";

const FIXTURES = path.join(REPO_ROOT, "fixtures", "dra", "metadata");
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), "utf8");
const FILE = "sriovnetwork.k8snetworkplumbingwg.io-metadata.json";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "devinfo-dra-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

async function failure(promise: Promise<unknown>): Promise<DeviceInfoError> {
  try {
    await promise;
  } catch (err) {
    if (isDeviceInfoError(err)) return err;
    throw err;
  }
  throw new Error("no error");
}

/**
 * The kubelet's atomic writer layout: `..<timestamp>/` holds the files,
 * `..data` points at it, each visible file is a symlink into `..data/`. An
 * update writes a new `..<timestamp>/` and renames a new `..data` link over
 * the old one, so a reader sees the old or the new file, never a mix.
 */
function projectAtomically(requestDir: string, files: Record<string, string>, stamp: string): void {
  const target = path.join(requestDir, `..${stamp}`);
  fs.mkdirSync(target, { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(target, name), text);
  fs.symlinkSync(`..${stamp}`, path.join(requestDir, "..data_tmp"));
  fs.renameSync(path.join(requestDir, "..data_tmp"), path.join(requestDir, "..data"));
  for (const name of Object.keys(files)) {
    const link = path.join(requestDir, name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join("..data", name), link);
  }
}

describe("readDeviceMetadata", () => {
  it("reads what the Go writer writes, in the API's own shape", async () => {
    const metadata = await readDeviceMetadata(path.join(FIXTURES, "sriov-gen2-network.json"));
    expect(metadata?.apiVersion).toBe("metadata.resource.k8s.io/v1alpha1");
    expect(metadata?.kind).toBe("DeviceMetadata");
    expect(metadata?.metadata).toStrictEqual({
      name: "pod-1-nic",
      namespace: "tenant-a",
      uid: "5f0c6a1e-9d2b-4c1e-8f3a-2b7d9e4c1a00",
      generation: 2,
      creationTimestamp: null,
    });
    expect(metadata?.podClaimName).toBeUndefined();
    const device = metadata?.requests?.[0]?.devices?.[0];
    expect(metadata?.requests?.[0]?.name).toBe("nic");
    expect(device?.networkData).toStrictEqual({
      interfaceName: "net1",
      ips: ["10.56.217.10/24", "2001:db8:56::a/64"],
      hardwareAddress: "9a:4e:1b:22:0c:3d",
    });
    // the API's own schemas accept what was read
    validateDeviceAttributes(device?.attributes ?? {});
    validateOpenAPI("io.k8s.api.resource.v1.NetworkDeviceData", device?.networkData);
    expect((await readDeviceMetadata(path.join(FIXTURES, "template-claim.json")))?.podClaimName).toBe("nic-claim");
  });

  it.each([
    ["a newer version first (pretty)", "newer-version-first.json"],
    ["a newer version first (compact, one per line)", "compact-stream.json"],
  ])("takes the first version it understands: %s", async (_, name) => {
    const metadata = await readDeviceMetadata(path.join(FIXTURES, name));
    expect(metadata?.apiVersion).toBe("metadata.resource.k8s.io/v1alpha1");
    expect(metadata?.requests?.[0]?.devices?.[0]?.name).toBe("0000-af-06-3");
  });

  it.each(["", "\n", "  \n\t"])("reads an empty file (%j) as not filled yet", async (text) => {
    expect(await readDeviceMetadata(write("m.json", text))).toBeUndefined();
  });

  const valid = fixture("sriov-gen1.json");
  const unknown = '{"apiVersion":"metadata.k8s.io/v99","kind":"DeviceMetadata","metadata":{"name":"test"}}\n';
  it.each([
    ["only unknown versions", fixture("only-unknown-versions.json"), "ERR_DEVINFO_INVALID", "unsupported_version"],
    ["not JSON", "{not-json", "ERR_DEVINFO_PARSE", undefined],
    ["a truncated object", '{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMeta', "ERR_DEVINFO_PARSE", undefined],
    ["a byte order mark", `\ufeff${valid}`, "ERR_DEVINFO_PARSE", undefined],
    ["no kind", '{"apiVersion":"metadata.resource.k8s.io/v1alpha1","metadata":{"name":"test"}}', "ERR_DEVINFO_INVALID", "missing_field"],
    ["no kind, unknown version", '{"apiVersion":"metadata.k8s.io/v99","metadata":{}}', "ERR_DEVINFO_INVALID", "missing_field"],
    ["no apiVersion", '{"kind":"DeviceMetadata","metadata":{"name":"test"}}', "ERR_DEVINFO_INVALID", "missing_field"],
    ["another kind", '{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"Pod"}', "ERR_DEVINFO_INVALID", "unknown_type"],
    [
      "a malformed known version",
      '{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMetadata","requests":"x"}',
      "ERR_DEVINFO_INVALID",
      "wrong_type",
    ],
    [
      "an unknown version before a malformed one",
      `${unknown}{"apiVersion":"metadata.resource.k8s.io/v1alpha1","metadata":{}}`,
      "ERR_DEVINFO_INVALID",
      "missing_field",
    ],
    ["an attribute value of the wrong type", valid.replace('"int": 8', '"int": "8"'), "ERR_DEVINFO_INVALID", "wrong_type"],
    ["not an object", "[]", "ERR_DEVINFO_INVALID", "not_object"],
  ])("refuses %s, as Go's decoder does", async (_, text, code, issue) => {
    const err = await failure(readDeviceMetadata(write("m.json", text)));
    expect(err.code).toBe(code);
    expect(err.path).toBe(path.join(dir, "m.json"));
    if (issue !== undefined) expect(err.issues.map((i) => i.code)).toContain(issue);
  });

  it.each([
    [
      "a malformed v1beta1 object",
      '{"apiVersion":"metadata.resource.k8s.io/v1beta1","kind":"DeviceMetadata","metadata":{"generation":"1"}}',
    ],
    ["a v1beta1 object without kind", '{"apiVersion":"metadata.resource.k8s.io/v1beta1","metadata":{}}'],
    ["a malformed v1alpha1 object", '{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMetadata","requests":"x"}'],
    ["an object that is not one", "[]"],
  ])("skips %s and reads the next object, as Go's DecodeMetadataFromStream does", async (_, bad) => {
    const metadata = await readDeviceMetadata(write("m.json", `${bad}\n${valid}`));
    expect(metadata?.apiVersion).toBe("metadata.resource.k8s.io/v1alpha1");
    expect(metadata?.metadata.generation).toBe(1);
  });

  it("skips unknown versions, and reads nothing after the first it understands (as Go stops there)", async () => {
    expect((await readDeviceMetadata(write("a.json", `${unknown}${valid}`)))?.metadata.generation).toBe(1);
    expect((await readDeviceMetadata(write("b.json", `${valid}{broken`)))?.metadata.generation).toBe(1);
  });

  it("keeps keys it does not know, drops null fields as Go does", () => {
    const metadata = decodeDeviceMetadataStream(
      '{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMetadata","podClaimName":null,"future":{"x":1},"requests":[{"name":"r","devices":[{"driver":"d","pool":"p","name":"n","networkData":null,"health":"ok"}]}]}',
    ) as DeviceMetadata;
    expect(metadata).toStrictEqual({
      apiVersion: "metadata.resource.k8s.io/v1alpha1",
      kind: "DeviceMetadata",
      metadata: {},
      requests: [{ name: "r", devices: [{ driver: "d", pool: "p", name: "n", health: "ok" }] }],
      future: { x: 1 },
    });
  });

  it("is careful with what it opens: no file, a directory, a FIFO, a file over the cap", async () => {
    expect((await failure(readDeviceMetadata(path.join(dir, "none.json")))).code).toBe("ERR_DEVINFO_NOT_FOUND");
    fs.mkdirSync(path.join(dir, "d.json"));
    expect((await failure(readDeviceMetadata(path.join(dir, "d.json")))).code).toBe("ERR_DEVINFO_UNSAFE_PATH");
    execFileSync("mkfifo", [path.join(dir, "fifo.json")]);
    expect((await failure(readDeviceMetadata(path.join(dir, "fifo.json")))).code).toBe("ERR_DEVINFO_UNSAFE_PATH");
    const big = write("big.json", valid);
    expect((await failure(readDeviceMetadata(big, { maxBytes: valid.length - 1 }))).code).toBe("ERR_DEVINFO_TOO_LARGE");
    expect(await readDeviceMetadata(big, { maxBytes: Buffer.byteLength(valid) })).toBeDefined();
  });

  it("reads through the kubelet's ..data symlinks, and sees each atomic update whole", async () => {
    const requestDir = path.join(dir, "resourceclaims", "pod-1-nic", "nic");
    fs.mkdirSync(requestDir, { recursive: true });
    projectAtomically(requestDir, { [FILE]: fixture("sriov-gen1.json") }, "2026_03_01_10_00_00.1");
    const file = path.join(requestDir, FILE);
    expect((await readDeviceMetadata(file))?.metadata.generation).toBe(1);
    projectAtomically(requestDir, { [FILE]: fixture("sriov-gen2-network.json") }, "2026_03_01_10_00_05.2");
    const metadata = await readDeviceMetadata(file);
    expect(metadata?.metadata.generation).toBe(2);
    expect(metadata?.requests?.[0]?.devices?.[0]?.networkData?.interfaceName).toBe("net1");
    // listed once, not again through ..data or the timestamped directories
    expect(findDeviceMetadata({ root: dir }).map((f) => f.path)).toStrictEqual([file]);
  });

  it.each([
    ["path", () => readDeviceMetadata(5 as never), "ERR_INVALID_ARG_TYPE"],
    ["options", () => readDeviceMetadata("/x", null as never), "ERR_INVALID_ARG_TYPE"],
    ["options.maxBytes", () => readDeviceMetadata("/x", { maxBytes: -1 }), "ERR_OUT_OF_RANGE"],
    ["options.timeoutMs", () => waitForDeviceMetadata("/x", {} as never), "ERR_INVALID_ARG_TYPE"],
    ["options", () => waitForDeviceMetadata("/x", undefined as never), "ERR_INVALID_ARG_TYPE"],
    ["options.afterGeneration", () => waitForDeviceMetadata("/x", { timeoutMs: 1, afterGeneration: 1.5 }), "ERR_OUT_OF_RANGE"],
    ["options.signal", () => waitForDeviceMetadata("/x", { timeoutMs: 1, signal: {} as never }), "ERR_INVALID_ARG_TYPE"],
    ["text", async () => decodeDeviceMetadataStream(5 as never), "ERR_INVALID_ARG_TYPE"],
    ["file", async () => decodeDeviceMetadataStream("", 5 as never), "ERR_INVALID_ARG_TYPE"],
    ["metadata", async () => networkStatusFromDeviceMetadata(null as never), "ERR_INVALID_ARG_TYPE"],
    ["device", async () => deviceInfoFromDeviceMetadata(null as never), "ERR_INVALID_ARG_TYPE"],
    ["options.root", async () => findDeviceMetadata({ root: 1 as never }), "ERR_INVALID_ARG_TYPE"],
  ])("misuse of %s rejects with Node's convention", async (argument, call, code) => {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code });
    expect((err as Error).message).toContain(argument);
  });
});

describe("waitForDeviceMetadata", () => {
  it("waits for a file mounted empty to be filled", async () => {
    const file = write("m.json", "");
    setTimeout(() => fs.writeFileSync(file, fixture("sriov-gen1.json")), 150);
    const metadata = await waitForDeviceMetadata(file, { timeoutMs: 10_000, intervalMs: 20 });
    expect(metadata.metadata.generation).toBe(1);
  });

  it("waits for a file that does not exist yet", async () => {
    const file = path.join(dir, "later.json");
    setTimeout(() => fs.writeFileSync(file, fixture("sriov-gen1.json")), 100);
    expect((await waitForDeviceMetadata(file, { timeoutMs: 10_000, intervalMs: 20 })).metadata.generation).toBe(1);
  });

  it("waits for a newer generation: the network data arrives in an update", async () => {
    const file = write("m.json", fixture("sriov-gen1.json"));
    const first = await waitForDeviceMetadata(file, { timeoutMs: 1000 });
    setTimeout(() => fs.writeFileSync(file, fixture("sriov-gen2-network.json")), 150);
    const updated = await waitForDeviceMetadata(file, { timeoutMs: 10_000, intervalMs: 20, afterGeneration: first.metadata.generation });
    expect(updated.metadata.generation).toBe(2);
    expect(updated.requests?.[0]?.devices?.[0]?.networkData?.ips).toHaveLength(2);
  });

  it("reads a torn write again (the Go writer rewrites in place), and reports one that stays broken", async () => {
    const full = fixture("sriov-gen2-network.json");
    const file = write("m.json", full.slice(0, 200));
    setTimeout(() => fs.writeFileSync(file, full), 60);
    expect((await waitForDeviceMetadata(file, { timeoutMs: 10_000, intervalMs: 100 })).metadata.generation).toBe(2);
    const broken = write("broken.json", "{broken");
    expect((await failure(waitForDeviceMetadata(broken, { timeoutMs: 10_000, intervalMs: 10 }))).code).toBe("ERR_DEVINFO_PARSE");
  });

  it("times out with what was missing, and stops when aborted", async () => {
    const file = write("m.json", fixture("sriov-gen1.json"));
    const err = await failure(waitForDeviceMetadata(file, { timeoutMs: 80, intervalMs: 20, afterGeneration: 1 }));
    expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(err.message).toContain("generation is 1");
    const empty = await failure(waitForDeviceMetadata(write("e.json", ""), { timeoutMs: 50, intervalMs: 20 }));
    expect(empty.message).toContain("empty");
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 50);
    await expect(waitForDeviceMetadata(path.join(dir, "none.json"), { timeoutMs: 10_000, signal: controller.signal })).rejects.toThrow(
      "stop",
    );
    // other failures are reported at once
    expect((await failure(waitForDeviceMetadata(write("u.json", fixture("only-unknown-versions.json")), { timeoutMs: 10_000 }))).code).toBe(
      "ERR_DEVINFO_INVALID",
    );
  });
});

describe("findDeviceMetadata", () => {
  it("lists both layouts of a root with claim, request and driver", () => {
    const text = fixture("sriov-gen1.json");
    write(`resourceclaims/pod-1-nic/nic/${FILE}`, text);
    write("resourceclaims/pod-1-nic/nic/gpu.example.com-metadata.json", text);
    write(`resourceclaimtemplates/nic-claim/nic/${FILE}`, text);
    write("resourceclaims/pod-1-nic/nic/notes.txt", "x");
    write("resourceclaims/pod-1-nic/nic/.hidden-metadata.json", text);
    expect(findDeviceMetadata({ root: dir })).toStrictEqual([
      {
        path: path.join(dir, "resourceclaims/pod-1-nic/nic/gpu.example.com-metadata.json"),
        layout: "resourceclaims",
        claimName: "pod-1-nic",
        request: "nic",
        driver: "gpu.example.com",
      },
      {
        path: path.join(dir, `resourceclaims/pod-1-nic/nic/${FILE}`),
        layout: "resourceclaims",
        claimName: "pod-1-nic",
        request: "nic",
        driver: "sriovnetwork.k8snetworkplumbingwg.io",
      },
      {
        path: path.join(dir, `resourceclaimtemplates/nic-claim/nic/${FILE}`),
        layout: "resourceclaimtemplates",
        podClaimName: "nic-claim",
        request: "nic",
        driver: "sriovnetwork.k8snetworkplumbingwg.io",
      },
    ]);
    expect(findDeviceMetadata({ root: dir, claim: "nic-claim" })).toHaveLength(1);
    expect(findDeviceMetadata({ root: dir, driver: "gpu.example.com" })).toHaveLength(1);
    expect(findDeviceMetadata({ root: dir, request: "gpu" })).toStrictEqual([]);
  });

  it("lists the earlier layout, <claim>/<request>/<driver>-metadata.json", () => {
    write(`pod-1-nic/nic/${FILE}`, fixture("sriov-gen1.json"));
    expect(findDeviceMetadata({ root: dir })).toStrictEqual([
      {
        path: path.join(dir, `pod-1-nic/nic/${FILE}`),
        layout: "legacy",
        claimName: "pod-1-nic",
        request: "nic",
        driver: "sriovnetwork.k8snetworkplumbingwg.io",
      },
    ]);
  });

  it("never follows a symlink out of the root, and has nothing for a missing root", () => {
    const outside = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "devinfo-dra-outside-"));
    try {
      fs.writeFileSync(path.join(outside, FILE), fixture("sriov-gen1.json"));
      fs.mkdirSync(path.join(dir, "resourceclaims", "c", "r"), { recursive: true });
      fs.symlinkSync(path.join(outside, FILE), path.join(dir, "resourceclaims", "c", "r", FILE));
      fs.symlinkSync(outside, path.join(dir, "resourceclaims", "c", "escape"));
      expect(findDeviceMetadata({ root: dir })).toStrictEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
    expect(findDeviceMetadata({ root: path.join(dir, "none") })).toStrictEqual([]);
  });

  it("searches the final and the earlier mount roots by default", () => {
    expect(DEVICE_METADATA_ROOT).toBe("/var/run/kubernetes.io/dra-device-attributes");
    expect(LEGACY_DEVICE_METADATA_ROOT).toBe("/var/run/dra-device-attributes");
    // neither exists on a test machine: nothing, and nothing created
    expect(findDeviceMetadata()).toStrictEqual([]);
    expect(fs.existsSync(DEVICE_METADATA_ROOT)).toBe(false);
  });
});

describe("deviceInfoFromDeviceMetadata", () => {
  it("gives the device-info of a metadata device, and the device plugin file Multus would read", async () => {
    const metadata = await readDeviceMetadata(path.join(FIXTURES, "sriov-gen2-network.json"));
    const device = metadata?.requests?.[0]?.devices?.[0];
    if (device === undefined) throw new Error("no device");
    const result = deviceInfoFromDeviceMetadata(device);
    expect(result).toStrictEqual({
      warnings: [],
      resourceName: "intel.com/sriov",
      deviceID: "0000:af:06.3",
      deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3", "pf-pci-address": "0000:af:00.0" } },
    });
    expect(getDPDeviceInfoPath("intel.com/sriov", "0000:af:06.3")).toBe(
      "/var/run/k8s.cni.cncf.io/devinfo/dp/intel.com-sriov-0000:af:06.3-device.json",
    );
    expect(deviceInfoFromDeviceMetadata({ driver: "d", pool: "p", name: "n" })).toStrictEqual({ warnings: [] });
  });
});

describe("networkStatusFromDeviceMetadata", () => {
  it("gives the entries the annotation would, the same as the claim's status does for the same device", async () => {
    const metadata = (await readDeviceMetadata(path.join(FIXTURES, "sriov-gen2-network.json"))) as DeviceMetadata;
    const statuses = networkStatusFromDeviceMetadata(metadata);
    expect(statuses).toStrictEqual([
      {
        name: "tenant-a/pod-1-nic",
        interface: "net1",
        ips: ["10.56.217.10", "2001:db8:56::a"],
        mac: "9a:4e:1b:22:0c:3d",
        dns: {},
        "device-info": { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3", "pf-pci-address": "0000:af:00.0" } },
      },
    ]);
    expect(deviceInfoFor(statuses, { interface: "net1" })).toStrictEqual(statuses[0]?.["device-info"]);
    // the cluster-wide view of the same device: the claim's status built from the same facts
    const device = metadata.requests?.[0]?.devices?.[0] as DeviceMetadataDevice;
    const status = resourceClaimDeviceStatus(
      { driver: device.driver, pool: device.pool, device: device.name },
      {
        networkStatus: statuses[0],
        cniResult: {
          cniVersion: "1.0.0",
          interfaces: [{ name: "net1", mac: "9a:4e:1b:22:0c:3d", sandbox: "/x" }],
          ips: (device.networkData?.ips ?? []).map((address: string) => ({ interface: 0, address })),
        },
      },
    );
    expect(status.networkData).toStrictEqual(device.networkData);
    expect(
      networkStatusFromResourceClaim({ metadata: { name: "pod-1-nic", namespace: "tenant-a" }, status: { devices: [status] } }),
    ).toStrictEqual(statuses);
    // gen 1: no network data yet, but the device-info is there
    const first = (await readDeviceMetadata(path.join(FIXTURES, "sriov-gen1.json"))) as DeviceMetadata;
    expect(networkStatusFromDeviceMetadata(first)).toStrictEqual([
      { name: "tenant-a/pod-1-nic", dns: {}, "device-info": statuses[0]?.["device-info"] },
    ]);
  });
});

describe("device metadata v1beta1 (Kubernetes 1.37)", () => {
  it("lists v1beta1 first, then v1alpha1: the order of preference", () => {
    expect(DEVICE_METADATA_API_VERSIONS).toStrictEqual(["metadata.resource.k8s.io/v1beta1", "metadata.resource.k8s.io/v1alpha1"]);
  });

  it("reads a v1beta1-only stream (a driver that dropped v1alpha1)", async () => {
    const file = path.join(FIXTURES, "v1beta1-only.json");
    const metadata = await readDeviceMetadata(file);
    expect(metadata?.apiVersion).toBe("metadata.resource.k8s.io/v1beta1");
    expect(metadata?.metadata.generation).toBe(1);
    const device = metadata?.requests?.[0]?.devices?.[0] as DeviceMetadataDevice;
    expect(device.name).toBe("0000-af-06-3");
    validateDeviceAttributes(device.attributes ?? {});
    expect(deviceInfoFromDeviceMetadata(device)).toMatchObject({
      deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3" } },
      resourceName: "intel.com/intel_sriov_netdevice",
      deviceID: "0000:af:06.3",
    });
    // the waiter and the workload reader too
    expect((await waitForDeviceMetadata(file, { timeoutMs: 0 })).apiVersion).toBe("metadata.resource.k8s.io/v1beta1");
    const root = path.join(dir, "root");
    write(`root/resourceclaims/pod-1-nic/nic/${FILE}`, fixture("v1beta1-only.json"));
    const [found] = await findPodDevices(
      { claim: "pod-1-nic" },
      { metadataRoot: root, annotationsPath: false, kubevirtNetworkInfoPath: false },
    );
    expect(found).toMatchObject({ source: "device-metadata", request: "nic", deviceID: "0000:af:06.3", deviceInfo: { type: "pci" } });
  });

  it("takes the v1beta1 object of a v1beta1+v1alpha1 stream with every field and union member set, keeping list values", async () => {
    const metadata = (await readDeviceMetadata(path.join(FIXTURES, "all-fields-v1beta1-v1alpha1.json"))) as DeviceMetadata;
    expect(metadata.apiVersion).toBe("metadata.resource.k8s.io/v1beta1");
    expect(metadata.podClaimName).toBe("gpu-nic");
    expect(metadata.metadata).toMatchObject({ name: "pod-7-gpu-nic", namespace: "tenant-b", generation: 3, labels: { app: "dpdk" } });
    expect(Object.keys(metadata.metadata)).toHaveLength(15); // every ObjectMeta field kept
    const device = metadata.requests?.[0]?.devices?.[0] as DeviceMetadataDevice;
    expect(device.attributes?.everything).toStrictEqual({
      int: 2,
      bool: true,
      string: "a <string> & more",
      version: "1.2.3",
      ints: [6, 7],
      bools: [true, false],
      strings: ["a", "b"],
      versions: ["1.0.0", "2.0.0-rc.1"],
    });
    expect(device.attributes?.["resource.kubernetes.io/numaNode"]).toStrictEqual({ ints: [1, 3] });
    expect(device.networkData).toStrictEqual({
      interfaceName: "net1",
      ips: ["10.9.8.7/24", "2001:db8::7/64"],
      hardwareAddress: "02:11:22:33:44:55",
    });
    // the list-typed NUMA node reaches the device-info view; the all-members attribute is no device-info one
    const view = deviceInfoFromDeviceMetadata(device);
    expect(view.numaNode).toBe(1);
    expect(view.deviceInfo?.pci?.["pci-address"]).toBe("0000:3b:02.3");
    // both objects of the stream are the same claim: the v1alpha1 one alone reads the same
    const text = fixture("all-fields-v1beta1-v1alpha1.json");
    const second = text.slice(text.indexOf("}\n{") + 2);
    const alpha = decodeDeviceMetadataStream(second) as DeviceMetadata;
    expect(alpha.apiVersion).toBe("metadata.resource.k8s.io/v1alpha1");
    expect({ ...alpha, apiVersion: undefined }).toStrictEqual({ ...metadata, apiVersion: undefined });
  });

  it("takes a v1alpha1 object that comes first (a driver that lists it first), as the stream's order rules", async () => {
    const text = fixture("all-fields-v1beta1-v1alpha1.json");
    const cut = text.indexOf("}\n{") + 2;
    const swapped = `${text.slice(cut)}${text.slice(0, cut)}`;
    expect((await readDeviceMetadata(write("swapped.json", swapped)))?.apiVersion).toBe("metadata.resource.k8s.io/v1alpha1");
  });

  it("reads a list-typed attribute of the wrong element type as malformed, as Go's decoder does", async () => {
    const text = fixture("v1beta1-only.json").replace('"int": 3', '"ints": [3, "4"]');
    const err = await failure(readDeviceMetadata(write("m.json", text)));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues.map((i) => i.code)).toContain("wrong_type");
  });
});

describe("several drivers per request (ReadResourceClaimMetadata)", () => {
  const beta = JSON.parse(fixture("v1beta1-only.json")) as DeviceMetadata;
  const other = (driver: string, version: string, generation: number): DeviceMetadata => ({
    ...structuredClone(beta),
    apiVersion: version,
    metadata: { ...beta.metadata, generation },
    requests: [
      { name: "nic", devices: [{ driver, pool: "worker-1", name: "rdma-0", attributes: { "dra.net/rdmaDevice": { string: "mlx5_3" } } }] },
    ],
  });
  const stream = (m: DeviceMetadata) => `${JSON.stringify(m, null, 2)}\n`;

  it("merges every driver's file of a request, in file-name order, one entry per request", async () => {
    const root = path.join(dir, "root");
    write(`root/resourceclaims/pod-1-nic/nic/${FILE}`, fixture("v1beta1-only.json"));
    write("root/resourceclaims/pod-1-nic/nic/dra.net-metadata.json", stream(other("dra.net", "metadata.resource.k8s.io/v1alpha1", 4)));
    write("root/resourceclaims/pod-1-nic/nic/late.example.com-metadata.json", ""); // not filled yet
    write("root/resourceclaims/pod-1-nic/other/x.example.com-metadata.json", stream(other("x.example.com", beta.apiVersion, 1)));
    const merged = (await readResourceClaimMetadata("pod-1-nic", "nic", { root })) as DeviceMetadata;
    expect(merged.apiVersion).toBe("metadata.resource.k8s.io/v1beta1"); // the newest read
    expect(merged.metadata).toStrictEqual({ name: "pod-1-nic", namespace: "tenant-a", uid: beta.metadata.uid }); // no generation: each driver counts its own
    expect(merged.requests).toHaveLength(1);
    expect(merged.requests?.[0]?.devices?.map((d) => d.driver)).toStrictEqual(["dra.net", "sriovnetwork.k8snetworkplumbingwg.io"]);
  });

  it("reads the template layout, and a single file as it is", async () => {
    const root = path.join(dir, "root");
    write(`root/resourceclaimtemplates/nic-claim/nic/${FILE}`, fixture("template-claim.json"));
    const metadata = await readResourceClaimTemplateMetadata("nic-claim", "nic", { root });
    expect(metadata?.podClaimName).toBe("nic-claim");
    expect(metadata?.metadata.generation).toBeDefined();
    await expect(readResourceClaimMetadata("nic-claim", "nic", { root })).rejects.toMatchObject({ code: "ERR_DEVINFO_NOT_FOUND" });
  });

  it.each([
    ["another claim's uid", (m: DeviceMetadata) => ({ ...m, metadata: { ...m.metadata, uid: "other" } }), /metadata.uid/],
    ["another podClaimName", (m: DeviceMetadata) => ({ ...m, podClaimName: "x" }), /podClaimName/],
    ["the same device twice", (_m: DeviceMetadata) => structuredClone(beta), /listed again/],
  ])("refuses files that disagree: %s", (_what, change, says) => {
    const first = beta.podClaimName === undefined ? { ...structuredClone(beta), podClaimName: "nic" } : structuredClone(beta);
    let caught: unknown;
    try {
      mergeDeviceMetadata([first, change(other("dra.net", beta.apiVersion, 1))]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: "ERR_DEVINFO_INVALID" });
    expect((caught as Error).message).toMatch(says);
  });

  it("is empty for a request whose files are all empty, and not found for none", async () => {
    const root = path.join(dir, "root");
    write(`root/resourceclaims/c/nic/${FILE}`, "");
    expect(await readResourceClaimMetadata("c", "nic", { root })).toBeUndefined();
    await expect(readResourceClaimMetadata("c", "other", { root })).rejects.toMatchObject({ code: "ERR_DEVINFO_NOT_FOUND" });
  });
});
