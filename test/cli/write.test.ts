import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { getCNIDeviceInfoPath, getDPDeviceInfoPath } from "../../src/files/paths.js";
import { validateDeviceInfo } from "../../src/format/validate.js";
import { DOCS, devinfo, REPO_ROOT, useTempDir } from "./_helpers.js";

const WRITE_FIXTURES = path.join(REPO_ROOT, "fixtures/go-reference/write");

describe("devinfo write", () => {
  const tmp = useTempDir();
  const write = (args: string[], input?: string) =>
    devinfo(["write", "--base-dir", tmp.path, ...args], input === undefined ? {} : { input });
  const dpPath = (r: string, d: string) => getDPDeviceInfoPath(r, d, { baseDir: tmp.path });
  const cniPath = (n: string) => getCNIDeviceInfoPath(n, { baseDir: tmp.path });

  it.each([
    {
      args: ["dp", "intel.com/sriov", "0000:af:06.0", "--type", "pci", "--pf-pci-address", "0000:af:00.0"],
      path: () => dpPath("intel.com/sriov", "0000:af:06.0"),
      bytes: '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","pf-pci-address":"0000:af:00.0"}}',
    },
    {
      args: [
        "dp",
        "example.com/vdpa",
        "vdpa0",
        "--type",
        "vdpa",
        "--parent-device",
        "vdpa0",
        "--driver",
        "virtio",
        "--path",
        "/dev/vhost-vdpa-0",
      ],
      path: () => dpPath("example.com/vdpa", "vdpa0"),
      bytes: '{"type":"vdpa","version":"1.1.0","vdpa":{"parent-device":"vdpa0","driver":"virtio","path":"/dev/vhost-vdpa-0"}}',
    },
    {
      args: ["cni", "ns/net-abc_net1", "--type", "vhost-user", "--mode", "server", "--path", "/run/v&<.sock"],
      path: () => cniPath("ns/net-abc_net1"),
      bytes: '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"server","path":"/run/v\\u0026\\u003c.sock"}}',
    },
    {
      args: ["cni", "m", "--type", "memif", "--role", "slave", "--path", "/run/m.sock", "--mode", "ip", "--spec-version", "1.0.0"],
      path: () => cniPath("m"),
      bytes: '{"type":"memif","version":"1.0.0","memif":{"role":"slave","path":"/run/m.sock","mode":"ip"}}',
    },
  ])("from flags: $args.0 $args.1 → Go's bytes, mode 0444", ({ args, path: where, bytes }) => {
    const run = write(args);
    expect(run).toEqual({ code: 0, stdout: `created ${where()}\n`, stderr: "" });
    expect(fs.readFileSync(where(), "utf8")).toBe(bytes);
    expect(fs.statSync(where()).mode & 0o777).toBe(0o444);
  });

  it("an absolute CNI path is used as given", () => {
    const target = tmp.join("elsewhere", "file");
    expect(write(["cni", target, "--type", "pci", "--pci-address", "0000:00:01.0"]).code).toBe(0);
    expect(fs.existsSync(target)).toBe(true);
  });

  // Every conforming fixture whose document Go wrote back whole (nothing dropped or omitted): the CLI
  // writes the same bytes from the same input.
  const fixtures = fs
    .readdirSync(WRITE_FIXTURES)
    .filter((f) => f.endsWith(".input.json"))
    .map((f) => f.slice(0, -".input.json".length))
    .filter((name) => {
      const out = path.join(WRITE_FIXTURES, `${name}.go-output.json`);
      if (!fs.existsSync(out)) return false;
      const input = JSON.parse(fs.readFileSync(path.join(WRITE_FIXTURES, `${name}.input.json`), "utf8")) as unknown;
      return validateDeviceInfo(input, { strict: true }).valid && isDeepStrictEqual(JSON.parse(fs.readFileSync(out, "utf8")), input);
    });

  it("the Go fixtures give enough cases", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(10);
  });

  it.each(fixtures)("-f %s.input.json writes the bytes Go wrote", (name) => {
    const goOutput = fs.readFileSync(path.join(WRITE_FIXTURES, `${name}.go-output.json`), "utf8");
    const run = write(["cni", name, "-f", path.join(WRITE_FIXTURES, `${name}.input.json`)]);
    expect(run.code).toBe(0);
    // Go 1.19 (the recording) writes \b and \f as \u0008 and \u000c; Go 1.22+ and this package write \b and \f.
    expect(fs.readFileSync(cniPath(name), "utf8")).toBe(goOutput.replaceAll("\\u0008", "\\b").replaceAll("\\u000c", "\\f"));
  });

  it("JSON on stdin, with -f - or implicitly", () => {
    expect(write(["dp", "r/x", "d1", "-f", "-"], DOCS.memif).code).toBe(0);
    expect(write(["dp", "r/x", "d2"], DOCS.memif).code).toBe(0);
    expect(fs.readFileSync(dpPath("r/x", "d2"), "utf8")).toBe(DOCS.memif);
  });

  it("a pci device plugin file defaults --pci-address to DEVICE when it is a PCI address", () => {
    expect(write(["dp", "intel.com/sriov", "0000:af:06.3", "--type", "pci"]).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(dpPath("intel.com/sriov", "0000:af:06.3"), "utf8"))).toEqual({
      type: "pci",
      version: "1.1.0",
      pci: { "pci-address": "0000:af:06.3" },
    });
  });

  it("exclusive by default, --overwrite replaces atomically", () => {
    const args = ["dp", "intel.com/sriov", "0000:af:06.0", "--type", "pci"];
    expect(write(args).code).toBe(0);
    const again = write([...args, "--rdma-device", "mlx5_0"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^devinfo: device-info file already exists: .*--overwrite to replace it\n$/);
    expect(fs.readFileSync(dpPath("intel.com/sriov", "0000:af:06.0"), "utf8")).not.toContain("mlx5_0");
    const replaced = write([...args, "--rdma-device", "mlx5_0", "--overwrite"]);
    expect(replaced.stdout).toBe(`replaced ${dpPath("intel.com/sriov", "0000:af:06.0")}\n`);
    expect(fs.readFileSync(dpPath("intel.com/sriov", "0000:af:06.0"), "utf8")).toContain('"rdma-device":"mlx5_0"');
    expect(fs.readdirSync(tmp.join("dp"))).toHaveLength(1); // no temporary file left
  });

  it("strict by default; --lenient writes deviations and prints them as warnings", () => {
    const args = ["cni", "x", "--type", "memif", "--role", "master", "--path", "/m", "--mode", "punt"];
    const strict = write(args);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`$['memif']['mode']: "mode" must be one of`);
    expect(fs.existsSync(cniPath("x"))).toBe(false);
    const lenient = write([...args, "--lenient"]);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/^warning: \$\['memif'\]\['mode'\]: .*"inject-punt"/);
  });

  it.each([
    {
      args: ["dp", "r", "d", "--type", "pci", "--role", "master"],
      message: "--role is not a field of type pci; its fields are --pci-address, ",
    },
    { args: ["dp", "r", "d", "--pci-address", "0000:00:01.0"], message: "--type is required with field flags" },
    { args: ["dp", "r", "d", "--type", "nvme"], message: '--type must be one of pci, vdpa, vhost-user, memif, not "nvme"' },
    { args: ["dp", "r", "d", "-f", "-", "--type", "pci"], message: "give either -f or --type with field flags, not both" },
    { args: ["dp", "r"], message: "devinfo write dp needs RESOURCE and DEVICE" },
    { args: ["cni"], message: "devinfo write cni needs one NAME or PATH" },
    { args: ["nic", "x"], message: 'devinfo write needs "dp" or "cni" first, not "nic"' },
  ])("usage error: $message", ({ args, message }) => {
    const run = write(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("unusable input: not JSON, a file that is missing", () => {
    expect(write(["dp", "r", "d"], "{").stderr).toMatch(/^devinfo: <stdin>: not valid JSON/);
    const missing = write(["dp", "r", "d", "-f", tmp.join("nope.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`devinfo: cannot read the device-info document ${tmp.join("nope.json")}: no such file\n`);
  });
});
