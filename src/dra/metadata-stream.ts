/**
 * The device metadata stream (KEP-5304): the `DeviceMetadata` versions this
 * package understands and the decoder of a file's text. A file is a stream of
 * JSON objects (the Go writer encodes the same `DeviceMetadata` once per API
 * version it supports, newest first, each followed by a newline); the reader
 * takes the first whose `apiVersion` it understands and skips unknown ones,
 * as `devicemetadata.DecodeMetadataFromStream` does.
 */

import { checkString } from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, type DeviceInfoIssueCode, describeIssues, makeIssue } from "../base/issues.js";
import { readGoJson } from "../format/_go-text.js";
import { describeType, isObject, setOwn } from "../format/validate.js";
import type { DeviceMetadata } from "./types.js";

/** The API group of `DeviceMetadata` objects. */
export const DEVICE_METADATA_GROUP = "metadata.resource.k8s.io";
/**
 * The versions of `DeviceMetadata` this package understands, in order of
 * preference (newest first): `v1beta1` (Kubernetes 1.37) and `v1alpha1`
 * (1.36). Both have the same shape. A reader takes the first object of the
 * stream it can read, whichever of these it is; the writer writes them in
 * this order.
 */
export const DEVICE_METADATA_API_VERSIONS = ["metadata.resource.k8s.io/v1beta1", "metadata.resource.k8s.io/v1alpha1"] as const;
/** One of {@link DEVICE_METADATA_API_VERSIONS}. */
export type DeviceMetadataAPIVersion = (typeof DEVICE_METADATA_API_VERSIONS)[number];

const JSON_SPACE = new Set([" ", "\t", "\n", "\r"]);

type Path = readonly (string | number)[];

class Decoder {
  readonly errors: DeviceInfoIssue[] = [];

  fail(code: DeviceInfoIssueCode, path: Path, message: string): void {
    this.errors.push(makeIssue("error", code, path, message));
  }

  /** Known fields in Go's order, `null` read as absent, unknown keys kept after them. */
  object(raw: unknown, path: Path, fields: Record<string, (value: unknown, at: Path) => unknown>): Record<string, unknown> | undefined {
    if (!isObject(raw)) {
      this.fail("not_object", path, `must be an object, got ${describeType(raw)}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const [key, read] of Object.entries(fields)) {
      const value = raw[key];
      if (value === undefined || value === null) continue;
      const decoded = read(value, [...path, key]);
      if (decoded !== undefined) out[key] = decoded;
    }
    for (const key of Object.keys(raw)) if (!Object.hasOwn(fields, key)) setOwn(out, key, raw[key]);
    return out;
  }

  string = (value: unknown, path: Path): string | undefined => {
    if (typeof value === "string") return value;
    this.fail("wrong_type", path, `must be a string, got ${describeType(value)}`);
    return undefined;
  };

  integer = (value: unknown, path: Path): number | undefined => {
    if (typeof value === "number" && Number.isInteger(value)) return value;
    this.fail("wrong_type", path, `must be an integer, got ${typeof value === "number" ? String(value) : describeType(value)}`);
    return undefined;
  };

  boolean = (value: unknown, path: Path): boolean | undefined => {
    if (typeof value === "boolean") return value;
    this.fail("wrong_type", path, `must be a boolean, got ${describeType(value)}`);
    return undefined;
  };

  list<T>(read: (value: unknown, at: Path) => T | undefined) {
    return (value: unknown, path: Path): T[] | undefined => {
      if (!Array.isArray(value)) {
        this.fail("wrong_type", path, `must be a list, got ${describeType(value)}`);
        return undefined;
      }
      const out: T[] = [];
      value.forEach((item: unknown, i) => {
        const decoded = read(item, [...path, i]);
        if (decoded !== undefined) out.push(decoded);
      });
      return out;
    };
  }

  attribute = (value: unknown, path: Path) =>
    this.object(value, path, {
      int: this.integer,
      bool: this.boolean,
      string: this.string,
      version: this.string,
      ints: this.list(this.integer),
      bools: this.list(this.boolean),
      strings: this.list(this.string),
      versions: this.list(this.string),
    });

  attributes = (value: unknown, path: Path) => {
    if (!isObject(value)) {
      this.fail("wrong_type", path, `must be an object of attributes by name, got ${describeType(value)}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(value)) {
      const decoded = this.attribute(value[name], [...path, name]);
      if (decoded !== undefined) setOwn(out, name, decoded);
    }
    return out;
  };

  networkData = (value: unknown, path: Path) =>
    this.object(value, path, { interfaceName: this.string, ips: this.list(this.string), hardwareAddress: this.string });

  device = (value: unknown, path: Path) =>
    this.object(value, path, {
      driver: this.string,
      pool: this.string,
      name: this.string,
      attributes: this.attributes,
      networkData: this.networkData,
    });

  request = (value: unknown, path: Path) => this.object(value, path, { name: this.string, devices: this.list(this.device) });

  metadata = (value: unknown, path: Path) =>
    this.object(value, path, { name: this.string, namespace: this.string, uid: this.string, generation: this.integer });
}

/** The end of the JSON value that starts at `start` (after whitespace), or -1 when it is cut short. */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first !== "{" && first !== "[" && first !== '"') {
    let i = start;
    while (i < text.length && !/[ \t\n\r{}[\]",]/.test(text[i] as string)) i++;
    return i;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return i + 1;
      }
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Decodes a metadata stream as Go's `devicemetadata.DecodeMetadataFromStream`
 * does: values one by one; an object of an unknown API version, or one that
 * cannot be decoded (no kind, a field of the wrong type), is skipped so that
 * a driver upgrade does not break older readers; the first object that
 * decodes is returned (what follows it is not read). `undefined` for an
 * empty stream. Text that is not a JSON stream fails at once, as in Go.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for text that is not a
 *   JSON stream; `ERR_DEVINFO_INVALID` when no object decodes (its `issues`
 *   say, object by object, why: `unsupported_version`, `missing_field`, …).
 */
export function decodeDeviceMetadataStream(text: string, file?: string): DeviceMetadata | undefined {
  checkString(text, "text");
  if (file !== undefined) checkString(file, "file");
  const where = file === undefined ? "" : `${file}: `;
  const unknownVersions: string[] = [];
  const skipped: DeviceInfoError[] = [];
  let index = 0;
  let i = 0;
  for (;;) {
    // JSON's whitespace only: a byte order mark is an error, as in Go
    while (i < text.length && JSON_SPACE.has(text[i] as string)) i++;
    if (i >= text.length) break;
    const end = valueEnd(text, i);
    // Cut short (end < 0): the rest, which the one JSON-text reader refuses with its reason.
    const value = readGoJson(end < 0 ? text.slice(i) : text.slice(i, end), {
      what: `object ${index + 1} of the metadata stream`,
      hint: "a metadata file holds DeviceMetadata objects, one per API version",
      file,
    });
    try {
      const decoded = decodeObject(value, index, where, file, unknownVersions);
      if (decoded !== undefined) return decoded;
    } catch (err) {
      // Go skips an object it cannot decode and tries the next one.
      if (!isDeviceInfoError(err)) throw err;
      skipped.push(err);
    }
    i = end;
    index++;
  }
  if (index === 0) return undefined;
  if (skipped.length > 0) {
    const issues = skipped.flatMap((e) => e.issues);
    if (unknownVersions.length > 0)
      issues.push(makeIssue("error", "unsupported_version", [], `unknown API versions: ${unknownVersions.join(", ")}`));
    const reasons = skipped.map((e) => e.message.slice(where.length));
    if (unknownVersions.length > 0) reasons.push(`unknown API versions ${unknownVersions.join(", ")}`);
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `${where}no object of the metadata stream could be read (${reasons.join("; ")}); the driver wrote a malformed file`,
      { path: file, issues },
    );
  }
  const issues = [makeIssue("error", "unsupported_version", [], `only unknown API versions: ${unknownVersions.join(", ")}`)];
  throw new DeviceInfoError(
    "ERR_DEVINFO_INVALID",
    `${where}no DeviceMetadata version this package understands (${DEVICE_METADATA_API_VERSIONS.join(", ")}) in the stream, only ${unknownVersions.join(", ")}; the driver writes newer versions only: upgrade devinfo`,
    { path: file, issues },
  );
}

function decodeObject(
  value: unknown,
  index: number,
  where: string,
  file: string | undefined,
  unknownVersions: string[],
): DeviceMetadata | undefined {
  const invalid = (issues: DeviceInfoIssue[], what: string) =>
    new DeviceInfoError("ERR_DEVINFO_INVALID", `${where}object ${index + 1} of the metadata stream ${what}: ${describeIssues(issues)}`, {
      path: file,
      issues,
    });
  const d = new Decoder();
  if (!isObject(value)) {
    d.fail("not_object", [], `must be a DeviceMetadata object, got ${describeType(value)}`);
    throw invalid(d.errors, "is not an object");
  }
  const apiVersion = value.apiVersion;
  if (typeof apiVersion !== "string" || !/^[^/]+\/[^/]+$/.test(apiVersion)) {
    d.fail(
      "missing_field",
      ["apiVersion"],
      `must be "group/version", e.g. "${DEVICE_METADATA_API_VERSIONS[0]}", got ${describeType(apiVersion)}`,
    );
    throw invalid(d.errors, "has no API version");
  }
  if (typeof value.kind !== "string" || value.kind === "") {
    d.fail("missing_field", ["kind"], `must be "DeviceMetadata", got ${describeType(value.kind)}`);
    throw invalid(d.errors, `(${apiVersion}) has no kind`);
  }
  if (!(DEVICE_METADATA_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    unknownVersions.push(apiVersion);
    return undefined;
  }
  if (value.kind !== "DeviceMetadata") {
    d.fail("unknown_type", ["kind"], `must be "DeviceMetadata", got "${value.kind}"`);
    throw invalid(d.errors, `(${apiVersion}) is not a DeviceMetadata`);
  }
  const out = d.object(value, [], {
    apiVersion: d.string,
    kind: d.string,
    metadata: d.metadata,
    podClaimName: d.string,
    requests: d.list(d.request),
  });
  if (d.errors.length > 0 || out === undefined) throw invalid(d.errors, `(${apiVersion}) is malformed`);
  // ObjectMeta is a struct in Go: always there, even when the JSON lacks it.
  if (out.metadata === undefined) {
    const ordered: Record<string, unknown> = { apiVersion: out.apiVersion, kind: out.kind, metadata: {} };
    for (const key of Object.keys(out)) if (key !== "apiVersion" && key !== "kind") setOwn(ordered, key, out[key]);
    return ordered as DeviceMetadata;
  }
  return out as DeviceMetadata;
}

/** Throws the reader's `ERR_DEVINFO_INVALID` unless `value` is a `DeviceMetadata` object the readers decode (for the writer). */
export function validateDeviceMetadataObject(value: unknown, file: string): void {
  decodeObject(value, 0, `${file}: `, file, []);
}
