// One rule table for the format (src/format/rules.ts), walked by the general
// validator (validate.ts) and the fast path (_fast.ts). For every rule in the
// table, a document that breaks only that rule (a conforming one, changed in
// one place) goes through both paths: the general validator reports it, the
// fast path declines it, and every reader and writer that tries the fast path
// first (sync, thread pool, worker) reports exactly the validator's errors and
// warnings (codes, jsonPath, messages) and writes the general encoder's bytes.
// The same for the ways a value is decoded (the fast path's shape), and for
// random documents.

import fs from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue, DeviceInfoIssueCode } from "../../src/base/issues.js";
import {
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  loadDeviceInfoFromCNI,
  loadDeviceInfoFromCNISync,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
} from "../../src/files/operations.js";
import { getCNIDeviceInfoPath, getDPDeviceInfoPath } from "../../src/files/paths.js";
import { encodeConforming, parseConforming, transcodeConforming } from "../../src/format/_fast.js";
import { DEVICE_FIELDS, DEVICE_TYPES } from "../../src/format/fields.js";
import { FIELD_RULES, TYPE_RULES, type ValueRule, VERSION_RULES } from "../../src/format/rules.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { serializeDeviceInfo } from "../../src/format/serialize.js";
import { checkDeviceInfo } from "../../src/format/validate.js";
import { FC_SEED } from "../helpers/arbitraries.js";
import { useTempDir } from "../helpers/temp-dir.js";

type Doc = Record<string, unknown>;
type Device = (typeof DEVICE_TYPES)[number];

/** A conforming document of each type, every field set, in Go's order: what the fast path is for. */
const BASE: Readonly<Record<Device, Doc>> = {
  pci: {
    "pci-address": "0000:af:06.0",
    "vhost-net": "/dev/vhost-net",
    "rdma-device": "mlx5_3",
    "pf-pci-address": "0000:af:00.0",
    "representor-device": "pf0vf3",
  },
  vdpa: {
    "parent-device": "vdpa:0000:65:00.3",
    driver: "vhost",
    path: "/dev/vhost-vdpa-1",
    "pci-address": "0000:65:00.3",
    "pf-pci-address": "0000:65:00.0",
    "representor-device": "pf0vf3",
  },
  "vhost-user": { mode: "client", path: "/var/run/vhost-user/net1.sock" },
  memif: { role: "master", path: "/run/memif/net1.sock", mode: "ethernet" },
};

function conforming(device: Device): Doc {
  return { type: device, version: "1.1.0", [device]: { ...BASE[device] } };
}

/** The conforming `device` document with one field set to `value` (removed for `undefined`), in place. */
function withField(device: Device, key: string, value: string | undefined): Doc {
  const sub = Object.fromEntries(
    DEVICE_FIELDS[device].flatMap((f) => {
      const v = f.key === key ? value : BASE[device][f.key];
      return v === undefined ? [] : [[f.key, v]];
    }),
  );
  return { type: device, version: "1.1.0", [device]: sub };
}

// ---------------------------------------------------------------------------
// A case for every rule of the table. Keys: `type:<code>`, `version:<code>`,
// `<device>.<field>:<code>`; the value is the breaking value ("" or
// `undefined` for an absent one) and the document.

interface RuleCase {
  readonly rule: ValueRule;
  readonly value: string;
  readonly doc: Doc;
  readonly path: readonly string[];
}

/** Every rule of the table, by case key. */
function tableRules(): Map<string, { rule: ValueRule; path: (value: string) => readonly string[] }> {
  const rules = new Map<string, { rule: ValueRule; path: (value: string) => readonly string[] }>();
  for (const rule of TYPE_RULES) rules.set(`type:${rule.code}`, { rule, path: (v) => [rule.at === "object" ? v : "type"] });
  for (const rule of VERSION_RULES) rules.set(`version:${rule.code}`, { rule, path: () => ["version"] });
  for (const device of DEVICE_TYPES) {
    for (const field of FIELD_RULES[device]) {
      const path = () => [device, field.key];
      if (field.missing !== undefined) rules.set(`${device}.${field.key}:${field.missing.code}`, { rule: field.missing, path });
      for (const rule of field.checks) rules.set(`${device}.${field.key}:${rule.code}`, { rule, path });
    }
  }
  return rules;
}

const TOP_CASES: Record<string, [value: string, doc: Doc]> = {
  "type:missing_type": ["", { ...conforming("pci"), type: "" }],
  "type:unknown_type": ["infiniband", { ...conforming("pci"), type: "infiniband" }],
  "type:missing_device": ["vdpa", { ...conforming("pci"), type: "vdpa" }],
  "version:missing_version": ["", { ...conforming("memif"), version: "" }],
  "version:invalid_version": ["v1.1.0", { ...conforming("memif"), version: "v1.1.0" }],
  "version:unsupported_version": ["2.0.0", { ...conforming("vhost-user"), version: "2.0.0" }],
};

const FIELD_CASES: Record<string, string | undefined> = {
  "pci.pci-address:missing_field": undefined,
  "pci.pci-address:invalid_pci_address": "0000:af:06",
  "pci.pf-pci-address:invalid_pci_address": "af:00.0",
  "vdpa.parent-device:missing_field": undefined,
  "vdpa.driver:missing_field": undefined,
  "vdpa.driver:invalid_enum": "virtio-net",
  "vdpa.path:missing_field": undefined,
  "vdpa.path:relative_path": "dev/vhost-vdpa-1",
  "vdpa.pci-address:invalid_pci_address": "0000:65:00.3.1",
  "vdpa.pf-pci-address:invalid_pci_address": "0000:65:20.0",
  "vhost-user.mode:missing_field": undefined,
  "vhost-user.mode:invalid_enum": "Client",
  "vhost-user.path:missing_field": undefined,
  "memif.role:missing_field": undefined,
  "memif.role:invalid_enum": "primary",
  "memif.path:missing_field": undefined,
  "memif.mode:missing_field": undefined,
  "memif.mode:invalid_enum": "punt",
};

function ruleCases(): [string, RuleCase][] {
  const rules = tableRules();
  return [...rules].map(([key, { rule, path }]) => {
    const top = TOP_CASES[key];
    if (top !== undefined) return [key, { rule, value: top[0], doc: top[1], path: path(top[0]) }];
    const [field, code] = key.split(":") as [string, string];
    const device = DEVICE_TYPES.find((d) => field.startsWith(`${d}.`)) as Device;
    const value = FIELD_CASES[key];
    if (value === undefined && code !== "missing_field") throw new Error(`no case for ${key}`);
    return [key, { rule, value: value ?? "", doc: withField(device, field.slice(device.length + 1), value), path: path(value ?? "") }];
  });
}

// The ways a value is decoded, which the fast path handles by taking only a
// plain shape: each declined, and worded by the general code alone.
type RuleCode =
  | "missing_type"
  | "unknown_type"
  | "missing_device"
  | "missing_version"
  | "invalid_version"
  | "unsupported_version"
  | "missing_field"
  | "invalid_enum"
  | "invalid_pci_address"
  | "relative_path";
type ShapeCode = Exclude<DeviceInfoIssueCode, "invalid_ip" | RuleCode>;
const pciAt = (sub: Doc): Doc => ({ type: "pci", version: "1.1.0", pci: sub });
const SHAPE_CASES: Record<ShapeCode | "unknown key" | "Go's key order", [doc: unknown, jsonText: boolean]> = {
  not_object: [["pci"], true],
  wrong_type: [pciAt({ "pci-address": 5 }), true],
  unserializable: [{ ...conforming("pci"), x: 10n }, false],
  null_field: [pciAt({ "pci-address": "0000:af:06.0", "rdma-device": null }), true],
  key_case: [pciAt({ "PCI-Address": "0000:af:06.0" }), true],
  lossy_json: [{ ...conforming("pci"), x: Number.NaN }, false],
  "unknown key": [{ ...conforming("pci"), x: { y: 1 } }, true],
  "Go's key order": [{ version: "1.1.0", type: "pci", pci: BASE.pci }, true],
};

/** Every issue code of a device-info document: the compiler keeps this list whole. */
const DEVICE_INFO_CODES: Record<Exclude<DeviceInfoIssueCode, "invalid_ip">, true> = {
  not_object: true,
  wrong_type: true,
  unserializable: true,
  missing_type: true,
  unknown_type: true,
  missing_version: true,
  invalid_version: true,
  unsupported_version: true,
  missing_device: true,
  missing_field: true,
  invalid_enum: true,
  invalid_pci_address: true,
  relative_path: true,
  null_field: true,
  key_case: true,
  lossy_json: true,
};

// ---------------------------------------------------------------------------
// Both paths, through every reader and writer.

type Outcome = { issues: readonly DeviceInfoIssue[]; warnings?: never } | { warnings: readonly DeviceInfoIssue[]; text: string };

/** What the general code gives: the validator's issues and the encoder's text. */
function general(doc: unknown, strict: boolean): Outcome {
  const checked = checkDeviceInfo(doc, strict);
  if (checked.value === undefined) return { issues: checked.errors };
  return { warnings: checked.warnings, text: serializeDeviceInfo(checked.value) };
}

/** What a call that tries the fast path first gives, the same way. */
async function through(call: (onWarning: (w: DeviceInfoIssue) => void) => unknown, file: string): Promise<Outcome> {
  const warnings: DeviceInfoIssue[] = [];
  try {
    await call((w) => warnings.push(w));
  } catch (err) {
    if (isDeviceInfoError(err) && err.code === "ERR_DEVINFO_INVALID") return { issues: err.issues };
    throw err;
  }
  return { warnings, text: fs.readFileSync(file, "utf8") };
}

const tmp = useTempDir();
let n = 0; // file names, unique across the calls of a test

/** Every engine's writer and reader on `doc`, each compared with the general code. */
async function expectSameOnEveryPath(doc: unknown, jsonText: boolean): Promise<void> {
  const baseDir = tmp.path;
  const cni = () => getCNIDeviceInfoPath(`net-${++n}`, { baseDir });
  for (const strict of [true, false]) {
    const expected = general(doc, strict);
    const writers: [string, (file: string, onWarning: (w: DeviceInfoIssue) => void) => unknown][] = [
      ["saveDeviceInfoForCNISync", (f, onWarning) => saveDeviceInfoForCNISync(f, doc as DeviceInfo, { baseDir, strict, onWarning })],
      ["saveDeviceInfoForCNI", (f, onWarning) => saveDeviceInfoForCNI(f, doc as DeviceInfo, { baseDir, strict, onWarning })],
    ];
    for (const [name, write] of writers) {
      const file = cni();
      expect(await through((onWarning) => write(file, onWarning), file), `${name} strict: ${strict}`).toEqual(expected);
    }
  }
  if (!jsonText) return;
  // Readers: the document's JSON text in a file. Read leniently (copies too) and strictly.
  const text = JSON.stringify(doc);
  for (const strict of [false, true]) {
    const expected = general(JSON.parse(text), strict);
    const file = cni();
    fs.mkdirSync(tmp.join("cni"), { recursive: true });
    fs.writeFileSync(file, text);
    const readers: [string, (onWarning: (w: DeviceInfoIssue) => void) => unknown][] = [
      ["loadDeviceInfoFromCNISync", (onWarning) => loadDeviceInfoFromCNISync(file, { baseDir, strict, onWarning })],
      ["loadDeviceInfoFromCNI", (onWarning) => loadDeviceInfoFromCNI(file, { baseDir, strict, onWarning })],
    ];
    for (const [name, read] of readers) {
      const outcome = await through(read, file);
      expect("issues" in outcome ? outcome : { warnings: outcome.warnings }, `${name} strict: ${strict}`).toEqual(
        "issues" in expected ? expected : { warnings: expected.warnings },
      );
    }
  }
  const id = `dev-${++n}`;
  const dp = getDPDeviceInfoPath("example.com/net", id, { baseDir });
  fs.mkdirSync(tmp.join("dp"), { recursive: true });
  fs.writeFileSync(dp, text);
  const lenient = general(JSON.parse(text), false);
  const copies: [string, (file: string, onWarning: (w: DeviceInfoIssue) => void) => unknown][] = [
    ["copyDeviceInfoForCNIFromDPSync", (f, onWarning) => copyDeviceInfoForCNIFromDPSync(f, "example.com/net", id, { baseDir, onWarning })],
    ["copyDeviceInfoForCNIFromDP", (f, onWarning) => copyDeviceInfoForCNIFromDP(f, "example.com/net", id, { baseDir, onWarning })],
  ];
  for (const [name, copy] of copies) {
    const file = cni();
    expect(await through((onWarning) => copy(file, onWarning), file), name).toEqual(lenient);
  }
}

/** The fast path declines `doc` (as a value and as its JSON text). */
function expectFastDeclines(doc: unknown, jsonText: boolean): void {
  expect(encodeConforming(doc)).toBeUndefined();
  if (!jsonText) return;
  const bytes = Buffer.from(JSON.stringify(doc));
  expect(parseConforming(bytes)).toBeUndefined();
  expect(transcodeConforming(bytes)).toBeUndefined();
}

// ---------------------------------------------------------------------------

describe("the rule table", () => {
  it.each(
    DEVICE_TYPES.flatMap((device) =>
      DEVICE_FIELDS[device].map((field, i) => [`${device}.${field.key}`, field, FIELD_RULES[device][i]] as const),
    ),
  )("%s: every flag of fields.ts is a rule (required: missing_field; each other flag: one check)", (_name, field, rules) => {
    expect(rules?.key).toBe(field.key);
    expect(rules?.missing?.code).toBe(field.required === true ? "missing_field" : undefined);
    const flags = Object.keys(field).filter((k) => k !== "key" && k !== "required");
    expect(rules?.checks.length).toBe(flags.length);
  });

  it("has a case below for every rule, and every device-info issue code is a rule or a decoding case", () => {
    const cases = ruleCases();
    expect(cases.map(([key]) => key).sort()).toEqual([...Object.keys(TOP_CASES), ...Object.keys(FIELD_CASES)].sort());
    const covered = new Set([...cases.map(([, c]) => c.rule.code), ...Object.keys(SHAPE_CASES)]);
    for (const code of Object.keys(DEVICE_INFO_CODES)) expect(covered.has(code), code).toBe(true);
  });

  it.each(DEVICE_TYPES)("the conforming %s document of the cases takes the fast path, and the general code agrees", (device) => {
    const doc = conforming(device);
    expect(general(doc, true)).toEqual({ warnings: [], text: encodeConforming(doc) });
    expect(transcodeConforming(Buffer.from(JSON.stringify(doc)))?.text).toBe(encodeConforming(doc));
  });
});

describe("a case of every rule, through both paths", () => {
  it.each(ruleCases())("%s", async (_key, { rule, value, doc, path }) => {
    // The general validator: this rule's issue alone, its table message, at its path.
    const { warnings, errors } = checkDeviceInfo(doc, false);
    expect(errors).toEqual([]);
    expect(warnings.map((w) => [w.code, w.path, w.message])).toEqual([[rule.code, path, rule.message(value)]]);
    expect(checkDeviceInfo(doc, true).errors.map((e) => [e.code, e.jsonPath, e.message])).toEqual(
      warnings.map((w) => [w.code, w.jsonPath, w.message]),
    );
    // The fast path: declined, so no reader or writer can skip the rule.
    expectFastDeclines(doc, true);
    await expectSameOnEveryPath(doc, true);
  });
});

describe("a case of every way a value is decoded, through both paths", () => {
  it.each(Object.entries(SHAPE_CASES))("%s", async (_key, [doc, jsonText]) => {
    expectFastDeclines(doc, jsonText);
    await expectSameOnEveryPath(doc, jsonText);
  });
});

// ---------------------------------------------------------------------------
// Random documents: values drawn near the rules' edges, in the fast path's
// shape (so that only the rules decide) and out of it.

const anyValue = fc.oneof(
  fc.constantFrom(
    "",
    "0000:af:06.0",
    "0000:af:06",
    "/dev/vhost-vdpa-1",
    "dev/x",
    "vhost",
    "virtio",
    "client",
    "server",
    "master",
    "slave",
    "ethernet",
    "ip",
    "inject-punt",
    "punt",
    "a<b",
    "é",
  ),
  fc.string({ unit: fc.constantFrom(..."0123456789abcdefAF:./-_ vhostclientmaster"), maxLength: 14 }),
);
const anyVersion = fc.oneof(
  fc.constantFrom("1.1.0", "1.0.0", "1.12.3", "", "v1.1.0", "2.0.0", "1.1", "01.1.0"),
  fc.string({ maxLength: 6 }),
);
const anyType = fc.oneof(fc.constantFrom(...DEVICE_TYPES), fc.constantFrom("", "PCI", "infiniband"));

const KEEP = Symbol("the conforming value");
const DROP = Symbol("left out");
const change = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(KEEP) }, { weight: 1, arbitrary: fc.constant(DROP) }, { weight: 1, arbitrary });

/** A conforming document of `device` (in Go's order) with some values changed or left out. */
const randomDocument = fc
  .tuple(fc.constantFrom(...DEVICE_TYPES), change(anyType), change(anyVersion), fc.array(change(anyValue), { minLength: 6, maxLength: 6 }))
  .map(([device, type, version, values]) => {
    const base = conforming(device);
    const pick = (value: unknown, kept: unknown) => (value === KEEP ? kept : value === DROP ? undefined : value);
    const sub = Object.fromEntries(
      DEVICE_FIELDS[device].flatMap((f, i) => {
        const v = pick(values[i], BASE[device][f.key]);
        return v === undefined ? [] : [[f.key, v]];
      }),
    );
    const top = Object.entries({ type: pick(type, base.type), version: pick(version, base.version) }).filter(([, v]) => v !== undefined);
    return Object.fromEntries([...top, [device, sub]]) as Doc;
  });

describe("random documents: the fast path answers exactly when the general code finds nothing", () => {
  it("in the fast path's shape, it declines only documents the validator reports (and answers with the same bytes)", () => {
    let fast = 0;
    let declined = 0;
    fc.assert(
      fc.property(randomDocument, (doc) => {
        const text = encodeConforming(doc);
        const checked = checkDeviceInfo(doc, true);
        const keys = Object.keys(doc);
        const plain =
          keys.length === 3 &&
          Object.values(doc[keys[2] as string] as Doc)
            .concat([doc.type, doc.version])
            .every((v) => typeof v === "string" && /^[ -~]+$/.test(v) && !/["\\<>&]/.test(v));
        if (text !== undefined) {
          fast++;
          expect(checked.errors).toEqual([]);
          expect(text).toBe(serializeDeviceInfo(checked.value as DeviceInfo));
          expect(parseConforming(Buffer.from(text))).toEqual(doc);
        } else {
          declined++;
          // In the shape, only a rule of the table declines it: the validator words it.
          if (plain) expect(checked.errors.length).toBeGreaterThan(0);
        }
      }),
      { seed: FC_SEED, numRuns: 3000 },
    );
    // Both outcomes were exercised.
    expect(fast).toBeGreaterThan(50);
    expect(declined).toBeGreaterThan(50);
  });

  it("its readers and writers give the validator's issues and the encoder's bytes (a sample, on every engine)", async () => {
    const samples = fc.sample(randomDocument, { seed: FC_SEED, numRuns: 12 });
    for (const doc of samples) await expectSameOnEveryPath(doc, true);
  });
});
