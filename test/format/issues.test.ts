import { describe, expect, it } from "vitest";
import { describeIssues, formatJsonPath, makeIssue } from "../../src/base/issues.js";

describe("formatJsonPath: RFC 9535 normalized paths (section 2.7)", () => {
  it.each<[(string | number)[], string]>([
    [[], "$"],
    [["pci", "pci-address"], "$['pci']['pci-address']"],
    [["vhost-user", "path"], "$['vhost-user']['path']"],
    [[1, "device-info", "pci"], "$[1]['device-info']['pci']"],
    [["x", 0, "y"], "$['x'][0]['y']"],
    [["odd key"], "$['odd key']"],
    [["a.b"], "$['a.b']"],
    [["1st"], "$['1st']"],
    [[""], "$['']"],
    [['q"uote'], `$['q"uote']`],
    [["it's"], "$['it\\'s']"],
    [["back\\slash"], "$['back\\\\slash']"],
    [["tab\tnl\nbs\bff\fcr\r"], "$['tab\\tnl\\nbs\\bff\\fcr\\r']"],
    [["nul\u0000us\u001fdel\u007f"], "$['nul\\u0000us\\u001fdel\u007f']"],
    [["lone\ud800"], "$['lone\ufffd']"],
    [["vhoſt-user"], "$['vhoſt-user']"],
    [["__proto__"], "$['__proto__']"],
  ])("%j -> %s", (parts, expected) => {
    expect(formatJsonPath(parts)).toBe(expected);
  });
});

describe("describeIssues", () => {
  const issue = (n: number) => makeIssue("error", "missing_field", ["pci", `f${n}`], `m${n}`);

  it("lists up to three issues with their JSON paths, then counts the rest", () => {
    expect(describeIssues([issue(1)])).toBe("$['pci']['f1']: m1");
    expect(describeIssues([1, 2, 3].map(issue))).toBe("$['pci']['f1']: m1; $['pci']['f2']: m2; $['pci']['f3']: m3");
    expect(describeIssues([1, 2, 3, 4, 5].map(issue))).toBe("$['pci']['f1']: m1; $['pci']['f2']: m2; $['pci']['f3']: m3; and 2 more");
  });

  it("derives jsonPath from path in makeIssue", () => {
    expect(issue(1)).toEqual({ severity: "error", code: "missing_field", path: ["pci", "f1"], jsonPath: "$['pci']['f1']", message: "m1" });
  });
});
