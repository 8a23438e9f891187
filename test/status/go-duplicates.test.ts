/**
 * Issue 19, R9: a field named twice in one object (a case variant: "dns"
 * then "DNS"; JSON.parse collapses exact duplicates before anyone sees them)
 * is decoded as Go's encoding/json decodes it into the Go reference's
 * structs, by every reader of Go-written status JSON. Each row's expected
 * value is Go's, derived from encoding/json's decodeState (object: each key
 * into the field it names, in order; literalStore: null leaves a string,
 * number, bool or struct as it was and resets a slice or pointer; array:
 * elements decoded into the slice's existing elements, the slice cut to the
 * new length, `[]` a new empty slice; a type mismatch saved as the first
 * error and returned at the end) and from the CNI types' UnmarshalJSON
 * methods (IPConfig and Route start afresh).
 */

import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import { deviceInfoFromCNIResult } from "../../src/status/cni-result.js";
import {
  createNetworkStatus,
  createNetworkStatuses,
  parseNetworkStatusAnnotation,
  serializeNetworkStatusAnnotation,
} from "../../src/status/network-status.js";
import { checkNetworkInfo } from "../../src/status/workload.js";

function errorOf(fn: () => unknown): { code: string; paths: string[]; message: string } {
  try {
    fn();
  } catch (err) {
    if (!isDeviceInfoError(err)) throw err;
    return { code: err.code, paths: err.issues.filter((i) => i.severity === "error").map((i) => i.jsonPath), message: err.message };
  }
  throw new Error("expected an error");
}

describe("the network-status annotation: a field named twice in one entry", () => {
  // [case, the entry's keys after "name":"n", what Go's GetNetworkStatus gives (canonical form)]
  it.each<[string, string, Record<string, unknown>]>([
    ["dns then DNS: the objects merge", '"dns":{"nameservers":["a"]},"DNS":{"domain":"d"}', { dns: { nameservers: ["a"], domain: "d" } }],
    ["a later null leaves dns (a struct) as it was", '"dns":{"domain":"d"},"DNS":null', { dns: { domain: "d" } }],
    [
      "merged key by key: a field of the first object the second does not name stays",
      '"dns":{"nameservers":["a"],"search":["s"]},"DNS":{"Nameservers":["b"]}',
      { dns: { nameservers: ["b"], search: ["s"] } },
    ],
    [
      "merged in order: the last key wins at every level, whichever object it is in",
      '"dns":{"nameservers":["a"],"NameServers":["b"]},"DNS":{"nameservers":["c"]}',
      { dns: { nameservers: ["c"] } },
    ],
    ["ips, a []string: the later array replaces the elements", '"ips":["a","b"],"IPs":["c"]', { ips: ["c"], dns: {} }],
    ["a null element leaves the old element (Go decodes into it)", '"ips":["a","b"],"IPs":[null,"c"]', { ips: ["a", "c"], dns: {} }],
    [
      "a cut element is found again by a third, longer array (Go's backing array)",
      '"ips":["a","b"],"IPs":["c"],"Ips":["d",null]',
      { ips: ["d", "b"], dns: {} },
    ],
    ["null resets a slice", '"ips":["a"],"IPs":null', { dns: {} }],
    ["[] empties a slice", '"ips":["a"],"IPs":[]', { dns: {} }],
    ["gateway likewise", '"gateway":["10.1.1.1"],"Gateway":["10.1.1.254"]', { dns: {}, gateway: ["10.1.1.254"] }],
    ["a later null leaves a string", '"interface":"net1","Interface":null', { interface: "net1", dns: {} }],
    ["a later null leaves an int", '"mtu":1500,"MTU":null', { mtu: 1500, dns: {} }],
    ["a later null leaves a bool", '"default":true,"Default":null', { default: true, dns: {} }],
    ["the later string wins", '"mac":"a","MAC":"b"', { mac: "b", dns: {} }],
    ["an int beyond 2^53 stays exact", '"mtu":9007199254740993,"MTU":null', { mtu: 9007199254740993n, dns: {} }],
    [
      "an int beyond 2^53 stays exact in an entry rebuilt for another field",
      '"mtu":9007199254740993,"dns":{},"DNS":{}',
      { mtu: 9007199254740993n, dns: {} },
    ],
    [
      "device-info (a pointer): the objects merge",
      '"device-info":{"type":"pci","version":"1.1.0"},"Device-Info":{"pci":{"pci-address":"0000:00:01.0"}}',
      { dns: {}, "device-info": { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:00:01.0" } } },
    ],
    [
      "device-info: its pci objects merge too",
      '"device-info":{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:00:01.0"}},"Device-info":{"pci":{"rdma-device":"r"}}',
      { dns: {}, "device-info": { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:00:01.0", "rdma-device": "r" } } },
    ],
    ["device-info: a later null resets the pointer", '"device-info":{"type":"pci"},"Device-Info":null', { dns: {} }],
  ])("%s", (_what, keys, expected) => {
    const warnings: DeviceInfoIssue[] = [];
    const [entry] = parseNetworkStatusAnnotation(`[{"name":"n",${keys}}]`, { onWarning: (w) => warnings.push(w) });
    expect(entry).toStrictEqual({ name: "n", ...expected });
    // Every case-variant key is still reported, and the entry writes back as read.
    expect(warnings.some((w) => w.code === "key_case")).toBe(true);
    expect(parseNetworkStatusAnnotation(serializeNetworkStatusAnnotation(entry === undefined ? [] : [entry]))).toStrictEqual([entry]);
  });

  // [case, keys, the path of the error Go's decoder returns]
  it.each<[string, string, string]>([
    ["dns: 5 before a good dns object", '"dns":5,"DNS":{"domain":"d"}', "$[0]['dns']"],
    ["a wrong type inside the first dns object", '"dns":{"domain":5},"DNS":{"domain":"d"}', "$[0]['dns']['domain']"],
    ["a wrong type in the later object", '"dns":{"domain":"d"},"DNS":{"domain":5}', "$[0]['DNS']['domain']"],
    ["mtu a string before a good mtu", '"mtu":"x","MTU":1500', "$[0]['mtu']"],
    ["mtu 1.5 before a good mtu", '"mtu":1.5,"MTU":1500', "$[0]['mtu']"],
    ["mtu 1500.0 in an entry rebuilt for another field", '"mtu":1500.0,"dns":{},"DNS":{}', "$[0]['mtu']"],
    ["name 5 before a good name", '"name":5,"Name":"a"', "$[0]['name']"],
    ["default a string before a good one", '"default":"yes","Default":true', "$[0]['default']"],
    ["ips a string before a good list", '"ips":"a","IPs":["a"]', "$[0]['ips']"],
    ["an element of the wrong type that a later array would replace", '"ips":[5],"IPs":["a"]', "$[0]['ips'][0]"],
    ["a device-info type error that a later null discards", '"device-info":{"type":5},"Device-Info":null', "$[0]['device-info']['type']"],
  ])("refuses %s, as Go's decoder does", (_what, keys, path) => {
    const err = errorOf(() => parseNetworkStatusAnnotation(`[{"name":"n",${keys}}]`));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.paths).toEqual([path]);
  });

  it("with strict, every shadowed case variant and null is still a deviation", () => {
    const err = errorOf(() => parseNetworkStatusAnnotation('[{"name":"n","dns":{"domain":"d"},"DNS":null}]', { strict: true }));
    expect(err.paths).toEqual(["$[0]['DNS']", "$[0]['DNS']"]);
  });
});

describe("CNI results: a field named twice, decoded into the Go structs of the result's version", () => {
  // [case, the result, what Go's CreateNetworkStatus gives]
  it.each<[string, string, Record<string, unknown>]>([
    [
      "interfaces: each element decoded into the old one (types100.Interface merges)",
      '{"cniVersion":"1.0.0","interfaces":[{"name":"net1","mac":"m"}],"Interfaces":[{"sandbox":"/x"}]}',
      { interface: "net1", mac: "m" },
    ],
    [
      "0.4.0 interfaces likewise",
      '{"cniVersion":"0.4.0","interfaces":[{"name":"net1","mac":"m"}],"Interfaces":[{"sandbox":"/x"}]}',
      { interface: "net1", mac: "m" },
    ],
    [
      "ips: IPConfig's UnmarshalJSON starts afresh, so the later element replaces the old one",
      '{"cniVersion":"1.0.0","interfaces":[{"name":"a","sandbox":"/x"}],"ips":[{"address":"10.1.1.2/24","interface":0}],"IPs":[{"address":"10.1.1.3/24"}]}',
      { interface: "a", ips: ["10.1.1.3"] },
    ],
    [
      "routes: Route's UnmarshalJSON starts afresh",
      '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","gw":"10.1.1.1"}],"Routes":[{"dst":"10.0.0.0/8"}]}',
      {},
    ],
    [
      "dns merges",
      '{"cniVersion":"1.0.0","dns":{"nameservers":["1.1.1.1"]},"DNS":{"domain":"x"}}',
      { dns: { nameservers: ["1.1.1.1"], domain: "x" } },
    ],
    ["a later null leaves dns", '{"cniVersion":"1.0.0","dns":{"domain":"x"},"DNS":null}', { dns: { domain: "x" } }],
    [
      "0.2.0 ip4: its UnmarshalJSON starts afresh, so the first object's routes are gone",
      '{"cniVersion":"0.2.0","ip4":{"ip":"10.1.1.2/24","routes":[{"dst":"0.0.0.0/0","gw":"10.1.1.1"}]},"IP4":{"ip":"10.1.1.3/24"}}',
      { ips: ["10.1.1.3"] },
    ],
    ["0.2.0 ip4: a later null resets it", '{"cniVersion":"0.2.0","ip4":{"ip":"10.1.1.2/24"},"IP4":null}', {}],
    [
      "a field the version's struct does not have is not checked (1.0.0 has no ip4)",
      '{"cniVersion":"1.0.0","ip4":5,"IP4":{"ip":"10.1.1.3/24"}}',
      {},
    ],
    [
      "mtu (1.1): the later value",
      '{"cniVersion":"1.1.0","interfaces":[{"name":"a","sandbox":"/x","mtu":1500,"MTU":9000}]}',
      { interface: "a", mtu: 9000 },
    ],
  ])("%s", (_what, text, expected) => {
    expect(createNetworkStatus(text, "n", false)).toStrictEqual({ name: "n", ...expected, dns: expected.dns ?? {} });
  });

  it.each<[string, string, string]>([
    ["cniVersion 5 before a good one", '{"cniVersion":5,"CNIVersion":"1.0.0"}', "$['cniVersion']"],
    ["a wrong type inside the first dns", '{"cniVersion":"1.0.0","dns":{"domain":5},"DNS":{"domain":"x"}}', "$['dns']['domain']"],
    [
      "mtu a string before a good one",
      '{"cniVersion":"1.1.0","interfaces":[{"name":"a","sandbox":"/x","mtu":"x","MTU":1500}]}',
      "$['interfaces'][0]['mtu']",
    ],
    [
      "a malformed address before a good one (IPNet's UnmarshalJSON fails at once)",
      '{"cniVersion":"1.0.0","ips":[{"address":"bad","Address":"10.1.1.2/24"}]}',
      "$['ips'][0]['address']",
    ],
    [
      "a null address before a good one (IPNet's UnmarshalJSON fails on null)",
      '{"cniVersion":"1.0.0","ips":[{"address":null,"Address":"10.1.1.2/24"}]}',
      "$['ips'][0]['address']",
    ],
    [
      "a malformed gateway before a good one (net.IP's UnmarshalText fails)",
      '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","gw":"x","GW":"10.1.1.1"}]}',
      "$['routes'][0]['gw']",
    ],
    [
      "an interface's wrong type that a later interfaces array would merge over",
      '{"cniVersion":"1.0.0","interfaces":[{"name":5}],"Interfaces":[{"name":"a"}]}',
      "$['interfaces'][0]['name']",
    ],
  ])("refuses %s, as Go's decoder does", (_what, text, path) => {
    const err = errorOf(() => createNetworkStatus(text, "n", false));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.paths).toEqual([path]);
  });

  it("deviceInfoFromCNIResult reads the merged interface (pciID from the second object)", () => {
    const text = '{"cniVersion":"1.1.0","interfaces":[{"name":"net1","sandbox":"/x"}],"Interfaces":[{"pciID":"0000:af:06.0"}]}';
    expect(deviceInfoFromCNIResult(text, "net1")).toEqual({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } });
  });
});

describe("KubeVirt's network-info: keys matched and decoded as Go does", () => {
  it.each<[string, string, unknown[]]>([
    [
      "interfaces then Interfaces: elements merge (a []Interface of structs)",
      '{"interfaces":[{"network":"a","mac":"m"}],"Interfaces":[{"deviceInfo":{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:00:01.0"}}}]}',
      [{ network: "a", deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:00:01.0" } }, mac: "m" }],
    ],
    ["a case-variant key is the field", '{"Interfaces":[{"Network":"a"}]}', [{ network: "a" }]],
    ["the last of two wins", '{"interfaces":[{"network":"a","Network":"b"}]}', [{ network: "b" }]],
  ])("%s", (_what, text, interfaces) => {
    expect(checkNetworkInfo(JSON.parse(text), undefined, {}).interfaces).toStrictEqual(interfaces);
  });

  it("refuses a wrong type that a later key would hide", () => {
    expect(() => checkNetworkInfo(JSON.parse('{"interfaces":[{"network":5,"Network":"a"}]}'), undefined, {})).toThrow(
      /\$\['interfaces'\]\[0\]\['network'\]: "network" must be a string/,
    );
  });
});

describe("integers beyond 2^53 in a CNI result", () => {
  const interfaceIndex =
    '{"cniVersion":"1.0.0","interfaces":[{"name":"a","sandbox":"/x"},{"name":"b","sandbox":"/x"}],' +
    '"ips":[{"address":"10.1.1.2/24","gateway":"10.1.1.1","interface":9007199254740993}]}';

  it.each<[string, string]>([
    ["mtu", '{"cniVersion":"1.1.0","interfaces":[{"name":"e","sandbox":"/x","mtu":9007199254740993}]}'],
    ["mtu near int64's top", '{"cniVersion":"1.1.0","interfaces":[{"name":"e","sandbox":"/x","mtu":9223372036854775807}]}'],
  ])("from text (string or bytes), %s is kept exact and written back exact", (_what, text) => {
    for (const input of [text, new TextEncoder().encode(text)]) {
      const [status] = createNetworkStatuses(input, "n", false);
      const digits = (/"mtu":(\d+)/.exec(text) as RegExpExecArray)[1] as string;
      expect(status?.mtu).toBe(BigInt(digits));
      expect(serializeNetworkStatusAnnotation(status === undefined ? [] : [status])).toContain(`"mtu": ${digits},`);
    }
  });

  it("an interface index beyond 2^53 names no interface: the IP is dropped and no entry is made default (Go's int compare)", () => {
    expect(createNetworkStatuses(interfaceIndex, "n", true)).toStrictEqual([
      { name: "n", interface: "a", dns: {} },
      { name: "n", interface: "b", dns: {} },
    ]);
  });

  it.each<[string, string, string]>([
    ["mtu", '{"cniVersion":"1.1.0","interfaces":[{"name":"e","sandbox":"/x","mtu":9007199254740993}]}', "$['interfaces'][0]['mtu']"],
    ["an interface index", interfaceIndex, "$['ips'][0]['interface']"],
    ["a route's table", '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","table":9007199254740993}]}', "$['routes'][0]['table']"],
  ])("an object already parsed by JSON.parse has lost the digits of its %s: refused, saying to pass the text", (_what, text, path) => {
    const err = errorOf(() => createNetworkStatuses(JSON.parse(text), "n", false));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.paths).toEqual([path]);
    expect(err.message).toContain("pass the plugin's output as text");
    expect(err.message).not.toContain("fix the plugin's output");
  });

  it("an object holding a bigint is read exactly", () => {
    const result = { cniVersion: "1.1.0", interfaces: [{ name: "e", sandbox: "/x", mtu: 9007199254740993n }] };
    expect(createNetworkStatus(result, "n", false).mtu).toBe(9007199254740993n);
  });
});
