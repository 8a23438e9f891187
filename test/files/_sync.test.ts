// The public sync and async twins of the file operations (the sync engine,
// src/files/_sync.ts; the thread pool, _async.ts, and the generators) must
// give the same values, bytes, modes, warnings and errors. Each case runs both
// in two fresh base directories set up alike, and compares everything; the
// engines themselves, system calls included, are compared by engines.test.ts.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import * as ops from "../../src/files/operations.js";
import { getDPDeviceInfoPath } from "../../src/files/paths.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { FC_SEED, nearValidDocument, validDocument } from "../helpers/arbitraries.js";
import { readFixtures, writeFixtures } from "../helpers/fixtures.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir();
const RES = "intel.com/sriov";
const DEV = "0000:af:06.0";
const CNI_NAME = "net-0123456789abcdef_net1";

type Twin = "sync" | "async";
/** Runs the sync or the async twin of an operation, with warnings collected. */
type Call = (twin: Twin, base: string, onWarning: (w: DeviceInfoIssue) => void) => unknown;

const dpPath = (base: string) => getDPDeviceInfoPath(RES, DEV, { baseDir: base });
const cniPath = (base: string) => path.join(base, "cni", CNI_NAME);

/** Everything an operation left behind, as text, with the base directory's name removed. */
function tree(base: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const stats = fs.lstatSync(file);
      const rel = path.relative(base, file);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isDirectory()) {
        out.push(`${rel}/ ${mode}`);
        walk(file);
      } else if (stats.isFile()) out.push(`${rel} ${mode} ${fs.readFileSync(file, "latin1")}`);
      else out.push(`${rel} (${stats.isSymbolicLink() ? "symlink" : "special"})`);
    }
  };
  walk(base);
  return out;
}

/** Runs `call` as both twins, each in its own base set up by `setup`; returns both outcomes. */
async function both(setup: (base: string) => void, call: Call): Promise<[unknown, unknown]> {
  const outcomes: unknown[] = [];
  for (const twin of ["sync", "async"] as const) {
    const base = tmp.join(twin);
    fs.mkdirSync(base);
    setup(base);
    const warnings: DeviceInfoIssue[] = [];
    let result: unknown;
    try {
      const value = await call(twin, base, (w) => warnings.push(w));
      result = { value: JSON.stringify(value)?.replaceAll(base, "<base>") };
    } catch (err) {
      const e = err as DeviceInfoError;
      result = {
        error: e.constructor.name,
        code: e.code,
        message: String(e.message).replaceAll(base, "<base>"),
        path: e.path?.replaceAll(base, "<base>"),
        errno: e.errno,
        issues: e.issues,
      };
    }
    outcomes.push({ result, warnings, tree: tree(base) });
    fs.rmSync(base, { recursive: true, force: true });
  }
  return outcomes as [unknown, unknown];
}

async function expectTwins(setup: (base: string) => void, call: Call): Promise<unknown> {
  const [sync, async] = await both(setup, call);
  expect(sync).toEqual(async);
  return sync;
}

const save: (info: unknown, strict?: boolean) => Call = (info, strict) => (twin, base, onWarning) => {
  const options = { baseDir: base, onWarning, strict };
  return twin === "sync"
    ? ops.saveDeviceInfoForDPSync(RES, DEV, info as DeviceInfo, options)
    : ops.saveDeviceInfoForDP(RES, DEV, info as DeviceInfo, options);
};
const saveCNI: (info: unknown, file?: (base: string) => string) => Call =
  (info, file = cniPath) =>
  (twin, base, onWarning) => {
    const options = { baseDir: base, onWarning };
    return twin === "sync"
      ? ops.saveDeviceInfoForCNISync(file(base), info as DeviceInfo, options)
      : ops.saveDeviceInfoForCNI(file(base), info as DeviceInfo, options);
  };
const load: (strict?: boolean, maxBytes?: number) => Call = (strict, maxBytes) => (twin, base, onWarning) => {
  const options = { baseDir: base, onWarning, strict, maxBytes };
  return twin === "sync" ? ops.loadDeviceInfoFromDPSync(RES, DEV, options) : ops.loadDeviceInfoFromDP(RES, DEV, options);
};
const loadCNI: Call = (twin, base, onWarning) =>
  twin === "sync"
    ? ops.loadDeviceInfoFromCNISync(cniPath(base), { baseDir: base, onWarning })
    : ops.loadDeviceInfoFromCNI(cniPath(base), { baseDir: base, onWarning });
const copy: Call = (twin, base, onWarning) =>
  twin === "sync"
    ? ops.copyDeviceInfoForCNIFromDPSync(cniPath(base), RES, DEV, { baseDir: base, onWarning })
    : ops.copyDeviceInfoForCNIFromDP(cniPath(base), RES, DEV, { baseDir: base, onWarning });
const cleanDP: Call = (twin, base) =>
  twin === "sync" ? ops.cleanDeviceInfoForDPSync(RES, DEV, { baseDir: base }) : ops.cleanDeviceInfoForDP(RES, DEV, { baseDir: base });
const cleanCNI: Call = (twin, base) =>
  twin === "sync"
    ? ops.cleanDeviceInfoForCNISync(cniPath(base), { baseDir: base })
    : ops.cleanDeviceInfoForCNI(cniPath(base), { baseDir: base });

const nothing = () => undefined;
const dpFile = (bytes: string | Buffer) => (base: string) => {
  fs.mkdirSync(path.join(base, "dp"));
  fs.writeFileSync(dpPath(base), bytes, { mode: 0o444 });
};
const PCI = { type: "pci", version: "1.1.0", pci: { "pci-address": DEV, "rdma-device": "mlx5_3" } };
const PCI_TEXT = JSON.stringify(PCI);

describe("sync and async twins give the same outcome", () => {
  it.each(writeFixtures().map((f) => [f.name, f.input] as const))("save DP, write fixture %s (strict and lenient)", async (_n, input) => {
    const doc = JSON.parse(input);
    await expectTwins(nothing, save(doc));
    await expectTwins(nothing, save(doc, false));
  });

  it.each(readFixtures().map((f) => [f.name, f.bytes] as const))("load DP and copy to CNI, read fixture %s", async (_n, bytes) => {
    await expectTwins(dpFile(bytes), load());
    await expectTwins(dpFile(bytes), load(true));
    await expectTwins(dpFile(bytes), copy);
  });

  it("save, copy, load and clean fuzzed documents (fast and general paths)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(validDocument({ unknownKeys: false }), validDocument(), nearValidDocument()), async (doc) => {
        await expectTwins(nothing, save(doc, false));
        const text = JSON.stringify(doc);
        await expectTwins(dpFile(text), copy);
        await expectTwins(dpFile(text), load());
      }),
      { seed: FC_SEED, numRuns: 60 },
    );
  });

  it.each<[string, (base: string) => void, Call]>([
    ["save into missing directories (created 0755)", nothing, save(PCI)],
    ["save over an existing file (ERR_DEVINFO_EXISTS)", dpFile(PCI_TEXT), save(PCI)],
    ["save over a directory", (base) => fs.mkdirSync(dpPath(base), { recursive: true }), save(PCI)],
    [
      "save into a symlinked dp directory",
      (base) => {
        fs.mkdirSync(path.join(base, "elsewhere"));
        fs.symlinkSync(path.join(base, "elsewhere"), path.join(base, "dp"));
      },
      save(PCI),
    ],
    ["save where dp is a file", (base) => fs.writeFileSync(path.join(base, "dp"), ""), save(PCI)],
    ["save an invalid document", nothing, save({ type: "pci", version: "1.1.0", pci: { "pci-address": 5 } })],
    ["save a deviating document, strict", nothing, save({ type: "pci", version: "1.1.0", pci: {} })],
    ["save a deviating document, lenient", nothing, save({ type: "pci", version: "1.1.0", pci: {} }, false)],
    ["save to a CNI path in <base>/cni", nothing, saveCNI(PCI)],
    ["save to a CNI path elsewhere", nothing, saveCNI(PCI, (base) => path.join(base, "other", "x"))],
    ["save to a CNI path spelt with //", nothing, saveCNI(PCI, (base) => `${base}//cni/${CNI_NAME}`)],
    ["save to a relative CNI path", nothing, saveCNI(PCI, () => "cni/x")],
    ["load a missing file", nothing, load()],
    ["load from a missing directory", nothing, load()],
    [
      "load a symlink",
      (base) => {
        fs.mkdirSync(path.join(base, "dp"));
        fs.writeFileSync(path.join(base, "t"), PCI_TEXT);
        fs.symlinkSync(path.join(base, "t"), dpPath(base));
      },
      load(),
    ],
    [
      "load a FIFO",
      (base) => {
        fs.mkdirSync(path.join(base, "dp"));
        execFileSync("mkfifo", [dpPath(base)]);
      },
      load(),
    ],
    ["load a directory", (base) => fs.mkdirSync(dpPath(base), { recursive: true }), load()],
    ["load a file over maxBytes", dpFile(PCI_TEXT), load(undefined, 10)],
    ["load an empty file", dpFile(""), load()],
    ["load a file with a BOM", dpFile(`\ufeff${PCI_TEXT}`), load()],
    ["load pretty-printed JSON", dpFile(JSON.stringify(PCI, null, 2)), load()],
    [
      "load a CNI file",
      (base) => {
        fs.mkdirSync(path.join(base, "cni"));
        fs.writeFileSync(cniPath(base), PCI_TEXT);
      },
      loadCNI,
    ],
    ["copy without a device plugin file (ERR_DEVINFO_NOT_FOUND)", nothing, copy],
    [
      "copy onto an existing CNI file",
      (base) => {
        dpFile(PCI_TEXT)(base);
        fs.mkdirSync(path.join(base, "cni"));
        fs.writeFileSync(cniPath(base), "{}");
      },
      copy,
    ],
    ["clean a DP file", dpFile(PCI_TEXT), cleanDP],
    ["clean a missing DP file", nothing, cleanDP],
    ["clean a directory", (base) => fs.mkdirSync(dpPath(base), { recursive: true }), cleanDP],
    [
      "clean a CNI file",
      (base) => {
        fs.mkdirSync(path.join(base, "cni"));
        fs.writeFileSync(cniPath(base), PCI_TEXT);
      },
      cleanCNI,
    ],
    [
      "clean through a symlinked cni directory",
      (base) => {
        fs.mkdirSync(path.join(base, "elsewhere"));
        fs.writeFileSync(path.join(base, "elsewhere", CNI_NAME), PCI_TEXT);
        fs.symlinkSync(path.join(base, "elsewhere"), path.join(base, "cni"));
      },
      cleanCNI,
    ],
  ])("%s", async (_name, setup, call) => {
    await expectTwins(setup, call);
  });

  it("a whole cycle leaves the same files and no temporary file", async () => {
    const cycle: Call = async (twin, base, onWarning) => {
      const steps = [save(PCI), copy, loadCNI];
      const values = [];
      for (const step of steps) values.push(await step(twin, base, onWarning));
      values.push(tree(base));
      await cleanCNI(twin, base, onWarning);
      await cleanDP(twin, base, onWarning);
      return values;
    };
    const outcome = (await expectTwins(nothing, cycle)) as { tree: string[] };
    expect(outcome.tree).toEqual(["cni/ 755", "dp/ 755"]);
  });
});
