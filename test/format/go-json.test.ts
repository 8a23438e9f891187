import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { goJsonStringify, toGoEscaping } from "../../src/format/go-json.js";
import { FC_SEED, jsonValue, text } from "../helpers/arbitraries.js";

describe("goJsonStringify", () => {
  it("is JSON.stringify with Go's HTML-safe escaping, keys included", () => {
    expect(goJsonStringify({ "<k>": ["&", "\u2028", "\u2029", "a\ud800"] })).toBe(
      '{"\\u003ck\\u003e":["\\u0026","\\u2028","\\u2029","a\\ufffd"]}',
    );
  });

  it("indents like Go's MarshalIndent", () => {
    expect(goJsonStringify({ a: [1, { b: "<" }] }, "  ")).toBe('{\n  "a": [\n    1,\n    {\n      "b": "\\u003c"\n    }\n  ]\n}');
  });

  it("leaves text without anything to escape as it is", () => {
    const s = JSON.stringify({ a: "plain é 😀 \\u003c" });
    expect(toGoEscaping(s)).toBe(s);
  });

  it("never changes what the JSON means, except lone surrogates (U+FFFD), and leaves nothing for Go to escape", () => {
    fc.assert(
      fc.property(fc.oneof(jsonValue, fc.array(text()), fc.dictionary(text(), text())), (value) => {
        const out = goJsonStringify(value);
        expect(out.isWellFormed()).toBe(true);
        expect([...out].filter((c) => "<>&\u2028\u2029".includes(c))).toEqual([]);
        expect(JSON.parse(out)).toEqual(wellFormed(JSON.parse(JSON.stringify(value))));
      }),
      { seed: FC_SEED, numRuns: 500 },
    );
  });
});

/** The value with every string, keys included, made well-formed (lone surrogates to U+FFFD). */
function wellFormed(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k.toWellFormed(), { value: wellFormed(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}
