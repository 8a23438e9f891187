import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { DOCS, devinfo, put, useTempDir } from "./_helpers.js";

describe("devinfo rm", () => {
  const tmp = useTempDir();
  const rm = (...args: string[]) => devinfo(["rm", "--base-dir", tmp.path, ...args]);
  const dpFile = () => tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json");

  it("removes a device plugin file", () => {
    put(dpFile(), DOCS.pci);
    expect(rm("dp", "intel.com/sriov", "0000:af:06.0")).toEqual({ code: 0, stdout: `removed ${dpFile()}\n`, stderr: "" });
    expect(fs.existsSync(dpFile())).toBe(false);
  });

  it("removes CNI files by name or absolute path; a missing one fails unless --ignore-not-found", () => {
    put(tmp.join("cni", "a"), DOCS.pci);
    put(tmp.join("cni", "b"), DOCS.pci);
    const run = rm("cni", "a", tmp.join("cni", "b"), "c");
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`removed ${tmp.join("cni", "a")}\nremoved ${tmp.join("cni", "b")}\n`);
    expect(run.stderr).toBe(
      `devinfo: no device-info file at ${tmp.join("cni", "c")}; nothing removed (--ignore-not-found makes this a success)\n`,
    );
    expect(rm("cni", "c", "--ignore-not-found")).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("never removes a directory; refuses a symlink unless --force, which removes the link itself, not its target", () => {
    fs.mkdirSync(tmp.join("cni", "dir"), { recursive: true });
    const dir = rm("cni", "dir");
    expect(dir.code).toBe(1);
    expect(dir.stderr).toMatch(/it is a directory/);
    put(tmp.join("target"), DOCS.pci);
    fs.symlinkSync(tmp.join("target"), tmp.join("cni", "link"));
    const link = rm("cni", "link");
    expect(link.code).toBe(1);
    expect(link.stderr).toMatch(/\(it is a symbolic link\); nothing removed/);
    expect(fs.lstatSync(tmp.join("cni", "link")).isSymbolicLink()).toBe(true);
    expect(rm("cni", "link", "--force").code).toBe(0);
    expect(fs.existsSync(tmp.join("cni", "link"))).toBe(false);
    expect(fs.existsSync(tmp.join("target"))).toBe(true);
  });

  it.each([[["x"]], [["dp", "only-resource"]], [["cni"]]])("usage: %j", (args) => {
    expect(rm(...args).code).toBe(2);
  });
});
