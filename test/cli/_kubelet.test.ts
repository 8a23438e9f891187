import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDownwardAPIAnnotations, goQuote } from "../../src/cli/_kubelet.js";
import { parseDownwardAPIAnnotations } from "../../src/status/downward-api.js";
import { REPO_ROOT } from "./_helpers.js";

const DIR = path.join(REPO_ROOT, "fixtures/downward-api");
const NAMES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".map.json"))
  .map((f) => f.slice(0, -".map.json".length));

describe("the demo's Downward API file, as the kubelet writes it", () => {
  it.each(NAMES)("%s: the bytes the kubelet wrote for the same annotations", (name) => {
    const map = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.map.json`), "utf8")) as Record<string, string>;
    expect(formatDownwardAPIAnnotations(map)).toBe(fs.readFileSync(path.join(DIR, `${name}.annotations`), "utf8"));
  });

  it.each([
    ["plain", '"plain"'],
    ['q"uo\\te', '"q\\"uo\\\\te"'],
    ["\x07\b\f\n\r\t\v", '"\\a\\b\\f\\n\\r\\t\\v"'],
    ["\x00\x1f\x7f", '"\\x00\\x1f\\x7f"'],
    ["é日😀", '"é日😀"'],
    ["\u00a0\u2028\ufeff", '"\\u00a0\\u2028\\ufeff"'],
    ["\u{e0001}", '"\\U000e0001"'],
  ])("goQuote(%j) is %s, as strconv.Quote", (value, quoted) => {
    expect(goQuote(value)).toBe(quoted);
  });

  it("property: the library's parser reads back every map", () => {
    const key = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}\/)?[a-zA-Z0-9_.-]{1,20}$/);
    const value = fc.string({ unit: "binary", maxLength: 40 }).map((s) => s.toWellFormed());
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), (map) => {
        expect(parseDownwardAPIAnnotations(formatDownwardAPIAnnotations(map))).toEqual({ ...map });
      }),
      { seed: 20_240_611, numRuns: 300 },
    );
  });
});
