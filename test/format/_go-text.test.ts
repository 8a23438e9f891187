// The one Go-compatible JSON-text reader (src/format/_go-text.ts), tested
// directly: UTF-8 decoded byte by byte as Go's utf8.DecodeRune, lone
// surrogates as U+FFFD, the BOM and Go's depth limit refused, number literals
// kept for Go's int fields. (test/format/readers.test.ts feeds the same bytes
// to every reader of the package.)

import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  decodeGoInt,
  decodeUtf8,
  depthOverflowAt,
  goSurrogates,
  goText,
  isJsonText,
  MAX_JSON_DEPTH,
  rawNumberOf,
  readGoJson,
  valueDepth,
} from "../../src/format/_go-text.js";
import { caught } from "../helpers/caught.js";

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));

describe("decodeUtf8: one U+FFFD per byte that starts no valid sequence (Go's utf8.DecodeRune)", () => {
  it.each<[string, Buffer, string]>([
    ["ASCII", bytes("net1"), "net1"],
    ["2, 3 and 4-byte sequences", bytes("é€😀"), "é€😀"],
    ["an invalid byte", bytes("a", [0xff], "b"), "a\ufffdb"],
    ["a truncated 3-byte sequence: two bytes, two U+FFFD", bytes("a", [0xe2, 0x82], "b"), "a\ufffd\ufffdb"],
    ["a truncated sequence at the end", bytes("a", [0xf0, 0x9f, 0x98]), "a\ufffd\ufffd\ufffd"],
    ["an encoded surrogate (CESU-8)", bytes([0xed, 0xa0, 0x80]), "\ufffd\ufffd\ufffd"],
    ["an overlong 2-byte form", bytes([0xc0, 0xaf]), "\ufffd\ufffd"],
    ["an overlong 3-byte form", bytes([0xe0, 0x80, 0xaf]), "\ufffd\ufffd\ufffd"],
    ["beyond U+10FFFF", bytes([0xf4, 0x90, 0x80, 0x80]), "\ufffd\ufffd\ufffd\ufffd"],
    ["a lone continuation byte", bytes([0x80], "x"), "\ufffdx"],
    ["a NUL byte (valid UTF-8)", bytes("a", [0], "b"), "a\u0000b"],
  ])("%s", (_name, input, expected) => {
    expect(decodeUtf8(input)).toBe(expected);
    // The same from any view of the bytes.
    expect(decodeUtf8(new Uint8Array(input))).toBe(expected);
  });

  it("differs from Buffer#toString (WHATWG) exactly where Go differs: a truncated sequence", () => {
    const input = bytes("a", [0xe2, 0x82], "b");
    expect(input.toString("utf8")).toBe("a\ufffdb");
    expect(decodeUtf8(input)).toBe("a\ufffd\ufffdb");
  });
});

describe("goSurrogates: a lone surrogate, raw or escaped, is U+FFFD", () => {
  it.each<[string, string, string]>([
    ["a raw lone high surrogate", '"x\ud800y"', '"x\ufffdy"'],
    ["a raw lone low surrogate", '"\udc00"', '"\ufffd"'],
    ["a raw pair (kept)", '"😀"', '"😀"'],
    ["an escaped lone surrogate", '"x\\ud800y"', '"x\\ufffdy"'],
    ["an escaped low then high", '"\\udc00\\ud800"', '"\\ufffd\\ufffd"'],
    ["an escaped pair (kept)", '"\\ud83d\\ude00"', '"\\ud83d\\ude00"'],
    ["an escaped backslash before ud800 (not an escape)", '"\\\\ud800"', '"\\\\ud800"'],
    ["upper-case hex", '"\\uD800"', '"\\ufffd"'],
    ["other escapes (kept)", '"\\n\\u0041\\""', '"\\n\\u0041\\""'],
  ])("%s", (_name, input, expected) => {
    expect(goSurrogates(input)).toBe(expected);
  });
});

describe("isJsonText and goText", () => {
  it.each<[string, unknown, boolean]>([
    ["a string", "{}", true],
    ["a Buffer", Buffer.from("{}"), true],
    ["a Uint8Array", new Uint8Array([0x7b, 0x7d]), true],
    ["a DataView", new DataView(new ArrayBuffer(2)), true],
    ["an ArrayBuffer", new ArrayBuffer(2), true],
    ["an object", {}, false],
    ["null", null, false],
    ["a number", 5, false],
  ])("%s: %s", (_name, input, expected) => {
    expect(isJsonText(input)).toBe(expected);
  });

  it("decodes every kind of text input the same way", () => {
    const input = bytes('"', [0xe2, 0x82], '\\ud800"');
    const expected = '"\ufffd\ufffd\\ufffd"';
    const copy = new Uint8Array(input);
    for (const text of [input, copy, copy.buffer, new DataView(copy.buffer)]) expect(goText(text)).toBe(expected);
    expect(goText('"\ud800"')).toBe('"\ufffd"');
  });
});

describe("readGoJson", () => {
  const context = { what: "the thing", hint: "pass a thing", file: "/x/thing.json" };

  it.each<[string, string | Buffer, unknown]>([
    ["an object", '{"a":[1,true,null,"s"]}', { a: [1, true, null, "s"] }],
    ["whitespace around the value", " \n\t[1]\r\n ", [1]],
    ["bytes, decoded as Go decodes them", bytes('["', [0xff], '"]'), ["\ufffd"]],
    ["an escaped lone surrogate", '["\\ud800"]', ["\ufffd"]],
    ["a scalar", '"s"', "s"],
  ])("reads %s", (_name, input, expected) => {
    expect(readGoJson(input, context)).toStrictEqual(expected);
  });

  it.each<[string, string | Buffer, RegExp]>([
    ["empty text", "", /the text is empty/],
    ["whitespace only", " \n", /the text is empty/],
    ["a UTF-8 byte order mark", bytes([0xef, 0xbb, 0xbf], "{}"), /byte order mark/],
    ["a BOM in a string", "\ufeff{}", /byte order mark/],
    ["a syntax error", "[1,", /not valid JSON/],
    ["trailing text", "{} x", /not valid JSON/],
    ["a raw control character in a string", '["a\nb"]', /not valid JSON/],
    ["one level too deep", `${"[".repeat(MAX_JSON_DEPTH + 1)}${"]".repeat(MAX_JSON_DEPTH + 1)}`, /exceeded max depth/],
  ])("refuses %s: ERR_DEVINFO_PARSE naming the file, what and the hint", (_name, input, reason) => {
    const err = caught(() => readGoJson(input, context));
    expect(err.code).toBe("ERR_DEVINFO_PARSE");
    expect(err.path).toBe("/x/thing.json");
    expect(err.message).toMatch(/^\/x\/thing\.json: the thing is not valid JSON \(/);
    expect(err.message).toMatch(reason);
    expect(err.message).toMatch(/; pass a thing$/);
  });

  it("accepts exactly Go's depth", () => {
    const deepest = `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`;
    expect(valueDepth(readGoJson(deepest, context))).toBe(MAX_JSON_DEPTH);
  });

  it('without a file or a subject, the message starts "not valid JSON"', () => {
    const err = caught(() => readGoJson("[", { what: "", hint: "h" }));
    expect(err.path).toBeUndefined();
    expect(err.message).toMatch(/^not valid JSON \(.*\); h$/);
  });
});

describe("rawNumberOf: the literals JSON.parse changes, for Go's int fields", () => {
  it.each<[string, string, (doc: never) => [object, string | number], string | undefined]>([
    ["a plain integer: none", '{"mtu":1500}', (d: { mtu: number }) => [d, "mtu"], undefined],
    ["a fraction", '{"mtu":1500.0}', (d) => [d, "mtu"], "1500.0"],
    ["an exponent", '{"mtu":1.5e3}', (d) => [d, "mtu"], "1.5e3"],
    ["beyond 2^53", '{"mtu":9007199254740993}', (d) => [d, "mtu"], "9007199254740993"],
    ["in an array, by index", "[1, 2.0, 3]", (d) => [d, 1], "2.0"],
    ["nested", '{"a":{"b":[{"c":1e2}]}}', (d: { a: { b: object[] } }) => [d.a.b[0] as object, "c"], "1e2"],
    ["digits inside a string are not a number", '{"s":"1.5e3","n":7}', (d) => [d, "n"], undefined],
  ])("%s", (_name, text, at, expected) => {
    const doc = readGoJson(text, { what: "", hint: "" }) as never;
    const [container, key] = at(doc);
    expect(rawNumberOf(container, key)).toBe(expected);
  });

  it("knows nothing of values that were not read from text", () => {
    expect(rawNumberOf({ mtu: 1500.5 }, "mtu")).toBeUndefined();
  });
});

describe("decodeGoInt: a value decoded into Go's int (int64)", () => {
  it.each<[string, number | bigint, string | undefined, { value: number | bigint } | RegExp]>([
    ["a safe integer", 1500, undefined, { value: 1500 }],
    ["a negative one", -1, undefined, { value: -1 }],
    ["a literal integer", 1500, "1500", { value: 1500 }],
    ["beyond 2^53 from text: exact, as a bigint", 9007199254740992, "9007199254740993", { value: 9007199254740993n }],
    ["int64's maximum", 9223372036854775807n, undefined, { value: 9223372036854775807n }],
    ["a fraction literal", 1500, "1500.0", /fraction or an exponent/],
    ["an exponent literal", 1500, "1.5e3", /fraction or an exponent/],
    ["a fraction value", 1.5, undefined, /must be an integer, got 1.5/],
    ["beyond 2^53 without text", 2 ** 60, undefined, /beyond 2\^53: pass it as a bigint/],
    ["beyond int64 (bigint)", 2n ** 63n, undefined, /out of the range of Go's int64/],
    ["beyond int64 (text)", 1e19, "10000000000000000000", /out of the range of Go's int64/],
  ])("%s", (_name, value, literal, expected) => {
    const got = decodeGoInt(value, literal);
    if (expected instanceof RegExp) expect("error" in got && got.error).toMatch(expected);
    else expect(got).toStrictEqual(expected);
  });
});

describe("depthOverflowAt and valueDepth", () => {
  const nest = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;

  it.each<[string, string, number]>([
    ["short text is never scanned", "[[[]]]", -1],
    ["at the limit", nest(MAX_JSON_DEPTH), -1],
    ["one past it: the position of the bracket that opens it", nest(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH],
    ["brackets inside strings do not count", `["${"[".repeat(3 * MAX_JSON_DEPTH)}"]`, -1],
    ["an escaped quote does not end a string", `["\\"${"[".repeat(3 * MAX_JSON_DEPTH)}"]`, -1],
  ])("depthOverflowAt: %s", (_name, text, expected) => {
    expect(depthOverflowAt(text)).toBe(expected);
  });

  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  it.each<[string, unknown, number]>([
    ["a scalar", 5, 0],
    ["an empty object", {}, 1],
    ["nested arrays and objects", { a: [{ b: [] }] }, 4],
    ["a cycle: deeper than the limit", cyclic, 11],
  ])("valueDepth: %s", (_name, value, expected) => {
    expect(valueDepth(value, 10)).toBe(expected);
  });
});
