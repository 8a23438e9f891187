/**
 * fast-check arbitraries for device-info documents. Always run properties
 * with a fixed seed (`FC_SEED`) so that a failure reproduces.
 */

import fc from "fast-check";

/** The seed every property test in the suite uses. */
export const FC_SEED = 20_240_611;

const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), minLength: n, maxLength: n });

/** A PCI address in the spec's `dddd:BB:DD.f` form. */
export const pciAddress: fc.Arbitrary<string> = fc
  .tuple(hex(4), hex(2), fc.constantFrom("0", "1"), hex(1), fc.integer({ min: 0, max: 7 }))
  .map(([domain, bus, d1, d2, fn]) => `${domain}:${bus}:${d1}${d2}.${fn}`);

/** Strings that are not PCI addresses in `dddd:BB:DD.f` form. */
export const badPciAddress: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "0000:af:06",
    "af:06.0",
    "0000:af:20.0",
    "0000:af:06.8",
    "0000:af:06.0 ",
    "0000-af-06.0",
    "00000:af:06.0",
    "0000:af:06.0\n",
  ),
  fc.string({ maxLength: 14 }).filter((s) => s !== "" && !/^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[01][0-9a-fA-F]\.[0-7]$/.test(s)),
);

/** A `1.x.y` version. */
export const specVersion: fc.Arbitrary<string> = fc
  .tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 }))
  .map(([minor, patch]) => `1.${minor}.${patch}`);

/** Versions the spec does not accept. */
export const badVersion: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("v1.1.0", "V1.0.0", "1.1", "1.1.0.0", "01.1.0", "1.01.0", "2.0.0", "0.9.0", "1.1.0-rc1", " 1.1.0", "10.0.0"),
  fc.string({ maxLength: 8 }).filter((s) => s !== "" && !/^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/.test(s)),
);

/**
 * Characters that exercise Go's escaping: HTML-significant, line and
 * paragraph separators, C0 controls, DEL, quotes, lone surrogates, non-ASCII.
 */
export const trickyChar: fc.Arbitrary<string> = fc.constantFrom(
  "<",
  ">",
  "&",
  "\u2028",
  "\u2029",
  "\u0000",
  "\b",
  "\f",
  "\n",
  "\r",
  "\t",
  "\u001f",
  "\u007f",
  '"',
  "\\",
  "/",
  "é",
  "日",
  "😀",
  "\ud800",
  "\udfff",
  "\ufffd",
  "\ufeff",
);

/** Any string, tricky characters included; `wellFormed: true` leaves out lone surrogates. */
export function text(options: { wellFormed?: boolean; minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  const unit = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: trickyChar },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  );
  const arb = fc.string({ unit, minLength: options.minLength ?? 0, maxLength: options.maxLength ?? 12 });
  return options.wellFormed === true ? arb.map((s) => s.toWellFormed()) : arb;
}

const KNOWN_KEYS = new Set([
  "type",
  "version",
  "pci",
  "vdpa",
  "vhost-user",
  "memif",
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
]);

/** A key Go would not read as a known field, at any level (includes `__proto__` and friends). */
export const unknownKey: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "x-vendor", "numa-node", "", "0", "10"),
    text({ wellFormed: true, minLength: 1, maxLength: 10 }),
  )
  .filter((key) => !KNOWN_KEYS.has(key.toLowerCase().replace(/\u017f/g, "s")));

/** JSON values that survive a JSON round trip unchanged (no -0, well-formed strings). */
export const jsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

/** Builds an object from entries with own data properties only (safe for `__proto__`). */
export function fromEntries(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

const unknownEntries = (max: number) => fc.uniqueArray(fc.tuple(unknownKey, jsonValue), { maxLength: max, selector: ([key]) => key });

type Fields = Record<string, fc.Arbitrary<string>>;

/** Required and optional fields of each sub-object, valid per spec v1.1.0. */
const SUB_OBJECTS: Record<string, { required: Fields; optional: Fields }> = {
  pci: {
    required: { "pci-address": pciAddress },
    optional: {
      "vhost-net": text({ wellFormed: true, minLength: 1 }),
      "rdma-device": text({ wellFormed: true, minLength: 1 }),
      "pf-pci-address": pciAddress,
      "representor-device": text({ wellFormed: true, minLength: 1 }),
    },
  },
  vdpa: {
    required: {
      "parent-device": text({ wellFormed: true, minLength: 1 }),
      driver: fc.constantFrom("vhost", "virtio"),
      path: text({ wellFormed: true }).map((s) => `/${s}`),
    },
    optional: { "pci-address": pciAddress, "pf-pci-address": pciAddress, "representor-device": text({ wellFormed: true, minLength: 1 }) },
  },
  "vhost-user": { required: { mode: fc.constantFrom("client", "server"), path: text({ wellFormed: true, minLength: 1 }) }, optional: {} },
  memif: {
    required: {
      role: fc.constantFrom("master", "slave"),
      path: text({ wellFormed: true, minLength: 1 }),
      mode: fc.constantFrom("ethernet", "ip", "inject-punt"),
    },
    optional: {},
  },
};

/** The four device types. */
export const DEVICE_TYPE_NAMES = ["pci", "vdpa", "vhost-user", "memif"] as const;

function subObject(type: string, withUnknown: boolean): fc.Arbitrary<Record<string, unknown>> {
  const spec = SUB_OBJECTS[type];
  if (spec === undefined) throw new Error(type);
  const known = fc.record({ ...spec.required, ...spec.optional }, { requiredKeys: Object.keys(spec.required) });
  return fc.tuple(known, withUnknown ? unknownEntries(3) : fc.constant([]), fc.boolean()).map(([fields, extra, shuffle]) => {
    const entries: [string, unknown][] = [...Object.entries(fields), ...extra];
    if (shuffle) entries.reverse();
    return fromEntries(entries);
  });
}

/**
 * A conforming device-info document: valid with `strict: true`. Keys come in
 * any order; with `unknownKeys` (default true), unknown keys at both levels.
 */
export function validDocument(options: { unknownKeys?: boolean } = {}): fc.Arbitrary<Record<string, unknown>> {
  const withUnknown = options.unknownKeys !== false;
  return fc.constantFrom(...DEVICE_TYPE_NAMES).chain((type) =>
    fc
      .tuple(
        specVersion,
        subObject(type, withUnknown),
        fc.subarray(
          DEVICE_TYPE_NAMES.filter((t) => t !== type),
          { maxLength: 1 },
        ),
        withUnknown ? unknownEntries(3) : fc.constant([]),
        fc.boolean(),
      )
      .chain(([version, main, others, extra, shuffle]) =>
        fc.tuple(...others.map((other) => subObject(other, withUnknown).map((sub) => [other, sub] as const))).map((otherSubs) => {
          const entries: (readonly [string, unknown])[] = [["type", type], ["version", version], [type, main], ...otherSubs, ...extra];
          if (shuffle) entries.reverse();
          return fromEntries(entries);
        }),
      ),
  );
}

/** A mutation that makes a valid document deviate from the spec (or break its JSON types). */
export type Mutation = (doc: Record<string, unknown>) => Record<string, unknown>;

function mapSub(doc: Record<string, unknown>, fn: (sub: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown> {
  const type = doc.type as string;
  const sub = doc[type] as Record<string, unknown>;
  return fromEntries(Object.entries(doc).map(([k, v]) => [k, k === type ? fn(sub) : v] as const));
}

function withEntry(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const entries = Object.entries(obj).filter(([k]) => k !== key);
  return fromEntries([...entries, [key, value]]);
}

function without(obj: Record<string, unknown>, key: string): Record<string, unknown> {
  return fromEntries(Object.entries(obj).filter(([k]) => k !== key));
}

const REQUIRED: Record<string, string[]> = {
  pci: ["pci-address"],
  vdpa: ["parent-device", "driver", "path"],
  "vhost-user": ["mode", "path"],
  memif: ["role", "path", "mode"],
};
const ENUMS: Record<string, string[]> = { vdpa: ["driver"], "vhost-user": ["mode"], memif: ["role", "mode"] };
const PCI_FIELDS: Record<string, string[]> = { pci: ["pci-address", "pf-pci-address"], vdpa: ["pci-address", "pf-pci-address"] };

/** Near-valid mutations: each one alone makes the document non-conforming. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>((d) => without(d, "type")),
  fc.constant<Mutation>((d) => without(d, "version")),
  fc.constant<Mutation>((d) => without(d, d.type as string)),
  fc.constantFrom("", "foo", "PCI", "Pci", "vhost_user", "pci ").map<Mutation>((t) => (d) => withEntry(d, "type", t)),
  badVersion.map<Mutation>((v) => (d) => withEntry(d, "version", v)),
  fc.nat().map<Mutation>((i) => (d) => {
    const keys = REQUIRED[d.type as string] ?? [];
    const key = keys[i % keys.length] as string;
    return mapSub(d, (sub) => without(sub, key));
  }),
  fc.tuple(fc.nat(), fc.constantFrom("", "punt", "Client", "MASTER", "vhost-vdpa", "ethernet ")).map<Mutation>(([i, value]) => (d) => {
    const keys = ENUMS[d.type as string] ?? REQUIRED[d.type as string] ?? [];
    const key = keys[i % keys.length] as string;
    return mapSub(d, (sub) => withEntry(sub, key, value));
  }),
  fc.tuple(fc.nat(), badPciAddress).map<Mutation>(([i, value]) => (d) => {
    const keys = PCI_FIELDS[d.type as string] ?? ["x-unused"];
    const key = keys[i % keys.length] as string;
    return keys[0] === "x-unused" ? withEntry(d, "version", "v1") : mapSub(d, (sub) => withEntry(sub, key, value));
  }),
  fc
    .constantFrom("relative/path", "dev/vhost-vdpa-0", "")
    .map<Mutation>((path) => (d) => (d.type === "vdpa" ? mapSub(d, (sub) => withEntry(sub, "path", path)) : withEntry(d, "type", "vdpa"))),
  fc.nat().map<Mutation>((i) => (d) => {
    const keys = REQUIRED[d.type as string] ?? [];
    return mapSub(d, (sub) => withEntry(sub, keys[i % keys.length] as string, null));
  }),
  fc.constantFrom("type", "version").map<Mutation>((key) => (d) => withEntry(d, key, null)),
  fc
    .constantFrom("Type", "VERSION", "Pci", "vhoſt-user")
    .map<Mutation>((key) => (d) => withEntry(d, key, d[key.toLowerCase().replace("ſ", "s")] ?? "1.1.0")),
  fc.nat().map<Mutation>((i) => (d) => {
    const keys = REQUIRED[d.type as string] ?? [];
    const key = keys[i % keys.length] as string;
    return mapSub(d, (sub) => withEntry(sub, key.toUpperCase(), sub[key]));
  }),
  // wrong JSON types: errors even when lenient
  fc.constantFrom<unknown>(5, true, [], {}, 1.5).map<Mutation>((v) => (d) => withEntry(d, "type", v)),
  fc.constantFrom<unknown>(5, "x", [], true).map<Mutation>((v) => (d) => withEntry(d, d.type as string, v)),
  fc.tuple(fc.nat(), fc.constantFrom<unknown>(5, false, [], {})).map<Mutation>(([i, v]) => (d) => {
    const keys = REQUIRED[d.type as string] ?? [];
    return mapSub(d, (sub) => withEntry(sub, keys[i % keys.length] as string, v));
  }),
);

/** A document with one to three mutations applied to a valid one. */
export function nearValidDocument(): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(validDocument(), fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([doc, mutations]) => mutations.reduce((d, m) => m(d), doc));
}
