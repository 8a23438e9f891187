/**
 * One depth rule (issue 10, K5): Go's encoding/json reads at most 10,000
 * levels of nesting (`maxNestingDepth` in its scanner). Whatever a reader
 * accepts, every writer, copier and the CLI handle; one level more is a typed
 * DeviceInfoError at every entry point, never a RangeError.
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import {
  copyDeviceInfoForCNIFromDPSync,
  loadDeviceInfoFromDPSync,
  saveDeviceInfoForCNISync,
  saveDeviceInfoForDPSync,
  updateDeviceInfoForCNISync,
} from "../../src/files/operations.js";
import { MAX_JSON_DEPTH } from "../../src/format/_go-text.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { validateDeviceInfo } from "../../src/format/validate.js";
import { addDeviceInfoFieldsSync } from "../../src/roles/cni-plugin.js";
import { buildPluginStdin } from "../../src/roles/meta-plugin.js";
import {
  createNetworkStatus,
  parseNetworkStatusAnnotation,
  serializeNetworkStatusAnnotation,
  setNetworkStatusDeviceInfo,
} from "../../src/status/network-status.js";
import type { NetworkStatus } from "../../src/status/schema.js";
import { devinfo } from "../cli/_helpers.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir();

/** Arrays nested `levels` deep (`[]` is one level). */
function nested(levels: number): unknown {
  let value: unknown[] = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

/** `nested(levels)` as JSON text (JSON.stringify itself runs out of stack at a few thousand levels). */
const nestedText = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
const deepInfoText = (levels: number) =>
  `{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"},"x":${nestedText(levels - 1)}}`;

/** A device-info document whose unknown key makes it `levels` deep in all (the document is level 1). */
function deepInfo(levels: number): DeviceInfo {
  return { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" }, x: nested(levels - 1) } as DeviceInfo;
}

/** The depth of JSON text, counted the way Go's scanner counts it. */
function textDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") deepest = Math.max(deepest, ++depth);
    else if (c === "]" || c === "}") depth--;
  }
  return deepest;
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

interface EntryPoint {
  readonly name: string;
  /** Runs the entry point on input `levels` deep in all; returns the JSON text it wrote, if any. */
  readonly run: (levels: number) => string | undefined;
  /** The error code one level past the limit. */
  readonly pastCode: "ERR_DEVINFO_PARSE" | "ERR_DEVINFO_INVALID";
}

const dpFile = (levels: number) => {
  fs.mkdirSync(tmp.join("dp"), { recursive: true });
  fs.writeFileSync(tmp.join("dp", "r-d-device.json"), deepInfoText(levels));
};
const big = { maxBytes: 1 << 20 };

const ENTRY_POINTS: EntryPoint[] = [
  { name: "parseDeviceInfo (text)", run: (n) => void parseDeviceInfo(deepInfoText(n)), pastCode: "ERR_DEVINFO_PARSE" },
  { name: "parseDeviceInfo (a value)", run: (n) => void parseDeviceInfo(deepInfo(n)), pastCode: "ERR_DEVINFO_INVALID" },
  { name: "serializeDeviceInfo", run: (n) => serializeDeviceInfo(deepInfo(n)), pastCode: "ERR_DEVINFO_INVALID" },
  {
    name: "saveDeviceInfoForDP",
    run: (n) => {
      saveDeviceInfoForDPSync("r", "d", deepInfo(n), { baseDir: tmp.path, ...big });
      return fs.readFileSync(tmp.join("dp", "r-d-device.json"), "utf8");
    },
    pastCode: "ERR_DEVINFO_INVALID",
  },
  {
    name: "loadDeviceInfoFromDP",
    run: (n) => {
      dpFile(n);
      return serializeDeviceInfo(loadDeviceInfoFromDPSync("r", "d", { baseDir: tmp.path, ...big }) as DeviceInfo);
    },
    pastCode: "ERR_DEVINFO_PARSE",
  },
  {
    name: "copyDeviceInfoForCNIFromDP",
    run: (n) => {
      dpFile(n);
      copyDeviceInfoForCNIFromDPSync(tmp.join("cni", "f"), "r", "d", { baseDir: tmp.path, ...big });
      return fs.readFileSync(tmp.join("cni", "f"), "utf8");
    },
    pastCode: "ERR_DEVINFO_PARSE",
  },
  {
    name: "updateDeviceInfoForCNI and addDeviceInfoFields",
    run: (n) => {
      const file = tmp.join("cni", "f");
      fs.mkdirSync(tmp.join("cni"), { recursive: true });
      fs.writeFileSync(file, deepInfoText(n));
      updateDeviceInfoForCNISync(file, (info) => info && { ...info, version: "1.1.0" }, big);
      addDeviceInfoFieldsSync(file, { pci: { "representor-device": "pf0vf3" } }, big);
      return fs.readFileSync(file, "utf8");
    },
    pastCode: "ERR_DEVINFO_PARSE",
  },
  {
    name: "parseNetworkStatusAnnotation",
    run: (n) => void parseNetworkStatusAnnotation(`[{"name":"a","x":${nestedText(n - 2)}}]`),
    pastCode: "ERR_DEVINFO_PARSE",
  },
  {
    name: "createNetworkStatus with a device-info (as a document of its own)",
    run: (n) => void createNetworkStatus({ cniVersion: "1.0.0" }, "a", false, deepInfo(n)),
    pastCode: "ERR_DEVINFO_INVALID",
  },
  {
    name: "setNetworkStatusDeviceInfo (the device-info as a document of its own)",
    run: (n) => void setNetworkStatusDeviceInfo([{ name: "a" }], { network: "a" }, deepInfo(n)),
    pastCode: "ERR_DEVINFO_INVALID",
  },
  {
    name: "buildPluginStdin (libcni's json.Marshal of the configuration)",
    run: (n) => buildPluginStdin({ cniVersion: "1.0.0", name: "n", type: "t", x: nested(n - 1) }),
    pastCode: "ERR_DEVINFO_INVALID",
  },
];

describe.each(ENTRY_POINTS)("$name", ({ run, pastCode }) => {
  it(`handles ${MAX_JSON_DEPTH} levels, and what it writes is that deep`, () => {
    const text = run(MAX_JSON_DEPTH);
    if (text !== undefined) expect(textDepth(text)).toBe(MAX_JSON_DEPTH);
  });

  it(`refuses ${MAX_JSON_DEPTH + 1} levels with ${pastCode}, writing nothing`, () => {
    const err = errorOf(() => run(MAX_JSON_DEPTH + 1));
    expect(isDeviceInfoError(err) && err.code).toBe(pastCode);
    expect(fs.existsSync(tmp.join("cni", "f")) && fs.readFileSync(tmp.join("cni", "f"), "utf8").includes("pf0vf3")).toBe(false);
  });
});

describe("serializeNetworkStatusAnnotation", () => {
  // Go's MarshalIndent layout puts 4 spaces per level on each line: 10,000 levels are 400 MB of
  // spaces, too slow for a unit test. 6,000 levels are past JSON.stringify's stack, so the
  // encoder without recursion is what writes them.
  it("writes an entry nested past JSON.stringify's stack", () => {
    expect(textDepth(serializeNetworkStatusAnnotation([{ name: "a", x: nested(6_000 - 2) } as NetworkStatus]))).toBe(6_000);
  });

  it(`refuses ${MAX_JSON_DEPTH + 1} levels with ERR_DEVINFO_INVALID before encoding anything`, () => {
    const err = errorOf(() => serializeNetworkStatusAnnotation([{ name: "a", x: nested(MAX_JSON_DEPTH - 1) } as NetworkStatus]));
    expect(err).toMatchObject({ code: "ERR_DEVINFO_INVALID", issues: [{ code: "unserializable", jsonPath: "$[0]" }] });
  });
});

describe("validateDeviceInfo", () => {
  it("accepts a value at the limit and reports one past it as unserializable", () => {
    expect(validateDeviceInfo(deepInfo(MAX_JSON_DEPTH)).valid).toBe(true);
    const { valid, errors } = validateDeviceInfo(deepInfo(MAX_JSON_DEPTH + 1));
    expect(valid).toBe(false);
    expect(errors.map((e) => [e.code, e.jsonPath])).toEqual([["unserializable", "$['x']"]]);
  });

  it("reports a cycle as unserializable instead of overflowing the stack", () => {
    const info: Record<string, unknown> = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
    info.self = [info];
    expect(validateDeviceInfo(info).errors.map((e) => e.code)).toEqual(["unserializable"]);
    expect(errorOf(() => serializeDeviceInfo(info as DeviceInfo))).toMatchObject({ code: "ERR_DEVINFO_INVALID" });
  });
});

describe("saveDeviceInfoForCNI", () => {
  it("writes nothing for a document one level too deep", () => {
    const err = errorOf(() => saveDeviceInfoForCNISync(tmp.join("cni", "g"), deepInfo(MAX_JSON_DEPTH + 1), big));
    expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
    expect(fs.existsSync(tmp.join("cni", "g"))).toBe(false);
  });
});

describe("devinfo show", () => {
  // --json indents only up to 32 levels: indented, 10,000 levels would be 100 MB of spaces for a 20 KB file.
  it.each([
    [
      "at the limit: shown",
      MAX_JSON_DEPTH,
      0,
      [
        ["show", "r", "d"],
        ["show", "--json", "r", "d"],
      ],
    ],
    [
      "one past it: a typed error",
      MAX_JSON_DEPTH + 1,
      1,
      [
        ["show", "r", "d"],
        ["show", "--json", "r", "d"],
      ],
    ],
  ])("%s", (_what, levels, code, runs) => {
    fs.mkdirSync(tmp.join("dp"), { recursive: true });
    fs.writeFileSync(tmp.join("dp", "r-d-device.json"), deepInfoText(levels));
    for (const args of runs) {
      const run = devinfo([...args, "--base-dir", tmp.path]);
      expect(run.code).toBe(code);
      expect(run.stderr).not.toMatch(/RangeError|Maximum call stack|at .*\.js:/);
      if (code === 1) expect(run.stderr).toMatch(/nested deeper than 10000 levels/);
      else expect(run.stdout).toContain("[[[[");
    }
  });

  it.each([
    ["indented up to 32 levels", 32, true],
    ["on one line past 32 levels", 33, false],
    ["on one line, proportional to the file, at the limit", MAX_JSON_DEPTH, false],
  ])("--json output is %s", (_what, levels, indented) => {
    fs.mkdirSync(tmp.join("dp"), { recursive: true });
    const text = deepInfoText(levels);
    fs.writeFileSync(tmp.join("dp", "r-d-device.json"), text);
    const run = devinfo(["show", "--json", "r", "d", "--base-dir", tmp.path]);
    expect(run.code).toBe(0);
    expect(run.stdout.includes("\n  ")).toBe(indented);
    expect(run.stdout.length).toBeLessThan(indented ? 4 * text.length + 4096 : 2 * text.length);
  });
});
