import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { containerID, DOCS, devinfo, put, useTempDir } from "./_helpers.js";

describe("devinfo show", () => {
  const tmp = useTempDir();
  const show = (...args: string[]) => devinfo(["show", "--base-dir", tmp.path, ...args]);
  const dpFile = () => tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json");
  const cniName = `default-sriov-net-${containerID(7)}_net1`;

  it.each([
    { how: "resource and device", args: ["intel.com/sriov", "0000:af:06.0"] },
    { how: "the NAME ls prints (the file name)", args: ["intel.com-sriov-0000:af:06.0-device.json"] },
    { how: "a PATH", args: ["./dp/intel.com-sriov-0000:af:06.0-device.json"] },
  ])("a device plugin file by $how", ({ args }) => {
    put(dpFile(), DOCS.pci);
    const run = devinfo(["show", "--base-dir", tmp.path, ...args], { cwd: tmp.path });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe(`Path:     ${dpFile()}`);
    expect(lines[1]).toBe(
      args.length === 2
        ? "Kind:     device plugin file (resource intel.com/sriov, device 0000:af:06.0)"
        : 'Kind:     device plugin file (derived from the file name, which may be ambiguous: resource intel.com-sriov with "/" written as "-", device 0000:af:06.0)',
    );
    expect(lines[2]).toMatch(/^Modified: +\d{4}-\d\d-\d\dT.*Z \(\d+s ago\)$/);
    expect(lines.slice(3)).toEqual([
      "Type:     pci",
      "Version:  1.1.0",
      "pci:",
      "  pci-address:    0000:af:06.0",
      "  pf-pci-address: 0000:af:00.0",
      "",
    ]);
  });

  it("a CNI file by name or path; unknown keys and warnings are shown", () => {
    put(tmp.join("cni", cniName), '{"version":"v1.1.0","x-vendor":{"a":1},"type":"pci","pci":{"pci-address":"0000:af:06.0","numa":"0"}}');
    const run = show(cniName);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Kind:     CNI file (one network attachment)\n");
    expect(run.stdout).toContain("  numa:        0  (not in the spec)\n");
    expect(run.stdout).toContain('Other keys:\n  x-vendor: {"a":1}\n');
    expect(run.stdout).toMatch(/Warnings:\n {2}\$\['version'\]: version "v1\.1\.0" must be/);
    const age = (s: string) => s.replace(/\(\d+s ago\)/, "(age)");
    expect(age(show(tmp.join("cni", cniName)).stdout)).toBe(age(run.stdout));
  });

  it("--json prints the document in Go's field order, unknown keys kept; warnings go to stderr", () => {
    put(tmp.join("cni", "f"), '{"pci":{"pf-pci-address":"0000:af:00.0","pci-address":"0000:af:06.0"},"x":1,"version":"1.0","type":"pci"}');
    const run = show("f", "--json");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `{\n  "type": "pci",\n  "version": "1.0",\n  "pci": {\n    "pci-address": "0000:af:06.0",\n    "pf-pci-address": "0000:af:00.0"\n  },\n  "x": 1\n}\n`,
    );
    expect(run.stderr).toMatch(/^warning: .*\/cni\/f: \$\['version'\]: /);
  });

  it.each([
    {
      what: "nothing by that name",
      setup: () => undefined,
      args: ["nope"],
      message:
        /^devinfo: no device-info file named "nope" \(looked for .*; "devinfo ls" lists the names, and a file in the working directory is \.\/nope\n$/,
    },
    {
      what: "a NAME without its -device.json",
      setup: () => undefined,
      args: ["intel.com-sriov-0000:af:06.0"],
      message: /; a NAME is the whole file name: intel\.com-sriov-0000:af:06\.0-device\.json;/,
    },
    {
      what: "a NAME in both directories",
      setup: () => put(tmp.join("cni", "intel.com-sriov-0000:af:06.0-device.json"), DOCS.pci),
      args: ["intel.com-sriov-0000:af:06.0-device.json"],
      message: /is both .*\/cni\/intel.* and .*\/dp\/intel.*; give the one you mean as a PATH/,
    },
    {
      what: "no file for the device",
      setup: () => undefined,
      args: ["intel.com/sriov", "0000:af:06.1"],
      message: /^devinfo: no device-info file at .*0000:af:06\.1-device\.json; is the device plugin running with this base directory/,
    },
    { what: "a symlink", setup: () => fs.symlinkSync(dpFile(), tmp.join("cni", "link")), args: ["link"], message: /symbolic link/ },
    { what: "not JSON", setup: () => put(tmp.join("cni", "bad"), "{"), args: ["bad"], message: /not valid JSON/ },
  ])("fails with exit 1: $what", ({ setup, args, message }) => {
    put(dpFile(), DOCS.pci);
    fs.mkdirSync(tmp.join("cni"), { recursive: true });
    setup();
    const run = show(...args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
  });
});
