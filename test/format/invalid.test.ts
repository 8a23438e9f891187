// One builder for the "invalid device-info" error and its advice
// (src/format/_invalid.ts): the advice depends on the issues and on the
// options the caller gave. Nobody who passed { strict: false } is told to
// pass it, and nobody is told that { strict: false } helps with a wrong type,
// in every reader and writer that refuses a document.

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { makeIssue } from "../../src/base/issues.js";
import {
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/files/operations.js";
import { invalidDeviceInfo, invalidHint } from "../../src/format/_invalid.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { saveDeviceInfoIfAbsent, saveDeviceInfoIfAbsentSync } from "../../src/roles/cni-plugin.js";
import { useTempDir } from "../helpers/temp-dir.js";

const deviation = makeIssue("error", "missing_field", ["pci", "pci-address"], '"pci-address" is required in "pci"');
const wrongType = makeIssue("error", "wrong_type", ["pci"], '"pci" must be an object, got a number');
const cycle = makeIssue("error", "unserializable", ["x"], "the value is cyclic");

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
