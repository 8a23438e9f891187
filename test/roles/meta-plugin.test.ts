import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getCNIDeviceInfoPath, isDeviceInfoError, saveDeviceInfoForDP } from "../../src/index.js";
import {
  buildPluginStdin,
  CNI_DEVICE_INFO_UUID_NAMESPACE,
  collectDeviceInfo,
  declaresCapability,
  getCNIDeviceInfoFileName,
  injectRuntimeConfig,
  prepareDeviceInfo,
  releaseDeviceInfo,
} from "../../src/roles/meta-plugin.js";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/cni-results");

// An independent RFC 9562 name-based (SHA-1) UUID, to check the fallback without the uuid package.
function uuidV5(name: string, namespace: string): string {
  const hash = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const URL_NAMESPACE = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";

let base: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

const CID = "3f9a1c0b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
const PCI_DOC = { type: "pci", version: "1.0.0", pci: { "pci-address": "0000:af:06.0", "x-vendor": "kept" }, "x-top": 1 } as const;
const CONFLIST_WITH_CAP = {
  cniVersion: "1.0.0",
  name: "sriov-net1",
  plugins: [{ type: "sriov" }, { type: "devinfo-pci-representor", capabilities: { CNIDeviceInfoFile: true } }],
};
const CONFLIST_WITHOUT_CAP = {
  cniVersion: "1.0.0",
  name: "br",
  plugins: [{ type: "bridge" }, { type: "tuning", capabilities: { mac: true } }],
};

describe("getCNIDeviceInfoFileName", () => {
  it.each([
    [
      { network: "default/sriov-net1", containerID: CID, ifName: "net1" },
      `default/sriov-net1-${CID}_net1`,
      `default-sriov-net1-${CID}_net1`,
    ],
    [{ network: "sriov-net1", containerID: "abc", ifName: "net1" }, "sriov-net1-abc_net1", "sriov-net1-abc_net1"],
    [{ network: "ns/a/b", containerID: "c", ifName: "eth0" }, "ns/a/b-c_eth0", "ns-a-b-c_eth0"],
    [{ network: "résumé", containerID: "c", ifName: "net1" }, "résumé-c_net1", "résumé-c_net1"],
  ])("is Multus's name for %j", async (attachment, name, fileName) => {
    expect(await getCNIDeviceInfoFileName(attachment)).toBe(name);
    expect(path.basename(getCNIDeviceInfoPath(name, { baseDir: base }))).toBe(fileName);
  });

  it("keeps Multus's name up to exactly 255 bytes and falls back above", async () => {
    const fits = { network: "n".repeat(255 - "-c_net1".length), containerID: "c", ifName: "net1" };
    expect(Buffer.byteLength(await getCNIDeviceInfoFileName(fits))).toBe(255);
    const over = { ...fits, network: `${fits.network}n` };
    expect(await getCNIDeviceInfoFileName(over)).toBe(
      `devinfo-${uuidV5(JSON.stringify([over.network, "c", "net1"]), CNI_DEVICE_INFO_UUID_NAMESPACE)}`,
    );
    // 2-byte characters count as 2: 128 of them are 256 bytes with the rest.
    const wide = { network: "é".repeat(125), containerID: "c", ifName: "net1" };
    expect(await getCNIDeviceInfoFileName(wide)).toMatch(/^devinfo-[0-9a-f-]{36}$/);
  });

  it.each([
    ["a newline", { network: "bad\nname", containerID: "c", ifName: "net1" }],
    ["a NUL byte", { network: "n", containerID: "c\0", ifName: "net1" }],
    ["DEL", { network: "n", containerID: "c", ifName: "net\u007f" }],
    ["an unpaired surrogate", { network: "n\ud800", containerID: "c", ifName: "net1" }],
  ])("falls back to a v5 UUID for %s", async (_what, attachment) => {
    const name = await getCNIDeviceInfoFileName(attachment);
    expect(name).toBe(
      `devinfo-${uuidV5(JSON.stringify([attachment.network, attachment.containerID, attachment.ifName]), CNI_DEVICE_INFO_UUID_NAMESPACE)}`,
    );
    expect(() => getCNIDeviceInfoPath(name, { baseDir: base })).not.toThrow();
  });

  it("uses the documented namespace UUID", () => {
    expect(uuidV5("https://github.com/k8snetworkplumbingwg/device-info-spec#CNIDeviceInfoFile", URL_NAMESPACE)).toBe(
      CNI_DEVICE_INFO_UUID_NAMESPACE,
    );
  });

  it.each([
    [{ network: "", containerID: "c", ifName: "net1" }, "network"],
    [{ network: "n", containerID: "", ifName: "net1" }, "containerID"],
    [{ network: "n", containerID: "c", ifName: "" }, "ifName"],
  ])("refuses %j", async (attachment, key) => {
    await expect(getCNIDeviceInfoFileName(attachment as never)).rejects.toMatchObject({
      code: "ERR_DEVINFO_UNSAFE_PATH",
      message: expect.stringContaining(key),
    });
  });

  it.each([
    [
      { network: "n", containerID: 5, ifName: "net1" },
      'The "attachment.containerID" property must be of type string. Received type number (5)',
    ],
    [null, 'The "attachment" argument must be of type object. Received null'],
  ])("refuses %j as misuse", async (attachment, message) => {
    await expect(getCNIDeviceInfoFileName(attachment as never)).rejects.toMatchObject({ code: "ERR_INVALID_ARG_TYPE", message });
  });

  it("always gives a usable, deterministic file name (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          network: fc.string({ minLength: 1, maxLength: 300, unit: "binary" }),
          containerID: fc.string({ minLength: 1, maxLength: 80 }),
          ifName: fc.string({ minLength: 1, maxLength: 20, unit: "grapheme" }),
        }),
        async (attachment) => {
          const name = await getCNIDeviceInfoFileName(attachment);
          expect(await getCNIDeviceInfoFileName({ ...attachment })).toBe(name);
          const file = getCNIDeviceInfoPath(name, { baseDir: base });
          expect(path.dirname(file)).toBe(path.join(base, "cni"));
          expect(Buffer.byteLength(path.basename(file))).toBeLessThanOrEqual(255);
        },
      ),
      { seed: 4242, numRuns: 300 },
    );
  });
});

describe("declaresCapability", () => {
  it.each([
    [CONFLIST_WITH_CAP, true],
    [CONFLIST_WITHOUT_CAP, false],
    [{ cniVersion: "1.0.0", name: "n", type: "x", capabilities: { CNIDeviceInfoFile: true } }, true],
    [{ cniVersion: "1.0.0", name: "n", type: "x", capabilities: { CNIDeviceInfoFile: false } }, false],
    [{ cniVersion: "1.0.0", name: "n", type: "x", capabilities: { CNIDeviceInfoFile: "true" } }, false],
    [{ cniVersion: "1.0.0", name: "n", type: "x", capabilities: { cnideviceinfofile: true } }, false],
    [{ cniVersion: "1.0.0", name: "n", type: "x" }, false],
  ])("%j → %s", (conf, expected) => {
    expect(declaresCapability(conf)).toBe(expected);
    expect(declaresCapability(JSON.stringify(conf))).toBe(expected);
    expect(declaresCapability(Buffer.from(JSON.stringify(conf)))).toBe(expected);
  });

  it("reads the real fixture config list", () => {
    expect(declaresCapability(fs.readFileSync(path.join(FIXTURES, "devinfo-test.conflist.json")))).toBe(true);
    expect(declaresCapability(fs.readFileSync(path.join(FIXTURES, "bridge-hostlocal.conflist.json")))).toBe(false);
  });

  it.each([
    ["{", "ERR_DEVINFO_PARSE"],
    ["[]", "ERR_DEVINFO_INVALID"],
    ['{"plugins":[1]}', "ERR_DEVINFO_INVALID"],
  ])("refuses %s with %s", (text, code) => {
    expect(() => declaresCapability(text)).toThrow(expect.objectContaining({ code }));
  });
});

describe("prepareDeviceInfo, collectDeviceInfo, releaseDeviceInfo", () => {
  const attachment = { network: "default/sriov-net1", containerID: CID, ifName: "net1" };
  const cniFile = () => path.join(base, "cni", `default-sriov-net1-${CID}_net1`);

  it("copies the device plugin's file and passes its path and the device", async () => {
    await saveDeviceInfoForDP("intel.com/sriov", "0000:af:06.0", PCI_DOC as never, { baseDir: base, strict: false });
    const prepared = await prepareDeviceInfo(
      { ...attachment, netConf: CONFLIST_WITH_CAP, resourceName: "intel.com/sriov", deviceID: "0000:af:06.0" },
      { baseDir: base },
    );
    expect(prepared.cniPath).toBe(cniFile());
    expect(prepared.capabilityArgs).toEqual({ CNIDeviceInfoFile: cniFile(), deviceID: "0000:af:06.0" });
    expect(prepared.warnings).toEqual([]);
    expect(prepared.copied).toEqual(PCI_DOC);
    // The bytes the Go reference's copy writes: re-marshalled, compact, unknown keys kept by this package.
    expect(fs.readFileSync(cniFile(), "utf8")).toBe(
      '{"type":"pci","version":"1.0.0","pci":{"pci-address":"0000:af:06.0","x-vendor":"kept"},"x-top":1}',
    );
    expect(await collectDeviceInfo(prepared, { baseDir: base })).toEqual(PCI_DOC);
    expect(await releaseDeviceInfo(attachment, { baseDir: base })).toBe(true);
    expect(fs.existsSync(cniFile())).toBe(false);
    expect(await releaseDeviceInfo(attachment, { baseDir: base })).toBe(false);
  });

  it("creates the path even without a device when a plugin declares the capability (unlike Multus)", async () => {
    const prepared = await prepareDeviceInfo({ ...attachment, netConf: CONFLIST_WITH_CAP }, { baseDir: base });
    expect(prepared).toEqual({ cniPath: cniFile(), capabilityArgs: { CNIDeviceInfoFile: cniFile() }, copied: undefined, warnings: [] });
    expect(fs.existsSync(cniFile())).toBe(false);
    // Ready for plugins built on the Go reference, which would create it with mode 0000.
    expect(fs.statSync(path.join(base, "cni")).mode & 0o777).toBe(0o755);
    expect(await collectDeviceInfo(prepared, { baseDir: base })).toBeUndefined();
  });

  it("refuses a cni directory that is a symbolic link", async () => {
    fs.mkdirSync(path.join(base, "elsewhere"));
    fs.symlinkSync(path.join(base, "elsewhere"), path.join(base, "cni"));
    await expect(prepareDeviceInfo({ ...attachment, netConf: CONFLIST_WITH_CAP }, { baseDir: base })).rejects.toMatchObject({
      code: "ERR_DEVINFO_UNSAFE_PATH",
    });
  });

  it.each([
    ["no device and no capability", { netConf: CONFLIST_WITHOUT_CAP }, { cniPath: undefined, capabilityArgs: {} }],
    ["no configuration at all", {}, { cniPath: undefined, capabilityArgs: {} }],
    ["an empty deviceID", { deviceID: "", resourceName: "intel.com/sriov" }, { cniPath: undefined, capabilityArgs: {} }],
  ])("has no file for %s", async (_what, extra, expected) => {
    const prepared = await prepareDeviceInfo({ ...attachment, ...extra }, { baseDir: base });
    expect(prepared).toEqual({ ...expected, copied: undefined, warnings: [] });
    expect(await collectDeviceInfo(prepared)).toBeUndefined();
    expect(fs.existsSync(path.join(base, "cni"))).toBe(false);
  });

  it("gives a file path, as Multus does, for a device without a resource name, but copies nothing", async () => {
    const prepared = await prepareDeviceInfo({ ...attachment, netConf: CONFLIST_WITHOUT_CAP, deviceID: "0000:af:06.0" }, { baseDir: base });
    expect(prepared.capabilityArgs).toEqual({ CNIDeviceInfoFile: cniFile(), deviceID: "0000:af:06.0" });
    expect(prepared.copied).toBeUndefined();
    expect(prepared.warnings).toEqual([]);
  });

  it.each([
    ["missing", undefined, "ERR_DEVINFO_NOT_FOUND"],
    ["not JSON", '{"type":', "ERR_DEVINFO_PARSE"],
    ["not an object", "[1]", "ERR_DEVINFO_INVALID"],
  ])("warns, and goes on, when the device plugin's file is %s", async (_what, content, code) => {
    if (content !== undefined) {
      fs.mkdirSync(path.join(base, "dp"), { recursive: true });
      fs.writeFileSync(path.join(base, "dp", "intel.com-sriov-0000:af:06.0-device.json"), content);
    }
    const prepared = await prepareDeviceInfo(
      { ...attachment, netConf: CONFLIST_WITH_CAP, resourceName: "intel.com/sriov", deviceID: "0000:af:06.0" },
      { baseDir: base },
    );
    expect(prepared.cniPath).toBe(cniFile());
    expect(prepared.copied).toBeUndefined();
    expect(prepared.warnings.map((w) => w.code)).toEqual([code]);
    expect(prepared.warnings.every(isDeviceInfoError)).toBe(true);
    expect(fs.existsSync(cniFile())).toBe(false);
  });

  it("replaces a stale file from an earlier ADD and says so", async () => {
    fs.mkdirSync(path.join(base, "cni"), { recursive: true });
    fs.writeFileSync(cniFile(), '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"/old"}}');
    await saveDeviceInfoForDP("intel.com/sriov", "0000:af:06.0", PCI_DOC as never, { baseDir: base, strict: false });
    const prepared = await prepareDeviceInfo(
      { ...attachment, resourceName: "intel.com/sriov", deviceID: "0000:af:06.0" },
      { baseDir: base },
    );
    expect(prepared.warnings.map((w) => [w.code, w.path])).toEqual([["ERR_DEVINFO_EXISTS", cniFile()]]);
    expect(await collectDeviceInfo(prepared)).toEqual(PCI_DOC);
  });

  it("throws when the CNI file cannot be written", async () => {
    fs.mkdirSync(path.join(cniFile(), "sub"), { recursive: true });
    await expect(prepareDeviceInfo({ ...attachment, netConf: CONFLIST_WITH_CAP }, { baseDir: base })).rejects.toSatisfy(isDeviceInfoError);
  });

  it("collectDeviceInfo throws for a file it cannot read", async () => {
    const prepared = await prepareDeviceInfo({ ...attachment, netConf: CONFLIST_WITH_CAP }, { baseDir: base });
    fs.writeFileSync(cniFile(), "not json");
    await expect(collectDeviceInfo(prepared)).rejects.toMatchObject({ code: "ERR_DEVINFO_PARSE", path: cniFile() });
  });

  it("releases an attachment that was never prepared, and one with a fallback name", async () => {
    expect(await releaseDeviceInfo(attachment, { baseDir: base })).toBe(false);
    const long = { network: "n".repeat(300), containerID: CID, ifName: "net1" };
    const prepared = await prepareDeviceInfo({ ...long, netConf: CONFLIST_WITH_CAP }, { baseDir: base });
    expect(path.basename(prepared.cniPath ?? "")).toMatch(/^devinfo-/);
    fs.writeFileSync(prepared.cniPath ?? "", "{}");
    expect(await releaseDeviceInfo(long, { baseDir: base })).toBe(true);
    expect(fs.readdirSync(path.join(base, "cni"))).toEqual([]);
  });
});

describe("injectRuntimeConfig", () => {
  const args = { CNIDeviceInfoFile: "/run/devinfo/cni/x", deviceID: "0000:af:06.0", portMappings: [] };
  it.each([
    [
      "declared capabilities only",
      { type: "x", capabilities: { CNIDeviceInfoFile: true, mac: true } },
      { CNIDeviceInfoFile: "/run/devinfo/cni/x" },
    ],
    [
      "two declared",
      { type: "x", capabilities: { CNIDeviceInfoFile: true, deviceID: true } },
      { CNIDeviceInfoFile: "/run/devinfo/cni/x", deviceID: "0000:af:06.0" },
    ],
    ["a capability declared false", { type: "x", capabilities: { CNIDeviceInfoFile: false } }, undefined],
    ["no capabilities", { type: "x" }, undefined],
  ])("%s", (_what, plugin, runtimeConfig) => {
    const out = injectRuntimeConfig(plugin, args);
    expect(out.runtimeConfig).toEqual(runtimeConfig);
    expect(out).not.toBe(plugin);
  });

  it("replaces an existing runtimeConfig when it injects, keeps it otherwise (as libcni)", () => {
    const plugin = { type: "x", capabilities: { deviceID: true }, runtimeConfig: { mac: "02:00:00:00:00:01" } };
    expect(injectRuntimeConfig(plugin, { deviceID: "d" }).runtimeConfig).toEqual({ deviceID: "d" });
    expect(injectRuntimeConfig(plugin, {}).runtimeConfig).toEqual({ mac: "02:00:00:00:00:01" });
  });
});

describe("buildPluginStdin", () => {
  it("is byte for byte the stdin libcni gave a plugin (recorded fixture)", () => {
    const conflist = fs.readFileSync(path.join(FIXTURES, "devinfo-test.conflist.json"));
    const recorded = fs.readFileSync(path.join(FIXTURES, "devinfo-test.plugin-stdin-ADD.json"), "utf8");
    const capabilityArgs = { CNIDeviceInfoFile: "/var/run/k8s.cni.cncf.io/devinfo/cni/devinfo-test-abc_net1", deviceID: "0000:af:06.0" };
    expect(buildPluginStdin(conflist, { capabilityArgs })).toBe(recorded);
  });

  it("sorts keys by bytes at every level, with Go's escaping and numbers", () => {
    const conf = {
      cniVersion: "1.0.0",
      name: "n<&>",
      plugins: [
        { type: "x", "10": 1, "9": 2, b: { z: -0, a: 1e21, é: 1e-7 }, a: ["\u2028", { y: null, x: true }], "\u{1F600}": 0, "\uFFFF": 1 },
      ],
    };
    expect(buildPluginStdin(conf)).toBe(
      '{"10":1,"9":2,"a":["\\u2028",{"x":true,"y":null}],"b":{"a":1e+21,"z":-0,"é":1e-7},"cniVersion":"1.0.0","name":"n\\u003c\\u0026\\u003e","type":"x","\uFFFF":1,"\u{1F600}":0}',
    );
  });

  it("takes name and cniVersion from the list, and prevResult as given", () => {
    const prevResult = { cniVersion: "1.0.0", interfaces: [{ name: "net1" }], dns: {} };
    const out = buildPluginStdin(CONFLIST_WITH_CAP, { index: 1, capabilityArgs: { CNIDeviceInfoFile: "/f", deviceID: "d" }, prevResult });
    expect(out).toBe(
      '{"capabilities":{"CNIDeviceInfoFile":true},"cniVersion":"1.0.0","name":"sriov-net1","prevResult":{"cniVersion":"1.0.0","dns":{},"interfaces":[{"name":"net1"}]},"runtimeConfig":{"CNIDeviceInfoFile":"/f"},"type":"devinfo-pci-representor"}',
    );
    expect(JSON.parse(buildPluginStdin(CONFLIST_WITH_CAP, { index: 0, capabilityArgs: { CNIDeviceInfoFile: "/f" } }))).toEqual({
      cniVersion: "1.0.0",
      name: "sriov-net1",
      type: "sriov",
    });
  });

  it("handles a single configuration, injecting an absent cniVersion as libcni does", () => {
    expect(buildPluginStdin({ name: "single", type: "x", plugins: undefined }, { index: 3 })).toBe(
      '{"cniVersion":"","name":"single","type":"x"}',
    );
  });

  it("keeps the JSON value of any configuration (property)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (extra) => {
        const plugin = { ...extra, type: "x" };
        const out = buildPluginStdin({ cniVersion: "1.0.0", name: "n", plugins: [plugin] });
        expect(JSON.parse(out)).toEqual({ ...plugin, name: "n", cniVersion: "1.0.0" });
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
      }),
      { seed: 20240611, numRuns: 300 },
    );
  });

  it("refuses an index past the list's end as data (the list decides)", () => {
    expect(() => buildPluginStdin(CONFLIST_WITH_CAP, { index: 2 })).toThrow(expect.objectContaining({ code: "ERR_DEVINFO_INVALID" }));
  });

  it.each([[-1], [0.5], [Number.NaN]])("refuses index %s as out of range", (index) => {
    expect(() => buildPluginStdin(CONFLIST_WITH_CAP, { index })).toThrow(
      expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE" }),
    );
  });
});
