/**
 * The format as data: field names in the Go reference's struct order, with the
 * spec's rules. The serializer walks these tables; `rules.ts` turns their
 * flags into the checks that the validator and the fast path share; a test
 * checks they list exactly the keys of the zod schemas in `schema.ts`.
 * This module must stay free of imports: it is on every CNI plugin's start-up path.
 */

/** The version of the Device Information Specification this package implements. */
export const SPEC_VERSION = "1.1.0";

/** `dddd:BB:DD.f`: 4-digit domain, bus, device 00-1f, function 0-7. */
export const PCI_ADDRESS_PATTERN = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[01][0-9a-fA-F]\.[0-7]$/;
/** `MAJOR.MINOR.PATCH` with major version 1 (the versions this package understands). */
export const SPEC_VERSION_PATTERN = /^1\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;
/** `MAJOR.MINOR.PATCH`, any major version. */
export const VERSION_FORMAT_PATTERN = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/** The device types of spec v1.1.0, which are also the names of their sub-objects. */
export const DEVICE_TYPES = ["pci", "vdpa", "vhost-user", "memif"] as const;

/** One string field of a sub-object. */
export interface FieldRule {
  readonly key: string;
  readonly required?: true;
  readonly oneOf?: readonly string[];
  readonly pciAddress?: true;
  readonly absolutePath?: true;
}

/** Sub-object fields, in the Go reference's struct order (which is its JSON order). */
export const DEVICE_FIELDS: Readonly<Record<(typeof DEVICE_TYPES)[number], readonly FieldRule[]>> = {
  pci: [
    { key: "pci-address", required: true, pciAddress: true },
    { key: "vhost-net" },
    { key: "rdma-device" },
    { key: "pf-pci-address", pciAddress: true },
    { key: "representor-device" },
  ],
  vdpa: [
    { key: "parent-device", required: true },
    { key: "driver", required: true, oneOf: ["vhost", "virtio"] },
    { key: "path", required: true, absolutePath: true },
    { key: "pci-address", pciAddress: true },
    { key: "pf-pci-address", pciAddress: true },
    { key: "representor-device" },
  ],
  "vhost-user": [
    { key: "mode", required: true, oneOf: ["client", "server"] },
    { key: "path", required: true },
  ],
  memif: [
    { key: "role", required: true, oneOf: ["master", "slave"] },
    { key: "path", required: true },
    { key: "mode", required: true, oneOf: ["ethernet", "ip", "inject-punt"] },
  ],
};

/** Top-level keys in Go's order: two strings, then the sub-objects. */
export const TOP_LEVEL_KEYS = ["type", "version", ...DEVICE_TYPES] as const;

/** Whether `key` names one of the sub-objects. */
export function isDeviceKey(key: string): key is (typeof DEVICE_TYPES)[number] {
  return key === "pci" || key === "vdpa" || key === "vhost-user" || key === "memif";
}

/**
 * The known key that Go's encoding/json would read `key` as, or `undefined`.
 * Go matches a field exactly first, then case-insensitively, with the Unicode
 * folds that reach ASCII letters (U+017F ſ to s, U+212A Kelvin sign to k).
 */
export function goFieldMatch(key: string, known: ReadonlySet<string> | ReadonlyMap<string, unknown>): string | undefined {
  if (known.has(key)) return key;
  const folded = goFold(key);
  return known.has(folded) ? folded : undefined;
}

/**
 * A field name as Go's case-insensitive match compares it (encoding/json's
 * `foldName`, equivalent to `strings.EqualFold`): ASCII letters regardless
 * of case, and the two non-ASCII letters whose simple-folding orbit holds an
 * ASCII one, U+017F ſ (with s) and U+212A Kelvin sign (with k). Other
 * letters never match an ASCII field name, which every struct read here has.
 */
export function goFold(name: string): string {
  // toLowerCase maps the Kelvin sign to k; İ (U+0130) becomes "i̇", two code points, as Go never matches it to i.
  return name.toLowerCase().replace(/\u017f/g, "s");
}
