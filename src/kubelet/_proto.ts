/**
 * The part of the kubelet's PodResources API (`k8s.io/kubelet/pkg/apis/podresources/v1`,
 * served on `/var/lib/kubelet/pod-resources/kubelet.sock`) that devinfo uses,
 * written as a `.proto` text: the package, service, method and message names
 * and the field numbers are the wire protocol and must stay as the kubelet
 * has them (`staging/src/k8s.io/kubelet/pkg/apis/podresources/v1/api.proto`).
 * Fields devinfo does not read (CPUs, memory, topology) are left out;
 * protobuf decoders skip unknown fields. `DynamicResource.class_name` (1) is
 * read for kubelets 1.27 to 1.30; upstream removed it in 1.31 (a tombstone:
 * newer kubelets leave it empty).
 *
 * Kept as a string rather than a file next to the module: it is parsed at run
 * time (only when the kubelet is asked), and a string survives every bundler,
 * a file path does not. The tests serve the same text.
 */
export const PODRESOURCES_V1_PROTO = `
syntax = "proto3";

package v1;

service PodResourcesLister {
  rpc List(ListPodResourcesRequest) returns (ListPodResourcesResponse) {}
  rpc GetAllocatableResources(AllocatableResourcesRequest) returns (AllocatableResourcesResponse) {}
  rpc Get(GetPodResourcesRequest) returns (GetPodResourcesResponse) {}
}

message ListPodResourcesRequest {}

message ListPodResourcesResponse {
  repeated PodResources pod_resources = 1;
}

message GetPodResourcesRequest {
  string pod_name = 1;
  string pod_namespace = 2;
}

message GetPodResourcesResponse {
  PodResources pod_resources = 1;
}

message AllocatableResourcesRequest {}

message AllocatableResourcesResponse {
  repeated ContainerDevices devices = 1;
}

message PodResources {
  string name = 1;
  string namespace = 2;
  repeated ContainerResources containers = 3;
}

message ContainerResources {
  string name = 1;
  repeated ContainerDevices devices = 2;
  repeated DynamicResource dynamic_resources = 5;
}

message DynamicResource {
  string class_name = 1;
  string claim_name = 2;
  string claim_namespace = 3;
  repeated ClaimResource claim_resources = 4;
}

message ClaimResource {
  repeated CDIDevice cdi_devices = 1;
  string driver_name = 2;
  string pool_name = 3;
  string device_name = 4;
  optional string share_id = 5;
}

message CDIDevice {
  string name = 1;
}

message ContainerDevices {
  string resource_name = 1;
  repeated string device_ids = 2;
}
`;

/** The service's full name, as in the request paths (`/v1.PodResourcesLister/List`). */
export const PODRESOURCES_SERVICE = "v1.PodResourcesLister";

/** The methods devinfo calls, with their request and response message names. */
export const PODRESOURCES_METHODS = {
  List: { request: "v1.ListPodResourcesRequest", response: "v1.ListPodResourcesResponse" },
  Get: { request: "v1.GetPodResourcesRequest", response: "v1.GetPodResourcesResponse" },
  GetAllocatableResources: { request: "v1.AllocatableResourcesRequest", response: "v1.AllocatableResourcesResponse" },
} as const;

/** A method name of {@link PODRESOURCES_METHODS}. */
export type PodResourcesMethod = keyof typeof PODRESOURCES_METHODS;

/** `ContainerDevices`, decoded (proto field names). */
export interface ContainerDevicesMessage {
  resource_name: string;
  device_ids: string[];
}

/** `ClaimResource`, decoded: one device allocated through a claim. */
export interface ClaimResourceMessage {
  cdi_devices: { name: string }[];
  driver_name: string;
  pool_name: string;
  device_name: string;
  /** Only from kubelets that share devices (consumable capacity); absent otherwise. */
  share_id?: string;
}

/** `DynamicResource`, decoded: one claim of a container. */
export interface DynamicResourceMessage {
  class_name: string;
  claim_name: string;
  claim_namespace: string;
  claim_resources: ClaimResourceMessage[];
}

/** `ContainerResources`, decoded (`dynamic_resources` may be absent in a message built by hand). */
export interface ContainerResourcesMessage {
  name: string;
  devices: ContainerDevicesMessage[];
  dynamic_resources?: DynamicResourceMessage[];
}

/** `PodResources`, decoded. */
export interface PodResourcesMessage {
  name: string;
  namespace: string;
  containers: ContainerResourcesMessage[];
}

/** The decoded responses, by method. */
export interface PodResourcesResponses {
  List: { pod_resources: PodResourcesMessage[] };
  Get: { pod_resources: PodResourcesMessage | null };
  GetAllocatableResources: { devices: ContainerDevicesMessage[] };
}

/** The requests, by method. */
export interface PodResourcesRequests {
  List: Record<string, never>;
  Get: { pod_name: string; pod_namespace: string };
  GetAllocatableResources: Record<string, never>;
}
