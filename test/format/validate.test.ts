import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue, DeviceInfoIssueCode } from "../../src/base/issues.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import { validateDeviceInfo } from "../../src/format/validate.js";
import { FC_SEED, nearValidDocument, validDocument } from "../helpers/arbitraries.js";

const PCI = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };

type Case = [what: string, doc: unknown, issues: [DeviceInfoIssueCode, string][]];

// Problems no reader accepts: errors in both modes.
const ALWAYS_ERRORS: Case[] = [
  ["null", null, [["not_object", "$"]]],
  ["an array", [PCI], [["not_object", "$"]]],
  ["a string", JSON.stringify(PCI), [["not_object", "$"]]],
  ["a number", 5, [["not_object", "$"]]],
  ["a boolean", true, [["not_object", "$"]]],
  ["type as a number", { ...PCI, type: 1 }, [["wrong_type", "$['type']"]]],
  ["version as a number", { ...PCI, version: 1.1 }, [["wrong_type", "$['version']"]]],
  ["version as an object", { ...PCI, version: {} }, [["wrong_type", "$['version']"]]],
  ["a sub-object as a string", { ...PCI, pci: "0000:af:06.0" }, [["wrong_type", "$['pci']"]]],
  ["a sub-object as an array", { ...PCI, pci: [] }, [["wrong_type", "$['pci']"]]],
  ["another sub-object as a number", { ...PCI, memif: 5 }, [["wrong_type", "$['memif']"]]],
  ["a field as a number", { ...PCI, pci: { "pci-address": 5 } }, [["wrong_type", "$['pci']['pci-address']"]]],
  [
    "a field as an object",
    { ...PCI, pci: { "pci-address": "0000:af:06.0", "rdma-device": {} } },
    [["wrong_type", "$['pci']['rdma-device']"]],
  ],
  [
    "a field as a boolean in a case variant",
    { ...PCI, pci: { "pci-address": "0000:af:06.0", "RDMA-Device": false } },
    [
      ["key_case", "$['pci']['RDMA-Device']"],
      ["wrong_type", "$['pci']['RDMA-Device']"],
    ],
  ],
];

// Deviations from the spec that the Go reference accepts: warnings unless strict.
const DEVIATIONS: Case[] = [
  [
    "an empty object",
    {},
    [
      ["missing_type", "$['type']"],
      ["missing_version", "$['version']"],
    ],
  ],
  ["no type", { version: "1.1.0", pci: PCI.pci }, [["missing_type", "$['type']"]]],
  ["an empty type", { ...PCI, type: "" }, [["missing_type", "$['type']"]]],
  ["an unknown type", { ...PCI, type: "foo" }, [["unknown_type", "$['type']"]]],
  ["no version", { type: "pci", pci: PCI.pci }, [["missing_version", "$['version']"]]],
  ["a v-prefixed version", { ...PCI, version: "v1.1.0" }, [["invalid_version", "$['version']"]]],
  ["a two-part version", { ...PCI, version: "1.1" }, [["invalid_version", "$['version']"]]],
  ["a leading-zero version", { ...PCI, version: "1.01.0" }, [["invalid_version", "$['version']"]]],
  ["version 2.0.0", { ...PCI, version: "2.0.0" }, [["unsupported_version", "$['version']"]]],
  ["version 0.1.0", { ...PCI, version: "0.1.0" }, [["unsupported_version", "$['version']"]]],
  ["no sub-object for the type", { type: "vdpa", version: "1.1.0", pci: PCI.pci }, [["missing_device", "$['vdpa']"]]],
  ["no required field", { ...PCI, pci: {} }, [["missing_field", "$['pci']['pci-address']"]]],
  ["an empty required field", { ...PCI, pci: { "pci-address": "" } }, [["missing_field", "$['pci']['pci-address']"]]],
  [
    "a vdpa entry without path (as the SR-IOV device plugin writes it)",
    { type: "vdpa", version: "1.1.0", vdpa: { "parent-device": "vdpa:0000:af:06.1", driver: "vhost" } },
    [["missing_field", "$['vdpa']['path']"]],
  ],
  [
    "memif mode punt (the Go constant)",
    { type: "memif", version: "1.1.0", memif: { role: "master", path: "/m", mode: "punt" } },
    [["invalid_enum", "$['memif']['mode']"]],
  ],
  [
    "memif role outside the list",
    { type: "memif", version: "1.1.0", memif: { role: "Master", path: "/m", mode: "ip" } },
    [["invalid_enum", "$['memif']['role']"]],
  ],
  [
    "vdpa driver outside the list",
    { type: "vdpa", version: "1.1.0", vdpa: { "parent-device": "p", driver: "vfio", path: "/d" } },
    [["invalid_enum", "$['vdpa']['driver']"]],
  ],
  [
    "vhost-user mode outside the list",
    { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "both", path: "/s" } },
    [["invalid_enum", "$['vhost-user']['mode']"]],
  ],
  ["a short PCI address", { ...PCI, pci: { "pci-address": "af:06.0" } }, [["invalid_pci_address", "$['pci']['pci-address']"]]],
  ["device 0x20", { ...PCI, pci: { "pci-address": "0000:af:20.0" } }, [["invalid_pci_address", "$['pci']['pci-address']"]]],
  ["function 8", { ...PCI, pci: { "pci-address": "0000:af:06.8" } }, [["invalid_pci_address", "$['pci']['pci-address']"]]],
  [
    "a bad optional PF address",
    { ...PCI, pci: { "pci-address": "0000:af:06.0", "pf-pci-address": "pf0" } },
    [["invalid_pci_address", "$['pci']['pf-pci-address']"]],
  ],
  [
    "a relative vdpa path",
    { type: "vdpa", version: "1.1.0", vdpa: { "parent-device": "p", driver: "virtio", path: "dev/vhost-vdpa-0" } },
    [["relative_path", "$['vdpa']['path']"]],
  ],
  [
    "type null",
    { ...PCI, type: null },
    [
      ["null_field", "$['type']"],
      ["missing_type", "$['type']"],
    ],
  ],
  ["a sub-object null", { ...PCI, vdpa: null }, [["null_field", "$['vdpa']"]]],
  [
    "the type's sub-object null",
    { ...PCI, pci: null },
    [
      ["null_field", "$['pci']"],
      ["missing_device", "$['pci']"],
    ],
  ],
  [
    "an optional field null",
    { ...PCI, pci: { "pci-address": "0000:af:06.0", "vhost-net": null } },
    [["null_field", "$['pci']['vhost-net']"]],
  ],
  ["a case-variant top-level key", { Type: "pci", version: "1.1.0", pci: PCI.pci }, [["key_case", "$['Type']"]]],
  ["a case-variant sub-object key", { type: "pci", version: "1.1.0", PCI: PCI.pci }, [["key_case", "$['PCI']"]]],
  ["a case-variant field", { ...PCI, pci: { "PCI-Address": "0000:af:06.0" } }, [["key_case", "$['pci']['PCI-Address']"]]],
  [
    "a long-s fold (U+017F)",
    { type: "vhost-user", version: "1.1.0", "vhoſt-user": { mode: "client", path: "/s" } },
    [["key_case", "$['vhoſt-user']"]],
  ],
  // jsonPath names the keys as written, so it leads to the offending value.
  [
    "an issue inside a case-variant sub-object",
    { type: "pci", version: "1.1.0", PCI: { "pci-address": "bad" } },
    [
      ["key_case", "$['PCI']"],
      ["invalid_pci_address", "$['PCI']['pci-address']"],
    ],
  ],
  [
    "a missing field of a case-variant sub-object",
    { type: "pci", version: "1.1.0", PCI: {} },
    [
      ["key_case", "$['PCI']"],
      ["missing_field", "$['PCI']['pci-address']"],
    ],
  ],
  [
    "an unknown type under a case-variant key",
    { TYPE: "foo", version: "1.1.0" },
    [
      ["key_case", "$['TYPE']"],
      ["unknown_type", "$['TYPE']"],
    ],
  ],
  [
    "a bad version under a case-variant key",
    { ...PCI, version: undefined, Version: "v1" },
    [
      ["key_case", "$['Version']"],
      ["invalid_version", "$['Version']"],
    ],
  ],
  [
    "a case-variant field with a bad value",
    { ...PCI, pci: { "Pci-Address": "x" } },
    [
      ["key_case", "$['pci']['Pci-Address']"],
      ["invalid_pci_address", "$['pci']['Pci-Address']"],
    ],
  ],
  [
    "problems in a sub-object other than the type's",
    { ...PCI, memif: { role: "master", path: "/m", mode: "punt" } },
    [["invalid_enum", "$['memif']['mode']"]],
  ],
];

const summary = (issues: readonly DeviceInfoIssue[]) => issues.map((i) => [i.code, i.jsonPath]);
const sorted = <T>(list: T[]) => [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("validateDeviceInfo", () => {
  it("accepts conforming documents of each type with no issue at all", () => {
    for (const doc of [
      PCI,
      { type: "vdpa", version: "1.1.0", vdpa: { "parent-device": "vdpa:0000:af:06.1", driver: "vhost", path: "/dev/vhost-vdpa-0" } },
      { type: "vhost-user", version: "1.0.0", "vhost-user": { mode: "server", path: "/var/run/vhu.sock" } },
      { type: "memif", version: "1.1.0", memif: { role: "slave", path: "/run/memif.sock", mode: "inject-punt" } },
    ]) {
      expect(validateDeviceInfo(doc, { strict: true })).toEqual({ valid: true, errors: [], warnings: [] });
    }
  });

  it.each(ALWAYS_ERRORS)("%s: an error in both modes", (_what, doc, expected) => {
    const lenient = validateDeviceInfo(doc);
    expect(lenient.valid).toBe(false);
    expect(sorted(summary(lenient.errors))).toEqual(sorted(expected.filter(([code]) => !isDeviation(code))));
    expect(lenient.errors.every((i) => i.severity === "error")).toBe(true);
    // Strict adds the consequences as errors (a field of the wrong type is also a missing one).
    const strict = validateDeviceInfo(doc, { strict: true });
    expect(strict.valid).toBe(false);
    expect(summary(strict.errors)).toEqual(expect.arrayContaining(expected));
    expect(strict.warnings).toEqual([]);
  });

  it.each(DEVIATIONS)("%s: a warning when lenient, an error when strict", (_what, doc, expected) => {
    const lenient = validateDeviceInfo(doc);
    expect(lenient.valid).toBe(true);
    expect(lenient.errors).toEqual([]);
    expect(sorted(summary(lenient.warnings))).toEqual(sorted(expected));
    expect(lenient.warnings.every((i) => i.severity === "warning")).toBe(true);

    const strict = validateDeviceInfo(doc, { strict: true });
    expect(strict.valid).toBe(false);
    expect(strict.warnings).toEqual([]);
    expect(sorted(summary(strict.errors))).toEqual(sorted(expected));
    expect(strict.errors.every((i) => i.severity === "error")).toBe(true);
  });

  it("covers every issue code of issues.ts in the tables above (unserializable is the serializer's)", () => {
    const codes = new Set([...ALWAYS_ERRORS, ...DEVIATIONS].flatMap(([, , issues]) => issues.map(([code]) => code)));
    const all: DeviceInfoIssueCode[] = [
      "not_object",
      "wrong_type",
      "missing_type",
      "unknown_type",
      "missing_version",
      "invalid_version",
      "unsupported_version",
      "missing_device",
      "missing_field",
      "invalid_enum",
      "invalid_pci_address",
      "relative_path",
      "null_field",
      "key_case",
    ];
    expect([...codes].sort()).toEqual([...all].sort());
  });

  it("gives each issue a path, a jsonPath derived from it, and a message naming the field", () => {
    const { warnings } = validateDeviceInfo({ type: "memif", version: "1.1.0", memif: { role: "master", path: "/m", mode: "punt" } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      severity: "warning",
      code: "invalid_enum",
      path: ["memif", "mode"],
      jsonPath: "$['memif']['mode']",
    });
    expect(warnings[0]?.message).toContain('"inject-punt"');
  });

  it("returns only valid, errors and warnings", () => {
    expect(Object.keys(validateDeviceInfo(PCI)).sort()).toEqual(["errors", "valid", "warnings"]);
  });

  it("never throws, whatever the value", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), nearValidDocument(), validDocument()), fc.boolean(), (value, strict) => {
        const result = validateDeviceInfo(value, { strict });
        expect(result.valid).toBe(result.errors.length === 0);
      }),
      { seed: FC_SEED, numRuns: 500 },
    );
  });
});

describe("parseDeviceInfo: strict, lenient and onWarning", () => {
  it.each(DEVIATIONS)("%s: lenient parse returns the value and calls onWarning once per warning", (_what, doc, expected) => {
    const seen: DeviceInfoIssue[] = [];
    const value = parseDeviceInfo(doc, { onWarning: (w) => seen.push(w) });
    expect(value).toBeTypeOf("object");
    expect(sorted(summary(seen))).toEqual(sorted(expected));
    expect(seen).toEqual(validateDeviceInfo(doc).warnings);
    // the same through JSON text
    const fromText: DeviceInfoIssue[] = [];
    parseDeviceInfo(JSON.stringify(doc), { onWarning: (w) => fromText.push(w) });
    expect(fromText).toEqual(seen);
  });

  it.each(DEVIATIONS)("%s: strict parse throws ERR_DEVINFO_INVALID with the issues, and never calls onWarning", (_what, doc, expected) => {
    let warned = 0;
    let caught: unknown;
    try {
      parseDeviceInfo(doc, { strict: true, onWarning: () => warned++ });
    } catch (err) {
      caught = err;
    }
    expect(warned).toBe(0);
    expect(isDeviceInfoError(caught) && caught.code).toBe("ERR_DEVINFO_INVALID");
    if (isDeviceInfoError(caught)) {
      expect(sorted(summary(caught.issues))).toEqual(sorted(expected));
      expect(caught.message).toContain("strict: false");
      expect(caught.message).toContain(expected[0]?.[1] ?? "");
    }
  });

  // (A string is JSON text for parseDeviceInfo, not a value.)
  it.each(ALWAYS_ERRORS.filter(([, doc]) => typeof doc !== "string"))(
    "%s: parse throws ERR_DEVINFO_INVALID in both modes",
    (_what, doc) => {
      for (const strict of [false, true]) {
        expect(() => parseDeviceInfo(doc, { strict })).toThrow(expect.objectContaining({ code: "ERR_DEVINFO_INVALID" }));
      }
    },
  );

  it("reports no warning for a conforming document", () => {
    let warned = 0;
    parseDeviceInfo(PCI, { onWarning: () => warned++ });
    expect(warned).toBe(0);
  });
});

function isDeviation(code: DeviceInfoIssueCode): boolean {
  return code !== "not_object" && code !== "wrong_type" && code !== "unserializable";
}
