import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type CNIResult, deviceInfoFromCNIResult, readCNIResult } from "../../src/status/cni-result.js";
import { caught } from "../helpers/caught.js";
import { REPO_ROOT } from "../helpers/run-node.js";

const RESULTS_DIR = path.join(REPO_ROOT, "fixtures", "cni-results");
const RESULT_NAMES = fs
  .readdirSync(RESULTS_DIR)
  .filter((f) => /^[a-z0-9-]+\.json$/.test(f) && !f.includes("conflist"))
  .map((f) => f.slice(0, -".json".length));

describe("readCNIResult on real plugin results", () => {
  it.each(RESULT_NAMES)("%s reads (object and JSON text alike)", (name) => {
    const text = fs.readFileSync(path.join(RESULTS_DIR, `${name}.json`), "utf8");
    const fromObject = readCNIResult(JSON.parse(text) as CNIResult);
    expect(readCNIResult(text)).toStrictEqual(fromObject);
    expect(fromObject.interfaces.some((i) => i.sandbox !== "")).toBe(true);
  });
});

describe("readCNIResult converts versions as Go does", () => {
  it("0.2.0: ip4 then ip6, unindexed, with their routes; no interfaces", () => {
    const r = readCNIResult({
      cniVersion: "0.2.0",
      ip6: { ip: "fd00::5/64", routes: [{ dst: "::/0", gw: "fd00::1" }] },
      ip4: { ip: "10.1.0.5/16", gateway: "10.1.0.1", routes: [{ dst: "0.0.0.0/0" }] },
    });
    expect(r.interfaces).toEqual([]);
    expect(r.ips.map((ip) => ip.interface)).toEqual([undefined, undefined]);
    expect(r.ips[0]?.gateway).toBeDefined();
    expect(r.ips[1]?.gateway).toBeUndefined();
    expect(r.routes.map((route) => route.gw === undefined)).toEqual([true, false]);
  });

  it("0.3.x / 0.4.0 drop the 1.1 interface fields (Go's 040 struct has none)", () => {
    const iface = { name: "net1", sandbox: "/ns", mtu: 9000, socketPath: "/s.sock", pciID: "0000:af:06.0" };
    expect(readCNIResult({ cniVersion: "0.4.0", interfaces: [iface] }).interfaces[0]).toEqual({
      name: "net1",
      mac: "",
      mtu: 0,
      sandbox: "/ns",
      socketPath: "",
      pciID: "",
    });
    expect(readCNIResult({ cniVersion: "1.1.0", interfaces: [iface] }).interfaces[0]).toMatchObject({ mtu: 9000, socketPath: "/s.sock" });
  });

  it("no cniVersion: 0.1.0, as Go's create.CreateFromBytes reads it (interfaces are not a 0.1.0 field)", () => {
    expect(readCNIResult({ interfaces: [{ name: "a", mtu: 1400 }] }).version).toBe("0.1.0");
    expect(readCNIResult({ interfaces: [{ name: "a", mtu: 1400 }] }).interfaces).toEqual([]);
    expect(readCNIResult({ interfaces: [{ name: "a", mtu: 1400 }] }, { confVersion: "1.1.0" }).interfaces[0]?.mtu).toBe(1400);
  });

  it("null where Go's decoder reads a zero value", () => {
    const r = readCNIResult({
      cniVersion: "1.0.0",
      interfaces: [null as unknown as CNIResult, { name: null, mac: null } as unknown as CNIResult],
      ips: [{ interface: null, address: "10.0.0.1/8", gateway: null }],
      routes: [null as unknown as CNIResult, { dst: "0.0.0.0/0", gw: "" }],
      dns: null,
    });
    expect(r.interfaces).toHaveLength(2);
    expect(r.ips[0]).toMatchObject({ interface: undefined, gateway: undefined });
    expect(r.routes).toHaveLength(1);
    expect(r.routes[0]?.gw).toBeUndefined();
  });
});

describe("readCNIResult rejects what Go's decoder rejects", () => {
  const cases: [string, unknown, string, string][] = [
    ["not an object", [], "not_object", "$"],
    ["unsupported version", { cniVersion: "2.0.0" }, "unsupported_version", "$['cniVersion']"],
    ["version not a string", { cniVersion: 1 }, "wrong_type", "$['cniVersion']"],
    ["interfaces not an array", { interfaces: {} }, "wrong_type", "$['interfaces']"],
    ["interface not an object", { interfaces: ["net1"] }, "not_object", "$['interfaces'][0]"],
    ["mtu a string", { interfaces: [{ name: "a", mtu: "9000" }] }, "wrong_type", "$['interfaces'][0]['mtu']"],
    ["sandbox a number", { interfaces: [{ name: "a", sandbox: 1 }] }, "wrong_type", "$['interfaces'][0]['sandbox']"],
    ["address without prefix", { ips: [{ address: "10.0.0.1" }] }, "invalid_ip", "$['ips'][0]['address']"],
    ["address null", { ips: [{ address: null }] }, "invalid_ip", "$['ips'][0]['address']"],
    ["address a number", { ips: [{ address: 10 }] }, "wrong_type", "$['ips'][0]['address']"],
    ["interface index 1.5", { ips: [{ interface: 1.5, address: "10.0.0.1/8" }] }, "wrong_type", "$['ips'][0]['interface']"],
    ["gateway not an IP", { ips: [{ address: "10.0.0.1/8", gateway: "router" }] }, "invalid_ip", "$['ips'][0]['gateway']"],
    ["route dst not a CIDR", { routes: [{ dst: "default" }] }, "invalid_ip", "$['routes'][0]['dst']"],
    ["route gw a number", { routes: [{ dst: "0.0.0.0/0", gw: 5 }] }, "wrong_type", "$['routes'][0]['gw']"],
    ["dns not an object", { dns: "1.1.1.1" }, "not_object", "$['dns']"],
    ["nameservers a string", { dns: { nameservers: "1.1.1.1" } }, "wrong_type", "$['dns']['nameservers']"],
    ["0.2.0 ip4 without prefix", { cniVersion: "0.2.0", ip4: { ip: "10.0.0.1" } }, "invalid_ip", "$['ip4']['ip']"],
  ];
  // Without cniVersion a result is 0.1.0 (K3): the cases are given the version whose fields they use.
  const versioned = (input: unknown) =>
    typeof input === "object" && input !== null && !Array.isArray(input) && !("cniVersion" in input)
      ? { cniVersion: "1.1.0", ...input }
      : input;
  it.each(cases)("%s → ERR_DEVINFO_INVALID %s at %s", (_name, input, code, jsonPath) => {
    const err = caught(() => readCNIResult(versioned(input) as CNIResult));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues.map((i) => [i.code, i.jsonPath])).toContainEqual([code, jsonPath]);
    expect(err.message).toContain(jsonPath);
  });

  it("reports every problem, not just the first", () => {
    const malformed = { cniVersion: "1.1.0", interfaces: [{ mtu: "x" }], ips: [{ address: "nope" }], routes: [{ dst: 1 }] };
    const err = caught(() => readCNIResult(malformed as unknown as CNIResult));
    expect(err.issues.map((i) => i.jsonPath)).toEqual(["$['interfaces'][0]['mtu']", "$['ips'][0]['address']", "$['routes'][0]['dst']"]);
  });

  it.each(["{", "", "null x"])("text %j that is not JSON → ERR_DEVINFO_PARSE", (text) => {
    expect(caught(() => readCNIResult(text)).code).toBe("ERR_DEVINFO_PARSE");
  });
});

describe("deviceInfoFromCNIResult (CNI 1.1 socketPath / pciID)", () => {
  const sandbox = "/var/run/netns/x";
  const cases: [string, CNIResult, string | undefined, unknown][] = [
    [
      "pciID on the pod interface",
      { cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox, pciID: "0000:af:06.0" }] },
      undefined,
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } },
    ],
    [
      "socketPath: vhost-user, client by default",
      { cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox, socketPath: "/var/run/vhost/net1.sock" }] },
      undefined,
      { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: "/var/run/vhost/net1.sock" } },
    ],
    [
      "socketPath wins over pciID",
      { cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox, socketPath: "/s.sock", pciID: "0000:af:06.0" }] },
      undefined,
      { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: "/s.sock" } },
    ],
    [
      "the sandbox interface before a host one",
      {
        cniVersion: "1.1.0",
        interfaces: [
          { name: "pf0", pciID: "0000:af:00.0" },
          { name: "net1", sandbox, pciID: "0000:af:06.0" },
        ],
      },
      undefined,
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } },
    ],
    [
      "a host interface when no sandbox interface has either field",
      {
        cniVersion: "1.1.0",
        interfaces: [
          { name: "pf0", pciID: "0000:af:00.0" },
          { name: "net1", sandbox },
        ],
      },
      undefined,
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:00.0" } },
    ],
    [
      "ifName picks the interface",
      {
        cniVersion: "1.1.0",
        interfaces: [
          { name: "net1", sandbox, pciID: "0000:af:06.0" },
          { name: "net2", sandbox, pciID: "0000:af:06.1" },
        ],
      },
      "net2",
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.1" } },
    ],
    [
      "ifName without the fields",
      {
        cniVersion: "1.1.0",
        interfaces: [
          { name: "net1", sandbox },
          { name: "x", pciID: "0000:af:06.0" },
        ],
      },
      "net1",
      undefined,
    ],
    ["unknown ifName", { cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox, pciID: "0000:af:06.0" }] }, "net9", undefined],
    ["nothing to derive", { cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox }] }, undefined, undefined],
    [
      "read whatever the cniVersion label",
      { cniVersion: "0.4.0", interfaces: [{ name: "net1", sandbox, pciID: "0000:af:06.0" }] },
      undefined,
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } },
    ],
  ];
  it.each(cases)("%s", (_name, result, ifName, expected) => {
    expect(deviceInfoFromCNIResult(result, ifName)).toStrictEqual(expected);
    expect(deviceInfoFromCNIResult(JSON.stringify(result), ifName)).toStrictEqual(expected);
  });

  it("vhostUserMode sets the mode", () => {
    const result: CNIResult = { cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox, socketPath: "/s.sock" }] };
    expect(deviceInfoFromCNIResult(result, undefined, { vhostUserMode: "server" })).toMatchObject({ "vhost-user": { mode: "server" } });
  });

  it.each(RESULT_NAMES)("real result %s has neither field: undefined", (name) => {
    expect(deviceInfoFromCNIResult(fs.readFileSync(path.join(RESULTS_DIR, `${name}.json`), "utf8"))).toBeUndefined();
  });

  it("a malformed result is an error, not a guess", () => {
    expect(
      caught(() => deviceInfoFromCNIResult({ cniVersion: "1.1.0", interfaces: [{ name: "a", pciID: 5 }] } as unknown as CNIResult)).code,
    ).toBe("ERR_DEVINFO_INVALID");
    expect(caught(() => deviceInfoFromCNIResult("{")).code).toBe("ERR_DEVINFO_PARSE");
  });
});
