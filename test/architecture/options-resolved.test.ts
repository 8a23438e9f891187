// Issue 21, "Options resolved once": a public call checks its options and
// reads them where it comes in, and passes the resolved values down. Counted
// here with getters: each option of the caller's object is read twice per
// call at most (its rule, then its resolution), however deep the call goes.
// Before, prepareDeviceInfo went down to files/ and back up, re-checking and
// re-reading `baseDir` at every step.

import { describe, expect, it } from "vitest";
import {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
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
import { SPEC_VERSION } from "../../src/format/fields.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { addDeviceInfoFields, saveDeviceInfoIfAbsent } from "../../src/roles/cni-plugin.js";
import { collectDeviceInfo, prepareDeviceInfo, releaseDeviceInfo } from "../../src/roles/meta-plugin.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir();

const INFO: DeviceInfo = { type: "pci", version: SPEC_VERSION, pci: { "pci-address": "0000:af:06.0" } };
const attachment = { network: "default/net1", containerID: "c1", ifName: "net1" };

/** Options whose every read is counted, by key. */
function counted(values: Record<string, unknown>): { options: Record<string, unknown>; reads: Record<string, number> } {
  const reads: Record<string, number> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    reads[key] = 0;
    Object.defineProperty(options, key, {
      enumerable: true,
      get: () => {
        reads[key] = (reads[key] as number) + 1;
        return value;
      },
    });
  }
  return { options, reads };
}

type Call = (base: string, options: never) => unknown;
const cni = (base: string) => `${base}/cni/default-net1-c1_net1`;

const CALLS: readonly [string, Call][] = [
  ["saveDeviceInfoForDP", (_base, o) => saveDeviceInfoForDP("r/x", "d1", INFO, o)],
  ["saveDeviceInfoForDPSync", (_base, o) => saveDeviceInfoForDPSync("r/x", "d1", INFO, o)],
  ["loadDeviceInfoFromDP", (_base, o) => loadDeviceInfoFromDP("r/x", "d1", o)],
  ["loadDeviceInfoFromDPSync", (_base, o) => loadDeviceInfoFromDPSync("r/x", "d1", o)],
  ["cleanDeviceInfoForDP", (_base, o) => cleanDeviceInfoForDP("r/x", "d1", o)],
  ["cleanDeviceInfoForDPSync", (_base, o) => cleanDeviceInfoForDPSync("r/x", "d1", o)],
  ["saveDeviceInfoForCNI", (base, o) => saveDeviceInfoForCNI(cni(base), INFO, o)],
  ["saveDeviceInfoForCNISync", (base, o) => saveDeviceInfoForCNISync(cni(base), INFO, o)],
  ["loadDeviceInfoFromCNI", (base, o) => loadDeviceInfoFromCNI(cni(base), o)],
  ["loadDeviceInfoFromCNISync", (base, o) => loadDeviceInfoFromCNISync(cni(base), o)],
  ["copyDeviceInfoForCNIFromDP", (base, o) => copyDeviceInfoForCNIFromDP(cni(base), "r/x", "d1", o)],
  ["copyDeviceInfoForCNIFromDPSync", (base, o) => copyDeviceInfoForCNIFromDPSync(cni(base), "r/x", "d1", o)],
  ["updateDeviceInfoForCNI", (base, o) => updateDeviceInfoForCNI(cni(base), (i) => i, o)],
  ["updateDeviceInfoForCNISync", (base, o) => updateDeviceInfoForCNISync(cni(base), (i) => i, o)],
  ["cleanDeviceInfoForCNI", (base, o) => cleanDeviceInfoForCNI(cni(base), o)],
  ["cleanDeviceInfoForCNISync", (base, o) => cleanDeviceInfoForCNISync(cni(base), o)],
  ["addDeviceInfoFields", (base, o) => addDeviceInfoFields(cni(base), { pci: { "representor-device": "pf0vf1" } }, o)],
  ["saveDeviceInfoIfAbsent", (base, o) => saveDeviceInfoIfAbsent(cni(base), INFO, o)],
  ["prepareDeviceInfo", (_base, o) => prepareDeviceInfo({ ...attachment, resourceName: "r/x", deviceID: "d1" }, o)],
  ["collectDeviceInfo", (base, o) => collectDeviceInfo({ cniPath: cni(base) }, o)],
  ["releaseDeviceInfo", (_base, o) => releaseDeviceInfo(attachment, o)],
];

describe("each option is read at most twice per public call (checked, then resolved)", () => {
  it.each(CALLS)("%s", async (_name, call) => {
    const base = tmp.path;
    // A device plugin file and a CNI file to work on (copy, prepare: exclusive writes, so the CNI file is removed first where needed).
    saveDeviceInfoForDPSync("r/x", "d1", INFO, { baseDir: base });
    if (_name !== "prepareDeviceInfo" && !_name.startsWith("copy") && !_name.startsWith("saveDeviceInfoForCNI"))
      saveDeviceInfoForCNISync(cni(base), INFO, { baseDir: base });
    if (_name.startsWith("saveDeviceInfoForDP")) cleanDeviceInfoForDPSync("r/x", "d1", { baseDir: base });
    const { options, reads } = counted({ baseDir: base, strict: false, maxBytes: 65_536, durable: false });
    await call(base, options as never);
    for (const [key, n] of Object.entries(reads))
      expect({ key, reads: n }).toEqual({ key, reads: expect.toSatisfy((r: number) => r <= 2) });
    expect(reads.baseDir).toBeGreaterThan(0);
  });
});
