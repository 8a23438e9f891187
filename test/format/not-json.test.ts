// What JSON text cannot hold as it is, under unknown keys (issue 19, R10):
// a strict writer refuses it with ERR_DEVINFO_INVALID naming the key path
// (issue `lossy_json`, or `unserializable` for what no mode can write)
// instead of writing what JSON.stringify makes of it; a lenient writer
// writes that, with a `lossy_json` warning. The same table runs through the
// fast path (format/_fast.ts), the general validator (format/validate.ts)
// and the writers of every engine (sync, thread pool, worker thread).

import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import { configureFileWorker, fileWorkerState } from "../../src/files/_worker.js";
import * as ops from "../../src/files/operations.js";
import { encodeConforming } from "../../src/format/_fast.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { checkDeviceInfo, validateDeviceInfo } from "../../src/format/validate.js";
import { packageUrl } from "../helpers/run-node.js";
import { makeTempDir, removeTempDir, useTempDir } from "../helpers/temp-dir.js";

const BASE = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
class Custom {
  readonly a = 1;
}
const sparse: unknown[] = [1];
sparse[2] = 3;

// [what, the document, the issue's code, its JSON path, what a lenient writer writes]
const CASES: readonly (readonly [string, () => Record<string, unknown>, string, string, string | undefined])[] = [
  ["NaN at the top", () => ({ ...BASE, x: Number.NaN }), "lossy_json", "$['x']", '"x":null'],
  [
    "Infinity in a sub-object",
    () => ({ ...BASE, pci: { ...BASE.pci, "x-rate": Number.POSITIVE_INFINITY } }),
    "lossy_json",
    "$['pci']['x-rate']",
    '"x-rate":null',
  ],
  [
    "-Infinity deep in an array",
    () => ({ ...BASE, x: { list: [1, { v: Number.NEGATIVE_INFINITY }] } }),
    "lossy_json",
    "$['x']['list'][1]['v']",
    '"x":{"list":[1,{"v":null}]}',
  ],
  [
    "a Date (toJSON: a string)",
    () => ({ ...BASE, created: new Date(0) }),
    "lossy_json",
    "$['created']",
    '"created":"1970-01-01T00:00:00.000Z"',
  ],
  ["a function (left out)", () => ({ ...BASE, x: { f: () => 1 } }), "lossy_json", "$['x']['f']", '"x":{}'],
  ["a symbol (left out)", () => ({ ...BASE, x: Symbol("s") }), "lossy_json", "$['x']", undefined],
  ["undefined in an array (null)", () => ({ ...BASE, x: [1, undefined] }), "lossy_json", "$['x'][1]", '"x":[1,null]'],
  ["a hole in an array (null)", () => ({ ...BASE, x: sparse }), "lossy_json", "$['x'][1]", '"x":[1,null,3]'],
  ["a Map (written as {})", () => ({ ...BASE, x: new Map([["a", 1]]) }), "lossy_json", "$['x']", '"x":{}'],
  ["a Set in an array", () => ({ ...BASE, x: [new Set([1])] }), "lossy_json", "$['x'][0]", '"x":[{}]'],
  ["a class instance", () => ({ ...BASE, x: new Custom() }), "lossy_json", "$['x']", '"x":{"a":1}'],
  ["a boxed number", () => ({ ...BASE, x: Object(5) }), "lossy_json", "$['x']", '"x":5'],
  [
    "a plain object whose toJSON is a function",
    () => ({ ...BASE, x: { toJSON: () => "other" } }),
    "lossy_json",
    "$['x']['toJSON']",
    '"x":"other"',
  ],
  ["a BigInt (no mode writes it)", () => ({ ...BASE, x: { n: 10n } }), "unserializable", "$['x']['n']", undefined],
  [
    "a cycle (no mode writes it)",
    () => {
      const x: Record<string, unknown> = {};
      x.self = x;
      return { ...BASE, x };
    },
    "unserializable",
    "$['x']",
    undefined,
  ],
];

// JSON data, written as it is: no issue in any mode.
const FINE: readonly (readonly [string, () => Record<string, unknown>])[] = [
  ["numbers, booleans, null, nested arrays and objects", () => ({ ...BASE, x: { a: [1, -2.5, true, null, "s", { b: [] }] } })],
  ["an object without a prototype", () => ({ ...BASE, x: Object.assign(Object.create(null), { a: 1 }) })],
  ["undefined as a member (an absent key, as for every field)", () => ({ ...BASE, x: { a: undefined, b: 1 }, y: undefined })],
];

describe("the fast path and the general validator agree", () => {
  it.each(CASES)("%s", (_what, make, code, jsonPath) => {
    const doc = make();
    // Unknown keys never take the fast path: the general validator decides.
    expect(encodeConforming(doc)).toBeUndefined();
    const strict = checkDeviceInfo(doc, true);
    expect(strict.value).toBeUndefined();
    expect(strict.errors.map((e) => [e.code, e.jsonPath])).toEqual([[code, jsonPath]]);
    const lenient = validateDeviceInfo(doc);
    if (code === "unserializable") {
      expect(lenient.valid).toBe(false);
      expect(lenient.errors.map((e) => [e.code, e.jsonPath])).toEqual([[code, jsonPath]]);
    } else {
      expect(lenient.valid).toBe(true);
      expect(lenient.warnings.map((w) => [w.code, w.jsonPath, w.severity])).toEqual([[code, jsonPath, "warning"]]);
    }
  });

  it.each(FINE)("%s: no issue", (_what, make) => {
    expect(validateDeviceInfo(make(), { strict: true })).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it("the message says what JSON would do and what to give instead", () => {
    const [issue] = checkDeviceInfo({ ...BASE, created: new Date(0) }, true).errors;
    expect(issue?.message).toBe(
      'a Date object is not JSON data: JSON writes it as "1970-01-01T00:00:00.000Z"; give JSON data (strings, finite numbers, booleans, null, arrays, plain objects)',
    );
  });
});

describe("writers on every engine: strict refuses, lenient writes what JSON makes of it with a warning", () => {
  const tmp = useTempDir();
  let scratch: string;
  beforeAll(async () => {
    scratch = makeTempDir("devinfo-notjson-");
    configureFileWorker({ url: packageUrl(), threshold: 1, paused: false });
    await ops.loadDeviceInfoFromCNI(`${scratch}/x`);
    for (const start = Date.now(); fileWorkerState().state !== "ready"; ) {
      if (Date.now() - start > 20_000) throw new Error("the worker did not start");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  afterAll(async () => {
    await fileWorkerState().worker?.terminate();
    removeTempDir(scratch);
  });

  type Save = (file: string, info: DeviceInfo, options: ops.SaveOptions) => unknown;
  const ENGINES: readonly (readonly [string, Save])[] = [
    ["sync", (f, i, o) => ops.saveDeviceInfoForCNISync(f, i, o)],
    ["thread pool", (f, i, o) => withWorker(false, () => ops.saveDeviceInfoForCNI(f, i, o))],
    ["worker", (f, i, o) => withWorker(true, () => ops.saveDeviceInfoForCNI(f, i, o))],
    ["update, sync", (f, i, o) => ops.updateDeviceInfoForCNISync(f, () => i, o)],
    ["update, async", (f, i, o) => ops.updateDeviceInfoForCNI(f, () => i, o)],
  ];
  async function withWorker(on: boolean, call: () => Promise<unknown>) {
    configureFileWorker({ paused: !on });
    try {
      return await call();
    } finally {
      configureFileWorker({ paused: false });
    }
  }

  describe.each(ENGINES)("%s", (_engine, save) => {
    it.each(CASES)("%s", async (_what, make, code, jsonPath, written) => {
      const file = tmp.join("f");
      let refused: unknown;
      try {
        await save(file, make() as DeviceInfo, {});
      } catch (err) {
        refused = err;
      }
      expect(isDeviceInfoError(refused) && [refused.code, refused.path, refused.issues.map((i) => [i.code, i.jsonPath])]).toEqual([
        "ERR_DEVINFO_INVALID",
        file,
        [[code, jsonPath]],
      ]);
      expect(fs.existsSync(file)).toBe(false);

      const warnings: DeviceInfoIssue[] = [];
      try {
        await save(file, make() as DeviceInfo, { strict: false, onWarning: (w) => warnings.push(w) });
      } catch (err) {
        refused = err;
      }
      if (code === "unserializable") {
        expect(isDeviceInfoError(refused) && refused.code).toBe("ERR_DEVINFO_INVALID");
        expect(fs.existsSync(file)).toBe(false);
        return;
      }
      expect(warnings.map((w) => [w.code, w.jsonPath])).toEqual([[code, jsonPath]]);
      const text = fs.readFileSync(file, "utf8");
      expect(text.startsWith('{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"')).toBe(true);
      if (written !== undefined) expect(text).toContain(written);
    });
  });
});
