/**
 * Validation problems are data (code, path, severity); messages are derived
 * from them, so callers can match on `code` and tools can print `jsonPath`.
 */

/**
 * What kind of problem an issue is. Stable: match on these.
 *
 * Always errors:
 * - `not_object` — the document (or a sub-object) is not a JSON object
 * - `wrong_type` — a known field has the wrong JSON type (e.g. `"pci-address": 5`)
 * - `unserializable` — a value JSON cannot represent (cycle, BigInt, nesting too deep to encode)
 *
 * Deviations from the spec (warnings by default, errors with `strict: true`):
 * - `missing_type`, `unknown_type`
 * - `missing_version`, `invalid_version` (e.g. `v1.1.0`), `unsupported_version` (major version not 1)
 * - `missing_device` — no sub-object for the declared type (e.g. `type: "pci"` without `pci`)
 * - `missing_field` — a required field is absent or empty
 * - `invalid_enum` — a value outside the spec's list (e.g. memif mode `punt`)
 * - `invalid_pci_address` — not in `dddd:BB:DD.f` form
 * - `relative_path` — a vDPA path that is not absolute
 * - `null_field` — a known field set to `null` (Go reads it as absent)
 * - `key_case` — a key that matches a known field only case-insensitively (Go reads it as that field)
 *
 * Network status and CNI results (always errors):
 * - `invalid_ip` — an IP address or CIDR that Go's `net.ParseIP` / `net.ParseCIDR` rejects
 */
export type DeviceInfoIssueCode =
  | "not_object"
  | "wrong_type"
  | "unserializable"
  | "missing_type"
  | "unknown_type"
  | "missing_version"
  | "invalid_version"
  | "unsupported_version"
  | "missing_device"
  | "missing_field"
  | "invalid_enum"
  | "invalid_pci_address"
  | "relative_path"
  | "null_field"
  | "key_case"
  | "invalid_ip";

/** One validation problem. */
export interface DeviceInfoIssue {
  /** `error` fails the operation; `warning` is reported and the value is still returned. */
  readonly severity: "error" | "warning";
  /** What kind of problem it is. */
  readonly code: DeviceInfoIssueCode;
  /** Where it is, as keys and array indexes from the document root. */
  readonly path: readonly (string | number)[];
  /** The same place as text, e.g. `$.pci.pci-address` (bracket notation for unusual keys). */
  readonly jsonPath: string;
  /** What is wrong and what the spec expects. */
  readonly message: string;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Formats a path as `$.a.b[0]["odd key"]`. */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = "$";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (PLAIN_KEY.test(part)) out += `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Builds an issue; `jsonPath` is derived from `path`. */
export function makeIssue(
  severity: DeviceInfoIssue["severity"],
  code: DeviceInfoIssueCode,
  path: readonly (string | number)[],
  message: string,
): DeviceInfoIssue {
  return { severity, code, path, jsonPath: formatJsonPath(path), message };
}

/** One line per issue: `$.pci.pci-address: message`. */
export function describeIssues(issues: readonly DeviceInfoIssue[], limit = 3): string {
  const shown = issues.slice(0, limit).map((i) => `${i.jsonPath}: ${i.message}`);
  if (issues.length > limit) shown.push(`and ${issues.length - limit} more`);
  return shown.join("; ");
}
