import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { FC_SEED, fromEntries, text, validDocument } from "../helpers/arbitraries.js";
import { normaliseGoControlEscapes, writeFixtures } from "../helpers/fixtures.js";

// The keys spec v1.1.0 defines, per level (from the spec, not from src/).
const SPEC_TOP_KEYS = new Set(["type", "version", "pci", "vdpa", "vhost-user", "memif"]);
const SPEC_SUB_KEYS: Record<string, readonly string[]> = {
  pci: ["pci-address", "vhost-net", "rdma-device", "pf-pci-address", "representor-device"],
  vdpa: ["parent-device", "driver", "path", "pci-address", "pf-pci-address", "representor-device"],
  "vhost-user": ["mode", "path"],
  memif: ["role", "path", "mode"],
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unknownKeysOf(doc: Record<string, unknown>): { top: string[]; sub: Record<string, string[]> } {
  const sub: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(doc)) {
    const known = SPEC_SUB_KEYS[key];
    if (known !== undefined && isObject(value)) sub[key] = Object.keys(value).filter((k) => !known.includes(k));
  }
  return { top: Object.keys(doc).filter((k) => !SPEC_TOP_KEYS.has(k)), sub };
}

function hasUnknownKeys(doc: Record<string, unknown>): boolean {
  const { top, sub } = unknownKeysOf(doc);
  return top.length > 0 || Object.values(sub).some((keys) => keys.length > 0);
}

const cases = writeFixtures().filter((f) => f.goOutput !== undefined);

describe("serializeDeviceInfo: the Go reference's write fixtures", () => {
  it("has the fixtures", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((f) => [f.name, f] as const))("%s: unknownKeys drop gives Go's bytes", (_name, fixture) => {
    const info = parseDeviceInfo(fixture.input, { strict: false });
    const out = serializeDeviceInfo(info, { unknownKeys: "drop" });
    expect(normaliseGoControlEscapes(out)).toBe(normaliseGoControlEscapes(fixture.goOutput ?? ""));
  });

  it.each(cases.map((f) => [f.name, f] as const))(
    "%s: the default (keep) gives Go's bytes plus unknown keys after the known ones",
    (_name, fixture) => {
      const input = JSON.parse(fixture.input) as Record<string, unknown>;
      const out = serializeDeviceInfo(parseDeviceInfo(fixture.input, { strict: false }));
      if (!hasUnknownKeys(input)) {
        expect(normaliseGoControlEscapes(out)).toBe(normaliseGoControlEscapes(fixture.goOutput ?? ""));
        return;
      }
      // Known keys in Go's order, then the unknown ones in their original order, at both levels.
      const go = JSON.parse(fixture.goOutput ?? "") as Record<string, unknown>;
      const ours = JSON.parse(out) as Record<string, unknown>;
      const unknown = unknownKeysOf(input);
      expect(Object.keys(ours)).toEqual([...Object.keys(go), ...unknown.top]);
      for (const [device, keys] of Object.entries(unknown.sub)) {
        expect(Object.keys(ours[device] as object)).toEqual([...Object.keys(go[device] as object), ...keys]);
        for (const key of keys)
          expect((ours[device] as Record<string, unknown>)[key]).toEqual((input[device] as Record<string, unknown>)[key]);
      }
      for (const key of unknown.top) expect(ours[key]).toEqual(input[key]);
    },
  );

  it("scrambled-order-unknown-keys really has unknown keys at both levels (so the test above covers them)", () => {
    const fixture = cases.find((f) => f.name === "scrambled-order-unknown-keys");
    const { top, sub } = unknownKeysOf(JSON.parse(fixture?.input ?? "{}") as Record<string, unknown>);
    expect(top).toEqual(["zz-extra", "unknown"]);
    expect(sub.pci).toEqual(["x-vendor"]);
    expect(serializeDeviceInfo(parseDeviceInfo(fixture?.input ?? "", { strict: false }))).toBe(
      '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.2","pf-pci-address":"0000:af:00.0","representor-device":"pf0vf2","x-vendor":"acme"},"zz-extra":{"nested":[1,2,{"a":null}]},"unknown":42}',
    );
  });
});

describe("serializeDeviceInfo: Go's encoding", () => {
  const pathOf = (path: string) => serializeDeviceInfo({ type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path } });
  const encoded = (path: string) => {
    const out = pathOf(path);
    const prefix = '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"';
    expect(out.startsWith(prefix) && out.endsWith('"}}')).toBe(true);
    return out.slice(prefix.length, -3);
  };

  // Expected escapes as behaviours.md records Go writing them (Go >= 1.22 for \b and \f).
  it.each([
    ["HTML characters", "<a>&b", "\\u003ca\\u003e\\u0026b"],
    ["line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"],
    ["short escapes", "\n\r\t\b\f", "\\n\\r\\t\\b\\f"],
    ["other C0 controls, lowercase hex", "\u0000\u0001\u001b\u001f", "\\u0000\\u0001\\u001b\\u001f"],
    ["DEL raw", "a\u007fb", "a\u007fb"],
    ["quote and backslash", 'a"b\\c', 'a\\"b\\\\c'],
    ["slash raw", "/a/b", "/a/b"],
    ["non-ASCII raw", "é日😀", "é日😀"],
    ["U+FFFD raw", "\ufffd", "\ufffd"],
    ["lone high surrogate", "a\ud800b", "a\\ufffdb"],
    ["lone low surrogate", "a\udc00b", "a\\ufffdb"],
    ["reversed pair", "\udc00\ud800", "\\ufffd\\ufffd"],
    ["valid pair raw", "\ud83d\ude00", "😀"],
    ["an escaped backslash before text that looks like an escape", "\\ud800\\u003c", "\\\\ud800\\\\u003c"],
    ["BOM raw", "\ufeffx", "\ufeffx"],
  ])("%s", (_what, input, expected) => {
    expect(encoded(input)).toBe(expected);
  });

  it("escapes unknown keys and values the same way", () => {
    const out = serializeDeviceInfo({
      type: "pci",
      version: "1.1.0",
      pci: { "pci-address": "0000:af:06.0" },
      "<k>": "&\u2028",
    } as DeviceInfo);
    expect(out.endsWith(',"\\u003ck\\u003e":"\\u0026\\u2028"}')).toBe(true);
  });

  it("writes fields in Go's order whatever the input order, omits empty strings and null, keeps an empty sub-object", () => {
    const info = fromEntries([
      ["memif", { mode: "ip", path: "/m", role: "slave" }],
      ["pci", {}],
      ["version", ""],
      ["type", "memif"],
      ["vdpa", null],
    ]) as DeviceInfo;
    expect(serializeDeviceInfo(info)).toBe('{"type":"memif","pci":{},"memif":{"role":"slave","path":"/m","mode":"ip"}}');
  });

  it("writes integer-like unknown keys after the known ones, although a JavaScript object lists them first", () => {
    const info = JSON.parse('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","7":"x"},"42":true,"b":1}');
    expect(Object.keys(info)[0]).toBe("42");
    expect(serializeDeviceInfo(info)).toBe('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","7":"x"},"42":true,"b":1}');
  });

  it("writes __proto__, constructor and prototype keys as data", () => {
    const info = JSON.parse(
      '{"type":"pci","pci":{"pci-address":"0000:af:06.0","__proto__":{"x":1}},"__proto__":{"polluted":true},"constructor":1,"prototype":2}',
    );
    const out = serializeDeviceInfo(info);
    expect(out).toBe(
      '{"type":"pci","pci":{"pci-address":"0000:af:06.0","__proto__":{"x":1}},"__proto__":{"polluted":true},"constructor":1,"prototype":2}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(serializeDeviceInfo(info, { unknownKeys: "drop" })).toBe('{"type":"pci","pci":{"pci-address":"0000:af:06.0"}}');
  });

  it("does not modify its input", () => {
    const info = JSON.parse('{"x":1,"pci":{"rdma-device":"","pci-address":"0000:af:06.0"},"type":"pci"}');
    const copy = structuredClone(info);
    serializeDeviceInfo(info);
    serializeDeviceInfo(info, { unknownKeys: "drop" });
    expect(info).toEqual(copy);
    expect(Object.keys(info)).toEqual(Object.keys(copy));
  });

  it.each<[string, unknown, string]>([
    ["null", null, "not_object"],
    ["an array", [], "not_object"],
    ["a string", "{}", "not_object"],
    ["a number type", { type: 5 }, "wrong_type"],
    ["a string sub-object", { type: "pci", pci: "0000:af:06.0" }, "wrong_type"],
    ["a number field", { type: "pci", pci: { "pci-address": 5 } }, "wrong_type"],
    ["a BigInt in an unknown key", { type: "pci", x: 1n }, "unserializable"],
    [
      "a cycle in an unknown key",
      (() => {
        const x: Record<string, unknown> = { type: "pci" };
        x.self = x;
        return x;
      })(),
      "unserializable",
    ],
  ])("refuses %s with ERR_DEVINFO_INVALID", (_what, value, code) => {
    let caught: unknown;
    try {
      serializeDeviceInfo(value as DeviceInfo);
    } catch (err) {
      caught = err;
    }
    expect(isDeviceInfoError(caught)).toBe(true);
    if (!isDeviceInfoError(caught)) return;
    expect(caught.code).toBe("ERR_DEVINFO_INVALID");
    expect(caught.issues.map((i) => i.code)).toContain(code);
  });

  it("refuses an unknown value nested too deeply to encode, with a typed error", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(() => serializeDeviceInfo({ type: "pci", x: deep } as unknown as DeviceInfo)).toThrow(
      expect.objectContaining({ code: "ERR_DEVINFO_INVALID" }),
    );
  });
});

describe("serializeDeviceInfo: properties", () => {
  it("parse(serialize(x)) equals x for valid documents", () => {
    fc.assert(
      fc.property(validDocument(), (doc) => {
        const back = parseDeviceInfo(serializeDeviceInfo(doc as DeviceInfo), { strict: true });
        expect(back).toEqual(doc);
        expect(serializeDeviceInfo(back)).toBe(serializeDeviceInfo(doc as DeviceInfo));
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it("output is JSON that reads back to the same strings (lone surrogates as U+FFFD) and holds no raw character Go escapes", () => {
    const KEYS = ["pci-address", "vhost-net", "rdma-device", "pf-pci-address", "representor-device"];
    fc.assert(
      fc.property(
        fc.array(text({ minLength: 1 }), { minLength: 5, maxLength: 5 }),
        fc.array(fc.tuple(text({ minLength: 1 }), text())),
        (values, extra) => {
          const pci = fromEntries(KEYS.map((key, i) => [key, values[i]] as const));
          const top = extra.filter(([key]) => !["type", "version", "pci", "vdpa", "vhost-user", "memif"].includes(key));
          const info = fromEntries([["type", "pci"], ["pci", pci], ...top]) as DeviceInfo;
          const out = serializeDeviceInfo(info);
          expect(out.isWellFormed()).toBe(true);
          expect([...out].filter((c) => c < " " || "<>&\u2028\u2029".includes(c))).toEqual([]);
          const back = JSON.parse(out) as Record<string, unknown>;
          const backPci = back.pci as Record<string, unknown>;
          KEYS.forEach((key, i) => {
            expect(backPci[key]).toBe(values[i]?.toWellFormed());
          });
          const expectedTop = new Map(top.map(([k, v]) => [k.toWellFormed(), v.toWellFormed()]));
          for (const [key, value] of expectedTop) expect(back[key]).toBe(value);
        },
      ),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});
