// devinfo-bundle-plugin's V8 code cache (<plugin>.v8-cache): used when it is
// the build's own, and never a reason for the plugin to fail when it is
// missing, damaged, from another build, refused by V8 or disabled. The
// plugin is the example devinfo-pci-representor, built as users build
// theirs, run as a real executable handling a real ADD.
//
// A second Node binary of another version, DEVINFO_TEST_OTHER_NODE (.ci/run
// sets it for every version it tests), builds the plugin that this Node runs
// and runs the one this Node built; without it those tests are skipped, and
// say why.

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const ROOT = path.join(import.meta.dirname, "../..");
const OTHER_NODE = process.env.DEVINFO_TEST_OTHER_NODE ?? "";
/** What the executable compares with the Node that built it: version, V8 version, architecture. */
const IDENTITY = '[process.version, process.versions.v8, process.arch].join(" ")';
const SKIP_REASON = "DEVINFO_TEST_OTHER_NODE is not set: give it the path of a node binary of another version (.ci/run does)";
const THIS_NODE = `${process.version} ${process.versions.v8} ${process.arch}`;
const TYPE = "devinfo-pci-representor";
const PREV_RESULT = { cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: "/var/run/netns/t" }], ips: [] };

let built: string;
let dir: string;
beforeAll(() => {
  built = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
  execFileSync(process.execPath, [path.join(ROOT, "examples/build.mjs"), built]);
});
afterAll(() => {
  fs.rmSync(built, { recursive: true, force: true });
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
  fs.mkdirSync(path.join(dir, "bin"));
  for (const file of [TYPE, `${TYPE}.v8-cache`]) fs.copyFileSync(path.join(built, file), path.join(dir, "bin", file));
  return () => fs.rmSync(dir, { recursive: true, force: true });
});

const plugin = () => path.join(dir, "bin", TYPE);
const cacheFile = () => `${plugin()}.v8-cache`;
const infoFile = () => path.join(dir, "cni", "sriov-net1-abc_net1");

/** A whole ADD: the copied PCI document gets its representor; returns what the executable said about its cache. */
function add(env: Record<string, string> = {}): string {
  fs.mkdirSync(path.dirname(infoFile()), { recursive: true });
  fs.writeFileSync(infoFile(), '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}', { mode: 0o444 });
  const r = spawnSync(plugin(), {
    input: JSON.stringify({
      cniVersion: "1.0.0",
      name: "sriov-net1",
      type: TYPE,
      representors: { "0000:af:06.0": "pf0vf3" },
      runtimeConfig: { CNIDeviceInfoFile: infoFile() },
      prevResult: PREV_RESULT,
    }),
    env: {
      PATH: process.env.PATH,
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "0123456789abcdef",
      CNI_NETNS: "/var/run/netns/t",
      CNI_IFNAME: "net1",
      CNI_PATH: path.dirname(plugin()),
      DEVINFO_CODE_CACHE_DEBUG: "1",
      ...env,
    },
    encoding: "utf8",
  });
  expect({ status: r.status, out: JSON.parse(r.stdout) }).toEqual({ status: 0, out: PREV_RESULT });
  expect(JSON.parse(fs.readFileSync(infoFile(), "utf8"))).toEqual({
    type: "pci",
    version: "1.1.0",
    pci: { "pci-address": "0000:af:06.0", "representor-device": "pf0vf3" },
  });
  const said = /^devinfo code cache: (.*)\n$/.exec(r.stderr);
  expect(said, r.stderr).not.toBeNull();
  return said?.[1] ?? "";
}

/**
 * A PATH on which `node` (what the plugin's `#!/usr/bin/env node` runs, as a
 * runtime starts it) is the binary `node`, whatever its file is called.
 */
function pathWithNode(node: string): string {
  const bin = fs.mkdtempSync(path.join(dir, "node-"));
  fs.symlinkSync(node, path.join(bin, "node"));
  return `${bin}:${process.env.PATH ?? ""}`;
}

/** The cache file: 32 bytes of build identity, then the V8 cache twice. */
function rewriteCache(change: (id: Buffer, payload: Buffer) => Buffer): void {
  const file = fs.readFileSync(cacheFile());
  const n = (file.length - 32) / 2;
  fs.writeFileSync(cacheFile(), change(file.subarray(0, 32), file.subarray(32, 32 + n)));
}

describe("the code cache of devinfo-bundle-plugin", () => {
  it("is built next to the executable, holds a cache V8 accepts for the executable's source, and is used", () => {
    const source = fs.readFileSync(plugin(), "utf8");
    // The bundle is the one string literal the launcher is called with.
    const literal = source.slice(source.lastIndexOf("})(\n") + 4, source.lastIndexOf(",\n);"));
    const script = new vm.Script(JSON.parse(literal) as string, {
      cachedData: fs.readFileSync(cacheFile()).subarray(32, 32 + (fs.statSync(cacheFile()).size - 32) / 2),
    });
    expect(script.cachedDataRejected).toBe(false);
    expect(add()).toBe("used");
  });

  it.each<[string, () => void, string]>([
    ["missing", () => fs.rmSync(cacheFile()), "unreadable (ENOENT)"],
    ["empty", () => fs.writeFileSync(cacheFile(), ""), "damaged (empty or truncated)"],
    ["shorter than the build identity", () => fs.writeFileSync(cacheFile(), "0123"), "damaged (empty or truncated)"],
    ["from another build", () => rewriteCache((_id, p) => Buffer.concat([Buffer.from("0".repeat(32)), p, p])), "from another build"],
    ["truncated", () => rewriteCache((id, p) => Buffer.concat([id, p, p.subarray(0, p.length >> 1)])), "damaged"],
    [
      "damaged in the middle of the cache (V8 would abort the process on it)",
      () =>
        rewriteCache((id, p) => {
          const bad = Buffer.from(p);
          for (let i = 64; i < bad.length; i += 7) bad[i] = (bad[i] ?? 0) ^ 0x5a;
          return Buffer.concat([id, bad, p]);
        }),
      "damaged",
    ],
    [
      "made by another V8 (its version hash differs, as after a Node upgrade)",
      () =>
        rewriteCache((id, p) => {
          const other = Buffer.from(p);
          other.writeUInt32LE(~other.readUInt32LE(4) >>> 0, 4); // V8's header: magic number, then version hash
          return Buffer.concat([id, other, other]);
        }),
      "rejected by V8",
    ],
    [
      "a directory",
      () => {
        fs.rmSync(cacheFile());
        fs.mkdirSync(cacheFile());
      },
      "unreadable (EISDIR)",
    ],
  ])("when %s, is not used and the plugin works", (_what, damage, said) => {
    damage();
    expect(add()).toBe(said);
  });

  it.each([
    ["--stack-trace-limit=5", "rejected by V8"],
    ["--expose-gc", "rejected by V8"],
    // From Node 24 (V8 13), V8 leaves heap sizes out of the flags its cache must match.
    ["--max-old-space-size=100", Number(process.versions.node.split(".")[0]) >= 24 ? "used" : "rejected by V8"],
  ])("when the plugin's Node runs with V8 flags (NODE_OPTIONS=%s): %s, and the plugin works", (flag, said) => {
    expect(add({ NODE_OPTIONS: flag })).toBe(said);
  });

  const major = Number(process.versions.node.split(".")[0]);
  const v8Number = process.versions.v8.replace(/-node\.\d+$/, "");
  it.each([
    // As Node 20.19.0 (V8 11.3.244.8-node.26) and 20.20.2 (-node.38): V8 accepts the other's cache, and crashes.
    ["another release of the same line, same V8 version number", `v${major}.0.0-rc.1 ${v8Number}-node.0 ${process.arch}`],
    ["another major version", `v${major + 2}.0.0 ${v8Number.replace(/^\d+/, (n) => String(Number(n) + 1))} ${process.arch}`],
    ["the same version for another architecture", `${process.version} ${process.versions.v8} ${process.arch === "x64" ? "arm64" : "x64"}`],
  ])("when made by another Node (%s), is not read and the plugin works", (_what, other) => {
    // What the executable says it was built with: a string its launcher holds.
    const source = fs.readFileSync(plugin(), "utf8");
    expect(source.split(JSON.stringify(THIS_NODE)).length).toBe(3);
    fs.writeFileSync(plugin(), source.replaceAll(JSON.stringify(THIS_NODE), JSON.stringify(other)));
    expect(add()).toBe(`made by another Node (${other}), this is ${THIS_NODE}`);
  });

  it("is not read with DEVINFO_NO_CODE_CACHE set", () => {
    expect(add({ DEVINFO_NO_CODE_CACHE: "1" })).toBe("disabled");
  });

  it("is only read: the plugin's directory is left as it was (a read-only /opt/cni/bin is fine)", () => {
    const before = fs
      .readdirSync(path.dirname(plugin()), { withFileTypes: true })
      .map((e) => [e.name, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs]);
    fs.chmodSync(path.dirname(plugin()), 0o555);
    try {
      expect(add()).toBe("used");
    } finally {
      fs.chmodSync(path.dirname(plugin()), 0o755);
    }
    expect(
      fs
        .readdirSync(path.dirname(plugin()), { withFileTypes: true })
        .map((e) => [e.name, fs.statSync(path.join(e.parentPath, e.name)).mtimeMs]),
    ).toEqual(before);
  });

  it("names the bundle after the plugin in stack traces, with or without the cache (not the warm-up's scratch file)", () => {
    const entry = path.join(dir, "tiny.js");
    fs.writeFileSync(entry, 'if (process.env.BOOM) throw new Error("boom");\n');
    const out = path.join(dir, "bin", "tiny");
    execFileSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), entry, out], { cwd: ROOT });
    for (const env of [{}, { DEVINFO_NO_CODE_CACHE: "1" }]) {
      const r = spawnSync(out, { env: { PATH: process.env.PATH, BOOM: "1", DEVINFO_CODE_CACHE_DEBUG: "1", ...env }, encoding: "utf8" });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/devinfo code cache: (used|disabled)\n/);
      expect(r.stderr).toMatch(/Error: boom\n\s+at tiny:\d+:\d+/);
      expect(r.stderr).not.toContain("devinfo-bundle-");
    }
  });

  it("is not built with --no-code-cache, and the plugin then says so", () => {
    const out = path.join(dir, "plain");
    execFileSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), "--no-code-cache", "examples/pci-representor-cni.ts", out], {
      cwd: ROOT,
      env: { ...process.env },
    });
    expect(fs.existsSync(`${out}.v8-cache`)).toBe(false);
    fs.copyFileSync(out, plugin());
    expect(add()).toBe("none built");
  });
});

describe("a plugin built by one Node version and run by another", () => {
  const identity = { this: THIS_NODE, other: "" };
  beforeAll(() => {
    if (OTHER_NODE === "") {
      // Shown whatever the reporter (the default one lists no skipped test).
      console.warn(`skipped: 2 tests of a plugin built by one Node and run by another: ${SKIP_REASON}`);
      return;
    }
    // Set but not runnable, or this very Node: the tests below would test nothing, so fail.
    const r = spawnSync(OTHER_NODE, ["-p", IDENTITY], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`DEVINFO_TEST_OTHER_NODE=${OTHER_NODE} does not run (${r.error?.message ?? r.stderr})`);
    identity.other = r.stdout.trim();
    if (identity.other === THIS_NODE)
      throw new Error(`DEVINFO_TEST_OTHER_NODE=${OTHER_NODE} is this Node (${THIS_NODE}): give it another version`);
  });

  it("runs, through its `#!/usr/bin/env node`, on the node first on PATH: here the Node running these tests", () => {
    // Otherwise every test here that starts a bundled plugin would test another Node version.
    const r = spawnSync("node", ["-p", "process.execPath + ' ' + process.version"], { env: { PATH: process.env.PATH }, encoding: "utf8" });
    expect(r.stdout.trim().split(" ")[1], `PATH=${process.env.PATH}`).toBe(process.version);
  });

  it.for<[string, "this" | "other"]>([
    ["built by this Node, run by the other (DEVINFO_TEST_OTHER_NODE)", "this"],
    ["built by the other Node (DEVINFO_TEST_OTHER_NODE), run by this one", "other"],
  ])("%s: its code cache is not read, and the plugin works; its builder uses it", ([, builder], ctx) => {
    ctx.skip(OTHER_NODE === "", SKIP_REASON);
    const node = { this: process.execPath, other: OTHER_NODE };
    const runner = builder === "this" ? "other" : "this";
    if (builder === "other") {
      // The plugin from the other Node: the bundler, its esbuild run and its warm-up run all on that Node.
      const out = path.join(dir, "built-by-other");
      execFileSync(OTHER_NODE, [path.join(ROOT, "examples/build.mjs"), out]);
      for (const file of [TYPE, `${TYPE}.v8-cache`]) fs.copyFileSync(path.join(out, file), path.join(dir, "bin", file));
    }
    expect(add({ PATH: pathWithNode(node[runner]) })).toBe(`made by another Node (${identity[builder]}), this is ${identity[runner]}`);
    expect(add({ PATH: pathWithNode(node[builder]) })).toBe("used");
  });
});

describe("devinfo-bundle-plugin's warm-up run", () => {
  // Plugins whose ADD fails (the warm-up's environment is its own: the way is in the source); VERSION works.
  const PLUGINS: Record<string, string> = {
    throw: 'if (process.env.CNI_COMMAND === "ADD") throw new Error("boom in ADD");\n',
    exit: `if (process.env.CNI_COMMAND === "ADD") {
  process.stdout.write(JSON.stringify({ cniVersion: "1.1.0", code: 7, msg: "bad ADD" }) + "\\n");
  process.exitCode = 7;
}
`,
  };

  it.each([
    ["throws", "throw", "exit status 1", /--- plugin stderr ---\n[\s\S]*Error: boom in ADD/],
    [
      "exits non-zero with a CNI error",
      "exit",
      "exit status 7",
      /--- plugin stdout ---\n\{"cniVersion":"1\.1\.0","code":7,"msg":"bad ADD"\}\n/,
    ],
  ])("that %s fails the command (exit 1, the plugin's output shown) and writes nothing", (_what, how, why, shown) => {
    const entry = path.join(dir, "failing.js");
    fs.writeFileSync(entry, PLUGINS[how] ?? "");
    const out = path.join(dir, "bin", "failing");
    // An earlier build's files stay exactly as they were.
    fs.writeFileSync(out, "earlier build");
    const before = fs.readdirSync(path.join(dir, "bin")).sort();
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), "--warm-up-command", "ADD", entry, out], {
      cwd: ROOT,
      env: { ...process.env },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      `devinfo-bundle-plugin: the warm-up run of the plugin (CNI_COMMAND=ADD) failed (${why}); nothing was written.`,
    );
    expect(r.stderr).toMatch(shown);
    expect(fs.readdirSync(path.join(dir, "bin")).sort()).toEqual(before);
    expect(fs.readFileSync(out, "utf8")).toBe("earlier build");
  });

  it("that succeeds builds the plugin and its cache (the same plugin, VERSION)", () => {
    const entry = path.join(dir, "failing.js");
    fs.writeFileSync(entry, PLUGINS.throw ?? "");
    const out = path.join(dir, "bin", "failing");
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), "--warm-up-command", "VERSION", entry, out], {
      cwd: ROOT,
      env: { ...process.env },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(fs.statSync(`${out}.v8-cache`).size).toBeGreaterThan(32);
  });
});

describe("devinfo-bundle-plugin's output path", () => {
  const BIN = path.join(ROOT, "bin/bundle-plugin.mjs");
  const SOURCE = 'import { helper } from "./helper.js";\nprocess.stdout.write(helper());\n';
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, "--no-code-cache", ...args], { cwd: dir, encoding: "utf8" });

  beforeEach(() => {
    fs.mkdirSync(path.join(dir, "src"));
    fs.writeFileSync(path.join(dir, "src", "x.ts"), SOURCE);
    fs.writeFileSync(path.join(dir, "src", "helper.ts"), 'import data from "./data.json";\nexport const helper = () => data.word;\n');
    fs.writeFileSync(path.join(dir, "src", "data.json"), '{"word":"hi"}\n');
    fs.symlinkSync("x.ts", path.join(dir, "src", "link.ts"));
  });

  it.each([
    ["the entry itself", "src/x.ts", "src/x.ts", "src/x.ts"],
    ["the entry, through another spelling", "src/x.ts", "./src/../src/x.ts", "src/x.ts"],
    ["the entry, through a symbolic link to it", "src/link.ts", "src/x.ts", "src/x.ts"],
    ["the entry, as a symbolic link to it", "src/x.ts", "src/link.ts", "src/x.ts"],
    ["a module the entry imports", "src/x.ts", "src/helper.ts", "src/helper.ts"],
    ["a JSON file a module imports", "src/x.ts", "src/data.json", "src/data.json"],
  ])("is refused when it is %s (exit 1, nothing written, the source unchanged)", (_what, entry, out, input) => {
    const before = fs.readFileSync(path.join(dir, input), "utf8");
    const files = fs.readdirSync(path.join(dir, "src")).sort();
    const r = run(entry, out);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(
      /^devinfo-bundle-plugin: the output .* is .*, a file the plugin is built from: building would replace it; nothing was written/,
    );
    expect(fs.readFileSync(path.join(dir, input), "utf8")).toBe(before);
    expect(fs.readdirSync(path.join(dir, "src")).sort()).toEqual(files);
  });

  it("replaces an earlier build by a rename: no temporary file is left, an open old file keeps its content", () => {
    const out = path.join(dir, "bin", "x");
    fs.writeFileSync(out, "earlier build");
    const old = fs.openSync(out, "r");
    try {
      const r = spawnSync(process.execPath, [BIN, "src/x.ts", out], { cwd: dir, encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      // A rename leaves the old file's inode as it was (an in-place write would have truncated it).
      expect(fs.readFileSync(old, "utf8")).toBe("earlier build");
    } finally {
      fs.closeSync(old);
    }
    expect(fs.statSync(out).mode & 0o777).toBe(0o755);
    expect(fs.statSync(`${out}.v8-cache`).mode & 0o777).toBe(0o644);
    expect(fs.readdirSync(path.join(dir, "bin")).sort()).toEqual([TYPE, `${TYPE}.v8-cache`, "x", "x.v8-cache"]);
    expect(execFileSync(out, { encoding: "utf8" })).toBe("hi");
  });
});

describe("devinfo-bundle-plugin's output through a symbolic link", () => {
  it("replaces the link's target, and keeps the link (as writing through it did)", () => {
    fs.mkdirSync(path.join(dir, "src"));
    fs.writeFileSync(path.join(dir, "src", "x.ts"), 'process.stdout.write("hi");\n');
    fs.writeFileSync(path.join(dir, "bin", "x-1"), "earlier build");
    fs.symlinkSync("x-1", path.join(dir, "bin", "x"));
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), "src/x.ts", "bin/x"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(fs.lstatSync(path.join(dir, "bin", "x")).isSymbolicLink()).toBe(true);
    // The cache goes next to the real file, where the executable (its path resolved by Node) looks for it.
    expect(fs.readdirSync(path.join(dir, "bin")).sort()).toEqual([TYPE, `${TYPE}.v8-cache`, "x", "x-1", "x-1.v8-cache"]);
    const run = spawnSync(path.join(dir, "bin", "x"), { env: { ...process.env, DEVINFO_CODE_CACHE_DEBUG: "1" }, encoding: "utf8" });
    expect([run.stdout, run.stderr]).toEqual(["hi", "devinfo code cache: used\n"]);
  });
});

describe("devinfo-bundle-plugin --help", () => {
  it("names only what is still loaded lazily: devinfo/kubelet loads no package", () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, "bin/bundle-plugin.mjs"), "--help"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/grpc|protobuf/);
    expect(r.stdout).toContain("--bundle-lazy        also bundle what is loaded with import() only when reached (zod,");
    expect(r.stdout).toContain("a plugin that asks the kubelet needs no flag");
  });
});
