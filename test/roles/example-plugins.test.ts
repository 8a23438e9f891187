// The two example CNI plugins, bundled as `npm run build:examples` bundles
// them, run as real executables with the CNI protocol (no runtime, no root).

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { saveDeviceInfoForCNI } from "../../src/index.js";

const ROOT = path.join(import.meta.dirname, "../..");
const PREV_RESULT = JSON.parse(fs.readFileSync(path.join(ROOT, "fixtures/cni-results/bridge-hostlocal.json"), "utf8"));
const CID = "0123456789abcdef0123456789abcdef";

let bin: string;
let dir: string;
beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
  execFileSync(process.execPath, [path.join(ROOT, "examples/build.mjs"), bin]);
});
afterAll(() => {
  fs.rmSync(bin, { recursive: true, force: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  out: Record<string, unknown> | undefined;
}
function cni(type: string, command: string, conf: object, env: Record<string, string> = {}, binDir = bin): Run {
  const r = spawnSync(path.join(binDir, type), {
    input: JSON.stringify(conf),
    env: {
      PATH: process.env.PATH,
      CNI_COMMAND: command,
      CNI_CONTAINERID: CID,
      CNI_NETNS: "/var/run/netns/t",
      CNI_IFNAME: "net1",
      CNI_PATH: binDir,
      ...env,
    },
    encoding: "utf8",
  });
  expect(r.stderr).toBe("");
  return { status: r.status, out: r.stdout === "" ? undefined : JSON.parse(r.stdout) };
}

describe.each(["devinfo-vhost-user", "devinfo-pci-representor"])("%s", (type) => {
  it("is an executable that answers VERSION", () => {
    expect(fs.statSync(path.join(bin, type)).mode & 0o111).toBe(0o111);
    expect(cni(type, "VERSION", { cniVersion: "0.4.0" })).toEqual({
      status: 0,
      out: { cniVersion: "0.4.0", supportedVersions: ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] },
    });
  });

  it.each(["STATUS", "GC"])("answers %s for a CNI 1.1.0 network", (command) => {
    expect(cni(type, command, { cniVersion: "1.1.0", name: "n", type })).toEqual({ status: 0, out: undefined });
  });

  it("reports a CNI error for a missing variable", () => {
    expect(cni(type, "ADD", { cniVersion: "1.0.0", name: "n", type }, { CNI_IFNAME: "" })).toMatchObject({
      status: 1,
      out: { code: 4, msg: "required env variables [CNI_IFNAME] missing" },
    });
  });
});

describe("devinfo-vhost-user", () => {
  const conf = () => ({
    cniVersion: "1.0.0",
    name: "vhost-net",
    type: "devinfo-vhost-user",
    capabilities: { CNIDeviceInfoFile: true },
    socketDir: path.join(dir, "sockets"),
    runtimeConfig: { CNIDeviceInfoFile: path.join(dir, "cni", "vhost-net-abc_net1") },
  });
  const socket = () => path.join(dir, "sockets", `${CID.slice(0, 12)}-net1.sock`);
  const infoFile = () => path.join(dir, "cni", "vhost-net-abc_net1");

  it("ADD creates the socket, writes its device-info and prints the interface; CHECK passes; DEL removes the socket", () => {
    expect(cni("devinfo-vhost-user", "ADD", conf())).toEqual({
      status: 0,
      out: { cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: "/var/run/netns/t" }], dns: {} },
    });
    expect(fs.statSync(socket()).isSocket()).toBe(true);
    expect(fs.readFileSync(infoFile(), "utf8")).toBe(
      `{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"${socket()}"}}`,
    );
    expect(cni("devinfo-vhost-user", "CHECK", conf())).toEqual({ status: 0, out: undefined });
    expect(cni("devinfo-vhost-user", "DEL", conf(), { CNI_NETNS: "" })).toEqual({ status: 0, out: undefined });
    expect(fs.existsSync(socket())).toBe(false);
    expect(cni("devinfo-vhost-user", "DEL", conf())).toEqual({ status: 0, out: undefined });
    expect(cni("devinfo-vhost-user", "CHECK", conf())).toMatchObject({ status: 1, out: { code: 110 } });
  });

  it("keeps a document the meta-plugin copied, and appends its interface to prevResult", async () => {
    const copied = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } } as const;
    await saveDeviceInfoForCNI(infoFile(), copied);
    const { out } = cni("devinfo-vhost-user", "ADD", { ...conf(), prevResult: PREV_RESULT });
    expect(out?.interfaces).toEqual([...PREV_RESULT.interfaces, { name: "net1", sandbox: "/var/run/netns/t" }]);
    expect(out?.ips).toEqual(PREV_RESULT.ips);
    expect(JSON.parse(fs.readFileSync(infoFile(), "utf8"))).toEqual(copied);
  });

  it("serves a network written for CNI 1.1.0 (ADD, CHECK, DEL)", () => {
    const v11 = { ...conf(), cniVersion: "1.1.0" };
    expect(cni("devinfo-vhost-user", "ADD", v11)).toMatchObject({ status: 0, out: { cniVersion: "1.1.0" } });
    expect(fs.statSync(socket()).isSocket()).toBe(true);
    expect(cni("devinfo-vhost-user", "CHECK", v11)).toEqual({ status: 0, out: undefined });
    expect(cni("devinfo-vhost-user", "DEL", v11)).toEqual({ status: 0, out: undefined });
  });

  it("works without a device-info file when the runtime passes none", () => {
    const { runtimeConfig: _, ...noFile } = conf();
    expect(cni("devinfo-vhost-user", "ADD", noFile).status).toBe(0);
    expect(fs.statSync(socket()).isSocket()).toBe(true);
    expect(fs.existsSync(path.join(dir, "cni"))).toBe(false);
    expect(cni("devinfo-vhost-user", "CHECK", noFile).status).toBe(0);
  });

  // Every file under the test's directory, to prove an input created nothing anywhere.
  const tree = (root: string): string[] =>
    fs.readdirSync(root, { recursive: true, encoding: "utf8" }).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  it.each<[string, Record<string, string>, string]>([
    ["CNI_IFNAME=/../../escaped", { CNI_IFNAME: "/../../escaped" }, "interface name contains / or : or whitespace characters"],
    ["CNI_IFNAME=../../x", { CNI_IFNAME: "../../x" }, "interface name contains / or : or whitespace characters"],
    ["CNI_IFNAME=..", { CNI_IFNAME: ".." }, "interface name is . or .."],
    ["a 16-byte CNI_IFNAME", { CNI_IFNAME: "abcdefghijklmnop" }, "interface name is too long"],
    ["CNI_CONTAINERID=../../etc", { CNI_CONTAINERID: "../../etc" }, "invalid characters in containerID"],
    ["CNI_CONTAINERID=c0ffee:0123", { CNI_CONTAINERID: "c0ffee:0123" }, "invalid characters in containerID"],
  ])("ADD, CHECK and DEL with %s: code 4, no socket anywhere, no file", (_what, env, msg) => {
    fs.mkdirSync(path.join(dir, "sockets"));
    const before = tree(dir);
    for (const command of ["ADD", "CHECK", "DEL"]) {
      expect(cni("devinfo-vhost-user", command, conf(), env)).toEqual({
        status: 1,
        out: expect.objectContaining({ code: 4, msg }),
      });
    }
    expect(tree(dir)).toEqual(before);
    expect(fs.existsSync(path.join(dir, "escaped.sock"))).toBe(false);
  });

  it.each([
    ["a relative socketDir", { socketDir: "sockets" }, '"socketDir" must be an absolute path'],
    ["a socketDir with a .. part", { socketDir: "/tmp/x/../y" }, 'without "." or ".." parts, got "/tmp/x/../y"'],
    ["a socketDir with a . part", { socketDir: "/tmp/./y" }, 'without "." or ".." parts'],
    ["a socketDir that is not a string", { socketDir: 5 }, "got 5"],
    ["a socket path too long for sun_path", { socketDir: `/${"d".repeat(100)}` }, "longer than 107 bytes"],
  ])("refuses %s with code 7", (_what, change, details) => {
    expect(cni("devinfo-vhost-user", "ADD", { ...conf(), ...change })).toMatchObject({
      status: 1,
      out: { code: 7, details: expect.stringContaining(details) },
    });
    expect(fs.existsSync(infoFile())).toBe(false);
  });
});

describe("devinfo-pci-representor", () => {
  const infoFile = () => path.join(dir, "cni", "sriov-net1-abc_net1");
  const conf = (extra: object = {}) => ({
    cniVersion: "1.0.0",
    name: "sriov-net1",
    type: "devinfo-pci-representor",
    capabilities: { CNIDeviceInfoFile: true },
    representors: { "0000:af:06.0": "pf0vf3" },
    runtimeConfig: { CNIDeviceInfoFile: infoFile() },
    prevResult: PREV_RESULT,
    ...extra,
  });
  // What a device plugin published, at version 1.0.0 with a vendor key.
  const copied = {
    type: "pci",
    version: "1.0.0",
    pci: { "pci-address": "0000:af:06.0", "pf-pci-address": "0000:af:00.0" },
    "x-vendor": "v",
  };

  it("adds the representor to the copied file and passes prevResult on", async () => {
    await saveDeviceInfoForCNI(infoFile(), copied as never, { strict: false });
    expect(cni("devinfo-pci-representor", "ADD", conf())).toEqual({ status: 0, out: PREV_RESULT });
    expect(fs.readFileSync(infoFile(), "utf8")).toBe(
      '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","pf-pci-address":"0000:af:00.0","representor-device":"pf0vf3"},"x-vendor":"v"}',
    );
    const inode = fs.statSync(infoFile()).ino;
    expect(cni("devinfo-pci-representor", "ADD", conf()).status).toBe(0);
    expect(fs.statSync(infoFile()).ino).toBe(inode); // unchanged: not rewritten
    expect(cni("devinfo-pci-representor", "CHECK", conf())).toEqual({ status: 0, out: undefined });
    expect(cni("devinfo-pci-representor", "CHECK", conf({ representors: { "0000:af:06.0": "pf0vf4" } }))).toMatchObject({
      status: 1,
      out: { code: 110 },
    });
    expect(cni("devinfo-pci-representor", "DEL", conf())).toEqual({ status: 0, out: undefined });
    expect(fs.existsSync(infoFile())).toBe(true); // the meta-plugin's to remove
  });

  it("serves a network written for CNI 1.1.0", async () => {
    await saveDeviceInfoForCNI(infoFile(), copied as never, { strict: false });
    const prevResult = { ...PREV_RESULT, cniVersion: "1.1.0" };
    expect(cni("devinfo-pci-representor", "ADD", conf({ cniVersion: "1.1.0", prevResult }))).toEqual({ status: 0, out: prevResult });
    expect(JSON.parse(fs.readFileSync(infoFile(), "utf8")).pci["representor-device"]).toBe("pf0vf3");
    expect(cni("devinfo-pci-representor", "CHECK", conf({ cniVersion: "1.1.0", prevResult }))).toEqual({ status: 0, out: undefined });
  });

  it.each([
    ["there is no file", undefined],
    ["the document is not pci", { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: "/s.sock" } }],
  ])("passes through when %s", async (_what, doc) => {
    if (doc !== undefined) await saveDeviceInfoForCNI(infoFile(), doc as never);
    const before = doc === undefined ? undefined : fs.readFileSync(infoFile(), "utf8");
    expect(cni("devinfo-pci-representor", "ADD", conf())).toEqual({ status: 0, out: PREV_RESULT });
    expect(fs.existsSync(infoFile()) ? fs.readFileSync(infoFile(), "utf8") : undefined).toBe(before);
  });

  it.each([
    ["not chained", { prevResult: undefined }, "chained plugin"],
    ["no representor for the device", { representors: {} }, "no representor for PCI device 0000:af:06.0"],
  ])("fails with code 7 when %s, leaving the file as it was", async (_what, change, details) => {
    await saveDeviceInfoForCNI(infoFile(), copied as never, { strict: false });
    const before = fs.readFileSync(infoFile(), "utf8");
    expect(cni("devinfo-pci-representor", "ADD", conf(change))).toMatchObject({
      status: 1,
      out: { code: 7, msg: "invalid network configuration", details: expect.stringContaining(details) },
    });
    expect(fs.readFileSync(infoFile(), "utf8")).toBe(before);
  });
});

// The bundle is one file, valid as a CommonJS script and as an ES module, so
// it runs whatever package.json sits above the directory it is copied to.
describe.each([
  ["a directory with no package.json", undefined],
  ['a directory under a {"type":"module"} package.json', '{ "type": "module" }'],
  ['a directory under a {"type":"commonjs"} package.json', '{ "type": "commonjs" }'],
])("copied alone into %s", (_where, packageJson) => {
  let copies: string;
  beforeEach(() => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-copy-"));
    if (packageJson !== undefined) fs.writeFileSync(path.join(project, "package.json"), packageJson);
    copies = path.join(project, "opt", "cni", "bin");
    fs.mkdirSync(copies, { recursive: true });
    for (const type of ["devinfo-vhost-user", "devinfo-pci-representor"]) {
      fs.copyFileSync(path.join(bin, type), path.join(copies, type));
      fs.chmodSync(path.join(copies, type), 0o555);
    }
    return () => fs.rmSync(project, { recursive: true, force: true });
  });

  it.each(["devinfo-vhost-user", "devinfo-pci-representor"])("%s answers VERSION", (type) => {
    expect(cni(type, "VERSION", { cniVersion: "1.0.0" }, {}, copies)).toMatchObject({ status: 0, out: { cniVersion: "1.0.0" } });
  });

  it("devinfo-vhost-user handles ADD: socket, device-info file, result", () => {
    const infoFile = path.join(dir, "cni", "vhost-net-abc_net1");
    const conf = {
      cniVersion: "1.0.0",
      name: "vhost-net",
      type: "devinfo-vhost-user",
      socketDir: path.join(dir, "sockets"),
      runtimeConfig: { CNIDeviceInfoFile: infoFile },
    };
    expect(cni("devinfo-vhost-user", "ADD", conf, {}, copies)).toMatchObject({ status: 0, out: { interfaces: [{ name: "net1" }] } });
    expect(JSON.parse(fs.readFileSync(infoFile, "utf8"))).toMatchObject({ type: "vhost-user", "vhost-user": { mode: "client" } });
  });

  it("devinfo-pci-representor handles ADD: updates the copied file", async () => {
    const infoFile = path.join(dir, "cni", "sriov-net1-abc_net1");
    await saveDeviceInfoForCNI(infoFile, { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } });
    const conf = {
      cniVersion: "1.0.0",
      name: "sriov-net1",
      type: "devinfo-pci-representor",
      representors: { "0000:af:06.0": "pf0vf3" },
      runtimeConfig: { CNIDeviceInfoFile: infoFile },
      prevResult: PREV_RESULT,
    };
    expect(cni("devinfo-pci-representor", "ADD", conf, {}, copies)).toEqual({ status: 0, out: PREV_RESULT });
    expect(fs.readFileSync(infoFile, "utf8")).toContain('"representor-device":"pf0vf3"');
  });
});

describe("devinfo-bundle-plugin (bin/bundle-plugin.mjs)", () => {
  it.each([
    [[], 2, "", "usage: devinfo-bundle-plugin"],
    [["--help"], 0, "usage: devinfo-bundle-plugin", ""],
    [["nope.ts", "out"], 1, "", "devinfo-bundle-plugin: "],
  ])("%j exits %i", (args, status, stdout, stderr) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), ...args], { cwd: dir, encoding: "utf8" });
    expect(r.status).toBe(status);
    expect(r.stdout).toContain(stdout);
    expect(r.stderr).toContain(stderr);
  });

  it("bundles a plugin of the user's own into one executable that imports node:fs both ways", () => {
    fs.writeFileSync(
      path.join(dir, "plugin.ts"),
      'import { readFileSync } from "node:fs";\nimport * as os from "os";\nconst n: number = readFileSync(0, "utf8").length;\nprocess.stdout.write(JSON.stringify({ n, eol: os.EOL }));\n',
    );
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), "plugin.ts", "out/my-plugin"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`${path.join("out", "my-plugin")}\n`);
    const out = path.join(dir, "out", "my-plugin");
    expect(fs.readFileSync(out, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    expect(fs.statSync(out).mode & 0o777).toBe(0o755);
    expect(execFileSync(out, { input: "hello", encoding: "utf8" })).toBe('{"n":5,"eol":"\\n"}');
  });
});
