import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { DEVICE_FIELDS, DEVICE_TYPES, SPEC_VERSION, TOP_LEVEL_KEYS } from "../src/format/fields.js";
import { validateDeviceInfo } from "../src/format/validate.js";
import {
  DeviceInfoSchema,
  MemifDeviceInfoSchema,
  MemifDeviceSchema,
  PCI_ADDRESS_PATTERN,
  PciDeviceInfoSchema,
  PciDeviceSchema,
  SPEC_VERSION_PATTERN,
  VdpaDeviceInfoSchema,
  VdpaDeviceSchema,
  VhostUserDeviceInfoSchema,
  VhostUserDeviceSchema,
} from "../src/schema.js";
import { FC_SEED, fromEntries, nearValidDocument, validDocument } from "./helpers/arbitraries.js";
import { readFixtures, writeFixtures } from "./helpers/fixtures.js";

const SUB_SCHEMAS = {
  pci: PciDeviceSchema,
  vdpa: VdpaDeviceSchema,
  "vhost-user": VhostUserDeviceSchema,
  memif: MemifDeviceSchema,
} as const;
const DOC_SCHEMAS = {
  pci: PciDeviceInfoSchema,
  vdpa: VdpaDeviceInfoSchema,
  "vhost-user": VhostUserDeviceInfoSchema,
  memif: MemifDeviceInfoSchema,
} as const;

function agree(value: unknown): void {
  const zod = DeviceInfoSchema.safeParse(value).success;
  const ours = validateDeviceInfo(value, { strict: true });
  if (zod !== ours.valid) {
    throw new Error(
      `zod says ${zod ? "valid" : "invalid"}, validateDeviceInfo(strict) says ${ours.valid ? "valid" : "invalid"} for ${JSON.stringify(value)}: ${JSON.stringify(ours.errors.map((e) => `${e.jsonPath} ${e.code}`))}`,
    );
  }
}

describe("zod schemas and the table-driven validator agree", () => {
  it("on every Go fixture document", () => {
    const docs = [
      ...writeFixtures().map((f) => JSON.parse(f.input) as unknown),
      ...readFixtures().flatMap((f) => {
        try {
          return [JSON.parse(f.bytes.toString("utf8")) as unknown];
        } catch {
          return [];
        }
      }),
    ];
    expect(docs.length).toBeGreaterThan(50);
    let valid = 0;
    for (const doc of docs) {
      agree(doc);
      if (DeviceInfoSchema.safeParse(doc).success) valid++;
    }
    // Both verdicts occur, so the agreement means something.
    expect(valid).toBeGreaterThan(10);
    expect(valid).toBeLessThan(docs.length - 10);
  });

  it("on generated conforming documents (both say valid)", () => {
    fc.assert(
      fc.property(validDocument(), (doc) => {
        expect(DeviceInfoSchema.safeParse(doc).success).toBe(true);
        expect(validateDeviceInfo(doc, { strict: true })).toEqual({ valid: true, errors: [], warnings: [] });
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it("on generated near-valid documents (missing fields, wrong enums, bad PCI addresses and versions, nulls, case variants, wrong types)", () => {
    let invalid = 0;
    fc.assert(
      fc.property(nearValidDocument(), (doc) => {
        agree(doc);
        if (!DeviceInfoSchema.safeParse(doc).success) invalid++;
      }),
      { seed: FC_SEED, numRuns: 1500 },
    );
    expect(invalid).toBeGreaterThan(1000);
  });

  it.each<[string, unknown]>([
    [
      "an empty optional PCI address (Go omits it)",
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0", "pf-pci-address": "" } },
    ],
    [
      "an empty optional vdpa PCI address",
      { type: "vdpa", version: "1.1.0", vdpa: { "parent-device": "p", driver: "vhost", path: "/d", "pci-address": "" } },
    ],
    ["an empty required PCI address", { type: "pci", version: "1.1.0", pci: { "pci-address": "" } }],
    [
      "a case-variant field next to the exact one",
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0", "Vhost-Net": "x" } },
    ],
    ["a case-variant sub-object next to the exact one", { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, PCI: {} }],
    ["a case-variant type next to the exact one", { type: "pci", Type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } }],
    ["a long-s fold of a key", { type: "pci", verſion: "1.1.0", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } }],
    ["a null sub-object of another type", { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, memif: null }],
    [
      "an invalid sub-object of another type",
      { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, memif: { role: "x" } },
    ],
    [
      "unknown keys that look like prototype keys",
      JSON.parse('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","__proto__":1},"__proto__":null,"constructor":2}'),
    ],
    ["version 1.0.0", { type: "memif", version: "1.0.0", memif: { role: "slave", path: "/p", mode: "inject-punt" } }],
    ["a Date", new Date()],
    ["an array of a document", [{ type: "pci" }]],
  ])("on %s", (_what, doc) => {
    agree(doc);
  });
});

describe("the field tables of fields.ts and the zod schemas", () => {
  it("list exactly the same sub-object keys, in the same (Go) order", () => {
    expect(Object.keys(SUB_SCHEMAS)).toEqual([...DEVICE_TYPES]);
    for (const type of DEVICE_TYPES) {
      expect(Object.keys(SUB_SCHEMAS[type].shape)).toEqual(DEVICE_FIELDS[type].map((f) => f.key));
    }
  });

  it("agree on which fields are required", () => {
    for (const type of DEVICE_TYPES) {
      const shape = SUB_SCHEMAS[type].shape as Record<string, z.ZodType>;
      for (const rule of DEVICE_FIELDS[type]) {
        const schema = shape[rule.key];
        expect(schema?.safeParse(undefined).success, `${type}.${rule.key}`).toBe(rule.required !== true);
      }
    }
  });

  it("define the same top-level keys", () => {
    for (const type of DEVICE_TYPES) {
      expect(Object.keys(DOC_SCHEMAS[type].shape).sort()).toEqual([...TOP_LEVEL_KEYS].sort());
    }
  });

  it("share the version and PCI address patterns, and SPEC_VERSION matches them", () => {
    expect(SPEC_VERSION).toBe("1.1.0");
    expect(SPEC_VERSION_PATTERN.test(SPEC_VERSION)).toBe(true);
    expect(PCI_ADDRESS_PATTERN.test("0000:af:06.0")).toBe(true);
    expect(PCI_ADDRESS_PATTERN.test("0000:af:06.0\n")).toBe(false);
  });

  it("keep unknown keys when parsing with zod (loose objects)", () => {
    const doc = fromEntries([
      ["type", "pci"],
      ["version", "1.1.0"],
      ["pci", { "pci-address": "0000:af:06.0", "x-sub": 1 }],
      ["x-top", [2]],
    ]);
    expect(DeviceInfoSchema.parse(doc)).toEqual(doc);
  });

  it("can be turned into a JSON Schema", () => {
    const schema = z.toJSONSchema(DeviceInfoSchema) as { oneOf?: unknown[] };
    expect(schema.oneOf).toHaveLength(4);
  });
});
