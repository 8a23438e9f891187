/**
 * CNI results as the Go reference sees them: whatever the version a plugin
 * printed, `cni100.NewResultFromResult` converts it to the 1.x structure, and
 * only then does `CreateNetworkStatus(es)` read it. This module does the same
 * conversion (checking what Go's decoder checks) and derives a DeviceInfo
 * from the CNI 1.1 `socketPath` / `pciID` interface fields.
 */

import { checkFromResultArgs } from "../_options.js";
import { DeviceInfoError } from "../errors.js";
import { isJsonText, type JsonTextInput, readGoJson } from "../format/_go-text.js";
import { SPEC_VERSION } from "../format/fields.js";
import { type DeviceInfoIssue, type DeviceInfoIssueCode, describeIssues, IssueCollector } from "../format/issues.js";
import type { DeviceInfo } from "../format/schema.js";
import { describeType, isObject } from "../format/validate.js";
import { type GoIP, parseGoCIDR, parseGoIP } from "./_go-ip.js";

/** One interface of a CNI result. */
export interface CNIInterface {
  name?: string | undefined;
  mac?: string | undefined;
  /** CNI 1.1. */
  mtu?: number | undefined;
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
 * parsed from JSON. Pass what `JSON.parse(stdout)` returns.
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
  readonly mtu: number;
  readonly sandbox: string;
  readonly socketPath: string;
  readonly pciID: string;
}

/** An IP configuration after conversion. `undefined` is Go's nil. */
export interface GoIPConfig {
  readonly interface: number | undefined;
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

  /** Go decodes `null` into a string as "leave it empty". */
  string(value: unknown, path: Path): string {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    this.fail("wrong_type", path, `must be a string, got ${describeType(value)}`);
    return "";
  }

  integer(value: unknown, path: Path): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" && Number.isInteger(value)) return value;
    this.fail("wrong_type", path, `must be an integer, got ${typeof value === "number" ? String(value) : describeType(value)}`);
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

  object(value: unknown, path: Path): Record<string, unknown> | undefined {
    if (isObject(value)) return value;
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

  routes(value: unknown, path: Path): GoRoute[] {
    const out: GoRoute[] = [];
    this.list(value, path).forEach((raw, i) => {
      if (raw === null) return; // Go: a nil *Route, skipped by its conversions
      const route = this.object(raw, [...path, i]);
      if (route === undefined) return;
      const hasDst = route.dst !== undefined;
      const dst = hasDst ? this.cidr(route.dst, [...path, i, "dst"]) : undefined;
      out.push({ hasDst, dst, gw: this.ip(route.gw, [...path, i, "gw"]) });
    });
    return out;
  }
}

/**
 * Reads a CNI result (an object, or its JSON text) into the 1.x structure Go
 * converts every version to. Throws `ERR_DEVINFO_PARSE` for text that is not
 * JSON and `ERR_DEVINFO_INVALID` for what Go's decoder or converter rejects.
 */
export function readCNIResult(input: CNIResult | string | Uint8Array): GoResult {
  const doc = isJsonText(input) ? parseResultText(input) : input;
  const r = new Reader();
  const result = r.object(doc, []);
  if (result === undefined) throw invalidResult(r.issues);

  const rawVersion = r.string(result.cniVersion, ["cniVersion"]);
  // Go's 1.x Result assumes its newest version when cniVersion is empty.
  const version = rawVersion === "" ? "1.1.0" : rawVersion;
  if (!(CNI_RESULT_VERSIONS as readonly string[]).includes(version)) {
    r.fail(
      "unsupported_version",
      ["cniVersion"],
      `CNI result version "${version}" is not one Go converts (${CNI_RESULT_VERSIONS.join(", ")})`,
    );
    throw invalidResult(r.issues);
  }

  const interfaces: GoInterface[] = [];
  const ips: GoIPConfig[] = [];
  let routes: GoRoute[] = [];
  if (version === "0.1.0" || version === "0.2.0") {
    // No interfaces; ip4 then ip6, unindexed, with their routes (types040 convertFrom02x).
    for (const key of ["ip4", "ip6"] as const) {
      const raw = result[key];
      if (raw === undefined || raw === null) continue;
      const config = r.object(raw, [key]);
      if (config === undefined) continue;
      ips.push({ interface: undefined, address: r.cidr(config.ip, [key, "ip"]), gateway: r.ip(config.gateway, [key, "gateway"]) });
      routes.push(...r.routes(config.routes, [key, "routes"]));
    }
  } else {
    // 0.3.x and 0.4.0 interfaces have no mtu, socketPath or pciID: Go's 040 struct drops them.
    const modern = version.startsWith("1.");
    r.list(result.interfaces, ["interfaces"]).forEach((raw, i) => {
      const path = ["interfaces", i];
      if (raw === null) {
        interfaces.push({ name: "", mac: "", mtu: 0, sandbox: "", socketPath: "", pciID: "" });
        return;
      }
      const iface = r.object(raw, path);
      if (iface === undefined) return;
      interfaces.push({
        name: r.string(iface.name, [...path, "name"]),
        mac: r.string(iface.mac, [...path, "mac"]),
        mtu: modern ? (r.integer(iface.mtu, [...path, "mtu"]) ?? 0) : 0,
        sandbox: r.string(iface.sandbox, [...path, "sandbox"]),
        socketPath: modern ? r.string(iface.socketPath, [...path, "socketPath"]) : "",
        pciID: modern ? r.string(iface.pciID, [...path, "pciID"]) : "",
      });
    });
    r.list(result.ips, ["ips"]).forEach((raw, i) => {
      const path = ["ips", i];
      const config = r.object(raw, path);
      if (config === undefined) return;
      ips.push({
        interface: r.integer(config.interface, [...path, "interface"]),
        // A missing address is Go's zero IPNet, which prints as "<nil>"; null is an error.
        address: config.address === undefined ? undefined : r.cidr(config.address, [...path, "address"]),
        gateway: r.ip(config.gateway, [...path, "gateway"]),
      });
    });
    routes = r.routes(result.routes, ["routes"]);
  }

  const dnsRaw = result.dns;
  const dns = { nameservers: [] as string[], domain: "", search: [] as string[], options: [] as string[] };
  if (dnsRaw !== undefined && dnsRaw !== null) {
    const d = r.object(dnsRaw, ["dns"]);
    if (d !== undefined) {
      dns.nameservers = r.stringList(d.nameservers, ["dns", "nameservers"]);
      dns.domain = r.string(d.domain, ["dns", "domain"]);
      dns.search = r.stringList(d.search, ["dns", "search"]);
      dns.options = r.stringList(d.options, ["dns", "options"]);
    }
  }

  if (r.issues.length > 0) throw invalidResult(r.issues);
  return { version, interfaces, ips, routes, dns };
}

function parseResultText(text: JsonTextInput): unknown {
  return readGoJson(text, {
    what: "the CNI result",
    hint: "pass what the plugin printed on stdout, or the object parsed from it",
  });
}

function invalidResult(issues: DeviceInfoIssue[]): DeviceInfoError {
  return new DeviceInfoError(
    "ERR_DEVINFO_INVALID",
    `invalid CNI result: ${describeIssues(issues)}. Go's decoder rejects such a result too; fix the plugin's output`,
    { issues },
  );
}

/** Options of {@link deviceInfoFromCNIResult}. */
export interface DeviceInfoFromCNIResultOptions {
  /**
   * The `mode` written for a `socketPath` (the spec requires one; a CNI
   * result does not say). Default `"client"`: a socket reported by ADD
   * exists already, so the host side created it and the workload connects.
   */
  vhostUserMode?: "client" | "server" | undefined;
}

/**
 * Derives a DeviceInfo from the CNI 1.1 interface fields `socketPath`
 * (a vhost-user socket) and `pciID` (a PCI address), for a meta-plugin whose
 * CNI plugin reported them instead of writing a device-info file.
 *
 * The interface is the one named `ifName` (a sandbox interface preferred
 * when several share the name), else the first sandbox interface with either
 * field, else the first interface with either field. `socketPath` wins over
 * `pciID` (the workload talks to the socket). The fields are read whatever
 * the result's `cniVersion`. Returns `undefined` when there is nothing to
 * derive.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` / `ERR_DEVINFO_INVALID`
 *   for a malformed result.
 *
 * @example
 * ```ts
 * const result = JSON.parse(stdout); // { cniVersion: "1.1.0", interfaces: [{ name: "net1", sandbox: "/var/run/netns/x", pciID: "0000:af:06.0" }] }
 * const info = deviceInfoFromCNIResult(result, "net1");
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
  // Validate the whole result as Go would, but read the 1.1 fields from the raw
  // interfaces: a 0.4.0-labelled result that carries them still means them.
  readCNIResult(doc as CNIResult);
  const raw = (doc as CNIResult).interfaces ?? [];
  const interfaces = raw.filter(isObject).map((iface) => ({
    name: typeof iface.name === "string" ? iface.name : "",
    sandbox: typeof iface.sandbox === "string" ? iface.sandbox : "",
    socketPath: typeof iface.socketPath === "string" ? iface.socketPath : "",
    pciID: typeof iface.pciID === "string" ? iface.pciID : "",
  }));
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
  return { type: "pci", version: SPEC_VERSION, pci: { "pci-address": chosen.pciID } };
}
