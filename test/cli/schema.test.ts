import { describe, expect, it } from "vitest";
import { DEVICE_FIELDS, DEVICE_TYPES, PCI_ADDRESS_PATTERN } from "../../src/format/fields.js";
import { devinfo } from "./_helpers.js";

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };

describe("devinfo schema", () => {
  const run = devinfo(["schema"]);
  const schema = JSON.parse(run.stdout) as Schema;
  const branches = ((schema.oneOf ?? schema.anyOf) as Schema[] | undefined) ?? [];

  it("is JSON Schema draft 2020-12, exit 0", () => {
    expect(run.code).toBe(0);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.title).toBe("Device Information");
  });

  it("one branch per device type, discriminated by a constant type", () => {
    expect(branches.map((b) => b.properties?.type?.const)).toEqual([...DEVICE_TYPES]);
    for (const [i, type] of DEVICE_TYPES.entries()) {
      const branch = branches[i] as Schema;
      expect(branch.required).toEqual(expect.arrayContaining(["type", "version", type]));
      const sub = branch.properties?.[type] as Schema;
      // The sub-object lists the spec's fields, required ones required.
      expect(Object.keys(sub.properties ?? {}).sort()).toEqual(DEVICE_FIELDS[type].map((f) => f.key).sort());
      expect((sub.required ?? []).sort()).toEqual(
        DEVICE_FIELDS[type]
          .filter((f) => f.required)
          .map((f) => f.key)
          .sort(),
      );
    }
  });

  it("carries the PCI address pattern and keeps unknown keys allowed", () => {
    const pci = branches[0]?.properties?.pci as Schema;
    expect(pci.properties?.["pci-address"]?.pattern).toBe(PCI_ADDRESS_PATTERN.source);
    expect(pci.additionalProperties).not.toBe(false);
  });
});
