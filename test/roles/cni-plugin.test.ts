import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DeviceInfo, loadDeviceInfoFromCNI, saveDeviceInfoForCNI } from "../../src/index.js";
import {
  addDeviceInfoFields,
  addDeviceInfoFieldsSync,
  getCNIDeviceInfoFile,
  saveDeviceInfoIfAbsent,
  saveDeviceInfoIfAbsentSync,
} from "../../src/roles/cni-plugin.js";

const FIXTURES = path.join(import.meta.dirname, "../../fixtures/cni-results");
const RECORDED_STDIN = fs.readFileSync(path.join(FIXTURES, "devinfo-test.plugin-stdin-ADD.json"));
const PREV_RESULT = JSON.parse(fs.readFileSync(path.join(FIXTURES, "bridge-hostlocal.json"), "utf8"));

let base: string;
let file: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
  file = path.join(base, "cni", "net-abc_net1");
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

// A device plugin's document at version 1.0.0 with keys this package does not know.
const COPIED = {
  type: "pci",
  version: "1.0.0",
  pci: { "pci-address": "0000:af:06.0", "x-vendor": { a: 1 } },
  "x-top": "kept",
} as unknown as DeviceInfo;

describe("getCNIDeviceInfoFile", () => {
  const recordedPath = "/var/run/k8s.cni.cncf.io/devinfo/cni/devinfo-test-abc_net1";

  it.each([
    ["bytes", RECORDED_STDIN],
    ["text", RECORDED_STDIN.toString("utf8")],
    ["a parsed object", JSON.parse(RECORDED_STDIN.toString("utf8"))],
  ])("reads what libcni really sent, given as %s", (_what, input) => {
    expect(getCNIDeviceInfoFile(input)).toBe(recordedPath);
  });

  it("reads it in a chained plugin's configuration (with prevResult)", () => {
    const chained = { cniVersion: "1.0.0", name: "n", type: "x", prevResult: PREV_RESULT, runtimeConfig: { CNIDeviceInfoFile: "/p/f" } };
    expect(getCNIDeviceInfoFile(chained)).toBe("/p/f");
  });

  it.each([
    ["no runtimeConfig", { cniVersion: "1.0.0", name: "n", type: "x" }],
    ["runtimeConfig without the key", { runtimeConfig: { deviceID: "0000:af:06.0" } }],
    ["null runtimeConfig", { runtimeConfig: null }],
    ["a null path", { runtimeConfig: { CNIDeviceInfoFile: null } }],
    // Go decodes "" as a string, and the Go plugins read an empty path as no file.
    ["an empty path", { runtimeConfig: { CNIDeviceInfoFile: "" } }],
    ["an empty path, as JSON text", '{"runtimeConfig":{"CNIDeviceInfoFile":""}}'],
    ["an empty path after a path (the last wins)", '{"runtimeConfig":{"CNIDeviceInfoFile":"/p/f","cnideviceinfofile":""}}'],
    ["an empty path in another case variant of runtimeConfig", '{"runtimeConfig":{"CNIDeviceInfoFile":""},"RuntimeConfig":{}}'],
  ])("is undefined with %s", (_what, conf) => {
    expect(getCNIDeviceInfoFile(conf)).toBeUndefined();
  });

  it.each([
    ["{", "ERR_DEVINFO_PARSE"],
    ['"text"', "ERR_DEVINFO_INVALID"],
    ['{"runtimeConfig":[]}', "ERR_DEVINFO_INVALID"],
    ['{"runtimeConfig":{"CNIDeviceInfoFile":5}}', "ERR_DEVINFO_INVALID"],
    // Go's decoder fails on a wrong type even when a later case variant is right.
    ['{"runtimeConfig":{"CNIDeviceInfoFile":5,"cnideviceinfofile":"/p/f"}}', "ERR_DEVINFO_INVALID"],
    ['{"RuntimeConfig":"x","runtimeConfig":{"CNIDeviceInfoFile":"/p/f"}}', "ERR_DEVINFO_INVALID"],
  ])("refuses %s with %s", (stdin, code) => {
    expect(() => getCNIDeviceInfoFile(stdin)).toThrow(expect.objectContaining({ code }));
  });

  // As a Go plugin decodes its NetConf struct: keys exactly or case-insensitively, the
  // last value that is not null winning, case variants of runtimeConfig read as one object.
  it.each<[string, string, string | undefined]>([
    ["runtimeConfig spelt RuntimeConfig", '{"RuntimeConfig":{"CNIDeviceInfoFile":"/p/f"}}', "/p/f"],
    ["the key spelt cniDeviceInfoFile", '{"runtimeConfig":{"cniDeviceInfoFile":"/p/f"}}', "/p/f"],
    ["both in capitals", '{"RUNTIMECONFIG":{"CNIDEVICEINFOFILE":"/p/f"}}', "/p/f"],
    ["two spellings: the last wins", '{"runtimeConfig":{"CNIDeviceInfoFile":"/a","cnideviceinfofile":"/b"}}', "/b"],
    ["a later null leaves the value", '{"runtimeConfig":{"CNIDeviceInfoFile":"/a","cnideviceinfofile":null}}', "/a"],
    [
      "two runtimeConfig objects: read in order, as one struct",
      '{"runtimeConfig":{"cnideviceinfofile":"/a","CNIDeviceInfoFile":"/x"},"RuntimeConfig":{"cnideviceinfofile":"/b"}}',
      "/b",
    ],
    ["a later null runtimeConfig leaves it", '{"runtimeConfig":{"CNIDeviceInfoFile":"/a"},"RuntimeConfig":null}', "/a"],
    ["a key that only looks alike", '{"runtimeConfig":{"CNIDeviceInfoFiles":"/a"},"runtime_config":{"CNIDeviceInfoFile":"/b"}}', undefined],
  ])("reads %s", (_what, stdin, expected) => {
    expect(getCNIDeviceInfoFile(stdin)).toBe(expected);
  });
});

describe.each([
  ["addDeviceInfoFields", addDeviceInfoFields],
  ["addDeviceInfoFieldsSync", addDeviceInfoFieldsSync],
])("%s", (_name, add) => {
  it("adds a field to the copied document, bumps 1.0.0 to 1.1.0 and keeps unknown keys, in Go's order", async () => {
    await saveDeviceInfoForCNI(file, COPIED, { strict: false });
    const now = await add(file, { pci: { "representor-device": "pf0vf3" } });
    expect(now).toEqual({ ...COPIED, version: "1.1.0", pci: { ...(COPIED as { pci: object }).pci, "representor-device": "pf0vf3" } });
    expect(fs.readFileSync(file, "utf8")).toBe(
      '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","representor-device":"pf0vf3","x-vendor":{"a":1}},"x-top":"kept"}',
    );
  });

  it("does not rewrite a file the fields do not change (not even to bump its version)", async () => {
    await saveDeviceInfoForCNI(
      file,
      { ...COPIED, pci: { "pci-address": "0000:af:06.0", "representor-device": "pf0vf3" } },
      { strict: false },
    );
    const before = fs.statSync(file);
    const bytes = fs.readFileSync(file);
    await add(file, { pci: { "representor-device": "pf0vf3", "rdma-device": undefined } });
    expect(fs.statSync(file).ino).toBe(before.ino);
    expect(fs.readFileSync(file)).toEqual(bytes);
  });

  it("creates a sub-object the document does not have", async () => {
    await saveDeviceInfoForCNI(file, {
      type: "vdpa",
      version: "1.1.0",
      vdpa: { "parent-device": "vdpa0", driver: "vhost", path: "/dev/vhost-vdpa-0" },
    });
    const now = await add(file, { pci: { "pci-address": "0000:af:06.1" } });
    expect(now).toMatchObject({ type: "vdpa", pci: { "pci-address": "0000:af:06.1" } });
  });

  it("does nothing when there is no file", async () => {
    expect(await add(file, { pci: { "representor-device": "pf0vf3" } })).toBeUndefined();
    expect(fs.existsSync(file)).toBe(false);
  });

  it.each([[{ foo: { a: "b" } }], [{ pci: "pf0vf3" }], [{ pci: ["x"] }]])("refuses fields %j", async (fields) => {
    await saveDeviceInfoForCNI(file, COPIED, { strict: false });
    await expect(async () => add(file, fields as never)).rejects.toMatchObject({ code: "ERR_DEVINFO_INVALID", path: file });
  });

  // JSON.stringify writes NaN and ±Infinity as null: the message names the value given, not "a number null".
  it.each([
    [{ x: Number.NaN }, '"x": a number NaN (JSON has no form for it)'],
    [{ x: Number.POSITIVE_INFINITY }, '"x": a number Infinity (JSON has no form for it)'],
    [{ pci: Number.NEGATIVE_INFINITY }, '"pci": a number -Infinity (JSON has no form for it)'],
    [{ x: 5 }, '"x": a number 5'],
  ])("names the value of fields %j as given", async (fields, said) => {
    await saveDeviceInfoForCNI(file, COPIED, { strict: false });
    const err = await (async () => add(file, fields as never))().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ code: "ERR_DEVINFO_INVALID", path: file });
    expect(err?.message).toMatch(new RegExp(`; got ${said.replace(/[()]/g, "\\$&")}$`));
    expect(err?.message).not.toContain("null");
  });

  it("refuses null fields as misuse (a TypeError naming the argument)", async () => {
    await expect(async () => add(file, null as never)).rejects.toMatchObject({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
      message: 'The "fields" argument must be of type object. Received null',
    });
  });
});

describe.each([
  ["saveDeviceInfoIfAbsent", saveDeviceInfoIfAbsent],
  ["saveDeviceInfoIfAbsentSync", saveDeviceInfoIfAbsentSync],
])("%s", (_name, save) => {
  const own = {
    type: "vhost-user",
    version: "1.1.0",
    "vhost-user": { mode: "client", path: "/var/run/vhost-user/abc-net1.sock" },
  } as const;

  it("writes the plugin's own document when there is none, creating the directory", async () => {
    expect(await save(file, own)).toEqual({ written: true, info: own });
    expect(fs.readFileSync(file, "utf8")).toBe(
      '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"/var/run/vhost-user/abc-net1.sock"}}',
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o444);
  });

  it("leaves a copied document alone and returns it", async () => {
    await saveDeviceInfoForCNI(file, COPIED, { strict: false });
    const bytes = fs.readFileSync(file);
    expect(await save(file, own)).toEqual({ written: false, info: COPIED });
    expect(fs.readFileSync(file)).toEqual(bytes);
  });

  it("validates the plugin's own document strictly", async () => {
    const bad = { type: "vhost-user", version: "1.1.0", "vhost-user": { path: "/x.sock" } } as unknown as DeviceInfo;
    await expect(async () => save(file, bad)).rejects.toMatchObject({ code: "ERR_DEVINFO_INVALID", path: file });
    expect(fs.existsSync(file)).toBe(false);
    expect(await save(file, bad, { strict: false })).toMatchObject({ written: true });
  });
});

it("saveDeviceInfoIfAbsent lets exactly one of several concurrent writers win", async () => {
  const docs = [0, 1, 2, 3, 4, 5].map(
    (i) => ({ type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: `/s/${i}.sock` } }) as const,
  );
  const results = await Promise.all(docs.map((doc) => saveDeviceInfoIfAbsent(file, doc)));
  const winners = results.filter((r) => r.written);
  expect(winners).toHaveLength(1);
  const inFile = await loadDeviceInfoFromCNI(file);
  expect(results.every((r) => JSON.stringify(r.info) === JSON.stringify(inFile))).toBe(true);
  expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
});
