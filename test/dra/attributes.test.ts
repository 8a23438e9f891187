import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import {
  canonicalPCIBusID,
  DEFAULT_DEVICE_INFO_DOMAIN,
  DEVICE_INFO_ATTRIBUTE_IDS,
  type DeviceAttributes,
  deviceInfoFromDeviceAttributes,
  deviceInfoToDeviceAttributes,
  isQualifiedName,
} from "../../src/dra.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { getDPDeviceInfoPath, parseDeviceInfo } from "../../src/index.js";
import { writeFixtures } from "../helpers/fixtures.js";
import { attributeProblems, standardAttributeProblems, validateDeviceAttributes } from "./k8s-api.js";

const D = DEFAULT_DEVICE_INFO_DOMAIN;
const BUS = "resource.kubernetes.io/pciBusID";
const roundTrip = (info: unknown, options?: Parameters<typeof deviceInfoToDeviceAttributes>[1]) =>
  deviceInfoFromDeviceAttributes(deviceInfoToDeviceAttributes(info as DeviceInfo, options).attributes, options);

/**
 * What the round trip cannot bring back, by fixture: `type` is inferred and
 * `version` defaults to SPEC_VERSION when absent; an empty sub-object has no
 * attribute; a version that is not semver has no `version` attribute.
 */
const ROUND_TRIP_EXCEPTIONS: Record<string, unknown> = {
  "all-empty-strings": undefined, // Go writes {"vdpa":{}}: nothing to publish
  "empty-object": undefined,
  "empty-optional-strings": { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } },
  "empty-sub-object": { type: "pci", version: "1.1.0" },
  "type-only": { type: "pci", version: "1.1.0" },
  "version-v-prefix-unknown-type": { type: "foo", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } },
};

describe("deviceInfoToDeviceAttributes → deviceInfoFromDeviceAttributes, on Go's write fixtures", () => {
  const cases = writeFixtures().filter((f) => f.goOutput !== undefined);

  it.each(cases)("$name: attributes the API accepts, and back to what Go wrote", ({ name, input, goOutput }) => {
    const { attributes } = deviceInfoToDeviceAttributes(JSON.parse(input));
    expect(() => validateDeviceAttributes(attributes)).not.toThrow();
    const back = deviceInfoFromDeviceAttributes(attributes);
    const expected = Object.hasOwn(ROUND_TRIP_EXCEPTIONS, name) ? ROUND_TRIP_EXCEPTIONS[name] : parseDeviceInfo(goOutput);
    expect(back.deviceInfo).toStrictEqual(expected);
    // in Go's field order, as the library's reader returns it
    if (back.deviceInfo !== undefined) expect(JSON.stringify(back.deviceInfo)).toBe(JSON.stringify(parseDeviceInfo(back.deviceInfo)));
  });

  it("covers every field of every type, and no fixture loses a spec field on the way", () => {
    const seen = new Set<string>();
    for (const { input } of cases)
      for (const name of Object.keys(deviceInfoToDeviceAttributes(JSON.parse(input)).attributes)) seen.add(name);
    const expected = DEVICE_INFO_ATTRIBUTE_IDS.filter((e) => !(e.key === "pci-address" && e.subObject === "pci")).map(
      (e) => `${D}/${e.id}`,
    );
    // vdpa's pci-address is pciBusID in every vdpa fixture; the attribute for a non-primary one is tested below
    expect([...seen].sort()).toStrictEqual([...expected.filter((n) => n !== `${D}/vdpaPciAddress`), BUS].sort());
  });
});

describe("deviceInfoToDeviceAttributes", () => {
  it("maps a PCI document with Multus's attributes (the SR-IOV DRA driver's Multus mode)", () => {
    const { attributes, warnings } = deviceInfoToDeviceAttributes(
      {
        type: "pci",
        version: "1.1.0",
        pci: { "pci-address": "0000:af:06.0", "rdma-device": "mlx5_3", "pf-pci-address": "0000:af:00.0", "representor-device": "pf0vf3" },
      },
      { resourceName: "intel.com/sriov", deviceID: "0000:af:06.0" },
    );
    expect(warnings).toStrictEqual([]);
    expect(attributes).toStrictEqual({
      "k8s.cni.cncf.io/resourceName": { string: "intel.com/sriov" },
      "k8s.cni.cncf.io/deviceID": { string: "0000:af:06.0" },
      [BUS]: { string: "0000:af:06.0" },
      [`${D}/type`]: { string: "pci" },
      [`${D}/version`]: { version: "1.1.0" },
      [`${D}/pciRdmaDevice`]: { string: "mlx5_3" },
      [`${D}/pciPfPciAddress`]: { string: "0000:af:00.0" },
      [`${D}/pciRepresentorDevice`]: { string: "pf0vf3" },
    });
    validateDeviceAttributes(attributes);
  });

  it.each([
    [
      "vdpa",
      {
        type: "vdpa",
        version: "1.1.0",
        vdpa: { "parent-device": "vdpa:0000:af:06.0", driver: "vhost", path: "/dev/vhost-vdpa-0", "pci-address": "0000:af:06.0" },
      },
      {
        [BUS]: "0000:af:06.0",
        [`${D}/vdpaParentDevice`]: "vdpa:0000:af:06.0",
        [`${D}/vdpaDriver`]: "vhost",
        [`${D}/vdpaPath`]: "/dev/vhost-vdpa-0",
      },
    ],
    [
      "vhost-user",
      { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: "/var/run/vhost/net1.sock" } },
      { [`${D}/vhostUserMode`]: "client", [`${D}/vhostUserPath`]: "/var/run/vhost/net1.sock" },
    ],
    [
      "memif",
      { type: "memif", version: "1.1.0", memif: { role: "master", path: "/run/memif.sock", mode: "inject-punt" } },
      { [`${D}/memifRole`]: "master", [`${D}/memifPath`]: "/run/memif.sock", [`${D}/memifMode`]: "inject-punt" },
    ],
  ])("maps a %s document", (type, info, fields) => {
    const { attributes } = deviceInfoToDeviceAttributes(info as DeviceInfo);
    const strings = Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v.string ?? v.version]));
    expect(strings).toStrictEqual({ [`${D}/type`]: type, [`${D}/version`]: "1.1.0", ...fields });
  });

  it("gives the pci-address of a sub-object that type does not name its own attribute, and brings it back", () => {
    const info = {
      type: "memif",
      version: "1.1.0",
      memif: { role: "slave", path: "/m", mode: "ip" },
      pci: { "pci-address": "0000:01:00.1" },
      vdpa: { "pci-address": "0000:01:00.2" },
    };
    const { attributes } = deviceInfoToDeviceAttributes(info as DeviceInfo);
    expect(attributes[BUS]).toBeUndefined();
    expect(attributes[`${D}/pciPciAddress`]).toStrictEqual({ string: "0000:01:00.1" });
    expect(attributes[`${D}/vdpaPciAddress`]).toStrictEqual({ string: "0000:01:00.2" });
    expect(roundTrip(info).deviceInfo).toStrictEqual(parseDeviceInfo(info));
  });

  it("uses the domain of the user's choice", () => {
    const { attributes } = deviceInfoToDeviceAttributes(
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0", "vhost-net": "/dev/vhost-net" } },
      { domain: "net.example.com" },
    );
    expect(Object.keys(attributes)).toStrictEqual([BUS, "net.example.com/type", "net.example.com/version", "net.example.com/pciVhostNet"]);
    expect(roundTrip({ type: "pci", pci: { "vhost-net": "/dev/vhost-net" } }, { domain: "net.example.com" }).deviceInfo).toStrictEqual({
      type: "pci",
      version: "1.1.0",
      pci: { "vhost-net": "/dev/vhost-net" },
    });
  });

  it("has identifiers the API accepts for every field", () => {
    for (const { id } of DEVICE_INFO_ATTRIBUTE_IDS) {
      expect(id).toMatch(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/);
      expect(isQualifiedName(`${D}/${id}`)).toBe(true);
    }
    expect(D.length).toBeLessThanOrEqual(63);
  });

  describe("values at and past the API's limits", () => {
    const withPath = (path: string) =>
      deviceInfoToDeviceAttributes({ type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "server", path } });

    it.each([
      ["64 ASCII bytes", `/${"a".repeat(63)}`, true],
      ["65 ASCII bytes", `/${"a".repeat(64)}`, false],
      ["64 bytes in 33 characters (é is 2 bytes)", `/${"é".repeat(31)}x`, true],
      ["66 bytes in 34 characters", `/${"é".repeat(32)}x`, false],
      ["64 bytes of 4-byte characters", "😀".repeat(16), true],
      ["68 bytes of 4-byte characters (17 characters)", "😀".repeat(17), false],
    ])("a string of %s", (_, path, fits) => {
      const { attributes, warnings } = withPath(path);
      expect(attributeProblems(attributes)).toStrictEqual([]);
      if (fits) {
        expect(attributes[`${D}/vhostUserPath`]).toStrictEqual({ string: path });
        expect(warnings).toStrictEqual([]);
      } else {
        // left out, never truncated; reported with the field and the attribute
        expect(attributes[`${D}/vhostUserPath`]).toBeUndefined();
        expect(warnings).toStrictEqual([
          expect.objectContaining({ code: "value_too_long", attribute: `${D}/vhostUserPath`, jsonPath: "$['vhost-user']['path']" }),
        ]);
        expect(warnings[0]?.message).toContain(`${Buffer.byteLength(path)} bytes`);
      }
    });

    it.each([
      ["1.1.0", true],
      ["1.0.0", true],
      ["2.0.0-rc.1+build.5", true],
      ["v1.1.0", false],
      ["1.1", false],
      ["01.1.0", false],
      [`1.1.0-${"a".repeat(59)}`, false], // 65 bytes
      [`1.1.0-${"a".repeat(58)}`, true], // 64 bytes
    ])("version %s", (version, fits) => {
      const { attributes, warnings } = deviceInfoToDeviceAttributes({ type: "pci", version, pci: { "pci-address": "0000:af:06.0" } });
      expect(attributeProblems(attributes)).toStrictEqual([]);
      expect(attributes[`${D}/version`]).toStrictEqual(fits ? { version } : undefined);
      if (!fits) expect(warnings.map((w) => w.code)).toContain(version.length > 64 ? "value_too_long" : "not_semver");
    });

    it("keeps within the attribute budget, dropping the least important and listing each", () => {
      const info = {
        type: "pci",
        version: "1.1.0",
        pci: { "pci-address": "0000:af:06.0", "vhost-net": "/dev/vhost-net", "rdma-device": "mlx5_3" },
      } as DeviceInfo;
      const all = deviceInfoToDeviceAttributes(info, { resourceName: "r", deviceID: "d" });
      expect(Object.keys(all.attributes)).toHaveLength(7);
      const { attributes, warnings } = deviceInfoToDeviceAttributes(info, { resourceName: "r", deviceID: "d", maxAttributes: 5 });
      expect(Object.keys(attributes)).toStrictEqual([
        "k8s.cni.cncf.io/resourceName",
        "k8s.cni.cncf.io/deviceID",
        BUS,
        `${D}/type`,
        `${D}/version`,
      ]);
      expect(warnings.map((w) => [w.code, w.attribute])).toStrictEqual([
        ["too_many_attributes", `${D}/pciVhostNet`],
        ["too_many_attributes", `${D}/pciRdmaDevice`],
      ]);
      expect(deviceInfoToDeviceAttributes(info, { maxAttributes: 0 }).attributes).toStrictEqual({});
    });

    it("never exceeds the API's 32 attributes, even with every field of every type", () => {
      const info = JSON.parse(writeFixtures().find((f) => f.name === "multiple-sub-objects")?.input ?? "{}");
      for (const sub of ["pci", "vdpa", "vhost-user", "memif"]) {
        info[sub] = Object.fromEntries(
          DEVICE_INFO_ATTRIBUTE_IDS.filter((e) => e.subObject === sub).map((e) => [
            e.key,
            e.key.includes("pci-address") ? "0000:af:06.0" : "/x",
          ]),
        );
      }
      const { attributes } = deviceInfoToDeviceAttributes(info, { resourceName: "intel.com/sriov", deviceID: "0000:af:06.0" });
      expect(Object.keys(attributes).length).toBeLessThanOrEqual(32);
      validateDeviceAttributes(attributes);
    });
  });

  it("reports keys the spec does not define instead of inventing attributes for them", () => {
    const { attributes, warnings } = deviceInfoToDeviceAttributes({
      type: "pci",
      version: "1.1.0",
      pci: { "pci-address": "0000:af:06.0", "x-vendor": "acme" },
      extra: 1,
    } as DeviceInfo);
    expect(Object.keys(attributes)).toHaveLength(3);
    expect(warnings.map((w) => [w.code, w.jsonPath])).toStrictEqual([
      ["unmapped_key", "$['pci']['x-vendor']"],
      ["unmapped_key", "$['extra']"],
    ]);
  });

  it("passes the reader's deviations on as warnings, and refuses what the reader refuses", () => {
    const { warnings } = deviceInfoToDeviceAttributes({ type: "pci", version: "1.1.0", pci: { "pci-address": "af:06.0" } });
    expect(warnings).toStrictEqual([
      expect.objectContaining({ code: "invalid_pci_address", jsonPath: "$['pci']['pci-address']" }),
      // and it is no value for the standard attribute
      expect.objectContaining({ code: "nonstandard_value", attribute: BUS, jsonPath: "$['pci']['pci-address']" }),
    ]);
    for (const bad of [{ type: "pci", pci: { "pci-address": 5 } }, null, "{}", [], 5]) {
      try {
        deviceInfoToDeviceAttributes(bad as unknown as DeviceInfo);
        expect.unreachable();
      } catch (err) {
        expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
        expect(isDeviceInfoError(err) && err.issues[0]?.code).toBe(
          bad !== null && typeof bad === "object" && !Array.isArray(bad) ? "wrong_type" : "not_object",
        );
      }
    }
  });

  it.each([
    ["options", () => deviceInfoToDeviceAttributes({} as DeviceInfo, null as never), "ERR_INVALID_ARG_TYPE"],
    ["options.domain", () => deviceInfoToDeviceAttributes({} as DeviceInfo, { domain: "Example.COM" }), "ERR_INVALID_ARG_VALUE"],
    ["options.domain", () => deviceInfoToDeviceAttributes({} as DeviceInfo, { domain: `${"a".repeat(60)}.com` }), "ERR_INVALID_ARG_VALUE"],
    ["options.resourceName", () => deviceInfoToDeviceAttributes({} as DeviceInfo, { resourceName: 5 as never }), "ERR_INVALID_ARG_TYPE"],
    ["options.maxAttributes", () => deviceInfoToDeviceAttributes({} as DeviceInfo, { maxAttributes: -1 }), "ERR_OUT_OF_RANGE"],
    ["options.maxAttributes", () => deviceInfoToDeviceAttributes({} as DeviceInfo, { maxAttributes: Number.NaN }), "ERR_OUT_OF_RANGE"],
    ["attributes", () => deviceInfoFromDeviceAttributes([] as never), "ERR_INVALID_ARG_TYPE"],
    ["attributes", () => deviceInfoFromDeviceAttributes(undefined as never), "ERR_INVALID_ARG_TYPE"],
    ["options", () => deviceInfoFromDeviceAttributes({}, "x" as never), "ERR_INVALID_ARG_TYPE"],
    ["name", () => isQualifiedName(5 as never), "ERR_INVALID_ARG_TYPE"],
  ])("misuse of %s follows Node's convention", (argument, call, code) => {
    let caught: unknown;
    try {
      call();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(code === "ERR_OUT_OF_RANGE" ? RangeError : TypeError);
    expect(caught).toMatchObject({ code });
    expect((caught as Error).message).toContain(argument);
  });
});

describe("deviceInfoFromDeviceAttributes", () => {
  it("finds the device plugin file of a DRA-allocated device through Multus's attributes", () => {
    const attributes: DeviceAttributes = {
      "k8s.cni.cncf.io/resourceName": { string: "intel.com/sriov" },
      "k8s.cni.cncf.io/deviceID": { string: "0000:af:06.0" },
      [BUS]: { string: "0000:af:06.0" },
      "sriovnetwork.k8snetworkplumbingwg.io/PFName": { string: "ens1f0" },
      "dra.net/numaNode": { int: 1 },
    };
    const result = deviceInfoFromDeviceAttributes(attributes);
    expect(result).toStrictEqual({
      warnings: [],
      resourceName: "intel.com/sriov",
      deviceID: "0000:af:06.0",
      numaNode: 1, // the SR-IOV driver's NUMA attribute (dra.net/numaNode)
      deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } },
    });
    expect(getDPDeviceInfoPath(result.resourceName as string, result.deviceID as string, { baseDir: "/b" })).toBe(
      "/b/dp/intel.com-sriov-0000:af:06.0-device.json",
    );
  });

  it.each([
    [
      "pciBusID alone is a PCI device",
      { [BUS]: { string: "0000:af:06.0" } },
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } },
    ],
    [
      "vdpa fields make it vDPA, pciBusID its address",
      { [BUS]: { string: "0000:af:06.0" }, [`${D}/vdpaDriver`]: { string: "virtio" } },
      { type: "vdpa", version: "1.1.0", vdpa: { driver: "virtio", "pci-address": "0000:af:06.0" } },
    ],
    [
      "vhost-user fields",
      { [`${D}/vhostUserPath`]: { string: "/s" } },
      { type: "vhost-user", version: "1.1.0", "vhost-user": { path: "/s" } },
    ],
    ["memif fields", { [`${D}/memifRole`]: { string: "slave" } }, { type: "memif", version: "1.1.0", memif: { role: "slave" } }],
    [
      "an explicit version",
      { [BUS]: { string: "0000:af:06.0" }, [`${D}/version`]: { version: "1.0.0" } },
      { type: "pci", version: "1.0.0", pci: { "pci-address": "0000:af:06.0" } },
    ],
  ])("infers the type: %s", (_, attributes, expected) => {
    expect(deviceInfoFromDeviceAttributes(attributes as DeviceAttributes).deviceInfo).toStrictEqual(expected);
  });

  it("has no device-info for a device without device-info attributes (a GPU, a bare name in the driver's domain)", () => {
    expect(
      deviceInfoFromDeviceAttributes({ model: { string: "X100" }, type: { string: "pci" }, "gpu.example.com/memory": { int: 80 } }),
    ).toStrictEqual({ warnings: [] });
  });

  it("reads leniently, reporting what it cannot read", () => {
    const { deviceInfo, warnings, resourceName } = deviceInfoFromDeviceAttributes({
      [BUS]: { string: "0000:af:06.0" },
      [`${D}/pciPciAddress`]: { string: "0000:af:06.1" },
      [`${D}/version`]: { string: "1.1.0" },
      [`${D}/pciRdmaDevice`]: { int: 3 },
      [`${D}/pciVhostNet`]: { string: "/dev/vhost-net", bool: true },
      [`${D}/future`]: { string: "x" },
      "k8s.cni.cncf.io/resourceName": { bool: true },
      "k8s.cni.cncf.io/deviceID": { string: "" },
    } as DeviceAttributes);
    expect(deviceInfo).toStrictEqual({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } });
    expect(resourceName).toBeUndefined();
    expect(warnings.map((w) => [w.code, w.attribute])).toStrictEqual([
      ["wrong_attribute_type", "k8s.cni.cncf.io/resourceName"],
      ["wrong_attribute_type", `${D}/version`],
      ["wrong_attribute_type", `${D}/pciRdmaDevice`],
      ["invalid_attribute", `${D}/pciVhostNet`],
      ["unknown_attribute", `${D}/future`],
      ["conflict", BUS],
    ]);
  });

  it("passes the document's deviations on", () => {
    const { deviceInfo, warnings } = deviceInfoFromDeviceAttributes({
      [`${D}/type`]: { string: "vdpa" },
      [`${D}/vdpaDriver`]: { string: "vfio" },
    });
    expect(deviceInfo).toStrictEqual({ type: "vdpa", version: "1.1.0", vdpa: { driver: "vfio" } });
    expect(warnings.map((w) => [w.code, w.jsonPath])).toStrictEqual([
      ["missing_field", "$['vdpa']['parent-device']"],
      ["invalid_enum", "$['vdpa']['driver']"],
      ["missing_field", "$['vdpa']['path']"],
    ]);
  });
});

describe("standard attributes carry only standard values (resource.kubernetes.io/…)", () => {
  const pci = (address: string) => ({ type: "pci", version: "1.1.0", pci: { "pci-address": address } }) as DeviceInfo;

  it.each([
    ["an upper-case BDF (the issue's example)", "0000:3B:02.3", "0000:3b:02.3"],
    ["a mixed-case BDF", "0000:Af:0E.7", "0000:af:0e.7"],
    ["an upper-case domain", "ABCD:3b:02.3", "abcd:3b:02.3"],
    ["a lower-case BDF, as it is", "0000:3b:02.3", "0000:3b:02.3"],
  ])("writes %s in its canonical lower-case form", (_what, address, published) => {
    const { attributes, warnings } = deviceInfoToDeviceAttributes(pci(address));
    expect(attributes[BUS]).toStrictEqual({ string: published });
    expect(attributes[`${D}/pciPciAddress`]).toBeUndefined();
    expect(warnings).toStrictEqual([]);
    expect(standardAttributeProblems(attributes)).toStrictEqual([]);
  });

  it.each([
    ["a colon for the dot (the issue's example)", "0000:02:01:6"],
    ["a vendor:device pair (the issue's example)", "8086:9a01"],
    ["no domain", "3b:02.3"],
    ["a trailing space", "0000:3b:02.3 "],
    ["a two-digit function", "0000:3b:02.10"],
    ["not hex", "0000:3g:02.3"],
  ])("does not publish %s as pciBusID, warns, and keeps it under the device-info domain", (_what, address) => {
    const { attributes, warnings } = deviceInfoToDeviceAttributes(pci(address));
    expect(attributes[BUS]).toBeUndefined();
    expect(attributes[`${D}/pciPciAddress`]).toStrictEqual({ string: address });
    const warning = warnings.find((w) => w.code === "nonstandard_value");
    expect(warning).toMatchObject({ attribute: BUS, jsonPath: "$['pci']['pci-address']" });
    expect(warning?.message).toContain(`"${address}"`);
    expect(warning?.message).toContain(`${D}/pciPciAddress`);
    expect(() => validateDeviceAttributes(attributes)).not.toThrow();
    expect(standardAttributeProblems(attributes)).toStrictEqual([]);
    // the reader brings the value back from the domain's attribute
    expect(deviceInfoFromDeviceAttributes(attributes).deviceInfo?.pci?.["pci-address"]).toBe(address);
  });

  it("applies the rule to a vDPA device's address too", () => {
    const info = {
      type: "vdpa",
      version: "1.1.0",
      vdpa: {
        "parent-device": "vdpa:0000:65:00.3",
        driver: "vhost",
        path: "/dev/vhost-vdpa-0",
        "pci-address": "0000:65:00.3".toUpperCase(),
      },
    } as DeviceInfo;
    expect(deviceInfoToDeviceAttributes(info).attributes[BUS]).toStrictEqual({ string: "0000:65:00.3" });
    const bad = { ...info, vdpa: { ...info.vdpa, "pci-address": "65:00.3" } } as DeviceInfo;
    const { attributes, warnings } = deviceInfoToDeviceAttributes(bad);
    expect(attributes[BUS]).toBeUndefined();
    expect(attributes[`${D}/vdpaPciAddress`]).toStrictEqual({ string: "65:00.3" });
    expect(warnings.map((w) => w.code)).toContain("nonstandard_value");
  });

  it("holds on every write fixture: no output breaks a standard attribute's rule", () => {
    for (const { input } of writeFixtures()) {
      let attributes: DeviceAttributes;
      try {
        attributes = deviceInfoToDeviceAttributes(JSON.parse(input)).attributes;
      } catch (err) {
        if (isDeviceInfoError(err)) continue;
        throw err;
      }
      expect(standardAttributeProblems(attributes)).toStrictEqual([]);
    }
  });

  it.each([
    ["an upper-case BDF, read in its canonical form", "0000:3B:02.3", "0000:3b:02.3", /lower case \("0000:3b:02.3"\)/],
    ["a colon for the dot, ignored", "0000:02:01:6", undefined, /not a PCI address in extended BDF notation/],
    ["a vendor:device pair, ignored", "8086:9a01", undefined, /ignored/],
    ["no domain, ignored", "3b:02.3", undefined, /ignored/],
  ])("reads a pciBusID that breaks the rule: %s, with a warning", (_what, value, address, says) => {
    const { deviceInfo, warnings } = deviceInfoFromDeviceAttributes({ [BUS]: { string: value } });
    expect(deviceInfo?.pci?.["pci-address"]).toBe(address);
    if (address === undefined) expect(deviceInfo).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "nonstandard_value", attribute: BUS });
    expect(warnings[0]?.message).toMatch(says);
  });

  it("prefers the device-info domain's address when the standard one is unusable", () => {
    const { deviceInfo, warnings } = deviceInfoFromDeviceAttributes({
      [BUS]: { string: "8086:9a01" },
      [`${D}/pciPciAddress`]: { string: "0000:3b:02.3" },
    });
    expect(deviceInfo?.pci?.["pci-address"]).toBe("0000:3b:02.3");
    expect(warnings.map((w) => w.code)).toStrictEqual(["nonstandard_value"]);
  });

  const NUMA = "resource.kubernetes.io/numaNode";
  it.each([
    ["an int", { int: 1 }, 1],
    ["node 0", { int: 0 }, 0],
    ["the highest node", { int: 1023 }, 1023],
    ["a list, the physical node first (KEP-5491)", { ints: [4, 5, 6, 7] }, 4],
  ])("reads numaNode as %s", (_what, value, node) => {
    const result = deviceInfoFromDeviceAttributes({ [NUMA]: value as DeviceAttributes[string], [BUS]: { string: "0000:3b:02.3" } });
    expect(result.numaNode).toBe(node);
    expect(result.warnings).toStrictEqual([]);
  });

  it.each([
    ["-1 (no NUMA affinity, never published upstream)", { int: -1 }],
    ["1024, past the kernel's maximum", { int: 1024 }],
    ["a string", { string: "0" }],
    ["an empty list", { ints: [] }],
    ["a list with a negative node", { ints: [0, -1] }],
    ["a bool", { bool: true }],
  ])("ignores a numaNode that is %s, with a warning", (_what, value) => {
    const result = deviceInfoFromDeviceAttributes({ [NUMA]: value as DeviceAttributes[string] });
    expect(result.numaNode).toBeUndefined();
    expect(result.warnings.map((w) => [w.code, w.attribute])).toStrictEqual([["nonstandard_value", NUMA]]);
  });

  it("leaves standard attributes it does not use alone (pcieRoot)", () => {
    expect(deviceInfoFromDeviceAttributes({ "resource.kubernetes.io/pcieRoot": { string: "pci0000:3a" } })).toStrictEqual({ warnings: [] });
  });

  it("canonicalPCIBusID is the rule, exported for drivers", () => {
    expect(canonicalPCIBusID("0000:3B:02.3")).toBe("0000:3b:02.3");
    expect(canonicalPCIBusID("8086:9a01")).toBeUndefined();
    expect(() => canonicalPCIBusID(5 as unknown as string)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });
});

describe("real drivers' attribute vocabularies", () => {
  const SRIOV = "sriovnetwork.k8snetworkplumbingwg.io";
  // As DiscoverSriovDevices (dra-driver-sriov main, cd9404f) publishes a VF, with the proposed representor
  // (PR #129) of a switchdev PF, and the interfaceName its metadata files add.
  const sriovVF: DeviceAttributes = {
    [`${SRIOV}/vendor`]: { string: "15b3" },
    [`${SRIOV}/deviceID`]: { string: "101e" },
    [`${SRIOV}/pfDeviceID`]: { string: "101d" },
    [`${SRIOV}/pciAddress`]: { string: "0000:3b:02.3" },
    "k8s.cni.cncf.io/deviceID": { string: "0000:3b:02.3" },
    [`${SRIOV}/PFName`]: { string: "ens1f0np0" },
    [`${SRIOV}/EswitchMode`]: { string: "switchdev" },
    [`${SRIOV}/vfID`]: { int: 3 },
    "resource.kubernetes.io/pcieRoot": { string: "pci0000:3a" },
    [`${SRIOV}/pfPciAddress`]: { string: "0000:3b:00.0" },
    [BUS]: { string: "0000:3b:02.3" },
    [`${SRIOV}/linkType`]: { string: "ethernet" },
    [`${SRIOV}/rdmaCapable`]: { bool: true },
    "dra.net/numaNode": { int: 1 },
    [`${SRIOV}/representor`]: { string: "ens1f0npf0vf3" },
    [`${SRIOV}/physPortName`]: { string: "pf0vf3" },
    [`${SRIOV}/interfaceName`]: { string: "net1" },
  };
  // As dranet v1.4.0 publishes a VF's netdev (inventory/db.go).
  const dranetNIC: DeviceAttributes = {
    "dra.net/ifName": { string: "ens1f0v3" },
    "dra.net/pciAddress": { string: "0000:3b:02.3" },
    "dra.net/mac": { string: "02:11:22:33:44:55" },
    "dra.net/pciVendor": { string: "Mellanox Technologies" },
    "dra.net/pciDevice": { string: "ConnectX Family mlx5Gen Virtual Function" },
    "dra.net/numaNode": { int: 0 },
    "dra.net/mtu": { int: 1500 },
    "dra.net/encapsulation": { string: "ether" },
    "dra.net/state": { string: "up" },
    "dra.net/type": { string: "device" },
    "dra.net/sriov": { bool: false },
    "dra.net/isSriovVf": { bool: true },
    "dra.net/virtual": { bool: false },
    "dra.net/rdma": { bool: true },
    "dra.net/rdmaDevice": { string: "mlx5_3" },
    "resource.kubernetes.io/pcieRoot": { string: "pci0000:3a" },
  };

  it("reads the SR-IOV DRA driver's VF: PF address, representor, NUMA node, interface name, device ID", () => {
    const result = deviceInfoFromDeviceAttributes(sriovVF);
    expect(result).toStrictEqual({
      warnings: [],
      deviceID: "0000:3b:02.3",
      numaNode: 1,
      interfaceName: "net1",
      deviceInfo: {
        type: "pci",
        version: "1.1.0",
        pci: { "pci-address": "0000:3b:02.3", "pf-pci-address": "0000:3b:00.0", "representor-device": "ens1f0npf0vf3" },
      },
    });
  });

  it("reads the SR-IOV driver's vDPA type (PR #128) as a vDPA device, reporting what device-info needs and the driver did not say", () => {
    const { deviceInfo, warnings } = deviceInfoFromDeviceAttributes({ ...sriovVF, [`${SRIOV}/vdpaType`]: { string: "vhost" } });
    expect(deviceInfo).toStrictEqual({
      type: "vdpa",
      version: "1.1.0",
      vdpa: { driver: "vhost", "pci-address": "0000:3b:02.3", "pf-pci-address": "0000:3b:00.0", "representor-device": "ens1f0npf0vf3" },
    });
    expect(warnings.map((w) => [w.code, w.jsonPath])).toStrictEqual([
      ["missing_field", "$['vdpa']['parent-device']"],
      ["missing_field", "$['vdpa']['path']"],
    ]);
  });

  it("leaves out the SR-IOV driver's -1 (no NUMA affinity) without a warning", () => {
    const result = deviceInfoFromDeviceAttributes({ ...sriovVF, "dra.net/numaNode": { int: -1 } });
    expect(result.numaNode).toBeUndefined();
    expect(result.warnings).toStrictEqual([]);
  });

  it("reads dranet's NIC: PCI address, RDMA device, NUMA node, interface name", () => {
    expect(deviceInfoFromDeviceAttributes(dranetNIC)).toStrictEqual({
      warnings: [],
      numaNode: 0,
      interfaceName: "ens1f0v3",
      deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:3b:02.3", "rdma-device": "mlx5_3" } },
    });
  });

  it("lets the standard and device-info attributes win over a driver's, reporting each disagreement", () => {
    const { deviceInfo, numaNode, warnings } = deviceInfoFromDeviceAttributes({
      [BUS]: { string: "0000:3b:02.3" },
      "resource.kubernetes.io/numaNode": { int: 0 },
      "dra.net/numaNode": { int: 1 },
      "dra.net/pciAddress": { string: "0000:3b:02.4" },
      [`${D}/pciRdmaDevice`]: { string: "mlx5_3" },
      "dra.net/rdmaDevice": { string: "mlx5_9" },
    });
    expect(deviceInfo?.pci).toStrictEqual({ "pci-address": "0000:3b:02.3", "rdma-device": "mlx5_3" });
    expect(numaNode).toBe(0);
    expect(warnings.map((w) => [w.code, w.attribute])).toStrictEqual([
      ["conflict", "dra.net/numaNode"],
      ["conflict", "dra.net/pciAddress"],
      ["conflict", "dra.net/rdmaDevice"],
    ]);
  });

  it("reports a driver attribute of the wrong kind instead of guessing", () => {
    const { deviceInfo, warnings } = deviceInfoFromDeviceAttributes({
      "dra.net/pciAddress": { int: 5 },
      "dra.net/numaNode": { string: "1" },
    });
    expect(deviceInfo).toBeUndefined();
    expect(warnings.map((w) => [w.code, w.attribute])).toStrictEqual([
      ["wrong_attribute_type", "dra.net/pciAddress"],
      ["wrong_attribute_type", "dra.net/numaNode"],
    ]);
  });

  const VF = {
    type: "pci",
    version: "1.1.0",
    pci: { "pci-address": "0000:3B:02.3", "rdma-device": "mlx5_3", "pf-pci-address": "0000:3b:00.0", "representor-device": "pf0vf3" },
  } as DeviceInfo;

  it("writes today's vocabulary by default, with the standard NUMA node when given", () => {
    const { attributes } = deviceInfoToDeviceAttributes(VF, { numaNode: 1 });
    expect(attributes).toStrictEqual({
      [BUS]: { string: "0000:3b:02.3" },
      "resource.kubernetes.io/numaNode": { int: 1 },
      [`${D}/type`]: { string: "pci" },
      [`${D}/version`]: { version: "1.1.0" },
      [`${D}/pciRdmaDevice`]: { string: "mlx5_3" },
      [`${D}/pciPfPciAddress`]: { string: "0000:3b:00.0" },
      [`${D}/pciRepresentorDevice`]: { string: "pf0vf3" },
    });
  });

  it.each([
    [
      SRIOV,
      {
        [BUS]: { string: "0000:3b:02.3" },
        "dra.net/numaNode": { int: 1 },
        [`${D}/type`]: { string: "pci" },
        [`${D}/version`]: { version: "1.1.0" },
        [`${SRIOV}/pciAddress`]: { string: "0000:3B:02.3" },
        [`${D}/pciRdmaDevice`]: { string: "mlx5_3" },
        [`${SRIOV}/pfPciAddress`]: { string: "0000:3b:00.0" },
        [`${SRIOV}/representor`]: { string: "pf0vf3" },
      },
    ],
    [
      "dra.net",
      {
        "dra.net/numaNode": { int: 1 },
        [`${D}/type`]: { string: "pci" },
        [`${D}/version`]: { version: "1.1.0" },
        "dra.net/pciAddress": { string: "0000:3B:02.3" },
        "dra.net/rdmaDevice": { string: "mlx5_3" },
        [`${D}/pciPfPciAddress`]: { string: "0000:3b:00.0" },
        [`${D}/pciRepresentorDevice`]: { string: "pf0vf3" },
      },
    ],
  ] as const)(
    "writes the %s vocabulary (the rest under the device-info domain), which the API accepts and reads back",
    (vocabulary, expected) => {
      const { attributes, warnings } = deviceInfoToDeviceAttributes(VF, { vocabulary, numaNode: 1 });
      expect(attributes).toStrictEqual(expected);
      expect(warnings).toStrictEqual([]);
      expect(() => validateDeviceAttributes(attributes)).not.toThrow();
      expect(standardAttributeProblems(attributes)).toStrictEqual([]);
      const back = deviceInfoFromDeviceAttributes(attributes);
      expect(back.numaNode).toBe(1);
      expect(back.deviceInfo).toStrictEqual({
        ...VF,
        pci: { ...VF.pci, "pci-address": vocabulary === "dra.net" ? "0000:3B:02.3" : "0000:3b:02.3" },
      });
    },
  );

  it("writes a vDPA device's type as the SR-IOV driver's vdpaType", () => {
    const info = {
      type: "vdpa",
      version: "1.1.0",
      vdpa: { "parent-device": "vdpa:0000:3b:02.3", driver: "virtio", path: "/dev/vhost-vdpa-0", "pci-address": "0000:3b:02.3" },
    } as DeviceInfo;
    const { attributes } = deviceInfoToDeviceAttributes(info, { vocabulary: SRIOV });
    expect(attributes[`${SRIOV}/vdpaType`]).toStrictEqual({ string: "virtio" });
    expect(attributes[`${D}/vdpaParentDevice`]).toStrictEqual({ string: "vdpa:0000:3b:02.3" });
    expect(deviceInfoFromDeviceAttributes(attributes).deviceInfo).toStrictEqual(info);
  });

  it.each([
    [{ vocabulary: "nvidia.com" }, "ERR_INVALID_ARG_VALUE"],
    [{ numaNode: -1 }, "ERR_OUT_OF_RANGE"],
    [{ numaNode: 1024 }, "ERR_OUT_OF_RANGE"],
    [{ numaNode: 1.5 }, "ERR_OUT_OF_RANGE"],
  ])("refuses %j as misuse", (options, code) => {
    expect(() => deviceInfoToDeviceAttributes(VF, options as never)).toThrow(expect.objectContaining({ code }));
  });
});
