/**
 * Issue 21: one Go struct decoder for every reader of Go-written JSON. Each
 * case of fixtures/go-decode/cases.json goes through every reader of its
 * kind and must give what Go's encoding/json gives for the same bytes
 * (fixtures/go-decode/expected.json, recorded by go-decode/gen.go with the
 * Go reference's Go, 1.19.8): the device-info document through the
 * device-info reader (text and file, general path and fast path), the
 * network-status annotation and KubeVirt's network-info; the checkpoint
 * through the kubelet's checkpoint reader; the CNI version through the CNI
 * result reader and the DRA status's read of it. Key matching (exact, then
 * Go's simple folding), the last key winning (exact duplicates included,
 * which JSON.parse merges before anyone sees them), `null` leaving a field
 * as it was, unknown keys ignored, nested structs merged.
 */

import { Buffer } from "node:buffer";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { resourceClaimDeviceStatus } from "../../src/dra/claim-status.js";
import { loadDeviceInfoFromCNI, loadDeviceInfoFromCNISync } from "../../src/files/operations.js";
import { goFold } from "../../src/format/_go-decode.js";
import { goEntries, hasDuplicateKeys, readGoJson } from "../../src/format/_go-text.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { parseDeviceCheckpoint } from "../../src/kubelet/_checkpoint.js";
import { goStringField } from "../../src/roles/_netconf.js";
import { decodedCNIVersion, readCNIResult } from "../../src/status/cni-result.js";
import { parseNetworkStatusAnnotation } from "../../src/status/parse-network-status.js";
import { checkNetworkInfo } from "../../src/status/workload.js";
import { useTempDir } from "../helpers/temp-dir.js";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/go-decode");
interface Case {
  readonly name: string;
  readonly reader: "device-info" | "checkpoint" | "cni-version";
  readonly text: string;
}
const cases = JSON.parse(fs.readFileSync(path.join(FIXTURES, "cases.json"), "utf8")) as Case[];
// Go's results, in the order of the cases.
const results = JSON.parse(fs.readFileSync(path.join(FIXTURES, "expected.json"), "utf8")) as {
  name: string;
  value?: unknown;
  error?: string;
}[];
const goValue = (c: Case) => {
  const result = results[cases.indexOf(c)];
  expect(result?.name).toBe(c.name);
  expect(result?.error).toBeUndefined();
  return result?.value;
};
const table = (reader: Case["reader"]) => cases.filter((c) => c.reader === reader).map((c) => [c.name, c] as const);
const asGo = (info: unknown) => serializeDeviceInfo(info as Parameters<typeof serializeDeviceInfo>[0], { unknownKeys: "drop" });

describe("the Go cases: every device-info reader decodes as Go decodes", () => {
  const tmp = useTempDir();

  it.each(table("device-info"))("parseDeviceInfo: %s", (_, c) => {
    expect(asGo(parseDeviceInfo(c.text))).toBe(goValue(c));
    expect(asGo(parseDeviceInfo(Buffer.from(c.text)))).toBe(goValue(c));
  });

  it.each(table("device-info"))("loadDeviceInfoFromCNI, sync and async (fast path first): %s", async (_, c) => {
    const file = path.join(tmp.path, "cni", "net1-device-info.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, c.text);
    expect(asGo(loadDeviceInfoFromCNISync(file))).toBe(goValue(c));
    expect(asGo(await loadDeviceInfoFromCNI(file))).toBe(goValue(c));
  });

  it.each(table("device-info"))("the network-status annotation's device-info: %s", (_, c) => {
    const [status] = parseNetworkStatusAnnotation(`[{"name":"net1","device-info":${c.text}}]`);
    expect(asGo(status?.["device-info"])).toBe(goValue(c));
  });

  it.each(table("device-info"))("KubeVirt's network-info deviceInfo: %s", (_, c) => {
    const doc = readGoJson(`{"interfaces":[{"network":"net1","deviceInfo":${c.text}}]}`, { what: "", hint: "" });
    expect(asGo(checkNetworkInfo(doc, undefined, {}).interfaces[0]?.deviceInfo)).toBe(goValue(c));
  });
});

describe("the Go cases: the kubelet's checkpoint reader decodes as Go decodes", () => {
  it.each(table("checkpoint"))("%s", (_, c) => {
    expect(parseDeviceCheckpoint(c.text, "/x")).toEqual(goValue(c));
  });
});

describe("the Go cases: cniVersion as Go's version decoder reads it, in a CNI result and a network configuration", () => {
  it.each(table("cni-version"))("%s", (_, c) => {
    expect(decodedCNIVersion(readGoJson(c.text, { what: "", hint: "" }) as Record<string, unknown>)).toBe(goValue(c));
    expect(readCNIResult(c.text).version).toBe(goValue(c));
    // A plugin's network configuration on stdin (skel and libcni read its cniVersion the same way).
    expect(goStringField([readGoJson(c.text, { what: "", hint: "" }) as Record<string, unknown>], "cniVersion", "conf")).toBe(goValue(c));
  });
});

describe("a DRA device status reads the CNI result's cniVersion as Go does", () => {
  const DEVICE = { driver: "sriov.example.com", pool: "node-1", device: "vf-3" };
  it.each([
    ["a case variant", '{"CNIVersion":"0.2.0","ip4":{"ip":"10.1.1.2/24"}}'],
    ["the exact key written twice, the last null", '{"cniVersion":"0.2.0","cniVersion":null,"ip4":{"ip":"10.1.1.2/24"}}'],
  ])("%s: a 0.2.0 result, its ip4 address taken", (_, text) => {
    expect(resourceClaimDeviceStatus(DEVICE, { cniResult: text }).networkData?.ips).toStrictEqual(["10.1.1.2/24"]);
  });
});

describe("the reader keeps the keys a text writes twice, for the decoder", () => {
  it("the issue's example: JSON.parse merges them; the reader's entries list both, in order", () => {
    const text = '{"PodUID":"a","PodUID":null}';
    expect(JSON.parse(text)).toEqual({ PodUID: null });
    const value = readGoJson(text, { what: "", hint: "" }) as Record<string, unknown>;
    expect(hasDuplicateKeys(value)).toBe(true);
    expect(goEntries(value)).toEqual([
      ["PodUID", "a", undefined],
      ["PodUID", null, undefined],
    ]);
  });

  it.each([
    ["no key twice", '{"a":"x","b":{"c":["\\"a\\":1"]}}', false],
    ["escaped quotes and backslashes do not count as keys", '{"a\\\\":"\\"","b":"\\\\\\""}', false],
    ["a key twice at depth", '{"a":[{"b":1,"b":2}]}', true],
    ["a key twice beside a number JSON.parse changes", '{"mtu":1.5,"mtu":1,"x":1e3}', true],
  ])("%s", (_, text, duplicates) => {
    expect(hasDuplicateKeys(readGoJson(text, { what: "", hint: "" }))).toBe(duplicates);
  });

  it("a number literal belongs to its own key: the later plain integer is not read with the earlier literal", () => {
    const value = readGoJson('{"mtu":1.5,"mtu":1}', { what: "", hint: "" }) as Record<string, unknown>;
    expect(goEntries(value)).toEqual([
      ["mtu", 1.5, "1.5"],
      ["mtu", 1, undefined],
    ]);
  });
});

describe("goFold: Go's case-insensitive match of ASCII field names (strings.EqualFold's simple folding)", () => {
  it.each([
    ["PodUID", "poduid", true],
    ["vho\u017ft-net", "vhost-net", true],
    ["\u212Aey", "key", true],
    ["p\u0130ci", "pici", false],
    ["pc\u0131", "pci", false],
  ])("%s ~ %s: %s", (a, b, same) => {
    expect(goFold(a) === goFold(b)).toBe(same);
  });
});
