// One outcome per kind of path problem, in every reader and cleaner, on every
// engine (issue 19, R10): each kind of thing found at a path (nothing, a
// directory, a symlink, a FIFO, a socket, a device, a path through a regular
// file) × each function (the device-info readers, the readers of files the
// kubelet mounts, the cleaners) × each engine (sync, async on the thread
// pool, async on the worker thread). The table is the one in src/base/errors.ts.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { readDeviceMetadata } from "../../src/dra/metadata.js";
import { configureFileWorker, fileWorkerState } from "../../src/files/_worker.js";
import * as ops from "../../src/files/operations.js";
import { getDPDeviceInfoPath } from "../../src/files/paths.js";
import { readPodNetworkStatus } from "../../src/status/workload.js";
import { packageUrl } from "../helpers/run-node.js";
import { makeTempDir, removeTempDir, useTempDir } from "../helpers/temp-dir.js";

const RES = "intel.com/sriov";
const DEV = "0000:af:06.0";
const PCI = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}';
const root = process.getuid?.() === 0;

type Kind =
  | "nothing"
  | "a directory"
  | "a symlink to a file"
  | "a symlink to nothing"
  | "a symlink loop"
  | "a FIFO"
  | "a socket"
  | "a device"
  | "a path through a regular file";
type Outcome = "undefined" | "false" | "true" | "followed" | string;

/** Puts the kind of thing at `file` (its directory exists); returns what to undo afterwards, and the path to use. */
async function put(kind: Kind, file: string, named: boolean): Promise<{ file: string; undo: () => Promise<void> }> {
  const none = async () => {};
  switch (kind) {
    case "nothing":
      return { file, undo: none };
    case "a directory":
      fs.mkdirSync(file);
      return { file, undo: none };
    case "a symlink to a file":
      fs.writeFileSync(`${file}.target`, PCI);
      fs.symlinkSync(`${file}.target`, file);
      return { file, undo: none };
    case "a symlink to nothing":
      fs.symlinkSync(`${file}.absent`, file);
      return { file, undo: none };
    case "a symlink loop":
      fs.symlinkSync(path.basename(file), file);
      return { file, undo: none };
    case "a FIFO":
      execFileSync("mkfifo", [file]);
      return { file, undo: none };
    case "a socket": {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(file, resolve));
      return { file, undo: () => new Promise((resolve) => server.close(() => resolve())) };
    }
    case "a device":
      execFileSync("mknod", [file, "c", "1", "3"]); // /dev/null's numbers
      return { file, undo: none };
    case "a path through a regular file":
      // A device plugin file's path is built from names: there, <base>/dp is the regular file.
      if (named) {
        fs.rmdirSync(path.dirname(file));
        fs.writeFileSync(path.dirname(file), "");
        return { file, undo: none };
      }
      fs.writeFileSync(file, "");
      return { file: path.join(file, "x"), undo: none };
  }
}

// What each class of function gives for each kind (src/base/errors.ts).
const U = "ERR_DEVINFO_UNSAFE_PATH";
const N = "ERR_DEVINFO_NOT_FOUND";
const EXPECTED: Record<Kind, { reader: Outcome; mounted: Outcome; cleaner: Outcome }> = {
  nothing: { reader: "undefined", mounted: N, cleaner: "false" },
  "a directory": { reader: U, mounted: U, cleaner: U },
  "a symlink to a file": { reader: U, mounted: "followed", cleaner: "true" },
  "a symlink to nothing": { reader: U, mounted: N, cleaner: "true" },
  "a symlink loop": { reader: U, mounted: U, cleaner: "true" },
  "a FIFO": { reader: U, mounted: U, cleaner: "true" },
  "a socket": { reader: U, mounted: U, cleaner: "true" },
  "a device": { reader: U, mounted: U, cleaner: "true" },
  "a path through a regular file": { reader: U, mounted: U, cleaner: U },
};
const KINDS = (Object.keys(EXPECTED) as Kind[]).filter((k) => k !== "a device" || root);

type Engine = "sync" | "pool" | "worker";
type Fn = {
  name: string;
  kind: "reader" | "mounted" | "cleaner";
  engines: readonly Engine[];
  missing?: Outcome;
  at: (base: string) => string;
  call: (sync: boolean, file: string, base: string) => unknown;
};
const ALL: readonly Engine[] = ["sync", "pool", "worker"];
const cni = (base: string) => path.join(base, "cni", "net1-0123456789ab_net1");
const dp = (base: string) => getDPDeviceInfoPath(RES, DEV, { baseDir: base });

const FUNCTIONS: readonly Fn[] = [
  {
    name: "loadDeviceInfoFromCNI",
    kind: "reader",
    engines: ALL,
    at: cni,
    call: (sync, file, baseDir) => (sync ? ops.loadDeviceInfoFromCNISync(file, { baseDir }) : ops.loadDeviceInfoFromCNI(file, { baseDir })),
  },
  {
    name: "loadDeviceInfoFromDP",
    kind: "reader",
    engines: ALL,
    at: dp,
    call: (sync, _file, baseDir) =>
      sync ? ops.loadDeviceInfoFromDPSync(RES, DEV, { baseDir }) : ops.loadDeviceInfoFromDP(RES, DEV, { baseDir }),
  },
  {
    name: "copyDeviceInfoForCNIFromDP (its source)",
    kind: "reader",
    engines: ALL,
    missing: N,
    at: dp,
    call: (sync, _file, baseDir) =>
      sync
        ? ops.copyDeviceInfoForCNIFromDPSync(cni(baseDir), RES, DEV, { baseDir })
        : ops.copyDeviceInfoForCNIFromDP(cni(baseDir), RES, DEV, { baseDir }),
  },
  {
    name: "updateDeviceInfoForCNI",
    kind: "reader",
    engines: ["sync", "pool"],
    at: cni,
    call: (sync, file, baseDir) =>
      sync
        ? ops.updateDeviceInfoForCNISync(file, () => undefined, { baseDir })
        : ops.updateDeviceInfoForCNI(file, () => undefined, { baseDir }),
  },
  { name: "readDeviceMetadata", kind: "mounted", engines: ["pool"], at: cni, call: (_sync, file) => readDeviceMetadata(file) },
  { name: "readPodNetworkStatus", kind: "mounted", engines: ["pool"], at: cni, call: (_sync, file) => readPodNetworkStatus(file) },
  {
    name: "cleanDeviceInfoForCNI",
    kind: "cleaner",
    engines: ALL,
    at: cni,
    call: (sync, file, baseDir) => (sync ? ops.cleanDeviceInfoForCNISync(file, { baseDir }) : ops.cleanDeviceInfoForCNI(file, { baseDir })),
  },
  {
    name: "cleanDeviceInfoForDP",
    kind: "cleaner",
    engines: ALL,
    at: dp,
    call: (sync, _file, baseDir) =>
      sync ? ops.cleanDeviceInfoForDPSync(RES, DEV, { baseDir }) : ops.cleanDeviceInfoForDP(RES, DEV, { baseDir }),
  },
];

let scratch: string;
beforeAll(async () => {
  scratch = makeTempDir("devinfo-kinds-");
  configureFileWorker({ url: packageUrl(), threshold: 1, paused: false });
  await ops.loadDeviceInfoFromCNI(path.join(scratch, "x"));
  for (const start = Date.now(); fileWorkerState().state !== "ready"; ) {
    if (Date.now() - start > 20_000) throw new Error("the worker did not start");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
});
afterAll(async () => {
  await fileWorkerState().worker?.terminate();
  removeTempDir(scratch);
});

const tmp = useTempDir();
const CASES = KINDS.flatMap((kind) => FUNCTIONS.flatMap((fn) => fn.engines.map((engine) => [kind, fn.name, engine, fn] as const)));

describe("one outcome per kind of path, function and engine", () => {
  it.each(CASES)("%s: %s (%s)", async (kind, _name, engine, fn) => {
    const base = tmp.join("base");
    const at = fn.at(base);
    fs.mkdirSync(path.dirname(at), { recursive: true });
    const { file, undo } = await put(kind, at, fn.at === dp);
    let outcome: Outcome;
    configureFileWorker({ paused: engine !== "worker" });
    const answered = fileWorkerState().answered;
    try {
      const value = await fn.call(engine === "sync", file, base);
      outcome =
        fn.kind === "mounted" ? "followed" : String(value === undefined ? "undefined" : typeof value === "boolean" ? value : "a value");
    } catch (err) {
      if (!isDeviceInfoError(err)) throw err;
      outcome = fn.kind === "mounted" && (err.code === "ERR_DEVINFO_PARSE" || err.code === "ERR_DEVINFO_INVALID") ? "followed" : err.code;
      // The path involved: the file, or the directory in its way.
      if (outcome !== "followed") expect([file, path.dirname(file)]).toContain(err.path);
    } finally {
      configureFileWorker({ paused: false });
      await undo();
    }
    if (engine === "worker") expect(fileWorkerState().answered).toBeGreaterThan(answered);
    else expect(fileWorkerState().answered).toBe(answered);
    const expected = kind === "nothing" && fn.missing !== undefined ? fn.missing : EXPECTED[kind][fn.kind];
    expect(outcome).toBe(expected);
    // A symlink's target is never touched, whatever the function did with the link.
    if (kind === "a symlink to a file") expect(fs.readFileSync(`${at}.target`, "utf8")).toBe(PCI);
  });
});
