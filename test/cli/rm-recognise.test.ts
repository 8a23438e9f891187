/**
 * `rm` and `gc` remove only files that read as device-info documents: a
 * mistyped path or a foreign file named like ours is never deleted (rm says
 * so and offers --force; gc keeps it).
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ago, containerID, DOCS, devinfo, put, useTempDir } from "./_helpers.js";

const FOREIGN = [
  [
    'a package.json (its "type" names no object)',
    JSON.stringify({ name: "x", type: "module", version: "1.0.0" }),
    "a JSON object without a device",
  ],
  ["plain text", "hello\n", "not JSON"],
  ["a JSON array", "[1,2]", "JSON, but not an object"],
  ["an empty object", "{}", "a JSON object without a device"],
] as const;

describe("devinfo rm refuses what is not a device-info file", () => {
  const tmp = useTempDir();

  it.each(FOREIGN)("%s, by PATH, unless --force", (_what, content, problem) => {
    const file = put(tmp.join("elsewhere", "package.json"), content);
    const run = devinfo(["rm", "cni", file, "--base-dir", tmp.path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^devinfo: .* nothing removed\. Check the path, or pass --force to remove it anyway\n$/);
    expect(run.stderr).toContain(`${file} does not read as a device-info file (${problem}`);
    expect(fs.existsSync(file)).toBe(true);
    expect(devinfo(["rm", "cni", file, "--base-dir", tmp.path, "--force"])).toEqual({ code: 0, stdout: `removed ${file}\n`, stderr: "" });
    expect(fs.existsSync(file)).toBe(false);
  });

  it("one refused file among several removes none of them", () => {
    const good = put(tmp.join("cni", "good"), DOCS.pci);
    const bad = put(tmp.join("cni", "bad"), "not json");
    const run = devinfo(["rm", "cni", "good", "bad", "--base-dir", tmp.path]);
    expect(run.code).toBe(1);
    expect(fs.existsSync(good)).toBe(true);
    expect(fs.existsSync(bad)).toBe(true);
  });

  it("rm dp too", () => {
    const file = put(tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json"), "garbage");
    const run = devinfo(["rm", "dp", "intel.com/sriov", "0000:af:06.0", "--base-dir", tmp.path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("does not read as a device-info file (not JSON)");
    expect(fs.existsSync(file)).toBe(true);
  });

  it.each([
    ["an invalid but recognisable document", JSON.stringify({ type: "pci", pci: { "pci-address": "nonsense" } })],
    ["a future type that names its own object", JSON.stringify({ type: "future", version: "9.0.0", future: {} })],
    ["a document with a device key and no type", JSON.stringify({ memif: { role: "primary" } })],
  ])("removes %s (lenient, as show reads)", (_what, content) => {
    const file = put(tmp.join("cni", "x"), content);
    expect(devinfo(["rm", "cni", "x", "--base-dir", tmp.path])).toEqual({ code: 0, stdout: `removed ${file}\n`, stderr: "" });
  });
});

describe("devinfo gc removes only files it recognises", () => {
  const tmp = useTempDir();
  it("an orphaned name with foreign content is kept", () => {
    const name = (id: number) => `default-sriov-net-${containerID(id)}_net1`;
    put(tmp.join("cni", name(1)), DOCS.pci, ago(5 * 60_000));
    put(tmp.join("cni", name(2)), DOCS.pci, ago(5 * 60_000));
    put(tmp.join("cni", name(3)), "not a device-info file", ago(5 * 60_000));
    const run = devinfo(["gc", "--base-dir", tmp.path, "--live-containers", "-"], { input: `${containerID(1)}\n` });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`removed cni/${name(2)}`);
    expect(run.stdout).toContain("Removed 1 file, kept 2.");
    expect(fs.readdirSync(tmp.join("cni")).sort()).toEqual([name(1), name(3)].sort());
  });
});
