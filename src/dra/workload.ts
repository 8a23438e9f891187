/**
 * The workload's question — which device did my network, interface or claim
 * get? — answered from whichever source the pod has: DRA device metadata
 * files (KEP-5304), the `k8s.v1.cni.cncf.io/network-status` annotation (a
 * Downward API volume), or KubeVirt's `kubevirt.io/network-info`.
 */

import { byteCount, checkOptionsWith, checkString, type OptionRule, type OptionRules } from "../base/args.js";
import { isDeviceInfoError } from "../base/errors.js";
import type { DeviceInfo } from "../format/schema.js";
import type { KubeVirtNetworkInfo, NetworkStatus } from "../status/schema.js";
import {
  DEFAULT_KUBEVIRT_NETWORK_INFO_PATH,
  DEFAULT_POD_ANNOTATIONS_PATH,
  readKubeVirtNetworkInfo,
  readPodNetworkStatus,
} from "../status/workload.js";
import { deviceInfoFromDeviceAttributes } from "./attributes.js";
import { findDeviceMetadata, readDeviceMetadata } from "./metadata.js";
import type { NetworkDeviceData } from "./types.js";

/** Which device {@link findPodDevices} looks for; every field is optional and all given must match. */
export interface PodDeviceSelector {
  /** The network's name (`namespace/name`, or `name` in any namespace): network-status entries and KubeVirt interfaces. */
  network?: string | undefined;
  /** The pod interface, e.g. `net1`: network-status entries, and metadata devices by `networkData.interfaceName`. */
  interface?: string | undefined;
  /** The claim's name, or the pod's name for a claim made from a template: metadata files. */
  claim?: string | undefined;
  /** The request's name in the claim: metadata files. */
  request?: string | undefined;
  /** The DRA driver: metadata files. */
  driver?: string | undefined;
}

/** The rule of each {@link PodDeviceSelector} field. @internal */
export const POD_DEVICE_SELECTOR_OPTION_RULES: OptionRules<PodDeviceSelector> = {
  network: checkString,
  interface: checkString,
  claim: checkString,
  request: checkString,
  driver: checkString,
};

/** Where {@link findPodDevices} looks. `false` skips a source. */
export interface FindPodDevicesOptions {
  /** The device metadata mount root. Default: both the final and the earlier root. */
  metadataRoot?: string | false | undefined;
  /** The Downward API annotations file. Default `/etc/podnetinfo/annotations`. */
  annotationsPath?: string | false | undefined;
  /** KubeVirt's network-info file. Default `/etc/podinfo/network-info`. */
  kubevirtNetworkInfoPath?: string | false | undefined;
  /** Cap on each file read, in bytes. Default: each reader's own. */
  maxBytes?: number | undefined;
}

/** A source's path, or `false` to skip the source. */
const sourcePath: OptionRule = (value, name) => {
  if (value !== false) checkString(value, name);
};

/** The rule of each {@link FindPodDevicesOptions} option. @internal */
export const FIND_POD_DEVICES_OPTION_RULES: OptionRules<FindPodDevicesOptions> = {
  metadataRoot: sourcePath,
  annotationsPath: sourcePath,
  kubevirtNetworkInfoPath: sourcePath,
  maxBytes: byteCount,
};

/** One device the pod has, from one source. */
export interface PodDevice {
  /** Where it was found. */
  source: "device-metadata" | "network-status" | "kubevirt-network-info";
  /** Its device-info document, when the source carries one. */
  deviceInfo: DeviceInfo | undefined;
  /** The file it was read from. */
  path: string;
  /** The network (network-status, KubeVirt). */
  network?: string | undefined;
  /** The pod interface (network-status; metadata `networkData.interfaceName`). */
  interface?: string | undefined;
  /** The claim, or the pod's name for a template's claim (metadata). */
  claim?: string | undefined;
  /** The request (metadata). */
  request?: string | undefined;
  /** The DRA driver, pool and device name (metadata). */
  driver?: string | undefined;
  pool?: string | undefined;
  device?: string | undefined;
  /** The network data the driver reported (metadata). */
  networkData?: NetworkDeviceData | undefined;
  /** Multus's `k8s.cni.cncf.io/resourceName` and `deviceID` attributes (metadata). */
  resourceName?: string | undefined;
  deviceID?: string | undefined;
}

function networkMatches(selector: string | undefined, name: string | undefined): boolean {
  if (selector === undefined) return true;
  if (name === undefined) return false;
  return name === selector || (!selector.includes("/") && name.endsWith(`/${selector}`));
}

/** Reads a source, treating "not there" as "no devices". */
async function optional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isDeviceInfoError(err) && err.code === "ERR_DEVINFO_NOT_FOUND") return undefined;
    throw err;
  }
}

/**
 * Every device of the pod that matches `selector`, from each source the pod
 * has, in this order: device metadata files (one entry per allocated
 * device), the network-status annotation (one per attachment), KubeVirt's
 * network-info (one per VM interface). A source that is not mounted has no
 * devices; a malformed one is an error. A selector field that a source
 * cannot answer (a claim for the annotation, a network for a metadata file)
 * matches nothing there.
 *
 * @throws {@link DeviceInfoError} for a malformed file of any source
 *   (`ERR_DEVINFO_PARSE`, `ERR_DEVINFO_INVALID`, `ERR_DEVINFO_TOO_LARGE`, `ERR_DEVINFO_IO`).
 *
 * @example
 * ```ts
 * const [nic] = await findPodDevices({ interface: "net1" });
 * if (nic?.deviceInfo?.type === "pci") console.log(nic.deviceInfo.pci["pci-address"], "from", nic.source);
 * ```
 */
export async function findPodDevices(selector?: PodDeviceSelector, options?: FindPodDevicesOptions): Promise<PodDevice[]> {
  const {
    network,
    interface: ifName,
    claim,
    request,
    driver,
  } = checkOptionsWith(selector, POD_DEVICE_SELECTOR_OPTION_RULES, "selector") ?? {};
  const opts = checkOptionsWith(options, FIND_POD_DEVICES_OPTION_RULES) ?? {};
  const metadataRoot = opts.metadataRoot;
  const annotationsPath = opts.annotationsPath ?? DEFAULT_POD_ANNOTATIONS_PATH;
  const kubevirtPath = opts.kubevirtNetworkInfoPath ?? DEFAULT_KUBEVIRT_NETWORK_INFO_PATH;
  const maxBytes = opts.maxBytes;
  const readOptions = maxBytes === undefined ? {} : { maxBytes };

  const devices: PodDevice[] = [];
  if (metadataRoot !== false && network === undefined) {
    const files = findDeviceMetadata({ ...(metadataRoot === undefined ? {} : { root: metadataRoot }), claim, request, driver });
    for (const file of files) {
      const metadata = await optional(() => readDeviceMetadata(file.path, readOptions));
      for (const req of metadata?.requests ?? []) {
        for (const device of req.devices ?? []) {
          const iface = device.networkData?.interfaceName;
          if (ifName !== undefined && iface !== ifName) continue;
          const view = deviceInfoFromDeviceAttributes(device.attributes ?? {});
          devices.push({
            source: "device-metadata",
            deviceInfo: view.deviceInfo,
            path: file.path,
            interface: iface,
            claim: file.claimName ?? file.podClaimName,
            request: file.request,
            driver: device.driver,
            pool: device.pool,
            device: device.name,
            networkData: device.networkData,
            resourceName: view.resourceName,
            deviceID: view.deviceID,
          });
        }
      }
    }
  }
  const byClaim = claim !== undefined || request !== undefined || driver !== undefined;
  if (annotationsPath !== false && !byClaim) {
    const statuses: NetworkStatus[] = (await optional(() => readPodNetworkStatus(annotationsPath, readOptions))) ?? [];
    for (const status of statuses) {
      if (!networkMatches(network, status.name) || (ifName !== undefined && status.interface !== ifName)) continue;
      devices.push({
        source: "network-status",
        deviceInfo: status["device-info"],
        path: annotationsPath,
        network: status.name,
        interface: status.interface,
      });
    }
  }
  if (kubevirtPath !== false && !byClaim && ifName === undefined) {
    const info: KubeVirtNetworkInfo | undefined = await optional(() => readKubeVirtNetworkInfo(kubevirtPath, readOptions));
    for (const iface of info?.interfaces ?? []) {
      if (!networkMatches(network, iface.network)) continue;
      devices.push({ source: "kubevirt-network-info", deviceInfo: iface.deviceInfo, path: kubevirtPath, network: iface.network });
    }
  }
  return devices;
}

/**
 * The device-info of the pod's network, interface or claim: the first
 * device {@link findPodDevices} finds that has one, or `undefined`.
 *
 * @example
 * ```ts
 * const info = await podDeviceInfo({ claim: "nic-claim" }); // or { network: "sriov-net1" }, { interface: "net1" }
 * ```
 */
export async function podDeviceInfo(selector?: PodDeviceSelector, options?: FindPodDevicesOptions): Promise<DeviceInfo | undefined> {
  for (const device of await findPodDevices(selector, options)) if (device.deviceInfo !== undefined) return device.deviceInfo;
  return undefined;
}
