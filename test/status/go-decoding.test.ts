/**
 * Issue 10, K3, K4 and K7: CNI results and annotations read as Go reads them.
 * Each expected value is what the Go reference gives (containernetworking/cni
 * types 020/040/100 and create.CreateFromBytes, encoding/json, Multus's
 * CreateNetworkStatus), as the issue reports it and as checked in the Go source.
 */

import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import { deviceInfoFromCNIResult } from "../../src/status/cni-result.js";
import { createNetworkStatus, parseNetworkStatusAnnotation, serializeNetworkStatusAnnotation } from "../../src/status/network-status.js";

function errorOf(fn: () => unknown): { code: string; paths: string[] } {
  try {
    fn();
  } catch (err) {
    if (!isDeviceInfoError(err)) throw err;
    return { code: err.code, paths: err.issues.map((i) => i.jsonPath) };
  }
  throw new Error("expected an error");
}

describe("K3: a CNI result without cniVersion", () => {
  it("is 0.1.0, as Go's create.CreateFromBytes reads it: the legacy ip4 is kept", () => {
    const status = createNetworkStatus({ ip4: { ip: "10.3.60.121/32", gateway: "10.3.0.1" }, dns: {} }, "default/legacy-net", false);
    expect(status).toEqual({ name: "default/legacy-net", ips: ["10.3.60.121"], dns: {} });
  });

  it.each<[string, string, string | undefined, unknown]>([
    ["an empty cniVersion is 0.1.0 too", '{"cniVersion":"","ip4":{"ip":"10.1.1.2/24"}}', undefined, ["10.1.1.2"]],
    [
      "a case-variant key is the version (Go's decoder)",
      '{"CNIVersion":"1.0.0","ips":[{"address":"10.1.1.2/24"}]}',
      undefined,
      ["10.1.1.2"],
    ],
    ["confVersion (libcni) replaces a missing version", '{"ips":[{"address":"10.1.1.2/24"}]}', "1.0.0", ["10.1.1.2"]],
    ["confVersion replaces an empty version", '{"cniVersion":"","ips":[{"address":"10.1.1.2/24"}]}', "1.0.0", ["10.1.1.2"]],
    ["the result's own version wins over confVersion", '{"cniVersion":"0.2.0","ip4":{"ip":"10.1.1.2/24"}}', "1.0.0", ["10.1.1.2"]],
    ["a 1.x result read as 0.1.0 has no ips", '{"ips":[{"address":"10.1.1.2/24"}]}', undefined, undefined],
  ])("%s", (_what, text, confVersion, ips) => {
    expect(createNetworkStatus(text, "n", false, undefined, confVersion === undefined ? {} : { confVersion }).ips).toEqual(ips);
  });

  it("an unknown confVersion is refused like an unknown cniVersion", () => {
    expect(errorOf(() => createNetworkStatus("{}", "n", false, undefined, { confVersion: "9.9.9" }))).toEqual({
      code: "ERR_DEVINFO_INVALID",
      paths: ["$['cniVersion']"],
    });
  });
});

describe("K4: a CNI 1.1 pciID", () => {
  const result = (pciID: string) => ({ cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox: "/x", pciID }] });

  it("becomes pci-address only when it is a PCI address", () => {
    expect(deviceInfoFromCNIResult(result("0000:af:06.0"), "net1")).toEqual({
      type: "pci",
      version: "1.1.0",
      pci: { "pci-address": "0000:af:06.0" },
    });
  });

  it.each(["8086:9a01", "af:06.0", "0000:af:06.8", "pci-0"])("%s is a warning, and nothing is derived", (pciID) => {
    const warnings: DeviceInfoIssue[] = [];
    expect(deviceInfoFromCNIResult(result(pciID), "net1", { onWarning: (w) => warnings.push(w) })).toBeUndefined();
    expect(warnings.map((w) => [w.severity, w.code, w.jsonPath])).toEqual([
      ["warning", "invalid_pci_address", "$['interfaces'][0]['pciID']"],
    ]);
  });

  it("reads the fields case-insensitively, as Go does", () => {
    const info = deviceInfoFromCNIResult(
      { cniVersion: "1.1.0", Interfaces: [{ Name: "net1", Sandbox: "/x", PCIID: "0000:af:06.0" }] },
      "net1",
    );
    expect(info).toEqual({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } });
  });
});

describe("K7: CNI results decoded as Go decodes them", () => {
  it("matches keys case-insensitively (Interfaces, IPs)", () => {
    const text = '{"cniVersion":"1.0.0","Interfaces":[{"name":"eth0","sandbox":"/x"}],"IPs":[{"address":"10.1.1.2/24","interface":0}]}';
    expect(createNetworkStatus(text, "n", false)).toEqual({ name: "n", interface: "eth0", ips: ["10.1.1.2"], dns: {} });
  });

  it.each<[string, string, string]>([
    ["mtu 1500.0", '{"cniVersion":"1.1.0","interfaces":[{"name":"e","sandbox":"/x","mtu":1500.0}]}', "$['interfaces'][0]['mtu']"],
    [
      "interface 0.0",
      '{"cniVersion":"1.0.0","interfaces":[{"name":"e"}],"ips":[{"address":"10.1.1.2/24","interface":0.0}]}',
      "$['ips'][0]['interface']",
    ],
    ["mtu 1.5e3", '{"cniVersion":"1.1.0","interfaces":[{"name":"e","mtu":1.5e3}]}', "$['interfaces'][0]['mtu']"],
    ["mtu beyond int64", '{"cniVersion":"1.1.0","interfaces":[{"name":"e","mtu":9223372036854775808}]}', "$['interfaces'][0]['mtu']"],
    ['a route\'s "mtu":"1500"', '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","mtu":"1500"}]}', "$['routes'][0]['mtu']"],
    ['a route\'s "advmss":"1"', '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","advmss":"1"}]}', "$['routes'][0]['advmss']"],
    ['a route\'s "priority":"1"', '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","priority":"1"}]}', "$['routes'][0]['priority']"],
    ['a route\'s "table":"1"', '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","table":"1"}]}', "$['routes'][0]['table']"],
    ['a route\'s "scope":1.5', '{"cniVersion":"1.0.0","routes":[{"dst":"0.0.0.0/0","scope":1.5}]}', "$['routes'][0]['scope']"],
    ['a 0.4.0 ips[] "version":4', '{"cniVersion":"0.4.0","ips":[{"version":4,"address":"10.1.1.2/24"}]}', "$['ips'][0]['version']"],
  ])("refuses %s, as Go's decoder does", (_what, text, path) => {
    expect(errorOf(() => createNetworkStatus(text, "n", false))).toEqual({ code: "ERR_DEVINFO_INVALID", paths: [path] });
  });

  it("keeps an int64 mtu beyond 2^53 exact (a bigint), and writes its digits", () => {
    const text = '{"cniVersion":"1.1.0","interfaces":[{"name":"e","sandbox":"/x","mtu":9007199254740993}]}';
    const status = createNetworkStatus(text, "n", false);
    expect(status.mtu).toBe(9007199254740993n);
    expect(serializeNetworkStatusAnnotation([status])).toContain('"mtu": 9007199254740993,');
  });

  it.each<[string, string, Record<string, unknown>]>([
    [
      "a 1.x ips[] version is not a field: ignored",
      '{"cniVersion":"1.0.0","ips":[{"version":4,"address":"10.1.1.2/24"}]}',
      { ips: ["10.1.1.2"] },
    ],
    ["a legacy ip4 without ip: Go's nil address", '{"cniVersion":"0.2.0","ip4":{"gateway":"10.1.1.1"}}', { ips: ["<nil>"] }],
    [
      "a legacy null route: Go's zero route, a default one",
      '{"cniVersion":"0.2.0","ip4":{"ip":"10.1.1.2/24","routes":[null]}}',
      { ips: ["10.1.1.2"], gateway: ["<nil>"] },
    ],
    ["a prefix with leading zeros", '{"cniVersion":"1.0.0","ips":[{"address":"10.1.1.2/000000024"}]}', { ips: ["10.1.1.2"] }],
    ["a null route in 1.x (Go panics): skipped", '{"cniVersion":"1.0.0","routes":[null]}', {}],
  ])("%s", (_what, text, fields) => {
    expect(createNetworkStatus(text, "n", false)).toEqual({ name: "n", ...fields, dns: {} });
  });

  it("an interface name with a lone surrogate becomes U+FFFD, as Go writes it", () => {
    const text = '{"cniVersion":"1.0.0","interfaces":[{"name":"net\\ud800","sandbox":"/x"}]}';
    expect(createNetworkStatus(text, "n", false).interface).toBe("net\ufffd");
  });

  // Go's encoder never writes invalid UTF-8 (encodeState.string writes \ufffd for each invalid byte);
  // a Go string cannot hold a lone surrogate, and Go's decoder reads "\ud800" as U+FFFD.
  it.each<[string, () => string, string]>([
    [
      "read from text (Go's decoder gives U+FFFD, its encoder writes the character itself)",
      () => serializeNetworkStatusAnnotation(parseNetworkStatusAnnotation('[{"name":"n\\ud800"}]')),
      '"name": "n\ufffd"',
    ],
    [
      "read from a CNI result's text",
      () =>
        serializeNetworkStatusAnnotation([
          createNetworkStatus('{"cniVersion":"1.0.0","interfaces":[{"name":"e\\udc00","sandbox":"/x"}]}', "n", false),
        ]),
      '"interface": "e\ufffd"',
    ],
    [
      "given in a JavaScript string: one \\ufffd escape, never invalid UTF-8",
      () => serializeNetworkStatusAnnotation([{ name: "n\ud800" }]),
      '"name": "n\\ufffd"',
    ],
  ])("a lone surrogate %s", (_what, write, expected) => {
    const text = write();
    expect(text).toContain(expected);
    expect(Buffer.from(text, "utf8").toString("utf8")).toBe(text); // well-formed: UTF-8 round-trips
  });
});

describe("K7: annotations and device-info decoded as Go decodes them", () => {
  it("merges case-variant duplicate sub-objects of an annotation entry, as Go does", () => {
    const [entry] = parseNetworkStatusAnnotation('[{"name":"n","dns":{"domain":"x"},"DNS":{"search":["s"]}}]');
    expect(entry?.dns).toEqual({ domain: "x", search: ["s"] });
  });

  it.each([
    ["mtu 1500.0", '[{"name":"n","mtu":1500.0}]'],
    ["mtu 1.5e3", '[{"name":"n","mtu":1.5e3}]'],
    ["mtu beyond int64", '[{"name":"n","mtu":9223372036854775808}]'],
  ])("refuses an annotation %s, as Go's decoder does", (_what, text) => {
    expect(errorOf(() => parseNetworkStatusAnnotation(text))).toEqual({ code: "ERR_DEVINFO_INVALID", paths: ["$[0]['mtu']"] });
  });

  it("keeps an annotation mtu beyond 2^53 exact, and writes it back byte for byte", () => {
    const [entry] = parseNetworkStatusAnnotation('[{"name":"n","mtu":9007199254740993}]');
    expect(entry?.mtu).toBe(9007199254740993n);
    expect(serializeNetworkStatusAnnotation(entry === undefined ? [] : [entry])).toBe(
      '[{\n    "name": "n",\n    "mtu": 9007199254740993,\n    "dns": {}\n}]',
    );
  });

  it("a device-info type error in a sub-object that a later null resets is still an error (Go reports it)", () => {
    expect(errorOf(() => parseDeviceInfo('{"type":"memif","memiF":{"mode":true},"memif":null}'))).toEqual({
      code: "ERR_DEVINFO_INVALID",
      paths: ["$['memiF']['mode']"],
    });
  });
});
