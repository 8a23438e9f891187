/**
 * The DRA side of one meta-plugin attachment (`prepareDeviceInfo({ dra })`):
 * which device serves the network ({@link resolveDRANetworkDevices}) and its
 * device-info (the driver's device plugin file when it wrote one, else the
 * device's attributes). The kubelet's answer comes in as a plain argument;
 * asking the kubelet is the meta-plugin's part (`devinfo/meta-plugin`).
 */

import {
  anyValue,
  checkInteger,
  checkKeysWith,
  checkObject,
  checkOptionsWith,
  checkString,
  invalidArgType,
  invalidArgValue,
  isPlainObject,
  type OptionRules,
} from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { loadDeviceInfoFromDP } from "../files/operations.js";
import { LOAD_OPTION_RULES, type LoadOptions } from "../files/options.js";
import type { DeviceInfo } from "../format/schema.js";
import { isObject } from "../format/validate.js";
import type { DraWarning } from "./limits.js";
import {
  type DRANetwork,
  type DRANetworkDevice,
  type KubeletDRADevice,
  NETWORK_RULES,
  resolveDRANetworkDeviceNotes,
} from "./network-devices.js";
import type { DeviceMetadata, PodLike, ResourceClaimLike, ResourceSliceLike } from "./types.js";

/**
 * What a meta-plugin holds for the pod of an attachment whose network may be
 * served by DRA (`AttachmentRequest.dra` of `prepareDeviceInfo`). See
 * `resolveDRANetworkDevices` (`devinfo/dra`) for what each source can tell and the
 * order devices pair with networks in.
 */
export interface DRAAttachment {
  /** The pod object (core/v1 `Pod` as JSON): `spec.resourceClaims`, `status.resourceClaimStatuses`, `status.extendedResourceClaimStatus`. */
  pod: PodLike;
  /**
   * All the pod's networks in attachment order, each with its
   * `resourceName` (and `claim` / `request` where the network names one),
   * with `networkIndex` this attachment's place among them. Without it: the
   * attachment's `deviceIndex` networks of the same `resourceName` come
   * first, then this one (with `claim` and `request` below).
   */
  networks?: readonly DRANetwork[] | undefined;
  /** With `networks`: this attachment's index in it. */
  networkIndex?: number | undefined;
  /** Without `networks`: the claim that serves this network (the pod's name for it, or the ResourceClaim's name). */
  claim?: string | undefined;
  /** Without `networks`: the request that serves this network. */
  request?: string | undefined;
  /** The pod's ResourceClaims (`status.allocation` read): the one source with every request's devices. */
  resourceClaims?: readonly ResourceClaimLike[] | undefined;
  /** The node's ResourceSlices: the devices' attributes (`k8s.cni.cncf.io/resourceName`, `deviceID`, PCI address). */
  resourceSlices?: readonly ResourceSliceLike[] | undefined;
  /** `DeviceMetadata` objects of the pod's claims (as `readDeviceMetadata` returns them). */
  metadata?: readonly DeviceMetadata[] | undefined;
}

/** The network of the attachment {@link findDRAAttachmentDevice} looks for. */
export interface DRAAttachmentNetwork {
  /** The network's `resourceName`. */
  resourceName: string;
  /** Without `dra.networks`: how many networks of the same resource come before this one (default 0). */
  deviceIndex?: number | undefined;
  /** The kubelet's DRA allocations for the pod (`getPodDevices(pod).dynamicResources`), when it was asked. */
  dynamicResources?: readonly KubeletDRADevice[] | undefined;
}

/** What {@link findDRAAttachmentDevice} found. */
export interface DRAAttachmentDevice {
  /** The device that serves the network; absent when DRA does not serve it (the device plugin path goes on). */
  device?: DRANetworkDevice | undefined;
  /** Its device-info: the driver's device plugin file under its device ID, else the one its attributes describe. */
  deviceInfo?: DeviceInfo | undefined;
  /** What did not stop the attachment: no device ID, no device-info, an unreadable file, attributes that could not be read, what DRA lacked. */
  warnings: DeviceInfoError[];
  /** Without `device`: why DRA gave the network none when DRA serves its resource (also in `warnings`), so a caller need not blame the device plugin. */
  lacking?: DeviceInfoError[] | undefined;
}

/** The keys of {@link DRAAttachment}: another key is a misspelling, refused (its value types are checked below). */
const ATTACHMENT_RULES: OptionRules<DRAAttachment> = {
  pod: anyValue,
  networks: anyValue,
  networkIndex: anyValue,
  claim: anyValue,
  request: anyValue,
  resourceClaims: anyValue,
  resourceSlices: anyValue,
  metadata: anyValue,
};

/** The keys of {@link DRAAttachmentNetwork}. */
const NETWORK_ARG_RULES: OptionRules<DRAAttachmentNetwork> = { resourceName: anyValue, deviceIndex: anyValue, dynamicResources: anyValue };

/** The stable code each kind of resolver warning becomes. */
const WARNING_CODE = {
  not_found: "ERR_DEVINFO_NOT_FOUND",
  stale: "ERR_DEVINFO_CONFLICT",
  unsafe_device_id: "ERR_DEVINFO_UNSAFE_PATH",
} as const;
const toError = (w: DraWarning, prefix = ""): DeviceInfoError =>
  new DeviceInfoError(
    Object.hasOwn(WARNING_CODE, w.code) ? WARNING_CODE[w.code as keyof typeof WARNING_CODE] : "ERR_DEVINFO_INVALID",
    `${prefix}${w.message}`,
  );

/** Whether the pod object names claims (`spec.resourceClaims`) or has an extended-resource claim: the pod's word that DRA may serve it. */
function podNamesClaims(pod: PodLike): boolean {
  const claims = isObject(pod.spec) ? pod.spec.resourceClaims : undefined;
  const ext = isObject(pod.status) ? pod.status.extendedResourceClaimStatus : undefined;
  // Present but malformed counts: the resolver then says what is wrong with it.
  return (
    (claims !== undefined && claims !== null && !(Array.isArray(claims) && claims.length === 0)) || (ext !== undefined && ext !== null)
  );
}

function checkDRAAttachment(dra: DRAAttachment): void {
  checkObject(dra, "dra");
  checkKeysWith(dra, ATTACHMENT_RULES, "dra");
  if (!isPlainObject(dra.pod)) throw invalidArgType("dra.pod", "a Pod object", dra.pod);
  for (const key of ["claim", "request"] as const) {
    if (dra[key] !== undefined && typeof dra[key] !== "string") throw invalidArgType(`dra.${key}`, "of type string", dra[key]);
  }
  for (const key of ["resourceClaims", "resourceSlices", "metadata"] as const) {
    if (dra[key] !== undefined && !Array.isArray(dra[key])) throw invalidArgType(`dra.${key}`, "an array", dra[key]);
  }
  if (dra.networks !== undefined) {
    if (!Array.isArray(dra.networks)) throw invalidArgType("dra.networks", "an array", dra.networks);
    dra.networks.forEach((network, i) => {
      if (!isPlainObject(network)) throw invalidArgType(`dra.networks[${i}]`, "an object", network);
      checkKeysWith(network, NETWORK_RULES, `dra.networks[${i}]`);
    });
    if (dra.networkIndex === undefined)
      throw invalidArgValue("dra.networks", dra.networks, "needs dra.networkIndex, this attachment's index in it");
    checkInteger(dra.networkIndex, "dra.networkIndex", 0, Math.max(0, dra.networks.length - 1));
    if (dra.claim !== undefined || dra.request !== undefined)
      throw invalidArgValue("dra.claim", dra.claim ?? dra.request, "with dra.networks, name the claim and request in the network's entry");
  } else if (dra.networkIndex !== undefined) {
    throw invalidArgValue("dra.networkIndex", dra.networkIndex, "needs dra.networks");
  }
}

/**
 * The DRA device of one attachment and its device-info, for a meta-plugin:
 * when the pod object names claims (or an extended-resource claim) or the
 * kubelet lists DRA allocations, the network's device among the pod's
 * networks ({@link resolveDRANetworkDevices}); its device-info is the device
 * plugin file the driver wrote under its device ID (the spec's own
 * document), else the one its attributes (device metadata or ResourceSlice)
 * describe. `prepareDeviceInfo({ dra })` calls this; call it yourself to
 * run the rest of the ADD your own way.
 *
 * @param options - where device plugin files are (`baseDir`) and how to read them, as `loadDeviceInfoFromDP`
 * @returns `{ device?, deviceInfo?, warnings }`; no `device` when DRA does not serve the network
 * @throws what {@link resolveDRANetworkDevices} throws (`ERR_DEVINFO_INVALID`,
 *   `ERR_DEVINFO_CONFLICT`); `TypeError` / `RangeError` for a malformed
 *   `dra` (e.g. `networks` without `networkIndex`, or a `networkIndex` whose
 *   network has another `resourceName`), `network` or `options` (an unknown
 *   key of any of them too, `ERR_INVALID_ARG_VALUE`). What DRA lacked for the
 *   network is an `ERR_DEVINFO_NOT_FOUND` warning (also in `lacking`); stale
 *   device metadata an `ERR_DEVINFO_CONFLICT` warning; a device ID no device
 *   plugin file can be named by an `ERR_DEVINFO_UNSAFE_PATH` warning and no device.
 *
 * @example
 * ```ts
 * const { device, deviceInfo, warnings } = await findDRAAttachmentDevice(
 *   { pod, resourceSlices, networks, networkIndex: 1 },
 *   { resourceName: "openshift.io/intel_nic", dynamicResources },
 *   { baseDir },
 * );
 * ```
 */
export async function findDRAAttachmentDevice(
  dra: DRAAttachment,
  network: DRAAttachmentNetwork,
  options: LoadOptions = {},
): Promise<DRAAttachmentDevice> {
  checkDRAAttachment(dra);
  checkObject(network, "network");
  checkKeysWith(network, NETWORK_ARG_RULES, "network");
  checkOptionsWith(options, LOAD_OPTION_RULES);
  const { resourceName, deviceIndex = 0, dynamicResources = [] } = network;
  checkString(resourceName, "network.resourceName");
  checkInteger(deviceIndex, "network.deviceIndex");
  if (!Array.isArray(dynamicResources)) throw invalidArgType("network.dynamicResources", "an array", dynamicResources);
  const warnings: DeviceInfoError[] = [];
  if (!podNamesClaims(dra.pod) && dynamicResources.length === 0) return { warnings };

  const index = dra.networks === undefined ? deviceIndex : (dra.networkIndex as number);
  const networks: DRANetwork[] =
    dra.networks === undefined
      ? [
          ...Array.from({ length: deviceIndex }, () => ({ resourceName })),
          {
            resourceName,
            ...(dra.claim === undefined ? {} : { claim: dra.claim }),
            ...(dra.request === undefined ? {} : { request: dra.request }),
          },
        ]
      : [...dra.networks];
  if (networks[index]?.resourceName !== resourceName) {
    throw invalidArgValue(
      `dra.networks[${index}].resourceName`,
      networks[index]?.resourceName,
      `must be this attachment's resourceName "${resourceName}" (dra.networkIndex is ${index})`,
    );
  }
  const resolved = resolveDRANetworkDeviceNotes({
    pod: dra.pod,
    networks,
    resourceClaims: dra.resourceClaims,
    resourceSlices: dra.resourceSlices,
    metadata: dra.metadata,
    dynamicResources,
  });
  const podNotes = resolved.podWarnings.map((w) => toError(w));
  warnings.push(...podNotes);
  const device = resolved.devices[index];
  // Why this network got no device (what DRA lacked), or its device's attribute warnings.
  const notes = (resolved.networkWarnings[index] ?? []).map((w) => toError(w, w.code === "not_found" ? "" : "DRA device "));
  warnings.push(...notes);
  // A claim not created yet may be the one that serves this network: it is what DRA lacked too.
  const lacking = [...podNotes.filter((e) => e.code === "ERR_DEVINFO_NOT_FOUND"), ...notes];
  if (device === undefined) return lacking.length === 0 ? { warnings } : { warnings, lacking };
  return { device, deviceInfo: await draDeviceInfo(device, options, warnings), warnings };
}

/** The device plugin file the driver may still write (it wins: the spec's own document), else the device's attributes. */
async function draDeviceInfo(device: DRANetworkDevice, options: LoadOptions, warnings: DeviceInfoError[]): Promise<DeviceInfo | undefined> {
  const what = `DRA device ${device.driver}/${device.pool}/${device.device} of claim ${device.claimName}`;
  // A device without an ID was already reported by the resolver (a not_found note of its network).
  if (device.deviceID !== undefined) {
    try {
      const info = await loadDeviceInfoFromDP(device.resourceName, device.deviceID, options);
      if (info !== undefined) return info;
    } catch (err) {
      if (!isDeviceInfoError(err)) throw err;
      warnings.push(err);
    }
  }
  if (device.deviceInfo === undefined && device.deviceID !== undefined) {
    warnings.push(
      new DeviceInfoError(
        "ERR_DEVINFO_NOT_FOUND",
        `no device plugin file for resource "${device.resourceName}" device "${device.deviceID}" and the ${what} has no attributes that describe device-info; the attachment goes on without its device-info`,
      ),
    );
  }
  return device.deviceInfo;
}
