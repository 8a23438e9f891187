/**
 * Reading the `k8s.v1.cni.cncf.io/network-status` annotation (spec section
 * 6) as the Go reference's `GetNetworkStatus` reads it, tolerant of what
 * real pods carry.
 */

import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, IssueCollector, reportWarnings } from "../base/issues.js";
import { readGoJson } from "../format/_go-text.js";
import { checkValidationOptions, type ValidationOptions } from "../format/parse.js";
import { describeType, isObject } from "../format/validate.js";
import { foldGoObject, GO_NETWORK_STATUS } from "./_go-decode.js";
import { entryObject, invalidStatus, STATUS_FIELDS, walkFields } from "./_status-fields.js";
import type { NetworkStatus } from "./schema.js";

/**
 * Parses the annotation value (Go's `GetNetworkStatus`), tolerant of what
 * real pods carry: any indentation, `"name": ""` or no `name`, no
 * `interface`, unknown keys (kept, in order, after the known ones; the legacy
 * `device` key included), `null` for absent values, keys in another case (Go
 * reads them case-insensitively). The device-info of each entry is read like
 * {@link parseDeviceInfo} reads a file: deviations from the spec are
 * warnings.
 *
 * Each entry comes back in Go's canonical form: values Go omits when writing
 * (empty strings and lists, `mtu` 0, `default` false) are absent, `name` and
 * `dns` are always present. So `parseNetworkStatusAnnotation(serializeNetworkStatusAnnotation(x))`
 * gives `x` back for any parsed `x`.
 *
 * @param text - the annotation value (a JSON array), as a string or UTF-8 bytes
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for text that is not
 *   JSON, `ERR_DEVINFO_INVALID` for JSON that is not an array of objects or
 *   has a known field of the wrong type (issues carry the JSON path, e.g.
 *   `$[1]['device-info']['pci']`), and with `strict: true` for any deviation.
 *
 * @example
 * ```ts
 * const statuses = parseNetworkStatusAnnotation(pod.metadata.annotations[NETWORK_STATUS_ANNOTATION]);
 * const sriov = statuses.find((s) => s.interface === "net1");
 * ```
 */
export function parseNetworkStatusAnnotation(text: string | Uint8Array, options: ValidationOptions = {}): NetworkStatus[] {
  checkValidationOptions(options);
  return parseStatusText(text, options, undefined);
}

/**
 * parseNetworkStatusAnnotation with the file name errors should carry.
 *
 * @internal
 */
export function parseStatusText(input: string | Uint8Array, options: ValidationOptions, file: string | undefined): NetworkStatus[] {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_PARSE",
      `${file === undefined ? "" : `${file}: `}the network status must be JSON text, got ${describeType(input)}`,
      { path: file },
    );
  }
  const doc = readGoJson(input, {
    what: "the network status",
    hint: 'it must be a JSON array of entries such as [{"name":"default/net1","interface":"net1"}]',
    file,
  });
  const checked = checkStatusList(doc, options.strict === true);
  if (checked.errors.length > 0) throw invalidStatus(checked.errors, { strict: options.strict }, file);
  reportWarnings(checked.warnings, options.onWarning);
  return checked.value;
}

interface CheckedList {
  value: NetworkStatus[];
  errors: DeviceInfoIssue[];
  warnings: DeviceInfoIssue[];
}

/**
 * The lenient pass over a parsed annotation; with `strict`, deviations are errors.
 *
 * @internal
 */
export function checkStatusList(doc: unknown, strict: boolean): CheckedList {
  const sink = new IssueCollector(strict);
  const { errors, warnings } = sink;
  const error = sink.error.bind(sink);
  const deviation = sink.deviation.bind(sink);
  const value: NetworkStatus[] = [];

  if (doc === null) {
    deviation("null_field", [], "null is read as an empty list (Go does); write []");
    return { value, errors, warnings };
  }
  if (!Array.isArray(doc)) {
    error("wrong_type", [], `the network status must be a JSON array, got ${describeType(doc)}`);
    return { value, errors, warnings };
  }
  doc.forEach((raw: unknown, index) => {
    if (raw === null) {
      deviation("null_field", [index], `a null entry is read as {"name": ""} (Go does); remove it`);
      value.push(entryObject(STATUS_FIELDS, {}) as NetworkStatus);
      return;
    }
    if (!isObject(raw)) {
      error("not_object", [index], `a network-status entry must be an object, got ${describeType(raw)}`);
      return;
    }
    const before = sink.errors.length;
    // A field named twice ("dns", "DNS") is decoded as Go decodes it first: objects merged, null ignored, earlier type errors kept.
    const decoded = foldGoObject(raw, GO_NETWORK_STATUS, [index], sink);
    const entry = walkFields(decoded, STATUS_FIELDS, [index], { sink, mode: "read" });
    if (sink.errors.length === before) value.push(entry as NetworkStatus);
  });
  return { value, errors, warnings };
}
