/**
 * ResourceClaim device status (KEP-4817, `resource.k8s.io/v1`
 * `AllocatedDeviceStatus`): what a DRA network driver reports for a device
 * once the pod's interface is attached — the cluster-wide counterpart of the
 * `k8s.v1.cni.cncf.io/network-status` annotation — built from a CNI result,
 * and read back as network-status entries.
 *
 * | network-status / CNI result | `AllocatedDeviceStatus` |
 * | --- | --- |
 * | the interface's `name` | `networkData.interfaceName` (≤ 256 bytes) |
 * | its IPs (`ips[].address`, with their prefix) | `networkData.ips` (≤ 16, canonical CIDR) |
 * | its `mac` | `networkData.hardwareAddress` (≤ 128 bytes) |
 * | `device-info` | `data` (the document itself, ≤ 10 KiB of JSON) |
 * | DNS, gateways, routes, MTU, `default` | nothing: `NetworkDeviceData` has no field for them |
 */

import {
  callback,
  checkObject,
  checkOptionsOrEmpty,
  checkOptionsWith,
  checkString,
  invalidArgType,
  invalidArgValue,
  type OptionRules,
  optionalObject,
  optionalString,
} from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { readGoJson } from "../format/_go-text.js";
import { parseDeviceInfo } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { serializeDeviceInfo } from "../format/serialize.js";
import { checkDeviceInfo, describeType, isObject } from "../format/validate.js";
import { formatGoIP, parseGoCIDR } from "../status/_go-ip.js";
import { type CNIResult, decodedCNIVersion, deviceInfoFromCNIResult, parseResultText, readCNIResult } from "../status/cni-result.js";
import { parseNetworkStatusAnnotation } from "../status/parse-network-status.js";
import type { NetworkStatus } from "../status/schema.js";
import {
  byteLength,
  DEVICE_STATUS_DATA_MAX_LENGTH,
  type DraWarning,
  NETWORK_HARDWARE_ADDRESS_MAX_LENGTH,
  NETWORK_INTERFACE_NAME_MAX_LENGTH,
  NETWORK_MAX_IPS,
} from "./limits.js";
import type { AllocatedDeviceStatus, DeviceCondition, NetworkDeviceData, ResourceClaimLike } from "./types.js";

/** Which device the status is for: the key of `status.allocation.devices.results[]`. */
export interface AllocatedDeviceRef {
  /** The DRA driver's name, e.g. `sriov.example.com`. */
  driver: string;
  /** The pool the device is in, e.g. the node name. */
  pool: string;
  /** The device's name in the pool (a DNS label). */
  device: string;
  /** The allocation share, for devices with consumable capacity. */
  shareID?: string | undefined;
}

/** What {@link resourceClaimDeviceStatus} builds the status from. Each is optional. */
export interface DeviceStatusSource {
  /** The CNI result of the attachment (any version, 0.1.0 to 1.1.0): its JSON text or the parsed object. */
  cniResult?: CNIResult | string | undefined;
  /** The pod interface to describe, e.g. `net1`. Default: the first interface of the CNI result with a sandbox. */
  interface?: string | undefined;
  /** A network-status entry for the attachment (interface, MAC, device-info; its IPs have no prefix, so the CNI result's are used). */
  networkStatus?: NetworkStatus | undefined;
  /** The device-info document (e.g. from the CNI device-info file); default: the network-status entry's, else one derived from the CNI 1.1 result. */
  deviceInfo?: DeviceInfo | undefined;
}

/** The `Ready` condition to add, when asked for. */
export interface ReadyCondition {
  /** Default `"True"`. */
  status?: "True" | "False" | "Unknown" | undefined;
  /** CamelCase. Default `"NetworkConfigured"` (or `"NetworkNotConfigured"` when not `True`). */
  reason?: string | undefined;
  /** Default `""`. */
  message?: string | undefined;
  /** The claim's `metadata.generation` the condition is based on. */
  observedGeneration?: number | undefined;
  /** Default: now. */
  lastTransitionTime?: Date | string | undefined;
}

/** Options of {@link resourceClaimDeviceStatus}. */
export interface ResourceClaimDeviceStatusOptions {
  /** Add a `Ready` condition: `true` for `status: "True"` now, or its fields. Default: no condition. */
  ready?: boolean | ReadyCondition | undefined;
  /** Called once for each value left out because it does not fit the API (never truncated). */
  onWarning?: ((warning: DraWarning) => void) | undefined;
}

/** The rule of each {@link ResourceClaimDeviceStatusOptions} option (`ready`'s fields are checked where it is built). @internal */
export const CLAIM_DEVICE_STATUS_OPTION_RULES: OptionRules<ResourceClaimDeviceStatusOptions> = {
  onWarning: callback,
  ready: (value, name) => {
    if (typeof value !== "boolean") checkObject(value, name);
  },
};

const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** RFC 3339 at seconds precision, as `metav1.Time` marshals. */
function rfc3339(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function readyCondition(ready: true | ReadyCondition): DeviceCondition {
  const given: ReadyCondition = ready === true ? {} : ready;
  checkOptionsOrEmpty(given, "options.ready");
  const status = given.status ?? "True";
  if (status !== "True" && status !== "False" && status !== "Unknown") {
    throw invalidArgValue("options.ready.status", status, "must be one of: 'True', 'False', 'Unknown'");
  }
  const reason = optionalString(given.reason, "options.ready.reason") ?? (status === "True" ? "NetworkConfigured" : "NetworkNotConfigured");
  if (reason.length > 1024 || !CONDITION_REASON.test(reason)) {
    throw invalidArgValue(
      "options.ready.reason",
      reason,
      "must be a CamelCase reason of at most 1024 characters, e.g. 'NetworkConfigured'",
    );
  }
  const message = optionalString(given.message, "options.ready.message") ?? "";
  let time = given.lastTransitionTime ?? new Date();
  if (typeof time === "string") time = new Date(time);
  if (!(time instanceof Date)) throw invalidArgType("options.ready.lastTransitionTime", "an instance of Date or an RFC 3339 string", time);
  if (Number.isNaN(time.getTime()))
    throw invalidArgValue("options.ready.lastTransitionTime", given.lastTransitionTime, "must be a valid time");
  const condition: DeviceCondition = { type: "Ready", status, lastTransitionTime: rfc3339(time), reason, message };
  if (given.observedGeneration !== undefined) {
    if (!Number.isSafeInteger(given.observedGeneration) || given.observedGeneration < 0) {
      throw invalidArgValue("options.ready.observedGeneration", given.observedGeneration, "must be an integer >= 0");
    }
    // metav1.Condition's field order: type, status, observedGeneration, lastTransitionTime, reason, message
    return {
      type: "Ready",
      status,
      observedGeneration: given.observedGeneration,
      lastTransitionTime: condition.lastTransitionTime,
      reason,
      message,
    };
  }
  return condition;
}

/** An address with its prefix in the canonical form the API requires (`IsValidInterfaceAddress`), or `undefined`. */
export function canonicalInterfaceAddress(text: string): string | undefined {
  checkString(text, "text");
  const ip = parseGoCIDR(text);
  if (ip === undefined) return undefined;
  const slash = text.indexOf("/");
  const address = text.slice(0, slash);
  const prefix = Number(text.slice(slash + 1));
  const formatted = formatGoIP(ip);
  // An IPv4-mapped IPv6 address prints as IPv4 with a 128-bit prefix, which no parser reads back.
  if (address.includes(":") && !formatted.includes(":")) return undefined;
  return `${formatted}/${prefix}`;
}

interface RawInterface {
  index: number;
  name: string;
  mac: string;
  sandbox: string;
}

/** The interface and its addresses, read from the raw result after `readCNIResult` has checked it as Go does. */
function fromCNIResult(
  raw: CNIResult,
  ifName: string | undefined,
  warn: (w: DraWarning) => void,
): { iface: RawInterface | undefined; ips: string[]; matched: boolean } {
  // Go's key matching (a case variant, a key written twice); none is read as 1.1.0 here.
  const version = decodedCNIVersion(raw as Record<string, unknown>) || "1.1.0";
  if (version === "0.1.0" || version === "0.2.0") {
    const ips: string[] = [];
    for (const key of ["ip4", "ip6"] as const) {
      const config = raw[key];
      if (isObject(config) && typeof config.ip === "string") ips.push(config.ip);
    }
    return { iface: undefined, ips, matched: ifName === undefined };
  }
  const interfaces: RawInterface[] = [];
  (Array.isArray(raw.interfaces) ? raw.interfaces : []).forEach((i, index) => {
    if (!isObject(i)) return;
    const str = (v: unknown) => (typeof v === "string" ? v : "");
    interfaces.push({ index, name: str(i.name), mac: str(i.mac), sandbox: str(i.sandbox) });
  });
  let iface: RawInterface | undefined;
  if (ifName !== undefined) {
    const named = interfaces.filter((i) => i.name === ifName);
    iface = named.find((i) => i.sandbox !== "") ?? named[0];
  } else {
    iface = interfaces.find((i) => i.sandbox !== "");
  }
  if (iface === undefined && (ifName !== undefined || interfaces.length > 0)) {
    warn({
      code: "no_interface",
      attribute: "networkData",
      message:
        ifName === undefined
          ? "the CNI result has no interface inside the pod (with a sandbox); networkData has no interface from it"
          : `the CNI result has no interface named "${ifName}"; networkData has no interface or IPs from it`,
    });
    return { iface: undefined, ips: [], matched: false };
  }
  // IPs without an interface index belong to the last pod interface, as Go's CreateNetworkStatuses assigns them.
  const sandboxed = interfaces.filter((i) => i.sandbox !== "");
  const last = sandboxed[sandboxed.length - 1];
  const ips: string[] = [];
  for (const config of Array.isArray(raw.ips) ? raw.ips : []) {
    if (!isObject(config) || typeof config.address !== "string") continue;
    const index = typeof config.interface === "number" ? config.interface : undefined;
    const mine = index === undefined ? iface === undefined || iface === last || interfaces.length <= 1 : index === iface?.index;
    if (mine) ips.push(config.address);
  }
  return { iface, ips, matched: true };
}

/**
 * An `AllocatedDeviceStatus` (a ResourceClaim's `status.devices[]` entry,
 * KEP-4817) for one allocated device, built from what the network driver
 * knows after the attachment: `networkData` (the interface's name, its IPs in
 * CIDR form with the prefix from the CNI result, its MAC as the hardware
 * address), `data` carrying the device-info document, and a `Ready`
 * condition when `options.ready` asks for one.
 *
 * Everything stays within the API's limits: at most 16 distinct IPs in
 * canonical form, an interface name of at most 256 bytes, a hardware address
 * of at most 128, `data` of at most 10 KiB. What does not fit is left out
 * and reported through `options.onWarning`, never truncated.
 *
 * **Permissions to write it.** Putting the status into the claim (an update
 * or patch of the `resourceclaims/status` subresource) needs, in the
 * writer's RBAC: `update` and `patch` on `resourceclaims/status` in API
 * group `resource.k8s.io`; and, since Kubernetes 1.36
 * (`DRAResourceClaimGranularStatusAuthorization`, beta, on by default), the
 * verbs `associated-node:update` and `associated-node:patch` on
 * `resourceclaims/driver` with `resourceNames: [<driver>]` for a node-local
 * writer whose service-account token is bound to its node (a driver's
 * kubelet plugin), or `arbitrary-node:update` and `arbitrary-node:patch` for
 * a writer without a node-bound token (a host meta-plugin with a static
 * kubeconfig). Without them the API server answers 403 Forbidden. `devinfo
 * rbac --driver <driver> --service-account <ns>/<name> [--scope arbitrary-node]`
 * prints the ClusterRole and ClusterRoleBinding.
 *
 * @param device - `{ driver, pool, device, shareID? }`, as in the claim's allocation result
 * @param source - `{ cniResult?, interface?, networkStatus?, deviceInfo? }`
 * @returns the status, fields in the API's order (`driver`, `pool`, `device`,
 *   `shareID`, `conditions`, `data`, `networkData`), empty parts left out
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` / `ERR_DEVINFO_INVALID`
 *   for a CNI result Go would reject or an unusable device-info document;
 *   `TypeError` / `RangeError` (Node's codes) for misuse.
 *
 * @example
 * ```ts
 * const status = resourceClaimDeviceStatus(
 *   { driver: "sriov.example.com", pool: "node-1", device: "vf-3" },
 *   { cniResult: JSON.parse(stdout), interface: "net1", deviceInfo: info },
 *   { ready: true },
 * );
 * // { driver, pool, device, conditions: [{ type: "Ready", ... }], data: { type: "pci", ... },
 * //   networkData: { interfaceName: "net1", ips: ["10.1.1.2/24"], hardwareAddress: "ce:3c:..." } }
 * ```
 */
export function resourceClaimDeviceStatus(
  device: AllocatedDeviceRef,
  source: DeviceStatusSource,
  options?: ResourceClaimDeviceStatusOptions,
): AllocatedDeviceStatus {
  checkObject(device, "device");
  for (const key of ["driver", "pool", "device"] as const) {
    checkString(device[key], `device.${key}`);
    if (device[key] === "") throw invalidArgValue(`device.${key}`, "", "must be a non-empty string");
  }
  const shareID = optionalString(device.shareID, "device.shareID");
  checkObject(source, "source");
  const ifName = optionalString(source.interface, "source.interface");
  if (source.cniResult !== undefined && typeof source.cniResult !== "string") checkObject(source.cniResult, "source.cniResult");
  if (source.networkStatus !== undefined) checkObject(source.networkStatus, "source.networkStatus");
  if (source.deviceInfo !== undefined) checkObject(source.deviceInfo, "source.deviceInfo");
  const { onWarning, ready } = checkOptionsWith(options, CLAIM_DEVICE_STATUS_OPTION_RULES) ?? {};
  const condition = ready === undefined || ready === false ? undefined : readyCondition(ready);
  const warn = (w: DraWarning) => onWarning?.(w);

  const net: NetworkDeviceData = {};
  let candidateIPs: string[] = [];
  let interfaceName = ifName;
  let hardwareAddress: string | undefined;
  let cniDoc: CNIResult | undefined;
  if (source.cniResult !== undefined) {
    // Read once, Go's way; the raw document is read again below for the 1.1 fields.
    cniDoc = (typeof source.cniResult === "string" ? parseResultText(source.cniResult) : source.cniResult) as CNIResult;
    readCNIResult(cniDoc); // Go's checks, and its errors
    const found = fromCNIResult(cniDoc, ifName, warn);
    if (found.iface !== undefined) {
      interfaceName ??= found.iface.name;
      if (found.iface.mac !== "") hardwareAddress = found.iface.mac;
    }
    candidateIPs = found.ips;
  }
  const status = source.networkStatus;
  if (status !== undefined) {
    if (interfaceName === undefined && typeof status.interface === "string" && status.interface !== "") interfaceName = status.interface;
    if (hardwareAddress === undefined && typeof status.mac === "string" && status.mac !== "") hardwareAddress = status.mac;
    if (source.cniResult === undefined && Array.isArray(status.ips) && status.ips.length > 0) {
      warn({
        code: "invalid_ip",
        attribute: "networkData.ips",
        message: `the network-status entry's IPs (${status.ips.join(", ")}) carry no prefix length, and networkData.ips must be in CIDR form; pass the CNI result as source.cniResult`,
      });
    }
  }

  // A value over the API's byte limit is left out (with a warning), never truncated.
  const withinLimit = (value: string | undefined, max: number, attribute: keyof NetworkDeviceData, what: string) => {
    if (value === undefined || byteLength(value) <= max) return value;
    warn({
      code: "value_too_long",
      attribute: `networkData.${attribute}`,
      message: `the ${what} is ${byteLength(value)} bytes, over the API's ${max}; it is left out`,
    });
    return undefined;
  };
  const name = withinLimit(interfaceName || undefined, NETWORK_INTERFACE_NAME_MAX_LENGTH, "interfaceName", "interface name");
  if (name !== undefined) net.interfaceName = name;
  const ips: string[] = [];
  for (const text of candidateIPs) {
    const canonical = canonicalInterfaceAddress(text);
    if (canonical === undefined) {
      warn({
        code: "invalid_ip",
        attribute: "networkData.ips",
        message: `"${text}" is not an address with a prefix the API accepts; it is left out`,
      });
    } else if (!ips.includes(canonical)) ips.push(canonical);
  }
  if (ips.length > NETWORK_MAX_IPS) {
    warn({
      code: "too_many_ips",
      attribute: "networkData.ips",
      message: `the interface has ${ips.length} addresses, over the API's ${NETWORK_MAX_IPS}; ${ips.slice(NETWORK_MAX_IPS).join(", ")} are left out`,
    });
    ips.length = NETWORK_MAX_IPS;
  }
  if (ips.length > 0) net.ips = ips;
  const mac = withinLimit(hardwareAddress, NETWORK_HARDWARE_ADDRESS_MAX_LENGTH, "hardwareAddress", "hardware address");
  if (mac !== undefined) net.hardwareAddress = mac;

  let data: Record<string, unknown> | undefined;
  const info =
    source.deviceInfo ??
    (status !== undefined && isObject(status["device-info"]) ? status["device-info"] : undefined) ??
    (cniDoc !== undefined ? deviceInfoFromCNIResult(cniDoc, net.interfaceName) : undefined);
  if (info !== undefined) {
    const text = serializeDeviceInfo(parseDeviceInfo(info));
    const size = byteLength(text);
    if (size > DEVICE_STATUS_DATA_MAX_LENGTH) {
      warn({
        code: "data_too_large",
        attribute: "data",
        message: `the device-info document is ${size} bytes of JSON, over the API's ${DEVICE_STATUS_DATA_MAX_LENGTH} for data; it is left out`,
      });
    } else {
      // The serializer's own text, read back as an object in Go's key order.
      data = readGoJson(text, { what: "the serialized device-info", hint: "this is a bug in devinfo: please report it" }) as typeof data;
    }
  }

  const out: AllocatedDeviceStatus = { driver: device.driver, pool: device.pool, device: device.device };
  if (shareID !== undefined) out.shareID = shareID;
  if (condition !== undefined) out.conditions = [condition];
  if (data !== undefined) out.data = data;
  if (Object.keys(net).length > 0) out.networkData = net;
  return out;
}

/** Options of {@link networkStatusFromResourceClaim}. */
export interface NetworkStatusFromResourceClaimOptions {
  /** Only the devices of this driver. */
  driver?: string | undefined;
}

/** The rule of each {@link NetworkStatusFromResourceClaimOptions} option. @internal */
export const CLAIM_NETWORK_STATUS_OPTION_RULES: OptionRules<NetworkStatusFromResourceClaimOptions> = { driver: checkString };

/** A device-info document in `data`: an object with a device-info key, read as the library's readers read it. */
function deviceInfoFromData(data: unknown): DeviceInfo | undefined {
  if (!isObject(data)) return undefined;
  if (!["type", "version", "pci", "vdpa", "vhost-user", "memif"].some((k) => Object.hasOwn(data, k))) return undefined;
  return checkDeviceInfo(data, false).value;
}

/**
 * The network-status entries a tool or workload would see for a
 * ResourceClaim's devices, so that one code path serves both the annotation
 * and DRA: one entry per `status.devices[]` entry that has `networkData` or
 * a device-info document in `data`, named after the claim
 * (`<namespace>/<name>`), with `interface` and `mac` from `networkData`,
 * `ips` without their prefix (as the annotation writes them) and
 * `device-info` from `data`. Entries are exactly what
 * `parseNetworkStatusAnnotation` returns for them, so `deviceInfoFor` and
 * the other workload helpers apply.
 *
 * @param claim - a `resource.k8s.io/v1` ResourceClaim (only `metadata` and `status.devices` are read)
 * @throws `TypeError` (Node's `ERR_INVALID_ARG_TYPE`) for a claim that is not
 *   an object; {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for a
 *   `status.devices` that is not a list of objects.
 *
 * @example
 * ```ts
 * const statuses = networkStatusFromResourceClaim(claim);
 * const info = deviceInfoFor(statuses, { interface: "net1" });
 * ```
 */
export function networkStatusFromResourceClaim(claim: ResourceClaimLike, options?: NetworkStatusFromResourceClaimOptions): NetworkStatus[] {
  checkObject(claim, "claim");
  optionalObject(claim.metadata, "claim.metadata");
  if (claim.status !== null) optionalObject(claim.status, "claim.status");
  const driver = checkOptionsWith(options, CLAIM_NETWORK_STATUS_OPTION_RULES)?.driver;
  const meta = isObject(claim.metadata) ? claim.metadata : {};
  const name = [meta.namespace, meta.name].filter((p) => typeof p === "string" && p !== "").join("/");
  const devices = isObject(claim.status) ? claim.status.devices : undefined;
  if (devices === undefined || devices === null) return [];
  if (!Array.isArray(devices)) {
    throw new DeviceInfoError("ERR_DEVINFO_INVALID", `the claim's status.devices must be a list, got ${describeType(devices)}`);
  }
  const items: { networkData: unknown; deviceInfo: DeviceInfo | undefined }[] = [];
  devices.forEach((raw: unknown, i) => {
    if (!isObject(raw)) {
      throw new DeviceInfoError("ERR_DEVINFO_INVALID", `the claim's status.devices[${i}] must be an object, got ${describeType(raw)}`);
    }
    if (driver !== undefined && raw.driver !== driver) return;
    items.push({ networkData: raw.networkData, deviceInfo: deviceInfoFromData(raw.data) });
  });
  return networkStatusEntries(name, items);
}

/**
 * Network-status entries named `name` for devices with network data and
 * device-info (those with neither are left out), exactly as
 * `parseNetworkStatusAnnotation` returns them: `interface` and `mac` from
 * `networkData`, `ips` without their prefix (as the annotation writes them).
 */
export function networkStatusEntries(
  name: string,
  items: readonly { networkData: unknown; deviceInfo: DeviceInfo | undefined }[],
): NetworkStatus[] {
  const entries: Record<string, unknown>[] = [];
  for (const { networkData, deviceInfo } of items) {
    const net = isObject(networkData) ? networkData : undefined;
    if (net === undefined && deviceInfo === undefined) continue;
    const entry: Record<string, unknown> = { name };
    if (typeof net?.interfaceName === "string" && net.interfaceName !== "") entry.interface = net.interfaceName;
    const ips = Array.isArray(net?.ips)
      ? net.ips.filter((ip): ip is string => typeof ip === "string").map((ip) => ip.split("/")[0] as string)
      : [];
    if (ips.length > 0) entry.ips = ips;
    if (typeof net?.hardwareAddress === "string" && net.hardwareAddress !== "") entry.mac = net.hardwareAddress;
    entry.dns = {};
    if (deviceInfo !== undefined) entry["device-info"] = deviceInfo;
    entries.push(entry);
  }
  return parseNetworkStatusAnnotation(JSON.stringify(entries));
}
