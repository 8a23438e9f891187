/**
 * Which DRA-allocated device serves each of a pod's networks: what a
 * meta-plugin (Multus) needs when a network's resource (its
 * `k8s.v1.cni.cncf.io/resourceName`) is served by a DRA driver instead of a
 * device plugin, either through a KEP-5004 extended resource (the pod keeps
 * `resources.limits: {openshift.io/intel_nic: 1}`) or through a claim the pod
 * names.
 *
 * The sources, and what each can and cannot tell:
 *
 * | source | gives | limits |
 * | --- | --- | --- |
 * | the pod (`spec.resourceClaims`, `status.resourceClaimStatuses`, `status.extendedResourceClaimStatus`) | which claims are the pod's; which request of the extended-resource claim serves which resource | no devices |
 * | ResourceClaims (`status.allocation.devices.results`) | every device of every request | needs the API server; a template's claim exists only once `resourceClaimStatuses` names it |
 * | device metadata (KEP-5304, `DeviceMetadata` objects) | the devices of each request with their attributes | only drivers that write metadata (beta in 1.37); per request and driver |
 * | the kubelet (`dynamicResources` of `devinfo/kubelet`) | the devices of each claim a container references | no request names, no attributes; a claim referenced only at pod level is absent (KEP-3695, GA in 1.36) |
 * | ResourceSlices of the node | each device's attributes (`k8s.cni.cncf.io/resourceName`, `deviceID`, PCI address, …) | no allocation; a pool may span slices (its newest `generation` is read) |
 */

import { anyValue, checkKeysWith, invalidArgType, isPlainObject, type OptionRules, text } from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { dpFileName } from "../files/paths.js";
import type { DeviceInfo } from "../format/schema.js";
import { deviceInfoFromDeviceAttributes } from "./attributes.js";
import type { DraWarning } from "./limits.js";
import { canonical, compare, reader, sliceAttributes } from "./network-sources.js";
import type { DeviceAttributes, DeviceMetadata, PodLike, ResourceClaimLike, ResourceSliceLike } from "./types.js";

/** A device ID a CNI plugin could not use as one path component: `/`, `\\`, white space, a control character, `.` or `..`. */
const UNSAFE_DEVICE_ID = /[/\\\s\p{Cc}]|^\.\.?$/u;

/** One of the pod's networks, in attachment order (Multus: the cluster network, the default networks, then the `k8s.v1.cni.cncf.io/networks` annotation). */
export interface DRANetwork {
  /** The network's resource (`k8s.v1.cni.cncf.io/resourceName`); a network without one gets no device. */
  resourceName?: string | undefined;
  /** The claim that serves it: the pod's name for it (`spec.resourceClaims[].name`) or the ResourceClaim's name. */
  claim?: string | undefined;
  /** The request that serves it (a `firstAvailable` result `<request>/<subrequest>` matches `<request>`). */
  request?: string | undefined;
}

/**
 * One DRA-allocated device as the kubelet lists it: `devinfo/kubelet`'s
 * `DynamicResourceDevice` has this shape (pass its `dynamicResources` as they are).
 */
export interface KubeletDRADevice {
  containerName?: string | undefined;
  claimName: string;
  claimNamespace?: string | undefined;
  driver: string;
  pool: string;
  device: string;
  shareID?: string | undefined;
}

/** What {@link resolveDRANetworkDevices} reads. Only `pod` and `networks` are required; each other source adds what it knows (see the module documentation). */
export interface DRANetworkDevicesInput {
  /** The pod object (core/v1 `Pod`, as JSON). */
  pod: PodLike;
  /** The pod's networks in attachment order. */
  networks: readonly DRANetwork[];
  /** The pod's ResourceClaims (others are ignored). */
  resourceClaims?: readonly ResourceClaimLike[] | undefined;
  /** The node's ResourceSlices. */
  resourceSlices?: readonly ResourceSliceLike[] | undefined;
  /** `DeviceMetadata` objects of the pod's claims (e.g. from `readDeviceMetadata`, `readResourceClaimMetadata`). */
  metadata?: readonly DeviceMetadata[] | undefined;
  /** The kubelet's DRA allocations for the pod (`getPodDevices(pod).dynamicResources`). */
  dynamicResources?: readonly KubeletDRADevice[] | undefined;
}

/** The keys of {@link DRANetworkDevicesInput}: another key is a misspelling, refused. */
const INPUT_RULES: OptionRules<DRANetworkDevicesInput> = {
  pod: anyValue,
  networks: anyValue,
  resourceClaims: anyValue,
  resourceSlices: anyValue,
  metadata: anyValue,
  dynamicResources: anyValue,
};

/** The keys of {@link DRANetwork}, each a string when present. @internal */
export const NETWORK_RULES: OptionRules<DRANetwork> = { resourceName: text, claim: text, request: text };

/** The device that serves one network. */
export interface DRANetworkDevice {
  /** The network's `resourceName`. */
  resourceName: string;
  /** `extendedResource` (KEP-5004: the scheduler's claim for the pod's extended resources) or `claim` (a claim the pod names). */
  via: "extendedResource" | "claim";
  /** The ResourceClaim's name. */
  claimName: string;
  /** The pod's name for the claim (`spec.resourceClaims[].name`); absent for the extended-resource claim. */
  podClaimName?: string | undefined;
  /** The request's name; absent when only the kubelet listed the device. */
  request?: string | undefined;
  driver: string;
  pool: string;
  device: string;
  shareID?: string | undefined;
  /**
   * The device ID the device-info file is keyed by (`getDPDeviceInfoPath(resourceName, deviceID)`)
   * and the CNI plugin receives: the `k8s.cni.cncf.io/deviceID` attribute, else the
   * device's PCI address (`resource.kubernetes.io/pciBusID` or the driver's own);
   * absent when the device's attributes name neither.
   */
  deviceID?: string | undefined;
  /** The device-info view of its attributes (`deviceInfoFromDeviceAttributes`), when they describe one. */
  deviceInfo?: DeviceInfo | undefined;
  /** Its attributes: from its device metadata when there is some, else from its ResourceSlice. */
  attributes?: DeviceAttributes | undefined;
  /** Which source listed the allocation: `resourceClaim`, `metadata` or `kubelet` (the first of these that did). */
  source: "resourceClaim" | "metadata" | "kubelet";
}

/** What {@link resolveDRANetworkDevices} returns. */
export interface DRANetworkDevicesResult {
  /** One entry per network, in the order given: its device, or `undefined` (no `resourceName`, or no DRA device for it). */
  devices: (DRANetworkDevice | undefined)[];
  /**
   * The attributes' warnings (`deviceInfoFromDeviceAttributes`), each prefixed
   * with its device; and what DRA lacked (`not_found`: a template claim
   * `status.resourceClaimStatuses` does not name yet, a network's claim or
   * request that does not exist, a claim with no allocation source, fewer
   * devices of a resource than networks), stale device metadata (`stale`),
   * a device ID that is not one path component of printable characters or that the device plugin file name refuses (`unsafe_device_id`).
   */
  warnings: DraWarning[];
}

/** {@link DRANetworkDevicesResult} with its warnings sorted by network too. @internal */
export interface DRANetworkDevicesNotes extends DRANetworkDevicesResult {
  /** The pod's warnings: not about one network (a claim not listed yet, stale metadata). */
  podWarnings: DraWarning[];
  /** Per network: why it got no device (`not_found`, `unsafe_device_id`) and its device's attribute warnings. */
  networkWarnings: DraWarning[][];
}

interface Entry {
  claimName: string;
  podClaimName: string | undefined;
  extended: boolean;
  request: string | undefined;
  driver: string;
  pool: string;
  device: string;
  shareID: string | undefined;
  source: DRANetworkDevice["source"];
  attributes: DeviceAttributes | undefined;
}

function checkInputList(value: unknown, name: string): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgType(name, "an array", value);
  return value;
}

const baseRequest = (request: string) => request.split("/")[0] as string;
const SOURCE_LABEL = {
  resourceClaim: "the ResourceClaim's allocation",
  metadata: "the device metadata",
  kubelet: "the kubelet's list",
} as const;
const entryKey = (e: { claimName: string; driver: string; pool: string; device: string; shareID?: string | undefined }) =>
  JSON.stringify([e.claimName, e.driver, e.pool, e.device, e.shareID ?? ""]);

/**
 * Finds, for each of a pod's networks with a `resourceName`, the DRA device
 * that serves it and the device ID its device-info file is keyed by,
 * deterministically:
 *
 * 1. **The pod's claims**: those of `spec.resourceClaims` (a directly named
 *    claim counts, though `status.resourceClaimStatuses` never lists it; a
 *    template's claim is the one `resourceClaimStatuses` names), then the
 *    claim of `status.extendedResourceClaimStatus`. Allocations of other
 *    claims (stale or foreign objects) are ignored.
 * 2. **The allocated devices** of those claims, from every source given:
 *    ResourceClaims, device metadata, the kubelet. Where sources disagree
 *    (a device of a claim that the claim's allocation does not have, one
 *    device under two requests) it throws rather than guess.
 * 3. **Each device's resource**: for the extended-resource claim, the
 *    `resourceName` its request maps to in `requestMappings` (without a
 *    request name, as the kubelet lists it, only when the claim serves one
 *    resource); otherwise the device's `k8s.cni.cncf.io/resourceName`
 *    attribute (as Multus reads it), from its metadata or its ResourceSlice.
 * 4. **The order**: claims as above; within a claim the extended-resource
 *    requests in `requestMappings` order, other requests by name (byte
 *    order), devices without a known request last; within a request the
 *    devices by driver, pool, device name and share ID (byte order). So a
 *    pool's devices pair with networks in device-name order, whichever
 *    source listed them.
 * 5. **The pairing**: first each network that names a `claim` or `request`
 *    takes the first device of that claim/request whose resource is its
 *    `resourceName` or unknown; then each other network, in the order given,
 *    takes the first device left whose resource is its `resourceName`.
 *
 * Pure: reads nothing from disk or the network. `getPodDevices` of
 * `devinfo/kubelet` gives `dynamicResources`; `prepareDeviceInfo` of
 * `devinfo/meta-plugin` calls this for a request with `dra`.
 *
 * @returns `{ devices, warnings }`: `devices[i]` serves `networks[i]`, or is `undefined`
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for an object field
 *   of the wrong type or a required one missing (the message and `issues`
 *   name it), device metadata without `metadata.namespace`, a `requestName`
 *   mapped to two resources; `ERR_DEVINFO_CONFLICT` when sources disagree on
 *   an allocation, or two metadata objects or two slices of a pool give one
 *   device different attributes. `TypeError` (`ERR_INVALID_ARG_TYPE`) when
 *   `input`, `pod` or a list is not what it must be, or a network's names are
 *   not strings; (`ERR_INVALID_ARG_VALUE`) for a key `input` or a network
 *   does not have (a misspelling, with the closest key).
 *
 * @example
 * ```ts
 * const { devices } = resolveDRANetworkDevices({
 *   pod, resourceSlices, dynamicResources: (await getPodDevices(ref)).dynamicResources,
 *   networks: [{ resourceName: "openshift.io/intel_nic" }, { resourceName: "openshift.io/intel_nic" }],
 * });
 * devices[0]?.deviceID; // "0000:08:00.3"
 * ```
 */
export function resolveDRANetworkDevices(input: DRANetworkDevicesInput): DRANetworkDevicesResult {
  const { devices, warnings } = resolveDRANetworkDeviceNotes(input);
  return { devices, warnings };
}

/** {@link resolveDRANetworkDevices}, its warnings sorted by network too. @internal */
export function resolveDRANetworkDeviceNotes(input: DRANetworkDevicesInput): DRANetworkDevicesNotes {
  if (!isPlainObject(input)) throw invalidArgType("input", "an object", input);
  checkKeysWith(input, INPUT_RULES, "input");
  if (!isPlainObject(input.pod)) throw invalidArgType("input.pod", "a Pod object", input.pod);
  const networks = checkInputList(input.networks, "input.networks").map((network, i) => {
    if (!isPlainObject(network)) throw invalidArgType(`input.networks[${i}]`, "an object", network);
    return checkKeysWith(network, NETWORK_RULES, `input.networks[${i}]`) as DRANetwork;
  });
  const claims = podClaims(input.pod);
  const podWarnings: DraWarning[] = claims.unlisted.map((name) => ({
    code: "not_found",
    message: `claim "${name}" of the pod is made from a template, and the pod's status.resourceClaimStatuses does not name its ResourceClaim yet: its devices are unknown; re-read the pod once the claim is created`,
  }));
  const entries = allocatedDevices(input, claims, podWarnings);
  const slices = sliceAttributes(checkInputList(input.resourceSlices, "input.resourceSlices"));

  const deviceWarnings = new Map<Entry, DraWarning[]>();
  const resolved = entries.map((entry) => {
    const found = entry.attributes ?? slices.get(JSON.stringify([entry.driver, entry.pool, entry.device]));
    const attributes = found === undefined ? undefined : { ...found }; // the caller's objects stay the caller's
    const read = attributes === undefined ? undefined : deviceInfoFromDeviceAttributes(attributes);
    const own = (read?.warnings ?? []).map((w) => ({ ...w, message: `${entry.driver}/${entry.pool}/${entry.device}: ${w.message}` }));
    deviceWarnings.set(entry, own);
    let resourceName = read?.resourceName;
    if (entry.extended) {
      const mapped = claims.mappings.filter((m) => entry.request === undefined || m.requestName === baseRequest(entry.request));
      const names = [...new Set(mapped.map((m) => m.resourceName))];
      // Without a request (the kubelet's view), the mapping decides only for a claim serving one
      // resource; otherwise the device's own k8s.cni.cncf.io/resourceName attribute, if any.
      if (names.length === 1) resourceName = names[0];
    }
    const pci = read?.deviceInfo?.pci?.["pci-address"] ?? read?.deviceInfo?.vdpa?.["pci-address"];
    return { entry, attributes, deviceInfo: read?.deviceInfo, resourceName, deviceID: read?.deviceID ?? pci };
  });

  const taken = new Set<number>();
  const devices: (DRANetworkDevice | undefined)[] = networks.map(() => undefined);
  const networkWarnings: DraWarning[][] = networks.map(() => []);
  const assign = (i: number, match: (r: (typeof resolved)[number]) => boolean) => {
    const network = networks[i] as DRANetwork;
    const at = resolved.findIndex((r, j) => !taken.has(j) && match(r));
    const found = resolved[at];
    if (found === undefined || network.resourceName === undefined) return;
    taken.add(at);
    const { entry } = found;
    const notes = networkWarnings[i] as DraWarning[];
    notes.push(...(deviceWarnings.get(entry) ?? []));
    if (found.deviceID === undefined) {
      // Still the network's device (its claim and request are known), but nothing names its device plugin file.
      notes.push({
        code: "not_found",
        message: `the DRA device ${entry.driver}/${entry.pool}/${entry.device} of claim ${entry.claimName} has no k8s.cni.cncf.io/deviceID attribute and no PCI address, so the network gets no device ID (does the driver publish its attributes in its ResourceSlice or device metadata?)`,
      });
    } else {
      // The ID names the device plugin file (the file name's rule) and reaches the chain as
      // capabilityArgs.deviceID, from which CNI plugins build sysfs paths: an ID from a cluster object
      // must also be one path component of printable characters.
      const where = `${entry.driver}/${entry.pool}/${entry.device}: device ID ${JSON.stringify(found.deviceID)} of claim ${entry.claimName}`;
      let refused: string | undefined = UNSAFE_DEVICE_ID.test(found.deviceID)
        ? "has a path separator, white space or a control character, or is . or .., and CNI plugins build paths from it"
        : undefined;
      try {
        dpFileName(network.resourceName, found.deviceID);
      } catch (err) {
        if (!isDeviceInfoError(err)) throw err;
        refused ??= `cannot name a device plugin file (${err.message})`;
      }
      if (refused !== undefined) {
        notes.push({ code: "unsafe_device_id", message: `${where} ${refused}; the network gets no device` });
        return;
      }
    }
    devices[i] = {
      resourceName: network.resourceName,
      via: entry.extended ? "extendedResource" : "claim",
      claimName: entry.claimName,
      ...(entry.podClaimName === undefined ? {} : { podClaimName: entry.podClaimName }),
      ...(entry.request === undefined ? {} : { request: entry.request }),
      driver: entry.driver,
      pool: entry.pool,
      device: entry.device,
      ...(entry.shareID === undefined ? {} : { shareID: entry.shareID }),
      ...(found.deviceID === undefined ? {} : { deviceID: found.deviceID }),
      ...(found.deviceInfo === undefined ? {} : { deviceInfo: found.deviceInfo }),
      ...(found.attributes === undefined ? {} : { attributes: found.attributes }),
      source: entry.source,
    };
  };
  networks.forEach((network, i) => {
    if (network.resourceName === undefined || (network.claim === undefined && network.request === undefined)) return;
    assign(
      i,
      ({ entry, resourceName }) =>
        (network.claim === undefined || network.claim === entry.claimName || network.claim === entry.podClaimName) &&
        (network.request === undefined ||
          (entry.request !== undefined && baseRequest(entry.request) === network.request) ||
          entry.request === network.request) &&
        (resourceName === undefined || resourceName === network.resourceName),
    );
  });
  networks.forEach((network, i) => {
    if (network.resourceName === undefined || network.claim !== undefined || network.request !== undefined) return;
    assign(i, ({ resourceName }) => resourceName === network.resourceName);
  });
  networks.forEach((network, i) => {
    if (network.resourceName !== undefined && devices[i] === undefined && (networkWarnings[i] as DraWarning[]).length === 0) {
      const why = whyNoDevice(networks, i, claims, resolved);
      if (why !== undefined) (networkWarnings[i] as DraWarning[]).push({ code: "not_found", message: why });
    }
  });
  return { devices, warnings: [...podWarnings, ...networkWarnings.flat()], podWarnings, networkWarnings };
}

/** What DRA lacked for network `i`, which got no device; `undefined` when DRA does not serve its resource (the device plugin's turn). */
function whyNoDevice(
  networks: readonly DRANetwork[],
  i: number,
  pod: PodClaims,
  resolved: readonly { entry: Entry; resourceName: string | undefined }[],
): string | undefined {
  const network = networks[i] as DRANetwork;
  const resourceName = network.resourceName as string;
  const names = pod.claims.map((c) => (c.extended ? `${c.claimName} (extended resources)` : (c.podClaimName ?? c.claimName))).join(", ");
  if (network.claim !== undefined) {
    const claim = pod.claims.find((c) => network.claim === c.claimName || network.claim === c.podClaimName);
    if (claim === undefined)
      return `network ${i} (resource "${resourceName}") names claim "${network.claim}", which is not one of the pod's claims (${names || "none"})`;
    if (claim.claimName === undefined)
      return `network ${i} (resource "${resourceName}") names claim "${network.claim}", whose ResourceClaim the pod's status.resourceClaimStatuses does not name yet; re-read the pod once the claim is created`;
  }
  const ofClaim = resolved.filter(
    ({ entry }) => network.claim === undefined || network.claim === entry.claimName || network.claim === entry.podClaimName,
  );
  if (network.request !== undefined) {
    const requests = [...new Set(ofClaim.flatMap(({ entry }) => (entry.request === undefined ? [] : [baseRequest(entry.request)])))];
    if (!requests.includes(network.request) && !ofClaim.every(({ entry }) => entry.request === undefined))
      return `network ${i} (resource "${resourceName}") names request "${network.request}", which no allocation of ${network.claim === undefined ? "the pod's claims" : `claim "${network.claim}"`} has (requests: ${requests.join(", ") || "none"})`;
  }
  const ext = pod.claims.find((c) => c.extended);
  if (ext !== undefined && pod.mappings.some((m) => m.resourceName === resourceName) && !resolved.some(({ entry }) => entry.extended))
    return `resource "${resourceName}" of network ${i} is served by the pod's extended-resource claim ${ext.claimName}, and no source lists its allocation: pass its ResourceClaim, its device metadata or the kubelet's dynamicResources`;
  const same = ofClaim.filter((r) => r.resourceName === resourceName || (r.resourceName === undefined && network.claim !== undefined));
  if (same.length === 0 && !pod.mappings.some((m) => m.resourceName === resourceName) && network.claim === undefined) return undefined;
  const before = networks
    .slice(0, i)
    .filter((n) => n.resourceName === resourceName && n.claim === network.claim && n.request === network.request).length;
  return `network ${i} is number ${before} (counting from 0) of resource "${resourceName}"${network.claim === undefined ? "" : ` in claim "${network.claim}"`}${network.request === undefined ? "" : ` request "${network.request}"`}, but DRA allocated only ${same.length} device(s) of it to the pod`;
}

interface PodClaims {
  namespace: string | undefined;
  /** In `spec.resourceClaims` order, then the extended-resource claim. */
  claims: { claimName: string | undefined; podClaimName: string | undefined; extended: boolean }[];
  mappings: { resourceName: string; requestName: string }[];
  /** Template claims whose ResourceClaim `status.resourceClaimStatuses` does not name yet. */
  unlisted: string[];
}

function podClaims(pod: PodLike): PodClaims {
  const r = reader("the pod");
  const metadata = r.object(pod.metadata, ["metadata"]);
  const namespace = r.string(metadata?.namespace, ["metadata", "namespace"]);
  const spec = r.object(pod.spec, ["spec"]);
  const status = r.object(pod.status, ["status"]);
  const generated = new Map<string, string | undefined>();
  const unlisted: string[] = [];
  r.list(status?.resourceClaimStatuses, ["status", "resourceClaimStatuses"]).forEach((item, i) => {
    const at = ["status", "resourceClaimStatuses", i];
    const s = r.object(item, at) ?? {};
    generated.set(r.string(s.name, [...at, "name"], true) as string, r.string(s.resourceClaimName, [...at, "resourceClaimName"]));
  });
  const claims: PodClaims["claims"] = r.list(spec?.resourceClaims, ["spec", "resourceClaims"]).map((item, i) => {
    const at = ["spec", "resourceClaims", i];
    const c = r.object(item, at) ?? {};
    const podClaimName = r.string(c.name, [...at, "name"], true) as string;
    const direct = r.string(c.resourceClaimName, [...at, "resourceClaimName"]);
    // A status entry without a resourceClaimName says no claim was needed; no entry: not created yet.
    if (direct === undefined && !generated.has(podClaimName)) unlisted.push(podClaimName);
    return { claimName: direct ?? generated.get(podClaimName), podClaimName, extended: false };
  });
  const ext = r.object(status?.extendedResourceClaimStatus, ["status", "extendedResourceClaimStatus"]);
  const mappings: PodClaims["mappings"] = [];
  if (ext !== undefined) {
    const at = ["status", "extendedResourceClaimStatus"];
    claims.push({
      claimName: r.string(ext.resourceClaimName, [...at, "resourceClaimName"], true),
      podClaimName: undefined,
      extended: true,
    });
    r.list(ext.requestMappings, [...at, "requestMappings"]).forEach((item, i) => {
      const m = r.object(item, [...at, "requestMappings", i]) ?? {};
      const mapping = {
        resourceName: r.string(m.resourceName, [...at, "requestMappings", i, "resourceName"], true) as string,
        requestName: r.string(m.requestName, [...at, "requestMappings", i, "requestName"], true) as string,
      };
      const other = mappings.find((o) => o.requestName === mapping.requestName && o.resourceName !== mapping.resourceName);
      if (other !== undefined)
        throw new DeviceInfoError(
          "ERR_DEVINFO_INVALID",
          `the pod: $.status.extendedResourceClaimStatus.requestMappings[${i}] maps request "${mapping.requestName}" to resource "${mapping.resourceName}", but an earlier entry maps it to "${other.resourceName}": one request serves one resource`,
        );
      mappings.push(mapping);
    });
  }
  return { namespace, claims, mappings, unlisted };
}

/** The allocated devices of the pod's claims, from every source, merged and sorted (see step 4). */
function allocatedDevices(input: DRANetworkDevicesInput, pod: PodClaims, warnings: DraWarning[]): Entry[] {
  const uids = new Map<string, string>(); // each ResourceClaim's metadata.uid: device metadata of another uid is stale
  const claimOf = (name: string | undefined, podClaimName?: string) =>
    pod.claims.find((c) => (name !== undefined && c.claimName === name) || (podClaimName !== undefined && c.podClaimName === podClaimName));
  const sameNamespace = (ns: string | undefined) => ns === undefined || pod.namespace === undefined || ns === pod.namespace;
  const byKey = new Map<string, Entry>();
  const allocated = new Set<string>(); // claims whose ResourceClaim allocation is known: the other sources must agree with it
  const add = (claim: PodClaims["claims"][number], claimName: string, found: Omit<Entry, "claimName" | "podClaimName" | "extended">) => {
    const entry: Entry = { ...found, claimName, podClaimName: claim.podClaimName, extended: claim.extended };
    const key = entryKey(entry);
    // Device metadata carries no share ID: it names the claim's share of the device, whichever it is.
    const known =
      byKey.get(key) ??
      (found.source === "metadata"
        ? [...byKey.values()].find(
            (e) => e.claimName === claimName && e.driver === found.driver && e.pool === found.pool && e.device === found.device,
          )
        : undefined);
    if (known === undefined) {
      if (allocated.has(claimName)) {
        throw new DeviceInfoError(
          "ERR_DEVINFO_CONFLICT",
          `${found.source === "kubelet" ? "the kubelet lists" : "device metadata lists"} device ${found.driver}/${found.pool}/${found.device} for claim ${claimName}, which the ResourceClaim's allocation does not have: one of them is stale; fetch the claim again`,
        );
      }
      byKey.set(key, entry);
      return;
    }
    if (entry.request !== undefined && known.request !== undefined && entry.request !== known.request) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_CONFLICT",
        `device ${found.driver}/${found.pool}/${found.device} of claim ${claimName} is allocated for request "${known.request}" according to ${SOURCE_LABEL[known.source]}, but for request "${entry.request}" according to ${SOURCE_LABEL[found.source]}: one of them is stale; fetch both again`,
      );
    }
    if (known.attributes !== undefined && entry.attributes !== undefined && canonical(known.attributes) !== canonical(entry.attributes)) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_CONFLICT",
        `two device metadata objects give device ${found.driver}/${found.pool}/${found.device} of claim ${claimName} different attributes: one of them is stale; read the metadata again`,
      );
    }
    known.request ??= entry.request;
    known.attributes ??= entry.attributes;
  };

  const rc = reader("a ResourceClaim");
  checkInputList(input.resourceClaims, "input.resourceClaims").forEach((item, i) => {
    if (!isPlainObject(item)) throw invalidArgType(`input.resourceClaims[${i}]`, "a ResourceClaim object", item);
    const meta = rc.object(item.metadata, ["metadata"]);
    const name = rc.string(meta?.name, ["metadata", "name"], true) as string;
    const claim = claimOf(name);
    if (claim === undefined || !sameNamespace(rc.string(meta?.namespace, ["metadata", "namespace"]))) return;
    const uid = rc.string(meta?.uid, ["metadata", "uid"]);
    if (uid !== undefined) uids.set(name, uid);
    const status = rc.object(item.status, ["status"]);
    const allocation = rc.object(status?.allocation, ["status", "allocation"]);
    const results = rc.list(rc.object(allocation?.devices, ["status", "allocation", "devices"])?.results, [
      "status",
      "allocation",
      "devices",
      "results",
    ]);
    results.forEach((result, j) => {
      const at = ["status", "allocation", "devices", "results", j];
      const res = rc.object(result, at) ?? {};
      add(claim, name, {
        request: rc.string(res.request, [...at, "request"], true),
        driver: rc.string(res.driver, [...at, "driver"], true) as string,
        pool: rc.string(res.pool, [...at, "pool"], true) as string,
        device: rc.string(res.device, [...at, "device"], true) as string,
        shareID: rc.string(res.shareID, [...at, "shareID"]),
        source: "resourceClaim",
        attributes: undefined,
      });
    });
    if (allocation !== undefined) allocated.add(name);
  });

  const md = reader("a DeviceMetadata object");
  checkInputList(input.metadata, "input.metadata").forEach((item, i) => {
    if (!isPlainObject(item)) throw invalidArgType(`input.metadata[${i}]`, "a DeviceMetadata object", item);
    const meta = md.object(item.metadata, ["metadata"]);
    const name = md.string(meta?.name, ["metadata", "name"]);
    const podClaimName = md.string(item.podClaimName, ["podClaimName"]);
    const claim = claimOf(name, podClaimName);
    const claimName = name ?? claim?.claimName;
    // Without a namespace it could be any namespace's claim of that name: refused, not guessed.
    const namespace = md.string(meta?.namespace, ["metadata", "namespace"], true);
    if (claim === undefined || claimName === undefined || !sameNamespace(namespace)) return;
    const uid = md.string(meta?.uid, ["metadata", "uid"]);
    const claimUID = uids.get(claimName);
    if (uid !== undefined && claimUID !== undefined && uid !== claimUID) {
      warnings.push({
        code: "stale",
        message: `device metadata of claim ${namespace}/${claimName} has uid ${uid}, but the ResourceClaim's uid is ${claimUID}: it is an earlier claim's (stale), not used; read the metadata again`,
      });
      return;
    }
    md.list(item.requests, ["requests"]).forEach((request, j) => {
      const req = md.object(request, ["requests", j]) ?? {};
      const requestName = md.string(req.name, ["requests", j, "name"], true);
      md.list(req.devices, ["requests", j, "devices"]).forEach((device, k) => {
        const at = ["requests", j, "devices", k];
        const dev = md.object(device, at) ?? {};
        const attributes = md.object(dev.attributes, [...at, "attributes"]);
        add(claim, claimName, {
          request: requestName,
          driver: md.string(dev.driver, [...at, "driver"], true) as string,
          pool: md.string(dev.pool, [...at, "pool"], true) as string,
          device: md.string(dev.name, [...at, "name"], true) as string,
          shareID: undefined,
          source: "metadata",
          attributes: attributes as DeviceAttributes | undefined,
        });
      });
    });
  });

  const kd = reader("the kubelet's dynamicResources");
  checkInputList(input.dynamicResources, "input.dynamicResources").forEach((item, i) => {
    if (!isPlainObject(item)) throw invalidArgType(`input.dynamicResources[${i}]`, "an object", item);
    const at = [i];
    const claimName = kd.string(item.claimName, [...at, "claimName"], true) as string;
    const claim = claimOf(claimName);
    if (claim === undefined || !sameNamespace(kd.string(item.claimNamespace, [...at, "claimNamespace"]))) return;
    add(claim, claimName, {
      request: undefined,
      driver: kd.string(item.driver, [...at, "driver"], true) as string,
      pool: kd.string(item.pool, [...at, "pool"], true) as string,
      device: kd.string(item.device, [...at, "device"], true) as string,
      shareID: kd.string(item.shareID, [...at, "shareID"]),
      source: "kubelet",
      attributes: undefined,
    });
  });

  const claimRank = (e: Entry) => pod.claims.findIndex((c) => c.claimName === e.claimName);
  const requestRank = (e: Entry) => {
    if (e.request === undefined) return Number.MAX_SAFE_INTEGER;
    if (!e.extended) return 0;
    const i = pod.mappings.findIndex((m) => m.requestName === baseRequest(e.request as string));
    return i < 0 ? pod.mappings.length : i;
  };
  return [...byKey.values()].sort(
    (a, b) =>
      claimRank(a) - claimRank(b) ||
      requestRank(a) - requestRank(b) ||
      compare(a.request ?? "", b.request ?? "") ||
      compare(a.driver, b.driver) ||
      compare(a.pool, b.pool) ||
      compare(a.device, b.device) ||
      compare(a.shareID ?? "", b.shareID ?? ""),
  );
}
