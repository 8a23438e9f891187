/**
 * The Kubernetes API shapes this package reads and writes for Dynamic
 * Resource Allocation (DRA), as JSON objects: `resource.k8s.io/v1`
 * (`DeviceAttribute`, `NetworkDeviceData`, `AllocatedDeviceStatus`,
 * `ResourceClaim`) and KEP-5304's device metadata
 * (`metadata.resource.k8s.io/v1alpha1` `DeviceMetadata`, from
 * `k8s.io/dynamic-resource-allocation/api/metadata`; `v1beta1` since
 * Kubernetes 1.37, the same shape). Field names are the
 * API's JSON names; only the fields this package uses are spelt out, every
 * object may carry more.
 */

/**
 * A ResourceSlice device attribute (`resource.k8s.io/v1` `DeviceAttribute`):
 * exactly one of the value fields is set. Strings and versions are at most 64
 * bytes; a version is a semantic version (semver.org 2.0.0). The list forms
 * (`ints`, `bools`, `strings`, `versions`: KEP-5491, feature gate
 * `DRAListTypeAttributes`) are kept as they are by the metadata readers;
 * the device-info mapping reads them only where a field is a list
 * (`resource.kubernetes.io/numaNode`).
 */
export interface DeviceAttribute {
  int?: number | undefined;
  bool?: boolean | undefined;
  string?: string | undefined;
  version?: string | undefined;
  ints?: number[] | undefined;
  bools?: boolean[] | undefined;
  strings?: string[] | undefined;
  versions?: string[] | undefined;
  [key: string]: unknown;
}

/**
 * Device attributes by qualified name (`<DNS subdomain>/<C identifier>`, or a
 * bare C identifier in the driver's own domain), as in a ResourceSlice's
 * `spec.devices[].attributes` or a device metadata file.
 */
export type DeviceAttributes = Record<string, DeviceAttribute>;

/**
 * `resource.k8s.io/v1` `NetworkDeviceData`: the network side of an allocated
 * device. `interfaceName` at most 256 bytes, `ips` at most 16 distinct
 * addresses in canonical CIDR form with the interface's prefix
 * (`"192.0.2.5/24"`, `"2001:db8::5/64"`), `hardwareAddress` at most 128 bytes.
 */
export interface NetworkDeviceData {
  interfaceName?: string | undefined;
  ips?: string[] | undefined;
  hardwareAddress?: string | undefined;
  [key: string]: unknown;
}

/** A `metav1.Condition`, as in `AllocatedDeviceStatus.conditions`. */
export interface DeviceCondition {
  /** CamelCase, e.g. `Ready`. */
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number | undefined;
  /** RFC 3339 date-time, seconds precision, e.g. `2026-01-31T12:00:00Z`. */
  lastTransitionTime: string;
  /** CamelCase, 1 to 1024 characters. */
  reason: string;
  /** At most 32768 characters; may be empty. */
  message: string;
  [key: string]: unknown;
}

/**
 * `resource.k8s.io/v1` `AllocatedDeviceStatus`: one entry of a
 * ResourceClaim's `status.devices`, keyed by `driver`, `pool`, `device` (and
 * `shareID`). `data` is at most 10 KiB of JSON (a JSON object); at most 8
 * `conditions`.
 */
export interface AllocatedDeviceStatus {
  driver: string;
  pool: string;
  device: string;
  shareID?: string | undefined;
  conditions?: DeviceCondition[] | undefined;
  data?: Record<string, unknown> | undefined;
  networkData?: NetworkDeviceData | undefined;
  [key: string]: unknown;
}

/**
 * `resource.k8s.io/v1` `DeviceRequestAllocationResult`: one allocated device
 * of a claim (`status.allocation.devices.results[]`). `request` is the
 * request's name, `<request>/<subrequest>` for a `firstAvailable` one.
 */
export interface DeviceRequestAllocationResult {
  request: string;
  driver: string;
  pool: string;
  device: string;
  /** The share of a device allocated to several claims (consumable capacity, KEP-5075). */
  shareID?: string | null | undefined;
  [key: string]: unknown;
}

/**
 * The parts of a `resource.k8s.io/v1` `ResourceClaim` that
 * {@link networkStatusFromResourceClaim} (`status.devices`) and
 * `resolveDRANetworkDevices` (`status.allocation.devices.results`) read.
 */
export interface ResourceClaimLike {
  metadata?: { name?: string | undefined; namespace?: string | undefined; [key: string]: unknown } | undefined;
  status?:
    | {
        devices?: AllocatedDeviceStatus[] | null | undefined;
        allocation?: { devices?: { results?: DeviceRequestAllocationResult[] | null | undefined } | null | undefined } | null | undefined;
        [key: string]: unknown;
      }
    | null
    | undefined;
  [key: string]: unknown;
}

/** One device of a ResourceSlice (`resource.k8s.io/v1` `Device`): its name in the pool and its attributes. */
export interface ResourceSliceDevice {
  name: string;
  attributes?: DeviceAttributes | null | undefined;
  [key: string]: unknown;
}

/**
 * The parts of a `resource.k8s.io/v1` `ResourceSlice` that
 * `resolveDRANetworkDevices` reads: the driver, the pool (a pool may span
 * several slices; its `generation` tells the current ones) and the devices.
 */
export interface ResourceSliceLike {
  metadata?: { name?: string | undefined; [key: string]: unknown } | undefined;
  spec: {
    driver: string;
    pool: { name: string; generation?: number | undefined; resourceSliceCount?: number | undefined; [key: string]: unknown };
    nodeName?: string | null | undefined;
    devices?: ResourceSliceDevice[] | null | undefined;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** core/v1 `PodResourceClaim`: a claim of the pod, named directly (`resourceClaimName`) or made from a template. */
export interface PodResourceClaim {
  /** The pod's name for the claim (what containers' `resources.claims[].name` reference). */
  name: string;
  resourceClaimName?: string | null | undefined;
  resourceClaimTemplateName?: string | null | undefined;
  [key: string]: unknown;
}

/** core/v1 `PodResourceClaimStatus`: the ResourceClaim generated from a template for the pod's claim `name`. */
export interface PodResourceClaimStatus {
  name: string;
  /** `null` when no claim was needed. */
  resourceClaimName?: string | null | undefined;
  [key: string]: unknown;
}

/** core/v1 `ContainerExtendedResourceRequest` (KEP-5004): which request of the special claim serves a container's extended resource. */
export interface ContainerExtendedResourceRequest {
  containerName: string;
  /** The extended resource's name, e.g. `openshift.io/intel_nic`. */
  resourceName: string;
  /** The request's name in the claim, e.g. `container-0-request-0`. */
  requestName: string;
  [key: string]: unknown;
}

/** core/v1 `PodExtendedResourceClaimStatus` (KEP-5004): the claim the scheduler made for the pod's DRA-backed extended resources. */
export interface PodExtendedResourceClaimStatus {
  requestMappings: ContainerExtendedResourceRequest[];
  resourceClaimName: string;
  [key: string]: unknown;
}

/**
 * The parts of a core/v1 `Pod` that `resolveDRANetworkDevices` reads: its
 * namespace, `spec.resourceClaims`, `status.resourceClaimStatuses` and
 * `status.extendedResourceClaimStatus` (Kubernetes 1.34 and later).
 */
export interface PodLike {
  metadata?: { name?: string | undefined; namespace?: string | undefined; [key: string]: unknown } | undefined;
  spec?: { resourceClaims?: PodResourceClaim[] | null | undefined; [key: string]: unknown } | null | undefined;
  status?:
    | {
        resourceClaimStatuses?: PodResourceClaimStatus[] | null | undefined;
        extendedResourceClaimStatus?: PodExtendedResourceClaimStatus | null | undefined;
        [key: string]: unknown;
      }
    | null
    | undefined;
  [key: string]: unknown;
}

/** One allocated device of a device metadata file (KEP-5304 `Device`). */
export interface DeviceMetadataDevice {
  driver: string;
  pool: string;
  name: string;
  attributes?: DeviceAttributes | undefined;
  networkData?: NetworkDeviceData | undefined;
  [key: string]: unknown;
}

/** One request of a device metadata file (KEP-5304 `DeviceMetadataRequest`). */
export interface DeviceMetadataRequest {
  /** The request name; `<request>/<subrequest>` for a `firstAvailable` subrequest. */
  name: string;
  devices?: DeviceMetadataDevice[] | undefined;
  [key: string]: unknown;
}

/**
 * A KEP-5304 `DeviceMetadata` object (`metadata.resource.k8s.io/v1beta1` or `v1alpha1`),
 * as a DRA driver writes it into
 * `/var/run/kubernetes.io/dra-device-attributes/…/<driver>-metadata.json`.
 */
export interface DeviceMetadata {
  apiVersion: string;
  kind: "DeviceMetadata";
  metadata: {
    name?: string | undefined;
    namespace?: string | undefined;
    uid?: string | undefined;
    /** 1 when the driver prepared the claim, raised by each later update (e.g. network data). */
    generation?: number | undefined;
    [key: string]: unknown;
  };
  /** The claim's name in the pod spec (`pod.spec.resourceClaims[].name`), for claims made from a template. */
  podClaimName?: string | undefined;
  requests?: DeviceMetadataRequest[] | undefined;
  [key: string]: unknown;
}
