/**
 * The spec's rules on a device-info document's values, as one table: each
 * rule with its issue code, its test and its message. The general validator
 * (`validate.ts`) reports every rule a document breaks; the fast path
 * (`_fast.ts`) takes a document only when it breaks none. Both walk these
 * tables and nothing else, so a rule added here applies to both
 * (test/format/rules.test.ts runs a case of every rule through both).
 *
 * What is not here is how a value is decoded (a known field of the wrong
 * JSON type, `null`, a case-variant key, an unknown key's value JSON cannot
 * hold): the validator words those as it decodes, and the fast path takes
 * only documents where none can occur (known keys in Go's order, plain
 * ASCII strings).
 *
 * On every CNI plugin's start-up path: imports only `fields.ts` (and a type).
 *
 * @internal
 */

import type { DeviceInfoIssueCode } from "../base/issues.js";
import {
  DEVICE_FIELDS,
  DEVICE_TYPES,
  type FieldRule,
  isDeviceKey,
  PCI_ADDRESS_PATTERN,
  SPEC_VERSION,
  VERSION_FORMAT_PATTERN,
} from "./fields.js";

type DeviceType = (typeof DEVICE_TYPES)[number];

/** The sub-objects a document has, by device type (the validator's map, or the fast path's one). */
export interface SubObjects {
  has(device: string): boolean;
}

/**
 * One rule on a string value (`""` for an absent one). A value follows it
 * when `accepts` returns `true`; otherwise the validator reports `code` with
 * `message(value)`, at the value's key, or with `at: "object"` at the
 * sub-object the value names (`type: "pci"` without `pci`).
 */
export interface ValueRule {
  readonly code: DeviceInfoIssueCode;
  readonly accepts: (value: string, objects: SubObjects) => boolean;
  readonly message: (value: string) => string;
  readonly at?: "object";
}

/** A sub-object's field with its rules, in the Go reference's struct order. */
export interface FieldRules {
  readonly key: string;
  /** `missing_field` (this message) when the field is absent or `""`; `undefined` for an optional field. */
  readonly missing: ValueRule | undefined;
  /** The rules on a present, non-empty value: each one broken is reported. */
  readonly checks: readonly ValueRule[];
}

const TYPE_LIST = DEVICE_TYPES.map((t) => `"${t}"`).join(", ");

/** `type`: the first rule broken is reported (later ones assume the earlier). */
export const TYPE_RULES: readonly ValueRule[] = [
  { code: "missing_type", accepts: (type) => type !== "", message: () => `"type" is required: one of ${TYPE_LIST}` },
  { code: "unknown_type", accepts: (type) => isDeviceKey(type), message: (type) => `type "${type}" is not one of ${TYPE_LIST}` },
  {
    code: "missing_device",
    accepts: (type, objects) => objects.has(type),
    message: (type) => `type is "${type}" but there is no "${type}" object`,
    at: "object",
  },
];

/** `version`: the first rule broken is reported. */
export const VERSION_RULES: readonly ValueRule[] = [
  { code: "missing_version", accepts: (version) => version !== "", message: () => `"version" is required: write "${SPEC_VERSION}"` },
  {
    code: "invalid_version",
    accepts: (version) => VERSION_FORMAT_PATTERN.test(version),
    message: (version) => {
      const hint = /^[vV]/.test(version) ? ` without the "${version[0]}"` : "";
      return `version "${version}" must be MAJOR.MINOR.PATCH${hint}, e.g. "${SPEC_VERSION}"`;
    },
  },
  {
    code: "unsupported_version",
    accepts: (version) => version.startsWith("1."),
    message: (version) => `version "${version}" is not 1.x; this library implements ${SPEC_VERSION} and may misread it`,
  },
];

/**
 * The rules of one field of `fields.ts`'s table: the only place where its
 * flags become checks.
 */
function fieldRules(device: DeviceType, field: FieldRule): FieldRules {
  const { key, oneOf } = field;
  const checks: ValueRule[] = [];
  if (oneOf !== undefined) {
    const allowed = oneOf.map((v) => `"${v}"`).join(", ");
    checks.push({
      code: "invalid_enum",
      accepts: (value) => oneOf.includes(value),
      message: (value) => {
        const punt = value === "punt" ? ` ("punt" is the Go reference's constant; the spec value is "inject-punt")` : "";
        return `"${key}" must be one of ${allowed}, got "${value}"${punt}`;
      },
    });
  }
  if (field.pciAddress === true) {
    checks.push({
      code: "invalid_pci_address",
      accepts: (value) => PCI_ADDRESS_PATTERN.test(value),
      message: (value) => `"${value}" is not a PCI address in dddd:BB:DD.f form (e.g. "0000:af:06.0")`,
    });
  }
  if (field.absolutePath === true) {
    checks.push({
      code: "relative_path",
      accepts: (value) => value.charCodeAt(0) === 0x2f,
      message: (value) => `"${value}" must be an absolute path (e.g. "/dev/vhost-vdpa-0")`,
    });
  }
  const missing: ValueRule | undefined =
    field.required === true
      ? { code: "missing_field", accepts: (value) => value !== "", message: () => `"${key}" is required in "${device}"` }
      : undefined;
  return { key, missing, checks };
}

/** Every sub-object's fields with their rules, in Go's order. */
export const FIELD_RULES: Readonly<Record<DeviceType, readonly FieldRules[]>> = Object.fromEntries(
  DEVICE_TYPES.map((device) => [device, DEVICE_FIELDS[device].map((field) => fieldRules(device, field))]),
) as unknown as Record<DeviceType, readonly FieldRules[]>;

/** The first rule of `rules` that `value` breaks, or `undefined`. */
export function firstBroken(rules: readonly ValueRule[], value: string, objects: SubObjects): ValueRule | undefined {
  for (const rule of rules) if (!rule.accepts(value, objects)) return rule;
  return undefined;
}
