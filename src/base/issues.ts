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
 * - `lossy_json` — a value under an unknown key that JSON text cannot hold as it is, so that writing it
 *   would change it silently: `NaN` or `±Infinity` (written as `null`), a `Date` (written as a string by
 *   its `toJSON`), a `Map`, `Set` or other class instance, a function or symbol (left out), `undefined`
 *   in an array (written as `null`). Strict writers refuse it; lenient ones write what `JSON.stringify`
 *   makes of it, with this warning. (A BigInt is `unserializable`: no mode can write it.)
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
  | "lossy_json"
  | "invalid_ip";

/** One validation problem. */
export interface DeviceInfoIssue {
  /** `error` fails the operation; `warning` is reported and the value is still returned. */
  readonly severity: "error" | "warning";
  /** What kind of problem it is. */
  readonly code: DeviceInfoIssueCode;
  /** Where it is, as keys and array indexes from the document root. */
  readonly path: readonly (string | number)[];
  /** The same place as an RFC 9535 normalized path, e.g. `$['pci']['pci-address']` or `$[1]['device-info']['pci']`. */
  readonly jsonPath: string;
  /** What is wrong and what the spec expects. */
  readonly message: string;
}

/**
 * Formats a path as an RFC 9535 normalized path (section 2.7): `$`, then
 * `[0]` for an array index and `['name']` for every member name, in single
 * quotes, with `\\`, `\'`, `\b \f \n \r \t` and `\u00XX` escapes for the
 * other control characters. A lone surrogate (only ever in a caller's value:
 * readers decode it as U+FFFD) is written as U+FFFD, which the grammar allows.
 *
 * @example
 * ```ts
 * formatJsonPath([1, "device-info", "pci"]); // "$[1]['device-info']['pci']"
 * ```
 */
export function formatJsonPath(path: readonly (string | number)[]): string {
  let out = "$";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `['${escapeName(part)}']`;
  return out;
}

const NAME_ESCAPE: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function escapeName(name: string): string {
  const text = name.isWellFormed() ? name : name.toWellFormed();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 9535 escapes control characters; matching them is the point
  return text.replace(/[\\'\u0000-\u001f]/g, (c) => NAME_ESCAPE[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
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

/** One line per issue: `$['pci']['pci-address']: message`. */
export function describeIssues(issues: readonly DeviceInfoIssue[], limit = 3): string {
  const shown = issues.slice(0, limit).map((i) => `${i.jsonPath}: ${i.message}`);
  if (issues.length > limit) shown.push(`and ${issues.length - limit} more`);
  return shown.join("; ");
}

type Path = readonly (string | number)[];

/**
 * `issues` re-rooted under `prefix` (zod's `prefixIssues`): how a reader
 * reports the issues of a document it embeds, such as the device-info of a
 * network-status entry.
 *
 * @internal
 */
export function prefixIssues(prefix: Path, issues: readonly DeviceInfoIssue[]): DeviceInfoIssue[] {
  return prefix.length === 0 ? [...issues] : issues.map((i) => makeIssue(i.severity, i.code, [...prefix, ...i.path], i.message));
}

/**
 * Passes each warning to `onWarning`, the one place readers report them.
 *
 * @internal
 */
export function reportWarnings(warnings: readonly DeviceInfoIssue[], onWarning: ((warning: DeviceInfoIssue) => void) | undefined): void {
  if (onWarning !== undefined) for (const warning of warnings) onWarning(warning);
}

/**
 * The one issue collector every reader uses: errors always fail the read;
 * deviations from the spec are warnings, or errors in strict mode.
 *
 * @internal
 */
export class IssueCollector {
  readonly errors: DeviceInfoIssue[] = [];
  readonly warnings: DeviceInfoIssue[] = [];

  constructor(readonly strict: boolean) {}

  /** A problem no reader can accept (wrong JSON type, not an object). */
  error(code: DeviceInfoIssueCode, path: Path, message: string): void {
    this.errors.push(makeIssue("error", code, path, message));
  }

  /** A deviation from the spec that Go accepts: a warning unless strict. */
  deviation(code: DeviceInfoIssueCode, path: Path, message: string): void {
    if (this.strict) this.errors.push(makeIssue("error", code, path, message));
    else this.warnings.push(makeIssue("warning", code, path, message));
  }

  /** Takes over another check's issues, re-rooted under `prefix`. */
  absorb(prefix: Path, checked: { readonly errors: readonly DeviceInfoIssue[]; readonly warnings: readonly DeviceInfoIssue[] }): void {
    this.errors.push(...prefixIssues(prefix, checked.errors));
    this.warnings.push(...prefixIssues(prefix, checked.warnings));
  }

  /** Whether an error was collected. */
  get failed(): boolean {
    return this.errors.length > 0;
  }
}
