/**
 * The kubelet's allocations as devinfo reports them: the PodResources
 * answer's containers and the checkpoint's entries, both turned into one
 * list of allocations, then shaped into a pod's devices per resource and per
 * container (Multus's order) and its DRA devices.
 *
 * @internal
 */

import { Buffer } from "node:buffer";
import { setOwn } from "../format/validate.js";
import type { DeviceCheckpoint } from "./_checkpoint.js";
import type { ContainerDevicesMessage, PodResourcesMessage } from "./_proto.js";

/** Device IDs by resource name (`DeviceIDsByResource` of the public API). */
type DeviceIDsByResource = Record<string, string[]>;

/** The devices of one resource allocated to one container, in the kubelet's order. */
interface Allocation {
  readonly container: string;
  /** `undefined`: a container listed without devices (the PodResources API lists every container). */
  readonly resource: string | undefined;
  readonly ids: readonly string[];
}

/** The checkpoint's entries per pod UID, in the file's order. */
export function checkpointPods(checkpoint: DeviceCheckpoint): Map<string, Allocation[]> {
  const pods = new Map<string, Allocation[]>();
  for (const entry of checkpoint.entries) {
    let list = pods.get(entry.podUID);
    if (list === undefined) {
      list = [];
      pods.set(entry.podUID, list);
    }
    list.push({ container: entry.containerName, resource: entry.resourceName, ids: entry.deviceIDs });
  }
  return pods;
}

/** A PodResources message's containers and their `ContainerDevices`, in the kubelet's order. */
export function allocations(pod: PodResourcesMessage): Allocation[] {
  return pod.containers.flatMap((container) => [
    { container: container.name, resource: undefined, ids: [] },
    ...(container.devices as ContainerDevicesMessage[]).map((d) => ({
      container: container.name,
      resource: d.resource_name,
      ids: d.device_ids,
    })),
  ]);
}

/**
 * The pod's devices from its allocations in the kubelet's order, as Multus
 * v4.3.1 orders them: per container and resource, every list the kubelet
 * gives (the API splits a container's devices of one resource by NUMA node)
 * merged and sorted in byte order; per resource, those lists in the order
 * the (container, resource) pairs first appear, each ID once.
 */
export function podDevices(list: readonly Allocation[]): {
  resources: DeviceIDsByResource;
  containers: Record<string, DeviceIDsByResource>;
  orderedContainers: { name: string; resources: DeviceIDsByResource }[];
} {
  const containers: Record<string, DeviceIDsByResource> = {};
  const ordered = new Map<string, DeviceIDsByResource>();
  const pairs: [string, string, string[]][] = [];
  const byPair = new Map<string, string[]>();
  for (const { container, resource, ids } of list) {
    const raw = own(containers, container) ?? setOwnValue<DeviceIDsByResource>(containers, container, {});
    if (!ordered.has(container)) ordered.set(container, {});
    if (resource === undefined) continue;
    append(raw, resource, ids);
    const key = JSON.stringify([container, resource]);
    let merged = byPair.get(key);
    if (merged === undefined) {
      merged = [];
      byPair.set(key, merged);
      pairs.push([container, resource, merged]);
    }
    merged.push(...ids);
  }
  const resources: DeviceIDsByResource = {};
  for (const [container, resource, ids] of pairs) {
    const sorted = sortedUnique(ids);
    setOwn(ordered.get(container) as DeviceIDsByResource, resource, sorted);
    append(resources, resource, sorted);
  }
  return {
    resources: unique(resources),
    containers,
    orderedContainers: [...ordered].map(([name, byResource]) => ({ name, resources: byResource })),
  };
}

/** The DRA devices of a PodResources message, one entry per `ClaimResource`, containers in the kubelet's order. */
export function dynamicResources(pod: PodResourcesMessage) {
  return pod.containers.flatMap((container) =>
    (container.dynamic_resources ?? []).flatMap((claim) =>
      claim.claim_resources.map((resource) => ({
        containerName: container.name,
        className: claim.class_name,
        claimName: claim.claim_name,
        claimNamespace: claim.claim_namespace,
        driver: resource.driver_name,
        pool: resource.pool_name,
        device: resource.device_name,
        ...(resource.share_id === undefined ? {} : { shareID: resource.share_id }),
        cdiDevices: resource.cdi_devices.map((cdi) => cdi.name),
      })),
    ),
  );
}

export function unique(resources: DeviceIDsByResource): DeviceIDsByResource {
  for (const [resourceName, ids] of Object.entries(resources)) setOwn(resources, resourceName, [...new Set(ids)]);
  return resources;
}

/** Go's `sort.Strings` (byte order of the UTF-8), each ID once. */
function sortedUnique(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export function append(target: DeviceIDsByResource, resourceName: string, ids: readonly string[]): void {
  const list = own(target, resourceName) ?? setOwnValue<string[]>(target, resourceName, []);
  list.push(...ids);
}

export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function setOwnValue<T>(record: Record<string, T>, key: string, value: T): T {
  setOwn(record, key, value);
  return value;
}
