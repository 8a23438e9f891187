import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validateDeviceAttributes } from "../dra/k8s-api.js";
import { devinfo, put, REPO_ROOT, useTempDir } from "./_helpers.js";

const PCI = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","pf-pci-address":"0000:af:00.0"}}';

function rows(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split("\n")
    .map((l) => l.split(/ {3,}/));
}

describe("devinfo attributes", () => {
  const tmp = useTempDir();

  it("a device plugin file by RESOURCE DEVICE: the attributes, with Multus's pair", () => {
    put(tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json"), PCI);
    const run = devinfo(["attributes", "intel.com/sriov", "0000:af:06.0", "--base-dir", tmp.path]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(rows(run.stdout)).toEqual([
      ["ATTRIBUTE", "KIND", "VALUE"],
      ["k8s.cni.cncf.io/resourceName", "string", "intel.com/sriov"],
      ["k8s.cni.cncf.io/deviceID", "string", "0000:af:06.0"],
      ["resource.kubernetes.io/pciBusID", "string", "0000:af:06.0"],
      ["deviceinfo.k8s.cni.cncf.io/type", "string", "pci"],
      ["deviceinfo.k8s.cni.cncf.io/version", "version", "1.1.0"],
      ["deviceinfo.k8s.cni.cncf.io/pciPfPciAddress", "string", "0000:af:00.0"],
    ]);
  });

  it("--json: an attributes object the API accepts; --domain changes the domain", () => {
    const file = put(tmp.join("info.json"), PCI);
    const run = devinfo(["attributes", file, "--json", "--domain", "sriov.example.com"]);
    expect(run.code).toBe(0);
    const attributes = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(attributes)).toEqual([
      "resource.kubernetes.io/pciBusID",
      "sriov.example.com/type",
      "sriov.example.com/version",
      "sriov.example.com/pciPfPciAddress",
    ]);
    validateDeviceAttributes(attributes);
  });

  it("stdin, and what does not fit is reported on stderr, never truncated", () => {
    const long = `/run/vhost/${"x".repeat(60)}.sock`;
    const run = devinfo(["attributes", "-", "--json"], {
      input: JSON.stringify({ type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: long } }),
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      "deviceinfo.k8s.cni.cncf.io/type": { string: "vhost-user" },
      "deviceinfo.k8s.cni.cncf.io/version": { version: "1.1.0" },
      "deviceinfo.k8s.cni.cncf.io/vhostUserMode": { string: "client" },
    });
    expect(run.stderr).toMatch(/^warning: <stdin>: \$\['vhost-user'\]\['path'\]: .* is 76 bytes, over the API's 64-byte limit/);
  });

  it.each([
    { what: "no file", args: ["attributes", "/nonexistent/info.json"], code: 1, message: /ERR_DEVINFO_NOT_FOUND|no device-info file/ },
    { what: "a bad domain", args: ["attributes", "-", "--domain", "Not A Domain"], code: 2, message: /--domain/ },
    { what: "no argument", args: ["attributes"], code: 2, message: /needs a NAME/ },
  ])("$what: exit $code", ({ args, code, message }) => {
    const run = devinfo(args, { input: PCI });
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
  });

  it("is listed in the overview", () => {
    expect(devinfo(["--help"]).stdout).toMatch(/attributes\s+Print the ResourceSlice device attributes/);
    expect(fs.existsSync(path.join(REPO_ROOT, "src", "cli", "attributes.ts"))).toBe(true);
  });
});
