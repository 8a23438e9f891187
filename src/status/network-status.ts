/**
 * The `k8s.v1.cni.cncf.io/network-status` annotation (spec section 6): the
 * entries a meta-plugin builds from CNI results, the exact string Go's
 * `SetNetworkStatus` writes, a tolerant reader, and merging.
 */

import { checkCreateStatusArgs, checkSetDeviceInfoArgs, checkValidationOptions } from "../_options.js";
import { DeviceInfoError, isDeviceInfoError } from "../errors.js";
import { decodeGoInt, depthOverflowAt, MAX_JSON_DEPTH, rawNumberOf, readGoJson, valueDepth } from "../format/_go-text.js";
import { goFieldMatch } from "../format/fields.js";
import { toGoEscaping, writeJson } from "../format/go-json.js";
import {
  type DeviceInfoIssue,
  type DeviceInfoIssueCode,
  describeIssues,
  IssueCollector,
  makeIssue,
  prefixIssues,
  reportWarnings,
} from "../format/issues.js";
import type { ValidationOptions } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { toGoOrder } from "../format/serialize.js";
import { checkDeviceInfo, describeType, isObject, setOwn } from "../format/validate.js";
import { formatGoIP, isUnspecified } from "./_go-ip.js";
import { type CNIResult, type GoResult, type ReadCNIResultOptions, readCNIResult } from "./cni-result.js";
import type { NetworkStatus } from "./schema.js";

/** The annotation Multus writes the network status to. */
export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";
/** The annotation's former name (`OldNetworkStatusAnnot`), which Multus still writes alongside. */
export const OLD_NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/networks-status";

/** Known keys of an entry, in Go's field order. */
const STATUS_KEYS = ["name", "interface", "ips", "mac", "mtu", "default", "dns", "device-info", "gateway"] as const;
const DNS_KEYS = ["nameservers", "domain", "search", "options"] as const;
type StatusKey = (typeof STATUS_KEYS)[number];
const NAME_KEY: ReadonlySet<string> = new Set(["name"]);
const MTU_KEY: ReadonlySet<string> = new Set(["mtu"]);
const RESET_ON_NULL: ReadonlySet<string> = new Set(["ips", "device-info", "gateway", "nameservers", "search", "options"]);
type Path = readonly (string | number)[];
type Json = Record<string, unknown>;

/** Options of {@link createNetworkStatus} and {@link createNetworkStatuses}. */
export interface CreateNetworkStatusOptions extends ReadCNIResultOptions {
  /**
   * Go formats a missing address as the string `"<nil>"`: a default route
   * without `gw` gives `"gateway": ["<nil>"]`, an IP entry without `address`
   * gives `"<nil>"` in `ips`. `true` leaves those out. Default `false` (Go's
   * output, so annotations stay identical across a mixed cluster).
   */
  omitNil?: boolean | undefined;
  /**
   * When a result with other than exactly one interface has no interface with
   * a `sandbox` (an IPAM-only or 0.2.0 result, say), Go's
   * `CreateNetworkStatuses` returns no entry at all, so the device-info is
   * lost. `true` returns one entry built the single-entry way instead (name,
   * IPs, gateways, DNS, device-info; no interface or MAC). Default `false`
   * (Go's output).
   */
  keepWithoutSandbox?: boolean | undefined;
}

// ---------------------------------------------------------------------------
// Building entries

interface Fields {
  name: string;
  interface?: string | undefined;
  ips?: readonly string[] | undefined;
  mac?: string | undefined;
  mtu?: number | bigint | undefined;
  default?: boolean | undefined;
  dns?: Json | undefined;
  deviceInfo?: Json | undefined;
  gateway?: readonly string[] | undefined;
}

/** An entry with Go's omissions applied: what Go would write, as an object. */
function buildStatus(fields: Fields, unknown: Iterable<readonly [string, unknown]> = []): NetworkStatus {
  const out: Json = { name: fields.name };
  if (fields.interface !== undefined && fields.interface !== "") out.interface = fields.interface;
  if (fields.ips !== undefined && fields.ips.length > 0) out.ips = [...fields.ips];
  if (fields.mac !== undefined && fields.mac !== "") out.mac = fields.mac;
  if (fields.mtu !== undefined && fields.mtu !== 0) out.mtu = fields.mtu;
  if (fields.default === true) out.default = true;
  out.dns = fields.dns ?? {};
  if (fields.deviceInfo !== undefined) out["device-info"] = fields.deviceInfo;
  if (fields.gateway !== undefined && fields.gateway.length > 0) out.gateway = [...fields.gateway];
  for (const [key, value] of unknown) setOwn(out, key, value);
  return out as NetworkStatus;
}

function buildDNS(dns: { nameservers: readonly string[]; domain: string; search: readonly string[]; options: readonly string[] }): Json {
  const out: Json = {};
  if (dns.nameservers.length > 0) out.nameservers = [...dns.nameservers];
  if (dns.domain !== "") out.domain = dns.domain;
  if (dns.search.length > 0) out.search = [...dns.search];
  if (dns.options.length > 0) out.options = [...dns.options];
  return out;
}

/** A caller's DeviceInfo, checked leniently and copied in Go's order. */
function normalizeDeviceInfo(info: unknown, path: Path): Json | undefined {
  if (info === undefined || info === null) return undefined;
  const checked = checkDeviceInfo(info, false);
  if (checked.value === undefined) {
    const issues = prefixIssues(path, checked.errors);
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `invalid device-info: ${describeIssues(issues)}. Pass a device-info object whose known fields are strings`,
      { issues },
    );
  }
  return checked.value as Json;
}

function ipText(ip: Uint8Array | undefined, omitNil: boolean): string[] {
  return ip === undefined && omitNil ? [] : [formatGoIP(ip)];
}

/** Go's default-route gateways: `route.GW.String()` of every route `isDefaultRoute` accepts. */
function defaultGateways(result: GoResult, omitNil: boolean): string[] {
  const out: string[] = [];
  for (const route of result.routes) {
    const isDefault = !route.hasDst || (route.dst !== undefined && isUnspecified(route.dst));
    if (isDefault) out.push(...ipText(route.gw, omitNil));
  }
  return out;
}

function single(result: GoResult, networkName: string, isDefault: boolean, dev: Json | undefined, omitNil: boolean): NetworkStatus {
  // Go keeps the last interface that has a sandbox.
  let iface: GoResult["interfaces"][number] | undefined;
  for (const candidate of result.interfaces) if (candidate.sandbox !== "") iface = candidate;
  return buildStatus({
    name: networkName,
    interface: iface?.name,
    ips: result.ips.flatMap((ip) => ipText(ip.address, omitNil)),
    mac: iface?.mac,
    mtu: iface?.mtu,
    default: isDefault,
    dns: buildDNS(result.dns),
    deviceInfo: dev,
    gateway: defaultGateways(result, omitNil),
  });
}

function checkName(networkName: unknown, isDefault: unknown): void {
  if (typeof networkName !== "string") {
    throw new DeviceInfoError("ERR_DEVINFO_INVALID", `networkName must be a string, got ${describeType(networkName)}`);
  }
  if (typeof isDefault !== "boolean") {
    throw new DeviceInfoError("ERR_DEVINFO_INVALID", `isDefault must be a boolean, got ${describeType(isDefault)}`);
  }
}

/**
 * Builds the network-status entry for one attachment from a CNI result, as
 * Go's `CreateNetworkStatus` does: `interface`, `mac` and `mtu` of the last
 * interface with a `sandbox`, every IP of the result, the gateways of its
 * default routes, its DNS, and `deviceInfo` when given. Results of versions
 * 0.1.0 to 1.1.0 are accepted (converted as Go converts them).
 *
 * Prefer {@link createNetworkStatuses}, which handles results with several
 * pod interfaces.
 *
 * @param cniResult - the result the plugin printed: the parsed object, or its JSON text as a string or bytes
 * @param networkName - the entry's `name` (Multus uses `namespace/name`)
 * @param isDefault - whether this is the pod's default network
 * @param deviceInfo - the device-info to embed (from the CNI device-info file), checked
 *   leniently as Go does not check it at all: only a non-object or a known field
 *   of the wrong JSON type is refused
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for text that is not JSON,
 *   `ERR_DEVINFO_INVALID` for a result Go would reject or an unusable deviceInfo.
 *
 * @example
 * ```ts
 * const status = createNetworkStatus(JSON.parse(stdout), "default/sriov-net1", false, deviceInfo);
 * ```
 */
export function createNetworkStatus(
  cniResult: CNIResult | string | Uint8Array,
  networkName: string,
  isDefault: boolean,
  deviceInfo?: DeviceInfo,
  options: CreateNetworkStatusOptions = {},
): NetworkStatus {
  checkCreateStatusArgs(networkName, isDefault, options);
  checkName(networkName, isDefault);
  const result = readCNIResult(cniResult, options);
  return single(result, networkName, isDefault, normalizeDeviceInfo(deviceInfo, ["device-info"]), options.omitNil === true);
}

/**
 * Builds the network-status entries for one attachment from a CNI result,
 * exactly as Go's `CreateNetworkStatuses` (what Multus calls) does:
 *
 * - a result with exactly one interface: the single entry of {@link createNetworkStatus};
 * - otherwise one entry per interface that has a `sandbox`, in order, each
 *   with the default-route gateways, the DNS and `deviceInfo`;
 * - IPs go to the entry of the interface their `interface` index names
 *   (IPs naming a non-sandbox interface are dropped); IPs without an index go
 *   to the last entry;
 * - with `isDefault`, `default: true` goes to the interface of the first IP
 *   that has both a gateway and an interface index, or, when there is no
 *   such IP, to the first sandbox interface.
 *
 * Go's bugs are kept by default (see {@link CreateNetworkStatusOptions} for
 * the options that fix them): a default route without `gw` gives the
 * gateway `"<nil>"`, and a result without any sandbox interface gives no
 * entry (its device-info is lost).
 *
 * @param cniResult - the result the plugin printed: the parsed object, or its JSON text as a string or bytes
 * @param networkName - each entry's `name` (Multus uses `namespace/name`)
 * @param isDefault - whether this is the pod's default network
 * @param deviceInfo - the device-info to embed in every entry
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for text that is not JSON,
 *   `ERR_DEVINFO_INVALID` for a result Go would reject or an unusable deviceInfo.
 *
 * @example
 * ```ts
 * const statuses = createNetworkStatuses(JSON.parse(stdout), "default/sriov-net1", false, deviceInfo, { omitNil: true });
 * ```
 */
export function createNetworkStatuses(
  cniResult: CNIResult | string | Uint8Array,
  networkName: string,
  isDefault: boolean,
  deviceInfo?: DeviceInfo,
  options: CreateNetworkStatusOptions = {},
): NetworkStatus[] {
  checkCreateStatusArgs(networkName, isDefault, options);
  checkName(networkName, isDefault);
  const result = readCNIResult(cniResult, options);
  const dev = normalizeDeviceInfo(deviceInfo, ["device-info"]);
  const omitNil = options.omitNil === true;
  if (result.interfaces.length === 1) return [single(result, networkName, isDefault, dev, omitNil)];

  const gateway = defaultGateways(result, omitNil);
  let gatewayInterface = -1;
  if (isDefault) {
    const withGateway = result.ips.find((ip) => ip.gateway !== undefined && ip.interface !== undefined);
    gatewayInterface = withGateway?.interface ?? -1;
  }

  interface Draft {
    iface: GoResult["interfaces"][number];
    isDefault: boolean;
    ips: string[];
  }
  const drafts: Draft[] = [];
  const draftOf = new Map<number, Draft>();
  let didSetDefault = false;
  let foundFirstSandbox = false;
  result.interfaces.forEach((iface, i) => {
    if (iface.sandbox === "") return;
    let entryDefault = false;
    if (isDefault && i === gatewayInterface && !didSetDefault) {
      entryDefault = true;
      didSetDefault = true;
    }
    if (isDefault && gatewayInterface === -1 && !foundFirstSandbox) {
      entryDefault = true;
      foundFirstSandbox = true;
    }
    const draft = { iface, isDefault: entryDefault, ips: [] };
    drafts.push(draft);
    draftOf.set(i, draft);
  });

  if (drafts.length === 0) return options.keepWithoutSandbox === true ? [single(result, networkName, isDefault, dev, omitNil)] : [];

  const last = drafts[drafts.length - 1] as Draft;
  for (const ip of result.ips) {
    const target = ip.interface === undefined ? last : draftOf.get(ip.interface);
    target?.ips.push(...ipText(ip.address, omitNil));
  }
  return drafts.map((d) =>
    buildStatus({
      name: networkName,
      interface: d.iface.name,
      ips: d.ips,
      mac: d.iface.mac,
      mtu: d.iface.mtu,
      default: d.isDefault,
      dns: buildDNS(result.dns),
      // A copy per entry (Go shares one pointer): editing one entry must not change the others.
      deviceInfo: normalizeDeviceInfo(dev, ["device-info"]),
      gateway,
    }),
  );
}

// ---------------------------------------------------------------------------
// Writing

/**
 * The annotation value Go's `SetNetworkStatus` writes, byte for byte: each
 * entry as `json.MarshalIndent(entry, "", "    ")`, joined by `,` inside
 * `[` `]`. Fields in Go's order (`name, interface, ips, mac, mtu, default,
 * dns, device-info, gateway`), empty values omitted except `name` and `dns`
 * (always written, `{}` when empty), Go's escaping, the device-info encoded
 * as {@link serializeDeviceInfo} does. Unknown keys (other writers', the
 * legacy `device`) are written after the known ones in their original order
 * (integer-like keys such as `"0"` included, which a JavaScript object lists
 * first).
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for an entry that is
 *   not an object or has a known field of the wrong type (issues carry the
 *   JSON path, e.g. `$[1]['mtu']`).
 *
 * @example
 * ```ts
 * serializeNetworkStatusAnnotation([{ name: "x" }]);
 * // '[{\n    "name": "x",\n    "dns": {}\n}]'
 * ```
 */
export function serializeNetworkStatusAnnotation(statuses: readonly NetworkStatus[]): string {
  if (!Array.isArray(statuses)) {
    const issue = makeIssue("error", "wrong_type", [], `the statuses must be an array, got ${describeType(statuses)}`);
    throw invalid([issue], "Pass an array of network-status entries");
  }
  // Refused before any encoding: the indented text of a deep value is huge (as Go's MarshalIndent writes it).
  statuses.forEach((status, i) => {
    // Each entry is level 2 of the annotation.
    if (valueDepth(status, MAX_JSON_DEPTH - 1) > MAX_JSON_DEPTH - 1) {
      throw unserializable(
        [i],
        `the entry is cyclic or would nest the annotation deeper than ${MAX_JSON_DEPTH} levels, which Go refuses to read`,
      );
    }
  });
  const issues: DeviceInfoIssue[] = [];
  const entries = statuses.map((status, i) => toGoStatus(status, i, issues));
  if (issues.length > 0) throw invalid(issues, "Fix these fields");
  const parts: string[] = [];
  for (const entry of entries) {
    try {
      parts.push(toGoEscaping(writeObject(entry, STATUS_KEYS, 0)));
    } catch (cause) {
      const detail = isDeviceInfoError(cause) ? (cause.issues[0]?.message ?? cause.message) : (cause as Error).message;
      throw unserializable([parts.length], detail, cause);
    }
  }
  const text = `[${parts.join(",")}]`;
  // The entries are encoded one level deep: the whole text is what Go reads.
  if (depthOverflowAt(text) >= 0) {
    throw unserializable([], `the annotation would nest deeper than ${MAX_JSON_DEPTH} levels, which Go refuses to read`);
  }
  return text;
}

const INDENT = "    ";

/** `JSON.stringify(value, null, INDENT)` as if written `depth` levels deep; `undefined` for what JSON omits. */
function jsonAt(value: unknown, depth: number): string | undefined {
  return writeJson(value, INDENT, depth);
}

/**
 * Go's MarshalIndent layout for an entry (or its `dns`): the known keys in
 * `order`, then the others in the object's order. Written by hand because a
 * JavaScript object always lists integer-like keys ("0", "42") first, and
 * JSON.stringify would put another writer's key "0" before "name".
 */
function writeObject(obj: Json, order: readonly string[], depth: number): string {
  const keys = [...order.filter((k) => Object.hasOwn(obj, k)), ...Object.keys(obj).filter((k) => !order.includes(k))];
  const pad = INDENT.repeat(depth + 1);
  const parts: string[] = [];
  for (const key of keys) {
    const value = obj[key];
    const text =
      depth === 0 && key === "dns" && isObject(value)
        ? writeObject(value, DNS_KEYS, 1)
        : depth === 0 && key === "mtu" && typeof value === "bigint"
          ? String(value) // Go's int64 beyond 2^53, exact
          : jsonAt(value, depth + 1);
    if (text !== undefined) parts.push(`${pad}${JSON.stringify(key)}: ${text}`);
  }
  return parts.length === 0 ? "{}" : `{\n${parts.join(",\n")}\n${INDENT.repeat(depth)}}`;
}

/** Checks one entry for writing and returns it in Go's order with Go's omissions. */
function toGoStatus(status: unknown, index: number, issues: DeviceInfoIssue[]): Json {
  const fail = (code: DeviceInfoIssueCode, path: Path, message: string) => issues.push(makeIssue("error", code, [index, ...path], message));
  if (!isObject(status)) {
    fail("not_object", [], `a network-status entry must be an object, got ${describeType(status)}`);
    return {};
  }
  const str = (key: string): string | undefined => {
    const value = status[key];
    if (value === undefined || value === null || typeof value === "string") return value ?? undefined;
    fail("wrong_type", [key], `"${key}" must be a string, got ${describeType(value)}`);
    return undefined;
  };
  const list = (obj: Json, key: string, path: Path): string[] | undefined => {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
    fail("wrong_type", [...path, key], `"${key}" must be an array of strings, got ${describeType(value)}`);
    return undefined;
  };
  const unknown = collectUnknown(status, STATUS_KEYS, [], fail);

  const mtu = status.mtu;
  if (mtu !== undefined && mtu !== null) {
    const decoded = typeof mtu === "number" || typeof mtu === "bigint" ? decodeGoInt(mtu, undefined) : undefined;
    if (decoded === undefined || "error" in decoded) {
      fail(
        "wrong_type",
        ["mtu"],
        `"mtu" ${decoded !== undefined && "error" in decoded ? decoded.error : `must be an integer, got ${describeType(mtu)}`}`,
      );
    }
  }
  const isDefault = status.default;
  if (isDefault !== undefined && isDefault !== null && typeof isDefault !== "boolean") {
    fail("wrong_type", ["default"], `"default" must be a boolean, got ${describeType(isDefault)}`);
  }
  let dns: Json = {};
  const rawDNS = status.dns;
  if (rawDNS !== undefined && rawDNS !== null) {
    if (!isObject(rawDNS)) fail("wrong_type", ["dns"], `"dns" must be an object, got ${describeType(rawDNS)}`);
    else {
      const domain = rawDNS.domain;
      if (domain !== undefined && domain !== null && typeof domain !== "string") {
        fail("wrong_type", ["dns", "domain"], `"domain" must be a string, got ${describeType(domain)}`);
      }
      dns = buildDNS({
        nameservers: list(rawDNS, "nameservers", ["dns"]) ?? [],
        domain: typeof domain === "string" ? domain : "",
        search: list(rawDNS, "search", ["dns"]) ?? [],
        options: list(rawDNS, "options", ["dns"]) ?? [],
      });
      for (const [key, value] of collectUnknown(rawDNS, DNS_KEYS, ["dns"], fail)) setOwn(dns, key, value);
    }
  }
  let deviceInfo: Json | undefined;
  const rawInfo = status["device-info"];
  if (rawInfo !== undefined && rawInfo !== null) {
    try {
      // Only ever written (by writeJson, which keeps an OrderedObject's key order), never read.
      deviceInfo = toGoOrder(rawInfo, true) as unknown as Json;
    } catch (err) {
      if (!(err instanceof DeviceInfoError)) throw err;
      for (const i of err.issues) issues.push(makeIssue("error", i.code, [index, "device-info", ...i.path], i.message));
    }
  }
  return buildStatus(
    {
      name: str("name") ?? "",
      interface: str("interface"),
      ips: list(status, "ips", []),
      mac: str("mac"),
      mtu: typeof mtu === "number" || typeof mtu === "bigint" ? mtu : undefined,
      default: isDefault === true,
      dns,
      deviceInfo,
      gateway: list(status, "gateway", []),
    },
    unknown,
  );
}

/**
 * The keys of `obj` that are not known fields, in order. A key that only
 * differs from a known one in case is an error: Go's case-insensitive decoder
 * would read it as that field.
 */
function collectUnknown(
  obj: Json,
  known: readonly string[],
  path: Path,
  fail: (code: DeviceInfoIssueCode, path: Path, message: string) => void,
): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const folded = goFieldMatch(key, new Set(known));
    if (folded !== undefined) {
      fail("key_case", [...path, key], `key "${key}" would be read as "${folded}" by Go's case-insensitive decoder; write "${folded}"`);
      continue;
    }
    out.push([key, obj[key]]);
  }
  return out;
}

function unserializable(path: Path, detail: string, cause?: unknown): DeviceInfoError {
  const issue = makeIssue("error", "unserializable", path, `cannot be encoded as JSON: ${detail}`);
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `invalid network status: ${describeIssues([issue])}`, { issues: [issue], cause });
}

function invalid(issues: readonly DeviceInfoIssue[], hint: string, path?: string): DeviceInfoError {
  const where = path === undefined ? "" : `${path}: `;
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `${where}invalid network status: ${describeIssues(issues)}. ${hint}`, {
    path,
    issues,
  });
}

// ---------------------------------------------------------------------------
// Reading

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
  if (checked.errors.length > 0) {
    const hint = checked.errors.every((e) => e.code === "not_object" || e.code === "wrong_type")
      ? "The annotation must be a JSON array of objects whose known fields have Go's types"
      : "Fix these fields, or read with { strict: false } to accept deviations as warnings";
    throw invalid(checked.errors, hint, file);
  }
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
      value.push(buildStatus({ name: "" }));
      return;
    }
    if (!isObject(raw)) {
      error("not_object", [index], `a network-status entry must be an object, got ${describeType(raw)}`);
      return;
    }
    const entry = readEntry(raw, [index], sink);
    if (entry !== undefined) value.push(entry);
  });
  return { value, errors, warnings };
}

type Sink = IssueCollector;

/** Reads the known keys of `raw` Go's way (exact, else case-insensitive, the last one winning). */
function readKnown(
  raw: Json,
  known: readonly string[],
  path: Path,
  sink: Sink,
): { fields: Map<string, unknown>; unknown: [string, unknown][] } {
  const fields = new Map<string, unknown>();
  const unknown: [string, unknown][] = [];
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    const match = goFieldMatch(key, new Set(known));
    if (match === undefined) {
      unknown.push([key, value]);
      continue;
    }
    if (match !== key)
      sink.deviation("key_case", [...path, key], `key "${key}" is read as "${match}" by Go's case-insensitive decoder; write "${match}"`);
    if (value === null) {
      sink.deviation("null_field", [...path, key], `null is read as an absent "${match}"; omit the key instead`);
      // Go resets a slice or pointer on null, and leaves a string, number or struct as it was.
      if (RESET_ON_NULL.has(match)) fields.delete(match);
    } else {
      // A second object for the same field (a case variant) is decoded into the first: merged, as Go does.
      const previous = fields.get(match);
      fields.set(match, isObject(previous) && isObject(value) ? { ...previous, ...value } : value);
    }
  }
  return { fields, unknown };
}

function readEntry(raw: Json, path: Path, sink: Sink): NetworkStatus | undefined {
  const before = sink.errors.length;
  const { fields, unknown } = readKnown(raw, STATUS_KEYS, path, sink);
  const str = (key: StatusKey | (typeof DNS_KEYS)[number], from: Map<string, unknown>, at: Path): string | undefined => {
    const value = from.get(key);
    if (value === undefined || typeof value === "string") return value;
    sink.error("wrong_type", [...at, key], `"${key}" must be a string, got ${describeType(value)}`);
    return undefined;
  };
  const list = (key: string, from: Map<string, unknown>, at: Path): string[] | undefined => {
    const value = from.get(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      sink.error("wrong_type", [...at, key], `"${key}" must be an array of strings, got ${describeType(value)}`);
      return undefined;
    }
    return value.map((item: unknown, i) => {
      if (typeof item === "string") return item;
      if (item === null) {
        sink.deviation("null_field", [...at, key, i], `null is read as "" (Go does); remove it`);
        return "";
      }
      sink.error("wrong_type", [...at, key, i], `"${key}" must hold strings, got ${describeType(item)}`);
      return "";
    });
  };

  const name = str("name", fields, path);
  if (!Object.keys(raw).some((key) => goFieldMatch(key, NAME_KEY) !== undefined)) {
    sink.deviation("missing_field", [...path, "name"], `"name" is required (Go reads a missing name as "")`);
  }
  const mtuRaw = fields.get("mtu");
  let mtu: number | bigint | undefined;
  if (mtuRaw !== undefined) {
    const mtuKey = Object.keys(raw).findLast((key) => goFieldMatch(key, MTU_KEY) !== undefined && raw[key] !== null) ?? "mtu";
    const decoded = typeof mtuRaw === "number" || typeof mtuRaw === "bigint" ? decodeGoInt(mtuRaw, rawNumberOf(raw, mtuKey)) : undefined;
    if (decoded !== undefined && "value" in decoded) mtu = decoded.value;
    else sink.error("wrong_type", [...path, mtuKey], `"mtu" ${decoded?.error ?? `must be an integer, got ${describeType(mtuRaw)}`}`);
  }
  const defaultRaw = fields.get("default");
  if (defaultRaw !== undefined && typeof defaultRaw !== "boolean") {
    sink.error("wrong_type", [...path, "default"], `"default" must be a boolean, got ${describeType(defaultRaw)}`);
  }

  let dns: Json = {};
  const dnsRaw = fields.get("dns");
  if (dnsRaw !== undefined) {
    if (!isObject(dnsRaw)) sink.error("wrong_type", [...path, "dns"], `"dns" must be an object, got ${describeType(dnsRaw)}`);
    else {
      const at = [...path, "dns"];
      const d = readKnown(dnsRaw, DNS_KEYS, at, sink);
      dns = buildDNS({
        nameservers: list("nameservers", d.fields, at) ?? [],
        domain: str("domain", d.fields, at) ?? "",
        search: list("search", d.fields, at) ?? [],
        options: list("options", d.fields, at) ?? [],
      });
      for (const [key, value] of d.unknown) setOwn(dns, key, value);
    }
  }

  let deviceInfo: Json | undefined;
  const infoRaw = fields.get("device-info");
  if (infoRaw !== undefined) {
    const at = [...path, "device-info"];
    const checked = checkDeviceInfo(infoRaw, sink.strict);
    sink.absorb(at, checked);
    deviceInfo = checked.value as Json | undefined;
  }

  const entry = buildStatus(
    {
      name: name ?? "",
      interface: str("interface", fields, path),
      ips: list("ips", fields, path),
      mac: str("mac", fields, path),
      mtu,
      default: defaultRaw === true,
      dns,
      deviceInfo,
      gateway: list("gateway", fields, path),
    },
    unknown,
  );
  return sink.errors.length > before ? undefined : entry;
}

// ---------------------------------------------------------------------------
// Merging

function attachmentKey(status: unknown, index: number, what: string): string {
  if (!isObject(status)) {
    const issue = makeIssue("error", "not_object", [index], `a network-status entry must be an object, got ${describeType(status)}`);
    throw invalid([issue], `Pass ${what} as an array of network-status entries`);
  }
  const part = (key: "name" | "interface") => {
    const value = status[key];
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    const issue = makeIssue("error", "wrong_type", [index, key], `"${key}" must be a string, got ${describeType(value)}`);
    throw invalid([issue], `Fix ${what}`);
  };
  // JSON text cannot be ambiguous, unlike a separator inside a name.
  return JSON.stringify([part("name"), part("interface")]);
}

function isKnownStatusKey(key: string): boolean {
  return (STATUS_KEYS as readonly string[]).includes(key);
}

/** The update's known fields, then the existing entry's other keys (updated in place), then the update's new ones. */
function mergeEntry(existing: NetworkStatus, update: NetworkStatus): NetworkStatus {
  const out: Json = {};
  for (const key of STATUS_KEYS) if (Object.hasOwn(update, key)) out[key] = update[key];
  for (const key of Object.keys(existing)) {
    if (isKnownStatusKey(key)) continue;
    if (!Object.hasOwn(update, key)) setOwn(out, key, existing[key]);
    else if (update[key] !== undefined) setOwn(out, key, update[key]);
  }
  for (const key of Object.keys(update)) {
    if (isKnownStatusKey(key) || Object.hasOwn(existing, key) || update[key] === undefined) continue;
    setOwn(out, key, update[key]);
  }
  return out as NetworkStatus;
}

/**
 * Merges network-status entries into an existing annotation (for a writer
 * that shares it with others). Entries are matched on `(name, interface)`
 * (a missing `interface` is `""`):
 *
 * - an update whose attachment is already there replaces that entry in
 *   place: its known fields are the update's, and the existing entry's
 *   unknown keys (another writer's) are kept unless the update sets them (an
 *   update key set to `undefined` removes it);
 * - other updates are appended, in order (known keys first, as a replaced
 *   entry has them);
 * - entries the updates do not name are kept untouched.
 *
 * Idempotent: merging the same updates twice gives the same result as once.
 * Neither input is modified.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` when an entry is not
 *   an object or its `name` / `interface` is not a string.
 *
 * @example
 * ```ts
 * const current = parseNetworkStatusAnnotation(pod.metadata.annotations[NETWORK_STATUS_ANNOTATION] ?? "[]");
 * const next = mergeNetworkStatus(current, createNetworkStatuses(result, "default/sriov-net1", false, info));
 * pod.metadata.annotations[NETWORK_STATUS_ANNOTATION] = serializeNetworkStatusAnnotation(next);
 * ```
 */
export function mergeNetworkStatus(existing: readonly NetworkStatus[], updates: readonly NetworkStatus[]): NetworkStatus[] {
  for (const [list, what] of [
    [existing, "existing"],
    [updates, "updates"],
  ] as const) {
    if (!Array.isArray(list)) {
      const issue = makeIssue("error", "wrong_type", [], `${what} must be an array, got ${describeType(list)}`);
      throw invalid([issue], `Pass ${what} as an array of network-status entries`);
    }
  }
  const out = [...existing];
  const keys = existing.map((status, i) => attachmentKey(status, i, "existing"));
  updates.forEach((update, i) => {
    const key = attachmentKey(update, i, "updates");
    const at = keys.indexOf(key);
    if (at < 0) {
      // Rebuilt like a replaced entry (known keys first), so that merging again changes nothing.
      out.push(mergeEntry({} as NetworkStatus, update));
      keys.push(key);
    } else {
      out[at] = mergeEntry(out[at] as NetworkStatus, update);
    }
  });
  return out;
}

/** Which entries {@link setNetworkStatusDeviceInfo} changes. */
export interface NetworkStatusTarget {
  /** The entry's `name`, exactly as written (Multus: `namespace/name`). */
  network: string;
  /** The entry's `interface`; omitted: every entry of the network (as Go gives them all the same device-info). */
  interface?: string | undefined;
}

/**
 * Attaches a DeviceInfo to the entries of one attachment (or removes it,
 * with `undefined`), for a meta-plugin that learns the device-info after
 * building the entries. Returns a new array; the input is not modified.
 * The device-info is checked leniently (as readers do) and stored in Go's
 * key order.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when no entry
 *   matches (the message lists the entries there are), `ERR_DEVINFO_INVALID`
 *   for a device-info that is not an object or has a known field of the
 *   wrong type.
 *
 * @example
 * ```ts
 * statuses = setNetworkStatusDeviceInfo(statuses, { network: "default/sriov-net1", interface: "net1" }, info);
 * ```
 */
export function setNetworkStatusDeviceInfo(
  statuses: readonly NetworkStatus[],
  target: NetworkStatusTarget,
  deviceInfo: DeviceInfo | undefined,
): NetworkStatus[] {
  checkSetDeviceInfoArgs(target);
  if (!Array.isArray(statuses) || statuses.some((s: unknown) => !isObject(s))) {
    const issue = makeIssue("error", "wrong_type", [], "the statuses must be an array of network-status entries");
    throw invalid([issue], "Pass the array that parseNetworkStatusAnnotation or createNetworkStatuses returned");
  }
  if (!isObject(target) || typeof target.network !== "string") {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the target must be { network: string, interface?: string }, got ${describeType(target)}`,
    );
  }
  const info = normalizeDeviceInfo(deviceInfo, ["device-info"]);
  const matches = (status: NetworkStatus) =>
    status.name === target.network && (target.interface === undefined || (status.interface ?? "") === target.interface);
  if (!statuses.some(matches)) {
    const present = statuses.map((s) => `${JSON.stringify(s.name)}@${JSON.stringify(s.interface ?? "")}`).join(", ") || "none";
    const wanted = `${JSON.stringify(target.network)}${target.interface === undefined ? "" : `@${JSON.stringify(target.interface)}`}`;
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `no network-status entry for ${wanted} (entries: ${present}); pass the entry's exact name and interface`,
    );
  }
  return statuses.map((status) => {
    if (!matches(status)) return status;
    const out: Json = {};
    for (const key of STATUS_KEYS) {
      if (key === "device-info") {
        if (info !== undefined) out[key] = normalizeDeviceInfo(info, ["device-info"]);
      } else if (Object.hasOwn(status, key)) out[key] = status[key];
    }
    for (const key of Object.keys(status)) if (!isKnownStatusKey(key)) setOwn(out, key, status[key]);
    return out as NetworkStatus;
  });
}
