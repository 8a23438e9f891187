// An update never adds a spec violation (issue 19, R8). By default an update
// whose result has a deviation from the spec that the file did not have is
// refused with ERR_DEVINFO_INVALID and the file is left as it was (bytes,
// inode, mtime); deviations already in the file are kept, reported as
// warnings; an explicit { strict: false } writes deviations, as warnings;
// { strict: true } refuses every deviation. Every merging writer follows
// the rule: updateDeviceInfoForCNI (async, with an async function too) and
// its Sync twin, and addDeviceInfoFields and its twin built on them.
// (Updates run on the generators in both twins, never on the worker thread;
// test/files/_worker.test.ts runs the same cases with the worker ready.)

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import { lockPathFor } from "../../src/files/_atomic.js";
import {
  type DeviceInfoUpdater,
  type DeviceInfoUpdaterSync,
  type UpdateOptions,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/files/operations.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { addDeviceInfoFields, addDeviceInfoFieldsSync, type DeviceInfoFields } from "../../src/roles/cni-plugin.js";
import { useTempDir } from "../helpers/temp-dir.js";

const VHOST = '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"/var/run/vhost/net1.sock"}}';
const MEMIF = '{"type":"memif","version":"1.1.0","memif":{"role":"master","path":"/run/memif/net1.sock","mode":"ethernet"}}';
const PCI = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}';
// A device plugin's document that already deviates: no vdpa "path".
const VDPA_NO_PATH = '{"type":"vdpa","version":"1.1.0","vdpa":{"parent-device":"vdpa:0000:af:06.1","driver":"vhost"}}';
// The same deviation, with the sub-object's key in another case (Go reads it as "pci").
const PCI_CASE_NO_ADDRESS = '{"type":"pci","version":"1.1.0","PCI":{"rdma-device":"mlx5_3"}}';

type Fn = (current: DeviceInfo | undefined) => DeviceInfo | undefined;
type Update = (file: string, fn: Fn, options: UpdateOptions) => Promise<DeviceInfo | undefined>;
type Add = (file: string, fields: DeviceInfoFields, options: UpdateOptions) => Promise<DeviceInfo | undefined>;

const WRITERS: readonly (readonly [string, Update, Add])[] = [
  ["async", (f, fn, o) => updateDeviceInfoForCNI(f, fn as DeviceInfoUpdater, o), (f, x, o) => addDeviceInfoFields(f, x, o)],
  [
    "async, with an async function",
    (f, fn, o) => updateDeviceInfoForCNI(f, async (c) => fn(c), o),
    (f, x, o) => addDeviceInfoFields(f, x, o),
  ],
  [
    "sync",
    async (f, fn, o) => updateDeviceInfoForCNISync(f, fn as DeviceInfoUpdaterSync, o),
    async (f, x, o) => addDeviceInfoFieldsSync(f, x, o),
  ],
];

/** What an update must leave untouched when it is refused: bytes, inode, mtime, mode, and no other entry. */
function snapshot(file: string) {
  const dir = path.dirname(file);
  if (!fs.existsSync(file)) return { entries: fs.existsSync(dir) ? fs.readdirSync(dir).sort() : null };
  const s = fs.lstatSync(file, { bigint: true });
  return { bytes: fs.readFileSync(file, "latin1"), ino: s.ino, mtimeNs: s.mtimeNs, mode: s.mode, entries: fs.readdirSync(dir).sort() };
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (err) {
    if (isDeviceInfoError(err)) return err;
    throw err;
  }
  throw new Error("expected the update to be refused");
}

const put = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode: 0o444 });
  // An mtime in the past: a rewrite, even within the same clock tick, would show.
  fs.utimesSync(file, new Date(1_000_000_000_000), new Date(1_000_000_000_000));
};

const setPci =
  (pci: Record<string, unknown>): Fn =>
  (c) =>
    ({ ...c, pci: { ...(c as { pci?: object }).pci, ...pci } }) as DeviceInfo;

describe.each(WRITERS)("updates add no spec violation by default (%s)", (_engine, update, add) => {
  const tmp = useTempDir();
  const file = () => tmp.join("cni", "net1-0123456789ab_net1");

  // [what, the file's text (undefined: none), the change, the issues' JSON paths]
  it.each<[string, string | undefined, (f: string, o: UpdateOptions) => Promise<unknown>, string[]]>([
    [
      "the issue's example: a pci object without its pci-address added to a vhost-user document",
      VHOST,
      (f, o) => add(f, { pci: { "representor-device": "pf0vf3" } }, o),
      ["$['pci']['pci-address']"],
    ],
    [
      "the issue's example: a vdpa object without driver and path added to a memif document",
      MEMIF,
      (f, o) => add(f, { vdpa: { "parent-device": "vdpa0" } }, o),
      ["$['vdpa']['driver']", "$['vdpa']['path']"],
    ],
    ["a malformed PCI address", PCI, (f, o) => add(f, { pci: { "pci-address": "0000:AF:6.0" } }, o), ["$['pci']['pci-address']"]],
    ["a required field emptied", PCI, (f, o) => add(f, { pci: { "pci-address": "" } }, o), ["$['pci']['pci-address']"]],
    ["a memif mode outside the spec (Go's punt)", MEMIF, (f, o) => add(f, { memif: { mode: "punt" as never } }, o), ["$['memif']['mode']"]],
    [
      "a relative vdpa path",
      VDPA_NO_PATH.replace('"driver"', '"path":"/dev/vhost-vdpa-0","driver"'),
      (f, o) => add(f, { vdpa: { path: "dev/x" } }, o),
      ["$['vdpa']['path']"],
    ],
    ["a version with a v", PCI, (f, o) => update(f, (c) => ({ ...c, version: "v1.1.0" }) as DeviceInfo, o), ["$['version']"]],
    ["the version removed", PCI, (f, o) => update(f, (c) => ({ ...c, version: undefined }) as unknown as DeviceInfo, o), ["$['version']"]],
    [
      "a type the spec does not define",
      PCI,
      (f, o) => update(f, (c) => ({ ...c, type: "sriov" }) as unknown as DeviceInfo, o),
      ["$['type']"],
    ],
    [
      "the type's sub-object removed",
      PCI,
      (f, o) => update(f, (c) => ({ type: "pci", version: c?.version }) as DeviceInfo, o),
      ["$['pci']"],
    ],
    [
      "a key in another case than the spec's",
      PCI,
      (f, o) => update(f, setPci({ "PCI-Address": "0000:af:06.1" }), o),
      ["$['pci']['PCI-Address']"],
    ],
    [
      "a null field",
      PCI,
      (f, o) => update(f, setPci({ "rdma-device": null, "representor-device": "pf0vf3" }), o),
      ["$['pci']['rdma-device']"],
    ],
    [
      "no file, and the function returns a deviating document",
      undefined,
      (f, o) => update(f, () => JSON.parse('{"type":"pci","version":"1.1.0","pci":{}}'), o),
      ["$['pci']['pci-address']"],
    ],
    [
      "a new deviation beside one the file already had",
      VDPA_NO_PATH,
      (f, o) => add(f, { vdpa: { driver: "vfio" as never } }, o),
      ["$['vdpa']['driver']"],
    ],
  ])("%s: ERR_DEVINFO_INVALID, the file untouched", async (_what, text, change, paths) => {
    if (text !== undefined) put(file(), text);
    const before = snapshot(file());
    const warnings: DeviceInfoIssue[] = [];
    const err = await refusal(change(file(), { onWarning: (w) => warnings.push(w) }));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.path).toBe(file());
    expect(err.issues.map((i) => i.jsonPath)).toEqual(paths);
    expect(err.issues.every((i) => i.severity === "error")).toBe(true);
    expect(err.message).toContain(`refusing to write ${file()}`);
    expect(err.message).toContain("pass { strict: false }");
    expect(warnings).toEqual([]);
    expect(snapshot(file())).toEqual(before);
    expect(fs.existsSync(lockPathFor(file()))).toBe(false);

    // { strict: false } writes it, reporting each deviation as a warning.
    const lenient: string[] = [];
    await change(file(), { strict: false, onWarning: (w) => lenient.push(w.jsonPath) });
    expect(lenient).toEqual(expect.arrayContaining(paths));
    expect(snapshot(file())).not.toEqual(before);
  });

  it("keeps the deviations the file already had, as warnings, and writes the update", async () => {
    put(file(), VDPA_NO_PATH);
    const warnings: string[] = [];
    const written = await add(file(), { vdpa: { "x-vendor": "1" } as never }, { onWarning: (w) => warnings.push(w.jsonPath) });
    expect(warnings).toEqual(["$['vdpa']['path']"]);
    expect(written).toEqual({ ...JSON.parse(VDPA_NO_PATH), vdpa: { ...JSON.parse(VDPA_NO_PATH).vdpa, "x-vendor": "1" } });
    expect(fs.readFileSync(file(), "utf8")).toBe(
      '{"type":"vdpa","version":"1.1.0","vdpa":{"parent-device":"vdpa:0000:af:06.1","driver":"vhost","x-vendor":"1"}}',
    );
  });

  it("a deviation the file had under a case-variant key is the same deviation once the key is folded", async () => {
    put(file(), PCI_CASE_NO_ADDRESS);
    const warnings: string[] = [];
    await add(file(), { pci: { "representor-device": "pf0vf3" } }, { onWarning: (w) => warnings.push(w.jsonPath) });
    expect(warnings).toEqual(["$['pci']['pci-address']"]);
    expect(fs.readFileSync(file(), "utf8")).toBe(
      '{"type":"pci","version":"1.1.0","pci":{"rdma-device":"mlx5_3","representor-device":"pf0vf3"}}',
    );
  });

  it("a deviation replaced by another of the same kind at the same place is not a new one", async () => {
    put(file(), MEMIF.replace('"ethernet"', '"punt"'));
    await add(file(), { memif: { mode: "bogus" as never } }, {});
    expect(JSON.parse(fs.readFileSync(file(), "utf8")).memif.mode).toBe("bogus");
  });

  it("fixing a deviation is always allowed, and reports nothing", async () => {
    put(file(), VDPA_NO_PATH);
    const warnings: string[] = [];
    await add(file(), { vdpa: { path: "/dev/vhost-vdpa-0" } }, { onWarning: (w) => warnings.push(w.jsonPath) });
    expect(warnings).toEqual([]);
  });

  it("{ strict: true } refuses every deviation, those already in the file included", async () => {
    put(file(), VDPA_NO_PATH);
    const before = snapshot(file());
    const err = await refusal(add(file(), { vdpa: { "x-vendor": "1" } as never }, { strict: true }));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(snapshot(file())).toEqual(before);
  });

  it("an update that changes nothing writes nothing, whatever the file holds", async () => {
    put(file(), VDPA_NO_PATH);
    const before = snapshot(file());
    await update(file(), (c) => c, {});
    expect(snapshot(file())).toEqual(before);
  });

  it("a conforming update of a conforming file is written as before", async () => {
    put(file(), PCI);
    await add(file(), { pci: { "representor-device": "pf0vf3" } }, {});
    expect(fs.readFileSync(file(), "utf8")).toBe(
      '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","representor-device":"pf0vf3"}}',
    );
  });
});
