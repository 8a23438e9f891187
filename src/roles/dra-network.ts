/**
 * The meta-plugin's side of DRA-allocated networks: for one attachment of
 * `prepareDeviceInfo`, whether its resource is served by DRA (the pod's
 * claims or the kubelet say so), which device serves it
 * (`resolveDRANetworkDevices` of `devinfo/dra`) and its device-info (the
 * driver's device plugin file when it wrote one, else the device's
 * attributes or its metadata). Loaded by `prepareDeviceInfo` only for a
 * request with `pod` or `dra`; the DRA code itself only when one of them
 * says DRA.
 */

import { checkInteger, checkObject, invalidArgType, invalidArgValue, isPlainObject } from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import type { DRANetwork, DRANetworkDevice } from "../dra/network-devices.js";
import type { DeviceMetadata, PodLike, ResourceClaimLike, ResourceSliceLike } from "../dra/types.js";
import { type LoadOptions, loadDeviceInfoFromDP } from "../files/operations.js";
import type { DeviceInfo } from "../format/schema.js";
import type { KubeletOptions, PodDevices, PodReference } from "../kubelet.js";

/**
 * What a meta-plugin holds for the pod of an attachment whose network may be
 * served by DRA (`AttachmentRequest.dra` of `prepareDeviceInfo`). See
 * `resolveDRANetworkDevices` of `devinfo/dra` for what each source can tell
 * and the order devices pair with networks in.
 */
export interface DRAAttachment {
  /** The pod object (core/v1 `Pod` as JSON): `spec.resourceClaims`, `status.resourceClaimStatuses`, `status.extendedResourceClaimStatus`. */
  pod: PodLike;
  /**
   * All the pod's networks in attachment order, each with its
   * `resourceName` (and `claim` / `request` where the network names one),
   * with `networkIndex` this attachment's place among them. Without it: the
   * request's `deviceIndex` networks of the same `resourceName` come first,
   * then this one (with `claim` and `request` below).
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

/** The DRA side of one attachment, for `prepareDeviceInfo`. */
export interface AttachmentDRA {
  /** The device that serves the network, when DRA serves it. */
  device?: DRANetworkDevice | undefined;
  /** Its device-info: the driver's device plugin file, else from its attributes. */
  deviceInfo?: DeviceInfo | undefined;
  /** The kubelet's answer, when it was asked: the device plugin path reuses it (one call per ADD). */
  podDevices?: PodDevices | undefined;
}

/** What `prepareDeviceInfo` passes: the request's fields this side reads. */
export interface AttachmentDRARequest {
  dra: DRAAttachment | undefined;
  pod: PodReference | undefined;
  deviceID: unknown;
  deviceIndex: number;
  resourceName: string;
}

function checkDRAAttachment(dra: DRAAttachment): void {
  checkObject(dra, "request.dra");
  if (!isPlainObject(dra.pod)) throw invalidArgType("request.dra.pod", "a Pod object", dra.pod);
  for (const key of ["claim", "request"] as const) {
    if (dra[key] !== undefined && typeof dra[key] !== "string") throw invalidArgType(`request.dra.${key}`, "of type string", dra[key]);
  }
  if (dra.networks !== undefined) {
    if (!Array.isArray(dra.networks)) throw invalidArgType("request.dra.networks", "an array", dra.networks);
    checkInteger(dra.networkIndex, "request.dra.networkIndex", 0, Math.max(0, dra.networks.length - 1));
    if (dra.claim !== undefined || dra.request !== undefined)
      throw invalidArgValue(
        "request.dra.claim",
        dra.claim ?? dra.request,
        "with request.dra.networks, name the claim and request in the network's entry",
      );
  } else if (dra.networkIndex !== undefined) {
    throw invalidArgValue("request.dra.networkIndex", dra.networkIndex, "needs request.dra.networks");
  }
}

/**
 * The DRA side of one attachment with a `resourceName`: asks the kubelet
 * once (when the request has a `pod`), and when the pod's claims
 * (`dra.pod`) or the kubelet's `dynamicResources` say the pod has DRA
 * allocations, finds the network's device. `device` is absent when DRA does
 * not serve this network: the device plugin path goes on with
 * `podDevices`, as before.
 *
 * @throws what `resolveDRANetworkDevices` and `getPodDevices` throw; a
 *   `TypeError` / `RangeError` for a malformed `request.dra`.
 */
export async function attachmentDRA(
  request: AttachmentDRARequest,
  options: LoadOptions & { kubelet?: KubeletOptions | undefined },
  warnings: DeviceInfoError[],
): Promise<AttachmentDRA> {
  const { dra, pod, resourceName } = request;
  if (dra !== undefined) {
    checkDRAAttachment(dra);
    if (request.deviceID !== undefined && request.deviceID !== "")
      throw invalidArgValue("request.deviceID", request.deviceID, "cannot be given together with request.dra");
  }
  let podDevices: PodDevices | undefined;
  if (pod !== undefined && (request.deviceID === undefined || request.deviceID === "")) {
    checkObject(pod, "request.pod");
    const { getPodDevices } = await import("../kubelet.js");
    podDevices = await getPodDevices(pod, options.kubelet);
  }
  const dynamicResources = podDevices?.dynamicResources ?? [];
  if (dra === undefined && dynamicResources.length === 0) return { podDevices };
  const { podHasResourceClaims, resolveDRANetworkDevices } = await import("../dra/network-devices.js");
  const claimsSay = dra !== undefined && podHasResourceClaims(dra.pod);
  const pluginDevices =
    podDevices !== undefined && Object.hasOwn(podDevices.resources, resourceName) ? podDevices.resources[resourceName] : undefined;
  const kubeletSays = dynamicResources.length > 0 && (pluginDevices?.length ?? 0) === 0;
  if (!(claimsSay || kubeletSays)) return { podDevices };
  if (dra === undefined) {
    const claims = [...new Set(dynamicResources.map((d) => `${d.claimNamespace}/${d.claimName}`))].join(", ");
    warnings.push(
      new DeviceInfoError(
        "ERR_DEVINFO_NOT_FOUND",
        `the kubelet lists DRA devices for pod ${pod?.namespace}/${pod?.name} (claims ${claims}) but no device plugin device of resource "${resourceName}"; nothing says which DRA device serves it: pass request.dra with the pod object and the node's ResourceSlices (or the claims' device metadata)`,
      ),
    );
    return { podDevices };
  }

  const index = dra.networks === undefined ? request.deviceIndex : (dra.networkIndex as number);
  const networks: DRANetwork[] =
    dra.networks === undefined
      ? [
          ...Array.from({ length: request.deviceIndex }, () => ({ resourceName })),
          {
            resourceName,
            ...(dra.claim === undefined ? {} : { claim: dra.claim }),
            ...(dra.request === undefined ? {} : { request: dra.request }),
          },
        ]
      : [...dra.networks];
  if (networks[index]?.resourceName !== resourceName) {
    throw invalidArgValue(
      `request.dra.networks[${index}].resourceName`,
      networks[index]?.resourceName,
      `must be this attachment's resourceName "${resourceName}" (request.dra.networkIndex is ${index})`,
    );
  }
  const resolved = resolveDRANetworkDevices({
    pod: dra.pod,
    networks,
    resourceClaims: dra.resourceClaims,
    resourceSlices: dra.resourceSlices,
    metadata: dra.metadata,
    dynamicResources,
  });
  const device = resolved.devices[index];
  if (device === undefined) return { podDevices };
  const name = `${device.driver}/${device.pool}/${device.device}`;
  for (const w of resolved.warnings) {
    if (w.message.startsWith(`${name}: `)) warnings.push(new DeviceInfoError("ERR_DEVINFO_INVALID", `DRA device ${w.message}`));
  }
  return { device, deviceInfo: await draDeviceInfo(device, options, warnings), podDevices };
}

/** The device plugin file the driver may still write (it wins: the spec's own document), else the device's attributes. */
async function draDeviceInfo(device: DRANetworkDevice, options: LoadOptions, warnings: DeviceInfoError[]): Promise<DeviceInfo | undefined> {
  const what = `DRA device ${device.driver}/${device.pool}/${device.device} of claim ${device.claimName}`;
  if (device.deviceID === undefined) {
    warnings.push(
      new DeviceInfoError(
        "ERR_DEVINFO_NOT_FOUND",
        `the ${what} has no k8s.cni.cncf.io/deviceID attribute and no PCI address, so the network gets no device ID (does the driver publish its attributes in its ResourceSlice or device metadata?)`,
      ),
    );
  } else {
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
