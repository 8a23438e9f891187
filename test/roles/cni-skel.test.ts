import { describe, expect, it } from "vitest";
import { DeviceInfoError } from "../../src/index.js";
import { CNIError, type CNIPlugin, type CNIPluginArgs, pluginMain } from "../../src/roles/cni-skel.js";

const ENV = { CNI_CONTAINERID: "abc", CNI_NETNS: "/var/run/netns/x", CNI_IFNAME: "net1", CNI_PATH: "/opt/cni/bin", CNI_ARGS: "K=V" };
const CONF = { cniVersion: "1.0.0", name: "net", type: "t", runtimeConfig: { CNIDeviceInfoFile: "/run/devinfo/cni/net-abc_net1" } };

async function run(plugin: CNIPlugin, env: Record<string, string>, stdin: unknown) {
  let out = "";
  const bytes = typeof stdin === "string" ? stdin : JSON.stringify(stdin);
  const code = await pluginMain(plugin, { env, stdin: new TextEncoder().encode(bytes), stdout: (text) => (out += text) });
  return { code, out: out === "" ? undefined : JSON.parse(out) };
}

function recorder() {
  const calls: CNIPluginArgs[] = [];
  const plugin: CNIPlugin = {
    add: (args) => {
      calls.push(args);
      return { interfaces: [{ name: args.ifName }] };
    },
    del: (args) => {
      calls.push(args);
    },
    check: (args) => {
      calls.push(args);
    },
  };
  return { calls, plugin };
}

describe("pluginMain", () => {
  it("runs ADD with the environment and stdin, and prints the result with the config's cniVersion", async () => {
    const { calls, plugin } = recorder();
    expect(await run(plugin, { ...ENV, CNI_COMMAND: "ADD" }, CONF)).toEqual({
      code: 0,
      out: { cniVersion: "1.0.0", interfaces: [{ name: "net1" }] },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      command: "ADD",
      containerID: "abc",
      netns: "/var/run/netns/x",
      ifName: "net1",
      args: "K=V",
      path: "/opt/cni/bin",
      netConf: CONF,
      cniDeviceInfoFile: "/run/devinfo/cni/net-abc_net1",
    });
  });

  it.each(["DEL", "CHECK"])("runs %s and prints nothing", async (command) => {
    const { calls, plugin } = recorder();
    expect(await run(plugin, { ...ENV, CNI_COMMAND: command }, CONF)).toEqual({ code: 0, out: undefined });
    expect(calls.map((c) => c.command)).toEqual([command]);
  });

  it("accepts DEL without CNI_NETNS and CHECK without a check function", async () => {
    const { CNI_NETNS: _, ...noNetns } = ENV;
    expect(await run(recorder().plugin, { ...noNetns, CNI_COMMAND: "DEL" }, CONF)).toEqual({ code: 0, out: undefined });
    expect(await run({ add: () => ({}), del: () => {} }, { ...ENV, CNI_COMMAND: "CHECK" }, CONF)).toEqual({ code: 0, out: undefined });
  });

  it.each([
    ['{"cniVersion":"0.4.0"}', "0.4.0"],
    ['{"cniVersion":"9.9.9"}', "1.0.0"],
    ["", "1.0.0"],
  ])("answers VERSION for stdin %j", async (stdin, cniVersion) => {
    expect(await run(recorder().plugin, { CNI_COMMAND: "VERSION" }, stdin)).toEqual({
      code: 0,
      out: { cniVersion, supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] },
    });
  });

  it.each([
    ["no CNI_COMMAND", {}, CONF, 4, "required env variables [CNI_COMMAND] missing"],
    ["an unknown command", { ...ENV, CNI_COMMAND: "GC" }, CONF, 4, "unknown CNI_COMMAND: GC"],
    [
      "ADD without its variables",
      { CNI_COMMAND: "ADD" },
      CONF,
      4,
      "required env variables [CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI_PATH] missing",
    ],
    ["stdin that is not JSON", { ...ENV, CNI_COMMAND: "ADD" }, "{", 6, expect.stringContaining("decoding failure")],
    ["stdin that is not an object", { ...ENV, CNI_COMMAND: "ADD" }, "[]", 6, expect.stringContaining("must be an object")],
    [
      "an unsupported version",
      { ...ENV, CNI_COMMAND: "ADD" },
      { ...CONF, cniVersion: "2.0.0" },
      1,
      expect.stringContaining("incompatible CNI versions"),
    ],
    ["no version", { ...ENV, CNI_COMMAND: "ADD" }, { name: "n", type: "t" }, 1, expect.stringContaining("incompatible CNI versions")],
    ["no name", { ...ENV, CNI_COMMAND: "ADD" }, { cniVersion: "1.0.0", type: "t" }, 7, "invalid network configuration"],
    ["a bad prevResult", { ...ENV, CNI_COMMAND: "ADD" }, { ...CONF, prevResult: [] }, 7, "invalid network configuration"],
    [
      "a bad CNIDeviceInfoFile",
      { ...ENV, CNI_COMMAND: "ADD" },
      { ...CONF, runtimeConfig: { CNIDeviceInfoFile: 1 } },
      7,
      "invalid network configuration",
    ],
  ])("prints a CNI error for %s", async (_what, env, stdin, code, msg) => {
    const { calls, plugin } = recorder();
    const out = await run(plugin, env as Record<string, string>, stdin);
    expect(out).toEqual({ code: 1, out: expect.objectContaining({ code, msg }) });
    expect(out.out.cniVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(calls).toEqual([]);
  });

  it.each([
    [
      "a CNIError",
      new CNIError(110, "socket directory missing", "create /x"),
      { code: 110, msg: "socket directory missing", details: "create /x" },
    ],
    [
      "a DeviceInfoError about I/O",
      new DeviceInfoError("ERR_DEVINFO_IO", "cannot write /f", { path: "/f" }),
      { code: 5, msg: "cannot write /f", details: "ERR_DEVINFO_IO /f" },
    ],
    ["another DeviceInfoError", new DeviceInfoError("ERR_DEVINFO_PARSE", "bad"), { code: 100, msg: "bad", details: "ERR_DEVINFO_PARSE" }],
    ["anything else", new TypeError("oops"), { code: 999, msg: "oops" }],
    ["a thrown string", "plain", { code: 999, msg: "plain" }],
  ])("reports %s thrown by the plugin", async (_what, error, expected) => {
    const plugin: CNIPlugin = {
      add: () => {
        throw error;
      },
      del: async () => {
        throw error;
      },
    };
    for (const command of ["ADD", "DEL"]) {
      expect(await run(plugin, { ...ENV, CNI_COMMAND: command }, CONF)).toEqual({ code: 1, out: { cniVersion: "1.0.0", ...expected } });
    }
  });

  it("honours the plugin's supported versions", async () => {
    const plugin = { ...recorder().plugin, supportedVersions: ["0.4.0"] };
    expect((await run(plugin, { ...ENV, CNI_COMMAND: "ADD" }, CONF)).out).toMatchObject({ code: 1, cniVersion: "0.4.0" });
    expect((await run(plugin, { ...ENV, CNI_COMMAND: "ADD" }, { ...CONF, cniVersion: "0.4.0" })).out).toMatchObject({
      cniVersion: "0.4.0",
    });
  });
});
