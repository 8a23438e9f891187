// The format as data (src/format/fields.ts): the patterns of the spec, Go's
// field matching, and the tables the validator and the serializer walk.
// (test/schema.test.ts checks the tables against the zod schemas.)

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEVICE_FIELDS,
  DEVICE_TYPES,
  goFieldMatch,
  isDeviceKey,
  PCI_ADDRESS_PATTERN,
  SPEC_VERSION,
  SPEC_VERSION_PATTERN,
  TOP_LEVEL_KEYS,
  VERSION_FORMAT_PATTERN,
} from "../../src/format/fields.js";
import { REPO_ROOT } from "../helpers/run-node.js";

describe("goFieldMatch: the known key Go's encoding/json reads a key as", () => {
  const known = new Set(["name", "search", "kind", "pci-address"]);
  it.each<[string, string | undefined]>([
    ["name", "name"],
    ["Name", "name"],
    ["NAME", "name"],
    ["PCI-Address", "pci-address"],
    ["\u017fearch", "search"], // ſ (long s) folds to s
    ["\u212aind", "kind"], // K (Kelvin sign) folds to k
    ["names", undefined],
    ["nam", undefined],
    ["pci_address", undefined],
    ["", undefined],
  ])("%j → %j", (key, expected) => {
    expect(goFieldMatch(key, known)).toBe(expected);
    // A map of fields answers the same.
    expect(goFieldMatch(key, new Map([...known].map((k) => [k, true])))).toBe(expected);
  });

  it("an exact match wins over a fold", () => {
    expect(goFieldMatch("Name", new Set(["name", "Name"]))).toBe("Name");
  });
});

describe("the spec's patterns", () => {
  it.each<[string, boolean]>([
    ["0000:af:06.0", true],
    ["FFFF:AF:1f.7", true],
    ["0000:af:20.0", false], // device 00-1f
    ["0000:af:06.8", false], // function 0-7
    ["af:06.0", false],
    ["0000:af:06.0 ", false],
    ["8086:1572", false], // a vendor:device ID
  ])("PCI address %j: %s", (text, ok) => {
    expect(PCI_ADDRESS_PATTERN.test(text)).toBe(ok);
  });

  it.each<[string, boolean, boolean]>([
    ["1.0.0", true, true],
    ["1.1.0", true, true],
    ["1.10.2", true, true],
    ["2.0.0", false, true],
    ["v1.0.0", false, false],
    ["1.01.0", false, false],
    ["1.0", false, false],
    ["1.0.0-rc1", false, false],
  ])("version %j: spec major 1 %s, any major %s", (text, spec, format) => {
    expect(SPEC_VERSION_PATTERN.test(text)).toBe(spec);
    expect(VERSION_FORMAT_PATTERN.test(text)).toBe(format);
  });

  it("the version this package writes is one it understands", () => {
    expect(SPEC_VERSION_PATTERN.test(SPEC_VERSION)).toBe(true);
  });
});

describe("the tables", () => {
  it("top-level keys: type, version, then one sub-object per device type, in Go's order", () => {
    expect(TOP_LEVEL_KEYS).toStrictEqual(["type", "version", "pci", "vdpa", "vhost-user", "memif"]);
  });

  it.each<[string, boolean]>([
    ...DEVICE_TYPES.map((t): [string, boolean] => [t, true]),
    ["type", false],
    ["PCI", false],
    ["__proto__", false],
  ])("isDeviceKey(%j) is %s", (key, expected) => {
    expect(isDeviceKey(key)).toBe(expected);
  });

  it.each(DEVICE_TYPES)("%s: unique keys, at least one required, choices only on required fields", (type) => {
    const fields = DEVICE_FIELDS[type];
    expect(new Set(fields.map((f) => f.key)).size).toBe(fields.length);
    expect(fields.some((f) => f.required === true)).toBe(true);
    for (const f of fields.filter((f) => f.oneOf !== undefined)) expect(f.required).toBe(true);
  });

  it("the module has no imports: it is on every CNI plugin's start-up path", () => {
    const source = fs.readFileSync(path.join(REPO_ROOT, "src", "format", "fields.ts"), "utf8");
    expect(source).not.toMatch(/^\s*(import|export\s.*\sfrom)\s/m);
  });
});
