import path from "node:path";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { DEFAULT_BASE_DIR, getCNIDeviceInfoPath, getDPDeviceInfoPath } from "../../src/files/paths.js";
import { type PathFixture, pathFixtures } from "../helpers/fixtures.js";

const fixtures = pathFixtures();

// Names refused on purpose where Go returns a path (see the issue): empty names,
// CNI names that make a directory, file names over 255 bytes.
function refused(f: PathFixture): boolean {
  if (f.kind === "dp") {
    if (f.resourceName === "" || f.deviceID === "") return true;
    return Buffer.byteLength(`${f.resourceName}-${f.deviceID}-device.json`) > 255;
  }
  return f.name === "" || f.name === "." || f.name === ".." || Buffer.byteLength(f.name) > 255;
}

const compute = (f: PathFixture, baseDir?: string) =>
  f.kind === "dp"
    ? getDPDeviceInfoPath(f.resourceName, f.deviceID, baseDir === undefined ? {} : { baseDir })
    : getCNIDeviceInfoPath(f.name, baseDir === undefined ? {} : { baseDir });

function unsafe(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isDeviceInfoError(err) ? err.code : `not a DeviceInfoError: ${String(err)}`;
  }
  return undefined;
}

describe("getDPDeviceInfoPath and getCNIDeviceInfoPath: the Go reference's paths.json", () => {
  it("has the fixtures, including each refused kind", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(37);
    expect(fixtures.filter(refused).length).toBe(9);
  });

  it("uses the production base directory by default", () => {
    expect(DEFAULT_BASE_DIR).toBe("/var/run/k8s.cni.cncf.io/devinfo");
  });

  const label = (f: PathFixture) =>
    f.kind === "dp"
      ? `dp ${JSON.stringify(f.resourceName).slice(0, 40)} ${JSON.stringify(f.deviceID).slice(0, 40)}`
      : `cni ${JSON.stringify(f.name).slice(0, 40)}`;

  it.each(fixtures.filter((f) => !refused(f)).map((f) => [label(f), f] as const))("%s: equal to Go", (_label, f) => {
    expect(compute(f)).toBe(f.path);
  });

  it.each(fixtures.filter(refused).map((f) => [label(f), f] as const))("%s: refused with ERR_DEVINFO_UNSAFE_PATH", (_label, f) => {
    expect(unsafe(() => compute(f))).toBe("ERR_DEVINFO_UNSAFE_PATH");
  });

  it.each(fixtures.filter((f) => !refused(f)).map((f) => [label(f), f] as const))(
    "%s: a custom base directory replaces the default prefix",
    (_label, f) => {
      const relative = path.relative(DEFAULT_BASE_DIR, f.path);
      for (const baseDir of ["/tmp/devinfo-base", "/tmp/devinfo-base/", "/tmp//devinfo-base/./x/.."]) {
        expect(compute(f, baseDir)).toBe(path.join("/tmp/devinfo-base", relative));
      }
    },
  );
});

describe("getDPDeviceInfoPath keeps the last resource name checked and flattened", () => {
  // Every fixture, one after the other and then in reverse, each twice: whatever the previous call, the same answer.
  const dp = fixtures.filter((f) => f.kind === "dp");
  it("gives each fixture's answer whatever was asked before", () => {
    for (const f of [...dp, ...dp.toReversed(), ...dp.flatMap((g) => [g, g])]) {
      if (refused(f)) expect(unsafe(() => compute(f))).toBe("ERR_DEVINFO_UNSAFE_PATH");
      else expect(compute(f)).toBe(f.path);
    }
  });
});

describe("paths: names that are refused", () => {
  it.each<[string, () => unknown]>([
    ["a NUL in a resource name", () => getDPDeviceInfoPath("intel.com/\0sriov", "0000:af:06.0")],
    ["a NUL in a device ID", () => getDPDeviceInfoPath("intel.com/sriov", "0000:af\0:06.0")],
    ["a NUL in a CNI name", () => getCNIDeviceInfoPath("net1\0")],
    ["a CNI name that becomes '..' after nothing", () => getCNIDeviceInfoPath("..")],
    ["a 256-byte CNI name", () => getCNIDeviceInfoPath("c".repeat(256))],
    ["a CNI name of 128 two-byte characters (256 bytes)", () => getCNIDeviceInfoPath("é".repeat(128))],
    ["a DP file name of 256 bytes", () => getDPDeviceInfoPath("r".repeat(256 - "-d-device.json".length), "d")],
    ["a base directory with a NUL", () => getCNIDeviceInfoPath("x", { baseDir: "/tmp/\0" })],
    ["an empty base directory", () => getCNIDeviceInfoPath("x", { baseDir: "" })],
  ])("%s", (_what, fn) => {
    expect(unsafe(fn)).toBe("ERR_DEVINFO_UNSAFE_PATH");
  });

  // Misuse, never a path under the default base directory (issue 10 K1).
  it.each<[string, () => unknown, string]>([
    [
      "a resource name that is not a string",
      () => getDPDeviceInfoPath(5 as unknown as string, "d"),
      'The "resourceName" argument must be of type string. Received type number (5)',
    ],
    [
      "a number as options",
      () => getDPDeviceInfoPath("r/x", "1", 5 as never),
      'The "options" argument must be of type object. Received type number (5)',
    ],
    [
      "a base directory as options",
      () => getDPDeviceInfoPath("r/x", "1", "/tmp/mybase" as never),
      "The \"options\" argument must be of type object. Received type string ('/tmp/mybase')",
    ],
    [
      "a number as base directory",
      () => getCNIDeviceInfoPath("x", { baseDir: 5 as never }),
      'The "options.baseDir" property must be of type string. Received type number (5)',
    ],
  ])("%s is a TypeError ERR_INVALID_ARG_TYPE", (_what, fn, message) => {
    expect(fn).toThrow(expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message }));
  });

  it("accepts names of exactly 255 bytes", () => {
    expect(path.basename(getCNIDeviceInfoPath("c".repeat(255)))).toHaveLength(255);
    expect(path.basename(getDPDeviceInfoPath("r".repeat(255 - "-d-device.json".length), "d"))).toHaveLength(255);
  });

  it("never leaves its directory for any name it accepts", () => {
    for (const name of ["../x", "../../etc/passwd", "x/..", "./x", "/abs", "a/../../b", "...", ". ", " .."]) {
      const cni = getCNIDeviceInfoPath(name, { baseDir: "/b" });
      expect(path.dirname(cni)).toBe("/b/cni");
      const dp = getDPDeviceInfoPath(name, name, { baseDir: "/b" });
      expect(path.dirname(dp)).toBe("/b/dp");
    }
  });

  it("resolves a relative base directory against the current directory", () => {
    expect(getCNIDeviceInfoPath("x", { baseDir: "rel/base" })).toBe(path.resolve("rel/base", "cni", "x"));
  });
});
