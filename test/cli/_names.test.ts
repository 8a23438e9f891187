import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  classifyName,
  findLiveContainer,
  isLiveDevice,
  lockFilePid,
  matchesResource,
  parseCNIName,
  parseContainerList,
  parseDeviceList,
  parseDuration,
  splitDPName,
  tempFilePid,
} from "../../src/cli/_names.js";
import { getCNIDeviceInfoPath, getDPDeviceInfoPath } from "../../src/files/paths.js";
import { getCNIDeviceInfoFileName } from "../../src/roles/meta-plugin.js";

const SEED = 20_240_611;
const ID = "3f9a1c0d2e4b5a6978695a4b3c2d1e0f3f9a1c0d2e4b5a6978695a4b3c2d1e0f";

/** The file name the meta-plugin helpers (and Multus) give an attachment. */
async function cniFileName(network: string, containerID: string, ifName: string): Promise<string> {
  const name = await getCNIDeviceInfoFileName({ network, containerID, ifName });
  return getCNIDeviceInfoPath(name).split("/").at(-1) ?? "";
}

describe("CNI file names back to container IDs", () => {
  it.each([
    { network: "default/sriov-net1", ifName: "net1" },
    { network: "kube-system/my_net-a_b", ifName: "net_1-a" },
    { network: "n", ifName: "eth0" },
    { network: "ns/a-b-c", ifName: "x_y_z" },
  ])("finds the container of $network / $ifName in the name the meta-plugin builds", async ({ network, ifName }) => {
    const name = await cniFileName(network, ID, ifName);
    expect(findLiveContainer(name, new Set([ID]))).toEqual({ live: true, containerID: ID });
    expect(findLiveContainer(name, new Set(["0".repeat(64)]))).toEqual({ live: false, containerID: ID });
    expect(parseCNIName(name)).toEqual({ network: network.replaceAll("/", "-"), containerID: ID, interface: ifName });
  });

  it("short, non-hex container IDs (CNI allows them) are found by the live set", async () => {
    const name = await cniFileName("default/net", "pod_1.a-b", "net1");
    expect(findLiveContainer(name, new Set(["pod_1.a-b"]))?.live).toBe(true);
    expect(findLiveContainer(name, new Set(["pod_1"]))?.live).toBe(false);
    expect(parseCNIName(name)).toBeUndefined();
  });

  it("the meta-plugin's fallback name (devinfo-<uuid>) says nothing about its owner", async () => {
    const name = await cniFileName(`ns/${"n".repeat(200)}`, ID, "net1");
    expect(name).toMatch(/^devinfo-[0-9a-f-]{36}$/);
    expect(findLiveContainer(name, new Set([ID]))).toBeUndefined();
  });

  it.each(["plainname", "only-dashes-here", "only_underscores_here", "x_before-dash"])("%s is not judged", (name) => {
    expect(findLiveContainer(name, new Set(["here", "dashes", "underscores"]))).toBeUndefined();
  });

  it("property: the live ID is always found; IDs absent from the name never match", async () => {
    const part = fc.string({ unit: fc.constantFrom(..."abcxyz-_./0123"), minLength: 1, maxLength: 12 });
    const id = fc
      .string({ unit: fc.constantFrom(..."0123456789abcdef_.-"), minLength: 1, maxLength: 64 })
      .filter((s) => /^[0-9a-f]/.test(s));
    await fc.assert(
      fc.asyncProperty(part, id, part, fc.array(id, { maxLength: 5 }), async (network, containerID, ifName, others) => {
        const name = await cniFileName(network, containerID, ifName);
        if (!name.startsWith("devinfo-")) expect(findLiveContainer(name, new Set([...others, containerID]))?.live).toBe(true);
        const absent = others.filter((o) => !name.includes(o));
        expect(findLiveContainer(name, new Set(absent))?.live ?? false).toBe(false);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("device plugin file names", () => {
  it.each([
    { resource: "intel.com/sriov", device: "0000:af:06.0", hints: [], split: { resource: "intel.com-sriov", device: "0000:af:06.0" } },
    { resource: "a/b-c", device: "0000:18:02.5", hints: [], split: { resource: "a-b-c", device: "0000:18:02.5" } },
    { resource: "example.com/vdpa", device: "vdpa-0", hints: ["vdpa-0"], split: { resource: "example.com-vdpa", device: "vdpa-0" } },
    { resource: "example.com/vdpa", device: "vdpa-0", hints: [], split: undefined },
  ])("$resource + $device (hints $hints)", ({ resource, device, hints, split }) => {
    const name = getDPDeviceInfoPath(resource, device).split("/").at(-1) ?? "";
    expect(splitDPName(name, hints)).toEqual(split);
  });

  it("live device lists match by device ID or by resource and device", () => {
    const name = getDPDeviceInfoPath("intel.com/sriov", "0000:af:06.0").split("/").at(-1) ?? "";
    const { list, bad } = parseDeviceList("# devices\n0000:af:06.1\nintel.com/other 0000:af:06.0\n\n");
    expect(bad).toEqual([]);
    expect(isLiveDevice(name, list)).toBe(false);
    expect(isLiveDevice(name, parseDeviceList("0000:af:06.0").list)).toBe(true);
    expect(isLiveDevice(name, parseDeviceList("intel.com/sriov 0000:af:06.0").list)).toBe(true);
    expect(isLiveDevice(name, parseDeviceList("06.0").list)).toBe(false);
    expect(parseDeviceList("a b c").bad).toEqual(["a b c"]);
    expect(matchesResource(name, ["intel.com/sriov"])).toBe(true);
    expect(matchesResource(name, ["intel.com/sri"])).toBe(false);
  });

  it.each([
    { resource: "intel.com/sriov-dpdk", device: "0000:af:06.0", of: "intel.com/sriov", claimed: false },
    { resource: "intel.com/sriov", device: "dpdk-0000:af:06.0", of: "intel.com/sriov", claimed: false },
    { resource: "intel.com/sriov-dpdk", device: "0000:af:06.0", of: "intel.com/sriov-dpdk", claimed: true },
    { resource: "example.com/vdpa", device: "vdpa0", of: "example.com/vdpa", claimed: true },
    { resource: "example.com/vdpa", device: "vdpa-0", of: "example.com/vdpa", claimed: false },
  ])("--resource $of claims $resource + $device: $claimed (ambiguous names are never claimed)", ({ resource, device, of, claimed }) => {
    const name = getDPDeviceInfoPath(resource, device).split("/").at(-1) ?? "";
    expect(matchesResource(name, [of])).toBe(claimed);
  });
});

describe("temporary and lock files", () => {
  it.each([
    { dir: "dp", name: ".devinfo-tmp-123-abc", kind: "temp" },
    { dir: "cni", name: ".devinfo-lock-0123456789abcdef", kind: "lock" },
    { dir: "dp", name: "a-b-device.json", kind: "device-info" },
    { dir: "dp", name: "-device.json", kind: "other" },
    { dir: "dp", name: "notes.txt", kind: "other" },
    { dir: "cni", name: "anything", kind: "device-info" },
  ] as const)("$dir/$name is $kind", ({ dir, name, kind }) => {
    expect(classifyName(dir, name)).toBe(kind);
  });

  it.each([
    [".devinfo-tmp-4242-1a2b", 4242],
    [".devinfo-tmp-0-1a2b", undefined],
    [".devinfo-tmp-x-1a2b", undefined],
    [".devinfo-tmp-4242", undefined],
  ])("%s records pid %s", (name, pid) => {
    expect(tempFilePid(name)).toBe(pid);
  });

  it.each([
    ["4242\n", 4242],
    ["", undefined],
    ["42x\n", undefined],
  ])("lock content %j records pid %s", (content, pid) => {
    expect(lockFilePid(content)).toBe(pid);
  });
});

describe("lists and durations", () => {
  it("container lists: crictl output, commas, comments; bad tokens reported", () => {
    expect(parseContainerList(`${ID}\nabc, def # comment\n\n`)).toEqual({ ids: new Set([ID, "abc", "def"]), bad: [] });
    expect(parseContainerList("ok -bad\n").bad).toEqual(["-bad"]);
  });

  it.each([
    ["0", 0],
    ["0s", 0],
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h30m", 5_400_000],
    ["500ms", 500],
    ["7d", 604_800_000],
    ["1.5h", 5_400_000],
    ["10", undefined],
    ["m", undefined],
    ["-1s", undefined],
    ["1 h", undefined],
  ])("%s is %s ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
});
