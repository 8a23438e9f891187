import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { parseDownwardAPIAnnotations } from "../../src/status/downward-api.js";
import { FC_SEED } from "../helpers/arbitraries.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { formatDownwardAPIFile, goQuote } from "./go-quote.js";

const DIR = path.join(REPO_ROOT, "fixtures", "downward-api");
const CASES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".annotations"))
  .map((f) => f.slice(0, -".annotations".length))
  .sort();

function fixture(name: string) {
  return {
    text: fs.readFileSync(path.join(DIR, `${name}.annotations`), "utf8"),
    map: JSON.parse(fs.readFileSync(path.join(DIR, `${name}.map.json`), "utf8")) as Record<string, string>,
  };
}

function parseError(text: string) {
  try {
    parseDownwardAPIAnnotations(text);
  } catch (err) {
    if (isDeviceInfoError(err)) return err;
    throw err;
  }
  throw new Error(`parsed without error: ${JSON.stringify(text)}`);
}

describe("parseDownwardAPIAnnotations on files the kubelet wrote", () => {
  it("has fixtures", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(3);
  });

  it.each(CASES)("%s parses to its .map.json exactly", (name) => {
    const { text, map } = fixture(name);
    const parsed = parseDownwardAPIAnnotations(text);
    expect(parsed).toStrictEqual(map);
    expect(Object.keys(parsed)).toStrictEqual(Object.keys(map));
  });

  it.each(CASES)("%s: the same from UTF-8 bytes", (name) => {
    const { text, map } = fixture(name);
    expect(parseDownwardAPIAnnotations(Buffer.from(text, "utf8"))).toStrictEqual(map);
  });

  it.each(CASES)("%s: the test quoter reproduces the kubelet's bytes", (name) => {
    // Validates the test-only quoter used by the property tests below.
    const { text, map } = fixture(name);
    expect(formatDownwardAPIFile(map)).toBe(text);
  });

  it("keeps values that contain '=', backslashes and escaped quotes (what hand-rolled parsers break)", () => {
    const { map } = fixture("all-fields-and-json-networks");
    const parsed = parseDownwardAPIAnnotations(fixture("all-fields-and-json-networks").text);
    const lastApplied = parsed["kubectl.kubernetes.io/last-applied-configuration"] as string;
    expect(lastApplied).toBe(map["kubectl.kubernetes.io/last-applied-configuration"]);
    expect(JSON.parse(lastApplied).metadata.annotations.a).toBe('b "q"');
    expect(JSON.parse(parsed["k8s.v1.cni.cncf.io/network-status"] as string)[0].name).toBe("ns/net");
  });
});

describe("strconv.Unquote escapes", () => {
  // Each value is what Go's strconv.Quote writes for the decoded string (Go's
  // documented rules: short escapes, \x for other C0 controls and DEL, \u / \U
  // for non-printable runes, raw UTF-8 for printable ones).
  // [name, quoted, decoded, isWhatQuoteWrites]
  const cases: [string, string, string, boolean][] = [
    ["empty", '""', "", true],
    ["quote and backslash", '"a\\"b\\\\c"', 'a"b\\c', true],
    ["short escapes", '"\\a\\b\\f\\n\\r\\t\\v"', "\x07\b\f\n\r\t\v", true],
    ["NUL and DEL", '"\\x00\\x7f"', "\x00\x7f", true],
    ["other C0", '"\\x1b[0m"', "\x1b[0m", true],
    ["no-break space (not printable for Go)", '"\\u00a0"', "\u00a0", true],
    ["line separator", '"\\u2028"', "\u2028", true],
    ["byte order mark", '"\\ufeff"', "\ufeff", true],
    ["astral non-printable (language tag)", '"\\U000e0001"', "\u{e0001}", true],
    ["printable non-ASCII is raw", '"é日😀\ufffd"', "é日😀\ufffd", true],
    ["'=' inside", '"a=b=c"', "a=b=c", true],
    ["single quote is raw", '"it\'s"', "it's", true],
    ["octal bytes", '"\\101\\060"', "A0", false],
    ["hex bytes forming UTF-8", '"\\xc3\\xa9"', "é", false],
    ["upper-case hex digits", '"\\xC3\\xA9\\u00E9"', "éé", false],
    ["invalid UTF-8 bytes: one U+FFFD per byte, as Go reads them", '"\\xff\\xe2\\x82"', "\ufffd\ufffd\ufffd", false],
    ["a truncated sequence before a raw character", '"\\xe2A"', "\ufffdA", false],
    ["\\U for a BMP code point", '"\\U000000e9"', "é", false],
    ["\\u for the maximum BMP code point", '"\\uffff"', "\uffff", true],
    ["\\U for the maximum code point", '"\\U0010ffff"', "\u{10ffff}", true],
  ];
  it.each(cases)("%s", (_name, quoted, expected) => {
    expect(parseDownwardAPIAnnotations(`k=${quoted}`)).toStrictEqual({ k: expected });
  });

  it.each(cases.filter((c) => c[3]))("the test quoter writes %s as Go does", (_name, quoted, expected) => {
    expect(goQuote(expected)).toBe(quoted);
  });
});

describe("malformed lines", () => {
  const cases: [string, string, number][] = [
    ["no '='", 'a="1"\njust-a-key', 2],
    ["empty key", '="x"', 1],
    ["key with a space", 'a b="x"', 1],
    ["unquoted value", "a=x", 1],
    ["missing closing quote", 'a="x', 1],
    ["text after the closing quote", 'a="x" ', 1],
    ["CRLF line ending", 'a="x"\r\nb="y"', 1],
    ["a raw quote inside", 'a="x"y"', 1],
    ["unknown escape", 'a="\\q"', 1],
    ["\\' in a double-quoted string", 'a="\\\'"', 1],
    ["short \\x", 'a="\\x4"', 1],
    ["non-hex \\x", 'a="\\xzz"', 1],
    ["short \\u", 'a="\\u12"', 1],
    ["surrogate \\u", 'a="\\ud800"', 1],
    ["\\U over U+10FFFF", 'a="\\U00110000"', 1],
    ["short octal", 'a="\\12"', 1],
    ["octal over \\377", 'a="\\400"', 1],
    ["backslash at the end", 'a="\\', 1],
    ["third line", 'a="1"\nb="2"\nc="\\z"', 3],
    ["a value split over two lines", 'a="1\nb"', 1],
  ];
  it.each(cases)("%s → ERR_DEVINFO_PARSE with the line number", (_name, text, line) => {
    const err = parseError(text);
    expect(err.code).toBe("ERR_DEVINFO_PARSE");
    expect(err.line).toBe(line);
    expect(err.message).toContain(`line ${line}`);
    expect(err.message).toContain('key="value"');
  });

  it("rejects input that is not text", () => {
    const err = parseError(42 as unknown as string);
    expect(err.code).toBe("ERR_DEVINFO_PARSE");
  });

  it("never throws anything but a DeviceInfoError on arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom("a", "=", '"', "\\", "\n", "x", "u", "U", "0", "7", "f", " ", "é"), maxLength: 30 }),
        (text) => {
          try {
            parseDownwardAPIAnnotations(text);
          } catch (err) {
            expect(isDeviceInfoError(err)).toBe(true);
          }
        },
      ),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });
});

describe("lenient where the format allows it", () => {
  it("ignores blank lines (a trailing newline)", () => {
    expect(parseDownwardAPIAnnotations('a="1"\n\nb="2"\n')).toStrictEqual({ a: "1", b: "2" });
  });
  it("an empty file is an empty map", () => {
    expect(parseDownwardAPIAnnotations("")).toStrictEqual({});
  });
  it("keeps the last value of a repeated key", () => {
    expect(parseDownwardAPIAnnotations('a="1"\na="2"')).toStrictEqual({ a: "2" });
  });
  it("stores __proto__ as an own key without touching the prototype", () => {
    const parsed = parseDownwardAPIAnnotations('__proto__="x"');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.hasOwn(parsed, "__proto__")).toBe(true);
  });
});

const annotationKey = fc
  .tuple(
    fc.option(fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,10}[a-z0-9])?$/), { nil: undefined }),
    fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,12}[A-Za-z0-9])?$/),
  )
  .map(([prefix, name]) => (prefix === undefined ? name : `${prefix}/${name}`));
const anyValue = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.constantFrom("\\", '"', "\n", "\t", "\x00", "\x7f", "=", "é", "\u00a0", "\u{e0001}", "😀", "a"), maxLength: 20 }),
);

/** Writes one code point in a randomly chosen form that strconv.Unquote accepts. */
const encodedCodePoint = (ch: string): fc.Arbitrary<string> => {
  const cp = ch.codePointAt(0) as number;
  const utf8 = [...Buffer.from(ch, "utf8")];
  const forms: string[] = [
    `\\U${cp.toString(16).padStart(8, "0")}`,
    utf8.map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join(""),
    utf8.map((b) => `\\${b.toString(8).padStart(3, "0")}`).join(""),
  ];
  if (cp < 0x10000) forms.push(`\\u${cp.toString(16).padStart(4, "0")}`, `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`);
  if (ch !== '"' && ch !== "\\" && ch !== "\n") forms.push(ch);
  const short: Record<string, string> = {
    "\x07": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
  };
  if (short[ch] !== undefined) forms.push(short[ch]);
  return fc.constantFrom(...forms);
};

describe("properties (fixed seed)", () => {
  it("parse(kubelet format(map)) === map", () => {
    fc.assert(
      fc.property(fc.dictionary(annotationKey, anyValue, { maxKeys: 6 }), (map) => {
        const plain = { ...map };
        expect(parseDownwardAPIAnnotations(formatDownwardAPIFile(plain))).toStrictEqual(plain);
      }),
      { seed: FC_SEED, numRuns: 1000 },
    );
  });

  it("every escape form strconv.Unquote accepts decodes to the same string", () => {
    const encoded = anyValue.chain((value) =>
      fc.tuple(
        fc.constant(value),
        fc.tuple(...[...value].map(encodedCodePoint)).map((parts) => parts.join("")),
      ),
    );
    fc.assert(
      fc.property(encoded, ([value, body]) => {
        expect(parseDownwardAPIAnnotations(`k="${body}"`)).toStrictEqual({ k: value });
      }),
      { seed: FC_SEED, numRuns: 1000 },
    );
  });
});
