import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { StatusEntry } from "../../src/cli/status.js";
import { devinfo, put, REPO_ROOT, useTempDir } from "./_helpers.js";

const FIXTURE = path.join(REPO_ROOT, "fixtures/downward-api/multus-sriov.annotations");
const VALUE = (
  JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "fixtures/downward-api/multus-sriov.map.json"), "utf8")) as Record<string, string>
)["k8s.v1.cni.cncf.io/network-status"] as string;

function rows(stdout: string): string[][] {
  return stdout
    .trimEnd()
    .split("\n")
    .map((l) => l.split(/ {3,}/));
}

describe("devinfo status", () => {
  const tmp = useTempDir();

  it("a Downward API annotations file: one row per interface with its device-info", () => {
    const run = devinfo(["status", FIXTURE]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(rows(run.stdout)).toEqual([
      ["INTERFACE", "NETWORK", "IPS", "MAC", "TYPE", "DEVICE"],
      ["eth0 (default)", "cbr0", "10.244.1.5", "0a:58:0a:f4:01:05", "-", "-"],
      ["net1", "default/sriov-net1", "192.168.10.5", "ca:fe:c0:ff:ee:01", "pci", "0000:af:06.0"],
    ]);
  });

  it("--json: every entry with the same keys, deviceInfo null when absent", () => {
    const entries = JSON.parse(devinfo(["status", FIXTURE, "--json"]).stdout) as StatusEntry[];
    expect(entries).toEqual([
      { network: "cbr0", interface: "eth0", default: true, ips: ["10.244.1.5"], mac: "0a:58:0a:f4:01:05", deviceInfo: null },
      {
        network: "default/sriov-net1",
        interface: "net1",
        default: false,
        ips: ["192.168.10.5"],
        mac: "ca:fe:c0:ff:ee:01",
        deviceInfo: {
          type: "pci",
          version: "1.1.0",
          pci: { "pci-address": "0000:af:06.0", "pf-pci-address": "0000:af:00.0", "representor-device": "pf0vf0" },
        },
      },
    ]);
  });

  it.each([
    { args: ["--interface", "net1"], interfaces: ["net1"] },
    { args: ["--network", "sriov-net1"], interfaces: ["net1"] },
    { args: ["--network", "default/sriov-net1"], interfaces: ["net1"] },
    { args: ["--network", "other/sriov-net1"], interfaces: [] },
    { args: ["--network", "cbr0", "--interface", "eth0"], interfaces: ["eth0"] },
  ])("filters: $args", ({ args, interfaces }) => {
    const run = devinfo(["status", FIXTURE, "--json", ...args]);
    expect((JSON.parse(run.stdout) as StatusEntry[]).map((e) => e.interface)).toEqual(interfaces);
    if (interfaces.length === 0) expect(devinfo(["status", FIXTURE, ...args]).code).toBe(1);
  });

  it.each([
    { what: "an annotations file", input: () => fs.readFileSync(FIXTURE, "utf8") },
    { what: "the annotation's value", input: () => VALUE },
  ])("stdin (-) holding $what", ({ input }) => {
    const run = devinfo(["status", "-", "--json"], { input: input() });
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as StatusEntry[]).map((e) => e.interface)).toEqual(["eth0", "net1"]);
  });

  it.each([
    { args: ["--network", "nope"], message: "No interface matches --network nope.\n" },
    { args: ["--interface", "net9"], message: "No interface matches --interface net9.\n" },
    { args: ["--network", "cbr0", "--interface", "net1"], message: "No interface matches --network cbr0 and --interface net1.\n" },
  ])("no match names only the selectors given: $args", ({ args, message }) => {
    expect(devinfo(["status", FIXTURE, ...args])).toEqual({ code: 1, stdout: "", stderr: message });
  });

  it.each([
    { input: "garbage", message: /^devinfo: <stdin>: line 1, column 1: no '=' after the key/ },
    { input: "[{", message: /^devinfo: <stdin>: / },
    { input: 'a="b"', message: /^devinfo: <stdin>: it holds neither a network-status value/ },
  ])("a bad stdin is named <stdin>, as a file is named by its path: $input", ({ input, message }) => {
    const run = devinfo(["status", "-"], { input });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  it("a file that holds only the value (fieldPath metadata.annotations['...'])", () => {
    const file = put(tmp.join("network-status"), VALUE);
    expect(rows(devinfo(["status", file]).stdout)).toHaveLength(3);
  });

  it("deviations are warnings on stderr, errors with --strict", () => {
    const file = put(
      tmp.join("ns"),
      '[{"name":"n","interface":"net1","device-info":{"type":"pci","version":"v1.1.0","pci":{"pci-address":"0000:af:06.0"}}}]',
    );
    const lenient = devinfo(["status", file]);
    expect(lenient.code).toBe(0);
    expect(lenient.stderr).toMatch(/^warning: .*ns: \$\[0\]\['device-info'\]\['version'\]: /);
    const strict = devinfo(["status", file, "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^devinfo: /);
  });

  it.each([
    { what: "a missing file", args: (d: string) => [path.join(d, "nope")], message: /does not exist: mount a Downward API volume there/ },
    {
      what: "no network-status annotation",
      args: () => [path.join(REPO_ROOT, "fixtures/downward-api/no-network-status.annotations")],
      message: /holds no k8s\.v1\.cni\.cncf\.io\/network-status annotation/,
    },
  ])("$what: exit 1 with advice", ({ args, message }) => {
    const run = devinfo(["status", ...args(tmp.path)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });
});
