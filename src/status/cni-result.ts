/**
 * CNI results as the Go reference sees them: whatever the version a plugin
 * printed, `cni100.NewResultFromResult` converts it to the 1.x structure, and
 * only then does `CreateNetworkStatus(es)` read it. This module does the same
 * conversion (checking what Go's decoder checks) and derives a DeviceInfo
 * from the CNI 1.1 `socketPath` / `pciID` interface fields.
 */

import { callback, checkOptionsWith, checkString, type OptionRules, oneOf, text } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, describeIssues, makeIssue, reportWarnings } from "../base/issues.js";
import { isJsonText, type JsonTextInput, readGoJson } from "../format/_go-text.js";
import { PCI_ADDRESS_PATTERN, SPEC_VERSION } from "../format/fields.js";
import type { DeviceInfo } from "../format/schema.js";
import { isObject } from "../format/validate.js";
import {
  type GoInterface,
  type GoIPConfig,
  type GoResult,
  type GoRoute,
  GoStruct,
  INTERFACE_FIELDS,
  IP_FIELDS,
  LEGACY_IP_FIELDS,
  RESULT_FIELDS,
  Reader,
  ROUNDED,
} from "./_cni-result-reader.js";
import { foldGoObject, GO_CNI_VERSION, goCNIResultType } from "./_go-decode.js";

export type { GoInterface, GoIPConfig, GoResult, GoRoute } from "./_cni-result-reader.js";

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
