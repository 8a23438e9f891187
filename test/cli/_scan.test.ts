import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { isProcessAlive, readSmallFile, requireBaseDir, scanBaseDir, summarize } from "../../src/cli/_scan.js";
import { DOCS, deadPid, put, useTempDir } from "./_helpers.js";

describe("readSmallFile: a regular file, capped, never blocking, never through a link unless asked", () => {
  const tmp = useTempDir();

  it("reads the bytes and the stats", () => {
    const file = put(tmp.join("f"), DOCS.pci);
    const read = readSmallFile(file);
    expect(read.ok && read.bytes.toString()).toBe(DOCS.pci);
    expect(read.stats?.size).toBe(DOCS.pci.length);
  });

  it.each([
    { what: "missing", make: (p: string) => p, problem: "no such file", gone: true },
    {
      what: "a symbolic link",
      make: (p: string) => {
        fs.symlinkSync(put(`${p}-target`, "{}"), p);
        return p;
      },
      problem: "symbolic link (never followed)",
    },
    {
      what: "a directory",
      make: (p: string) => {
        fs.mkdirSync(p);
        return p;
      },
      problem: "directory",
    },
    {
      what: "a FIFO (no writer: a blocking open would hang)",
      make: (p: string) => {
        expect(spawnSync("mkfifo", [p]).status).toBe(0);
        return p;
      },
      problem: "not a regular file",
    },
    { what: "over the limit", make: (p: string) => put(p, "x".repeat(11)), problem: "11 bytes, over the 10-byte limit", max: 10 },
  ])("$what: $problem", ({ make, problem, gone, max }) => {
    const read = readSmallFile(make(tmp.join("f")), max);
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(read.problem).toBe(problem);
      expect(read.gone === true).toBe(gone === true);
    }
  });

  it("follows a link when asked", () => {
    fs.symlinkSync(put(tmp.join("target"), "{}"), tmp.join("link"));
    const read = readSmallFile(tmp.join("link"), 100, true);
    expect(read.ok && read.bytes.toString()).toBe("{}");
  });
});

describe("summarize: type, version and main address, lenient about shape", () => {
  it.each([
    { doc: JSON.parse(DOCS.pci), summary: { type: "pci", version: "1.1.0", address: "0000:af:06.0", deviceHints: [] } },
    {
      doc: JSON.parse(DOCS.vdpa),
      summary: { type: "vdpa", version: "1.1.0", address: "/dev/vhost-vdpa-0", deviceHints: ["vdpa0"] },
    },
    {
      doc: JSON.parse(DOCS.vhostUser),
      summary: { type: "vhost-user", version: "1.1.0", address: "/var/run/vhost/net1.sock (server)", deviceHints: [] },
    },
    { doc: JSON.parse(DOCS.memif), summary: { type: "memif", version: "1.1.0", address: "/run/memif/m0.sock (master)", deviceHints: [] } },
    { doc: { type: "pci", version: 1, pci: "x" }, summary: { type: "pci", version: undefined, address: undefined, deviceHints: [] } },
    { doc: ["pci"], summary: { type: undefined, version: undefined, address: undefined, deviceHints: [] } },
    { doc: null, summary: { type: undefined, version: undefined, address: undefined, deviceHints: [] } },
  ])("$doc", ({ doc, summary }) => {
    expect(summarize(doc)).toEqual(summary);
  });
});

describe("processes", () => {
  it("isProcessAlive: this process yes, an exited one no, pid 1 (someone else's) yes", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(deadPid())).toBe(false);
    expect(isProcessAlive(1)).toBe(true);
  });
});

describe("scanBaseDir and requireBaseDir", () => {
  const tmp = useTempDir();
  const scan = async (base: string) => {
    const seen: string[] = [];
    let ticks = 0;
    for await (const { kind, dirent } of scanBaseDir(base, { tick: () => ticks++ })) seen.push(`${kind}/${dirent.name}`);
    return { seen, ticks };
  };

  it("every entry of dp/ then cni/, one tick each; a missing subdirectory has none", async () => {
    put(tmp.join("b", "cni", "x"), "");
    put(tmp.join("b", "cni", "y"), "");
    fs.mkdirSync(tmp.join("b", "cni", "dir"));
    const { seen, ticks } = await scan(tmp.join("b"));
    expect(seen.sort()).toEqual(["cni/dir", "cni/x", "cni/y"]);
    expect(ticks).toBe(3);
    put(tmp.join("b", "dp", "z-device.json"), "");
    expect((await scan(tmp.join("b"))).seen[0]).toBe("dp/z-device.json");
  });

  it("a symlinked dp/ or cni/ is refused: gc must never delete through one", async () => {
    fs.mkdirSync(tmp.join("elsewhere"));
    fs.mkdirSync(tmp.join("b"));
    fs.symlinkSync(tmp.join("elsewhere"), tmp.join("b", "cni"));
    await expect(scan(tmp.join("b"))).rejects.toThrow(/symbolic link/);
  });

  it.each([
    { what: "missing", make: () => tmp.join("nope"), message: /does not exist; check --base-dir/ },
    { what: "a file", make: () => put(tmp.join("file"), ""), message: /is not a directory; check --base-dir/ },
  ])("a base directory that is $what is an error", async ({ make, message }) => {
    const base = make();
    expect(() => requireBaseDir(base)).toThrow(message);
    await expect(scan(base)).rejects.toThrow(message);
  });

  it("a symlinked base directory is followed (/var/run is a link to /run)", async () => {
    put(tmp.join("real", "cni", "x"), "");
    fs.symlinkSync(tmp.join("real"), tmp.join("link"));
    expect((await scan(tmp.join("link"))).seen).toEqual(["cni/x"]);
  });
});
