import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Another copy of the package (the built bundle), as a plugin with nested node_modules would load it.
import * as otherCopy from "../../dist/index.js";
import { DeviceInfoError } from "../../src/index.js";
import {
  CNI_ERROR,
  CNIError,
  type CNIPlugin,
  type CNIPluginArgs,
  DEFAULT_MAX_STDIN_BYTES,
  isCNIError,
  pluginMain,
} from "../../src/roles/cni-skel.js";
import { flood } from "../helpers/flood.js";

const ROOT = path.join(import.meta.dirname, "../..");
const ALL_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

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

  // Go decodes "" as a string and its plugins read it as no file: never a failed ADD, nor a DEL blocking teardown.
  it.each(["ADD", "DEL", "CHECK"])('runs %s with runtimeConfig.CNIDeviceInfoFile "" as no device-info file', async (command) => {
    const { calls, plugin } = recorder();
    const out = await run(plugin, { ...ENV, CNI_COMMAND: command }, { ...CONF, runtimeConfig: { CNIDeviceInfoFile: "" } });
    expect(out.code).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ command, cniDeviceInfoFile: undefined });
  });

  // Runtimes log and show msg as one line: the first line is msg, the others go before details.
  it.each<[string, () => never, { code: number; msg: string; details?: string }]>([
    [
      "an Error over several lines",
      () => {
        throw new Error("first line\n  second\nthird");
      },
      { code: 999, msg: "first line", details: "second\nthird" },
    ],
    [
      "a CNIError over several lines, with details",
      () => {
        throw new CNIError(11, "try again\nlater", "busy");
      },
      { code: 11, msg: "try again", details: "later\nbusy" },
    ],
    [
      "a DeviceInfoError over several lines",
      () => {
        throw new DeviceInfoError("ERR_DEVINFO_INVALID", "bad\nfile", { path: "/p/f" });
      },
      { code: 100, msg: "bad", details: "file\nERR_DEVINFO_INVALID /p/f" },
    ],
  ])("prints a one-line msg for %s", async (_what, fail, expected) => {
    const out = await run({ add: fail, del: fail }, { ...ENV, CNI_COMMAND: "DEL" }, CONF);
    expect(out).toEqual({ code: 1, out: { cniVersion: "1.0.0", ...expected } });
  });

  it("accepts DEL without CNI_NETNS and CHECK without a check function", async () => {
    const { CNI_NETNS: _, ...noNetns } = ENV;
    expect(await run(recorder().plugin, { ...noNetns, CNI_COMMAND: "DEL" }, CONF)).toEqual({ code: 0, out: undefined });
    expect(await run({ add: () => ({}), del: () => {} }, { ...ENV, CNI_COMMAND: "CHECK" }, CONF)).toEqual({ code: 0, out: undefined });
  });

  it.each([
    ['{"cniVersion":"0.4.0"}', "0.4.0"],
    ['{"cniVersion":"9.9.9"}', "1.1.0"],
    ["", "1.1.0"],
  ])("answers VERSION for stdin %j with every version Go's version.All lists", async (stdin, cniVersion) => {
    expect(await run(recorder().plugin, { CNI_COMMAND: "VERSION" }, stdin)).toEqual({
      code: 0,
      out: { cniVersion, supportedVersions: ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] },
    });
  });

  it.each([
    ["no CNI_COMMAND", {}, CONF, 4, "required env variables [CNI_COMMAND] missing"],
    ["an unknown command", { ...ENV, CNI_COMMAND: "FOO" }, CONF, 4, "unknown CNI_COMMAND: FOO"],
    [
      "ADD without its variables",
      { CNI_COMMAND: "ADD" },
      CONF,
      4,
      "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing",
    ],
    ["GC without CNI_PATH", { CNI_COMMAND: "GC" }, { ...CONF, cniVersion: "1.1.0" }, 4, "required env variables [CNI_PATH] missing"],
    ["STATUS of a 1.0.0 network", { ...ENV, CNI_COMMAND: "STATUS" }, CONF, 1, "config version does not allow STATUS"],
    [
      "CHECK of a 0.3.1 network",
      { ...ENV, CNI_COMMAND: "CHECK" },
      { ...CONF, cniVersion: "0.3.1" },
      1,
      "config version does not allow CHECK",
    ],
    ["a malformed version", { ...ENV, CNI_COMMAND: "GC" }, { ...CONF, cniVersion: "one" }, 6, 'failed to convert major version part "one"'],
    [
      "a version with four parts",
      { ...ENV, CNI_COMMAND: "CHECK" },
      { ...CONF, cniVersion: "1.0.0.0" },
      6,
      'invalid version "1.0.0.0": too many parts',
    ],
    ["stdin that is not JSON", { ...ENV, CNI_COMMAND: "ADD" }, "{", 6, expect.stringMatching(/^error unmarshall network config: /)],
    ["empty stdin", { ...ENV, CNI_COMMAND: "ADD" }, "", 6, expect.stringMatching(/^error unmarshall network config: .*empty/)],
    [
      "stdin that is not an object",
      { ...ENV, CNI_COMMAND: "ADD" },
      "[]",
      6,
      "error unmarshall network config: the network configuration on stdin must be a JSON object, got an array",
    ],
    [
      "stdin that is JSON null (Go decodes it as an empty configuration)",
      { ...ENV, CNI_COMMAND: "ADD" },
      "null",
      7,
      "missing network name",
    ],
    [
      "an unsupported version",
      { ...ENV, CNI_COMMAND: "ADD" },
      { ...CONF, cniVersion: "2.0.0" },
      1,
      expect.stringContaining("incompatible CNI versions"),
    ],
    [
      "no version (0.1.0, as Go reads it) where the plugin does not speak 0.1.0",
      { ...ENV, CNI_COMMAND: "ADD" },
      { name: "n", type: "t" },
      1,
      "incompatible CNI versions",
    ],
    ["no name", { ...ENV, CNI_COMMAND: "ADD" }, { cniVersion: "1.0.0", type: "t" }, 7, "missing network name"],
    ["no type", { ...ENV, CNI_COMMAND: "ADD" }, { cniVersion: "1.0.0", name: "n" }, 7, "invalid network configuration"],
    [
      "a cniVersion that is not a string (Go's decoder fails)",
      { ...ENV, CNI_COMMAND: "ADD" },
      { ...CONF, cniVersion: 1 },
      6,
      expect.stringMatching(/^decoding version from network config: .*"cniVersion" must be a string, got a number 1$/),
    ],
    ["a bad prevResult", { ...ENV, CNI_COMMAND: "ADD" }, { ...CONF, prevResult: [] }, 7, "invalid network configuration"],
    [
      "a bad CNIDeviceInfoFile",
      { ...ENV, CNI_COMMAND: "ADD" },
      { ...CONF, runtimeConfig: { CNIDeviceInfoFile: 1 } },
      7,
      "invalid network configuration",
    ],
  ])("prints a CNI error for %s", async (_what, env, stdin, code, msg) => {
    const { calls, plugin: all } = recorder();
    const plugin = _what.startsWith("no version") ? { ...all, supportedVersions: ["1.0.0"] } : all;
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

  it("gives the handler the keys Go's decoder reads: case variants, the last non-null value, runtimeConfig as one object", async () => {
    const { calls, plugin } = recorder();
    const stdin = {
      CNIVersion: "1.0.0",
      name: "net",
      Type: "t",
      RuntimeConfig: { cnideviceinfofile: "/run/a" },
      runtimeConfig: { deviceID: "0000:af:06.0" },
      prevResult: { cniVersion: "1.0.0", interfaces: [{ name: "eth0" }] },
      PrevResult: null,
    };
    expect(await run(plugin, { ...ENV, CNI_COMMAND: "CHECK" }, stdin)).toEqual({ code: 0, out: undefined });
    expect(calls[0]?.cniDeviceInfoFile).toBe("/run/a");
    expect(calls[0]?.netConf).toMatchObject({
      cniVersion: "1.0.0",
      name: "net",
      type: "t",
      runtimeConfig: { cnideviceinfofile: "/run/a", deviceID: "0000:af:06.0" },
    });
    // prevResult is a Go map: a later null starts it over
    expect(calls[0]?.netConf.prevResult).toBeUndefined();
  });

  it("honours the plugin's supported versions", async () => {
    const plugin = { ...recorder().plugin, supportedVersions: ["0.4.0"] };
    expect((await run(plugin, { ...ENV, CNI_COMMAND: "ADD" }, CONF)).out).toMatchObject({ code: 1, cniVersion: "0.4.0" });
    expect((await run(plugin, { ...ENV, CNI_COMMAND: "ADD" }, { ...CONF, cniVersion: "0.4.0" })).out).toMatchObject({
      cniVersion: "0.4.0",
    });
  });
});

describe("pluginMain: CNI 1.1.0 verbs", () => {
  const V11 = { ...CONF, cniVersion: "1.1.0" };

  it("calls STATUS with only CNI_PATH set, and reports the plugin's CNIError (50: not available)", async () => {
    const calls: CNIPluginArgs[] = [];
    const plugin: CNIPlugin = {
      ...recorder().plugin,
      status: (args) => {
        calls.push(args);
        throw new CNIError(CNI_ERROR.PLUGIN_NOT_AVAILABLE, "no PF is up");
      },
    };
    expect(await run(plugin, { CNI_COMMAND: "STATUS", CNI_PATH: "/opt/cni/bin" }, V11)).toEqual({
      code: 1,
      out: { cniVersion: "1.1.0", code: 50, msg: "no PF is up" },
    });
    expect(calls).toMatchObject([{ command: "STATUS", containerID: "", netns: "", ifName: "", path: "/opt/cni/bin" }]);
  });

  it("passes cni.dev/valid-attachments to the GC handler", async () => {
    const calls: CNIPluginArgs[] = [];
    const plugin: CNIPlugin = { ...recorder().plugin, gc: (args) => void calls.push(args) };
    const valid = [
      { containerID: "c1", ifname: "net1" },
      { containerID: "c2", ifname: "net2" },
    ];
    expect(await run(plugin, { CNI_COMMAND: "GC", CNI_PATH: "/opt/cni/bin" }, { ...V11, "cni.dev/valid-attachments": valid })).toEqual({
      code: 0,
      out: undefined,
    });
    expect(calls.map((c) => c.validAttachments)).toEqual([valid]);
  });

  it("reads libcni's second spelling cni.dev/attachments, and gives an empty list when there is none", async () => {
    const seen: unknown[] = [];
    const plugin: CNIPlugin = { ...recorder().plugin, gc: (args) => void seen.push(args.validAttachments) };
    const valid = [{ containerID: "c1", ifname: "net1" }];
    await run(plugin, { CNI_COMMAND: "GC", CNI_PATH: "/p" }, { ...V11, "cni.dev/attachments": valid });
    await run(plugin, { CNI_COMMAND: "GC", CNI_PATH: "/p" }, V11);
    expect(seen).toEqual([valid, []]);
  });

  it("refuses malformed valid attachments with code 7", async () => {
    const plugin: CNIPlugin = { ...recorder().plugin, gc: () => {} };
    const out = await run(plugin, { CNI_COMMAND: "GC", CNI_PATH: "/p" }, { ...V11, "cni.dev/valid-attachments": [{ containerID: 1 }] });
    expect(out).toMatchObject({ code: 1, out: { code: 7, details: expect.stringContaining("cni.dev/valid-attachments") } });
  });

  it.each(["STATUS", "GC"])("answers %s without a handler as Go's skel does: success, no output", async (command) => {
    expect(await run(recorder().plugin, { CNI_COMMAND: command, CNI_PATH: "/p" }, V11)).toEqual({ code: 0, out: undefined });
  });

  it.each(["STATUS", "GC"])("refuses %s when the plugin speaks no version as new as the network's", async (command) => {
    const plugin = { ...recorder().plugin, supportedVersions: ["1.0.0"] };
    expect(await run(plugin, { CNI_COMMAND: command, CNI_PATH: "/p" }, V11)).toMatchObject({
      code: 1,
      out: { code: 1, msg: `plugin version does not allow ${command}` },
    });
  });

  it("recognises a CNIError of another copy of the package (by its brand, which instanceof uses too)", async () => {
    const foreign = new otherCopy.CNIError(120, "from the other copy", "d");
    expect(foreign).toBeInstanceOf(CNIError);
    expect(isCNIError(foreign)).toBe(true);
    const plugin: CNIPlugin = {
      add: () => {
        throw foreign;
      },
      del: () => {},
    };
    expect(await run(plugin, { ...ENV, CNI_COMMAND: "ADD" }, CONF)).toEqual({
      code: 1,
      out: { cniVersion: "1.0.0", code: 120, msg: "from the other copy", details: "d" },
    });
  });

  it.each<[string, unknown, unknown, string]>([
    ["no plugin", undefined, undefined, 'The "plugin" argument must be of type object. Received undefined'],
    ["a plugin without del", { add: () => ({}) }, undefined, 'The "plugin.del" property must be of type function. Received undefined'],
    [
      "a status that is not a function",
      { add: () => ({}), del: () => {}, status: 1 },
      undefined,
      'The "plugin.status" property must be of type function. Received type number (1)',
    ],
    ["null io", { add: () => ({}), del: () => {} }, null, 'The "io" argument must be of type object. Received null'],
    [
      "an environment value that is not a string",
      { add: () => ({}), del: () => {} },
      { env: { CNI_COMMAND: "ADD", CNI_IFNAME: 1 } },
      'The "io.env.CNI_IFNAME" property must be of type string. Received type number (1)',
    ],
  ])("rejects %s as misuse, printing nothing", async (_what, plugin, io, message) => {
    await expect(pluginMain(plugin as CNIPlugin, io as never)).rejects.toMatchObject({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
      message,
    });
  });
});

// Every verb at every version, through a real plugin executable built on the bundle.
describe("a plugin executable: every verb at every version", () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-skel-"));
    script = path.join(dir, "plugin.mjs");
    fs.writeFileSync(
      script,
      `import { pluginMain } from ${JSON.stringify(path.join(ROOT, "dist/index.js"))};
const log = (args) => process.stderr.write(JSON.stringify({ command: args.command, validAttachments: args.validAttachments }) + "\\n");
process.exitCode = await pluginMain({
  add: (args) => { log(args); return { interfaces: [{ name: args.ifName, sandbox: args.netns }] }; },
  del: log, check: log, status: log, gc: log,
});
`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function exec(command: string, version: string) {
    const r = spawnSync(process.execPath, [script], {
      input: JSON.stringify({
        cniVersion: version,
        name: "net",
        type: "t",
        "cni.dev/valid-attachments": [{ containerID: "c", ifname: "net1" }],
      }),
      env: { PATH: process.env.PATH, CNI_COMMAND: command, ...ENV },
      encoding: "utf8",
    });
    return {
      status: r.status,
      out: r.stdout === "" ? undefined : JSON.parse(r.stdout),
      calls: r.stderr
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l)),
    };
  }

  const since: Record<string, string> = { ADD: "0.1.0", DEL: "0.1.0", CHECK: "0.4.0", STATUS: "1.1.0", GC: "1.1.0" };
  const cases = Object.keys(since).flatMap((command) => ALL_VERSIONS.map((version) => [command, version] as const));
  const atLeast = (a: string, b: string) => ALL_VERSIONS.indexOf(a) >= ALL_VERSIONS.indexOf(b);

  it.each(cases)("%s at %s", (command, version) => {
    const r = exec(command, version);
    if (!atLeast(version, since[command] as string)) {
      expect(r).toEqual({ status: 1, out: { cniVersion: version, code: 1, msg: `config version does not allow ${command}` }, calls: [] });
      return;
    }
    expect(r.status).toBe(0);
    expect(r.out).toEqual(command === "ADD" ? { cniVersion: version, interfaces: [{ name: "net1", sandbox: ENV.CNI_NETNS }] } : undefined);
    expect(r.calls).toEqual([command === "GC" ? { command, validAttachments: [{ containerID: "c", ifname: "net1" }] } : { command }]);
  });

  it.each(ALL_VERSIONS)("VERSION at %s", (version) => {
    expect(exec("VERSION", version)).toEqual({ status: 0, out: { cniVersion: version, supportedVersions: ALL_VERSIONS }, calls: [] });
  });
});

// A runaway stdin: the skeleton stops at its cap (io.maxStdinBytes), as every reader of the package does.
describe("a plugin executable: stdin is read up to a cap", () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-skel-cap-"));
    script = path.join(dir, "plugin.mjs");
    fs.writeFileSync(
      script,
      `import { pluginMain } from ${JSON.stringify(path.join(ROOT, "dist/cni-plugin.js"))};
const max = process.env.MAX === undefined ? undefined : Number(process.env.MAX);
process.exitCode = await pluginMain({ add: () => ({}), del: () => {} }, max === undefined ? {} : { maxStdinBytes: max });
`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    { command: "ADD", max: undefined, limit: DEFAULT_MAX_STDIN_BYTES },
    { command: "VERSION", max: undefined, limit: DEFAULT_MAX_STDIN_BYTES },
    { command: "DEL", max: 1000, limit: 1000 },
  ])(
    "$command with 200 MiB offered (maxStdinBytes $max): code 5 naming the limit, exit 1, bounded memory",
    async ({ command, max, limit }) => {
      const env = { PATH: process.env.PATH, CNI_COMMAND: command, ...ENV, ...(max === undefined ? {} : { MAX: String(max) }) };
      const run = await flood(process.execPath, [script], '{"cniVersion":"1.0.0",', 200 * 1024 * 1024, env);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({
        cniVersion: "1.1.0",
        code: CNI_ERROR.IO_FAILURE,
        msg: `error reading from stdin: the network configuration is over the ${limit}-byte limit (io.maxStdinBytes of pluginMain)`,
      });
      expect(run.maxRssMiB).toBeLessThan(130);
    },
  );

  it("a configuration of exactly maxStdinBytes bytes is read", () => {
    const conf = JSON.stringify(CONF);
    const r = spawnSync(process.execPath, [script], {
      input: conf,
      env: { PATH: process.env.PATH, CNI_COMMAND: "ADD", ...ENV, MAX: String(Buffer.byteLength(conf)) },
      encoding: "utf8",
    });
    expect([r.status, JSON.parse(r.stdout)]).toEqual([0, { cniVersion: "1.0.0" }]);
  });

  it.each([
    ["a string", "1", "The \"io.maxStdinBytes\" property must be of type number. Received type string ('1')"],
    ["a negative number", -1, 'The value of "io.maxStdinBytes" is out of range. It must be >= 0 && <= 9007199254740991. Received -1'],
  ])("io.maxStdinBytes as %s is misuse", async (_what, max, message) => {
    await expect(pluginMain({ add: () => ({}), del: () => {} }, { maxStdinBytes: max as number })).rejects.toMatchObject({ message });
  });
});

// Go's skel (containernetworking/cni v1.3.0 pkg/skel and pkg/utils) checks the
// environment and the network's name before any handler runs: through a real
// plugin executable, each refusal with Go's code and message, and no handler call.
describe("a plugin executable: Go's skel checks before any handler", () => {
  let dir: string;
  let script: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-skel-checks-"));
    script = path.join(dir, "plugin.mjs");
    fs.writeFileSync(
      script,
      `import { pluginMain } from ${JSON.stringify(path.join(ROOT, "dist/cni-plugin.js"))};
const log = (args) => process.stderr.write(JSON.stringify({ command: args.command, containerID: args.containerID, ifName: args.ifName, netns: args.netns, name: args.netConf.name, cniVersion: args.netConf.cniVersion }) + "\\n");
// RESULT: what ADD returns, as a JavaScript expression of args (the handler's mistakes).
const result = process.env.RESULT === undefined ? undefined : new Function("args", "return " + process.env.RESULT);
process.exitCode = await pluginMain({
  add: (args) => { log(args); return result === undefined ? { interfaces: [{ name: args.ifName, sandbox: args.netns }] } : result(args); },
  del: log, check: log, status: log, gc: log,
});
`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function exec(env: Record<string, string | undefined>, conf: unknown) {
    const full: Record<string, string> = { PATH: process.env.PATH ?? "" };
    for (const [key, value] of Object.entries(env)) if (value !== undefined) full[key] = value;
    const r = spawnSync(process.execPath, [script], {
      input: typeof conf === "string" ? conf : JSON.stringify(conf),
      env: full,
      encoding: "utf8",
    });
    return {
      status: r.status,
      out: r.stdout === "" ? undefined : JSON.parse(r.stdout),
      calls: r.stderr
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l)),
    };
  }

  const ADD = { ...ENV, CNI_COMMAND: "ADD" };
  const IFNAME_CHARS = "interface name contains / or : or whitespace characters";
  const BAD_ID = "invalid characters in containerID";
  const BAD_NAME = "invalid characters found in network name";

  it.each<[string, Record<string, string | undefined>, unknown, { code: number; msg: string; details?: string }]>([
    // CNI_IFNAME (utils.ValidateInterfaceName)
    ["CNI_IFNAME ../../x", { ...ADD, CNI_IFNAME: "../../x" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    ["CNI_IFNAME ..", { ...ADD, CNI_IFNAME: ".." }, CONF, { code: 4, msg: "interface name is . or .." }],
    ["CNI_IFNAME .", { ...ADD, CNI_IFNAME: "." }, CONF, { code: 4, msg: "interface name is . or .." }],
    ["CNI_IFNAME a/b", { ...ADD, CNI_IFNAME: "a/b" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    ["CNI_IFNAME /../../escaped", { ...ADD, CNI_IFNAME: "/../../escaped" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    [
      "a 16-byte CNI_IFNAME",
      { ...ADD, CNI_IFNAME: "abcdefghijklmnop" },
      CONF,
      { code: 4, msg: "interface name is too long", details: "interface name should be less than 16 characters" },
    ],
    [
      "a CNI_IFNAME of 8 characters and 16 bytes (Go counts bytes)",
      { ...ADD, CNI_IFNAME: "éééééééé" },
      CONF,
      { code: 4, msg: "interface name is too long", details: "interface name should be less than 16 characters" },
    ],
    ["a CNI_IFNAME with a space", { ...ADD, CNI_IFNAME: "net 1" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    ["a CNI_IFNAME with a tab", { ...ADD, CNI_IFNAME: "net\t1" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    ["a CNI_IFNAME with a colon (an alias)", { ...ADD, CNI_IFNAME: "eth0:1" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    [
      "a CNI_IFNAME with U+0085 (white space for Go, not for JavaScript's \\s)",
      { ...ADD, CNI_IFNAME: "net\u00851" },
      CONF,
      { code: 4, msg: IFNAME_CHARS },
    ],
    ["a CNI_IFNAME with a no-break space", { ...ADD, CNI_IFNAME: "net\u00a01" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    ["a CNI_IFNAME with an ideographic space", { ...ADD, CNI_IFNAME: "n\u3000" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    ["a bad CNI_IFNAME on DEL", { ...ENV, CNI_COMMAND: "DEL", CNI_IFNAME: "../x" }, CONF, { code: 4, msg: IFNAME_CHARS }],
    ["a bad CNI_IFNAME on CHECK", { ...ENV, CNI_COMMAND: "CHECK", CNI_IFNAME: ".." }, CONF, { code: 4, msg: "interface name is . or .." }],
    // CNI_CONTAINERID (utils.ValidateContainerID)
    ["CNI_CONTAINERID ../../etc", { ...ADD, CNI_CONTAINERID: "../../etc" }, CONF, { code: 4, msg: BAD_ID, details: "../../etc" }],
    ["CNI_CONTAINERID c0ffee:0123", { ...ADD, CNI_CONTAINERID: "c0ffee:0123" }, CONF, { code: 4, msg: BAD_ID, details: "c0ffee:0123" }],
    ["a CNI_CONTAINERID starting with _", { ...ADD, CNI_CONTAINERID: "_abc" }, CONF, { code: 4, msg: BAD_ID, details: "_abc" }],
    ["a CNI_CONTAINERID starting with .", { ...ADD, CNI_CONTAINERID: ".abc" }, CONF, { code: 4, msg: BAD_ID, details: ".abc" }],
    ["a CNI_CONTAINERID with a slash", { ...ADD, CNI_CONTAINERID: "abc/def" }, CONF, { code: 4, msg: BAD_ID, details: "abc/def" }],
    ["a CNI_CONTAINERID with a space", { ...ADD, CNI_CONTAINERID: "abc def" }, CONF, { code: 4, msg: BAD_ID, details: "abc def" }],
    ["a CNI_CONTAINERID with a non-ASCII letter", { ...ADD, CNI_CONTAINERID: "abcé" }, CONF, { code: 4, msg: BAD_ID, details: "abcé" }],
    ["a CNI_CONTAINERID ending in a newline", { ...ADD, CNI_CONTAINERID: "abc\n" }, CONF, { code: 4, msg: BAD_ID, details: "abc\n" }],
    [
      "a bad CNI_CONTAINERID on DEL",
      { ...ENV, CNI_COMMAND: "DEL", CNI_CONTAINERID: "../x" },
      CONF,
      { code: 4, msg: BAD_ID, details: "../x" },
    ],
    // Go's order: each variable in turn, a failed check returned at once, before the missing ones
    [
      "a bad CNI_CONTAINERID and a bad CNI_IFNAME: the container ID first",
      { ...ADD, CNI_CONTAINERID: "a:b", CNI_IFNAME: ".." },
      CONF,
      { code: 4, msg: BAD_ID, details: "a:b" },
    ],
    [
      "no CNI_CONTAINERID and a bad CNI_IFNAME: the check before the missing variable",
      { ...ADD, CNI_CONTAINERID: undefined, CNI_IFNAME: "a/b" },
      CONF,
      { code: 4, msg: IFNAME_CHARS },
    ],
    [
      "no CNI_IFNAME and no CNI_PATH on DEL",
      { ...ENV, CNI_COMMAND: "DEL", CNI_IFNAME: undefined, CNI_PATH: undefined, CNI_NETNS: undefined },
      CONF,
      { code: 4, msg: "required env variables [CNI_IFNAME,CNI_PATH] missing" },
    ],
    [
      "CHECK without CNI_NETNS",
      { ...ENV, CNI_COMMAND: "CHECK", CNI_NETNS: undefined },
      CONF,
      { code: 4, msg: "required env variables [CNI_NETNS] missing" },
    ],
    [
      "STATUS without CNI_PATH",
      { CNI_COMMAND: "STATUS" },
      { ...CONF, cniVersion: "1.1.0" },
      { code: 4, msg: "required env variables [CNI_PATH] missing" },
    ],
    // The network's name (skel validateConfig, utils.ValidateNetworkName)
    [
      "the network name default/sriov-net1",
      ADD,
      { ...CONF, name: "default/sriov-net1" },
      { code: 7, msg: BAD_NAME, details: "default/sriov-net1" },
    ],
    ['the network name ""', ADD, { ...CONF, name: "" }, { code: 7, msg: "missing network name" }],
    ["no network name", ADD, { cniVersion: "1.0.0", type: "t" }, { code: 7, msg: "missing network name" }],
    ["a null network name", ADD, { ...CONF, name: null }, { code: 7, msg: "missing network name" }],
    ["the network name ..", ADD, { ...CONF, name: ".." }, { code: 7, msg: BAD_NAME, details: ".." }],
    ["a network name with a colon", ADD, { ...CONF, name: "net:1" }, { code: 7, msg: BAD_NAME, details: "net:1" }],
    [
      "a network name that is a case variant, and wrong (Go reads the last one)",
      ADD,
      { ...CONF, NAME: "../x" },
      { code: 7, msg: BAD_NAME, details: "../x" },
    ],
    [
      "a network name that is not a string",
      ADD,
      { ...CONF, name: 5 },
      { code: 6, msg: 'error unmarshall network config: the network configuration: "name" must be a string, got a number 5' },
    ],
    ["a bad network name on DEL", { ...ENV, CNI_COMMAND: "DEL" }, { ...CONF, name: "a/b" }, { code: 7, msg: BAD_NAME, details: "a/b" }],
    [
      "a bad network name on GC",
      { CNI_COMMAND: "GC", CNI_PATH: "/p" },
      { ...CONF, cniVersion: "1.1.0", name: "a b" },
      { code: 7, msg: BAD_NAME, details: "a b" },
    ],
    [
      "a bad network name with an unknown command (Go checks it first)",
      { ...ENV, CNI_COMMAND: "FOO" },
      { ...CONF, name: "a/b" },
      { code: 7, msg: BAD_NAME, details: "a/b" },
    ],
  ])("refuses %s", (_what, env, conf, error) => {
    const r = exec(env, conf);
    expect(r).toEqual({ status: 1, out: { cniVersion: expect.any(String), ...error }, calls: [] });
  });

  it.each<[string, Record<string, string | undefined>, unknown, Record<string, string>]>([
    ["a 15-byte CNI_IFNAME", { ...ADD, CNI_IFNAME: "abcdefghijklmno" }, CONF, { ifName: "abcdefghijklmno" }],
    ["a CNI_IFNAME with dots and dashes", { ...ADD, CNI_IFNAME: "...-_" }, CONF, { ifName: "...-_" }],
    [
      "a CNI_IFNAME with U+FEFF (white space for JavaScript's \\s, not for Go)",
      { ...ADD, CNI_IFNAME: "net\ufeff1" },
      CONF,
      { ifName: "net\ufeff1" },
    ],
    ["a one-character CNI_CONTAINERID", { ...ADD, CNI_CONTAINERID: "a" }, CONF, { containerID: "a" }],
    ["a CNI_CONTAINERID with _ . -", { ...ADD, CNI_CONTAINERID: "A9_b.c-d" }, CONF, { containerID: "A9_b.c-d" }],
    ["a network name with _ . -", ADD, { ...CONF, name: "sriov_net.1-a" }, { name: "sriov_net.1-a" }],
    ["a network name under a case variant of its key", ADD, { cniVersion: "1.0.0", Name: "net", type: "t" }, { name: "net" }],
    ["a cniVersion under a case variant of its key", ADD, { CNIVersion: "0.4.0", name: "n", type: "t" }, { cniVersion: "0.4.0" }],
    ["DEL without CNI_NETNS", { ...ENV, CNI_COMMAND: "DEL", CNI_NETNS: undefined }, CONF, { netns: "" }],
    [
      "STATUS with a CNI_IFNAME and CNI_CONTAINERID it neither requires nor checks, nor passes",
      { ...ENV, CNI_COMMAND: "STATUS", CNI_IFNAME: "../x", CNI_CONTAINERID: "../../etc" },
      { ...CONF, cniVersion: "1.1.0" },
      { ifName: "", containerID: "", netns: "" },
    ],
    [
      "GC with only CNI_PATH and a bad CNI_IFNAME",
      { CNI_COMMAND: "GC", CNI_PATH: "/p", CNI_IFNAME: "a/b" },
      { ...CONF, cniVersion: "1.1.0" },
      { ifName: "", containerID: "" },
    ],
  ])("accepts %s", (_what, env, conf, seen) => {
    const r = exec(env, conf);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([expect.objectContaining(seen)]);
  });

  it("answers VERSION with no other variable and stdin that is not a configuration", () => {
    expect(exec({ CNI_COMMAND: "VERSION", CNI_IFNAME: "../x", CNI_CONTAINERID: "../x" }, "")).toEqual({
      status: 0,
      out: { cniVersion: "1.1.0", supportedVersions: ALL_VERSIONS },
      calls: [],
    });
  });

  // The ADD handler's mistakes: code 999 naming it, nothing else printed.
  it.each<[string, string, string | RegExp]>([
    [
      "nothing",
      "undefined",
      "the plugin's ADD handler returned undefined instead of a CNI result; return the result object (a chained plugin returns netConf.prevResult, possibly amended)",
    ],
    ["null", "null", /^the plugin's ADD handler returned null instead of a CNI result/],
    ["an array", "[]", /^the plugin's ADD handler returned an array instead of a CNI result/],
    ["a string", "'{}'", /^the plugin's ADD handler returned a string "\{\}" instead of a CNI result/],
    ["a promise of nothing", "Promise.resolve()", /^the plugin's ADD handler returned undefined instead/],
    [
      "a cniVersion that is not a string",
      "({ cniVersion: 1 })",
      /returned a CNI result whose "cniVersion" is a number 1; leave it out or give the configuration's, "1.0.0"$/,
    ],
    [
      "a result of another version",
      "({ cniVersion: '0.4.0' })",
      /returned a CNI result of version "0.4.0" for a configuration of version "1.0.0"/,
    ],
    [
      "a case variant of cniVersion naming another version",
      "({ CNIVersion: '0.4.0' })",
      /returned a CNI result of version "0.4.0" for a configuration/,
    ],
    ["a version Go does not know", "({ cniVersion: '2.0.0' })", /returned an invalid CNI result: .*2\.0\.0/],
    [
      "interfaces that is not a list",
      "({ interfaces: 'net1' })",
      /^the plugin's ADD handler returned an invalid CNI result: invalid CNI result: .*interfaces/,
    ],
    ["an IP address that is not one", "({ ips: [{ address: '10.1.1.300/24' }] })", /returned an invalid CNI result: .*address/],
    [
      "an interface index that is not an integer",
      "({ interfaces: [{ name: 'a' }], ips: [{ address: '10.1.1.2/24', interface: 0.5 }] })",
      /returned an invalid CNI result: .*interface/,
    ],
    [
      "NaN",
      "({ interfaces: [{ name: 'a', mtu: NaN }] })",
      'the plugin\'s ADD handler returned a CNI result holding NaN (at "mtu"), which JSON cannot hold',
    ],
    [
      "a function",
      "({ interfaces: [], note: () => 1 })",
      'the plugin\'s ADD handler returned a CNI result holding a function (at "note"), which JSON cannot hold',
    ],
    [
      "a cycle",
      "(() => { const r = { interfaces: [] }; r.self = r; return r; })()",
      "the plugin's ADD handler returned a CNI result that refers back to itself (a cycle), which JSON cannot hold",
    ],
    [
      "a deeper cycle",
      "(() => { const r = { interfaces: [{ name: 'a' }] }; r.interfaces[0].up = { back: r }; return r; })()",
      "the plugin's ADD handler returned a CNI result that refers back to itself (a cycle), which JSON cannot hold",
    ],
  ])("ADD whose handler returns %s: code 999 naming the mistake, exit 1", (_what, expression, msg) => {
    const r = exec({ ...ADD, RESULT: expression }, CONF);
    expect(r.status).toBe(1);
    expect(r.out).toMatchObject({ cniVersion: "1.0.0", code: 999, msg: typeof msg === "string" ? msg : expect.stringMatching(msg) });
    expect(r.out.msg).not.toContain("\n");
  });

  it.each(["DEL", "CHECK"])("%s whose handler returns anything prints nothing", (command) => {
    const r = exec({ ...ENV, CNI_COMMAND: command, RESULT: "[]" }, CONF);
    expect([r.status, r.out]).toEqual([0, undefined]);
  });

  it("writes integers exactly: a bigint, and a prevResult integer beyond 2^53 passed on", () => {
    const conf = `{"cniVersion":"1.1.0","name":"n","type":"t","prevResult":{"cniVersion":"1.1.0","interfaces":[{"name":"a","mtu":9007199254740993}]}}`;
    const passed = spawnSync(process.execPath, [script], {
      input: conf,
      env: { PATH: process.env.PATH, ...ADD, RESULT: "args.netConf.prevResult" },
      encoding: "utf8",
    });
    expect([passed.status, passed.stdout]).toEqual([0, '{"cniVersion":"1.1.0","interfaces":[{"name":"a","mtu":9007199254740993}]}\n']);
    const big = spawnSync(process.execPath, [script], {
      input: JSON.stringify({ ...CONF, cniVersion: "1.1.0" }),
      env: { PATH: process.env.PATH, ...ADD, RESULT: "({ interfaces: [{ name: 'a', mtu: 2n ** 60n }] })" },
      encoding: "utf8",
    });
    expect([big.status, big.stdout]).toEqual([0, '{"cniVersion":"1.1.0","interfaces":[{"name":"a","mtu":1152921504606846976}]}\n']);
  });

  it("keeps a result's own cniVersion when it is the configuration's, and fills in an empty one", () => {
    expect(exec({ ...ADD, RESULT: "({ cniVersion: '1.0.0', dns: {} })" }, CONF).out).toEqual({ cniVersion: "1.0.0", dns: {} });
    expect(exec({ ...ADD, RESULT: "({ cniVersion: '' })" }, CONF).out).toEqual({ cniVersion: "1.0.0" });
  });
});
