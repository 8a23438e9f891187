import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import type { CNIResult } from "../../src/status/cni-result.js";
import {
  createNetworkStatus,
  createNetworkStatuses,
  mergeNetworkStatus,
  NETWORK_STATUS_ANNOTATION,
  parseNetworkStatusAnnotation,
  serializeNetworkStatusAnnotation,
  setNetworkStatusDeviceInfo,
} from "../../src/status/network-status.js";
import type { NetworkStatus } from "../../src/status/schema.js";
import { FC_SEED, fromEntries, jsonValue, text, unknownKey, validDocument } from "../helpers/arbitraries.js";
import { caught } from "../helpers/caught.js";
import { GO_REFERENCE_DIR } from "../helpers/fixtures.js";
import { REPO_ROOT } from "../helpers/run-node.js";

const NETSTATUS_DIR = path.join(GO_REFERENCE_DIR, "netstatus");
const FROM_CNI_DIR = path.join(GO_REFERENCE_DIR, "netstatus-from-cni");
const RESULTS_DIR = path.join(REPO_ROOT, "fixtures", "cni-results");
const read = (file: string) => fs.readFileSync(file, "utf8");

const setCases = fs
  .readdirSync(NETSTATUS_DIR)
  .filter((f) => f.endsWith(".input.json"))
  .map((f) => f.slice(0, -".input.json".length))
  .sort();

interface FromCNICase {
  result: string;
  mode: "single" | "multi";
  netName: string;
  isDefault: boolean;
  deviceInfo: string;
  annotationFile: string;
}
const fromCNICases: FromCNICase[] = read(path.join(FROM_CNI_DIR, "cases.tsv"))
  .split("\n")
  .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("result\t"))
  .map((line) => {
    const [result, mode, netName, isDefault, deviceInfo, annotationFile] = line.split("\t") as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return { result, mode: mode as "single" | "multi", netName, isDefault: isDefault === "true", deviceInfo, annotationFile };
  });

describe("serializeNetworkStatusAnnotation: byte-identical to Go's SetNetworkStatus (netstatus/)", () => {
  it("has fixtures", () => {
    expect(setCases.length).toBeGreaterThanOrEqual(4);
  });

  it.each(setCases)("%s, from the input as decoded by JSON.parse", (name) => {
    const input = JSON.parse(read(path.join(NETSTATUS_DIR, `${name}.input.json`))) as NetworkStatus[];
    expect(serializeNetworkStatusAnnotation(input)).toBe(read(path.join(NETSTATUS_DIR, `${name}.go-annotation.txt`)));
  });

  it.each(setCases)("%s, from the input as read by parseNetworkStatusAnnotation", (name) => {
    const input = parseNetworkStatusAnnotation(read(path.join(NETSTATUS_DIR, `${name}.input.json`)));
    expect(serializeNetworkStatusAnnotation(input)).toBe(read(path.join(NETSTATUS_DIR, `${name}.go-annotation.txt`)));
  });

  it.each(setCases)("%s: Go's own annotation parses and re-serializes to the same bytes", (name) => {
    const annotation = read(path.join(NETSTATUS_DIR, `${name}.go-annotation.txt`));
    expect(serializeNetworkStatusAnnotation(parseNetworkStatusAnnotation(annotation))).toBe(annotation);
  });

  it("the annotation values the kubelet projected (downward-api/) round-trip byte for byte", () => {
    const dir = path.join(REPO_ROOT, "fixtures", "downward-api");
    let seen = 0;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".map.json"))) {
      const map = JSON.parse(read(path.join(dir, file))) as Record<string, string>;
      const value = map[NETWORK_STATUS_ANNOTATION];
      if (value === undefined) continue;
      seen++;
      expect(serializeNetworkStatusAnnotation(parseNetworkStatusAnnotation(value))).toBe(value);
    }
    expect(seen).toBeGreaterThanOrEqual(2);
  });
});

describe("createNetworkStatus(es): byte-identical to Go on real CNI results (netstatus-from-cni/)", () => {
  it("has every case of cases.tsv", () => {
    expect(fromCNICases).toHaveLength(30);
  });

  it.each(fromCNICases.map((c) => [c.annotationFile, c] as const))("%s", (_file, c) => {
    const resultText = read(path.join(RESULTS_DIR, `${c.result}.json`));
    const deviceInfo = c.deviceInfo === "-" ? undefined : (JSON.parse(read(path.join(FROM_CNI_DIR, c.deviceInfo))) as DeviceInfo);
    const expected = read(path.join(FROM_CNI_DIR, c.annotationFile));
    for (const input of [JSON.parse(resultText) as CNIResult, resultText]) {
      const statuses =
        c.mode === "single"
          ? [createNetworkStatus(input, c.netName, c.isDefault, deviceInfo)]
          : createNetworkStatuses(input, c.netName, c.isDefault, deviceInfo);
      expect(serializeNetworkStatusAnnotation(statuses)).toBe(expected);
      // What create builds is already canonical: parsing the annotation gives it back.
      expect(parseNetworkStatusAnnotation(expected)).toStrictEqual(statuses);
    }
  });

  it("does not modify the result or the device-info it is given", () => {
    const result = JSON.parse(read(path.join(RESULTS_DIR, "bridge-hostlocal.json"))) as CNIResult;
    const info = JSON.parse(read(path.join(FROM_CNI_DIR, "devinfo-pci.json"))) as DeviceInfo;
    const before = JSON.stringify([result, info]);
    createNetworkStatuses(result, "n", true, info);
    createNetworkStatus(result, "n", true, info);
    expect(JSON.stringify([result, info])).toBe(before);
  });
});

describe("Go's bugs, and the options that fix them", () => {
  it('a default route without gw: Go writes "<nil>"; omitNil leaves it out', () => {
    const result = JSON.parse(read(path.join(RESULTS_DIR, "bridge-hostlocal.json"))) as CNIResult;
    expect(createNetworkStatuses(result, "n", false)[0]?.gateway).toEqual(["<nil>"]);
    expect(createNetworkStatuses(result, "n", false, undefined, { omitNil: true })[0]).not.toHaveProperty("gateway");
    expect(createNetworkStatus(result, "n", false, undefined, { omitNil: true })).not.toHaveProperty("gateway");
  });

  it('an IP without address: Go writes "<nil>"; omitNil leaves it out', () => {
    const result: CNIResult = { cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: "/ns" }], ips: [{ interface: 0 }] };
    expect(createNetworkStatuses(result, "n", false)[0]?.ips).toEqual(["<nil>"]);
    expect(createNetworkStatuses(result, "n", false, undefined, { omitNil: true })[0]).not.toHaveProperty("ips");
  });

  const noSandbox: CNIResult = {
    cniVersion: "1.0.0",
    interfaces: [
      { name: "br0", mac: "02:00:00:00:00:01" },
      { name: "veth1", mac: "02:00:00:00:00:02" },
    ],
    ips: [{ interface: 1, address: "10.0.0.2/24", gateway: "10.0.0.1" }],
    routes: [{ dst: "0.0.0.0/0", gw: "10.0.0.1" }],
  };
  const info: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };

  it("no sandbox interface: Go returns no entry (the device-info is lost); keepWithoutSandbox keeps one", () => {
    expect(createNetworkStatuses(noSandbox, "ns/n", true, info)).toEqual([]);
    expect(createNetworkStatuses(noSandbox, "ns/n", true, info, { keepWithoutSandbox: true })).toStrictEqual([
      { name: "ns/n", ips: ["10.0.0.2"], default: true, dns: {}, "device-info": info, gateway: ["10.0.0.1"] },
    ]);
  });

  it("a 0.2.0 result has no interfaces: no entry from Go's multi path, one from the single path", () => {
    const legacy: CNIResult = { cniVersion: "0.2.0", ip4: { ip: "10.1.0.5/16", gateway: "10.1.0.1", routes: [{ dst: "0.0.0.0/0" }] } };
    expect(createNetworkStatuses(legacy, "n", false, info)).toEqual([]);
    expect(createNetworkStatus(legacy, "n", false, info)).toStrictEqual({
      name: "n",
      ips: ["10.1.0.5"],
      dns: {},
      "device-info": info,
      gateway: ["<nil>"],
    });
    expect(createNetworkStatuses(legacy, "n", false, info, { keepWithoutSandbox: true, omitNil: true })).toStrictEqual([
      { name: "n", ips: ["10.1.0.5"], dns: {}, "device-info": info },
    ]);
  });
});

describe("createNetworkStatuses: Go's mapping of multi-interface results (hand-made, expected values from Go's code)", () => {
  const sandbox = "/var/run/netns/pod";
  const multi: CNIResult = {
    cniVersion: "1.0.0",
    interfaces: [
      { name: "br0", mac: "02:00:00:00:00:b0" },
      { name: "net1", mac: "02:00:00:00:00:01", sandbox },
      { name: "veth0", mac: "02:00:00:00:00:v0" },
      { name: "net2", mac: "02:00:00:00:00:02", sandbox, mtu: 9000 },
    ],
    ips: [
      { interface: 1, address: "10.0.0.2/24" },
      { interface: 3, address: "10.0.1.2/24", gateway: "10.0.1.1" },
      { address: "10.0.2.2/24" }, // unindexed: to the last sandbox entry
      { interface: 2, address: "10.0.3.2/24" }, // a host interface: dropped
      { interface: 7, address: "10.0.4.2/24" }, // out of range: dropped
      { interface: 1, address: "FD00:0000:0000:0000:0000:0000:0000:0002/64" },
    ],
    routes: [
      { dst: "0.0.0.0/0", gw: "10.0.1.1" },
      { dst: "10.9.0.0/16", gw: "10.0.0.1" },
      { dst: "::/0", gw: "fd00::1" },
      { gw: "10.0.0.254" }, // no dst: default for Go
      { dst: "0.0.0.0/8", gw: "10.0.0.253" }, // Go only checks the address: default
      { dst: "0.0.0.1/0", gw: "10.0.0.252" }, // not the zero address: not default
    ],
    dns: { nameservers: ["10.96.0.10"], domain: "cluster.local", search: [], options: ["ndots:5"] },
  };
  const gateway = ["10.0.1.1", "fd00::1", "10.0.0.254", "10.0.0.253"];
  const dns = { nameservers: ["10.96.0.10"], domain: "cluster.local", options: ["ndots:5"] };

  it("one entry per sandbox interface, IPs by index, unindexed to the last, default to the gateway's interface", () => {
    expect(createNetworkStatuses(multi, "ns/multi", true)).toStrictEqual([
      { name: "ns/multi", interface: "net1", ips: ["10.0.0.2", "fd00::2"], mac: "02:00:00:00:00:01", dns, gateway },
      {
        name: "ns/multi",
        interface: "net2",
        ips: ["10.0.1.2", "10.0.2.2"],
        mac: "02:00:00:00:00:02",
        mtu: 9000,
        default: true,
        dns,
        gateway,
      },
    ]);
  });

  it("isDefault false: no entry is default", () => {
    const statuses = createNetworkStatuses(multi, "ns/multi", false);
    expect(statuses.map((s) => s.default)).toEqual([undefined, undefined]);
  });

  it("no IP with both gateway and index: the first sandbox interface is the default", () => {
    const noGateway = { ...multi, ips: (multi.ips ?? []).map(({ gateway: _g, ...ip }) => ip) };
    expect(createNetworkStatuses(noGateway, "n", true).map((s) => s.default)).toEqual([true, undefined]);
  });

  it("the gateway's interface is a host interface: no entry is default (as in Go)", () => {
    const hostGateway = { ...multi, ips: [{ interface: 0, address: "10.0.9.2/24", gateway: "10.0.9.1" }] };
    expect(createNetworkStatuses(hostGateway, "n", true).map((s) => s.default)).toEqual([undefined, undefined]);
  });

  it("the single path: interface, MAC and MTU of the last sandbox interface, every IP", () => {
    expect(createNetworkStatus(multi, "ns/multi", true)).toStrictEqual({
      name: "ns/multi",
      interface: "net2",
      ips: ["10.0.0.2", "10.0.1.2", "10.0.2.2", "10.0.3.2", "10.0.4.2", "fd00::2"],
      mac: "02:00:00:00:00:02",
      mtu: 9000,
      default: true,
      dns,
      gateway,
    });
  });

  it("each entry gets its own copy of the device-info and DNS", () => {
    const info: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
    const [a, b] = createNetworkStatuses(multi, "n", false, info);
    expect(a?.["device-info"]).toStrictEqual(info);
    expect(a?.["device-info"]).not.toBe(b?.["device-info"]);
    expect(a?.dns).not.toBe(b?.dns);
  });

  it("a CNI 1.1 MTU is kept; a 0.4.0 result cannot carry one", () => {
    const one = { interfaces: [{ name: "net1", sandbox, mtu: 1400 }] };
    expect(createNetworkStatuses({ cniVersion: "1.1.0", ...one }, "n", false)[0]?.mtu).toBe(1400);
    expect(createNetworkStatuses({ cniVersion: "0.4.0", ...one }, "n", false)[0]).not.toHaveProperty("mtu");
  });

  it("rejects a bad network name, default flag (misuse) or device-info (data)", () => {
    expect(() => createNetworkStatuses(multi, 5 as unknown as string, false)).toThrow(
      expect.objectContaining({
        code: "ERR_INVALID_ARG_TYPE",
        message: 'The "networkName" argument must be of type string. Received type number (5)',
      }),
    );
    expect(() => createNetworkStatus(multi, "n", "yes" as unknown as boolean)).toThrow(
      expect.objectContaining({
        code: "ERR_INVALID_ARG_TYPE",
        message: expect.stringMatching(/^The "isDefault" argument must be of type boolean/),
      }),
    );
    const err = caught(() => createNetworkStatuses(multi, "n", false, { type: "pci", version: "1.1.0", pci: 5 } as unknown as DeviceInfo));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues[0]?.jsonPath).toBe("$['device-info']['pci']");
  });
});

describe("parseNetworkStatusAnnotation: tolerant of what real pods carry", () => {
  const go = read(path.join(NETSTATUS_DIR, "default-plus-sriov.go-annotation.txt"));

  it("any indentation (compact, tabs, CRLF) reads the same", () => {
    const value = parseNetworkStatusAnnotation(go);
    expect(parseNetworkStatusAnnotation(JSON.stringify(JSON.parse(go)))).toStrictEqual(value);
    expect(parseNetworkStatusAnnotation(JSON.stringify(JSON.parse(go), null, "\t").replace(/\n/g, "\r\n"))).toStrictEqual(value);
    expect(parseNetworkStatusAnnotation(Buffer.from(go))).toStrictEqual(value);
  });

  const tolerant: [string, string, NetworkStatus[], string[]][] = [
    ['name ""', '[{"name":"","interface":"eth0"}]', [{ name: "", interface: "eth0", dns: {} }], []],
    ["no interface", '[{"name":"cbr0","ips":["10.0.0.5"]}]', [{ name: "cbr0", ips: ["10.0.0.5"], dns: {} }], []],
    ["no name (read as Go reads it)", '[{"interface":"eth0"}]', [{ name: "", interface: "eth0", dns: {} }], ["missing_field $[0]['name']"]],
    [
      "unknown keys and the legacy device key: kept, after the known ones, in order",
      '[{"zeta":1,"device":{"pci":{"pci-address":"0000:af:06.0"}},"name":"n","x-owner":{"by":"ovn"}}]',
      [
        fromEntries([
          ["name", "n"],
          ["dns", {}],
          ["zeta", 1],
          ["device", { pci: { "pci-address": "0000:af:06.0" } }],
          ["x-owner", { by: "ovn" }],
        ]) as NetworkStatus,
      ],
      [],
    ],
    [
      "Go's canonical form: empty values dropped, dns always there",
      '[{"name":"n","interface":"","ips":[],"mac":"","mtu":0,"default":false,"gateway":[],"dns":{"nameservers":[],"domain":""}}]',
      [{ name: "n", dns: {} }],
      [],
    ],
    [
      "null is absent",
      '[{"name":"n","interface":null,"device-info":null,"dns":null}]',
      [{ name: "n", dns: {} }],
      ["null_field $[0]['interface']", "null_field $[0]['device-info']", "null_field $[0]['dns']"],
    ],
    [
      "keys in another case are read as Go reads them",
      '[{"Name":"n","IPs":["10.0.0.1"],"DNS":{"Nameservers":["1.1.1.1"]}}]',
      [{ name: "n", ips: ["10.0.0.1"], dns: { nameservers: ["1.1.1.1"] } }],
      ["key_case $[0]['Name']", "key_case $[0]['IPs']", "key_case $[0]['DNS']", "key_case $[0]['dns']['Nameservers']"],
    ],
    [
      "a device-info that deviates from the spec (as written by older plugins)",
      '[{"name":"n","device-info":{"type":"pci","version":"v1.0.0","pci":{"pci-address":"0000:af:06.0"}}}]',
      [{ name: "n", dns: {}, "device-info": { type: "pci", version: "v1.0.0", pci: { "pci-address": "0000:af:06.0" } } as DeviceInfo }],
      ["invalid_version $[0]['device-info']['version']"],
    ],
    ["a null name is Go's empty name (one warning)", '[{"name":null}]', [{ name: "", dns: {} }], ["null_field $[0]['name']"]],
    ["null: no entries (as Go)", "null", [], ["null_field $"]],
    ["a null entry (as Go)", "[null]", [{ name: "", dns: {} }], ["null_field $[0]"]],
    ['null in a list: "" (as Go)', '[{"name":"n","ips":[null]}]', [{ name: "n", ips: [""], dns: {} }], ["null_field $[0]['ips'][0]"]],
    ["empty list", "[]", [], []],
  ];

  it.each(tolerant)("%s", (_name, annotation, expected, warningCodes) => {
    const warnings: DeviceInfoIssue[] = [];
    const value = parseNetworkStatusAnnotation(annotation, { onWarning: (w) => warnings.push(w) });
    expect(value).toStrictEqual(expected);
    expect(Object.keys(value[0] ?? {})).toStrictEqual(Object.keys(expected[0] ?? {}));
    expect(warnings.map((w) => `${w.code} ${w.jsonPath}`)).toStrictEqual(warningCodes);
  });

  it.each(tolerant.filter((c) => c[3].length > 0))("%s: an error with strict: true", (_name, annotation, _expected, warningCodes) => {
    const err = caught(() => parseNetworkStatusAnnotation(annotation, { strict: true }));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues.map((i) => `${i.code} ${i.jsonPath}`)).toStrictEqual(warningCodes);
  });

  it("does not share arrays or objects with a later serialize-and-edit", () => {
    const [entry] = parseNetworkStatusAnnotation(go);
    entry?.ips?.push("1.2.3.4");
    expect(parseNetworkStatusAnnotation(go)[0]?.ips).toEqual(["10.244.1.5"]);
  });
});

describe("parseNetworkStatusAnnotation: malformed input", () => {
  const cases: [string, string, string, string | undefined][] = [
    ["empty text", "", "ERR_DEVINFO_PARSE", undefined],
    ["not JSON", "[{", "ERR_DEVINFO_PARSE", undefined],
    ["a byte order mark", '\ufeff[{"name":"n"}]', "ERR_DEVINFO_PARSE", undefined],
    ["an object, not an array", '{"name":"n"}', "ERR_DEVINFO_INVALID", "wrong_type $"],
    ["an entry that is not an object", '[{"name":"a"},"b"]', "ERR_DEVINFO_INVALID", "not_object $[1]"],
    ["name a number", '[{"name":5}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['name']"],
    ["mtu a string", '[{"name":"n","mtu":"9000"}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['mtu']"],
    ["mtu a fraction", '[{"name":"n","mtu":1500.5}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['mtu']"],
    ["ips a string", '[{"name":"n","ips":"10.0.0.1"}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['ips']"],
    ["ips holding a number", '[{"name":"n","ips":[10]}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['ips'][0]"],
    ["default a string", '[{"name":"n","default":"true"}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['default']"],
    ["dns an array", '[{"name":"n","dns":[]}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['dns']"],
    ["dns domain a number", '[{"name":"n","dns":{"domain":1}}]', "ERR_DEVINFO_INVALID", "wrong_type $[0]['dns']['domain']"],
    ["device-info a string", '[{"name":"n","device-info":"pci"}]', "ERR_DEVINFO_INVALID", "not_object $[0]['device-info']"],
    [
      "device-info with a wrongly typed field",
      '[{"name":"n","device-info":{"type":"pci","pci":{"pci-address":5}}}]',
      "ERR_DEVINFO_INVALID",
      "wrong_type $[0]['device-info']['pci']['pci-address']",
    ],
  ];
  it.each(cases)("%s → %s", (_name, annotation, code, issue) => {
    const err = caught(() => parseNetworkStatusAnnotation(annotation));
    expect(err.code).toBe(code);
    if (issue !== undefined) expect(err.issues.map((i) => `${i.code} ${i.jsonPath}`)).toContain(issue);
  });

  it("rejects input that is not text", () => {
    expect(caught(() => parseNetworkStatusAnnotation({} as unknown as string)).code).toBe("ERR_DEVINFO_PARSE");
  });

  it("never throws anything but a DeviceInfoError on arbitrary JSON", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        try {
          parseNetworkStatusAnnotation(JSON.stringify([value, { name: "x", dns: value, "device-info": value, ips: value }]));
        } catch (err) {
          expect(isDeviceInfoError(err)).toBe(true);
        }
      }),
      { seed: FC_SEED, numRuns: 1000 },
    );
  });
});

describe("serializeNetworkStatusAnnotation: what it refuses", () => {
  const cases: [string, unknown, string][] = [
    ["not an array", { name: "n" }, "wrong_type $"],
    ["an entry that is not an object", [null], "not_object $[0]"],
    ["name a number", [{ name: 1 }], "wrong_type $[0]['name']"],
    ["mtu a fraction", [{ name: "n", mtu: 1.5 }], "wrong_type $[0]['mtu']"],
    ["ips with a number", [{ name: "n", ips: ["a", 1] }], "wrong_type $[0]['ips']"],
    ["default a string", [{ name: "n", default: "yes" }], "wrong_type $[0]['default']"],
    ["gateway a string", [{ name: "n", gateway: "10.0.0.1" }], "wrong_type $[0]['gateway']"],
    ["dns a string", [{ name: "n", dns: "x" }], "wrong_type $[0]['dns']"],
    ["a device-info field of the wrong type", [{ name: "n", "device-info": { type: 5 } }], "wrong_type $[0]['device-info']['type']"],
    ["a key Go would read as a known field", [{ name: "n", Interface: "net1" }], "key_case $[0]['Interface']"],
    [
      "a cycle in an unknown key",
      [
        (() => {
          const o: Record<string, unknown> = { name: "n" };
          o.self = o;
          return o;
        })(),
      ],
      "unserializable $[0]",
    ],
  ];
  it.each(cases)("%s → ERR_DEVINFO_INVALID (%s)", (_name, input, issue) => {
    const err = caught(() => serializeNetworkStatusAnnotation(input as NetworkStatus[]));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues.map((i) => `${i.code} ${i.jsonPath}`)).toContain(issue);
  });

  it("accepts what JavaScript callers leave out: no name is Go's empty name, null is absent", () => {
    expect(serializeNetworkStatusAnnotation([{ interface: "eth0", mac: null } as unknown as NetworkStatus])).toBe(
      '[{\n    "name": "",\n    "interface": "eth0",\n    "dns": {}\n}]',
    );
  });

  it("writes unknown keys after the known ones, with Go's escaping everywhere", () => {
    const out = serializeNetworkStatusAnnotation([
      fromEntries([
        ["x-note", "<a&b>"],
        ["name", "n"],
        ["device-info", { version: "1.1.0", type: "pci", pci: { "pci-address": "0000:af:06.0", "x-vendor": "\u2028" } }],
      ]) as NetworkStatus,
    ]);
    expect(out).toBe(
      [
        "[{",
        '    "name": "n",',
        '    "dns": {},',
        '    "device-info": {',
        '        "type": "pci",',
        '        "version": "1.1.0",',
        '        "pci": {',
        '            "pci-address": "0000:af:06.0",',
        '            "x-vendor": "\\u2028"',
        "        }",
        "    },",
        '    "x-note": "\\u003ca\\u0026b\\u003e"',
        "}]",
      ].join("\n"),
    );
  });
});

// ---------------------------------------------------------------------------
// Properties

const STATUS_KEYS = ["name", "interface", "ips", "mac", "mtu", "default", "dns", "device-info", "gateway"];
const foldsToKnown = (key: string, known: string[]) => known.includes(key.toLowerCase().replace(/\u017f/g, "s"));
const statusUnknownKey = unknownKey.filter((k) => !foldsToKnown(k, STATUS_KEYS));
const str = text({ wellFormed: true, maxLength: 8 });
const strList = fc.array(str, { maxLength: 3 });
const dnsArb = fc
  .tuple(
    fc.record({ nameservers: strList, domain: str, search: strList, options: strList }, { requiredKeys: [] }),
    fc.uniqueArray(
      fc.tuple(
        unknownKey.filter((k) => !foldsToKnown(k, ["nameservers", "domain", "search", "options"])),
        jsonValue,
      ),
      {
        maxLength: 2,
        selector: ([k]) => k,
      },
    ),
  )
  .map(([known, extra]) => fromEntries([...Object.entries(known), ...extra]));

/** Network-status entries with every known field optional, unknown keys, and keys in any order. */
const statusArb = (names: fc.Arbitrary<string>, interfaces: fc.Arbitrary<string>): fc.Arbitrary<NetworkStatus> =>
  fc
    .tuple(
      fc.record(
        {
          name: names,
          interface: interfaces,
          ips: strList,
          mac: str,
          mtu: fc.integer({ min: 0, max: 65535 }),
          default: fc.boolean(),
          dns: dnsArb,
          "device-info": validDocument(),
          gateway: strList,
        },
        { requiredKeys: ["name"] },
      ),
      fc.uniqueArray(fc.tuple(statusUnknownKey, jsonValue), { maxLength: 3, selector: ([k]) => k }),
      fc.boolean(),
    )
    .map(([known, extra, reverse]) => {
      const entries: [string, unknown][] = [...Object.entries(known), ...extra];
      return fromEntries(reverse ? entries.reverse() : entries) as NetworkStatus;
    });

const anyStatus = statusArb(str, str);

/**
 * Deep equality, key order included, that also holds for objects with an own
 * "constructor" key (which vitest's toStrictEqual compares by reference).
 */
const json = (value: unknown) => JSON.stringify(value);

/** The keys of the top-level object of an entry as MarshalIndent wrote it, in order. */
function writtenKeys(entryText: string): string[] {
  return [...entryText.matchAll(/^ {4}("(?:[^"\\]|\\.)*"): /gm)].map((m) => JSON.parse(m[1] as string) as string);
}

describe("properties (fixed seed)", () => {
  it("parse(serialize(x)) is Go's canonical x, and a fixed point", () => {
    fc.assert(
      fc.property(fc.array(anyStatus, { maxLength: 4 }), (statuses) => {
        const text = serializeNetworkStatusAnnotation(statuses);
        const parsed = parseNetworkStatusAnnotation(text);
        expect(serializeNetworkStatusAnnotation(parsed)).toBe(text);
        expect(json(parseNetworkStatusAnnotation(serializeNetworkStatusAnnotation(parsed)))).toBe(json(parsed));
        // The text is the JSON of the entries.
        expect(json(JSON.parse(text))).toBe(json(parsed));
        expect(text.startsWith("[")).toBe(true);
        expect(text.endsWith("]")).toBe(true);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it("every entry keeps its unknown keys, in order, written after the known ones (integer-like keys too)", () => {
    fc.assert(
      fc.property(anyStatus, (status) => {
        const text = serializeNetworkStatusAnnotation([status]);
        const unknownIn = Object.keys(status).filter((k) => !STATUS_KEYS.includes(k));
        const written = writtenKeys(text);
        expect(written.slice(written.length - unknownIn.length)).toStrictEqual(unknownIn);
        expect(written.slice(0, written.length - unknownIn.length)).toStrictEqual(STATUS_KEYS.filter((k) => written.includes(k)));
        const [parsed] = parseNetworkStatusAnnotation(text);
        expect(Object.keys(parsed ?? {}).filter((k) => !STATUS_KEYS.includes(k))).toStrictEqual(unknownIn);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  // Few names and interfaces, so that updates often hit existing entries.
  const pooled = statusArb(fc.constantFrom("a", "ns/b", ""), fc.constantFrom("net1", "net2", ""));
  const pooledList = fc.array(pooled, { maxLength: 5 });
  const keyOf = (s: NetworkStatus) => JSON.stringify([s.name ?? "", s.interface ?? ""]);

  it("merge is idempotent: merge(merge(a, u), u) equals merge(a, u)", () => {
    fc.assert(
      fc.property(pooledList, pooledList, (existing, updates) => {
        const once = mergeNetworkStatus(existing, updates);
        expect(json(mergeNetworkStatus(once, updates))).toBe(json(once));
        expect(serializeNetworkStatusAnnotation(mergeNetworkStatus(once, updates))).toBe(serializeNetworkStatusAnnotation(once));
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it("merge keeps untouched entries as they are, in place, and appends new attachments in order", () => {
    fc.assert(
      fc.property(pooledList, pooledList, (existing, updates) => {
        const merged = mergeNetworkStatus(existing, updates);
        const updated = new Set(updates.map(keyOf));
        existing.forEach((entry, i) => {
          if (!updated.has(keyOf(entry))) expect(merged[i]).toBe(entry);
        });
        const known = new Set(existing.map(keyOf));
        const appended = [...new Set(updates.map(keyOf).filter((k) => !known.has(k)))];
        expect(merged.slice(existing.length).map(keyOf)).toStrictEqual(appended);
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it("merge: the updated entry has the update's known fields and keeps other writers' keys", () => {
    fc.assert(
      fc.property(pooled, pooled, (existing, update) => {
        const target = { ...update, name: existing.name, interface: existing.interface } as NetworkStatus;
        if (existing.interface === undefined) delete target.interface;
        const [merged] = mergeNetworkStatus([existing], [target]);
        for (const key of STATUS_KEYS) expect(json(merged?.[key])).toBe(json(target[key]));
        for (const key of Object.keys(existing).filter((k) => !STATUS_KEYS.includes(k))) {
          expect(json(merged?.[key])).toBe(json(Object.hasOwn(target, key) ? target[key] : existing[key]));
        }
      }),
      { seed: FC_SEED, numRuns: 500 },
    );
  });

  it("merge does not modify its inputs", () => {
    fc.assert(
      fc.property(pooledList, pooledList, (existing, updates) => {
        const before = JSON.stringify([existing, updates]);
        mergeNetworkStatus(existing, updates);
        expect(JSON.stringify([existing, updates])).toBe(before);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});

describe("mergeNetworkStatus (examples)", () => {
  const cbr0: NetworkStatus = { name: "cbr0", interface: "eth0", ips: ["10.244.1.5"], default: true, dns: {} };
  const sriov = { name: "default/sriov-net1", interface: "net1", dns: {}, "k8s.ovn.org/owner": "ovn" } as NetworkStatus;

  it("replaces in place, keeping another writer's keys", () => {
    const update: NetworkStatus = { name: "default/sriov-net1", interface: "net1", ips: ["192.168.10.5"], dns: {} };
    expect(mergeNetworkStatus([cbr0, sriov], [update])).toStrictEqual([
      cbr0,
      { name: "default/sriov-net1", interface: "net1", ips: ["192.168.10.5"], dns: {}, "k8s.ovn.org/owner": "ovn" },
    ]);
  });

  it("an update key set to undefined removes another writer's key", () => {
    const update = { name: "default/sriov-net1", interface: "net1", "k8s.ovn.org/owner": undefined } as NetworkStatus;
    expect(mergeNetworkStatus([sriov], [update])).toStrictEqual([{ name: "default/sriov-net1", interface: "net1" }]);
  });

  it("a missing interface matches an empty one", () => {
    const merged = mergeNetworkStatus([{ name: "n", interface: "", mac: "a" }], [{ name: "n", mac: "b" }]);
    expect(merged).toStrictEqual([{ name: "n", mac: "b" }]);
  });

  it("rejects entries that are not objects or have a non-string name", () => {
    expect(caught(() => mergeNetworkStatus([cbr0], [5 as unknown as NetworkStatus])).code).toBe("ERR_DEVINFO_INVALID");
    expect(caught(() => mergeNetworkStatus([{ name: 5 } as unknown as NetworkStatus], [])).code).toBe("ERR_DEVINFO_INVALID");
    expect(caught(() => mergeNetworkStatus("[]" as unknown as NetworkStatus[], [])).code).toBe("ERR_DEVINFO_INVALID");
  });
});

describe("mergeNetworkStatus and setNetworkStatusDeviceInfo: entries JSON cannot hold", () => {
  const cyclic = (): NetworkStatus => {
    const o: Record<string, unknown> = { name: "n", interface: "a" };
    o.self = o;
    return o as unknown as NetworkStatus;
  };
  /** `levels` objects nested in each other. */
  const nested = (levels: number): Record<string, unknown> => {
    const root: Record<string, unknown> = {};
    let at = root;
    for (let i = 1; i < levels; i++) {
      const next: Record<string, unknown> = {};
      at.x = next;
      at = next;
    }
    return root;
  };
  const deep = (levels: number) => ({ name: "n", interface: "a", extra: nested(levels) }) as unknown as NetworkStatus;
  const doc: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
  // The entry is level 2 of the annotation, its `extra` level 3: 9998 levels in `extra` reach the readers' 10000.
  const cases: [string, () => unknown][] = [
    ["setNetworkStatusDeviceInfo, a cyclic entry", () => setNetworkStatusDeviceInfo([cyclic()], { network: "n", interface: "a" }, doc)],
    [
      "setNetworkStatusDeviceInfo, a cyclic entry not targeted",
      () => setNetworkStatusDeviceInfo([cyclic(), { name: "m" }], { network: "m" }, doc),
    ],
    ["setNetworkStatusDeviceInfo, a 200,000-deep entry", () => setNetworkStatusDeviceInfo([deep(200_000)], { network: "n" }, doc)],
    [
      "setNetworkStatusDeviceInfo, a cyclic name",
      () => {
        const name: Record<string, unknown> = {};
        name.self = name;
        return setNetworkStatusDeviceInfo([{ name } as unknown as NetworkStatus], { network: "n" }, doc);
      },
    ],
    ["mergeNetworkStatus, a 200,000-deep update", () => mergeNetworkStatus([], [deep(200_000)])],
    ["mergeNetworkStatus, one level over the limit", () => mergeNetworkStatus([], [deep(9_999)])],
    ["mergeNetworkStatus, a cyclic update", () => mergeNetworkStatus([], [cyclic()])],
    ["mergeNetworkStatus, a cyclic existing entry", () => mergeNetworkStatus([cyclic()], [{ name: "m" }])],
    ["mergeNetworkStatus, a deep update replacing an entry", () => mergeNetworkStatus([{ name: "n", interface: "a" }], [deep(200_000)])],
  ];
  it.each(cases)("%s → ERR_DEVINFO_INVALID (unserializable), as serializeNetworkStatusAnnotation says", (_what, run) => {
    const err = caught(run);
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues.map((i) => `${i.code} ${i.jsonPath}`)).toContain("unserializable $[0]");
    expect(err.message).toContain("the entry is cyclic or would nest the annotation deeper than 10000 levels");
  });

  // (about 8 s: serializing and parsing 10,000 levels is quadratic in depth today, see the closing note)
  it("at the limit: merged, set and written as the readers read them", { timeout: 180_000 }, () => {
    const merged = mergeNetworkStatus([], [deep(9_998)]);
    const set = setNetworkStatusDeviceInfo(merged, { network: "n" }, doc);
    expect(parseNetworkStatusAnnotation(serializeNetworkStatusAnnotation(set))).toHaveLength(1);
  });

  it("a name that is no string is described in ERR_DEVINFO_NOT_FOUND's list, not written out", () => {
    const err = caught(() =>
      setNetworkStatusDeviceInfo([{ name: { a: "b".repeat(100) } } as unknown as NetworkStatus], { network: "n" }, doc),
    );
    expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(err.message).toContain('(entries: (an object)@"")');
  });
});

describe("setNetworkStatusDeviceInfo", () => {
  const info: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
  const statuses = [
    { name: "cbr0", interface: "eth0", dns: {} },
    { name: "ns/net", interface: "net1", ips: ["10.0.0.2"], dns: {}, gateway: ["10.0.0.1"], "x-keep": true },
    { name: "ns/net", interface: "net2", dns: {} },
  ] as NetworkStatus[];

  it("attaches to one interface, in Go's key order, without modifying the input", () => {
    const before = JSON.stringify(statuses);
    const out = setNetworkStatusDeviceInfo(statuses, { network: "ns/net", interface: "net1" }, info);
    expect(JSON.stringify(statuses)).toBe(before);
    expect(out[0]).toBe(statuses[0]);
    expect(out[2]).toBe(statuses[2]);
    expect(Object.keys(out[1] ?? {})).toStrictEqual(["name", "interface", "ips", "dns", "device-info", "gateway", "x-keep"]);
    expect(out[1]?.["device-info"]).toStrictEqual(info);
  });

  it("without interface: every entry of the network (as Go gives them all the same device-info)", () => {
    const out = setNetworkStatusDeviceInfo(statuses, { network: "ns/net" }, info);
    expect(out.map((s) => s["device-info"] !== undefined)).toEqual([false, true, true]);
  });

  it("undefined removes it", () => {
    const withInfo = setNetworkStatusDeviceInfo(statuses, { network: "ns/net" }, info);
    const without = setNetworkStatusDeviceInfo(withInfo, { network: "ns/net", interface: "net1" }, undefined);
    expect(without[1]).toStrictEqual(statuses[1]);
  });

  it("no such entry → ERR_DEVINFO_NOT_FOUND listing what is there", () => {
    const err = caught(() => setNetworkStatusDeviceInfo(statuses, { network: "net", interface: "net1" }, info));
    expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(err.message).toContain('"ns/net"@"net1"');
  });

  it("statuses of the wrong shape → ERR_DEVINFO_INVALID; a target of the wrong shape is misuse", () => {
    expect(caught(() => setNetworkStatusDeviceInfo([null] as unknown as NetworkStatus[], { network: "n" }, info)).code).toBe(
      "ERR_DEVINFO_INVALID",
    );
    expect(() => setNetworkStatusDeviceInfo(statuses, {} as unknown as { network: string }, info)).toThrow(
      expect.objectContaining({
        code: "ERR_INVALID_ARG_TYPE",
        message: 'The "target.network" property must be of type string. Received undefined',
      }),
    );
  });

  it("an unusable device-info → ERR_DEVINFO_INVALID", () => {
    expect(caught(() => setNetworkStatusDeviceInfo(statuses, { network: "ns/net" }, "pci" as unknown as DeviceInfo)).code).toBe(
      "ERR_DEVINFO_INVALID",
    );
  });
});
