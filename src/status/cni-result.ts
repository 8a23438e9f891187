/**
 * CNI results as the Go reference sees them: whatever the version a plugin
 * printed, `cni100.NewResultFromResult` converts it to the 1.x structure, and
 * only then does `CreateNetworkStatus(es)` read it. This module does the same
 * conversion (checking what Go's decoder checks) and derives a DeviceInfo
 * from the CNI 1.1 `socketPath` / `pciID` interface fields.
 */

import { callback, checkOptionsWith, checkString, type OptionRules, oneOf, text } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import {
  type DeviceInfoIssue,
  type DeviceInfoIssueCode,
  describeIssues,
  IssueCollector,
  makeIssue,
  reportWarnings,
} from "../base/issues.js";
import { decodeGoInt, isJsonText, type JsonTextInput, rawNumberOf, readGoJson } from "../format/_go-text.js";
import { PCI_ADDRESS_PATTERN, SPEC_VERSION } from "../format/fields.js";
import type { DeviceInfo } from "../format/schema.js";
import { describeType, isObject } from "../format/validate.js";
import { foldGoObject, GO_CNI_VERSION, goCNIResultType, goFieldMatcher } from "./_go-decode.js";
import { type GoIP, parseGoCIDR, parseGoIP } from "./_go-ip.js";

/** One interface of a CNI result. */
export interface CNIInterface {
  name?: string | undefined;
  mac?: string | undefined;
  /** CNI 1.1; Go's int (a bigint beyond 2^53). */
  mtu?: number | bigint | undefined;
  /** Set for interfaces inside the pod (the container's network namespace). */
  sandbox?: string | undefined;
  /** CNI 1.1: the socket of a vhost-user interface. */
  socketPath?: string | undefined;
  /** CNI 1.1: the PCI address of the device behind the interface. */
  pciID?: string | undefined;
  [key: string]: unknown;
}

/** One IP configuration of a CNI result (0.3.0 and later). */
export interface CNIIPConfig {
  /** Index into `interfaces`. */
  interface?: number | null | undefined;
  /** CIDR, e.g. `"10.1.1.2/24"`. */
  address?: string | undefined;
  gateway?: string | null | undefined;
  /** 0.3.x and 0.4.0 only. */
  version?: string | undefined;
  [key: string]: unknown;
}

/** One route of a CNI result. */
export interface CNIRoute {
  /** CIDR; a missing `dst`, `0.0.0.0/…` or `::/…` is a default route for Go. */
  dst?: string | undefined;
  gw?: string | null | undefined;
  [key: string]: unknown;
}

/** The DNS settings of a CNI result. */
export interface CNIDNS {
  nameservers?: string[] | null | undefined;
  domain?: string | null | undefined;
  search?: string[] | null | undefined;
  options?: string[] | null | undefined;
  [key: string]: unknown;
}

/** The `ip4` / `ip6` object of a 0.1.0 / 0.2.0 result. */
export interface CNILegacyIPConfig {
  ip?: string | undefined;
  gateway?: string | null | undefined;
  routes?: CNIRoute[] | null | undefined;
  [key: string]: unknown;
}

/**
 * The result a CNI plugin prints on ADD (any version from 0.1.0 to 1.1.0),
 * parsed from JSON. The functions that take one also take the plugin's
 * stdout itself (a string or bytes), which is read exactly: an integer
 * beyond 2^53 (an `mtu`, an interface index) loses its last digits in
 * `JSON.parse`, so such an object is refused; there, pass the text, or the
 * value as a bigint.
 */
export interface CNIResult {
  cniVersion?: string | undefined;
  interfaces?: CNIInterface[] | null | undefined;
  ips?: CNIIPConfig[] | null | undefined;
  routes?: CNIRoute[] | null | undefined;
  dns?: CNIDNS | null | undefined;
  /** 0.1.0 / 0.2.0 only. */
  ip4?: CNILegacyIPConfig | null | undefined;
  /** 0.1.0 / 0.2.0 only. */
  ip6?: CNILegacyIPConfig | null | undefined;
  [key: string]: unknown;
}

/** The CNI result versions Go's `cni100.NewResultFromResult` converts. */
export const CNI_RESULT_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

/** An interface after conversion: Go's zero values for what is missing. */
export interface GoInterface {
  readonly name: string;
  readonly mac: string;
  /** Go's int: a bigint beyond 2^53. */
  readonly mtu: number | bigint;
  readonly sandbox: string;
  readonly socketPath: string;
  readonly pciID: string;
}

/** An IP configuration after conversion. `undefined` is Go's nil. */
export interface GoIPConfig {
  /** Go's `*int`: a bigint beyond 2^53 (an index no interface has). */
  readonly interface: number | bigint | undefined;
  readonly address: GoIP | undefined;
  readonly gateway: GoIP | undefined;
}

/** A route after conversion. `hasDst: false` is a route without `dst`. */
export interface GoRoute {
  readonly hasDst: boolean;
  readonly dst: GoIP | undefined;
  readonly gw: GoIP | undefined;
}

/** A result converted to the 1.x structure, as `cni100.NewResultFromResult` returns it. */
export interface GoResult {
  readonly version: string;
  readonly interfaces: readonly GoInterface[];
  readonly ips: readonly GoIPConfig[];
  readonly routes: readonly GoRoute[];
  readonly dns: { nameservers: string[]; domain: string; search: string[]; options: string[] };
}

type Path = readonly (string | number)[];

/**
 * A struct's fields by Go's key matching (exact, else case-insensitive).
 * Read from an object that {@link foldGoObject} has decoded as Go does, so
 * each field has at most one key; the rules below only matter for objects
 * read without it (the version-independent 1.1 fields).
 */
class GoStruct {
  private readonly parts = new Map<string, { key: string; value: unknown }[]>();

  constructor(
    readonly raw: Record<string, unknown>,
    names: readonly string[],
  ) {
    const match = goFieldMatcher(names);
    for (const key of Object.keys(raw)) {
      const name = match(key);
      if (name === undefined) continue;
      const list = this.parts.get(name) ?? [];
      list.push({ key, value: raw[key] });
      this.parts.set(name, list);
    }
  }

  private chosen(name: string): { key: string; value: unknown } | undefined {
    const list = this.parts.get(name) ?? [];
    // null leaves a string, number or struct field as it was.
    return list.findLast((part) => part.value !== null) ?? list.at(-1);
  }

  /** What a non-pointer field decodes: the last non-null value. */
  value(name: string): unknown {
    return this.chosen(name)?.value;
  }

  /** The key as written (for issue paths). */
  key(name: string): string {
    return this.chosen(name)?.key ?? name;
  }

  /**
   * What a struct or pointer-to-struct field decodes: every object given for
   * it merged in order (Go decodes each into the same struct); for a pointer
   * (`resetOnNull`), null starts over.
   */
  merged(name: string, resetOnNull: boolean): unknown {
    let out: unknown;
    for (const { value } of this.parts.get(name) ?? []) {
      if (value === null) {
        if (resetOnNull) out = null;
      } else if (isObject(value) && isObject(out)) out = { ...out, ...value };
      else out = value;
    }
    return out;
  }
}

/** The issue collector with Go's decoding of each kind of field (every issue is an error: Go's decoder fails). */
class Reader extends IssueCollector {
  constructor() {
    super(true);
  }

  get issues(): DeviceInfoIssue[] {
    return this.errors;
  }

  fail(code: DeviceInfoIssueCode, path: Path, message: string): void {
    this.error(code, path, message);
  }

  /** Field `name` of `s` with its path. */
  at(s: GoStruct, name: string, path: Path): [unknown, Path] {
    return [s.value(name), [...path, s.key(name)]];
  }

  /** Go decodes `null` into a string as "leave it empty". */
  string(value: unknown, path: Path): string {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    this.fail("wrong_type", path, `must be a string, got ${describeType(value)}`);
    return "";
  }

  /**
   * Go's `int` (int64): an integer literal (`1500.0` and `1.5e3` are type
   * errors for Go) within int64. Beyond 2^53 it is a bigint, kept exact.
   */
  integer(s: GoStruct, name: string, path: Path): number | bigint | undefined {
    const value = s.value(name);
    const at = [...path, s.key(name)];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" && typeof value !== "bigint") {
      this.fail("wrong_type", at, `must be an integer, got ${describeType(value)}`);
      return undefined;
    }
    const literal = rawNumberOf(s.raw, s.key(name));
    if (typeof value === "number" && literal === undefined && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      // Not Go's refusal: the caller's JSON.parse rounded the digits before they got here.
      this.fail("wrong_type", at, `${ROUNDED} (${value} is what is left); ${ROUNDED_HINT}`);
      return undefined;
    }
    const decoded = decodeGoInt(value, literal);
    if ("value" in decoded) return decoded.value;
    this.fail("wrong_type", at, decoded.error);
    return undefined;
  }

  stringList(value: unknown, path: Path): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail("wrong_type", path, `must be an array of strings, got ${describeType(value)}`);
      return [];
    }
    return value.map((item, i) => this.string(item, [...path, i]));
  }

  list(value: unknown, path: Path): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.fail("wrong_type", path, `must be an array, got ${describeType(value)}`);
    return [];
  }

  object(value: unknown, path: Path, names: readonly string[]): GoStruct | undefined {
    if (isObject(value)) return new GoStruct(value, names);
    this.fail("not_object", path, `must be an object, got ${describeType(value)}`);
    return undefined;
  }

  /** `net.IP` from JSON: `null` and `""` are nil. */
  ip(value: unknown, path: Path): GoIP | undefined {
    const text = this.string(value, path);
    if (text === "") return undefined;
    const ip = parseGoIP(text);
    if (ip === undefined) this.fail("invalid_ip", path, `"${text}" is not an IP address`);
    return ip;
  }

  /** CNI's `types.IPNet` from JSON: required to parse, `null` included (its UnmarshalJSON runs on null). */
  cidr(value: unknown, path: Path): GoIP | undefined {
    if (typeof value !== "string") {
      this.fail(
        value === null ? "invalid_ip" : "wrong_type",
        path,
        `must be a CIDR string such as "10.1.1.2/24", got ${describeType(value)}`,
      );
      return undefined;
    }
    const ip = parseGoCIDR(value);
    if (ip === undefined) this.fail("invalid_ip", path, `"${value}" is not an address with a prefix length, such as "10.1.1.2/24"`);
    return ip;
  }

  /**
   * CNI's `types.Route` (its UnmarshalJSON): `dst`, `gw` and the integer
   * fields `mtu`, `advmss`, `priority`, `table`, `scope`. A `null` route is
   * a zero Route (a default route without gateway) where the slice holds
   * values (0.1.0 and 0.2.0); where it holds pointers (0.3.0 and later) Go's
   * CreateNetworkStatus dereferences it and panics, so it is skipped here.
   */
  routes(value: unknown, path: Path, nullIsZero: boolean): GoRoute[] {
    const out: GoRoute[] = [];
    this.list(value, path).forEach((raw, i) => {
      if (raw === null) {
        if (nullIsZero) out.push({ hasDst: false, dst: undefined, gw: undefined });
        return;
      }
      const at = [...path, i];
      const route = this.object(raw, at, ROUTE_FIELDS);
      if (route === undefined) return;
      for (const name of ["mtu", "advmss", "priority", "table", "scope"]) this.integer(route, name, at);
      const hasDst = route.value("dst") !== undefined;
      const dst = hasDst ? this.cidr(...this.at(route, "dst", at)) : undefined;
      out.push({ hasDst, dst, gw: this.ip(...this.at(route, "gw", at)) });
    });
    return out;
  }

  dns(value: unknown, path: Path): GoResult["dns"] {
    const dns = { nameservers: [] as string[], domain: "", search: [] as string[], options: [] as string[] };
    if (value === undefined || value === null) return dns;
    const d = this.object(value, path, DNS_FIELDS);
    // (A merged dns object is a new object: string lists hold no numbers whose literal matters.)
    if (d === undefined) return dns;
    dns.nameservers = this.stringList(...this.at(d, "nameservers", path));
    dns.domain = this.string(...this.at(d, "domain", path));
    dns.search = this.stringList(...this.at(d, "search", path));
    dns.options = this.stringList(...this.at(d, "options", path));
    return dns;
  }
}

// The JSON fields of the Go structs (types020, types040, types100 and types).
const RESULT_FIELDS = ["cniVersion", "interfaces", "ips", "routes", "dns", "ip4", "ip6"] as const;
const LEGACY_IP_FIELDS = ["ip", "gateway", "routes"] as const;
const INTERFACE_FIELDS = ["name", "mac", "mtu", "sandbox", "socketPath", "pciID"] as const;
const IP_FIELDS = ["version", "interface", "address", "gateway"] as const;
const ROUTE_FIELDS = ["dst", "gw", "mtu", "advmss", "priority", "table", "scope"] as const;
const DNS_FIELDS = ["nameservers", "domain", "search", "options"] as const;

/** Options of {@link readCNIResult}, {@link createNetworkStatus} and the other readers of CNI results. */
export interface ReadCNIResultOptions {
  /**
   * The network configuration's `cniVersion`, for a result that has none:
   * libcni (`fixupResultVersion`) reads such a result as the configuration's
   * version. Without it, Go's `create.CreateFromBytes` rule applies: a
   * missing or empty `cniVersion` is 0.1.0 (whose `ip4` / `ip6` are read).
   */
  confVersion?: string | undefined;
}

/** The rule of each {@link ReadCNIResultOptions} option. @internal */
export const READ_CNI_RESULT_OPTION_RULES: OptionRules<ReadCNIResultOptions> = { confVersion: text };

/**
 * Reads a CNI result (an object, or its JSON text) into the 1.x structure Go
 * converts every version to, decoding it as Go's encoding/json does (keys
 * matched case-insensitively, integer fields as Go's `int`). The version is
 * the result's `cniVersion`; a result without one is 0.1.0 (Go's
 * `create.CreateFromBytes`), or `options.confVersion` (libcni). Throws
 * `ERR_DEVINFO_PARSE` for text that is not JSON and `ERR_DEVINFO_INVALID`
 * for what Go's decoder or converter rejects.
 *
 * @internal
 */
export function readCNIResult(input: CNIResult | string | Uint8Array, options: ReadCNIResultOptions = {}): GoResult {
  return decodeCNIResult(isJsonText(input) ? parseResultText(input) : input, options).result;
}

/**
 * {@link readCNIResult} of a parsed result, with the result as Go's decoder
 * sees it: case-variant duplicate keys decoded into one (objects merged,
 * `null` ignored or resetting, as Go does; see `_go-decode.ts`).
 *
 * @internal
 */
export function decodeCNIResult(doc: unknown, options: ReadCNIResultOptions = {}): { result: GoResult; decoded: Record<string, unknown> } {
  const r = new Reader();
  if (r.object(doc, [], RESULT_FIELDS) === undefined) throw invalidResult(r.issues);
  const raw = doc as Record<string, unknown>;

  // Go reads the version first (version.ConfigDecoder), then the struct of that version.
  // (Case-variant keys and nulls are no fault in a result: only errors are reported.)
  const versioned = new GoStruct(foldGoObject(raw, GO_CNI_VERSION, [], r, false), RESULT_FIELDS);
  // libcni looks at the exact key; Go's decoders match it case-insensitively.
  const exact = raw.cniVersion;
  const useConf = options.confVersion !== undefined && !(typeof exact === "string" && exact !== "");
  const decodedVersion = r.string(...r.at(versioned, "cniVersion", []));
  if (r.failed) throw invalidResult(r.issues);
  const version = useConf ? (options.confVersion as string) : decodedVersion === "" ? "0.1.0" : decodedVersion;
  if (!(CNI_RESULT_VERSIONS as readonly string[]).includes(version)) {
    r.fail(
      "unsupported_version",
      [versioned.key("cniVersion")],
      `CNI result version "${version}" is not one Go converts (${CNI_RESULT_VERSIONS.join(", ")})`,
    );
    throw invalidResult(r.issues);
  }
  const decoded = foldGoObject(raw, goCNIResultType(version), [], r, false);
  const result = new GoStruct(decoded, RESULT_FIELDS);

  const interfaces: GoInterface[] = [];
  const ips: GoIPConfig[] = [];
  let routes: GoRoute[] = [];
  if (version === "0.1.0" || version === "0.2.0") {
    // No interfaces; ip4 then ip6, unindexed, with their routes (types040 convertFrom02x).
    for (const key of ["ip4", "ip6"] as const) {
      const raw = result.merged(key, true);
      const at = [result.key(key)];
      if (raw === undefined || raw === null) continue;
      const config = r.object(raw, at, LEGACY_IP_FIELDS);
      if (config === undefined) continue;
      // A missing "ip" is Go's zero IPNet, which prints as "<nil>"; null is an error.
      const ip = config.value("ip");
      ips.push({
        interface: undefined,
        address: ip === undefined ? undefined : r.cidr(...r.at(config, "ip", at)),
        gateway: r.ip(...r.at(config, "gateway", at)),
      });
      routes.push(...r.routes(...r.at(config, "routes", at), true));
    }
  } else {
    // 0.3.x and 0.4.0 interfaces have no mtu, socketPath or pciID: Go's 040 struct drops them.
    const modern = version.startsWith("1.");
    const [list, listAt] = r.at(result, "interfaces", []);
    r.list(list, listAt).forEach((raw, i) => {
      const path = [...listAt, i];
      if (raw === null) {
        // Go's nil *Interface (CreateNetworkStatuses would panic on it): a placeholder keeps the indexes right.
        interfaces.push({ name: "", mac: "", mtu: 0, sandbox: "", socketPath: "", pciID: "" });
        return;
      }
      const iface = r.object(raw, path, INTERFACE_FIELDS);
      if (iface === undefined) return;
      interfaces.push({
        name: r.string(...r.at(iface, "name", path)),
        mac: r.string(...r.at(iface, "mac", path)),
        mtu: modern ? (r.integer(iface, "mtu", path) ?? 0) : 0,
        sandbox: r.string(...r.at(iface, "sandbox", path)),
        socketPath: modern ? r.string(...r.at(iface, "socketPath", path)) : "",
        pciID: modern ? r.string(...r.at(iface, "pciID", path)) : "",
      });
    });
    const [ipList, ipsAt] = r.at(result, "ips", []);
    r.list(ipList, ipsAt).forEach((raw, i) => {
      const path = [...ipsAt, i];
      const config = r.object(raw, path, IP_FIELDS);
      if (config === undefined) return;
      // 0.3.x and 0.4.0 carry a string "version"; 1.x has no such field.
      if (!modern) r.string(...r.at(config, "version", path));
      const index = r.integer(config, "interface", path);
      ips.push({
        interface: index,
        // A missing address is Go's zero IPNet, which prints as "<nil>"; null is an error.
        address: config.value("address") === undefined ? undefined : r.cidr(...r.at(config, "address", path)),
        gateway: r.ip(...r.at(config, "gateway", path)),
      });
    });
    routes = r.routes(...r.at(result, "routes", []), false);
  }
  const dns = r.dns(result.merged("dns", false), [result.key("dns")]);

  if (r.issues.length > 0) throw invalidResult(r.issues);
  return { result: { version, interfaces, ips, routes, dns }, decoded };
}

/**
 * The `cniVersion` Go's decoder reads from a result object: the exact key
 * or a case variant, decoded in turn (the last non-null one wins); `""` when
 * there is none or it is not a string.
 *
 * @internal
 */
export function decodedCNIVersion(raw: Record<string, unknown>): string {
  const value = new GoStruct(foldGoObject(raw, GO_CNI_VERSION, [], new Reader(), false), RESULT_FIELDS).value("cniVersion");
  return typeof value === "string" ? value : "";
}

/**
 * A CNI result's JSON text, read by the one Go-compatible reader.
 *
 * @internal
 */
export function parseResultText(text: JsonTextInput): unknown {
  return readGoJson(text, {
    what: "the CNI result",
    hint: "pass what the plugin printed on stdout, or the object parsed from it",
  });
}

// An object whose integer JSON.parse rounded: the fault is the caller's parsing, not the plugin's output.
const ROUNDED = "an integer beyond 2^53 loses its last digits in JSON.parse";
const ROUNDED_HINT =
  "pass the plugin's output as text (a string or bytes), which is read exactly (beyond 2^53 as a bigint), or put a bigint there";

function invalidResult(issues: DeviceInfoIssue[]): DeviceInfoError {
  const rounded = issues.some((issue) => issue.message.startsWith(ROUNDED) || issue.message.includes("beyond 2^53: pass it as a bigint"));
  const tail = rounded
    ? "The digits were lost before the result got here (Go reads the plugin's text, where they are all kept)"
    : "Go's decoder rejects such a result too; fix the plugin's output";
  return new DeviceInfoError("ERR_DEVINFO_INVALID", `invalid CNI result: ${describeIssues(issues)}. ${tail}`, { issues });
}

/** Options of {@link deviceInfoFromCNIResult}. */
export interface DeviceInfoFromCNIResultOptions extends ReadCNIResultOptions {
  /**
   * The `mode` written for a `socketPath` (the spec requires one; a CNI
   * result does not say). Default `"client"`: a socket reported by ADD
   * exists already, so the host side created it and the workload connects.
   */
  vhostUserMode?: "client" | "server" | undefined;
  /**
   * Called for a `pciID` that is not a PCI address (`dddd:BB:DD.f`), such as
   * the vendor:device ID `"8086:9a01"`: it is reported, never turned into a
   * `pci-address`.
   */
  onWarning?: ((warning: DeviceInfoIssue) => void) | undefined;
}

/** The rule of each {@link DeviceInfoFromCNIResultOptions} option. @internal */
export const FROM_CNI_RESULT_OPTION_RULES: OptionRules<DeviceInfoFromCNIResultOptions> = {
  vhostUserMode: oneOf("client", "server"),
  ...READ_CNI_RESULT_OPTION_RULES,
  onWarning: callback,
};

/** {@link deviceInfoFromCNIResult}'s arguments (the CNI result is data: any value, checked as a result). */
function checkFromResultArgs(ifName: unknown, options: DeviceInfoFromCNIResultOptions | undefined): void {
  if (ifName !== undefined) checkString(ifName, "ifName");
  checkOptionsWith(options, FROM_CNI_RESULT_OPTION_RULES);
}

/**
 * Derives a DeviceInfo from the CNI 1.1 interface fields `socketPath`
 * (a vhost-user socket) and `pciID` (a PCI address), for a meta-plugin whose
 * CNI plugin reported them instead of writing a device-info file.
 *
 * The interface is the one named `ifName` (a sandbox interface preferred
 * when several share the name), else the first sandbox interface with either
 * field, else the first interface with either field. `socketPath` wins over
 * `pciID` (the workload talks to the socket). Only a `pciID` in PCI address
 * form (`dddd:BB:DD.f`) becomes a `pci-address`; any other value (the CNI
 * library's own tests put a vendor:device ID such as `"8086:9a01"` there) is
 * reported through `onWarning` (code `invalid_pci_address`) and nothing is
 * derived from it. The fields are read whatever the result's `cniVersion`,
 * with Go's case-insensitive keys. Returns `undefined` when there is nothing
 * to derive.
 *
 * @param cniResult - the plugin's stdout (a string or bytes), or the object parsed from it
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` / `ERR_DEVINFO_INVALID`
 *   for a malformed result (an object whose integer `JSON.parse` rounded included).
 *
 * @example
 * ```ts
 * // stdout: {"cniVersion":"1.1.0","interfaces":[{"name":"net1","sandbox":"/var/run/netns/x","pciID":"0000:af:06.0"}]}
 * const info = deviceInfoFromCNIResult(stdout, "net1");
 * // { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } }
 * ```
 */
export function deviceInfoFromCNIResult(
  cniResult: CNIResult | string | Uint8Array,
  ifName?: string,
  options: DeviceInfoFromCNIResultOptions = {},
): DeviceInfo | undefined {
  checkFromResultArgs(ifName, options);
  const doc = isJsonText(cniResult) ? parseResultText(cniResult) : cniResult;
  // Validate the whole result as Go would, but read the 1.1 fields from the
  // interfaces as decoded: a 0.4.0-labelled result that carries them still means them.
  const { decoded } = decodeCNIResult(doc, options);
  const top = new GoStruct(decoded, RESULT_FIELDS);
  const list = top.value("interfaces");
  const interfaces = (Array.isArray(list) ? list : []).flatMap((raw: unknown, index) => {
    if (!isObject(raw)) return [];
    const iface = new GoStruct(raw, INTERFACE_FIELDS);
    const text = (name: string) => {
      const value = iface.value(name);
      return typeof value === "string" ? value : "";
    };
    const path = [top.key("interfaces"), index, iface.key("pciID")];
    return [{ name: text("name"), sandbox: text("sandbox"), socketPath: text("socketPath"), pciID: text("pciID"), path }];
  });
  const useful = (i: (typeof interfaces)[number]) => i.socketPath !== "" || i.pciID !== "";
  let chosen: (typeof interfaces)[number] | undefined;
  if (ifName !== undefined) {
    const named = interfaces.filter((i) => i.name === ifName);
    chosen = named.find((i) => i.sandbox !== "") ?? named[0];
  } else {
    chosen = interfaces.find((i) => i.sandbox !== "" && useful(i)) ?? interfaces.find(useful);
  }
  if (chosen === undefined || !useful(chosen)) return undefined;
  if (chosen.socketPath !== "") {
    return {
      type: "vhost-user",
      version: SPEC_VERSION,
      "vhost-user": { mode: options.vhostUserMode ?? "client", path: chosen.socketPath },
    };
  }
  if (!PCI_ADDRESS_PATTERN.test(chosen.pciID)) {
    const warning = makeIssue(
      "warning",
      "invalid_pci_address",
      chosen.path,
      `pciID "${chosen.pciID}" is not a PCI address in dddd:BB:DD.f form (a vendor:device ID?); no device-info is derived from it`,
    );
    reportWarnings([warning], options.onWarning);
    return undefined;
  }
  return { type: "pci", version: SPEC_VERSION, pci: { "pci-address": chosen.pciID } };
}
