import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { StatusEntry } from "../../src/cli/status.js";
import { devinfo, put, REPO_ROOT, useTempDir } from "./_helpers.js";

const METADATA = fs.readFileSync(path.join(REPO_ROOT, "fixtures", "dra", "metadata", "sriov-gen2-network.json"), "utf8");
const FILE = "sriovnetwork.k8snetworkplumbingwg.io-metadata.json";
const NET1 = {
  network: "tenant-a/pod-1-nic",
  interface: "net1",
  default: false,
  ips: ["10.56.217.10", "2001:db8:56::a"],
  mac: "9a:4e:1b:22:0c:3d",
  deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3", "pf-pci-address": "0000:af:00.0" } },
};

describe("devinfo status: DRA device metadata files", () => {
  const tmp = useTempDir();

  it("one metadata file: its devices as the annotation's rows", () => {
    const file = put(tmp.join("resourceclaims", "pod-1-nic", "nic", FILE), METADATA);
    const run = devinfo(["status", file, "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout) as StatusEntry[]).toEqual([NET1]);
    const table = devinfo(["status", file]);
    expect(table.stdout).toMatch(/net1\s+tenant-a\/pod-1-nic\s+10\.56\.217\.10,2001:db8:56::a\s+9a:4e:1b:22:0c:3d\s+pci\s+0000:af:06\.3/);
  });

  it("a mount root: every metadata file under it, both layouts, filtered like the annotation", () => {
    put(tmp.join("resourceclaims", "pod-1-nic", "nic", FILE), METADATA);
    put(tmp.join("resourceclaimtemplates", "nic2", "nic", FILE), METADATA.replace('"net1"', '"net2"'));
    const run = devinfo(["status", tmp.path, "--json"]);
    expect((JSON.parse(run.stdout) as StatusEntry[]).map((e) => e.interface)).toEqual(["net1", "net2"]);
    expect(
      (JSON.parse(devinfo(["status", tmp.path, "--json", "--interface", "net2"]).stdout) as StatusEntry[]).map((e) => e.interface),
    ).toEqual(["net2"]);
  });

  it("a malformed metadata file: exit 1 with the reason", () => {
    const file = put(tmp.join("x", "r", "d-metadata.json"), '{"kind":"DeviceMetadata"}');
    const run = devinfo(["status", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/apiVersion/);
  });
});
