/**
 * `devinfo/kubelet`: which devices the kubelet allocated, from its
 * PodResources API (gRPC over `/var/lib/kubelet/pod-resources/kubelet.sock`)
 * or its device manager checkpoint, for meta-plugins and `devinfo gc`.
 * A separate entry point: the gRPC call (HTTP/2 over `node:net`, the
 * project's own protobuf codec) is loaded on the first call that reaches the
 * socket only, and a CNI plugin that imports the root entry never loads this
 * module.
 *
 * @packageDocumentation
 * @module devinfo/kubelet
 */

// The error every function here throws for bad data, as every entry exports it.
export * from "./_errors.js";
export {
  type AllocatableDevices,
  assignDeviceIDs,
  CHECKPOINT_DRA_NOTE,
  type ContainerDeviceIDs,
  DEFAULT_DEVICE_CHECKPOINT,
  DEFAULT_KUBELET_TIMEOUT_MS,
  DEFAULT_PODRESOURCES_SOCKET,
  type DeviceIDsByResource,
  type DynamicResourceDevice,
  getAllocatableDevices,
  getPodDevices,
  type KubeletOptions,
  type KubeletSource,
  type ListedPodDevices,
  listPodDevices,
  type PodDevices,
  type PodReference,
} from "./kubelet/pod-resources.js";
