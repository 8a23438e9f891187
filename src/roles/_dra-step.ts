/**
 * `prepareDeviceInfo`'s DRA step, for a request with a `resourceName` and a
 * `pod` or `dra`: with `dra`, finds the network's DRA device with
 * `findDRAAttachmentDevice`, loaded from the devinfo/dra bundle only here
 * (scripts/build.mjs keeps it out of the bundles that import this).
 * Internal: not exported by any entry point.
 */

import { invalidArgValue } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import type { DRAAttachment } from "../dra/attachment-device.js";
import type { DRANetworkDevice } from "../dra/network-devices.js";
import type { LoadOptions } from "../files/options.js";
import type { DeviceInfo } from "../format/schema.js";
import { isObject } from "../format/validate.js";
import type { PodDevices, PodReference } from "../kubelet/pod-resources.js";

/** What the DRA step found. */
export interface AttachmentDRA {
  /** The DRA device that serves the network, when DRA serves it. */
  device?: DRANetworkDevice | undefined;
  /** Its device-info: the driver's device plugin file, else the one its attributes describe. */
  deviceInfo?: DeviceInfo | undefined;
  /** The kubelet's answer, when it was asked: the device plugin path reuses it (one call per ADD). */
  podDevices?: PodDevices | undefined;
  /** Without `device`: why DRA, which serves the network's resource, gave it none (already in the warnings). */
  lacking?: DeviceInfoError[] | undefined;
}

/** The request's fields the DRA step reads. */
export interface DRAStepRequest {
  dra?: DRAAttachment | undefined;
  pod?: PodReference | undefined;
  deviceID?: string | undefined;
  deviceIndex?: number | undefined;
}

/**
 * With `podDevices`, the kubelet's answer (asked by `prepareDeviceInfo` when
 * the request has a `pod`): the DRA device when `dra` says DRA serves the
 * network; without `dra`, a warning when the kubelet lists DRA devices but
 * no device plugin device of the resource.
 */
export async function attachmentDRA(
  request: DRAStepRequest,
  resourceName: string,
  podDevices: PodDevices | undefined,
  options: LoadOptions,
  warnings: DeviceInfoError[],
): Promise<AttachmentDRA> {
  const { dra, pod } = request;
  if (dra !== undefined && request.deviceID !== undefined && request.deviceID !== "")
    throw invalidArgValue("request.deviceID", request.deviceID, "cannot be given together with request.dra");
  const dynamicResources = podDevices?.dynamicResources ?? [];
  if (dra === undefined) {
    const plugin =
      podDevices !== undefined && Object.hasOwn(podDevices.resources, resourceName) ? podDevices.resources[resourceName] : undefined;
    if (dynamicResources.length > 0 && (plugin?.length ?? 0) === 0) {
      const claims = [...new Set(dynamicResources.map((d) => `${d.claimNamespace}/${d.claimName}`))].join(", ");
      warnings.push(
        new DeviceInfoError(
          "ERR_DEVINFO_NOT_FOUND",
          `the kubelet lists DRA devices for pod ${pod?.namespace}/${pod?.name} (claims ${claims}) but no device plugin device of resource "${resourceName}"; nothing says which DRA device serves it: pass request.dra with the pod object and the node's ResourceSlices (or the claims' device metadata)`,
        ),
      );
    }
    return { podDevices };
  }
  const { findDRAAttachmentDevice } = await import("../dra/attachment-device.js");
  const found = await findDRAAttachmentDevice(dra, { resourceName, deviceIndex: request.deviceIndex, dynamicResources }, options);
  warnings.push(...found.warnings);
  return { device: found.device, deviceInfo: found.deviceInfo, podDevices, lacking: found.lacking };
}

/** `request.pod` and `dra.pod` must be one pod: the kubelet's answer for one and the claims of the other would mix two pods' devices. */
export function checkSamePod(pod: PodReference, draPod: unknown): void {
  const meta = isObject(draPod) && isObject(draPod.metadata) ? draPod.metadata : undefined;
  if (meta === undefined) return;
  for (const key of ["namespace", "name", "uid"] as const) {
    const theirs = meta[key];
    if (typeof theirs === "string" && typeof pod[key] === "string" && theirs !== pod[key]) {
      throw invalidArgValue(
        "request.dra.pod",
        `${String(meta.namespace)}/${String(meta.name)}`,
        `must be the pod of request.pod (${pod.namespace}/${pod.name}): its metadata.${key} is "${theirs}"`,
      );
    }
  }
}
