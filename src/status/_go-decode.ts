/**
 * The Go structs that the readers of src/status decode Go-written JSON into
 * (the annotation, CNI results, KubeVirt's network-info), as types of the
 * one decoder, `format/_go-decode.ts`, which this module re-exports for them.
 *
 * @internal
 */

import { GO_CNI_VERSION, GO_DEVICE_INFO, type GoStructType, type GoTextType, type GoType } from "../format/_go-decode.js";
import { parseGoCIDR, parseGoIP } from "./_go-ip.js";

export {
  foldGoObject,
  GO_CNI_VERSION,
  GO_DEVICE_INFO,
  type GoSliceType,
  type GoStructType,
  type GoType,
  goFieldMatcher,
} from "../format/_go-decode.js";

/** Go's `net.IP` (its UnmarshalText): an address string, `""` for nil; `null` is nil. */
const IP: GoTextType = {
  accepts: (value) => value === "" || parseGoIP(value) !== undefined,
  expected: "an IP address",
  json: "an IP address string",
  code: "invalid_ip",
};

/** CNI's `types.IPNet`: its UnmarshalJSON refuses `null` and anything but an address with a prefix length. */
const CIDR: GoTextType = {
  accepts: (value) => parseGoCIDR(value) !== undefined,
  expected: 'an address with a prefix length, such as "10.1.1.2/24"',
  json: 'a CIDR string such as "10.1.1.2/24"',
  code: "invalid_ip",
  refusesNull: true,
};

/** CNI's and the NPWG's `DNS`: a struct value (`null` leaves it as it was). */
export const GO_DNS: GoStructType = {
  fields: { nameservers: { slice: "string" }, domain: "string", search: { slice: "string" }, options: { slice: "string" } },
};

/** The NPWG's `v1.NetworkStatus`. */
export const GO_NETWORK_STATUS: GoStructType = {
  fields: {
    name: "string",
    interface: "string",
    ips: { slice: "string" },
    mac: "string",
    mtu: "int",
    default: "bool",
    dns: GO_DNS,
    "device-info": GO_DEVICE_INFO,
    gateway: { slice: "string" },
  },
};

/** KubeVirt's downward-API `NetworkInfo` (`interfaces` a slice of struct values). */
export const GO_KUBEVIRT_NETWORK_INFO: GoStructType = {
  fields: {
    interfaces: { slice: { fields: { network: "string", deviceInfo: GO_DEVICE_INFO, mac: "string", mtu: "int" } } },
  },
};

/** CNI's `types.Route` (its UnmarshalJSON starts afresh); `pointer` in 0.3.0 and later. */
function cniRoute(pointer: boolean): GoStructType {
  const fields: Record<string, GoType> = {
    dst: CIDR,
    gw: IP,
    mtu: "int",
    advmss: "int",
    priority: "int",
    table: "intPtr",
    scope: "intPtr",
  };
  return pointer ? { pointer: true, replaced: true, fields } : { replaced: true, fields };
}

const LEGACY_IP_CONFIG: GoStructType = {
  pointer: true,
  replaced: true,
  fields: { ip: CIDR, gateway: IP, routes: { slice: cniRoute(false) } },
};

/** types020.Result (0.1.0, 0.2.0). */
const CNI_RESULT_020: GoStructType = {
  fields: { ip4: LEGACY_IP_CONFIG, ip6: LEGACY_IP_CONFIG, dns: GO_DNS },
};

/** types040.Result (0.3.0, 0.3.1, 0.4.0). */
const CNI_RESULT_040: GoStructType = {
  fields: {
    interfaces: { slice: { pointer: true, fields: { name: "string", mac: "string", sandbox: "string" } } },
    ips: { slice: { pointer: true, replaced: true, fields: { version: "string", interface: "intPtr", address: CIDR, gateway: IP } } },
    routes: { slice: cniRoute(true) },
    dns: GO_DNS,
  },
};

/** types100.Result (1.0.0, 1.1.0). */
const CNI_RESULT_100: GoStructType = {
  fields: {
    interfaces: {
      slice: {
        pointer: true,
        fields: { name: "string", mac: "string", mtu: "int", sandbox: "string", socketPath: "string", pciID: "string" },
      },
    },
    ips: { slice: { pointer: true, replaced: true, fields: { interface: "intPtr", address: CIDR, gateway: IP } } },
    routes: { slice: cniRoute(true) },
    dns: GO_DNS,
  },
};

/**
 * The Go struct a CNI result of `version` is decoded into, without
 * `cniVersion` (read first, with {@link GO_CNI_VERSION}, and reported once).
 */
export function goCNIResultType(version: string): GoStructType {
  if (version === "0.1.0" || version === "0.2.0") return CNI_RESULT_020;
  return version.startsWith("1.") ? CNI_RESULT_100 : CNI_RESULT_040;
}
