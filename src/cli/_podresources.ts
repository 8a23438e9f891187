/**
 * `--kubelet` for `gc` and `ls`: the devices the kubelet lists (PodResources
 * `GetAllocatableResources`, or the checkpoint's `RegisteredDevices` when the
 * socket does not exist), and which pod holds each (`List`). Both sources
 * list healthy devices only (the kubelet's device manager filters
 * `GetAllocatableDevices` and writes the checkpoint from its healthy set), so
 * an absent device may be unhealthy, not gone: the answer is evidence that a
 * device lives, never that it is gone. `devinfo/kubelet`, and gRPC with it, is loaded only with the flag.
 */

import { basename } from "node:path";
import { getDPDeviceInfoPath } from "../files/paths.js";
import type { DeviceIDsByResource, KubeletSource } from "../kubelet.js";
import { type OptionSpec, stringOption, UsageError, type Values } from "./_command.js";
import { type DeviceList, parseDuration } from "./_names.js";

/** The options; `--kubelet-socket` or `--kubelet-checkpoint` imply `--kubelet`. */
export const kubeletOptions: Readonly<Record<string, OptionSpec>> = {
  kubelet: {
    type: "boolean",
    default: "false",
    help: `Ask the kubelet which devices it lists: its PodResources API (GetAllocatableResources), or its device checkpoint when the socket does not exist. Both list healthy devices only, so the kubelet never proves a device gone: its devices count as live next to --live-devices, and gc removes no device plugin file on its word alone (ls shows what it lists, and which pod holds each device).`,
  },
  "kubelet-socket": {
    type: "string",
    default: "/var/lib/kubelet/pod-resources/kubelet.sock",
    help: "The kubelet's PodResources socket (implies --kubelet).",
  },
  "kubelet-checkpoint": {
    type: "string",
    default: "/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint",
    help: "The kubelet's device checkpoint, read when the socket does not exist (implies --kubelet).",
  },
  "kubelet-timeout": {
    type: "string",
    default: "10s",
    help: "How long to wait for the kubelet's answers, e.g. 30s.",
  },
};

/** What the kubelet said. */
export interface KubeletDevices {
  /** Its devices as a live-device list: exact device plugin file names. */
  readonly list: DeviceList;
  /** Per device plugin file name, the pod that holds the device (`namespace/name`, or `uid` from the checkpoint); only when asked. */
  readonly holders: ReadonlyMap<string, string> | undefined;
  readonly source: KubeletSource;
}

/** Whether the command line asks the kubelet. */
export function asksKubelet(values: Values): boolean {
  return (
    values.kubelet === true ||
    stringOption(values, "kubelet-socket") !== undefined ||
    stringOption(values, "kubelet-checkpoint") !== undefined
  );
}

/** The longest `--kubelet-timeout`: a day (a longer wait is a typo, and the gRPC deadline must stay a sane integer). */
const MAX_KUBELET_TIMEOUT_MS = 86_400_000;

/**
 * Checks the `--kubelet-*` values, whether or not the kubelet is asked: a
 * timeout of whole milliseconds from 1 ms to 24 h, non-empty paths (an empty
 * one is an unset shell variable, never a request for a default).
 * Returns the timeout in milliseconds, if given.
 */
export function checkKubeletOptions(values: Values): number | undefined {
  for (const flag of ["kubelet-socket", "kubelet-checkpoint"]) {
    if (stringOption(values, flag) === "") throw new UsageError(`--${flag} needs a non-empty path`);
  }
  const timeout = stringOption(values, "kubelet-timeout");
  if (timeout === undefined) return undefined;
  const timeoutMs = parseDuration(timeout);
  if (timeoutMs === undefined || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_KUBELET_TIMEOUT_MS) {
    throw new UsageError(
      `--kubelet-timeout: ${JSON.stringify(timeout)} is not a duration of whole milliseconds from 1ms to 24h; write e.g. 10s or 1m`,
    );
  }
  return timeoutMs;
}

/** Asks the kubelet, or returns `undefined` when the command line does not. */
export async function readKubeletDevices(values: Values, withHolders: boolean): Promise<KubeletDevices | undefined> {
  const timeoutMs = checkKubeletOptions(values);
  if (!asksKubelet(values)) return undefined;
  const { getAllocatableDevices, listPodDevices } = await import("../kubelet.js");
  const options = {
    socket: stringOption(values, "kubelet-socket") ?? kubeletOptions["kubelet-socket"]?.default,
    checkpoint: stringOption(values, "kubelet-checkpoint") ?? kubeletOptions["kubelet-checkpoint"]?.default,
    timeoutMs,
  };
  const { resources, source } = await getAllocatableDevices(options);
  let holders: Map<string, string> | undefined;
  if (withHolders) {
    holders = new Map();
    for (const pod of (await listPodDevices(options)).pods) {
      const holder = pod.namespace !== undefined && pod.name !== undefined ? `${pod.namespace}/${pod.name}` : (pod.uid ?? "?");
      for (const name of fileNames(pod.resources)) holders.set(name, holder);
    }
  }
  const files = new Set(fileNames(resources));
  const list: DeviceList = { devices: new Set(), files, resources: new Set(Object.keys(resources)), size: files.size };
  return { list, holders, source };
}

/** The device plugin file names of the devices, as writers name them (a device that cannot have a file has none). */
function fileNames(resources: DeviceIDsByResource): string[] {
  const names: string[] = [];
  for (const [resourceName, ids] of Object.entries(resources)) {
    for (const id of ids) {
      try {
        names.push(basename(getDPDeviceInfoPath(resourceName, id)));
      } catch {
        // "..", a NUL byte, over 255 bytes: no writer can have made a file for it.
      }
    }
  }
  return names;
}
