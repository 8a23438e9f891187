/**
 * Untrusted text (file content, annotations, file names, arguments) never
 * reaches the terminal raw: every control, bidi and line-separator character
 * is printed as a \uXXXX escape, in every human-readable output, and --json
 * stays JSON.
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { devinfo, devinfoInTerminal, put, useTempDir } from "./_helpers.js";

// ESC ] 0 ; title BEL (sets the window title), ESC [ 2 J (clears the screen), a newline, C1 CSI, a bidi override, U+2028.
const EVIL_ADDRESS = "\u001b]0;PWNED\u0007\u001b[2J0000:af:06.0";
const EVIL_DEVICE = "a\nb\u009b31m\u202ec\u2028d\u007f";
const EVIL_DOC = JSON.stringify({ type: "pci", version: "1.1.0", pci: { "pci-address": EVIL_ADDRESS, "rdma-device": EVIL_DEVICE } });
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe("terminal safety of human-readable output", () => {
  const tmp = useTempDir();

  it.each([
    ["show", () => ["show", "evil", "--base-dir", tmp.path]],
    ["ls", () => ["ls", "--base-dir", tmp.path]],
    ["validate", () => ["validate", tmp.join("cni", "evil")]],
  ])("%s writes no control character from the file, and shows it escaped", (_name, args) => {
    put(tmp.join("cni", "evil"), EVIL_DOC);
    const run = devinfo(args());
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(UNSAFE);
    expect(run.stdout + run.stderr).toContain("\\u001b]0;PWNED\\u0007\\u001b[2J0000:af:06.0");
  });

  it("show prints every kind of unsafe character as \\uXXXX, each line its own", () => {
    put(tmp.join("cni", "evil"), EVIL_DOC);
    const run = devinfo(["show", "evil", "--base-dir", tmp.path]);
    expect(run.stdout).toContain("  rdma-device: a\\u000ab\\u009b31m\\u202ec\\u2028d\\u007f\n");
  });

  it("with colour on, only devinfo's own colour codes reach the terminal", () => {
    put(tmp.join("cni", "evil"), EVIL_DOC);
    const run = devinfo(["show", "evil", "--base-dir", tmp.path], { env: { FORCE_COLOR: "1" } });
    expect(run.stdout).toContain("\u001b[1m");
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing devinfo's own colour codes is the point
    expect(run.stdout.replace(/\u001b\[(?:1|2|22|31|32|33|36|39)m/g, "")).not.toMatch(UNSAFE);
  });

  it("status escapes the annotation's names and interfaces", () => {
    const annotation = JSON.stringify([{ name: "default/n\u001b[31mRED", interface: "net1\u001b]0;T\u0007" }]);
    const run = devinfo(["status", "-"], { input: annotation });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(UNSAFE);
    expect(run.stdout).toContain("net1\\u001b]0;T\\u0007");
    expect(run.stdout).toContain("default/n\\u001b[31mRED");
  });

  it("error messages quoting a path escape it", () => {
    const run = devinfo(["show", tmp.join("no\u001b[2Jthere")]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(UNSAFE);
    expect(run.stderr).toContain("no\\u001b[2Jthere");
  });

  it("--json stays JSON that parses back to the same strings", () => {
    put(tmp.join("cni", "evil"), EVIL_DOC);
    const run = devinfo(["show", "evil", "--base-dir", tmp.path, "--json"]);
    expect(run.stdout).not.toMatch(UNSAFE);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(EVIL_DOC));
    const listed = devinfo(["ls", "--base-dir", tmp.path, "--json"]);
    expect(listed.stdout).not.toMatch(UNSAFE);
    expect(JSON.stringify(JSON.parse(listed.stdout))).toContain(JSON.stringify(EVIL_ADDRESS).slice(1, -1));
  });

  it("in a terminal too, the progress and the listing carry no raw control from the data", () => {
    put(tmp.join("cni", "evil"), EVIL_DOC);
    const run = devinfoInTerminal(["ls", "--base-dir", tmp.path], { NO_COLOR: "1" });
    expect(run.stdout).toContain("\\u001b]0;PWNED");
    expect(run.stdout).not.toContain("\u001b]0;PWNED");
  });
});

describe("devinfo write refuses names with unsafe characters", () => {
  const tmp = useTempDir();
  it.each([
    ["a resource", ["dp", "intel.com/sr\u001biov", "0000:af:06.0"], "RESOURCE"],
    ["a device ID", ["dp", "intel.com/sriov", "0000:af:06.0\n"], "DEVICE"],
    ["a CNI name", ["cni", "net1\u202e"], "NAME"],
  ])("%s", (_what, names, role) => {
    const run = devinfo(["write", ...names, "--type", "pci", "--pci-address", "0000:af:06.0", "--base-dir", tmp.path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^devinfo: ${role} ".*" contains U\\+[0-9A-F]{4}, .*type the name with printable characters only`),
    );
    expect(run.stderr).not.toMatch(UNSAFE);
    expect(fs.existsSync(tmp.join("dp")) ? fs.readdirSync(tmp.join("dp")) : []).toEqual([]);
    expect(fs.existsSync(tmp.join("cni")) ? fs.readdirSync(tmp.join("cni")) : []).toEqual([]);
  });
});

describe("an empty DEVINFO_BASE_DIR is a usage error, as an empty --base-dir is", () => {
  it.each([["ls"], ["gc", "--dry-run"], ["show", "x"], ["rm", "cni", "x"]])("devinfo %s", (...args) => {
    const run = devinfo(args, { env: { DEVINFO_BASE_DIR: "" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^devinfo: DEVINFO_BASE_DIR is set but empty; set it to a directory, or unset it/);
    const flag = devinfo([...args, "--base-dir="]);
    expect(flag.code).toBe(2);
  });
});
