/**
 * Building network-status entries (spec section 6) from a CNI result, as the
 * Go reference's `CreateNetworkStatus` and `CreateNetworkStatuses` (what
 * Multus calls) build them.
 */

import { checkBoolean, checkOptionsWith, checkString, flag, type OptionRules } from "../base/args.js";
import type { DeviceInfo } from "../format/schema.js";
import { formatGoIP, isUnspecified } from "./_go-ip.js";
import { DNS_FIELDS, entryObject, type Json, normalizeDeviceInfo, STATUS_FIELDS } from "./_status-fields.js";
import { type CNIResult, type GoResult, READ_CNI_RESULT_OPTION_RULES, type ReadCNIResultOptions, readCNIResult } from "./cni-result.js";
import type { NetworkStatus } from "./schema.js";

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

/** The rule of each {@link CreateNetworkStatusOptions} option. @internal */
export const CREATE_NETWORK_STATUS_OPTION_RULES: OptionRules<CreateNetworkStatusOptions> = {
  omitNil: flag,
  keepWithoutSandbox: flag,
  ...READ_CNI_RESULT_OPTION_RULES,
};

/** {@link createNetworkStatus} / {@link createNetworkStatuses} (the CNI result and the device-info are data, checked as such). */
function checkCreateStatusArgs(networkName: unknown, isDefault: unknown, options: CreateNetworkStatusOptions | undefined): void {
  checkString(networkName, "networkName");
  checkBoolean(isDefault, "isDefault");
  checkOptionsWith(options, CREATE_NETWORK_STATUS_OPTION_RULES);
}

/** The entry's fields by their JSON keys, with Go's omissions applied. */
function buildStatus(fields: Readonly<Record<string, unknown>>): NetworkStatus {
  return entryObject(STATUS_FIELDS, fields) as NetworkStatus;
}

function buildDNS(dns: GoResult["dns"]): Json {
  return entryObject(DNS_FIELDS, dns);
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
    "device-info": dev,
    gateway: defaultGateways(result, omitNil),
  });
}

/** Both builders' arguments, checked and read: Go's result, the device-info to embed, and `omitNil`. */
function readArgs(
  cniResult: CNIResult | string | Uint8Array,
  networkName: unknown,
  isDefault: unknown,
  deviceInfo: DeviceInfo | undefined,
  options: CreateNetworkStatusOptions,
): { result: GoResult; dev: Json | undefined; omitNil: boolean } {
  checkCreateStatusArgs(networkName, isDefault, options);
  return {
    result: readCNIResult(cniResult, options),
    dev: normalizeDeviceInfo(deviceInfo, ["device-info"]),
    omitNil: options.omitNil === true,
  };
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
 * @param cniResult - the result the plugin printed: its JSON text as a string or bytes (read exactly,
 *   integers beyond 2^53 as bigints), or the parsed object (where `JSON.parse` has already rounded
 *   such an integer: refused with `ERR_DEVINFO_INVALID`, saying to pass the text)
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
 * const status = createNetworkStatus(stdout, "default/sriov-net1", false, deviceInfo); // the plugin's text: every digit kept
 * ```
 */
export function createNetworkStatus(
  cniResult: CNIResult | string | Uint8Array,
  networkName: string,
  isDefault: boolean,
  deviceInfo?: DeviceInfo,
  options: CreateNetworkStatusOptions = {},
): NetworkStatus {
  const { result, dev, omitNil } = readArgs(cniResult, networkName, isDefault, deviceInfo, options);
  return single(result, networkName, isDefault, dev, omitNil);
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
 * @param cniResult - the result the plugin printed: its JSON text as a string or bytes (read exactly,
 *   integers beyond 2^53 as bigints), or the parsed object (where `JSON.parse` has already rounded
 *   such an integer: refused with `ERR_DEVINFO_INVALID`, saying to pass the text)
 * @param networkName - each entry's `name` (Multus uses `namespace/name`)
 * @param isDefault - whether this is the pod's default network
 * @param deviceInfo - the device-info to embed in every entry
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for text that is not JSON,
 *   `ERR_DEVINFO_INVALID` for a result Go would reject or an unusable deviceInfo.
 *
 * @example
 * ```ts
 * const statuses = createNetworkStatuses(stdout, "default/sriov-net1", false, deviceInfo, { omitNil: true });
 * ```
 */
export function createNetworkStatuses(
  cniResult: CNIResult | string | Uint8Array,
  networkName: string,
  isDefault: boolean,
  deviceInfo?: DeviceInfo,
  options: CreateNetworkStatusOptions = {},
): NetworkStatus[] {
  const { result, dev, omitNil } = readArgs(cniResult, networkName, isDefault, deviceInfo, options);
  if (result.interfaces.length === 1) return [single(result, networkName, isDefault, dev, omitNil)];

  const gateway = defaultGateways(result, omitNil);
  // Go's int: an index beyond 2^53 (a bigint) names no interface, and is not -1 either.
  let gatewayInterface: number | bigint = -1;
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
    const target = ip.interface === undefined ? last : typeof ip.interface === "bigint" ? undefined : draftOf.get(ip.interface);
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
      "device-info": normalizeDeviceInfo(dev, ["device-info"]),
      gateway,
    }),
  );
}
