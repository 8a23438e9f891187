// The fast path of encoding and decoding (src/format/_fast.ts) against the
// general code, over the Go reference's fixtures and fuzzed documents: when
// the fast path answers, its bytes and values are exactly the general
// code's, and the general code finds nothing to report.

import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import { encodeConforming, parseConforming, transcodeConforming } from "../../src/format/_fast.js";
import { parseDocument } from "../../src/format/parse.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { checkDeviceInfo } from "../../src/format/validate.js";
import { FC_SEED, fromEntries, mutation, nearValidDocument, validDocument } from "../helpers/arbitraries.js";
import { readFixtures, writeFixtures } from "../helpers/fixtures.js";

/** JSON text with key order: two values are the same document only if these are equal. */
const ordered = (value: unknown) => JSON.stringify(value);

/** encodeConforming agrees with validate + serialize, or declines. */
function checkEncode(doc: unknown): string | undefined {
  const fast = encodeConforming(doc);
  if (fast !== undefined) {
    const general = checkDeviceInfo(doc, true);
    expect(general.errors).toEqual([]);
    expect(general.warnings).toEqual([]);
    expect(fast).toBe(serializeDeviceInfo(general.value as never));
  }
  return fast;
}

/**
 * parseConforming agrees with parseDocument (lenient and strict), without
 * warnings, or declines; transcodeConforming with parseConforming then
 * encodeConforming.
 */
function checkParse(bytes: Buffer): unknown {
  const fast = parseConforming(bytes);
  const both = transcodeConforming(bytes);
  expect(both === undefined).toBe(fast === undefined);
  if (both !== undefined) {
    expect(ordered(both.info)).toBe(ordered(fast));
    expect(both.text).toBe(checkEncode(fast));
  }
  if (fast !== undefined) {
    const warnings: DeviceInfoIssue[] = [];
    const general = parseDocument(bytes, { onWarning: (w) => warnings.push(w) }, "/f");
    expect(warnings).toEqual([]);
    expect(ordered(fast)).toBe(ordered(general));
    expect(fast).toEqual(general);
    expect(ordered(parseDocument(bytes, { strict: true }, "/f"))).toBe(ordered(fast));
  }
  return fast;
}

/** A conforming document in Go's key order with plain ASCII values: the case the fast path is for. */
const plainChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@ !#$%()*+,;=?[]^`{|}~'");
const plainDocument = validDocument({ unknownKeys: false })
  // Go's order and omissions; one sub-object (a second one, allowed, takes the general path).
  .map((doc) => JSON.parse(serializeDeviceInfo(doc as never)) as Record<string, unknown>)
  .filter((doc) => Object.keys(doc).length === 3);
const plainize = (doc: Record<string, unknown>, chars: string[]) => {
  let i = 0;
  const next = () => chars[i++ % chars.length] ?? "x";
  const sub = doc[doc.type as string] as Record<string, string>;
  const fields = Object.entries(sub).map(([k, v]) => {
    if (/^[ -~]+$/.test(v) && !/["\\<>&]/.test(v)) return [k, v] as const;
    return [k, k === "path" ? `/${next()}${next()}` : `${next()}${next()}${next()}`] as const;
  });
  return fromEntries(Object.entries(doc).map(([k, v]) => [k, k === doc.type ? fromEntries(fields) : v] as const));
};

describe("encodeConforming", () => {
  it.each(writeFixtures().map((f) => [f.name, f.input] as const))("write fixture %s", (_name, input) => {
    checkEncode(JSON.parse(input));
  });

  it("takes the fast path for conforming documents in Go's order with plain values (fuzzed)", () => {
    fc.assert(
      fc.property(plainDocument, fc.array(plainChar, { minLength: 1, maxLength: 8 }), (doc, chars) => {
        const plain = plainize(doc, chars);
        expect(checkEncode(plain)).toBe(serializeDeviceInfo(plain as never));
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it("declines or agrees for any conforming document, any key order, unknown keys, tricky text (fuzzed)", () => {
    fc.assert(
      fc.property(validDocument(), (doc) => {
        checkEncode(doc);
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it("declines every near-conforming document (fuzzed)", () => {
    fc.assert(
      fc.property(plainDocument, fc.array(mutation, { minLength: 1, maxLength: 3 }), (doc, mutations) => {
        const mutated = mutations.reduce((d, m) => m(d), plainize(doc, ["a"]));
        const general = checkDeviceInfo(mutated, true);
        if (general.errors.length > 0) expect(checkEncode(mutated)).toBeUndefined();
        else checkEncode(mutated);
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it.each([
    ["an array", []],
    ["null", null],
    ["a string", "pci"],
    ["extra unknown key", { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, x: 1 }],
    ["keys out of Go's order", { version: "1.1.0", type: "pci", pci: { "pci-address": "0000:af:06.0" } }],
    ["sub-keys out of Go's order", { type: "pci", version: "1.1.0", pci: { "rdma-device": "m", "pci-address": "0000:af:06.0" } }],
    ["an empty optional value", { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0", "rdma-device": "" } }],
    ["a value Go escapes", { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0", "rdma-device": "a<b" } }],
    ["non-ASCII", { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0", "rdma-device": "é" } }],
    ["version 2", { type: "pci", version: "2.0.0", pci: { "pci-address": "0000:af:06.0" } }],
    ["a missing required field", { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client" } }],
    ["an enum value outside the spec", { type: "memif", version: "1.1.0", memif: { role: "master", path: "/p", mode: "punt" } }],
    ["a relative vDPA path", { type: "vdpa", version: "1.1.0", vdpa: { "parent-device": "v", driver: "vhost", path: "p" } }],
    ["type and object differ", { type: "pci", version: "1.1.0", vdpa: { "parent-device": "v", driver: "vhost", path: "/p" } }],
  ])("declines %s", (_name, doc) => {
    expect(checkEncode(doc)).toBeUndefined();
  });

  it("reads each property once, in the general validator's order", () => {
    const reads: string[] = [];
    const spy = (name: string, entries: [string, unknown][]) =>
      Object.defineProperties(
        {},
        Object.fromEntries(
          entries.map(([key, value]) => [
            key,
            {
              enumerable: true,
              get: () => {
                reads.push(`${name}.${key}`);
                return value;
              },
            },
          ]),
        ),
      );
    const sub = spy("pci", [
      ["pci-address", "0000:af:06.0"],
      ["rdma-device", "mlx5_3"],
    ]);
    const doc = spy("doc", [
      ["type", "pci"],
      ["version", "1.1.0"],
      ["pci", sub],
    ]);
    expect(encodeConforming(doc)).toBe('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","rdma-device":"mlx5_3"}}');
    const fast = [...reads];
    reads.length = 0;
    checkDeviceInfo(doc, true);
    expect(fast).toEqual(reads);
  });
});

describe("parseConforming", () => {
  it.each(readFixtures().map((f) => [f.name, f.bytes] as const))("read fixture %s", (_name, bytes) => {
    checkParse(bytes);
  });

  it.each(writeFixtures().flatMap((f) => (f.goOutput === undefined ? [] : [[f.name, Buffer.from(f.goOutput)] as const])))(
    "Go's output for write fixture %s",
    (_name, bytes) => {
      checkParse(bytes);
    },
  );

  it("takes the fast path for Go's bytes of conforming documents with plain values (fuzzed)", () => {
    fc.assert(
      fc.property(plainDocument, fc.array(plainChar, { minLength: 1, maxLength: 8 }), (doc, chars) => {
        const plain = plainize(doc, chars);
        expect(checkParse(Buffer.from(serializeDeviceInfo(plain as never)))).toEqual(plain);
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });

  it("declines or agrees for any document's text, pretty-printed or not, and for damaged text (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.oneof(validDocument(), nearValidDocument()),
        fc.constantFrom("", " ", "\t", "\n  "),
        fc.nat(),
        fc.constantFrom("none", "truncate", "bom", "surrogate"),
        (doc, indent, at, damage) => {
          let text = JSON.stringify(doc, null, indent);
          if (damage === "truncate") text = text.slice(0, at % (text.length + 1));
          if (damage === "bom") text = `\ufeff${text}`;
          if (damage === "surrogate") text = text.replace('"1.', '"\\ud800');
          checkParse(Buffer.from(text));
        },
      ),
      { seed: FC_SEED, numRuns: 600 },
    );
  });

  it("declines random bytes or agrees (fuzzed)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        checkParse(Buffer.from(bytes));
      }),
      { seed: FC_SEED, numRuns: 400 },
    );
  });
});
