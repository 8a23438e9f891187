import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import { LOCK_FILE_PREFIX, lockPathFor, TEMP_FILE_PREFIX } from "../../src/files/_atomic.js";
import {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  type DeviceInfoUpdater,
  type DeviceInfoUpdaterSync,
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
} from "../../src/files/operations.js";
import { getCNIDeviceInfoPath, getDPDeviceInfoPath } from "../../src/files/paths.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { normaliseGoControlEscapes, readFixtures, writeFixtures } from "../helpers/fixtures.js";
import { useTempDir } from "../helpers/temp-dir.js";

const PCI: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
const PCI2: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.1", "rdma-device": "mlx5_1" } };
const DEVIATING = {
  type: "vdpa",
  version: "1.1.0",
  vdpa: { "parent-device": "vdpa:0000:af:06.1", driver: "vhost" },
} as unknown as DeviceInfo;
const RES = "intel.com/sriov";
const DEV = "0000:af:06.0";

/** The public API with every function async; the Sync twins wrapped so that both run the same tests. */
interface Api {
  saveDP: typeof saveDeviceInfoForDP;
  loadDP: typeof loadDeviceInfoFromDP;
  cleanDP: typeof cleanDeviceInfoForDP;
  saveCNI: typeof saveDeviceInfoForCNI;
  loadCNI: typeof loadDeviceInfoFromCNI;
  cleanCNI: typeof cleanDeviceInfoForCNI;
  copy: typeof copyDeviceInfoForCNIFromDP;
  update: (
    cniPath: string,
    fn: DeviceInfoUpdaterSync,
    options?: Parameters<typeof updateDeviceInfoForCNI>[2],
  ) => Promise<DeviceInfo | undefined>;
}

const ASYNC: Api = {
  saveDP: saveDeviceInfoForDP,
  loadDP: loadDeviceInfoFromDP,
  cleanDP: cleanDeviceInfoForDP,
  saveCNI: saveDeviceInfoForCNI,
  loadCNI: loadDeviceInfoFromCNI,
  cleanCNI: cleanDeviceInfoForCNI,
  copy: copyDeviceInfoForCNIFromDP,
  update: (p, fn, o) => updateDeviceInfoForCNI(p, fn as DeviceInfoUpdater, o),
};
const SYNC: Api = {
  saveDP: async (...a) => saveDeviceInfoForDPSync(...a),
  loadDP: async (...a) => loadDeviceInfoFromDPSync(...a),
  cleanDP: async (...a) => cleanDeviceInfoForDPSync(...a),
  saveCNI: async (...a) => saveDeviceInfoForCNISync(...a),
  loadCNI: async (...a) => loadDeviceInfoFromCNISync(...a),
  cleanCNI: async (...a) => cleanDeviceInfoForCNISync(...a),
  copy: async (...a) => copyDeviceInfoForCNIFromDPSync(...a),
  update: async (p, fn, o) => updateDeviceInfoForCNISync(p, fn, o),
};

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isDeviceInfoError(err) ? err.code : `not a DeviceInfoError: ${String(err)}`;
  }
  return undefined;
}

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (isDeviceInfoError(err)) return err;
    throw err;
  }
  throw new Error("expected a DeviceInfoError");
}

const modeOf = (p: string) => fs.lstatSync(p).mode & 0o7777;
const state = (p: string) => {
  const s = fs.lstatSync(p);
  return { content: fs.readFileSync(p, "utf8"), ino: s.ino, mtimeMs: s.mtimeMs, mode: s.mode & 0o7777 };
};

/** Every entry under `dir` named like the package's temporary or lock files. */
function allLeftovers(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[]).filter((p) => {
    const name = path.basename(p);
    return name.startsWith(TEMP_FILE_PREFIX) || name.startsWith(LOCK_FILE_PREFIX);
  });
}

describe.each([
  ["async", ASYNC],
  ["sync", SYNC],
] as const)("file operations (%s)", (_mode, api) => {
  const tmp = useTempDir();
  const base = () => tmp.join("base");
  const opts = () => ({ baseDir: base() });
  const dpPath = () => getDPDeviceInfoPath(RES, DEV, opts());
  const cniPath = (name = "net1-abc_net1") => getCNIDeviceInfoPath(name, opts());

  afterEach(() => {
    // No temporary or lock file survives any operation, successful or not.
    expect(allLeftovers(tmp.path)).toEqual([]);
  });

  describe("save", () => {
    it("writes Go's bytes, mode 0444, creating missing directories 0755, and resolves to the path", async () => {
      expect(await api.saveDP(RES, DEV, PCI, opts())).toBe(dpPath());
      expect(fs.readFileSync(dpPath(), "utf8")).toBe('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}');
      expect(modeOf(dpPath())).toBe(0o444);
      expect(modeOf(base())).toBe(0o755);
      expect(modeOf(path.join(base(), "dp"))).toBe(0o755);

      const deep = tmp.join("elsewhere", "a", "b", "f");
      expect(await api.saveCNI(deep, PCI)).toBe(deep);
      for (const dir of ["elsewhere", "elsewhere/a", "elsewhere/a/b"]) expect(modeOf(tmp.join(dir))).toBe(0o755);
      expect(modeOf(deep)).toBe(0o444);
    });

    it("does not change the mode of directories that exist", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true, mode: 0o700 });
      fs.chmodSync(path.join(base(), "cni"), 0o700);
      await api.saveCNI(cniPath(), PCI);
      expect(modeOf(path.join(base(), "cni"))).toBe(0o700);
    });

    it("is exclusive: an existing file is an ERR_DEVINFO_EXISTS error and stays untouched", async () => {
      await api.saveCNI(cniPath(), PCI);
      const before = state(cniPath());
      const err = await errorOf(api.saveCNI(cniPath(), PCI2));
      expect(err.code).toBe("ERR_DEVINFO_EXISTS");
      expect(err.path).toBe(cniPath());
      expect(state(cniPath())).toEqual(before);
      await api.saveDP(RES, DEV, PCI, opts());
      expect(await codeOf(api.saveDP(RES, DEV, PCI2, opts()))).toBe("ERR_DEVINFO_EXISTS");
      expect(await api.loadDP(RES, DEV, opts())).toEqual(PCI);
    });

    it("replaces a file atomically with overwrite: true (a new inode renamed into place)", async () => {
      await api.saveCNI(cniPath(), PCI);
      const before = state(cniPath());
      await api.saveCNI(cniPath(), PCI2, { overwrite: true });
      const after = state(cniPath());
      expect(after.content).toBe(serializeDeviceInfo(PCI2));
      expect(after.mode).toBe(0o444);
      expect(after.ino).not.toBe(before.ino);
      // and creates the file when there is none
      await api.saveDP(RES, DEV, PCI, { ...opts(), overwrite: true });
      expect(await api.loadDP(RES, DEV, opts())).toEqual(PCI);
    });

    it("does not modify the document it is given, even one it normalises", async () => {
      const info = JSON.parse('{"x":{"y":[1]},"Type":"pci","PCI":{"PCI-Address":"0000:af:06.0","vhost-net":null},"version":"1.1.0"}');
      const before = structuredClone(info);
      await api.saveCNI(cniPath(), info, { strict: false });
      await api.update(cniPath(), () => info, { strict: false });
      expect(info).toEqual(before);
      expect(Object.keys(info)).toEqual(Object.keys(before));
      expect(fs.readFileSync(cniPath(), "utf8")).toBe(
        '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"},"x":{"y":[1]}}',
      );
    });

    it("writes with durable: true", async () => {
      await api.saveCNI(cniPath(), PCI, { durable: true });
      expect(fs.readFileSync(cniPath(), "utf8")).toBe(serializeDeviceInfo(PCI));
    });

    it("validates strictly by default and writes nothing, not even a directory, for a deviating document", async () => {
      const err = await errorOf(api.saveDP(RES, DEV, DEVIATING, opts()));
      expect(err.code).toBe("ERR_DEVINFO_INVALID");
      expect(err.issues.map((i) => i.jsonPath)).toEqual(["$['vdpa']['path']"]);
      expect(err.path).toBe(dpPath());
      expect(err.message).toContain("strict: false");
      expect(fs.existsSync(base())).toBe(false);
    });

    it("writes a deviating document with strict: false, reporting each warning once", async () => {
      const warnings: DeviceInfoIssue[] = [];
      await api.saveCNI(cniPath(), DEVIATING, { strict: false, onWarning: (w) => warnings.push(w) });
      expect(warnings.map((w) => w.jsonPath)).toEqual(["$['vdpa']['path']"]);
      expect(fs.readFileSync(cniPath(), "utf8")).toBe(
        '{"type":"vdpa","version":"1.1.0","vdpa":{"parent-device":"vdpa:0000:af:06.1","driver":"vhost"}}',
      );
    });

    it.each<[string, unknown]>([
      ["null", null],
      ["an array", [PCI]],
      ["a string", JSON.stringify(PCI)],
      ["a number field", { ...PCI, pci: { "pci-address": 5 } }],
      ["a BigInt in an unknown key", { ...PCI, x: 1n }],
    ])("refuses %s with ERR_DEVINFO_INVALID (even with strict: false) and creates nothing", async (_what, value) => {
      for (const strict of [true, false]) {
        const err = await errorOf(api.saveCNI(cniPath(), value as DeviceInfo, { strict }));
        expect(err.code).toBe("ERR_DEVINFO_INVALID");
        expect(err.path).toBe(cniPath());
        expect(err.issues.length).toBeGreaterThan(0);
      }
      expect(fs.existsSync(base())).toBe(false);
    });

    it("refuses a document over maxBytes, so that everything written can be read back", async () => {
      const size = Buffer.byteLength(serializeDeviceInfo(PCI));
      const err = await errorOf(api.saveCNI(cniPath(), PCI, { maxBytes: size - 1 }));
      expect(err.code).toBe("ERR_DEVINFO_TOO_LARGE");
      expect(fs.existsSync(cniPath())).toBe(false);
      await api.saveCNI(cniPath(), PCI, { maxBytes: size });
      expect(await api.loadCNI(cniPath(), { maxBytes: size })).toEqual(PCI);
      // the default cap (64 KiB) applies too
      const big = { ...PCI, x: "a".repeat(64 * 1024) } as DeviceInfo;
      expect(await codeOf(api.saveCNI(tmp.join("big"), big))).toBe("ERR_DEVINFO_TOO_LARGE");
    });

    it.each(["dangling", "existing"] as const)(
      "refuses a %s symlink at the target, writing nothing through it, even with overwrite",
      async (kind) => {
        const victim = tmp.join("victim", "file");
        fs.mkdirSync(path.dirname(victim));
        if (kind === "existing") fs.writeFileSync(victim, "precious");
        fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
        fs.symlinkSync(victim, cniPath());
        for (const overwrite of [false, true]) {
          const err = await errorOf(api.saveCNI(cniPath(), PCI, { overwrite }));
          expect(err.code).toBe("ERR_DEVINFO_UNSAFE_PATH");
          expect(err.path).toBe(cniPath());
        }
        expect(fs.readlinkSync(cniPath())).toBe(victim);
        expect(kind === "existing" ? fs.readFileSync(victim, "utf8") : fs.existsSync(victim)).toBe(
          kind === "existing" ? "precious" : false,
        );
      },
    );

    it("refuses a directory at the target, with and without overwrite", async () => {
      fs.mkdirSync(cniPath(), { recursive: true });
      for (const overwrite of [false, true])
        expect(await codeOf(api.saveCNI(cniPath(), PCI, { overwrite }))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(fs.statSync(cniPath()).isDirectory()).toBe(true);
    });

    it.each(["dp", "cni"] as const)("refuses <base>/%s being a symlink, and writes nothing where it points", async (sub) => {
      const elsewhere = tmp.join("elsewhere");
      fs.mkdirSync(elsewhere);
      fs.mkdirSync(base());
      fs.symlinkSync(elsewhere, path.join(base(), sub));
      const write = sub === "dp" ? api.saveDP(RES, DEV, PCI, opts()) : api.saveCNI(cniPath(), PCI, opts());
      const err = await errorOf(write);
      expect(err.code).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(err.path).toBe(path.join(base(), sub));
      expect(fs.readdirSync(elsewhere)).toEqual([]);
      // the same for a dangling link (nothing created where it points)
      fs.unlinkSync(path.join(base(), sub));
      fs.symlinkSync(tmp.join("missing"), path.join(base(), sub));
      expect(await codeOf(sub === "dp" ? api.saveDP(RES, DEV, PCI, opts()) : api.saveCNI(cniPath(), PCI, opts()))).toBe(
        "ERR_DEVINFO_UNSAFE_PATH",
      );
      expect(fs.existsSync(tmp.join("missing"))).toBe(false);
    });

    it("refuses <base>/dp being a regular file", async () => {
      fs.mkdirSync(base());
      fs.writeFileSync(path.join(base(), "dp"), "");
      expect(await codeOf(api.saveDP(RES, DEV, PCI, opts()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
    });

    it("guards <base>/cni even when the CNI path is spelt differently", async () => {
      fs.mkdirSync(base());
      fs.symlinkSync(tmp.path, path.join(base(), "cni"));
      for (const p of [`${base()}//cni/x`, `${base()}/./cni/x`, `${base()}/cni/../cni/x`]) {
        expect(await codeOf(api.saveCNI(p, PCI, opts()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      }
    });

    it.each(["relative/path", "net1", "./x", "", "/", "/tmp/x/", "/tmp/.", "/tmp/..", "/tmp/a\0b", `/tmp/${"c".repeat(256)}`])(
      "refuses the CNI path %j with ERR_DEVINFO_UNSAFE_PATH",
      async (p) => {
        expect(await codeOf(api.saveCNI(p, PCI))).toBe("ERR_DEVINFO_UNSAFE_PATH");
        expect(await codeOf(api.loadCNI(p))).toBe("ERR_DEVINFO_UNSAFE_PATH");
        expect(await codeOf(api.cleanCNI(p))).toBe("ERR_DEVINFO_UNSAFE_PATH");
        expect(await codeOf(api.update(p, () => PCI))).toBe("ERR_DEVINFO_UNSAFE_PATH");
        expect(await codeOf(api.copy(p, RES, DEV, opts()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      },
    );

    it("refuses unsafe DP names", async () => {
      for (const [r, d] of [
        ["", DEV],
        [RES, ""],
        [RES, "a\0b"],
        ["r".repeat(300), DEV],
      ]) {
        expect(await codeOf(api.saveDP(r as string, d as string, PCI, opts()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      }
    });

    it("reports a path under a regular file as ERR_DEVINFO_UNSAFE_PATH with the errno", async () => {
      fs.writeFileSync(tmp.join("plain"), "");
      const err = await errorOf(api.saveCNI(tmp.join("plain", "f"), PCI));
      expect(err.code).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(err.errno).toBe("ENOTDIR");
    });
  });

  describe("the Go reference's write fixtures, saved", () => {
    const fixtures = writeFixtures();
    const known = new Set(["type", "version", "pci", "vdpa", "vhost-user", "memif"]);

    it.each(fixtures.filter((f) => f.goOutput !== undefined).map((f) => [f.name, f] as const))(
      "%s: the CNI and DP files hold Go's bytes (plus unknown keys, kept)",
      async (_name, fixture) => {
        const info = parseDeviceInfo(fixture.input, { strict: false });
        const file = cniPath(fixture.name);
        await api.saveCNI(file, info, { strict: false });
        await api.saveDP("example.com/res", fixture.name, info, { ...opts(), strict: false });
        const cni = fs.readFileSync(file, "utf8");
        const dp = fs.readFileSync(getDPDeviceInfoPath("example.com/res", fixture.name, opts()), "utf8");
        expect(dp).toBe(cni);
        expect(modeOf(file)).toBe(0o444);
        const input = JSON.parse(fixture.input) as Record<string, unknown>;
        const hasUnknown = Object.keys(input).some((k) => !known.has(k)) || fixture.name === "scrambled-order-unknown-keys";
        if (hasUnknown) {
          expect(cni).toBe(serializeDeviceInfo(info));
          expect(serializeDeviceInfo(parseDeviceInfo(cni), { unknownKeys: "drop" })).toBe(fixture.goOutput);
        } else {
          expect(normaliseGoControlEscapes(cni)).toBe(normaliseGoControlEscapes(fixture.goOutput ?? ""));
        }
      },
    );

    it("null-devinfo: ERR_DEVINFO_INVALID and nothing created", async () => {
      const fixture = fixtures.find((f) => f.name === "null-devinfo");
      expect(fixture?.goOutput).toBeUndefined();
      const value = JSON.parse(fixture?.input ?? "") as DeviceInfo;
      expect(await codeOf(api.saveCNI(cniPath(), value, { strict: false }))).toBe("ERR_DEVINFO_INVALID");
      expect(await codeOf(api.saveDP(RES, DEV, value, { ...opts(), strict: false }))).toBe("ERR_DEVINFO_INVALID");
      expect(fs.existsSync(base())).toBe(false);
    });
  });

  describe("load", () => {
    it("resolves to undefined when the file, or its directory, does not exist", async () => {
      expect(await api.loadDP(RES, DEV, opts())).toBeUndefined();
      expect(await api.loadCNI(cniPath())).toBeUndefined();
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      expect(await api.loadCNI(cniPath())).toBeUndefined();
    });

    it("reads what save wrote, unknown keys included", async () => {
      const info = { ...PCI, pci: { ...PCI.pci, "x-sub": [1] }, "x-top": { a: "<&>" } } as DeviceInfo;
      await api.saveDP(RES, DEV, info, opts());
      expect(await api.loadDP(RES, DEV, opts())).toEqual(info);
    });

    it("is lenient by default (warnings through onWarning) and strict on request", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      fs.writeFileSync(cniPath(), JSON.stringify(DEVIATING));
      const warnings: DeviceInfoIssue[] = [];
      expect(await api.loadCNI(cniPath(), { onWarning: (w) => warnings.push(w) })).toEqual(DEVIATING);
      expect(warnings.map((w) => [w.code, w.jsonPath])).toEqual([["missing_field", "$['vdpa']['path']"]]);
      const err = await errorOf(api.loadCNI(cniPath(), { strict: true }));
      expect(err.code).toBe("ERR_DEVINFO_INVALID");
      expect(err.path).toBe(cniPath());
      expect(err.message).toContain(cniPath());
    });

    it("names the file in parse and type errors", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      fs.writeFileSync(cniPath("a"), '{"type":');
      fs.writeFileSync(cniPath("b"), '{"type":5}');
      fs.writeFileSync(cniPath("c"), "");
      for (const [name, code] of [
        ["a", "ERR_DEVINFO_PARSE"],
        ["b", "ERR_DEVINFO_INVALID"],
        ["c", "ERR_DEVINFO_PARSE"],
      ] as const) {
        const err = await errorOf(api.loadCNI(cniPath(name)));
        expect(err.code).toBe(code);
        expect(err.path).toBe(cniPath(name));
        expect(err.message).toContain(cniPath(name));
      }
    });

    it("refuses a directory", async () => {
      fs.mkdirSync(cniPath(), { recursive: true });
      expect(await codeOf(api.loadCNI(cniPath()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
    });

    it("refuses a FIFO without blocking on it", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      execFileSync("mkfifo", [cniPath()]);
      expect(await codeOf(api.loadCNI(cniPath()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(await codeOf(api.saveCNI(cniPath(), PCI, { overwrite: true }))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(fs.lstatSync(cniPath()).isFIFO()).toBe(true);
    });

    it("refuses a socket and a character device", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(cniPath(), resolve));
      try {
        expect(await codeOf(api.loadCNI(cniPath()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      expect(await codeOf(api.loadCNI("/dev/null"))).toBe("ERR_DEVINFO_UNSAFE_PATH");
    });

    it("refuses a symlink at the target, even to a valid file", async () => {
      await api.saveCNI(tmp.join("real"), PCI);
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      fs.symlinkSync(tmp.join("real"), cniPath());
      const err = await errorOf(api.loadCNI(cniPath()));
      expect(err.code).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(err.path).toBe(cniPath());
    });

    it.each(["dp", "cni"] as const)("refuses <base>/%s being a symlink", async (sub) => {
      const elsewhere = tmp.join("elsewhere");
      await api.saveDP(RES, DEV, PCI, { baseDir: elsewhere });
      await api.saveCNI(getCNIDeviceInfoPath("x", { baseDir: elsewhere }), PCI);
      fs.mkdirSync(base());
      fs.symlinkSync(path.join(elsewhere, sub), path.join(base(), sub));
      const read = sub === "dp" ? api.loadDP(RES, DEV, opts()) : api.loadCNI(cniPath("x"), opts());
      expect(await codeOf(read)).toBe("ERR_DEVINFO_UNSAFE_PATH");
    });

    it("refuses a file over maxBytes, and accepts one of exactly maxBytes", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      const text = serializeDeviceInfo(PCI);
      fs.writeFileSync(cniPath(), text);
      expect(await codeOf(api.loadCNI(cniPath(), { maxBytes: text.length - 1 }))).toBe("ERR_DEVINFO_TOO_LARGE");
      expect(await api.loadCNI(cniPath(), { maxBytes: text.length })).toEqual(PCI);
    });

    it("refuses a huge sparse file without reading it (a 64 GiB buffer could not even be allocated)", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      fs.writeFileSync(cniPath(), "");
      fs.truncateSync(cniPath(), 64 * 2 ** 30);
      const err = await errorOf(api.loadCNI(cniPath()));
      expect(err.code).toBe("ERR_DEVINFO_TOO_LARGE");
      expect(err.message).toContain(String(64 * 2 ** 30));
      expect(await codeOf(api.loadCNI(cniPath(), { maxBytes: 100 * 2 ** 20 }))).toBe("ERR_DEVINFO_TOO_LARGE");
    });

    it("reads files that report size 0 (procfs) up to maxBytes only", async () => {
      expect(fs.statSync("/proc/self/cmdline").size).toBe(0);
      expect(await codeOf(api.loadCNI("/proc/self/cmdline", { maxBytes: 4 }))).toBe("ERR_DEVINFO_TOO_LARGE");
      expect(await codeOf(api.loadCNI("/proc/self/cmdline", { maxBytes: 1 << 20 }))).toBe("ERR_DEVINFO_PARSE");
    });

    it("reports a path under a regular file as ERR_DEVINFO_UNSAFE_PATH (the code of every reader, test/files/path-kinds.test.ts)", async () => {
      fs.writeFileSync(tmp.join("plain"), "");
      const err = await errorOf(api.loadCNI(tmp.join("plain", "f")));
      expect([err.code, err.errno]).toEqual(["ERR_DEVINFO_UNSAFE_PATH", "ENOTDIR"]);
    });
  });

  describe("the Go reference's read fixtures, loaded from files", () => {
    const fixtures = readFixtures();
    it.each(fixtures.map((f) => [f.name, f] as const))("%s", async (name, fixture) => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      fs.writeFileSync(cniPath(name), fixture.bytes);
      const loading = api.loadCNI(cniPath(name));
      if (fixture.result === "ok" && name !== "null") {
        const info = await loading;
        expect(info).toBeDefined();
        if (name !== "duplicate-subobject-merge")
          expect(serializeDeviceInfo(info as DeviceInfo, { unknownKeys: "drop" })).toBe(fixture.output);
      } else {
        const err = await errorOf(loading);
        const expected =
          fixture.result === "ok" || fixture.output.startsWith("json: cannot unmarshal") ? "ERR_DEVINFO_INVALID" : "ERR_DEVINFO_PARSE";
        expect(err.code).toBe(expected);
        expect(err.path).toBe(cniPath(name));
      }
    });
  });

  describe("clean", () => {
    it("is idempotent: true when it removed a file, then false", async () => {
      await api.saveDP(RES, DEV, PCI, opts());
      expect(await api.cleanDP(RES, DEV, opts())).toBe(true);
      expect(fs.existsSync(dpPath())).toBe(false);
      expect(await api.cleanDP(RES, DEV, opts())).toBe(false);
      await api.saveCNI(cniPath(), PCI);
      expect(await api.cleanCNI(cniPath())).toBe(true);
      expect(await api.cleanCNI(cniPath())).toBe(false);
    });

    it("returns false when even the base directory is missing", async () => {
      expect(await api.cleanDP(RES, DEV, opts())).toBe(false);
      expect(await api.cleanCNI(cniPath())).toBe(false);
    });

    it("removes a symlink itself, never its target (dangling or not)", async () => {
      const target = tmp.join("target");
      fs.writeFileSync(target, "keep me");
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      fs.symlinkSync(target, cniPath("a"));
      fs.symlinkSync(tmp.join("nothing"), cniPath("b"));
      expect(await api.cleanCNI(cniPath("a"))).toBe(true);
      expect(await api.cleanCNI(cniPath("b"))).toBe(true);
      expect(fs.readdirSync(path.join(base(), "cni"))).toEqual([]);
      expect(fs.readFileSync(target, "utf8")).toBe("keep me");
    });

    it("never removes a directory, even an empty one", async () => {
      fs.mkdirSync(cniPath(), { recursive: true });
      fs.mkdirSync(dpPath(), { recursive: true });
      expect(await codeOf(api.cleanCNI(cniPath()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(await codeOf(api.cleanDP(RES, DEV, opts()))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(fs.statSync(cniPath()).isDirectory()).toBe(true);
      expect(fs.statSync(dpPath()).isDirectory()).toBe(true);
    });

    it.each(["dp", "cni"] as const)("refuses <base>/%s being a symlink and removes nothing where it points", async (sub) => {
      const elsewhere = tmp.join("elsewhere");
      await api.saveDP(RES, DEV, PCI, { baseDir: elsewhere });
      await api.saveCNI(getCNIDeviceInfoPath("x", { baseDir: elsewhere }), PCI);
      fs.mkdirSync(base());
      fs.symlinkSync(path.join(elsewhere, sub), path.join(base(), sub));
      const clean = sub === "dp" ? api.cleanDP(RES, DEV, opts()) : api.cleanCNI(cniPath("x"), opts());
      expect(await codeOf(clean)).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(fs.readdirSync(path.join(elsewhere, sub))).toHaveLength(1);
    });
  });

  describe("copy", () => {
    it("fails with ERR_DEVINFO_NOT_FOUND for a missing source and creates nothing", async () => {
      const err = await errorOf(api.copy(cniPath(), RES, DEV, opts()));
      expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
      expect(err.path).toBe(dpPath());
      expect(fs.existsSync(base())).toBe(false);
    });

    it("copies the document with Go's encoding, unknown keys kept, and resolves to it", async () => {
      fs.mkdirSync(path.dirname(dpPath()), { recursive: true });
      const source =
        '{\n  "x-top": 1,\n  "pci": {"x-sub": "s", "pci-address": "0000:af:06.0"},\n  "version": "1.1.0",\n  "type": "pci"\n}\n';
      fs.writeFileSync(dpPath(), source);
      const copied = await api.copy(cniPath(), RES, DEV, opts());
      expect(copied).toEqual(JSON.parse(source));
      expect(fs.readFileSync(cniPath(), "utf8")).toBe(
        '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","x-sub":"s"},"x-top":1}',
      );
      expect(modeOf(cniPath())).toBe(0o444);
    });

    it("is exclusive like save, and replaces with overwrite: true", async () => {
      await api.saveDP(RES, DEV, PCI, opts());
      await api.saveCNI(cniPath(), PCI2);
      const before = state(cniPath());
      expect(await codeOf(api.copy(cniPath(), RES, DEV, opts()))).toBe("ERR_DEVINFO_EXISTS");
      expect(state(cniPath())).toEqual(before);
      await api.copy(cniPath(), RES, DEV, { ...opts(), overwrite: true });
      expect(await api.loadCNI(cniPath())).toEqual(PCI);
    });

    it("reads the source leniently, reporting each warning once (not again when writing)", async () => {
      await api.saveDP(RES, DEV, DEVIATING, { ...opts(), strict: false });
      const warnings: DeviceInfoIssue[] = [];
      await api.copy(cniPath(), RES, DEV, { ...opts(), onWarning: (w) => warnings.push(w) });
      expect(warnings.map((w) => w.jsonPath)).toEqual(["$['vdpa']['path']"]);
      expect(await api.loadCNI(cniPath())).toEqual(DEVIATING);
      expect(await codeOf(api.copy(cniPath("strict"), RES, DEV, { ...opts(), strict: true }))).toBe("ERR_DEVINFO_INVALID");
      expect(fs.existsSync(cniPath("strict"))).toBe(false);
    });

    it("names the source in a parse error", async () => {
      fs.mkdirSync(path.dirname(dpPath()), { recursive: true });
      fs.writeFileSync(dpPath(), '{"type":');
      const err = await errorOf(api.copy(cniPath(), RES, DEV, opts()));
      expect([err.code, err.path]).toEqual(["ERR_DEVINFO_PARSE", dpPath()]);
      expect(fs.existsSync(cniPath())).toBe(false);
    });
  });

  describe("update", () => {
    it("gives fn undefined when there is no file, and writes what it returns", async () => {
      const seen: unknown[] = [];
      const written = await api.update(cniPath(), (current) => {
        seen.push(current);
        return PCI;
      });
      expect(seen).toEqual([undefined]);
      expect(written).toEqual(PCI);
      expect(fs.readFileSync(cniPath(), "utf8")).toBe(serializeDeviceInfo(PCI));
      expect(modeOf(cniPath())).toBe(0o444);
    });

    it("writes nothing when fn returns undefined", async () => {
      expect(await api.update(cniPath(), () => undefined)).toBeUndefined();
      expect(fs.existsSync(cniPath())).toBe(false);
      await api.saveCNI(cniPath(), PCI);
      const before = state(cniPath());
      expect(await api.update(cniPath(), () => undefined)).toEqual(PCI);
      expect(state(cniPath())).toEqual(before);
    });

    it("does not rewrite an unchanged document (same inode and mtime), even one given back as a copy", async () => {
      await api.saveCNI(cniPath(), { ...PCI, "x-top": [1] } as DeviceInfo);
      const before = state(cniPath());
      await new Promise((resolve) => setTimeout(resolve, 20));
      await api.update(cniPath(), (current) => current);
      await api.update(cniPath(), (current) => JSON.parse(JSON.stringify(current)));
      expect(state(cniPath())).toEqual(before);
    });

    it("adds fields, keeps unknown keys, bumps 1.0.0 to 1.1.0, and replaces the file atomically", async () => {
      const old = { type: "pci", version: "1.0.0", pci: { "pci-address": "0000:af:06.0", "x-sub": 1 }, "x-top": "t" } as DeviceInfo;
      await api.saveCNI(cniPath(), old);
      const before = state(cniPath());
      const written = await api.update(cniPath(), (current) =>
        current?.type === "pci" ? { ...current, pci: { ...current.pci, "representor-device": "pf0vf3" } } : current,
      );
      const expected = {
        type: "pci",
        version: "1.1.0",
        pci: { "pci-address": "0000:af:06.0", "representor-device": "pf0vf3", "x-sub": 1 },
        "x-top": "t",
      };
      expect(written).toEqual(expected);
      expect(await api.loadCNI(cniPath())).toEqual(expected);
      const after = state(cniPath());
      expect(after.ino).not.toBe(before.ino);
      expect(after.mode).toBe(0o444);
    });

    it("leaves 1.0.0 alone when the document is unchanged", async () => {
      await api.saveCNI(cniPath(), { ...PCI, version: "1.0.0" } as DeviceInfo);
      expect((await api.update(cniPath(), (c) => c))?.version).toBe("1.0.0");
      expect((await api.loadCNI(cniPath()))?.version).toBe("1.0.0");
    });

    it("gives fn a copy: mutating it does not change what was loaded", async () => {
      await api.saveCNI(cniPath(), PCI);
      const written = await api.update(cniPath(), (current) => {
        if (current?.type === "pci") current.pci["rdma-device"] = "mlx5_7";
        return current;
      });
      expect(written).toEqual({ ...PCI, pci: { ...PCI.pci, "rdma-device": "mlx5_7" } });
    });

    it("reports the warnings of the document left in the file, once each", async () => {
      await api.saveCNI(cniPath(), DEVIATING, { strict: false });
      const kept: string[] = [];
      await api.update(cniPath(), (c) => c, { onWarning: (w) => kept.push(w.jsonPath) });
      expect(kept).toEqual(["$['vdpa']['path']"]);
      const changed: string[] = [];
      await api.update(cniPath(), (c) => ({ ...c, "x-new": 1 }) as DeviceInfo, { onWarning: (w) => changed.push(w.jsonPath) });
      expect(changed).toEqual(["$['vdpa']['path']"]);
      const fixed: string[] = [];
      await api.update(cniPath(), (c) => (c?.type === "vdpa" ? { ...c, vdpa: { ...c.vdpa, path: "/dev/vhost-vdpa-0" } } : c), {
        onWarning: (w) => fixed.push(w.jsonPath),
      });
      expect(fixed).toEqual([]);
    });

    it("refuses new deviations by default, writes them with strict: false, refuses all with strict: true", async () => {
      expect(await codeOf(api.update(cniPath(), () => DEVIATING, { strict: true }))).toBe("ERR_DEVINFO_INVALID");
      expect(fs.existsSync(cniPath())).toBe(false);
      // No file: every deviation of the new document is new (test/files/update-spec.test.ts has the rest).
      expect(await codeOf(api.update(cniPath(), () => DEVIATING))).toBe("ERR_DEVINFO_INVALID");
      expect(fs.existsSync(cniPath())).toBe(false);
      expect(await api.update(cniPath(), () => DEVIATING, { strict: false })).toEqual(DEVIATING);
      expect(await codeOf(api.update(cniPath(), () => null as unknown as DeviceInfo))).toBe("ERR_DEVINFO_INVALID");
      expect(await codeOf(api.update(cniPath(), () => ({ ...PCI, x: "y".repeat(100) }) as DeviceInfo, { maxBytes: 100 }))).toBe(
        "ERR_DEVINFO_TOO_LARGE",
      );
      expect(await api.loadCNI(cniPath())).toEqual(DEVIATING);
    });

    it("releases the lock when fn throws, and leaves the file untouched", async () => {
      await api.saveCNI(cniPath(), PCI);
      const before = state(cniPath());
      await expect(
        api.update(cniPath(), () => {
          throw new Error("fn failed");
        }),
      ).rejects.toThrow("fn failed");
      expect(state(cniPath())).toEqual(before);
      expect(fs.existsSync(lockPathFor(cniPath()))).toBe(false);
    });

    it("breaks a lock older than lockStaleMs", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      const lock = lockPathFor(cniPath());
      fs.writeFileSync(lock, "12345\n");
      const old = new Date(Date.now() - 60_000);
      fs.utimesSync(lock, old, old);
      expect(await api.update(cniPath(), () => PCI, { lockStaleMs: 30_000, lockTimeoutMs: 10_000 })).toEqual(PCI);
      expect(fs.existsSync(lock)).toBe(false);
    });

    it("fails with ERR_DEVINFO_CONFLICT after lockTimeoutMs while another process holds the lock, and leaves it alone", async () => {
      await api.saveCNI(cniPath(), PCI);
      const lock = lockPathFor(cniPath());
      fs.writeFileSync(lock, "12345\n");
      const err = await errorOf(api.update(cniPath(), () => PCI2, { lockTimeoutMs: 50, lockStaleMs: 60_000 }));
      expect(err.code).toBe("ERR_DEVINFO_CONFLICT");
      expect(err.path).toBe(cniPath());
      expect(err.message).toContain(lock);
      expect(fs.readFileSync(lock, "utf8")).toBe("12345\n");
      expect(await api.loadCNI(cniPath())).toEqual(PCI);
      fs.unlinkSync(lock);
    });

    it("refuses a symlink at the target", async () => {
      fs.mkdirSync(path.join(base(), "cni"), { recursive: true });
      fs.symlinkSync(tmp.join("nowhere"), cniPath());
      expect(await codeOf(api.update(cniPath(), () => PCI))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      expect(fs.existsSync(tmp.join("nowhere"))).toBe(false);
    });
  });
});

describe("update: async and sync specifics", () => {
  const tmp = useTempDir();

  it("awaits an async fn", async () => {
    const file = tmp.join("f");
    const written = await updateDeviceInfoForCNI(file, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return PCI;
    });
    expect(written).toEqual(PCI);
    expect(loadDeviceInfoFromCNISync(file)).toEqual(PCI);
  });

  it("refuses a promise returned to the Sync twin, writing nothing and releasing the lock", () => {
    const file = tmp.join("f");
    let caught: unknown;
    try {
      updateDeviceInfoForCNISync(file, (() => Promise.resolve(PCI)) as unknown as DeviceInfoUpdaterSync);
    } catch (err) {
      caught = err;
    }
    expect(isDeviceInfoError(caught) && caught.code).toBe("ERR_DEVINFO_INVALID");
    expect(fs.readdirSync(tmp.path)).toEqual([]);
  });
});
