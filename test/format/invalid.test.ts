// One builder for the "invalid device-info" error and its advice
// (src/format/_invalid.ts): the advice depends on the issues and on the
// options the caller gave. Nobody who passed { strict: false } is told to
// pass it, and nobody is told that { strict: false } helps with a wrong type,
// in every reader and writer that refuses a document.

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { makeIssue } from "../../src/base/issues.js";
import { toCliWords } from "../../src/cli/_messages.js";
import { deviceInfoToDeviceAttributes } from "../../src/dra/attributes.js";
import {
  loadDeviceInfoFromCNISync,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/files/operations.js";
import { invalidDeviceInfo, invalidHint } from "../../src/format/_invalid.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { addDeviceInfoFieldsSync, saveDeviceInfoIfAbsent, saveDeviceInfoIfAbsentSync } from "../../src/roles/cni-plugin.js";
import { createNetworkStatus } from "../../src/status/create-network-status.js";
import { setNetworkStatusDeviceInfo } from "../../src/status/merge-network-status.js";
import { parseNetworkStatusAnnotation } from "../../src/status/parse-network-status.js";
import type { NetworkStatus } from "../../src/status/schema.js";
import { serializeNetworkStatusAnnotation } from "../../src/status/serialize-network-status.js";
import { readKubeVirtNetworkInfo, readPodNetworkStatus } from "../../src/status/workload.js";
import { useTempDir } from "../helpers/temp-dir.js";

const deviation = makeIssue("error", "missing_field", ["pci", "pci-address"], '"pci-address" is required in "pci"');
const wrongType = makeIssue("error", "wrong_type", ["pci"], '"pci" must be an object, got a number');
const cycle = makeIssue("error", "unserializable", ["x"], "the value is cyclic");
const badIp = makeIssue("error", "invalid_ip", [0, "ips", 0], '"10.1" is not an IP address');

describe("invalidHint", () => {
  it.each([
    [
      "a deviation, read, strict not given",
      [deviation],
      "read",
      undefined,
      /^Fix these fields, or read with \{ strict: false \} to accept/,
    ],
    ["a deviation, read, strict: true", [deviation], "read", true, /^Fix these fields, or read with \{ strict: false \}/],
    ["a deviation, write, strict not given", [deviation], "write", undefined, /^Fix these fields, or pass \{ strict: false \} to write/],
    ["a deviation, write, strict: true", [deviation], "write", true, /^Fix these fields, or pass \{ strict: false \} to write/],
    ["a deviation, write, strict: false given", [deviation], "write", false, /^Fix these fields\.$/],
    [
      "a wrong type, read",
      [wrongType],
      "read",
      undefined,
      /^Fix the document so that it is a JSON object whose known fields have the types/,
    ],
    ["a wrong type, write, strict: false", [wrongType], "write", false, /^Fix the document so that it is a JSON object/],
    [
      "a wrong type and a deviation, strict",
      [wrongType, deviation],
      "write",
      true,
      /^Fix these fields; the wrong types are refused in every mode/,
    ],
    ["a value JSON cannot hold", [cycle], "write", undefined, /^Give unknown keys only values JSON holds as they are/],
    [
      "an IP address Go cannot parse (refused in every mode), strict",
      [badIp, deviation],
      "read",
      true,
      /^Fix these fields; the wrong types/,
    ],
  ] as const)("%s", (_what, errors, action, strict, hint) => {
    expect(invalidHint(errors, { action, strict })).toMatch(hint);
    const wrong = strict === false || errors.some((e) => e.code !== "missing_field");
    if (wrong) expect(invalidHint(errors, { action, strict })).not.toContain("strict: false");
  });

  it("builds the error: code, path, issues, and the message of a reader and of a writer", () => {
    const read = invalidDeviceInfo([deviation], { action: "read", path: "/f", strict: true });
    expect([read.code, read.path, read.issues]).toEqual(["ERR_DEVINFO_INVALID", "/f", [deviation]]);
    expect(read.message).toBe(
      `/f: invalid device-info: $['pci']['pci-address']: "pci-address" is required in "pci". Fix these fields, or read with { strict: false } to accept deviations from the spec as warnings.`,
    );
    const write = invalidDeviceInfo([deviation], { action: "write", path: "/f", reason: "why" });
    expect(write.message).toMatch(/^refusing to write \/f: invalid device-info \(why\): \$\['pci'\]/);
    expect(invalidDeviceInfo([deviation], { action: "read" }).message).toMatch(/^invalid device-info: /);
  });

  it("serializeDeviceInfo, an encoder, refuses with the same words and the writer's advice", () => {
    let caught: unknown;
    try {
      serializeDeviceInfo({ type: 5 } as unknown as DeviceInfo);
    } catch (err) {
      caught = err;
    }
    expect(isDeviceInfoError(caught) && [caught.code, caught.message]).toEqual([
      "ERR_DEVINFO_INVALID",
      `invalid device-info: $['type']: "type" must be a string, got a number. Fix the document so that it is a JSON object whose known fields have the types of spec v1.1.0 (strings, and objects for the sub-objects).`,
    ]);
  });
});

describe("every refusal words its advice from the options given", () => {
  const tmp = useTempDir();
  const deviating = JSON.parse('{"type":"pci","version":"1.1.0","pci":{}}') as DeviceInfo;
  const wrong = JSON.parse('{"type":"pci","version":"1.1.0","pci":5}') as DeviceInfo;
  const file = () => tmp.join("cni", "f");

  async function messageOf(call: () => unknown): Promise<string> {
    try {
      await call();
    } catch (err) {
      if (isDeviceInfoError(err) && err.code === "ERR_DEVINFO_INVALID") return err.message;
      throw err;
    }
    throw new Error("expected ERR_DEVINFO_INVALID");
  }

  it.each<[string, (o: { strict?: boolean }) => unknown]>([
    ["saveDeviceInfoIfAbsent", (o) => saveDeviceInfoIfAbsent(file(), wrong, o)],
    ["saveDeviceInfoIfAbsentSync", (o) => saveDeviceInfoIfAbsentSync(file(), wrong, o)],
    ["saveDeviceInfoForCNI", (o) => saveDeviceInfoForCNI(file(), wrong, o)],
    ["saveDeviceInfoForCNISync", (o) => saveDeviceInfoForCNISync(file(), wrong, o)],
    ["updateDeviceInfoForCNI", (o) => updateDeviceInfoForCNI(file(), () => wrong, o)],
    ["updateDeviceInfoForCNISync", (o) => updateDeviceInfoForCNISync(file(), () => wrong, o)],
    ["parseDeviceInfo", (o) => parseDeviceInfo(JSON.stringify(wrong), o)],
  ])("%s: a wrong type is never answered with { strict: false }", async (_name, call) => {
    for (const strict of [undefined, false, true]) {
      const message = await messageOf(() => call(strict === undefined ? {} : { strict }));
      expect(message).not.toContain("strict: false");
      expect(message).toContain("a JSON object whose known fields have the types of spec v1.1.0");
    }
    expect(fs.existsSync(file())).toBe(false);
  });

  it.each<[string, (o: { strict?: boolean }) => unknown]>([
    ["saveDeviceInfoIfAbsent", (o) => saveDeviceInfoIfAbsent(file(), deviating, o)],
    ["saveDeviceInfoForCNI", (o) => saveDeviceInfoForCNI(file(), deviating, o)],
    ["updateDeviceInfoForCNISync", (o) => updateDeviceInfoForCNISync(file(), () => deviating, o)],
  ])("%s: a deviation refused by default names { strict: false }", async (_name, call) => {
    expect(await messageOf(() => call({}))).toContain("pass { strict: false } to write deviations from the spec.");
  });

  it("the issue's example: saveDeviceInfoIfAbsent with { strict: false } and a wrong type", async () => {
    const message = await messageOf(() => saveDeviceInfoIfAbsent(file(), wrong, { strict: false }));
    expect(message).toBe(
      `refusing to write ${file()}: invalid device-info: $['pci']: "pci" must be an object, got a number. Fix the document so that it is a JSON object whose known fields have the types of spec v1.1.0 (strings, and objects for the sub-objects).`,
    );
  });
});

// Every place that refuses a document with ERR_DEVINFO_INVALID and advice
// about `strict` builds its message with the one builder: each call site, with
// each value of `strict` a caller can give, and the exact message.
describe("each call site's message, for each strict option", () => {
  const tmp = useTempDir();
  const DEVIATING = '{"type":"pci","version":"1.1.0","pci":{}}';
  const WRONG = '{"type":"pci","version":"1.1.0","pci":5}';
  const deviating = () => JSON.parse(DEVIATING) as DeviceInfo;
  const wrong = () => JSON.parse(WRONG) as DeviceInfo;
  const CNI_RESULT = '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}]}';

  const MISSING = `$['pci']['pci-address']: "pci-address" is required in "pci"`;
  const NOT_OBJECT = `$['pci']: "pci" must be an object, got a number`;
  const TYPES = "a JSON object whose known fields have the types of spec v1.1.0 (strings, and objects for the sub-objects)";
  const FIX_TYPES = `Fix the document so that it is ${TYPES}.`;
  const WRITE_LENIENT = "Fix these fields, or pass { strict: false } to write deviations from the spec.";
  const READ_LENIENT = "Fix these fields, or read with { strict: false } to accept deviations from the spec as warnings.";
  const STATUS_TYPES = "The annotation must be a JSON array of objects whose known fields have Go's types";
  const KUBEVIRT_TYPES = `KubeVirt writes {"interfaces":[{"network":"net1","deviceInfo":{...}}]} with Go's types: check what wrote this file`;
  const MTU = `$[0]['mtu']: "mtu" must be an integer, got a string`;
  type Strict = boolean | undefined;
  const opts = (strict: Strict) => (strict === undefined ? {} : { strict });
  const file = (name: string) => tmp.join("cni", name);
  const write = (name: string, text: string) => {
    fs.mkdirSync(tmp.join("cni"), { recursive: true });
    fs.writeFileSync(file(name), text);
    return file(name);
  };
  const statusOf = (entry: object) => JSON.stringify([{ name: "default/net1", ...entry }]);

  /** [call site, strict given, the call, the message (`<f>` for the file)]. */
  const CASES: [string, Strict, (strict: Strict) => unknown, string | undefined][] = [
    // saveDeviceInfoIfAbsent: the issue's example. It validates strictly by default.
    [
      "saveDeviceInfoIfAbsent, a deviation",
      undefined,
      (s) => saveDeviceInfoIfAbsent(file("f"), deviating(), opts(s)),
      `refusing to write <f>: invalid device-info: ${MISSING}. ${WRITE_LENIENT}`,
    ],
    [
      "saveDeviceInfoIfAbsent, a deviation",
      true,
      (s) => saveDeviceInfoIfAbsent(file("f"), deviating(), opts(s)),
      `refusing to write <f>: invalid device-info: ${MISSING}. ${WRITE_LENIENT}`,
    ],
    ["saveDeviceInfoIfAbsent, a deviation", false, (s) => saveDeviceInfoIfAbsent(file("f"), deviating(), opts(s)), undefined],
    [
      "saveDeviceInfoIfAbsentSync, a wrong type",
      false,
      (s) => saveDeviceInfoIfAbsentSync(file("f"), wrong(), opts(s)),
      `refusing to write <f>: invalid device-info: ${NOT_OBJECT}. ${FIX_TYPES}`,
    ],
    [
      "saveDeviceInfoIfAbsentSync, a wrong type",
      undefined,
      (s) => saveDeviceInfoIfAbsentSync(file("f"), wrong(), opts(s)),
      // Strict by default: the missing object is a deviation, and { strict: false } would not help with the wrong type.
      `refusing to write <f>: invalid device-info: ${NOT_OBJECT}; $['pci']: type is "pci" but there is no "pci" object. Fix these fields; the wrong types are refused in every mode, the document must be ${TYPES}.`,
    ],
    // The writers and the update.
    [
      "saveDeviceInfoForCNISync, a deviation",
      undefined,
      (s) => saveDeviceInfoForCNISync(file("f"), deviating(), opts(s)),
      `refusing to write <f>: invalid device-info: ${MISSING}. ${WRITE_LENIENT}`,
    ],
    [
      "saveDeviceInfoForCNISync, a wrong type",
      false,
      (s) => saveDeviceInfoForCNISync(file("f"), wrong(), opts(s)),
      `refusing to write <f>: invalid device-info: ${NOT_OBJECT}. ${FIX_TYPES}`,
    ],
    [
      "addDeviceInfoFieldsSync, a deviation the file did not have",
      undefined,
      (s) => {
        write("f", '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"/s"}}');
        return addDeviceInfoFieldsSync(file("f"), { pci: { "rdma-device": "m" } }, opts(s));
      },
      `refusing to write <f>: invalid device-info (the update adds deviations from the spec that the file did not have): ${MISSING}. ${WRITE_LENIENT}`,
    ],
    // The readers: lenient by default, so only a caller who asked for strict is told of { strict: false }.
    ["parseDeviceInfo, a deviation", true, (s) => parseDeviceInfo(DEVIATING, opts(s)), `invalid device-info: ${MISSING}. ${READ_LENIENT}`],
    [
      "parseDeviceInfo, a wrong type",
      undefined,
      (s) => parseDeviceInfo(WRONG, opts(s)),
      `invalid device-info: ${NOT_OBJECT}. ${FIX_TYPES}`,
    ],
    [
      "loadDeviceInfoFromCNISync, a deviation",
      true,
      (s) => loadDeviceInfoFromCNISync(write("f", DEVIATING), opts(s)),
      `<f>: invalid device-info: ${MISSING}. ${READ_LENIENT}`,
    ],
    [
      "loadDeviceInfoFromCNISync, a wrong type",
      false,
      (s) => loadDeviceInfoFromCNISync(write("f", WRONG), opts(s)),
      `<f>: invalid device-info: ${NOT_OBJECT}. ${FIX_TYPES}`,
    ],
    [
      "serializeDeviceInfo (an encoder), a wrong type",
      undefined,
      () => serializeDeviceInfo(wrong()),
      `invalid device-info: ${NOT_OBJECT}. ${FIX_TYPES}`,
    ],
    // The device-info given to the network-status writers (checked leniently: no option).
    [
      "createNetworkStatus, a wrong type",
      undefined,
      () => createNetworkStatus(CNI_RESULT, "net1", false, wrong()),
      `invalid device-info: $['device-info']['pci']: "pci" must be an object, got a number. ${FIX_TYPES}`,
    ],
    [
      "setNetworkStatusDeviceInfo, a value JSON cannot hold",
      undefined,
      () => setNetworkStatusDeviceInfo([{ name: "net1" }], { network: "net1" }, { ...deviating(), x: 1n } as unknown as DeviceInfo),
      `invalid device-info: $['device-info']['x']: a BigInt (1n) has no JSON form; pass a number or a string. Give unknown keys only values JSON holds as they are: strings, finite numbers, booleans, null, arrays and plain objects.`,
    ],
    [
      "deviceInfoToDeviceAttributes, not an object",
      undefined,
      () => deviceInfoToDeviceAttributes(5 as unknown as DeviceInfo),
      `invalid device-info: $: a device-info document must be a JSON object, got a number. ${FIX_TYPES}`,
    ],
    // The network-status readers: a wrong type is refused in every mode, so never { strict: false } for it.
    [
      "parseNetworkStatusAnnotation, a deviation",
      true,
      (s) => parseNetworkStatusAnnotation(statusOf({ "device-info": deviating() }), opts(s)),
      `invalid network status: $[0]['device-info']['pci']['pci-address']: "pci-address" is required in "pci". ${READ_LENIENT}`,
    ],
    [
      "parseNetworkStatusAnnotation, a wrong type and a deviation",
      true,
      (s) => parseNetworkStatusAnnotation(statusOf({ mtu: "x", "device-info": deviating() }), opts(s)),
      `invalid network status: ${MTU}; $[0]['device-info']['pci']['pci-address']: "pci-address" is required in "pci". Fix these fields; the wrong types are refused in every mode, the annotation must be a JSON array of objects whose known fields have Go's types.`,
    ],
    [
      "parseNetworkStatusAnnotation, a wrong type",
      false,
      (s) => parseNetworkStatusAnnotation(statusOf({ mtu: "x" }), opts(s)),
      `invalid network status: ${MTU}. ${STATUS_TYPES}`,
    ],
    [
      "readPodNetworkStatus, a wrong type",
      undefined,
      (s) => readPodNetworkStatus(write("annotations", statusOf({ mtu: "x" })), opts(s)),
      `<f>: invalid network status: ${MTU}. ${STATUS_TYPES}`,
    ],
    [
      "readKubeVirtNetworkInfo, a deviation",
      true,
      (s) =>
        readKubeVirtNetworkInfo(
          write("network-info", JSON.stringify({ interfaces: [{ network: "net1", deviceInfo: deviating() }] })),
          opts(s),
        ),
      `<f>: invalid network-info: $['interfaces'][0]['deviceInfo']['pci']['pci-address']: "pci-address" is required in "pci". ${READ_LENIENT}`,
    ],
    [
      "readKubeVirtNetworkInfo, a wrong type and a deviation",
      true,
      (s) =>
        readKubeVirtNetworkInfo(
          write("network-info", JSON.stringify({ interfaces: [{ network: "net1", deviceInfo: deviating(), mtu: "x" }] })),
          opts(s),
        ),
      `<f>: invalid network-info: $['interfaces'][0]['deviceInfo']['pci']['pci-address']: "pci-address" is required in "pci"; $['interfaces'][0]['mtu']: "mtu" must be an integer, got a string. Fix these fields; the wrong types are refused in every mode, the file must be what KubeVirt writes, {"interfaces":[{"network":"net1","deviceInfo":{...}}]} with Go's types.`,
    ],
    [
      "readKubeVirtNetworkInfo, a wrong type",
      false,
      (s) => readKubeVirtNetworkInfo(write("network-info", JSON.stringify({ interfaces: [{ network: "net1", mtu: "x" }] })), opts(s)),
      `<f>: invalid network-info: $['interfaces'][0]['mtu']: "mtu" must be an integer, got a string. ${KUBEVIRT_TYPES}`,
    ],
    // The network-status writers' own advice, through the same builder.
    [
      "serializeNetworkStatusAnnotation, not an array",
      undefined,
      () => serializeNetworkStatusAnnotation("x" as unknown as NetworkStatus[]),
      "invalid network status: $: the statuses must be an array, got a string. Pass an array of network-status entries",
    ],
  ];

  it.each(CASES)("%s, strict: %s", async (_name, strict, call, expected) => {
    let message: string | undefined;
    try {
      await call(strict);
    } catch (err) {
      if (!isDeviceInfoError(err) || err.code !== "ERR_DEVINFO_INVALID") throw err;
      message = err.message.replaceAll(tmp.path, "").replace(/\/cni\/[\w-]+/, "<f>");
    }
    expect(message).toBe(expected);
    // Whoever passed { strict: false } is never told to pass it, nor is a reader that read leniently.
    if (strict !== true && !(strict === undefined && expected?.startsWith("refusing to write"))) {
      expect(message ?? "").not.toContain("strict: false");
    }
  });

  it("the command line words the advice as its flags", () => {
    expect(toCliWords(`invalid device-info: ${MISSING}. ${WRITE_LENIENT}`)).toBe(
      `invalid device-info: ${MISSING}. Fix these fields, or pass --lenient to write deviations from the spec.`,
    );
    expect(toCliWords(READ_LENIENT)).toBe("Fix these fields, or read without --strict to accept deviations from the spec as warnings.");
  });
});
