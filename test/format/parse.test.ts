import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { DeviceInfoError, isDeviceInfoError } from "../../src/base/errors.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { readFixtures } from "../helpers/fixtures.js";

const PCI_TEXT = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}';
const PCI = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };

function errorOf(fn: () => unknown): DeviceInfoError {
  try {
    fn();
  } catch (err) {
    if (isDeviceInfoError(err)) return err;
    throw new Error(`expected a DeviceInfoError, got ${String(err)}`);
  }
  throw new Error("expected a DeviceInfoError, nothing was thrown");
}

// Go's error text tells syntax errors from type errors.
const expectedCode = (goError: string) => (goError.startsWith("json: cannot unmarshal") ? "ERR_DEVINFO_INVALID" : "ERR_DEVINFO_PARSE");

// Go decodes a second object for the same field into the first one (JSON.parse
// would keep only the last): the reader decodes the keys as written.
const DUPLICATE_MERGE = "duplicate-subobject-merge";

describe("parseDeviceInfo: the Go reference's read fixtures", () => {
  const fixtures = readFixtures();

  it("has the fixtures", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(39);
  });

  const loaded = fixtures.filter((f) => f.result === "ok" && f.name !== "null");
  it.each(loaded.map((f) => [f.name, f] as const))("%s: Go loads it; so does lenient parse, to the same value", (_name, fixture) => {
    const info = parseDeviceInfo(fixture.bytes);
    expect(serializeDeviceInfo(info, { unknownKeys: "drop" })).toBe(fixture.output);
  });

  it("null: Go loads an empty struct, we refuse it by design (ERR_DEVINFO_INVALID)", () => {
    const fixture = fixtures.find((f) => f.name === "null");
    expect(fixture?.result).toBe("ok");
    const err = errorOf(() => parseDeviceInfo(fixture?.bytes));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues.map((i) => i.code)).toEqual(["not_object"]);
  });

  it("duplicate-subobject-merge: an exact duplicate key is decoded in turn, so both objects merge, as Go merges them", () => {
    const fixture = fixtures.find((f) => f.name === DUPLICATE_MERGE);
    expect(fixture?.output).toBe('{"type":"pci","pci":{"pci-address":"0000:af:06.0","vhost-net":"/dev/vhost-net","rdma-device":"mlx5_9"}}');
    // Read by the general reader and by the file reader's fast path alike.
    const info = parseDeviceInfo(fixture?.bytes);
    expect(serializeDeviceInfo(info, { unknownKeys: "drop" })).toBe(fixture?.output);
  });

  const refused = fixtures.filter((f) => f.result === "error");
  it.each(refused.map((f) => [f.name, f] as const))("%s: Go refuses it; so do we, with a typed error in both modes", (_name, fixture) => {
    for (const strict of [false, true]) {
      const err = errorOf(() => parseDeviceInfo(fixture.bytes, { strict }));
      expect(err.code).toBe(expectedCode(fixture.output));
      expect(err).toBeInstanceOf(DeviceInfoError);
    }
  });
});

describe("parseDeviceInfo: inputs", () => {
  it("accepts a string, a Buffer, a Uint8Array view with an offset, an ArrayBuffer, a DataView and a parsed value alike", () => {
    const bytes = Buffer.from(`xx${PCI_TEXT}yy`);
    const view = new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.byteLength - 4);
    const arrayBuffer = view.slice().buffer;
    const inputs: unknown[] = [PCI_TEXT, Buffer.from(PCI_TEXT), view, arrayBuffer, new DataView(arrayBuffer), JSON.parse(PCI_TEXT)];
    for (const input of inputs) expect(parseDeviceInfo(input, { strict: true })).toEqual(PCI);
  });

  it("accepts whitespace around the document and a trailing newline", () => {
    expect(parseDeviceInfo(` \n\t${PCI_TEXT}\r\n`)).toEqual(PCI);
  });

  it.each<[string, string | Buffer]>([
    ["empty text", ""],
    ["whitespace only", " \n"],
    ["a truncated document", '{"type":'],
    ["trailing garbage", `${PCI_TEXT}x`],
    ["a comment", `// c\n${PCI_TEXT}`],
    ["a trailing comma", '{"type":"pci",}'],
    ["single quotes", "{'type':'pci'}"],
    ["NaN", '{"type":"pci","x":NaN}'],
    ["a raw NUL after the document", Buffer.from(`${PCI_TEXT}\u0000`)],
    ["a raw control character in a string", '{"type":"p\u0001ci"}'],
    ["invalid UTF-8 outside a string", Buffer.from([0x7b, 0xff, 0x7d])],
  ])("refuses %s with ERR_DEVINFO_PARSE", (_what, input) => {
    const err = errorOf(() => parseDeviceInfo(input));
    expect(err.code).toBe("ERR_DEVINFO_PARSE");
    expect(err.message).toMatch(/not valid JSON/);
  });

  it("says an empty text is empty", () => {
    expect(errorOf(() => parseDeviceInfo("")).message).toContain("empty");
  });

  it("refuses a byte order mark, in bytes and in text, as Go does", () => {
    for (const input of [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PCI_TEXT)]), `\ufeff${PCI_TEXT}`]) {
      const err = errorOf(() => parseDeviceInfo(input));
      expect(err.code).toBe("ERR_DEVINFO_PARSE");
      expect(err.message).toContain("byte order mark");
    }
  });

  it("refuses values that are not JSON documents as not_object", () => {
    for (const value of [undefined, null, 5, true, [], [PCI]]) {
      expect(errorOf(() => parseDeviceInfo(value)).issues.map((i) => i.code)).toEqual(["not_object"]);
    }
  });
});

describe("parseDeviceInfo: text decoding as Go does it", () => {
  const pciAddressOf = (input: string | Buffer) => (parseDeviceInfo(input) as { pci: { "pci-address": string } }).pci["pci-address"];
  const withBytes = (...bytes: number[]) =>
    Buffer.concat([Buffer.from('{"type":"pci","pci":{"pci-address":"a'), Buffer.from(bytes), Buffer.from('b"}}')]);

  // Go's decoder replaces each byte that does not start a valid UTF-8 sequence
  // with U+FFFD (utf8.DecodeRune returns size 1 for it).
  it.each<[string, number[], string]>([
    ["a stray continuation byte", [0x80], "a\ufffdb"],
    ["0xff 0xfe", [0xff, 0xfe], "a\ufffd\ufffdb"],
    ["a truncated 2-byte sequence", [0xc3], "a\ufffdb"],
    ["a truncated 3-byte sequence (one U+FFFD per byte, not one per sequence)", [0xe2, 0x82], "a\ufffd\ufffdb"],
    ["a truncated 4-byte sequence", [0xf0, 0x9f, 0x98], "a\ufffd\ufffd\ufffdb"],
    ["an overlong encoding", [0xc0, 0xaf], "a\ufffd\ufffdb"],
    ["an encoded surrogate", [0xed, 0xa0, 0x80], "a\ufffd\ufffd\ufffdb"],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80], "a\ufffd\ufffd\ufffd\ufffdb"],
    ["valid multi-byte characters", [0xc3, 0xa9, 0xe6, 0x97, 0xa5, 0xf0, 0x9f, 0x98, 0x80], "aé日😀b"],
  ])("%s", (_what, bytes, expected) => {
    expect(pciAddressOf(withBytes(...bytes))).toBe(expected);
  });

  it("decodes a lone surrogate escape as U+FFFD and writes it back raw, as Go does", () => {
    const info = parseDeviceInfo('{"type":"pci","pci":{"pci-address":"a\\ud800b\\udc00c\\ud800\\u0041"}}');
    expect((info as { pci: { "pci-address": string } }).pci["pci-address"]).toBe("a\ufffdb\ufffdc\ufffdA");
    expect(serializeDeviceInfo(info)).toBe('{"type":"pci","pci":{"pci-address":"a\ufffdb\ufffdc\ufffdA"}}');
  });

  it("keeps escaped surrogate pairs, and escaped backslashes before text that looks like an escape", () => {
    expect(pciAddressOf('{"type":"pci","pci":{"pci-address":"\\ud83d\\ude00\\\\ud800\\\\\\ud83d\\ude00"}}')).toBe("😀\\ud800\\😀");
    expect(pciAddressOf('{"type":"pci","pci":{"pci-address":"\\uD83D\\uDE00"}}')).toBe("😀");
  });

  it("replaces lone surrogates in JSON text given as a string, in keys too", () => {
    const info = parseDeviceInfo(`{"type":"pci","pci":{"pci-address":"a\ud800"},"k\udc00":1}`) as Record<string, unknown>;
    expect((info.pci as Record<string, unknown>)["pci-address"]).toBe("a\ufffd");
    expect(Object.keys(info)).toContain("k\ufffd");
  });

  it("reads Go's escaped output back to the original characters", () => {
    const info = parseDeviceInfo(
      '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"/t/\\u003cs\\u003e\\u0026\\u2028\\b\\u0008"}}',
    );
    expect((info as { "vhost-user": { path: string } })["vhost-user"].path).toBe("/t/<s>&\u2028\b\b");
  });
});

describe("parseDeviceInfo: unknown keys, prototypes and the input", () => {
  const TEXT = `{"__proto__":{"type":"vdpa","polluted":1},"x-top":[1,{"a":null}],"type":"pci","constructor":"c","prototype":{"p":1},
    "pci":{"x-sub":{"deep":[true]},"pci-address":"0000:af:06.0","__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}}},
    "memif":{"role":"master","path":"/m","mode":"ip","hasOwnProperty":5},"version":"1.1.0"}`;

  it("keeps unknown keys at every level, after the known ones, in their order, as own enumerable data", () => {
    for (const input of [TEXT, Buffer.from(TEXT), JSON.parse(TEXT) as unknown]) {
      const info = parseDeviceInfo(input) as Record<string, unknown>;
      expect(Object.keys(info)).toEqual(["type", "version", "pci", "memif", "__proto__", "x-top", "constructor", "prototype"]);
      expect(Object.getPrototypeOf(info)).toBe(Object.prototype);
      expect(info.type).toBe("pci");
      expect(Object.getOwnPropertyDescriptor(info, "__proto__")?.value).toEqual({ type: "vdpa", polluted: 1 });
      expect(info["x-top"]).toEqual([1, { a: null }]);
      const pci = info.pci as Record<string, unknown>;
      expect(Object.keys(pci)).toEqual(["pci-address", "x-sub", "__proto__", "constructor"]);
      expect(Object.getPrototypeOf(pci)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(pci, "__proto__")?.value).toEqual({ polluted: 2 });
      expect(Object.keys(info.memif as object)).toEqual(["role", "path", "mode", "hasOwnProperty"]);
      // spreading keeps them
      expect(Object.keys({ ...info })).toEqual(Object.keys(info));
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).type).toBeUndefined();
  });

  it("does not modify a parsed-value input, even one it normalises", () => {
    const input = JSON.parse(
      '{"Type":"pci","version":null,"x":{"y":[1]},"PCI":{"PCI-Address":"0000:af:06.0","vhost-net":null,"z":1},"pci":{"rdma-device":"m"}}',
    );
    const before = structuredClone(input);
    const info = parseDeviceInfo(input);
    expect(input).toEqual(before);
    expect(Object.keys(input)).toEqual(Object.keys(before));
    expect(Object.keys(input.PCI)).toEqual(Object.keys(before.PCI));
    // Case variants are folded as Go reads them, and merged into one sub-object.
    expect(info).toEqual({ type: "pci", pci: { "pci-address": "0000:af:06.0", "rdma-device": "m", z: 1 }, x: { y: [1] } });
  });

  it("drops null fields as Go does, keeping the value an earlier case variant set", () => {
    const info = parseDeviceInfo('{"type":"pci","TYPE":null,"pci":{"pci-address":"0000:af:06.0","PCI-ADDRESS":null}}');
    expect(info).toEqual(PCI_WITHOUT_VERSION);
  });

  it("lets a later case variant win, as Go does", () => {
    expect(parseDeviceInfo('{"type":"pci","Type":"vdpa"}').type).toBe("vdpa");
  });
});

const PCI_WITHOUT_VERSION = { type: "pci", pci: { "pci-address": "0000:af:06.0" } };

describe("parseDeviceInfo: deep nesting never crashes", () => {
  it.each([10_000, 100_000, 1_000_000])("%i levels of arrays and of objects in an unknown key: a typed error or a value", (depth) => {
    for (const [open, close] of [
      ["[", "]"],
      ['{"a":', "}"],
    ] as const) {
      const text = `{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"},"x":${open.repeat(depth)}1${close.repeat(depth)}}`;
      let info: DeviceInfo | undefined;
      try {
        info = parseDeviceInfo(text);
      } catch (err) {
        expect(isDeviceInfoError(err)).toBe(true);
        continue;
      }
      expect(info.type).toBe("pci");
      // Encoding it again: Go's bytes (unknown keys dropped) or a typed error.
      expect(serializeDeviceInfo(info, { unknownKeys: "drop" })).toBe(serializeDeviceInfo(PCI as DeviceInfo));
      try {
        expect(serializeDeviceInfo(info).startsWith('{"type":"pci"')).toBe(true);
      } catch (err) {
        expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
      }
    }
  });
});
