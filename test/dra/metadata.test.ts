import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEVICE_METADATA_ROOT,
  type DeviceMetadata,
  type DeviceMetadataDevice,
  decodeDeviceMetadataStream,
  deviceInfoFromDeviceMetadata,
  findDeviceMetadata,
  LEGACY_DEVICE_METADATA_ROOT,
  networkStatusFromDeviceMetadata,
  networkStatusFromResourceClaim,
  readDeviceMetadata,
  resourceClaimDeviceStatus,
  waitForDeviceMetadata,
} from "../../src/dra.js";
import { type DeviceInfoError, isDeviceInfoError } from "../../src/errors.js";
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
      "a malformed known version before a valid one",
      `{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMetadata","metadata":{"generation":"1"}}\n${valid}`,
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
