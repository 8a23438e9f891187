/**
 * Smaller command-line contracts: a single-valued flag given twice is a
 * usage error, write names the flag a required field needs, validate says
 * what to do with text that is not JSON, and with --json an error is one JSON
 * line on stderr carrying the stable code.
 */

import { describe, expect, it } from "vitest";
import { devinfo, put, useTempDir } from "./_helpers.js";

describe("a single-valued flag given twice is a usage error", () => {
  const tmp = useTempDir();
  it.each([
    [["ls", "--base-dir", "/a", "--base-dir", "/b"], "--base-dir"],
    [["ls", "--base-dir=/a", "--base-dir=/b"], "--base-dir"],
    [["write", "dp", "r/x", "a", "--type", "pci", "--type", "memif"], "--type"],
    [["gc", "--stale-after", "1m", "--stale-after", "2m"], "--stale-after"],
  ])("%j", (args, flag) => {
    const run = devinfo(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`^devinfo: option ${flag} is given more than once; give it once \\(it takes a single value\\)\\n`),
    );
  });

  it("a repeatable flag may be repeated", () => {
    const run = devinfo(
      ["gc", "--base-dir", tmp.path, "--live-devices", "-", "--resource", "a.com/x", "--resource", "b.com/y", "--dry-run"],
      {
        input: "0000:af:06.0\n",
      },
    );
    expect(run.stderr).not.toContain("more than once");
  });
});

describe("devinfo write names the flag of a missing required field", () => {
  const tmp = useTempDir();
  it.each([
    [["dp", "r/x", "a", "--type", "pci"], "--type pci needs --pci-address"],
    [["cni", "n1", "--type", "vhost-user", "--path", "/s"], "--type vhost-user needs --mode"],
    [["cni", "n1", "--type", "memif"], "--type memif needs --role and --path and --mode"],
  ])("%j", (args, message) => {
    const run = devinfo(["write", ...args, "--base-dir", tmp.path]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`devinfo: ${message} (the spec requires`);
    expect(run.stderr).toContain("or --lenient to write the file without");
  });

  it("--lenient still writes it", () => {
    const run = devinfo(["write", "dp", "r/x", "a", "--type", "pci", "--lenient", "--base-dir", tmp.path]);
    expect(run.code).toBe(0);
  });
});

describe("validate of text that is not JSON says what to do", () => {
  it("garbage on stdin", () => {
    const run = devinfo(["validate", "-"], { input: "garbage\n" });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^<stdin>: \$: error: not JSON \(.*\); a device-info file is one JSON object, e\.g\. \{"type":"pci".*is this the right file\?\n/,
    );
  });
});

describe("with --json, an error is one JSON line on stderr with its stable code", () => {
  const tmp = useTempDir();
  it("a usage error", () => {
    const run = devinfo(["ls", "--json", "--base-dir="]);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toEqual({ error: { code: "ERR_DEVINFO_USAGE", message: "--base-dir needs a non-empty directory" } });
    expect(run.stderr.endsWith("}\n")).toBe(true);
  });

  it("a missing file, with its path", () => {
    const run = devinfo(["show", tmp.join("cni", "nothing-here"), "--json", "--base-dir", tmp.path]);
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stderr) as { error: { code: string; message: string; path: string } };
    expect(error.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(error.path).toBe(tmp.join("cni", "nothing-here"));
    expect(error.message).toContain("no device-info file at");
  });

  it("a file with control characters in its name stays JSON", () => {
    put(tmp.join("cni", "placeholder"), "{}");
    const run = devinfo(["show", tmp.join("cni", "x\u001b]0;T\u0007"), "--json"]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain("\u001b");
    expect((JSON.parse(run.stderr) as { error: { path: string } }).error.path).toBe(tmp.join("cni", "x\u001b]0;T\u0007"));
  });

  it("--json=false keeps the text", () => {
    const run = devinfo(["ls", "--json", "--json=false", "--base-dir="]);
    expect(run.stderr).toMatch(/^devinfo: --base-dir needs a non-empty directory\n/);
  });
});
