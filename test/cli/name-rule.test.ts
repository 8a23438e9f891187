/**
 * One rule for every command (src/cli/_target.ts, NAME_RULE): an argument
 * that starts with "/", "./" or "../" is a PATH, anything else a NAME in the
 * base directory; names that "/"-flattening would disguise are refused.
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { DOCS, devinfo, put, useTempDir } from "./_helpers.js";

const MEMIF = ["--type", "memif", "--role", "master", "--path", "/m.sock", "--mode", "ip"];

describe("NAME or PATH: the same text means the same file in every command", () => {
  const tmp = useTempDir();
  const run = (args: string[], input?: string) =>
    devinfo([...args, "--base-dir", tmp.join("base")], { cwd: tmp.join("work"), ...(input === undefined ? {} : { input }) });
  const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

  it.each([
    { arg: "./rel", file: () => tmp.join("work", "rel") },
    { arg: "../up", file: () => tmp.join("up") },
    { arg: "ns/net-abc_net1", file: () => tmp.join("base", "cni", "ns-net-abc_net1") },
    { arg: "net-abc_net1", file: () => tmp.join("base", "cni", "net-abc_net1") },
  ])("$arg: write, show, validate, copy and rm all use $arg as the same file", ({ arg, file }) => {
    fs.mkdirSync(tmp.join("work"), { recursive: true });
    const absolute = file();
    expect(run(["write", "cni", arg, ...MEMIF]).stdout).toBe(`created ${absolute}\n`);
    expect(run(["show", arg]).stdout).toContain(`Path:     ${absolute}\n`);
    expect(run(["validate", arg])).toEqual({ code: 0, stdout: `${arg}: ok\n`, stderr: "" });
    expect(run(["rm", "cni", arg]).stdout).toBe(`removed ${absolute}\n`);
    put(tmp.join("base", "dp", "intel.com-sriov-0000:af:06.0-device.json"), DOCS.pci);
    expect(run(["copy", "intel.com/sriov", "0000:af:06.0", arg]).stdout).toMatch(new RegExp(`to ${absolute}\\n$`));
    expect(fs.existsSync(absolute)).toBe(true);
    // Nothing hidden was created anywhere.
    expect(listing(tmp.join("base", "cni")).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it.each([
    {
      args: ["write", "cni", ".foo", ...MEMIF],
      message: 'NAME ".foo" starts with ".", which would hide in the file name ".foo"; for a file in the working directory write ./.foo',
    },
    { args: ["write", "cni", "..evil", ...MEMIF], message: 'NAME "..evil" starts with "."' },
    {
      args: ["write", "cni", "a/../b", ...MEMIF],
      message: 'NAME "a/../b" holds an empty, "." or ".." part between "/", which would hide in the file name "a-..-b"',
    },
    { args: ["write", "cni", "a//b", ...MEMIF], message: 'NAME "a//b" holds an empty' },
    { args: ["rm", "cni", "x/./y"], message: 'NAME "x/./y" holds an empty' },
    { args: ["show", ".hidden"], message: 'NAME ".hidden" starts with "."' },
    { args: ["validate", "a/../../etc/passwd"], message: 'NAME "a/../../etc/passwd" holds an empty' },
    { args: ["copy", "intel.com/sriov", "0000:af:06.0", ".x"], message: 'NAME ".x" starts with "."' },
    {
      args: ["write", "dp", "../../etc", "passwd", ...MEMIF],
      message:
        'RESOURCE "../../etc" starts with ".", which would hide in the file name "..-..-etc-passwd-device.json"; a resource name is <domain>/<name>, e.g. intel.com/sriov',
    },
    { args: ["rm", "dp", "intel.com/sriov", "../x"], message: 'DEVICE "../x" starts with "."' },
    { args: ["show", "example.com/a", "b/../c"], message: 'DEVICE "b/../c" holds an empty' },
  ])("$args.0 $args.1 $args.2: refused, saying what to type instead", ({ args, message }) => {
    fs.mkdirSync(tmp.join("work"), { recursive: true });
    const result = run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0]).toContain(`devinfo: ${message}`);
    expect(listing(tmp.join("base", "cni"))).toEqual([]);
    expect(listing(tmp.join("base", "dp"))).toEqual([]);
  });
});
