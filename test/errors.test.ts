import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DeviceInfoError, type DeviceInfoErrorCode, isDeviceInfoError } from "../src/errors.js";
import { lockPathFor } from "../src/files/_atomic.js";
import {
  copyDeviceInfoForCNIFromDPSync,
  loadDeviceInfoFromCNISync,
  saveDeviceInfoForCNISync,
  updateDeviceInfoForCNISync,
} from "../src/files/operations.js";
import { getCNIDeviceInfoPath } from "../src/files/paths.js";
import { parseDeviceInfo } from "../src/format/parse.js";
import type { DeviceInfo } from "../src/format/schema.js";
import { packageUrl } from "./helpers/run-node.js";
import { useTempDir } from "./helpers/temp-dir.js";

const PCI: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };

describe("DeviceInfoError", () => {
  it("carries code, path, issues, errno, syscall and cause", () => {
    const cause = Object.assign(new Error("boom"), { code: "EACCES" });
    const issue = { severity: "error", code: "wrong_type", path: ["type"], jsonPath: "$['type']", message: "m" } as const;
    const err = new DeviceInfoError("ERR_DEVINFO_IO", "cannot write /x", {
      path: "/x",
      issues: [issue],
      errno: "EACCES",
      syscall: "open",
      cause,
    });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(DeviceInfoError);
    expect(err.name).toBe("DeviceInfoError");
    expect(err.message).toBe("cannot write /x");
    expect(err.code).toBe("ERR_DEVINFO_IO");
    expect(err.path).toBe("/x");
    expect(err.issues).toEqual([issue]);
    expect(err.errno).toBe("EACCES");
    expect(err.syscall).toBe("open");
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe("DeviceInfoError: cannot write /x");
    expect(err.stack).toContain("errors.test.ts");
  });

  it("defaults the details to absent", () => {
    const err = new DeviceInfoError("ERR_DEVINFO_PARSE", "m");
    expect([err.path, err.errno, err.syscall, err.cause]).toEqual([undefined, undefined, undefined, undefined]);
    expect(err.issues).toEqual([]);
    expect("cause" in err).toBe(false);
  });
});

describe("isDeviceInfoError", () => {
  it("recognises the package's errors and nothing else", () => {
    expect(isDeviceInfoError(new DeviceInfoError("ERR_DEVINFO_EXISTS", "m"))).toBe(true);
    for (const value of [
      new Error("m"),
      { code: "ERR_DEVINFO_EXISTS", name: "DeviceInfoError" },
      null,
      undefined,
      "ERR_DEVINFO_EXISTS",
      5,
    ]) {
      expect(isDeviceInfoError(value)).toBe(false);
    }
  });

  it("recognises errors thrown by another copy of the package (the built one)", async () => {
    const other = (await import(packageUrl("errors.js"))) as typeof import("../src/errors.js");
    expect(other.DeviceInfoError).not.toBe(DeviceInfoError);
    const err = new other.DeviceInfoError("ERR_DEVINFO_IO", "m");
    expect(err instanceof DeviceInfoError).toBe(false);
    expect(isDeviceInfoError(err)).toBe(true);
    expect(other.isDeviceInfoError(new DeviceInfoError("ERR_DEVINFO_IO", "m"))).toBe(true);
  });
});

describe("every code is reachable through the public API, names the path and says what to do", () => {
  const tmp = useTempDir();

  const cases: [DeviceInfoErrorCode, (dir: string) => unknown, RegExp][] = [
    [
      "ERR_DEVINFO_EXISTS",
      (dir) => {
        saveDeviceInfoForCNISync(path.join(dir, "f"), PCI);
        saveDeviceInfoForCNISync(path.join(dir, "f"), PCI);
      },
      /overwrite: true/,
    ],
    [
      "ERR_DEVINFO_NOT_FOUND",
      (dir) => copyDeviceInfoForCNIFromDPSync(path.join(dir, "cni", "f"), "r", "d", { baseDir: dir }),
      /device plugin/,
    ],
    ["ERR_DEVINFO_PARSE", () => parseDeviceInfo("{"), /JSON/],
    ["ERR_DEVINFO_INVALID", () => parseDeviceInfo("null"), /JSON object/],
    ["ERR_DEVINFO_UNSAFE_PATH", () => getCNIDeviceInfoPath(".."), /use a name/],
    ["ERR_DEVINFO_TOO_LARGE", (dir) => saveDeviceInfoForCNISync(path.join(dir, "f"), PCI, { maxBytes: 10 }), /maxBytes/],
    [
      "ERR_DEVINFO_CONFLICT",
      (dir) => {
        const file = path.join(dir, "f");
        fs.writeFileSync(lockPathFor(file), "1\n");
        updateDeviceInfoForCNISync(file, (x) => x, { lockTimeoutMs: 0 });
      },
      /remove the lock file/,
    ],
    [
      "ERR_DEVINFO_IO",
      (dir) => {
        fs.writeFileSync(path.join(dir, "plain"), "");
        loadDeviceInfoFromCNISync(path.join(dir, "plain", "f"));
      },
      /not a directory/,
    ],
  ];

  it.each(cases)("%s", (code, trigger, advice) => {
    let caught: unknown;
    try {
      trigger(tmp.path);
    } catch (err) {
      caught = err;
    }
    expect(isDeviceInfoError(caught)).toBe(true);
    if (!isDeviceInfoError(caught)) return;
    expect(caught.code).toBe(code);
    expect(caught.message).toMatch(advice);
    if (caught.path !== undefined && path.isAbsolute(caught.path)) expect(caught.message).toContain(caught.path);
    if (code !== "ERR_DEVINFO_PARSE" && code !== "ERR_DEVINFO_INVALID") expect(caught.path).toBeDefined();
  });
});
