/**
 * What the fuzzer feeds to each parser, and what it requires of the answer.
 * Every parser of outside input must return, or throw a DeviceInfoError with
 * one of its documented codes: never another exception, never a polluted
 * prototype. Shared by the full fuzz run (which counts) and the fast subset
 * in `npm test` (which shrinks a failure to a minimal case).
 */

import { Buffer } from "node:buffer";
import fc from "fast-check";
import {
  type DeviceInfoErrorCode,
  getCNIDeviceInfoPath,
  isDeviceInfoError,
  loadDeviceInfoFromCNISync,
  parseDeviceInfo,
  serializeDeviceInfo,
  validateDeviceInfo,
} from "../../src/index.js";
import { getCNIDeviceInfoFile } from "../../src/roles/cni-plugin.js";
import { parseDownwardAPIAnnotations } from "../../src/status/downward-api.js";
import { parseNetworkStatusAnnotation, serializeNetworkStatusAnnotation } from "../../src/status/network-status.js";

export interface FuzzTarget {
  readonly name: string;
  /** Share of the cases this target gets. */
  readonly weight: number;
  readonly arbitrary: fc.Arbitrary<unknown>;
  /** `undefined` when the parser behaved, otherwise what went wrong. */
  readonly check: (input: unknown) => string | undefined;
}

// ---------------------------------------------------------------------------
// Building blocks.

/** Keys that would pollute a prototype if a parser assigned them naively. */
export const HOSTILE_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "__defineGetter__"] as const;

const DEVICE_KEYS = ["pci", "vdpa", "vhost-user", "memif"];
const SUB_KEYS = [
  "pci-address",
  "vhost-net",
  "rdma-device",
  "pf-pci-address",
  "representor-device",
  "parent-device",
  "driver",
  "path",
  "mode",
  "role",
  "PCI-Address",
  "Path",
  "ſlave",
];

const key = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 3, arbitrary: fc.constantFrom("type", "version", "Type", "VERSION", ...DEVICE_KEYS, "PCI", "Vhost-User", "mem\u017fif") },
  { weight: 3, arbitrary: fc.constantFrom(...SUB_KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);

const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("pci", "vdpa", "vhost-user", "memif", "1.1.0", "1.0.0", "v1.1.0", "0000:af:06.0", "/dev/x", "punt"),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 16 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
);

/** JSON-ish values with hostile keys at any depth. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 2, arbitrary: fc.array(fc.tuple(key, tie("value")), { maxLength: 5 }).map(entriesToObject) },
  ),
})).value;

function entriesToObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // defineProperty: a `__proto__` entry must become data, as JSON.parse makes it.
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A document shaped like device-info: right keys, any values, hostile extras. */
const docLike = fc
  .record({
    type: fc.oneof(fc.constantFrom(...DEVICE_KEYS), scalar),
    version: fc.oneof(fc.constantFrom("1.1.0", "1.0.0", "2.0.0", "v1.1.0"), scalar),
    device: fc.constantFrom(...DEVICE_KEYS),
    sub: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...SUB_KEYS), key), fc.oneof({ weight: 4, arbitrary: scalar }, value)), {
      maxLength: 6,
    }),
    extra: fc.array(fc.tuple(key, value), { maxLength: 4 }),
  })
  .map(({ type, version, device, sub, extra }) =>
    entriesToObject([["type", type], ["version", version], [device, entriesToObject(sub)], ...extra]),
  );

/** Ways to damage JSON text. */
const mutation = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.string({ unit: "binary", maxLength: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("bom" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("nest" as const), depth: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("none" as const) }) },
);

function mutate(text: string, m: MutationValue): string {
  switch (m.kind) {
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "insert": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case "delete": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case "bom":
      return `\ufeff${text}`;
    case "duplicate": {
      // Repeat the first member: {"a":1,...} becomes {"a":1,"a":1,...}.
      const end = text.indexOf(",");
      return text.startsWith("{") && end > 1 ? `{${text.slice(1, end)},${text.slice(1)}` : text;
    }
    case "nest":
      return text.startsWith("{") ? `{"deep":${"[".repeat(m.depth)}${"]".repeat(m.depth)},${text.slice(1)}` : text;
    case "none":
      return text;
  }
}

type MutationValue = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

/** Text or bytes: mostly damaged documents, some raw noise, some invalid UTF-8. */
function textInputs(doc: fc.Arbitrary<unknown>): fc.Arbitrary<string | Uint8Array> {
  const damaged = fc.tuple(doc, mutation).map(([d, m]) => mutate(JSON.stringify(d), m));
  return fc.oneof(
    { weight: 8, arbitrary: damaged },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 64 }) },
    { weight: 2, arbitrary: damaged.map((t) => Buffer.from(t, "utf8")) },
    {
      weight: 1,
      arbitrary: fc.tuple(damaged, fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.nat()).map(([t, bytes, at]) => {
        const b = Buffer.from(t, "utf8");
        const i = at % (b.length + 1);
        return Buffer.concat([b.subarray(0, i), Buffer.from(bytes.map((x) => x | 0x80)), b.subarray(i)]);
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );
}

// ---------------------------------------------------------------------------
// Checks.

const PROTOTYPES: readonly [string, object][] = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];
const BASELINE = PROTOTYPES.map(([, proto]) => Reflect.ownKeys(proto).length);

/** A description of any change to the built-in prototypes, which no input may cause. */
export function prototypePollution(): string | undefined {
  for (const [i, [name, proto]] of PROTOTYPES.entries()) {
    if (Reflect.ownKeys(proto).length !== BASELINE[i]) return `${name} gained or lost a property`;
  }
  for (const k in {}) return `Object.prototype has an enumerable property ${k}`;
  return undefined;
}

function describe(input: unknown): string {
  const text = typeof input === "string" ? input : input instanceof Uint8Array ? Buffer.from(input).toString("hex") : safeJson(input);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Runs `fn`; `undefined` if it returned or threw a DeviceInfoError with an
 * allowed code, otherwise the problem. `then` checks a returned value.
 */
function expectTyped<T>(
  what: string,
  input: unknown,
  codes: readonly DeviceInfoErrorCode[],
  fn: () => T,
  then?: (result: T) => string | undefined,
): string | undefined {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    if (!isDeviceInfoError(err)) return `${what} threw ${(err as Error)?.name}: ${(err as Error)?.message} for ${describe(input)}`;
    if (!codes.includes(err.code)) return `${what} threw ${err.code} (expected ${codes.join(" or ")}) for ${describe(input)}`;
    return prototypePollution();
  }
  const polluted = prototypePollution();
  if (polluted !== undefined) return `${polluted} after ${what} of ${describe(input)}`;
  return then?.(result);
}

/** Hostile keys that JSON.parse made own properties of `raw` must be own data properties of `parsed`, at the same level. */
function hostileKeysKept(raw: unknown, parsed: Record<string, unknown>, where: string): string | undefined {
  if (Object.getPrototypeOf(parsed) !== Object.prototype) return `${where}: the result's prototype was replaced`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  for (const k of HOSTILE_KEYS) {
    if (!Object.hasOwn(raw, k)) continue;
    const r = (raw as Record<string, unknown>)[k];
    if (r === null || r === undefined) continue; // null fields are dropped on purpose
    const d = Object.getOwnPropertyDescriptor(parsed, k);
    if (d === undefined || !("value" in d)) return `${where}: key ${k} was not kept as data`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// The targets.

const PARSE_CODES: readonly DeviceInfoErrorCode[] = ["ERR_DEVINFO_PARSE", "ERR_DEVINFO_INVALID"];

function checkDeviceInfoText(input: unknown): string | undefined {
  const strict = (input as { strict?: boolean }).strict === true;
  const text = (input as { text: string | Uint8Array }).text;
  return expectTyped(
    "parseDeviceInfo",
    text,
    PARSE_CODES,
    () => parseDeviceInfo(text, { strict }),
    (info) => {
      let raw: unknown;
      try {
        raw = JSON.parse(typeof text === "string" ? text : Buffer.from(text).toString("utf8"));
      } catch {
        return `parseDeviceInfo accepted text JSON.parse rejects: ${describe(text)}`;
      }
      const kept = hostileKeysKept(raw, info as Record<string, unknown>, "top level");
      if (kept !== undefined) return `${kept} for ${describe(text)}`;
      return expectTyped(
        "serializeDeviceInfo",
        info,
        ["ERR_DEVINFO_INVALID"],
        () => serializeDeviceInfo(info),
        (out) => {
          // What we write must read back to the same bytes.
          return expectTyped(
            "re-parse",
            out,
            [],
            () => serializeDeviceInfo(parseDeviceInfo(out)),
            (again) => (again === out ? undefined : `serialize(parse(x)) is not stable for ${describe(text)}`),
          );
        },
      );
    },
  );
}

function checkValidate(input: unknown): string | undefined {
  return expectTyped(
    "validateDeviceInfo",
    input,
    [],
    () => validateDeviceInfo(input, { strict: true }),
    (v) => (v.valid === (v.errors.length === 0) ? undefined : `valid disagrees with errors for ${describe(input)}`),
  );
}

let fileDir: string | undefined;
let fileCount = 0;
/** The directory file-loading cases write into; set by the runner. */
export function useFileDirectory(dir: string): void {
  fileDir = dir;
}

function checkLoad(input: unknown): string | undefined {
  if (fileDir === undefined) return "no file directory set";
  const bytes = Buffer.from(input as Uint8Array);
  const file = getCNIDeviceInfoPath(`fuzz-${fileCount++ % 64}`, { baseDir: fileDir });
  return expectTyped(
    "loadDeviceInfoFromCNISync",
    bytes,
    ["ERR_DEVINFO_PARSE", "ERR_DEVINFO_INVALID", "ERR_DEVINFO_TOO_LARGE"],
    () => {
      writeRaw(file, bytes);
      return loadDeviceInfoFromCNISync(file, { maxBytes: 512 });
    },
    () => (bytes.length > 512 ? `a ${bytes.length}-byte file loaded despite maxBytes 512` : undefined),
  );
}

let writeRaw: (file: string, bytes: Uint8Array) => void = () => {
  throw new Error("no file writer set");
};
/** How file-loading cases put their bytes on disk; set by the runner. */
export function useFileWriter(write: (file: string, bytes: Uint8Array) => void): void {
  writeRaw = write;
}

function checkNetConf(input: unknown): string | undefined {
  return expectTyped(
    "getCNIDeviceInfoFile",
    input,
    PARSE_CODES,
    () => getCNIDeviceInfoFile(input as string),
    (path) => (path === undefined || (typeof path === "string" && path !== "") ? undefined : `returned ${describe(path)}`),
  );
}

const netConfLike = fc
  .record({
    cniVersion: fc.oneof(fc.constantFrom("1.0.0", "0.4.0"), scalar),
    name: scalar,
    type: scalar,
    runtimeConfig: fc.oneof(
      { weight: 3, arbitrary: fc.record({ CNIDeviceInfoFile: fc.oneof(scalar, value) }).map((r) => entriesToObject(Object.entries(r))) },
      { weight: 1, arbitrary: value },
    ),
    extra: fc.array(fc.tuple(key, value), { maxLength: 3 }),
  })
  .map(({ extra, ...rest }) => entriesToObject([...Object.entries(rest), ...extra]));

function checkNetworkStatus(input: unknown): string | undefined {
  const { text, strict } = input as { text: string | Uint8Array; strict: boolean };
  return expectTyped(
    "parseNetworkStatusAnnotation",
    text,
    PARSE_CODES,
    () => parseNetworkStatusAnnotation(text, { strict }),
    (statuses) => {
      if (!Array.isArray(statuses)) return `returned ${describe(statuses)}`;
      for (const entry of statuses) {
        if (Object.getPrototypeOf(entry) !== Object.prototype) return `an entry's prototype was replaced for ${describe(text)}`;
      }
      // The documented round trip: parse(serialize(x)) gives x back, so serialize is stable.
      return expectTyped(
        "serializeNetworkStatusAnnotation",
        statuses,
        ["ERR_DEVINFO_INVALID"],
        () => serializeNetworkStatusAnnotation(statuses),
        (out) =>
          expectTyped(
            "re-parse",
            out,
            [],
            () => serializeNetworkStatusAnnotation(parseNetworkStatusAnnotation(out)),
            (again) => (again === out ? undefined : `serialize(parse(x)) is not stable for ${describe(text)}`),
          ),
      );
    },
  );
}

function checkDownwardAPI(input: unknown): string | undefined {
  const { text, expected } = input as { text: string | Uint8Array; expected: Record<string, string> | undefined };
  return expectTyped(
    "parseDownwardAPIAnnotations",
    text,
    ["ERR_DEVINFO_PARSE"],
    () => parseDownwardAPIAnnotations(text),
    (map) => {
      if (Object.getPrototypeOf(map) !== Object.prototype) return `the result's prototype was replaced for ${describe(text)}`;
      for (const [k, v] of Object.entries(map)) if (typeof v !== "string") return `key ${k} has a ${typeof v} value`;
      if (expected === undefined) return undefined;
      const got = JSON.stringify(Object.entries(map).sort());
      const want = JSON.stringify(Object.entries(expected).sort());
      return got === want ? undefined : `read ${got}, the file holds ${want}`;
    },
  );
}

const statusEntry = fc
  .record({
    name: fc.oneof(fc.constantFrom("default/net1", ""), scalar),
    interface: scalar,
    ips: fc.oneof(fc.array(scalar, { maxLength: 3 }), value),
    mac: scalar,
    mtu: fc.oneof(fc.integer({ min: -1, max: 9000 }), scalar),
    default: fc.oneof(fc.boolean(), scalar),
    dns: fc.oneof(fc.record({ nameservers: fc.array(scalar, { maxLength: 2 }), domain: scalar }), value),
    "device-info": fc.oneof({ weight: 3, arbitrary: docLike }, { weight: 1, arbitrary: value }),
    extra: fc.array(fc.tuple(key, value), { maxLength: 3 }),
  })
  .chain(({ extra, ...fields }) =>
    // Each entry keeps a random subset of its fields, so that absent fields are fuzzed too.
    fc.subarray(Object.entries(fields)).map((kept) => entriesToObject([...kept, ...extra])),
  );

/** Annotation keys as the kubelet writes them: no space, quote, `=` or newline; hostile names included. */
const annotationKey = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS, "k8s.v1.cni.cncf.io/network-status", "kubevirt.io/network-info"),
  fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_./-]{0,30}$/),
);
/** Well-formed strings (no lone surrogate): what an annotation value can hold. */
const annotationValue = fc.oneof(fc.string({ unit: "grapheme", maxLength: 40 }), fc.string({ unit: "binary-ascii", maxLength: 40 }));

/**
 * A Downward API file: either a well-formed one (values quoted as JSON
 * quotes them, a subset of what Go's strconv.Unquote reads, so the expected
 * map is known), or a damaged one.
 */
const downwardAPIFile = fc.dictionary(annotationKey, annotationValue, { maxKeys: 6 }).chain((map) => {
  const entries = Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1));
  const text = entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n");
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({ text, expected: map }) },
    { weight: 2, arbitrary: mutation.map((m) => ({ text: mutate(text, m), expected: undefined })) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }).map((t) => ({ text: `${text}\n${t}`, expected: undefined })) },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => ({ text: Buffer.concat([Buffer.from(text), b]), expected: undefined })),
    },
  );
});

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: "device-info text (parseDeviceInfo, serializeDeviceInfo)",
    weight: 4,
    arbitrary: fc.record({
      text: textInputs(fc.oneof({ weight: 3, arbitrary: docLike }, { weight: 1, arbitrary: value })),
      strict: fc.boolean(),
    }),
    check: checkDeviceInfoText,
  },
  {
    name: "device-info values (validateDeviceInfo)",
    weight: 1,
    arbitrary: fc.oneof(docLike, value),
    check: checkValidate,
  },
  {
    name: "device-info files (loadDeviceInfoFromCNISync, 512-byte cap)",
    weight: 1,
    arbitrary: textInputs(docLike).map((t) => (typeof t === "string" ? Buffer.from(t, "utf8") : t)),
    check: checkLoad,
  },
  {
    name: "CNI stdin config (getCNIDeviceInfoFile)",
    weight: 2,
    arbitrary: fc.oneof({ weight: 3, arbitrary: textInputs(netConfLike) }, { weight: 1, arbitrary: netConfLike }),
    check: checkNetConf,
  },
  {
    name: "network-status annotation (parseNetworkStatusAnnotation)",
    weight: 2,
    arbitrary: fc.record({
      text: textInputs(fc.oneof({ weight: 4, arbitrary: fc.array(statusEntry, { maxLength: 3 }) }, { weight: 1, arbitrary: value })),
      strict: fc.boolean(),
    }),
    check: checkNetworkStatus,
  },
  {
    name: "Downward API annotations (parseDownwardAPIAnnotations)",
    weight: 2,
    arbitrary: downwardAPIFile,
    check: checkDownwardAPI,
  },
];
