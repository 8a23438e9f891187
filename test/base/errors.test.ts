import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CNIError, DeviceInfoError, type DeviceInfoErrorCode, isCNIError, isDeviceInfoError } from "../../src/base/errors.js";
import { lockPathFor } from "../../src/files/_atomic.js";
import {
  copyDeviceInfoForCNIFromDPSync,
  loadDeviceInfoFromCNISync,
  saveDeviceInfoForCNISync,
  updateDeviceInfoForCNISync,
} from "../../src/files/operations.js";
import { getCNIDeviceInfoPath } from "../../src/files/paths.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { prepareDeviceInfo } from "../../src/roles/meta-plugin.js";
import { packageUrl } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";

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
    const other = (await import(packageUrl("base/errors.js"))) as typeof import("../../src/base/errors.js");
    expect(other.DeviceInfoError).not.toBe(DeviceInfoError);
    const err = new other.DeviceInfoError("ERR_DEVINFO_IO", "m");
    expect(err instanceof DeviceInfoError).toBe(true);
    expect(isDeviceInfoError(err)).toBe(true);
    expect(other.isDeviceInfoError(new DeviceInfoError("ERR_DEVINFO_IO", "m"))).toBe(true);
    expect(new DeviceInfoError("ERR_DEVINFO_IO", "m") instanceof other.DeviceInfoError).toBe(true);
    expect(new other.CNIError(1, "m") instanceof CNIError).toBe(true);
    expect(new CNIError(1, "m") instanceof DeviceInfoError).toBe(false);
    expect(new Error("m") instanceof DeviceInfoError).toBe(false);
    expect({ code: "ERR_DEVINFO_IO" } instanceof DeviceInfoError).toBe(false);
  });

  // Each entry is a bundle with its own copy of the classes: an error thrown
  // through one entry must be an instance of the class another entry exports.
  it.each([
    [
      "devinfo/device-plugin",
      "device-plugin.js",
      (m: Record<string, (...a: unknown[]) => unknown>) => m.saveDeviceInfoForDPSync?.("r", "d", {}, { baseDir: "/nonexistent-devinfo" }),
    ],
    ["devinfo/cni-plugin", "cni-plugin.js", (m: Record<string, (...a: unknown[]) => unknown>) => m.loadDeviceInfoFromCNISync?.("relative")],
    ["devinfo/dra", "dra.js", (m: Record<string, (...a: unknown[]) => unknown>) => m.deviceInfoToDeviceAttributes?.(5)],
  ])("an error thrown through %s is instanceof the root entry's DeviceInfoError, and the reverse", async (_entry, file, fail) => {
    const root = (await import(packageUrl("index.js"))) as typeof import("../../src/index.js");
    const entry = (await import(packageUrl(file))) as Record<string, (...a: unknown[]) => unknown>;
    let thrown: unknown;
    try {
      fail(entry);
    } catch (err) {
      thrown = err;
    }
    expect(isDeviceInfoError(thrown)).toBe(true);
    expect(thrown instanceof root.DeviceInfoError).toBe(true);
    expect(thrown instanceof DeviceInfoError).toBe(true);
    const EntryClass = entry.DeviceInfoError as unknown as typeof DeviceInfoError | undefined;
    if (EntryClass !== undefined) {
      expect(EntryClass).not.toBe(root.DeviceInfoError);
      expect(new root.DeviceInfoError("ERR_DEVINFO_IO", "m") instanceof EntryClass).toBe(true);
    }
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
        // A directory the process may not write in (sysfs refuses even root).
        const root = process.getuid?.() === 0;
        if (!root) fs.mkdirSync(path.join(dir, "ro"), { mode: 0o555 });
        saveDeviceInfoForCNISync(root ? "/sys/devinfo-errors-test" : path.join(dir, "ro", "f"), PCI);
      },
      /permission denied \(EACCES\); .*fix its permissions/,
    ],
    [
      "ERR_DEVINFO_UNSAFE_PATH",
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

describe("JSON.stringify of errors (structured loggers)", () => {
  it("a DeviceInfoError keeps name, message, code, path, issues, errno, syscall, line and its cause's code", () => {
    const issue = { severity: "error", code: "wrong_type", path: ["type"], jsonPath: "$.type", message: "m" } as const;
    const cause = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: "EACCES", errno: -13 });
    const err = new DeviceInfoError("ERR_DEVINFO_IO", "cannot write /x", {
      path: "/x",
      issues: [issue],
      errno: "EACCES",
      syscall: "open",
      line: 3,
      cause,
    });
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: "DeviceInfoError",
      message: "cannot write /x",
      code: "ERR_DEVINFO_IO",
      path: "/x",
      issues: [issue],
      errno: "EACCES",
      syscall: "open",
      line: 3,
      cause: { name: "Error", message: "EACCES: permission denied, open '/x'", code: "EACCES" },
    });
  });

  it("leaves out what is not set", () => {
    expect(JSON.parse(JSON.stringify(new DeviceInfoError("ERR_DEVINFO_PARSE", "bad")))).toEqual({
      name: "DeviceInfoError",
      message: "bad",
      code: "ERR_DEVINFO_PARSE",
      issues: [],
    });
  });

  it("the warnings prepareDeviceInfo returns serialise with message, code and the path looked at", async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-json-"));
    try {
      const { warnings } = await prepareDeviceInfo(
        { network: "n", containerID: "c", ifName: "net1", resourceName: "example.com/nic", deviceID: "0000:af:06.0" },
        { baseDir: base },
      );
      const dpFile = path.join(base, "dp", "example.com-nic-0000:af:06.0-device.json");
      expect(JSON.parse(JSON.stringify(warnings))).toEqual([
        expect.objectContaining({
          name: "DeviceInfoError",
          code: "ERR_DEVINFO_NOT_FOUND",
          path: dpFile,
          message: expect.stringContaining(dpFile),
        }),
      ]);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it("a CNIError keeps name, message, code and details", () => {
    expect(JSON.parse(JSON.stringify(new CNIError(7, "invalid network configuration", "x")))).toEqual({
      name: "CNIError",
      message: "invalid network configuration",
      code: 7,
      details: "x",
    });
  });
});

describe("CNIError and isCNIError", () => {
  it("recognises the package's CNI errors, of any copy, and nothing else", () => {
    expect(isCNIError(new CNIError(100, "m"))).toBe(true);
    const brandedElsewhere = Object.defineProperty(new Error("m"), Symbol.for("devinfo.CNIError"), { value: true });
    expect(isCNIError(brandedElsewhere)).toBe(true);
    for (const value of [
      new Error("m"),
      new DeviceInfoError("ERR_DEVINFO_IO", "m"),
      { code: 7, name: "CNIError" },
      null,
      undefined,
      "CNIError",
    ]) {
      expect(isCNIError(value)).toBe(false);
    }
    expect(isDeviceInfoError(new CNIError(100, "m"))).toBe(false);
  });
});

describe("the error constructors check their arguments (Node's misuse convention)", () => {
  it.each<[string, () => unknown, string, string]>([
    [
      "a code that is not a string",
      () => new DeviceInfoError(5 as never, "m"),
      "ERR_INVALID_ARG_TYPE",
      'The "code" argument must be of type string. Received type number (5)',
    ],
    [
      "null details",
      () => new DeviceInfoError("ERR_DEVINFO_IO", "m", null as never),
      "ERR_INVALID_ARG_TYPE",
      'The "details" argument must be of type object. Received null',
    ],
    [
      "a line of 0",
      () => new DeviceInfoError("ERR_DEVINFO_PARSE", "m", { line: 0 }),
      "ERR_OUT_OF_RANGE",
      'The value of "details.line" is out of range. It must be >= 1 && <= 9007199254740991. Received 0',
    ],
    [
      "a CNI code that is not an integer",
      () => new CNIError(1.5, "m"),
      "ERR_OUT_OF_RANGE",
      'The value of "code" is out of range. It must be an integer. Received 1.5',
    ],
    [
      "a CNI msg that is not a string",
      () => new CNIError(7, undefined as never),
      "ERR_INVALID_ARG_TYPE",
      'The "msg" argument must be of type string. Received undefined',
    ],
  ])("%s", (_what, make, code, message) => {
    expect(make).toThrow(expect.objectContaining({ code, message }));
  });
});
