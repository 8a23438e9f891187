// CNI network configurations as both roles read them (src/roles/_netconf.ts):
// text, bytes or an object; a list or a single plugin; the capabilities a
// plugin declares; and libcni's re-encoding (Go's json.Marshal of a map).

import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  CNI_DEVICE_INFO_FILE_CAPABILITY,
  compareUtf8,
  confListVersion,
  declaredCapabilities,
  describe as describeValue,
  goFieldEntries,
  goMarshalSorted,
  goStringField,
  goStructParts,
  isConfList,
  parseCNIVersion,
  pluginConfigs,
  toNetConfObject,
} from "../../src/roles/_netconf.js";
import { buildPluginStdin, declaresCapability, injectRuntimeConfig } from "../../src/roles/meta-plugin.js";
import { caught } from "../helpers/caught.js";

const CONF = { cniVersion: "1.0.0", name: "net1", type: "sriov", capabilities: { CNIDeviceInfoFile: true } };

describe("toNetConfObject", () => {
  it.each<[string, string | Uint8Array | object]>([
    ["JSON text", JSON.stringify(CONF)],
    ["UTF-8 bytes (a plugin's stdin)", Buffer.from(JSON.stringify(CONF))],
    ["the parsed object", CONF],
  ])("reads %s", (_name, input) => {
    expect(toNetConfObject(input, "network configuration")).toStrictEqual(CONF);
  });

  it("reads text as Go does: a lone surrogate escape is U+FFFD", () => {
    expect(toNetConfObject('{"name":"a\\ud800"}', "network configuration").name).toBe("a\ufffd");
  });

  it.each<[string, string | object, string, RegExp]>([
    [
      "text that is not JSON",
      "{",
      "ERR_DEVINFO_PARSE",
      /^the network configuration is not valid JSON .*pass the JSON object a CNI runtime sends$/,
    ],
    ["a byte order mark", '\ufeff{"name":"n"}', "ERR_DEVINFO_PARSE", /byte order mark/],
    ["a JSON array", "[]", "ERR_DEVINFO_INVALID", /^the network configuration must be a JSON object, got an array$/],
    ["JSON null", "null", "ERR_DEVINFO_INVALID", /got null$/],
    ["a JSON string", '"x"', "ERR_DEVINFO_INVALID", /got a string "x"$/],
  ])("refuses %s", (_name, input, code, message) => {
    const err = caught(() => toNetConfObject(input, "network configuration"));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});

describe("configuration lists and their plugins", () => {
  const list = { cniVersion: "1.0.0", name: "l", plugins: [{ type: "a" }, { type: "b" }] };

  it.each<[string, Record<string, unknown>, boolean, unknown[]]>([
    ["a list", list, true, list.plugins],
    ["a single plugin", CONF, false, [CONF]],
    [
      "plugins that is not an array: a single plugin (as Multus tells them apart)",
      { type: "x", plugins: {} },
      false,
      [{ type: "x", plugins: {} }],
    ],
    ["an empty list", { plugins: [] }, true, []],
  ])("%s", (_name, conf, listed, plugins) => {
    expect(isConfList(conf)).toBe(listed);
    expect(pluginConfigs(conf, "configuration list")).toStrictEqual(plugins);
  });

  it("a plugin that is not an object is refused, naming its index", () => {
    const err = caught(() => pluginConfigs({ plugins: [{ type: "a" }, 5] }, "configuration list"));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.message).toBe("the configuration list's plugins[1] must be a JSON object, got a number 5");
  });
});

describe("declaredCapabilities: only those declared true, as libcni reads them", () => {
  it.each<[string, unknown, string[]]>([
    ["the device-info capability", { CNIDeviceInfoFile: true }, [CNI_DEVICE_INFO_FILE_CAPABILITY]],
    ["false and non-boolean values are not declared", { a: true, b: false, c: "true", d: 1 }, ["a"]],
    ["no capabilities", undefined, []],
    ["capabilities that is not an object", ["CNIDeviceInfoFile"], []],
  ])("%s", (_name, capabilities, expected) => {
    expect(declaredCapabilities({ type: "x", capabilities })).toStrictEqual(expected);
  });

  // libcni decodes types.PluginConf: the key case-insensitively, a Go map (case variants merged, null starts over).
  it.each<[string, Record<string, unknown>, string[]]>([
    ["under Capabilities", { type: "x", Capabilities: { CNIDeviceInfoFile: true } }, [CNI_DEVICE_INFO_FILE_CAPABILITY]],
    ["under CAPABILITIES", { type: "x", CAPABILITIES: { a: true } }, ["a"]],
    ["two spellings merged in order", { capabilities: { a: true, b: true }, Capabilities: { b: false, c: true } }, ["a", "c"]],
    ["a later null starts over", { capabilities: { a: true }, Capabilities: null, CAPABILITIES: { b: true } }, ["b"]],
    ["the capability names themselves are exact (map keys)", { capabilities: { cnideviceinfofile: true } }, ["cnideviceinfofile"]],
  ])("declared %s", (_name, plugin, expected) => {
    expect(declaredCapabilities(plugin)).toStrictEqual(expected);
  });

  it("so the helpers that use it inject runtimeConfig for a case variant, as libcni does", () => {
    const plugin = { type: "x", Capabilities: { CNIDeviceInfoFile: true } };
    expect(declaresCapability({ cniVersion: "1.0.0", name: "n", plugins: [plugin] })).toBe(true);
    expect(injectRuntimeConfig(plugin, { CNIDeviceInfoFile: "/f" }).runtimeConfig).toEqual({ CNIDeviceInfoFile: "/f" });
  });
});

describe("Go's decoding of a struct field", () => {
  it("finds every key Go reads as the field, objects in order, keys in order", () => {
    expect(goFieldEntries([{ name: 1, x: 2, NAME: 3 }, { Name: 4 }], "name")).toEqual([
      ["name", 1],
      ["NAME", 3],
      ["Name", 4],
    ]);
    expect(goFieldEntries([{ "cni\u017fersion": 1 }], "cniVersion")).toEqual([]);
    expect(goFieldEntries([{ "\u017fubnet": 1, "\u212aey": 2 }], "subnet")).toEqual([["\u017fubnet", 1]]);
    expect(goFieldEntries([{ "\u212aey": 2 }], "key")).toEqual([["\u212aey", 2]]);
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ["absent", {}, undefined],
    ["null", { name: null }, undefined],
    ["exact", { name: "a" }, "a"],
    ["a case variant", { NaMe: "a" }, "a"],
    ["the last one", { name: "a", NAME: "b" }, "b"],
    ["a later null leaves it", { name: "a", NAME: null }, "a"],
  ])("a string field: %s", (_what, object, expected) => {
    expect(goStringField([object], "name", "the configuration")).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["a number", { name: 5 }, 'the configuration: "name" must be a string, got a number 5'],
    ["a wrong type before a right one", { NAME: true, name: "a" }, 'the configuration: "NAME" must be a string, got a boolean true'],
  ])("a string field given %s is refused as Go's decoder refuses it", (_what, object, message) => {
    expect(caught(() => goStringField([object], "name", "the configuration"))).toMatchObject({ code: "ERR_DEVINFO_INVALID", message });
  });

  it("a struct field: its objects in order, null skipped, anything else refused", () => {
    expect(goStructParts([{ rc: { a: 1 }, RC: null, Rc: { b: 2 } }], "rc", "x")).toEqual([{ a: 1 }, { b: 2 }]);
    expect(caught(() => goStructParts([{ rc: [] }], "rc", "x"))).toMatchObject({
      code: "ERR_DEVINFO_INVALID",
      message: 'x: "rc" must be a JSON object, got an array',
    });
  });
});

describe("parseCNIVersion: Go's version.ParseVersion", () => {
  it.each<[string, [bigint, bigint, bigint] | { error: string }]>([
    ["", [0n, 1n, 0n]],
    ["1.1.0", [1n, 1n, 0n]],
    ["1", [1n, 0n, 0n]],
    ["1.0", [1n, 0n, 0n]],
    ["01.1.0", [1n, 1n, 0n]],
    ["+1.0.0", [1n, 0n, 0n]],
    ["-1.0.0", [-1n, 0n, 0n]],
    ["9223372036854775807.0.0", [9223372036854775807n, 0n, 0n]],
    ["1.0.0.0", { error: 'invalid version "1.0.0.0": too many parts' }],
    ["one", { error: 'failed to convert major version part "one"' }],
    ["1.x", { error: 'failed to convert minor version part "x"' }],
    ["1.0.", { error: 'failed to convert micro version part ""' }],
    ["1..0", { error: 'failed to convert minor version part ""' }],
    [" 1.0.0", { error: 'failed to convert major version part " 1"' }],
    ["9223372036854775808.0.0", { error: 'failed to convert major version part "9223372036854775808"' }],
  ])("%j", (version, expected) => {
    expect(parseCNIVersion(version)).toEqual(expected);
  });
});

// libcni v1.3.0 NetworkConfFromBytes: the version each plugin of a list gets.
describe("confListVersion and buildPluginStdin: libcni's cniVersion of a list", () => {
  const list = (keys: Record<string, unknown>) => ({ name: "sriov-net1", ...keys, plugins: [{ type: "sriov" }] });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "cniVersions [1.1.0, 2.0.0] with cniVersion 1.0.0 (the issue's example)",
      { cniVersion: "1.0.0", cniVersions: ["1.1.0", "2.0.0"] },
      "1.1.0",
    ],
    ["only cniVersions [1.1.0, 2.0.0] (the issue's example)", { cniVersions: ["1.1.0", "2.0.0"] }, "1.1.0"],
    ["cniVersion counted among the candidates", { cniVersion: "1.1.0", cniVersions: ["0.4.0", "1.0.0"] }, "1.1.0"],
    ["cniVersion counted when every entry is newer", { cniVersion: "1.0.0", cniVersions: ["2.0.0"] }, "1.0.0"],
    ["an unsupported cniVersion skipped", { cniVersion: "2.0.0", cniVersions: ["1.0.0"] }, "1.0.0"],
    ["entries in any order", { cniVersions: ["0.4.0", "1.0.0", "0.3.1"] }, "1.0.0"],
    ["an empty list: cniVersion", { cniVersion: "0.4.0", cniVersions: [] }, "0.4.0"],
    ["equal versions: the first, as written", { cniVersions: ["1.0", "1.0.0"] }, "1.0"],
    ["a version Go's parser reads with a sign", { cniVersions: ["+1.0.0", "0.4.0"] }, "+1.0.0"],
    ["no cniVersions: cniVersion as written", { cniVersion: "1.0.0" }, "1.0.0"],
    ["no cniVersions: even one libcni does not implement (it does not look)", { cniVersion: "2.0.0" }, "2.0.0"],
    ["no cniVersions and no cniVersion: empty, as libcni sends it", {}, ""],
    [
      "a case variant of cniVersions is not the key (libcni reads the list as a map)",
      { cniVersion: "1.0.0", CNIVersions: ["1.1.0"] },
      "1.0.0",
    ],
  ])("%s", (_what, keys, expected) => {
    expect(confListVersion(list(keys), "network configuration list")).toBe(expected);
    expect(JSON.parse(buildPluginStdin(list(keys))).cniVersion).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'only versions libcni does not implement (libcni would send "")',
      { cniVersions: ["2.0.0"] },
      'none of the versions it lists ("2.0.0") is one libcni implements (1.1.0 and older)',
    ],
    [
      "neither cniVersion nor cniVersions supported (libcni would send 3.0.0)",
      { cniVersion: "3.0.0", cniVersions: ["2.0.0"] },
      '("2.0.0", "3.0.0")',
    ],
    ["an empty cniVersions and no cniVersion", { cniVersions: [] }, "none of the versions it lists (none)"],
    ["cniVersions that is not an array", { cniVersions: "1.1.0" }, '"cniVersions" must be an array of versions, got a string "1.1.0"'],
    ["cniVersions null", { cniVersions: null }, '"cniVersions" must be an array of versions, got null'],
    ["an entry that is not a string", { cniVersions: ["1.0.0", 1] }, '"cniVersions"[1] must be a string, got a number 1'],
    [
      "an entry that is not a version",
      { cniVersions: ["1.0.0", "one"] },
      '"cniVersions"[1] is not a version: failed to convert major version part "one"',
    ],
    [
      "an entry with four parts",
      { cniVersions: ["1.0.0.0"] },
      '"cniVersions"[0] is not a version: invalid version "1.0.0.0": too many parts',
    ],
    ["a malformed cniVersion beside cniVersions", { cniVersion: "v1", cniVersions: ["1.0.0"] }, '"cniVersion" is not a version'],
    ["a cniVersion that is not a string", { cniVersion: 1 }, '"cniVersion" must be a string, got a number 1'],
    ["a null cniVersion", { cniVersion: null }, '"cniVersion" must be a string, got null'],
  ])("refuses %s (ERR_DEVINFO_INVALID)", (_what, keys, message) => {
    for (const run of [() => confListVersion(list(keys), "network configuration list"), () => buildPluginStdin(list(keys))]) {
      const err = caught(run);
      expect(err.code).toBe("ERR_DEVINFO_INVALID");
      expect(err.message).toContain("the network configuration list cannot be run as libcni runs it: ");
      expect(err.message).toContain(message);
    }
  });

  it("refuses a list without a string name, as libcni does", () => {
    for (const name of [undefined, 5, null]) {
      const err = caught(() =>
        buildPluginStdin({ cniVersion: "1.0.0", ...(name === undefined ? {} : { name }), plugins: [{ type: "x" }] }),
      );
      expect(err).toMatchObject({ code: "ERR_DEVINFO_INVALID", message: expect.stringContaining('"name" must be a string') });
    }
  });

  it("reads a single configuration as Go decodes types.PluginConf: case variants, cniVersions ignored", () => {
    expect(buildPluginStdin({ CNIVersion: "0.4.0", Name: "n", type: "x" })).toBe(
      '{"CNIVersion":"0.4.0","Name":"n","cniVersion":"0.4.0","name":"n","type":"x"}',
    );
    expect(JSON.parse(buildPluginStdin({ cniVersion: "1.0.0", cniVersions: ["1.1.0"], name: "n", type: "x" })).cniVersion).toBe("1.0.0");
    expect(caught(() => buildPluginStdin({ cniVersion: 1, name: "n", type: "x" }))).toMatchObject({
      code: "ERR_DEVINFO_INVALID",
      message: 'the network configuration: "cniVersion" must be a string, got a number 1',
    });
  });
});

describe("goMarshalSorted: Go's json.Marshal of a map[string]interface{}", () => {
  it.each<[string, unknown, string]>([
    ["keys sorted at every level", { b: 1, a: { d: 2, c: 3 } }, '{"a":{"c":3,"d":2},"b":1}'],
    // UTF-16 order would put the emoji (a surrogate pair) before U+FFFD; UTF-8 byte order puts it after.
    ["keys in UTF-8 byte order", { "😀": 2, "\ufffd": 1, é: 0, Z: 0 }, '{"Z":0,"é":0,"\ufffd":1,"😀":2}'],
    ["Go's HTML and line-separator escaping", { s: "<&>\u2028\u2029" }, '{"s":"\\u003c\\u0026\\u003e\\u2028\\u2029"}'],
    ["float64 as Go writes it: negative zero, large exponents", [-0, 1e21, 1.5, 100], "[-0,1e+21,1.5,100]"],
    ["null, booleans, empty containers", { n: null, t: true, a: [], o: {} }, '{"a":[],"n":null,"o":{},"t":true}'],
  ])("%s", (_name, value, expected) => {
    expect(goMarshalSorted(value)).toBe(expected);
  });
});

describe("compareUtf8: Go's sort of map keys", () => {
  it.each<[string, string, number]>([
    ["a", "b", -1],
    ["b", "a", 1],
    ["a", "a", 0],
    ["a", "ab", -1],
    ["Z", "a", -1],
    ["\ufffd", "😀", -1],
    ["😀", "\uffff", 1],
  ])("%j vs %j", (a, b, sign) => {
    expect(Math.sign(compareUtf8(a, b))).toBe(sign);
  });
});

describe("describe: a value's type, and a primitive's value, for messages", () => {
  it.each<[unknown, string]>([
    [5, "a number 5"],
    ["x", 'a string "x"'],
    [true, "a boolean true"],
    [null, "null"],
    [[1], "an array"],
    [{}, "an object"],
    [undefined, "undefined"],
    ["y".repeat(100), `a string "${"y".repeat(56)}...`],
  ])("%j → %s", (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});
