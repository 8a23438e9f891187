/**
 * Hostile file systems that need root to set up: another user, a read-only
 * bind mount, a full tmpfs, a device node at the target. Each operation must
 * give its typed error (with the system's errno), write nothing, leave no
 * temporary or lock file, and work again once the obstacle is gone.
 *
 * Run as root by .ci/run (`npm run test:hostile`). Without root, or without
 * setpriv, mount and mknod (util-linux, coreutils), the suite fails: it never
 * skips.
 */

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type DeviceInfo,
  getCNIDeviceInfoPath,
  getDPDeviceInfoPath,
  saveDeviceInfoForCNISync,
  saveDeviceInfoForDPSync,
} from "../../src/index.js";
import { bundle } from "../stress/_harness.js";
import { type OpCommand, type OpResult, runOp } from "./_op.js";

const NOBODY = 65534;
const INFO: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
/** A document of about 9 KiB: more than the pages a full tmpfs has left. */
const BIG = { ...INFO, padding: "x".repeat(9000) } as DeviceInfo;

function which(tool: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

let scratch: string;
let opScript: string;
const mounts: string[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the hostile filesystem suite needs root (it mounts file systems and switches users); run it as root, as .ci/run does: npm run test:hostile",
    );
  }
  const missing = ["setpriv", "mount", "umount", "mknod", "mkfifo"].filter((tool) => !which(tool));
  if (missing.length > 0) throw new Error(`missing ${missing.join(", ")}: apt-get install util-linux coreutils`);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-hostile-"));
  // The unprivileged user must reach the scratch directory and the bundled script.
  fs.chmodSync(scratch, 0o755);
  const bin = path.join(scratch, "bin");
  fs.mkdirSync(bin, { mode: 0o755 });
  opScript = await bundle("hostile/_op.ts", bin);
  fs.chmodSync(opScript, 0o644);
});

afterEach(() => {
  for (const dir of mounts.splice(0).reverse()) execFileSync("umount", [dir]);
});

afterAll(() => {
  if (scratch !== undefined) fs.rmSync(scratch, { recursive: true, force: true });
});

function dir(name: string, mode = 0o755): string {
  const d = path.join(scratch, name);
  fs.mkdirSync(d, { recursive: true, mode });
  fs.chmodSync(d, mode);
  return d;
}

function mount(args: readonly string[], target: string): void {
  execFileSync("mount", [...args, target]);
  mounts.push(target);
}

/** Runs one operation as uid/gid 65534 with no supplementary groups. */
function asNobody(cmd: OpCommand): OpResult {
  const out = execFileSync(
    "setpriv",
    ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", process.execPath, opScript, JSON.stringify(cmd)],
    { encoding: "utf8" },
  );
  return JSON.parse(out) as OpResult;
}

/** Every name under `d` with its type, mode and content. */
function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (fs.readdirSync(d, { recursive: true }) as string[]).sort()) {
    const file = path.join(d, name);
    const stats = fs.lstatSync(file);
    const kind = stats.isFile() ? `file ${fs.readFileSync(file, "utf8").length}` : stats.isDirectory() ? "dir" : "special";
    out[name] = `${kind} ${(stats.mode & 0o7777).toString(8)} ${stats.uid}`;
  }
  return out;
}

type Case = readonly [OpCommand["op"], string];

/** Runs every case in both twins; each must end as expected and leave `watched` as it was. */
async function expectOutcomes(
  run: (cmd: OpCommand) => OpResult | Promise<OpResult>,
  base: Omit<OpCommand, "op" | "twin">,
  cases: readonly Case[],
  watched: string,
): Promise<void> {
  const before = snapshot(watched);
  for (const [op, expected] of cases) {
    for (const twin of ["sync", "async"] as const) {
      const result = await run({ ...base, op, twin });
      const got = result.errno === undefined ? result.outcome : `${result.outcome} ${result.errno}`;
      expect(`${op} (${twin}): ${got}`).toBe(`${op} (${twin}): ${expected}`);
      expect(snapshot(watched)).toEqual(before);
    }
  }
}

describe("as an unprivileged user (uid 65534), the base directory root's", () => {
  it("base and its directories exist, root-owned 0755: writers fail with EACCES, readers work, nothing changes", async () => {
    const base = dir("root-owned");
    saveDeviceInfoForDPSync("r", "d", INFO, { baseDir: base });
    const cni = getCNIDeviceInfoPath("net", { baseDir: base });
    saveDeviceInfoForCNISync(cni, INFO, { baseDir: base });
    const other = getCNIDeviceInfoPath("other", { baseDir: base });
    await expectOutcomes(
      asNobody,
      { baseDir: base, path: cni },
      [
        ["overwriteDP", "ERR_DEVINFO_IO EACCES"],
        ["cleanDP", "ERR_DEVINFO_IO EACCES"],
        ["overwriteCNI", "ERR_DEVINFO_IO EACCES"],
        ["cleanCNI", "ERR_DEVINFO_IO EACCES"],
        ["update", "ERR_DEVINFO_IO EACCES"],
        ["loadDP", "ok"],
        ["loadCNI", "ok"],
      ],
      scratch,
    );
    await expectOutcomes(
      asNobody,
      { baseDir: base, path: other },
      [
        ["saveCNI", "ERR_DEVINFO_IO EACCES"],
        ["copy", "ERR_DEVINFO_IO EACCES"],
      ],
      scratch,
    );
  });

  it("base missing under a root-owned parent: EACCES, and no directory left behind (Go leaves a 0000 one)", async () => {
    const parent = dir("parent");
    const base = path.join(parent, "devinfo");
    await expectOutcomes(
      asNobody,
      { baseDir: base, path: getCNIDeviceInfoPath("net", { baseDir: base }) },
      [
        ["saveDP", "ERR_DEVINFO_IO EACCES"],
        ["saveCNI", "ERR_DEVINFO_IO EACCES"],
        ["update", "ERR_DEVINFO_IO EACCES"],
        ["loadDP", "ok"],
        ["cleanDP", "ok"],
      ],
      scratch,
    );
  });

  it("a root-only (0700) dp directory: reading fails with EACCES, not as 'no file'", async () => {
    const base = dir("private");
    saveDeviceInfoForDPSync("r", "d", INFO, { baseDir: base });
    fs.chmodSync(path.join(base, "dp"), 0o700);
    await expectOutcomes(
      asNobody,
      { baseDir: base },
      [
        ["loadDP", "ERR_DEVINFO_IO EACCES"],
        ["saveDP", "ERR_DEVINFO_IO EACCES"],
      ],
      scratch,
    );
  });

  it.each(["077", "000", "777"])("in its own base directory under umask %s: directories 0755, files 0444", async (mask) => {
    const umask = Number.parseInt(mask, 8);
    const base = dir(`own-${mask}`);
    fs.chownSync(base, NOBODY, NOBODY);
    const cni = getCNIDeviceInfoPath("net", { baseDir: base });
    for (const op of ["saveDP", "saveCNI"] as const)
      expect(asNobody({ op, twin: "sync", baseDir: base, path: cni, umask })).toEqual({ outcome: "ok" });
    expect(snapshot(base)).toEqual({
      dp: `dir 755 ${NOBODY}`,
      "dp/r-d-device.json": `file ${JSON.stringify(INFO).length} 444 ${NOBODY}`,
      cni: `dir 755 ${NOBODY}`,
      "cni/net": `file ${JSON.stringify(INFO).length} 444 ${NOBODY}`,
    });
  });
});

describe("a read-only bind mount", () => {
  it("every writer fails with EROFS, readers work, nothing changes", async () => {
    const real = dir("rw");
    saveDeviceInfoForDPSync("r", "d", INFO, { baseDir: real });
    saveDeviceInfoForCNISync(getCNIDeviceInfoPath("net", { baseDir: real }), INFO, { baseDir: real });
    const base = dir("ro");
    mount(["--bind", real], base);
    execFileSync("mount", ["-o", "remount,bind,ro", base]);
    const cni = getCNIDeviceInfoPath("net", { baseDir: base });
    await expectOutcomes(
      runOp,
      { baseDir: base, path: cni },
      [
        ["overwriteDP", "ERR_DEVINFO_IO EROFS"],
        ["cleanDP", "ERR_DEVINFO_IO EROFS"],
        ["overwriteCNI", "ERR_DEVINFO_IO EROFS"],
        ["cleanCNI", "ERR_DEVINFO_IO EROFS"],
        ["update", "ERR_DEVINFO_IO EROFS"],
        ["loadDP", "ok"],
        ["loadCNI", "ok"],
      ],
      scratch,
    );
    await expectOutcomes(
      runOp,
      { baseDir: path.join(base, "sub"), path: path.join(base, "sub", "cni", "x") },
      [
        ["saveDP", "ERR_DEVINFO_IO EROFS"],
        ["saveCNI", "ERR_DEVINFO_IO EROFS"],
      ],
      scratch,
    );
  });
});

describe("a full file system", () => {
  function fill(d: string): string {
    const filler = path.join(d, "filler");
    const fd = fs.openSync(filler, "w");
    const chunk = Buffer.alloc(4096, 120);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
    } finally {
      fs.closeSync(fd);
    }
    return filler;
  }

  it("no space (64 KiB tmpfs): writers fail with ENOSPC, old files stay whole, no temporary or lock file; all work once there is space", async () => {
    const mnt = dir("full");
    mount(["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs"], mnt);
    const base = path.join(mnt, "base");
    saveDeviceInfoForDPSync("r", "d", INFO, { baseDir: base });
    const cni = getCNIDeviceInfoPath("net", { baseDir: base });
    saveDeviceInfoForCNISync(cni, INFO, { baseDir: base });
    const filler = fill(mnt);
    const common = { baseDir: base, info: BIG };
    await expectOutcomes(
      runOp,
      { ...common, path: cni },
      [
        ["overwriteDP", "ERR_DEVINFO_IO ENOSPC"],
        ["overwriteCNI", "ERR_DEVINFO_IO ENOSPC"],
        ["update", "ERR_DEVINFO_IO ENOSPC"],
        ["loadCNI", "ok"],
      ],
      mnt,
    );
    const fresh = getCNIDeviceInfoPath("fresh", { baseDir: base });
    await expectOutcomes(
      runOp,
      { ...common, path: fresh },
      [
        ["saveCNI", "ERR_DEVINFO_IO ENOSPC"],
        ["copy", "ERR_DEVINFO_IO ENOSPC"],
      ],
      mnt,
    );
    fs.rmSync(filler);
    for (const op of ["overwriteDP", "update", "copy"] as const)
      expect(await runOp({ ...common, path: op === "copy" ? fresh : cni, op, twin: "sync" })).toEqual({ outcome: "ok" });
  });

  it("no inodes (tmpfs nr_inodes): writers fail with ENOSPC before writing anything", async () => {
    const mnt = dir("no-inodes");
    mount(["-t", "tmpfs", "-o", "size=1m,nr_inodes=8,mode=0755", "tmpfs"], mnt);
    const base = path.join(mnt, "base");
    saveDeviceInfoForDPSync("r", "d", INFO, { baseDir: base });
    const cni = getCNIDeviceInfoPath("net", { baseDir: base });
    saveDeviceInfoForCNISync(cni, INFO, { baseDir: base });
    for (let i = 0; ; i++) {
      try {
        fs.writeFileSync(path.join(mnt, `inode-${i}`), "");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw err;
      }
    }
    await expectOutcomes(
      runOp,
      { baseDir: base, path: cni },
      [
        ["overwriteDP", "ERR_DEVINFO_IO ENOSPC"],
        ["overwriteCNI", "ERR_DEVINFO_IO ENOSPC"],
        ["update", "ERR_DEVINFO_IO ENOSPC"],
        ["loadDP", "ok"],
      ],
      mnt,
    );
  });
});

describe("a device node at the target", () => {
  it("a character device (like /dev/zero) is refused without reading it", async () => {
    const base = dir("devnode");
    const file = getDPDeviceInfoPath("r", "d", { baseDir: base });
    fs.mkdirSync(path.dirname(file));
    execFileSync("mknod", [file, "c", "1", "5"]);
    await expectOutcomes(
      runOp,
      { baseDir: base },
      [
        ["loadDP", "ERR_DEVINFO_UNSAFE_PATH"],
        ["saveDP", "ERR_DEVINFO_UNSAFE_PATH"],
        ["overwriteDP", "ERR_DEVINFO_UNSAFE_PATH"],
      ],
      base,
    );
  });
});
