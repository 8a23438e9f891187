import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { devinfo, put, useTempDir } from "./_helpers.js";

describe("devinfo copy", () => {
  const tmp = useTempDir();
  const copy = (...args: string[]) => devinfo(["copy", "--base-dir", tmp.path, ...args]);
  const dpFile = () => tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json");

  it("copies a device plugin file to a CNI file, re-encoded as Go does, unknown keys kept", () => {
    put(dpFile(), '{ "version": "1.1.0", "type": "pci", "pci": { "pci-address": "0000:af:06.0" }, "x-numa": 1 }');
    const run = copy("intel.com/sriov", "0000:af:06.0", "default/net-abc_net1");
    const target = tmp.join("cni", "default-net-abc_net1");
    expect(run).toEqual({ code: 0, stdout: `copied ${dpFile()} to ${target}\n`, stderr: "" });
    expect(fs.readFileSync(target, "utf8")).toBe('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"},"x-numa":1}');
  });

  it("a missing device plugin file is ERR_DEVINFO_NOT_FOUND with advice; nothing is created", () => {
    const run = copy("intel.com/sriov", "0000:af:06.0", "n");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^devinfo: device plugin file not found: .*is the device plugin for "intel\.com\/sriov" running/);
    expect(fs.existsSync(tmp.join("cni", "n"))).toBe(false);
  });

  it("an existing CNI file is kept unless --overwrite", () => {
    put(dpFile(), '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}');
    put(tmp.join("cni", "n"), "old");
    expect(copy("intel.com/sriov", "0000:af:06.0", "n").code).toBe(1);
    expect(fs.readFileSync(tmp.join("cni", "n"), "utf8")).toBe("old");
    expect(copy("intel.com/sriov", "0000:af:06.0", "n", "--overwrite").code).toBe(0);
    expect(fs.readFileSync(tmp.join("cni", "n"), "utf8")).toContain("0000:af:06.0");
  });
});
