import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEVICE_METADATA_API_VERSIONS,
  type DeviceMetadata,
  decodeDeviceMetadataStream,
  deviceMetadataCDIDeviceID,
  deviceMetadataCDISpec,
  deviceMetadataCDISpecFileName,
  deviceMetadataContainerPath,
  findPodDevices,
  readDeviceMetadata,
  readResourceClaimMetadata,
  removeDeviceMetadata,
  waitForDeviceMetadata,
  writeDeviceMetadata,
} from "../../src/dra.js";
import { packageUrl, runNode, spawnNode } from "../helpers/run-node.js";
import { validateDeviceAttributes, validateOpenAPI } from "./k8s-api.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(fs.realpathSync("/tmp"), "devinfo-dra-writer-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const DRIVER = "sriov.example.com";
const UID = "5f0c6a1e-9d2b-4c1e-8f3a-2b7d9e4c1a00";
const metadata = (generation?: number): DeviceMetadata => ({
  apiVersion: "ignored/v0",
  kind: "DeviceMetadata",
  metadata: { name: "pod-1-nic", namespace: "tenant-a", uid: UID, ...(generation === undefined ? {} : { generation }) },
  requests: [
    {
      name: "nic",
      devices: [
        {
          driver: DRIVER,
          pool: "node-1",
          name: "vf-3",
          attributes: {
            "resource.kubernetes.io/pciBusID": { string: "0000:af:06.3" },
            "resource.kubernetes.io/numaNode": { int: 1 },
            "k8s.cni.cncf.io/deviceID": { string: "0000:af:06.3" },
          },
          networkData: { interfaceName: "net1", ips: ["10.0.0.3/24"], hardwareAddress: "02:00:00:00:00:03" },
        },
      ],
    },
  ],
});
const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe("writeDeviceMetadata", () => {
  it("writes v1beta1 then v1alpha1, Go's pretty stream, that the readers read back", async () => {
    const file = path.join(dir, "plugin", "dra-device-metadata", "tenant-a_pod-1-nic", "nic", "metadata.json");
    expect(await writeDeviceMetadata(file, metadata())).toBe(1);
    const text = fs.readFileSync(file, "utf8");
    const objects = text.split(/\n(?=\{)/).map((t) => JSON.parse(t) as Record<string, unknown>);
    expect(objects.map((o) => o.apiVersion)).toStrictEqual([...DEVICE_METADATA_API_VERSIONS]);
    // Go's field order: kind, apiVersion (metav1.TypeMeta), metadata, then the rest; 2-space indent, a newline after each
    expect(Object.keys(objects[0] as object)).toStrictEqual(["kind", "apiVersion", "metadata", "requests"]);
    expect(text.startsWith('{\n  "kind": "DeviceMetadata",\n  "apiVersion": "metadata.resource.k8s.io/v1beta1",\n')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    const read = (await readDeviceMetadata(file)) as DeviceMetadata;
    expect(read).toStrictEqual({
      ...metadata(),
      apiVersion: DEVICE_METADATA_API_VERSIONS[0],
      metadata: { ...metadata().metadata, generation: 1 },
    });
    const device = read.requests?.[0]?.devices?.[0];
    validateDeviceAttributes(device?.attributes ?? {});
    validateOpenAPI("io.k8s.api.resource.v1.NetworkDeviceData", device?.networkData);
    // the second object alone is the same, as v1alpha1
    const alpha = decodeDeviceMetadataStream(text.slice(text.indexOf("}\n{") + 2)) as DeviceMetadata;
    expect({ ...alpha, apiVersion: "x" }).toStrictEqual({ ...read, apiVersion: "x" });
    // upstream's modes
    expect(mode(file)).toBe(0o644);
    expect(mode(path.dirname(file))).toBe(0o755);
    expect(mode(path.join(dir, "plugin"))).toBe(0o755);
  });

  it("writes the versions asked for, in the order asked", async () => {
    const file = path.join(dir, "m.json");
    await writeDeviceMetadata(file, metadata(), { apiVersions: ["metadata.resource.k8s.io/v1alpha1"] });
    expect((await readDeviceMetadata(file))?.apiVersion).toBe("metadata.resource.k8s.io/v1alpha1");
    await writeDeviceMetadata(file, metadata(), { apiVersions: ["metadata.resource.k8s.io/v1alpha1", "metadata.resource.k8s.io/v1beta1"] });
    expect((await readDeviceMetadata(file))?.apiVersion).toBe("metadata.resource.k8s.io/v1alpha1");
    expect(fs.readFileSync(file, "utf8").match(/"apiVersion"/g)).toHaveLength(2);
  });

  it.each([
    ["none", []],
    ["an unknown one", ["metadata.resource.k8s.io/v1"]],
    ["one twice", ["metadata.resource.k8s.io/v1beta1", "metadata.resource.k8s.io/v1beta1"]],
  ])("refuses apiVersions with %s as misuse, writing nothing", async (_what, apiVersions) => {
    const file = path.join(dir, "m.json");
    await expect(writeDeviceMetadata(file, metadata(), { apiVersions: apiVersions as never })).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_VALUE",
    });
    expect(fs.existsSync(file)).toBe(false);
  });

  it("keeps the caller's generation on a first write (1 if none), and bumps past the file's on each rewrite", async () => {
    const file = path.join(dir, "m.json");
    expect(await writeDeviceMetadata(file, metadata(5))).toBe(5);
    expect((await readDeviceMetadata(file))?.metadata.generation).toBe(5);
    expect(await writeDeviceMetadata(file, metadata())).toBe(6);
    expect(await writeDeviceMetadata(file, metadata(2))).toBe(7); // a stale caller's generation never goes back
    expect(await writeDeviceMetadata(file, metadata(20))).toBe(20); // a higher one is kept
    expect((await readDeviceMetadata(file))?.metadata.generation).toBe(20);
    // every object of the stream carries the same generation
    expect(fs.readFileSync(file, "utf8").match(/"generation": 20/g)).toHaveLength(2);
    // a file mounted empty (not filled yet) is a first write
    const empty = path.join(dir, "empty.json");
    fs.writeFileSync(empty, "");
    expect(await writeDeviceMetadata(empty, metadata())).toBe(1);
  });

  it("lets a reader wait for each update: the generation it waits past", async () => {
    const file = path.join(dir, "m.json");
    await writeDeviceMetadata(file, metadata());
    const waiting = waitForDeviceMetadata(file, { timeoutMs: 10_000, intervalMs: 5, afterGeneration: 1 });
    await writeDeviceMetadata(file, metadata());
    expect((await waiting).metadata.generation).toBe(2);
  });

  it("serialises concurrent rewrites of one file in one process: each gets its own generation", async () => {
    const file = path.join(dir, "m.json");
    const generations = await Promise.all(Array.from({ length: 20 }, () => writeDeviceMetadata(file, metadata())));
    expect([...generations].sort((a, b) => a - b)).toStrictEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await readDeviceMetadata(file))?.metadata.generation).toBe(20);
  });

  it("refuses to rewrite a file whose generation it cannot read, leaving it as it is", async () => {
    const file = path.join(dir, "m.json");
    fs.writeFileSync(file, "{garbage");
    await expect(writeDeviceMetadata(file, metadata())).rejects.toMatchObject({ code: "ERR_DEVINFO_INVALID", path: file });
    expect(fs.readFileSync(file, "utf8")).toBe("{garbage");
  });

  it.each([
    ["a device without a pool of the right type", { requests: [{ name: "nic", devices: [{ driver: DRIVER, pool: 5, name: "vf" }] }] }],
    [
      "an int attribute that is a string",
      { requests: [{ name: "nic", devices: [{ driver: DRIVER, pool: "p", name: "vf", attributes: { a: { int: "1" } } }] }] },
    ],
    [
      "a list attribute with a wrong element",
      { requests: [{ name: "nic", devices: [{ driver: DRIVER, pool: "p", name: "vf", attributes: { a: { ints: [1, "2"] } } }] }] },
    ],
    ["NaN under an unknown key", { extra: Number.NaN }],
    ["a Date under an unknown key", { extra: new Date(0) }],
    ["a function", { extra: () => 1 }],
    ["a negative generation", { metadata: { generation: -1 } }],
    ["a generation that is no integer", { metadata: { generation: 1.5 } }],
  ])("refuses %s, writing nothing", async (_what, change) => {
    const file = path.join(dir, "m.json");
    await expect(writeDeviceMetadata(file, { ...metadata(), ...change } as unknown as DeviceMetadata)).rejects.toMatchObject({
      code: "ERR_DEVINFO_INVALID",
    });
    expect(fs.readdirSync(dir)).toStrictEqual([]);
  });

  it("refuses a top-level field of the wrong kind as misuse (requests that are not a list)", async () => {
    const file = path.join(dir, "m.json");
    await expect(writeDeviceMetadata(file, { ...metadata(), requests: "x" } as unknown as DeviceMetadata)).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(fs.existsSync(file)).toBe(false);
  });

  it("leaves no temporary file behind when the write fails", async () => {
    const sub = path.join(dir, "ro");
    fs.mkdirSync(sub);
    fs.writeFileSync(
      path.join(sub, "m.json"),
      fs.readFileSync(path.join(import.meta.dirname, "../../fixtures/dra/metadata/sriov-gen1.json")),
    );
    fs.mkdirSync(path.join(sub, "m.json.d"));
    // a directory where the file goes: rename fails
    await expect(writeDeviceMetadata(path.join(sub, "m.json.d"), metadata())).rejects.toMatchObject({ code: "ERR_DEVINFO_UNSAFE_PATH" });
    expect(fs.readdirSync(sub).sort()).toStrictEqual(["m.json", "m.json.d"]);
  });

  it("is what the workload and multi-driver readers find in a container's mount", async () => {
    const root = path.join(dir, "root");
    const container = deviceMetadataContainerPath({ driver: DRIVER, claimName: "pod-1-nic", requestName: "nic" });
    const file = path.join(root, path.relative("/var/run/kubernetes.io/dra-device-attributes", container));
    await writeDeviceMetadata(file, metadata());
    const merged = await readResourceClaimMetadata("pod-1-nic", "nic", { root });
    expect(merged?.requests?.[0]?.devices?.[0]?.name).toBe("vf-3");
    const [device] = await findPodDevices(
      { request: "nic" },
      { metadataRoot: root, annotationsPath: false, kubevirtNetworkInfoPath: false },
    );
    expect(device).toMatchObject({
      driver: DRIVER,
      deviceID: "0000:af:06.3",
      interface: "net1",
      deviceInfo: { pci: { "pci-address": "0000:af:06.3" } },
    });
  });
});

describe("never a torn read: thousands of rewrites under concurrent reader processes", () => {
  it("every read by two other processes decodes, and generations never go back", { timeout: 180_000 }, async () => {
    const file = path.join(dir, "m.json");
    const stop = path.join(dir, "stop");
    await writeDeviceMetadata(file, metadata());
    // Readers read the raw bytes (no retry) and decode them as Go does; any empty or torn read is counted.
    const reader = `
      import fs from "node:fs";
      import { decodeDeviceMetadataStream } from ${JSON.stringify(packageUrl("dra.js"))};
      const [file, stop] = process.argv.slice(1);
      let reads = 0, torn = 0, back = 0, last = 0;
      while (!fs.existsSync(stop)) {
        const text = fs.readFileSync(file, "utf8");
        reads++;
        try {
          const g = decodeDeviceMetadataStream(text).metadata.generation;
          if (g < last) back++;
          last = g;
        } catch { torn++; }
      }
      last = decodeDeviceMetadataStream(fs.readFileSync(file, "utf8")).metadata.generation; // after the last write
      console.log(JSON.stringify({ reads, torn, back, last }));
    `;
    const readers = [runNode(reader, [file, stop], { timeoutMs: 170_000 }), runNode(reader, [file, stop], { timeoutMs: 170_000 })];
    const REWRITES = 2000;
    for (let i = 0; i < REWRITES; i++) await writeDeviceMetadata(file, metadata());
    fs.writeFileSync(stop, "");
    const results = await Promise.all(readers);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      const counts = JSON.parse(r.stdout) as { reads: number; torn: number; back: number; last: number };
      expect(counts.reads).toBeGreaterThan(100);
      expect(counts.torn).toBe(0);
      expect(counts.back).toBe(0);
      expect(counts.last).toBe(REWRITES + 1);
    }
    expect((await readDeviceMetadata(file))?.metadata.generation).toBe(REWRITES + 1);
    expect(fs.readdirSync(dir).sort()).toStrictEqual(["m.json", "stop"]); // no temporary file left
  });

  it("the same readers do see torn reads of an in-place writer (the test can fail)", { timeout: 60_000 }, async () => {
    const file = path.join(dir, "m.json");
    const text = `${JSON.stringify(metadata(1), null, 2)}\n`.repeat(50);
    fs.writeFileSync(file, text);
    const child = spawnNode(
      `import fs from "node:fs"; const [file] = process.argv.slice(1); let torn = 0;
       for (let i = 0; i < 20000 && torn === 0; i++) { const t = fs.readFileSync(file, "utf8"); if (t.length !== ${text.length}) torn++; }
       console.log(torn);`,
      [file],
    );
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const done = new Promise((resolve) => child.on("close", resolve));
    let running = true;
    void done.then(() => {
      running = false;
    });
    // upstream's way: os.WriteFile truncates, then writes
    while (running) {
      fs.writeFileSync(file, text);
      await new Promise((r) => setImmediate(r));
    }
    expect(Number(out.trim())).toBeGreaterThan(0);
  });
});

describe("the CDI spec that mounts a metadata file (as upstream's kubelet plugin)", () => {
  const ref = { driver: DRIVER, claimUID: UID, requestName: "nic" };

  it("is upstream's spec: cdiVersion 0.5.0, kind <driver>/metadata, device <uid>_<request>, a read-only bind mount", () => {
    const hostPath = "/var/lib/kubelet/plugins/sriov.example.com/dra-device-metadata/tenant-a_pod-1-nic/nic/metadata.json";
    const containerPath = deviceMetadataContainerPath({ driver: DRIVER, claimName: "pod-1-nic", requestName: "nic" });
    expect(containerPath).toBe("/var/run/kubernetes.io/dra-device-attributes/resourceclaims/pod-1-nic/nic/sriov.example.com-metadata.json");
    expect(deviceMetadataCDISpec({ ...ref, hostPath, containerPath })).toStrictEqual({
      cdiVersion: "0.5.0",
      kind: "sriov.example.com/metadata",
      devices: [{ name: `${UID}_nic`, containerEdits: { mounts: [{ hostPath, containerPath, options: ["ro", "bind"] }] } }],
    });
    expect(deviceMetadataCDISpecFileName(ref)).toBe(`sriov.example.com_metadata_${UID}_nic.json`);
    expect(deviceMetadataCDIDeviceID(ref)).toBe(`sriov.example.com/metadata=${UID}_nic`);
    expect(deviceMetadataContainerPath({ driver: DRIVER, claimName: "pod-1-nic-x7k", podClaimName: "nic", requestName: "nic" })).toBe(
      "/var/run/kubernetes.io/dra-device-attributes/resourceclaimtemplates/nic/nic/sriov.example.com-metadata.json",
    );
  });

  it.each([
    ["a request with a path separator", { ...ref, requestName: "../x" }],
    ["a request of ..", { ...ref, requestName: ".." }],
    ["an empty uid", { ...ref, claimUID: "" }],
    ["a uid with a slash", { ...ref, claimUID: "a/b" }],
    ["a driver that is no DNS subdomain", { ...ref, driver: "Sriov_Example" }],
  ])("refuses %s: a name never becomes a path outside its directory", (_what, bad) => {
    expect(() => deviceMetadataCDISpecFileName(bad)).toThrow(expect.objectContaining({ code: "ERR_DEVINFO_UNSAFE_PATH" }));
    expect(() => deviceMetadataCDIDeviceID(bad)).toThrow(expect.objectContaining({ code: "ERR_DEVINFO_UNSAFE_PATH" }));
    expect(() => deviceMetadataCDISpec({ ...bad, hostPath: "/h", containerPath: "/c" })).toThrow(
      expect.objectContaining({ code: "ERR_DEVINFO_UNSAFE_PATH" }),
    );
  });

  it("refuses relative paths, and a container path outside the mount root", async () => {
    expect(() => deviceMetadataCDISpec({ ...ref, hostPath: "h/metadata.json", containerPath: "/c" })).toThrow(/hostPath/);
    expect(() => deviceMetadataCDISpec({ ...ref, hostPath: "/h", containerPath: "c" })).toThrow(/containerPath/);
    expect(() => deviceMetadataContainerPath({ driver: DRIVER, claimName: "..", requestName: "nic" })).toThrow(
      expect.objectContaining({ code: "ERR_DEVINFO_UNSAFE_PATH" }),
    );
    await expect(removeDeviceMetadata({ driver: DRIVER, claimUID: UID, claimDir: "relative", cdiDir: dir })).rejects.toMatchObject({
      code: "ERR_DEVINFO_UNSAFE_PATH",
    });
  });
});

describe("removeDeviceMetadata", () => {
  it("removes the claim's metadata files and CDI specs, and nothing else", async () => {
    const claimDir = path.join(dir, "plugin", "dra-device-metadata", "tenant-a_pod-1-nic");
    const cdiDir = path.join(dir, "cdi");
    await writeDeviceMetadata(path.join(claimDir, "nic", "metadata.json"), metadata());
    await writeDeviceMetadata(path.join(claimDir, "gpu", "metadata.json"), metadata());
    fs.mkdirSync(path.join(claimDir, "other"));
    fs.writeFileSync(path.join(claimDir, "other", "keep.txt"), "x");
    fs.mkdirSync(cdiDir);
    const ours = ["nic", "gpu"].map((r) => deviceMetadataCDISpecFileName({ driver: DRIVER, claimUID: UID, requestName: r }));
    const others = [
      deviceMetadataCDISpecFileName({ driver: DRIVER, claimUID: "another-uid", requestName: "nic" }),
      deviceMetadataCDISpecFileName({ driver: "other.example.com", claimUID: UID, requestName: "nic" }),
      "sriov.example.com.yaml",
    ];
    for (const name of [...ours, ...others]) fs.writeFileSync(path.join(cdiDir, name), "{}");
    const removed = await removeDeviceMetadata({ driver: DRIVER, claimUID: UID, claimDir, cdiDir });
    expect(removed).toEqual(
      expect.arrayContaining([
        ...ours.map((n) => path.join(cdiDir, n)),
        path.join(claimDir, "nic", "metadata.json"),
        path.join(claimDir, "gpu", "metadata.json"),
        path.join(claimDir, "nic"),
        path.join(claimDir, "gpu"),
      ]),
    );
    expect(fs.readdirSync(cdiDir).sort()).toStrictEqual([...others].sort());
    expect(fs.readdirSync(claimDir)).toStrictEqual(["other"]); // what is not ours stays, with its directory
    // again: nothing left to remove is no error
    expect(await removeDeviceMetadata({ driver: DRIVER, claimUID: UID, claimDir: path.join(dir, "none"), cdiDir })).toStrictEqual([]);
  });
});
