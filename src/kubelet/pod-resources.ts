/**
 * Which devices the kubelet allocated, for meta-plugins (the device ID of a
 * network's `resourceName`, spec 4.2.1) and for `devinfo gc`: the kubelet's
 * PodResources API (gRPC `v1.PodResourcesLister` on a unix socket), or, where
 * that socket does not exist, the device manager's checkpoint file, as
 * Multus's `pkg/kubeletclient` and `pkg/checkpoint` read them.
 *
 * `node:net` (for the HTTP/2 client in `_h2.ts`) is loaded on the first call that reaches the socket only.
 */

import { constants, type Stats } from "node:fs";
import { access, stat } from "node:fs/promises";
import { resolve } from "node:path";
import {
  abortSignal,
  checkNonEmptyString,
  checkNumber,
  checkObject,
  checkOptionsWith,
  checkString,
  invalidArgType,
  invalidArgValue,
  type OptionRules,
} from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { allocations, append, checkpointPods, dynamicResources, own, podDevices, unique } from "./_allocations.js";
import { DEFAULT_DEVICE_CHECKPOINT, type DeviceCheckpoint, fileError, readDeviceCheckpoint } from "./_checkpoint.js";
import { GRPC_STATUS } from "./_h2.js";
import { call, isGrpcCode } from "./_podresources-call.js";
import type { PodResourcesMessage, PodResourcesMethod } from "./_proto.js";

export { DEFAULT_DEVICE_CHECKPOINT } from "./_checkpoint.js";

/** The kubelet's PodResources socket (`podresources.Socket` under `/var/lib/kubelet/pod-resources`). */
export const DEFAULT_PODRESOURCES_SOCKET = "/var/lib/kubelet/pod-resources/kubelet.sock";

/** How long a call waits for the kubelet by default, in milliseconds (Multus's 10 s). */
export const DEFAULT_KUBELET_TIMEOUT_MS = 10_000;

/** The pod whose devices are asked for: its metadata `namespace`, `name` and `uid`. */
export interface PodReference {
  /** `metadata.namespace` (`K8S_POD_NAMESPACE` in CNI_ARGS). */
  namespace: string;
  /** `metadata.name` (`K8S_POD_NAME`). */
  name: string;
  /**
   * `metadata.uid` (`K8S_POD_UID`). Needed only when the answer comes from the
   * checkpoint file, which knows pods by UID alone.
   */
  uid?: string | undefined;
}

/** Device IDs per resource name, e.g. `{ "intel.com/sriov": ["0000:af:06.0"] }`. */
export type DeviceIDsByResource = Record<string, string[]>;

/** Where an answer came from. */
export type KubeletSource =
  | {
      /** The PodResources API. */
      readonly type: "podresources";
      /** The method that answered (`List` when the kubelet has no `Get`). */
      readonly method: "Get" | "List" | "GetAllocatableResources";
      /** The socket. */
      readonly path: string;
    }
  | {
      /** The device manager's checkpoint file (the socket did not exist). */
      readonly type: "checkpoint";
      /** The file. */
      readonly path: string;
      /**
       * What this source cannot see, from {@link getPodDevices} and
       * {@link listPodDevices}: the checkpoint holds device plugin
       * allocations only, never devices allocated through DRA.
       */
      readonly note?: string;
    };

/** The note of a checkpoint answer about pods: it has no DRA allocations. */
export const CHECKPOINT_DRA_NOTE =
  "the device manager's checkpoint holds device plugin allocations only: it cannot see devices allocated through DRA (dynamicResources is empty); the PodResources API lists them (dynamic_resources, Kubernetes 1.27 and later)";

/**
 * One device allocated to a container through DRA (a ResourceClaim), as the
 * PodResources API lists it (`ContainerResources.dynamic_resources`,
 * KEP-3695): one entry per allocated device. The kubelet lists only the
 * claims a container references (`spec.containers[].resources.claims`); a
 * claim referenced only at pod level (`spec.resourceClaims`) never appears.
 */
export interface DynamicResourceDevice {
  /** The container that references the claim. */
  containerName: string;
  /**
   * The claim's DeviceClass (`class_name`), from kubelets 1.27 to 1.30; `""`
   * from 1.31 on, where claims have no single class and the field is gone.
   */
  className: string;
  /** The ResourceClaim's name (`claim_name`). */
  claimName: string;
  /** The ResourceClaim's namespace (`claim_namespace`). */
  claimNamespace: string;
  /** The DRA driver (`driver_name`), e.g. `sriovnetwork.k8snetworkplumbingwg.io`. */
  driver: string;
  /** The ResourceSlice pool (`pool_name`), often the node name. */
  pool: string;
  /** The device's name in its pool (`device_name`); driver, pool and device name it uniquely. */
  device: string;
  /**
   * The share of a device allocated to several claims (consumable capacity,
   * KEP-5075): `ClaimResource.share_id` (field 5, `optional`), present only
   * when the kubelet sends it (newer kubelets, shared devices).
   */
  shareID?: string;
  /** The fully qualified CDI device names (`vendor.com/class=name`) the driver prepared for it. */
  cdiDevices: string[];
}

/**
 * One container's devices, as an item of {@link PodDevices.orderedContainers}.
 */
export interface ContainerDeviceIDs {
  /** The container's name (`spec.containers[].name`, or a restartable init container's). */
  name: string;
  /**
   * Its devices per resource, each list sorted as Go's `sort.Strings` sorts
   * (byte order), each ID once: the order Multus takes them in.
   */
  resources: DeviceIDsByResource;
}

/**
 * The devices allocated to one pod (see {@link getPodDevices}).
 *
 * The order of {@link PodDevices.resources} is the contract Multus v4.3.1
 * follows (multus-cni#1539): each resource's list is the containers' lists
 * in the kubelet's order of containers, each container's list sorted in byte
 * order. So with `app: [06.1, 06.0]` and `sidecar: [02.3, 02.1]` of one
 * resource, the list is `[06.0, 06.1, 02.1, 02.3]`, and the pod's networks
 * of that resource get the app's VFs first, then the sidecar's.
 */
export interface PodDevices {
  /**
   * Every device of the pod per resource, over all its containers, in
   * Multus's order (see {@link PodDevices}): the containers in the kubelet's
   * order, each container's IDs sorted in byte order (Go's `sort.Strings`).
   * Each ID once: a device listed for two containers (a device an init
   * container held, reused by an app container) keeps its first place,
   * where Multus would list it twice and hand it to two networks. This is
   * the order {@link assignDeviceIDs} hands them to the pod's networks in.
   */
  resources: DeviceIDsByResource;
  /**
   * Per container name, its devices per resource, in the order the kubelet
   * gives them (not sorted). A record cannot keep the containers' order for
   * every name (JavaScript orders integer-like keys such as `"0"` first): see
   * {@link PodDevices.orderedContainers}.
   */
  containers: Record<string, DeviceIDsByResource>;
  /**
   * The containers in the kubelet's order, each with its devices per
   * resource sorted as {@link PodDevices.resources} takes them: for each
   * resource, `resources[r]` is the concatenation of the containers' `r`
   * lists (each ID once). The kubelet's order is the pod's containers' order
   * from the PodResources API; from the checkpoint, the order of its entries,
   * which the kubelet writes in no fixed order (it keeps a container's entries
   * together; were they not, `resources` would follow the entries, as Multus).
   */
  orderedContainers: ContainerDeviceIDs[];
  /**
   * The devices allocated through DRA, one entry per device, containers in
   * the kubelet's order (see {@link DynamicResourceDevice}). Always `[]` from
   * the checkpoint, which cannot see them (its `source.note` says so).
   */
  dynamicResources: DynamicResourceDevice[];
  /** Where the answer came from. */
  source: KubeletSource;
}

/** The kubelet's healthy devices (see {@link getAllocatableDevices}). */
export interface AllocatableDevices {
  /**
   * Per resource, its HEALTHY devices in the kubelet's order, each once. A
   * device the kubelet knows as unhealthy is not listed: absence is no proof
   * that a device is gone.
   */
  resources: DeviceIDsByResource;
  /** Where the answer came from. */
  source: KubeletSource;
}

/** Options of {@link getPodDevices} and {@link getAllocatableDevices}. */
export interface KubeletOptions {
  /** The PodResources socket (default {@link DEFAULT_PODRESOURCES_SOCKET}). */
  socket?: string | undefined;
  /** The checkpoint file, read when the socket does not exist (default {@link DEFAULT_DEVICE_CHECKPOINT}). */
  checkpoint?: string | undefined;
  /** How long to wait for the kubelet, in milliseconds, over all calls (default {@link DEFAULT_KUBELET_TIMEOUT_MS}). */
  timeoutMs?: number | undefined;
  /** Stops waiting; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/**
 * The rule of each {@link KubeletOptions} option. `timeoutMs` accepts
 * fractions, as every duration option does, but is bounded to a day: it is
 * the deadline of a CNI ADD's gRPC calls, where a value in seconds or
 * `Infinity` would hang the ADD (the waiters' `timeoutMs` bounds a wait the
 * caller chose, and may be 0).
 *
 * @internal
 */
export const KUBELET_OPTION_RULES: OptionRules<KubeletOptions> = {
  socket: (value, name) => checkPath(value, name),
  checkpoint: (value, name) => checkPath(value, name),
  timeoutMs: (value, name) => checkNumber(value, name, 1, MAX_TIMEOUT_MS),
  signal: abortSignal,
};

/**
 * The devices the kubelet allocated to a pod. Asks the PodResources API's
 * `Get` (Kubernetes 1.27 and later), and `List` when the kubelet has no `Get`
 * (gRPC `UNIMPLEMENTED`) or answers it with an error (the `KubeletPodResourcesGet`
 * feature gate is off, or the pod is unknown: `Get` says both with a plain
 * error). When the socket does not exist, reads the checkpoint file instead
 * and matches `pod.uid`, as Multus does. A pod the kubelet does not know
 * has empty `resources`, `containers`, `orderedContainers` and
 * `dynamicResources`.
 *
 * Each resource's devices come in Multus v4.3.1's order (see
 * {@link PodDevices}): the containers in the kubelet's order, each
 * container's devices sorted; on both sources alike. Devices allocated
 * through DRA are in `dynamicResources` (the PodResources API only).
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_KUBELET_UNAVAILABLE` (neither
 *   the socket nor the checkpoint exists, nothing listens on the socket, the
 *   socket path is a regular file, a directory or anything else but a socket
 *   (`errno` `ENOTSOCK`), or only the checkpoint exists and `pod.uid` is not
 *   given),
 *   `ERR_DEVINFO_KUBELET_PERMISSION`, `ERR_DEVINFO_KUBELET_UNSUPPORTED` (a
 *   kubelet without v1 `List`, before 1.20), `ERR_DEVINFO_KUBELET_TIMEOUT`,
 *   `ERR_DEVINFO_KUBELET_ERROR`, and for the checkpoint `ERR_DEVINFO_PARSE` /
 *   `ERR_DEVINFO_INVALID`; each with the socket's or the file's `path`. An
 *   aborted `signal` rejects with its reason. Misuse (a pod without `name`,
 *   a negative `timeoutMs`) is a `TypeError` / `RangeError` as in `node:fs`.
 *
 * @example
 * ```ts
 * const { resources } = await getPodDevices({ namespace: "default", name: "pod-1", uid });
 * resources["intel.com/sriov"]; // ["0000:af:06.0", "0000:af:06.1"]
 * ```
 */
export async function getPodDevices(pod: PodReference, options?: KubeletOptions): Promise<PodDevices> {
  const ref = checkPod(pod);
  const opts = checkKubeletOptions(options);
  opts.signal?.throwIfAborted();
  if (await socketExists(opts.socket)) {
    const message = await askPodResources(ref, opts);
    return {
      ...podDevices(message === undefined ? [] : allocations(message)),
      dynamicResources: message === undefined ? [] : dynamicResources(message),
      source: message?.source ?? podResourcesSource("List", opts.socket),
    };
  }
  const checkpoint = await readCheckpoint(opts);
  if (ref.uid === undefined) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_KUBELET_UNAVAILABLE",
      `the kubelet's PodResources socket ${opts.socket} does not exist, and its checkpoint ${opts.checkpoint} knows pods by UID only; pass pod.uid (K8S_POD_UID)`,
      { path: opts.socket, errno: "ENOENT" },
    );
  }
  const entries = checkpointPods(checkpoint).get(ref.uid) ?? [];
  return { ...podDevices(entries), dynamicResources: [], source: checkpointSource(opts.checkpoint) };
}

/** One pod of {@link listPodDevices}. */
export interface ListedPodDevices {
  /** `metadata.namespace`; `undefined` from the checkpoint, which knows pods by UID only. */
  namespace: string | undefined;
  /** `metadata.name`; `undefined` from the checkpoint. */
  name: string | undefined;
  /** `metadata.uid`; `undefined` from the PodResources API, which does not give it. */
  uid: string | undefined;
  /** As {@link PodDevices.resources}. */
  resources: DeviceIDsByResource;
  /** As {@link PodDevices.containers}. */
  containers: Record<string, DeviceIDsByResource>;
  /** As {@link PodDevices.orderedContainers}. */
  orderedContainers: ContainerDeviceIDs[];
  /** As {@link PodDevices.dynamicResources}. */
  dynamicResources: DynamicResourceDevice[];
}

/**
 * Every pod the kubelet knows, with its devices: the PodResources API's
 * `List` (the active pods, with or without devices), or, when the socket
 * does not exist, the checkpoint's pods that hold a device (by UID). For
 * `devinfo ls`: which pod holds a device plugin file's device.
 *
 * @throws {@link DeviceInfoError} as {@link getPodDevices}.
 *
 * @example
 * ```ts
 * const { pods } = await listPodDevices();
 * const holder = pods.find((p) => p.resources["intel.com/sriov"]?.includes("0000:af:06.0"));
 * ```
 */
export async function listPodDevices(options?: KubeletOptions): Promise<{ pods: ListedPodDevices[]; source: KubeletSource }> {
  const opts = checkKubeletOptions(options);
  opts.signal?.throwIfAborted();
  if (await socketExists(opts.socket)) {
    const { pod_resources } = await call(opts, "List", {}, Date.now() + opts.timeoutMs);
    const pods = pod_resources.map((pod) => ({
      namespace: pod.namespace,
      name: pod.name,
      uid: undefined,
      ...podDevices(allocations(pod)),
      dynamicResources: dynamicResources(pod),
    }));
    return { pods, source: podResourcesSource("List", opts.socket) };
  }
  const checkpoint = await readCheckpoint(opts);
  const pods = [...checkpointPods(checkpoint)].map(([uid, entries]) => ({
    namespace: undefined,
    name: undefined,
    uid,
    ...podDevices(entries),
    dynamicResources: [],
  }));
  return { pods, source: checkpointSource(opts.checkpoint) };
}

/**
 * The kubelet's HEALTHY devices, per resource: the PodResources API's
 * `GetAllocatableResources` (Kubernetes 1.23 and later; 1.21 and 1.22 with
 * the `KubeletPodResourcesGetAllocatable` feature gate), or, when the socket
 * does not exist, the checkpoint's `RegisteredDevices`. Devices allocated to
 * pods are included (this is the capacity, not what is free), but unhealthy
 * devices are not, on either source: the kubelet's device manager answers
 * `GetAllocatableResources` with its registered devices filtered by its
 * healthy set (`ManagerImpl.GetAllocatableDevices`), and writes the healthy
 * set as `RegisteredDevices` (`ManagerImpl.writeCheckpoint`); a resource
 * whose plugin is down has all its devices marked unhealthy. So a device
 * missing here may still exist: this list proves a device is live, never
 * that one is gone.
 *
 * The checkpoint's `Checksum` is not verified (it hashes Go's debug dump of
 * the kubelet's private structs, which cannot be recomputed outside the
 * kubelet; Multus does not verify it either); a file that is not JSON of the
 * device manager's shape is a typed error naming it.
 *
 * @throws {@link DeviceInfoError} as {@link getPodDevices};
 *   `ERR_DEVINFO_KUBELET_UNSUPPORTED` for a kubelet without
 *   `GetAllocatableResources`.
 *
 * @example
 * ```ts
 * const { resources, source } = await getAllocatableDevices({ timeoutMs: 2000 });
 * for (const [resourceName, ids] of Object.entries(resources)) console.log(resourceName, ids.length, source.type);
 * ```
 */
export async function getAllocatableDevices(options?: KubeletOptions): Promise<AllocatableDevices> {
  const opts = checkKubeletOptions(options);
  opts.signal?.throwIfAborted();
  const resources: DeviceIDsByResource = {};
  if (await socketExists(opts.socket)) {
    const answer = await call(opts, "GetAllocatableResources", {}, Date.now() + opts.timeoutMs);
    for (const devices of answer.devices) append(resources, devices.resource_name, devices.device_ids);
    return { resources: unique(resources), source: podResourcesSource("GetAllocatableResources", opts.socket) };
  }
  const checkpoint = await readCheckpoint(opts);
  for (const [resourceName, ids] of Object.entries(checkpoint.registeredDevices)) append(resources, resourceName, ids);
  return { resources: unique(resources), source: { type: "checkpoint", path: opts.checkpoint } };
}

/**
 * Multus's assignment of a pod's devices to its networks: the networks are
 * taken in the order Multus attaches them (the cluster network, the default
 * networks, then the pod's `k8s.v1.cni.cncf.io/networks` in order); each
 * network whose NetworkAttachmentDefinition has a `resourceName` gets the
 * next unused device of that resource, from the list as given; a network
 * without a `resourceName`, or whose resource has no device left, gets none.
 *
 * The lists are taken in the order given (each ID once), not re-sorted:
 * {@link PodDevices.resources} already holds Multus v4.3.1's order (the
 * containers in the kubelet's order, each container's devices in byte order).
 * So with `app` holding `["0000:3b:02.2", "0000:3b:02.0"]` and `sidecar`
 * holding `["0000:3b:02.3", "0000:3b:02.1"]`, `resources` is
 * `["0000:3b:02.0", "0000:3b:02.2", "0000:3b:02.1", "0000:3b:02.3"]` and
 * networks `[a (sriov), b (none), c (sriov), d (sriov)]` get `0000:3b:02.0`,
 * none, `0000:3b:02.2` and `0000:3b:02.1`.
 *
 * @param resources The pod's devices, as {@link getPodDevices} gives them ({@link PodDevices.resources}).
 * @param resourceNames Each network's `resourceName` (or `undefined`), in attachment order.
 * @returns Each network's device ID, or `undefined`.
 *
 * @example
 * ```ts
 * const pod = await getPodDevices({ namespace, name, uid });
 * const [a, b, c] = assignDeviceIDs(pod.resources, ["intel.com/sriov", undefined, "intel.com/sriov"]);
 * ```
 */
export function assignDeviceIDs(
  resources: Readonly<DeviceIDsByResource>,
  resourceNames: readonly (string | undefined)[],
): (string | undefined)[] {
  checkObject(resources, "resources");
  if (!Array.isArray(resourceNames)) throw invalidArgType("resourceNames", "an instance of Array", resourceNames);
  const used = new Map<string, number>();
  return resourceNames.map((resourceName, i) => {
    if (resourceName === undefined || resourceName === "") return undefined;
    checkString(resourceName, `resourceNames[${i}]`);
    const index = used.get(resourceName) ?? 0;
    used.set(resourceName, index + 1);
    const ids = own(resources, resourceName);
    return Array.isArray(ids) ? [...new Set(ids)][index] : undefined;
  });
}

// ---------------------------------------------------------------------------

interface Resolved {
  socket: string;
  checkpoint: string;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

type Answer = PodResourcesMessage & { source: KubeletSource };

async function askPodResources(pod: PodReference, opts: Resolved): Promise<Answer | undefined> {
  const deadline = Date.now() + opts.timeoutMs;
  try {
    const { pod_resources } = await call(opts, "Get", { pod_name: pod.name, pod_namespace: pod.namespace }, deadline);
    if (pod_resources !== null) return { ...pod_resources, source: podResourcesSource("Get", opts.socket) };
  } catch (err) {
    // UNIMPLEMENTED: before 1.27. UNKNOWN: a plain Go error, which the kubelet
    // gives both for a disabled Get and for a pod it does not know; List tells them apart.
    if (!(err instanceof DeviceInfoError && (err.code === "ERR_DEVINFO_KUBELET_UNSUPPORTED" || isGrpcCode(err.cause, GRPC_STATUS.UNKNOWN))))
      throw err;
  }
  const { pod_resources } = await call(opts, "List", {}, deadline);
  const found = pod_resources.find((p) => p.name === pod.name && p.namespace === pod.namespace);
  return found === undefined ? undefined : { ...found, source: podResourcesSource("List", opts.socket) };
}

/** `true` when the socket exists; `false` when it does not (use the checkpoint). */
async function socketExists(socket: string): Promise<boolean> {
  let stats: Stats;
  try {
    stats = await stat(socket);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    if (errno === "ENOENT" || errno === "ENOTDIR") return false;
    throw fileError(err, socket);
  }
  if (!stats.isSocket()) {
    // A wrong path (a file, a directory), not a stopped kubelet: say what is there.
    throw new DeviceInfoError(
      "ERR_DEVINFO_KUBELET_UNAVAILABLE",
      `${socket} is ${fileKind(stats)}not a unix socket, so it is not the kubelet's PodResources socket (${DEFAULT_PODRESOURCES_SOCKET} by default); check the path given in options.socket`,
      { path: socket, errno: "ENOTSOCK" },
    );
  }
  try {
    // connect(2) on a unix socket needs write permission on it; gRPC would only say UNAVAILABLE.
    await access(socket, constants.W_OK);
  } catch (err) {
    throw fileError(err, socket);
  }
  return true;
}

/** `"a directory, "`, `"a regular file, "`, ... for messages. */
function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return "a directory, ";
  if (stats.isFile()) return "a regular file, ";
  if (stats.isFIFO()) return "a FIFO, ";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device, ";
  return "";
}

async function readCheckpoint(opts: Resolved): Promise<DeviceCheckpoint> {
  const checkpoint = await readDeviceCheckpoint(opts.checkpoint);
  opts.signal?.throwIfAborted();
  if (checkpoint === undefined) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_KUBELET_UNAVAILABLE",
      `neither the kubelet's PodResources socket ${opts.socket} nor its device checkpoint ${opts.checkpoint} exists; is this a Kubernetes node, with /var/lib/kubelet mounted into this container?`,
      { path: opts.socket, errno: "ENOENT" },
    );
  }
  return checkpoint;
}

function checkpointSource(path: string): KubeletSource {
  return { type: "checkpoint", path, note: CHECKPOINT_DRA_NOTE };
}

function podResourcesSource(method: PodResourcesMethod, path: string): KubeletSource {
  return { type: "podresources", method, path };
}

function checkPod(pod: PodReference): PodReference {
  checkObject(pod, "pod");
  checkNonEmptyString(pod.namespace, "pod.namespace");
  checkNonEmptyString(pod.name, "pod.name");
  if (pod.uid !== undefined) checkString(pod.uid, "pod.uid");
  return { namespace: pod.namespace, name: pod.name, uid: pod.uid === "" ? undefined : pod.uid };
}

// A day: longer is a mistake (a value in seconds, or Infinity) that would hang a CNI ADD.
const MAX_TIMEOUT_MS = 86_400_000;

function checkKubeletOptions(options: KubeletOptions | undefined): Resolved {
  const {
    socket = DEFAULT_PODRESOURCES_SOCKET,
    checkpoint = DEFAULT_DEVICE_CHECKPOINT,
    timeoutMs = DEFAULT_KUBELET_TIMEOUT_MS,
    signal,
  } = checkOptionsWith(options, KUBELET_OPTION_RULES) ?? {};
  return { socket: resolve(socket), checkpoint: resolve(checkpoint), timeoutMs, signal };
}

function checkPath(value: unknown, name: string): asserts value is string {
  checkNonEmptyString(value, name);
  if (value.includes("\0")) throw invalidArgValue(name, value, "must be a path without null bytes");
}
