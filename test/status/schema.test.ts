import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type * as z from "zod";
import { isDeviceInfoError } from "../../src/base/errors.js";
import {
  KubeVirtInterfaceSchema,
  KubeVirtNetworkInfoSchema,
  NetworkStatusAnnotationSchema,
  NetworkStatusDNSSchema,
  NetworkStatusSchema,
} from "../../src/schema.js";
import { DNS_FIELDS, STATUS_FIELDS } from "../../src/status/_status-fields.js";
import { checkStatusList, createNetworkStatuses } from "../../src/status/network-status.js";
import { checkNetworkInfo, KUBEVIRT_INTERFACE_FIELDS } from "../../src/status/workload.js";
import { FC_SEED, fromEntries, jsonValue, nearValidDocument, text, unknownKey, validDocument } from "../helpers/arbitraries.js";
import { GO_REFERENCE_DIR } from "../helpers/fixtures.js";
import { REPO_ROOT } from "../helpers/run-node.js";

const STATUS_KEYS = ["name", "interface", "ips", "mac", "mtu", "default", "dns", "device-info", "gateway"];
const DNS_KEYS = ["nameservers", "domain", "search", "options"];
const folds = (key: string, known: string[]) => known.includes(key.toLowerCase().replace(/\u017f/g, "s"));

describe("the field tables the reader and the writer walk list the zod schemas' keys, in order", () => {
  it.each([
    ["a network-status entry", STATUS_FIELDS, NetworkStatusSchema],
    ["its dns", DNS_FIELDS, NetworkStatusDNSSchema],
    ["a KubeVirt interface", KUBEVIRT_INTERFACE_FIELDS, KubeVirtInterfaceSchema],
  ] as const)("%s", (_name, table, schema) => {
    expect(table.map((f) => f.key)).toStrictEqual(Object.keys(schema.shape));
    expect(STATUS_KEYS).toStrictEqual(STATUS_FIELDS.map((f) => f.key));
    expect(DNS_KEYS).toStrictEqual(DNS_FIELDS.map((f) => f.key));
  });
});

/** Our strict reader's verdict on one entry. */
const strictAccepts = (entry: unknown) => checkStatusList([entry], true).errors.length === 0;

function agree(entry: unknown): void {
  const zod = NetworkStatusSchema.safeParse(entry).success;
  const ours = strictAccepts(entry);
  if (zod !== ours) {
    const errors = checkStatusList([entry], true).errors.map((e) => `${e.jsonPath} ${e.code}`);
    throw new Error(`zod: ${zod}, strict parse: ${ours} for ${JSON.stringify(entry)} (${errors.join(", ")})`);
  }
}

const str = text({ wellFormed: true, maxLength: 6 });
const strList = fc.array(str, { maxLength: 2 });
/** A conforming entry (its device-info conforms too), with unknown keys at both levels. */
const validEntry = fc
  .tuple(
    fc.record(
      {
        name: str,
        interface: str,
        ips: strList,
        mac: str,
        mtu: fc.integer({ min: 0, max: 65535 }),
        default: fc.boolean(),
        dns: fc
          .tuple(
            fc.record({ nameservers: strList, domain: str, search: strList, options: strList }, { requiredKeys: [] }),
            fc.uniqueArray(
              fc.tuple(
                unknownKey.filter((k) => !folds(k, DNS_KEYS)),
                jsonValue,
              ),
              { maxLength: 2, selector: ([k]) => k },
            ),
          )
          .map(([known, extra]) => fromEntries([...Object.entries(known), ...extra])),
        "device-info": validDocument(),
        gateway: strList,
      },
      { requiredKeys: ["name"] },
    ),
    fc.uniqueArray(
      fc.tuple(
        unknownKey.filter((k) => !folds(k, STATUS_KEYS)),
        jsonValue,
      ),
      { maxLength: 2, selector: ([k]) => k },
    ),
  )
  .map(([known, extra]) => fromEntries([...Object.entries(known), ...extra]));

type Entry = Record<string, unknown>;
const set = (entry: Entry, key: string, value: unknown): Entry =>
  fromEntries([...Object.entries(entry).filter(([k]) => k !== key), [key, value]]);
const without = (entry: Entry, key: string): Entry => fromEntries(Object.entries(entry).filter(([k]) => k !== key));

/** Changes that make an entry non-conforming, or keep it conforming (both verdicts must occur). */
const mutation: fc.Arbitrary<(e: Entry) => Entry> = fc.oneof(
  fc.constant((e: Entry) => without(e, "name")),
  fc.constantFrom(...STATUS_KEYS).map((key) => (e: Entry) => set(e, key, null)),
  fc
    .constantFrom<[string, unknown]>(
      ["name", 5],
      ["interface", []],
      ["ips", "10.0.0.1"],
      ["ips", [1]],
      ["ips", [null]],
      ["mac", false],
      ["mtu", "1500"],
      ["mtu", 1500.5],
      ["mtu", -1],
      ["default", "true"],
      ["dns", []],
      ["dns", { nameservers: "1.1.1.1" }],
      ["dns", { domain: 1 }],
      ["dns", { search: [null] }],
      ["dns", { options: null }],
      ["dns", {}],
      ["device-info", "pci"],
      ["gateway", [1]],
      ["gateway", []],
      ["interface", ""],
    )
    .map(
      ([key, value]) =>
        (e: Entry) =>
          set(e, key, value),
    ),
  nearValidDocument().map((doc) => (e: Entry) => set(e, "device-info", doc)),
  // A key in another case alone (Go reads it as the field; zod sees no such field).
  fc.constantFrom("Name", "NAME").map((key) => (e: Entry) => set(without(e, "name"), key, "x")),
);

describe("the zod NetworkStatusSchema and the strict reader agree", () => {
  it("on Go's annotations (netstatus/ and netstatus-from-cni/)", () => {
    const dirs = [path.join(GO_REFERENCE_DIR, "netstatus"), path.join(GO_REFERENCE_DIR, "netstatus-from-cni")];
    let entries = 0;
    for (const dir of dirs) {
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".txt"))) {
        const annotation = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as unknown[];
        expect(NetworkStatusAnnotationSchema.safeParse(annotation).success).toBe(true);
        for (const entry of annotation) {
          agree(entry);
          entries++;
        }
      }
    }
    expect(entries).toBeGreaterThan(30);
  });

  it("on what createNetworkStatuses builds", () => {
    const result = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "fixtures", "cni-results", "ptp-hostlocal.json"), "utf8"));
    for (const entry of createNetworkStatuses(result, "default/ptp", true)) expect(NetworkStatusSchema.safeParse(entry).success).toBe(true);
  });

  it("on generated conforming entries (both accept)", () => {
    fc.assert(
      fc.property(validEntry, (entry) => {
        expect(NetworkStatusSchema.safeParse(entry).success).toBe(true);
        expect(strictAccepts(entry)).toBe(true);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });

  it("on generated near-conforming entries (both verdicts occur)", () => {
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(validEntry, fc.array(mutation, { minLength: 1, maxLength: 2 }), (entry, mutations) => {
        const mutated = mutations.reduce((e, m) => m(e), entry as Entry);
        agree(mutated);
        if (strictAccepts(mutated)) accepted++;
        else rejected++;
      }),
      { seed: FC_SEED, numRuns: 1000 },
    );
    expect(rejected).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(20);
  });

  it("known difference: zod cannot see Go's case-insensitive keys, so a duplicate in another case passes zod only", () => {
    const entry = { name: "a", Name: "b" };
    expect(NetworkStatusSchema.safeParse(entry).success).toBe(true);
    expect(strictAccepts(entry)).toBe(false);
  });

  it("infers the types the main entry exports", () => {
    type Inferred = z.infer<typeof NetworkStatusSchema>;
    const entry: Inferred = { name: "n", interface: "net1", mtu: 1500, "x-other": 1 };
    expect(NetworkStatusSchema.parse(entry)).toStrictEqual(entry);
  });
});

describe("the zod KubeVirtNetworkInfoSchema and the strict reader agree", () => {
  const accepts = (doc: unknown) => {
    try {
      checkNetworkInfo(doc, undefined, { strict: true });
      return true;
    } catch (err) {
      if (isDeviceInfoError(err)) return false;
      throw err;
    }
  };
  const cases: unknown[] = [
    { interfaces: [] },
    { interfaces: [{ network: "a" }] },
    { interfaces: [{ network: "a", mac: "02:00:00:00:00:01", mtu: 1500, extra: true }], other: 1 },
    { interfaces: [{ network: "a", deviceInfo: { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:65:00.4" } } }] },
    { interfaces: [{ network: "a", deviceInfo: { type: "pci", version: "1.1.0", pci: {} } }] },
    { interfaces: [{ network: "a", deviceInfo: null }] },
    { interfaces: [{ network: "a", mtu: 1.5 }] },
    { interfaces: [{ network: "a", mac: null }] },
    { interfaces: [{ mac: "x" }] },
    { interfaces: [5] },
    { interfaces: null },
    { interfaces: {} },
    {},
    null,
    [],
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c]))("%s", (_text, doc) => {
    expect(accepts(doc)).toBe(KubeVirtNetworkInfoSchema.safeParse(doc).success);
  });
});
