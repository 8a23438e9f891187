// CNI network configurations as both roles read them (src/roles/_netconf.ts):
// text, bytes or an object; a list or a single plugin; the capabilities a
// plugin declares; and libcni's re-encoding (Go's json.Marshal of a map).

import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  CNI_DEVICE_INFO_FILE_CAPABILITY,
  compareUtf8,
  declaredCapabilities,
  describe as describeValue,
  goMarshalSorted,
  isConfList,
  pluginConfigs,
  toNetConfObject,
} from "../../src/roles/_netconf.js";
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
