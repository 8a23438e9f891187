/**
 * Hostile file systems that need no root: traversal names, symlinks at the
 * target and in place of `<base>/dp` and `<base>/cni`, directories, FIFOs
 * and sockets where a file should be. Every operation, sync and async, must
 * give its typed error (or, for clean, remove only the link itself), write
 * nothing outside the base directory and leave no partial or temporary file.
 * The cases that need root (another user, read-only mounts, a full file
 * system) are in test/hostile, run as root by .ci/run.
 */

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  type DeviceInfo,
  type DeviceInfoErrorCode,
  getCNIDeviceInfoPath,
  getDPDeviceInfoPath,
  isDeviceInfoError,
  loadDeviceInfoFromCNI,
  loadDeviceInfoFromCNISync,
  loadDeviceInfoFromDP,
  loadDeviceInfoFromDPSync,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/index.js";

const INFO: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
const OTHER: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.1" } };
const OUTSIDE_CONTENT = "outside: must never change\n";

let root: string;
let base: string;
let outside: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-"));
  base = path.join(root, "base");
  outside = path.join(root, "outside");
  fs.mkdirSync(base);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "victim"), OUTSIDE_CONTENT);
  // A file with the name a DP write would use, for the symlinked-directory cases.
  fs.writeFileSync(path.join(outside, "r-d-device.json"), OUTSIDE_CONTENT);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** Everything under `dir`: relative name → type and content, symlinks as their target. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
    const file = path.join(dir, name);
    const stats = fs.lstatSync(file);
    out[name] = stats.isSymbolicLink()
      ? `link → ${fs.readlinkSync(file)}`
      : stats.isFile()
        ? `file ${(stats.mode & 0o777).toString(8)} ${fs.readFileSync(file, "utf8")}`
        : stats.isDirectory()
          ? "dir"
          : "special";
  }
  return out;
}

type Outcome = "ok" | DeviceInfoErrorCode;

async function outcome(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return "ok";
  } catch (err) {
    if (!isDeviceInfoError(err)) throw new Error(`not a DeviceInfoError: ${String(err)}`, { cause: err });
    return err.code;
  }
}

interface Op {
  readonly name: string;
  readonly sync: () => unknown;
  readonly async: () => Promise<unknown>;
}

/** Every writer and reader of a DP file, sync and async twins. */
function dpOps(baseDir: string, resource = "r", device = "d"): Op[] {
  const o = { baseDir };
  return [
    {
      name: "save",
      sync: () => saveDeviceInfoForDPSync(resource, device, INFO, o),
      async: () => saveDeviceInfoForDP(resource, device, INFO, o),
    },
    {
      name: "save overwrite",
      sync: () => saveDeviceInfoForDPSync(resource, device, INFO, { ...o, overwrite: true }),
      async: () => saveDeviceInfoForDP(resource, device, INFO, { ...o, overwrite: true }),
    },
    { name: "load", sync: () => loadDeviceInfoFromDPSync(resource, device, o), async: () => loadDeviceInfoFromDP(resource, device, o) },
  ];
}

/** Every writer and reader of a CNI file; copy reads a DP file that exists. */
function cniOps(cniPath: string, baseDir: string): Op[] {
  const o = { baseDir };
  return [
    { name: "save", sync: () => saveDeviceInfoForCNISync(cniPath, INFO, o), async: () => saveDeviceInfoForCNI(cniPath, INFO, o) },
    {
      name: "save overwrite",
      sync: () => saveDeviceInfoForCNISync(cniPath, INFO, { ...o, overwrite: true }),
      async: () => saveDeviceInfoForCNI(cniPath, INFO, { ...o, overwrite: true }),
    },
    { name: "load", sync: () => loadDeviceInfoFromCNISync(cniPath, o), async: () => loadDeviceInfoFromCNI(cniPath, o) },
    {
      name: "copy",
      sync: () => copyDeviceInfoForCNIFromDPSync(cniPath, "src", "0", o),
      async: () => copyDeviceInfoForCNIFromDP(cniPath, "src", "0", o),
    },
    {
      name: "update",
      sync: () => updateDeviceInfoForCNISync(cniPath, () => OTHER, o),
      async: () => updateDeviceInfoForCNI(cniPath, () => OTHER, o),
    },
  ];
}

/**
 * Runs each op (sync, then async) and expects `code`; the whole tree under
 * `root` must be unchanged by any of them.
 */
async function expectRefused(ops: readonly Op[], code: DeviceInfoErrorCode): Promise<void> {
  const before = snapshot(root);
  for (const op of ops) {
    for (const twin of ["sync", "async"] as const) {
      expect(`${op.name} (${twin}): ${await outcome(op[twin])}`).toBe(`${op.name} (${twin}): ${code}`);
      expect(snapshot(root)).toEqual(before);
    }
  }
}

function publishSource(): void {
  saveDeviceInfoForDPSync("src", "0", INFO, { baseDir: base });
}

describe("a symlink at the target is never followed", () => {
  const links = [
    ["to a file outside", () => path.join(outside, "victim")],
    ["dangling, into the outside directory", () => path.join(outside, "created-through-link")],
    ["to a directory outside", () => outside],
    ["to itself (a loop)", () => "self"],
  ] as const;

  it.each(links)("DP file: a symlink %s", async (_what, target) => {
    const file = getDPDeviceInfoPath("r", "d", { baseDir: base });
    fs.mkdirSync(path.dirname(file));
    fs.symlinkSync(target(), file);
    await expectRefused(dpOps(base), "ERR_DEVINFO_UNSAFE_PATH");
    // clean removes the link itself, never what it points to.
    expect(cleanDeviceInfoForDPSync("r", "d", { baseDir: base })).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readFileSync(path.join(outside, "victim"), "utf8")).toBe(OUTSIDE_CONTENT);
    expect(fs.existsSync(path.join(outside, "created-through-link"))).toBe(false);
  });

  it.each(links)("CNI file: a symlink %s", async (_what, target) => {
    publishSource();
    const file = getCNIDeviceInfoPath("net", { baseDir: base });
    fs.mkdirSync(path.dirname(file));
    fs.symlinkSync(target(), file);
    await expectRefused(cniOps(file, base), "ERR_DEVINFO_UNSAFE_PATH");
    expect(await cleanDeviceInfoForCNI(file, { baseDir: base })).toBe(true);
    expect(fs.readFileSync(path.join(outside, "victim"), "utf8")).toBe(OUTSIDE_CONTENT);
  });
});

describe("<base>/dp or <base>/cni replaced by a symlink to elsewhere", () => {
  it("dp: every DP operation refuses, clean included; nothing outside is touched", async () => {
    fs.symlinkSync(outside, path.join(base, "dp"));
    await expectRefused(
      [
        ...dpOps(base),
        {
          name: "clean",
          sync: () => cleanDeviceInfoForDPSync("r", "d", { baseDir: base }),
          async: () => cleanDeviceInfoForDP("r", "d", { baseDir: base }),
        },
      ],
      "ERR_DEVINFO_UNSAFE_PATH",
    );
  });

  it("dp: copy refuses to read its source through it", async () => {
    fs.symlinkSync(outside, path.join(base, "dp"));
    fs.writeFileSync(path.join(outside, "src-0-device.json"), JSON.stringify(INFO));
    await expectRefused(cniOps(getCNIDeviceInfoPath("net", { baseDir: base }), base).slice(3, 4), "ERR_DEVINFO_UNSAFE_PATH");
  });

  it.each([
    ["as returned by getCNIDeviceInfoPath", (b: string) => getCNIDeviceInfoPath("net", { baseDir: b })],
    ["with a doubled slash", (b: string) => `${b}//cni/net`],
    ["with /./", (b: string) => `${b}/./cni/net`],
    ["through cni/../cni", (b: string) => `${b}/cni/../cni/net`],
    ["through dp/../cni", (b: string) => `${b}/dp/../cni/net`],
  ])("cni, path %s: every CNI operation refuses, clean included", async (_how, spell) => {
    publishSource();
    fs.symlinkSync(outside, path.join(base, "cni"));
    fs.writeFileSync(path.join(outside, "net"), JSON.stringify(OTHER));
    const file = spell(base);
    await expectRefused(
      [
        ...cniOps(file, base),
        {
          name: "clean",
          sync: () => cleanDeviceInfoForCNISync(file, { baseDir: base }),
          async: () => cleanDeviceInfoForCNI(file, { baseDir: base }),
        },
      ],
      "ERR_DEVINFO_UNSAFE_PATH",
    );
  });

  it("the base directory's own path may pass through a symlink (as /var/run → /run does)", async () => {
    const viaLink = path.join(root, "var-run-link");
    fs.symlinkSync(base, viaLink);
    publishSource();
    expect(saveDeviceInfoForDPSync("r", "d", INFO, { baseDir: viaLink })).toBe(path.join(viaLink, "dp", "r-d-device.json"));
    const cni = getCNIDeviceInfoPath("net", { baseDir: viaLink });
    expect(copyDeviceInfoForCNIFromDPSync(cni, "src", "0", { baseDir: viaLink })).toEqual(INFO);
    expect(loadDeviceInfoFromCNISync(cni, { baseDir: viaLink })).toEqual(INFO);
    expect(fs.existsSync(path.join(base, "cni", "net"))).toBe(true);
  });

  it("a CNI path outside the base directory: only its final component is checked", async () => {
    const realDir = path.join(outside, "elsewhere");
    fs.mkdirSync(realDir);
    const linkedDir = path.join(root, "linked");
    fs.symlinkSync(realDir, linkedDir);
    // The directory may be a symlink: the runtime chose the path.
    expect(await saveDeviceInfoForCNI(path.join(linkedDir, "net"), INFO, { baseDir: base })).toBe(path.join(linkedDir, "net"));
    expect(fs.existsSync(path.join(realDir, "net"))).toBe(true);
    // The file itself may not.
    fs.symlinkSync(path.join(outside, "victim"), path.join(linkedDir, "link"));
    publishSource();
    await expectRefused(cniOps(path.join(linkedDir, "link"), base), "ERR_DEVINFO_UNSAFE_PATH");
  });
});

describe("a directory, FIFO or socket where the file should be", () => {
  function makeFifo(file: string): void {
    execFileSync("mkfifo", [file]);
  }

  it.each([
    ["a directory", (f: string) => fs.mkdirSync(f)],
    ["a non-empty directory", (f: string) => fs.mkdirSync(path.join(f, "inner"), { recursive: true })],
    ["a FIFO", makeFifo],
  ])("DP target is %s: refused, left in place, no read blocks", async (_what, make) => {
    const file = getDPDeviceInfoPath("r", "d", { baseDir: base });
    fs.mkdirSync(path.dirname(file));
    make(file);
    await expectRefused(dpOps(base), "ERR_DEVINFO_UNSAFE_PATH");
  });

  it.each([
    ["a directory", (f: string) => fs.mkdirSync(f)],
    ["a FIFO", makeFifo],
  ])("CNI target is %s: refused, left in place, no read blocks", async (_what, make) => {
    publishSource();
    const file = getCNIDeviceInfoPath("net", { baseDir: base });
    fs.mkdirSync(path.dirname(file));
    make(file);
    await expectRefused(cniOps(file, base), "ERR_DEVINFO_UNSAFE_PATH");
  });

  it("clean never removes a directory", async () => {
    const file = getCNIDeviceInfoPath("net", { baseDir: base });
    fs.mkdirSync(file, { recursive: true });
    await expectRefused(
      [
        {
          name: "clean",
          sync: () => cleanDeviceInfoForCNISync(file, { baseDir: base }),
          async: () => cleanDeviceInfoForCNI(file, { baseDir: base }),
        },
      ],
      "ERR_DEVINFO_UNSAFE_PATH",
    );
  });

  it("a socket at the target: load refuses it", async () => {
    const file = getCNIDeviceInfoPath("net", { baseDir: base });
    fs.mkdirSync(path.dirname(file));
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(file, resolve));
    try {
      await expectRefused(
        cniOps(file, base).filter((op) => op.name === "load" || op.name === "save"),
        "ERR_DEVINFO_UNSAFE_PATH",
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("traversal names stay inside the base directory", () => {
  it.each<[string, string, string, "refused" | "confined"]>([
    ["dotdot resource", "..", "d", "confined"],
    ["dotdot device", "r", "..", "confined"],
    ["path-like resource", "../../outside", "victim", "confined"],
    ["absolute resource", "/etc/passwd", "d", "confined"],
    ["absolute device", "r", "/etc/shadow", "confined"],
    ["dot names", ".", ".", "confined"],
    ["NUL in the resource", "r\0/../x", "d", "refused"],
    ["empty device", "r", "", "refused"],
    ["a name over 255 bytes", "x".repeat(250), "d", "refused"],
    ["a name over 255 bytes in multibyte characters", "é".repeat(125), "d", "refused"],
  ])("DP %s: %s", async (_what, resource, device, expected) => {
    const before = snapshot(outside);
    for (const op of [
      ...dpOps(base, resource, device),
      {
        name: "clean",
        sync: () => cleanDeviceInfoForDPSync(resource, device, { baseDir: base }),
        async: () => cleanDeviceInfoForDP(resource, device, { baseDir: base }),
      },
    ]) {
      for (const twin of ["sync", "async"] as const) {
        const result = await outcome(op[twin]);
        // Confined names are ordinary file names: the second exclusive save finds the first one's file.
        const allowed = expected === "refused" ? ["ERR_DEVINFO_UNSAFE_PATH"] : ["ok", "ERR_DEVINFO_EXISTS"];
        expect(allowed).toContain(result);
      }
    }
    expect(snapshot(outside)).toEqual(before);
    const names = Object.keys(snapshot(base));
    if (expected === "refused") expect(names).toEqual([]);
    for (const name of names) expect(name === "dp" || path.dirname(name) === "dp").toBe(true);
  });

  it.each<[string, string]>([
    ["..", "ERR_DEVINFO_UNSAFE_PATH"],
    [".", "ERR_DEVINFO_UNSAFE_PATH"],
    ["", "ERR_DEVINFO_UNSAFE_PATH"],
    ["a\0b", "ERR_DEVINFO_UNSAFE_PATH"],
    ["x".repeat(256), "ERR_DEVINFO_UNSAFE_PATH"],
    ["../../outside/victim", "ok"],
    ["/../../outside/victim", "ok"],
  ])("CNI name %j: getCNIDeviceInfoPath refuses it or keeps it in <base>/cni", (name, expected) => {
    let result: string;
    try {
      result = path.relative(base, getCNIDeviceInfoPath(name, { baseDir: base }));
      expect(path.dirname(result)).toBe("cni");
      result = "ok";
    } catch (err) {
      result = isDeviceInfoError(err) ? err.code : String(err);
    }
    expect(result).toBe(expected);
  });

  it.each([
    ["a relative path", "cni/net"],
    ["a bare name", "net"],
    ["the root", "/"],
    ["a directory path", "<base>/cni/"],
    ["a path ending in ..", "<base>/cni/.."],
    ["a path ending in .", "<base>/cni/."],
    ["a NUL byte", "<base>/cni/a\0b"],
    ["a final component over 255 bytes", `<base>/cni/${"x".repeat(256)}`],
  ])("CNI path that is %s: every operation refuses it", async (_what, spelled) => {
    publishSource();
    const file = spelled.replace("<base>", base);
    await expectRefused(
      [
        ...cniOps(file, base),
        {
          name: "clean",
          sync: () => cleanDeviceInfoForCNISync(file, { baseDir: base }),
          async: () => cleanDeviceInfoForCNI(file, { baseDir: base }),
        },
      ],
      "ERR_DEVINFO_UNSAFE_PATH",
    );
  });
});
