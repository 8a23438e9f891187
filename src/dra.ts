/**
 * `devinfo/dra`: device-info in the Dynamic Resource Allocation (DRA) era.
 * ResourceSlice device attributes both ways, ResourceClaim device status
 * (KEP-4817) from CNI results, and the device metadata files (KEP-5304) a
 * workload reads. A separate entry point, so that the main entry's start-up
 * cost stays what it is for CNI plugins.
 *
 * @packageDocumentation
 * @module devinfo/dra
 */

export * from "./_dra-attachment.js";
// The error every function here throws for bad data, as every entry exports it.
export * from "./_errors.js";
export {
  type DRAAttachmentDevice,
  type DRAAttachmentNetwork,
  findDRAAttachmentDevice,
} from "./dra/attachment-device.js";
export {
  DEFAULT_DEVICE_INFO_DOMAIN,
  DEVICE_ATTRIBUTE_VOCABULARIES,
  DEVICE_INFO_ATTRIBUTE_IDS,
  type DeviceAttributesResult,
  type DeviceAttributeVocabulary,
  type DeviceInfoAttributeId,
  type DeviceInfoFromAttributesOptions,
  type DeviceInfoFromAttributesResult,
  type DeviceInfoToAttributesOptions,
  DRANET_DRIVER,
  deviceInfoFromDeviceAttributes,
  deviceInfoToDeviceAttributes,
  MULTUS_DEVICE_ID_ATTRIBUTE,
  MULTUS_RESOURCE_NAME_ATTRIBUTE,
  PCI_BUS_ID_ATTRIBUTE,
  SRIOV_DRA_DRIVER,
} from "./dra/attributes.js";
export {
  type AllocatedDeviceRef,
  canonicalInterfaceAddress,
  type DeviceStatusSource,
  type NetworkStatusFromResourceClaimOptions,
  networkStatusFromResourceClaim,
  type ReadyCondition,
  type ResourceClaimDeviceStatusOptions,
  resourceClaimDeviceStatus,
} from "./dra/claim-status.js";
export {
  DEVICE_ATTRIBUTE_MAX_VALUE_LENGTH,
  DEVICE_MAX_DOMAIN_LENGTH,
  DEVICE_MAX_ID_LENGTH,
  DEVICE_STATUS_DATA_MAX_LENGTH,
  DEVICE_STATUS_MAX_CONDITIONS,
  type DraWarning,
  type DraWarningCode,
  isQualifiedName,
  MAX_ATTRIBUTES_AND_CAPACITIES_PER_DEVICE,
  NETWORK_HARDWARE_ADDRESS_MAX_LENGTH,
  NETWORK_INTERFACE_NAME_MAX_LENGTH,
  NETWORK_MAX_IPS,
} from "./dra/limits.js";
export {
  DEFAULT_DEVICE_METADATA_MAX_BYTES,
  DEVICE_METADATA_API_VERSIONS,
  DEVICE_METADATA_GROUP,
  DEVICE_METADATA_ROOT,
  type DeviceMetadataAPIVersion,
  type DeviceMetadataFile,
  decodeDeviceMetadataStream,
  deviceInfoFromDeviceMetadata,
  type FindDeviceMetadataOptions,
  findDeviceMetadata,
  LEGACY_DEVICE_METADATA_ROOT,
  mergeDeviceMetadata,
  networkStatusFromDeviceMetadata,
  type ReadDeviceMetadataOptions,
  type ReadRequestMetadataOptions,
  readDeviceMetadata,
  readResourceClaimMetadata,
  readResourceClaimTemplateMetadata,
  type WaitForDeviceMetadataOptions,
  waitForDeviceMetadata,
} from "./dra/metadata.js";
export {
  type DRANetwork,
  type DRANetworkDevice,
  type DRANetworkDevicesInput,
  type DRANetworkDevicesResult,
  type KubeletDRADevice,
  resolveDRANetworkDevices,
} from "./dra/network-devices.js";
export {
  canonicalPCIBusID,
  MAX_NUMA_NODES,
  NUMA_NODE_ATTRIBUTE,
  PCIE_ROOT_ATTRIBUTE,
  STANDARD_ATTRIBUTE_PREFIX,
} from "./dra/standard.js";
export type {
  AllocatedDeviceStatus,
  ContainerExtendedResourceRequest,
  DeviceAttribute,
  DeviceAttributes,
  DeviceCondition,
  DeviceMetadata,
  DeviceMetadataDevice,
  DeviceMetadataRequest,
  DeviceRequestAllocationResult,
  NetworkDeviceData,
  PodExtendedResourceClaimStatus,
  PodLike,
  PodResourceClaim,
  PodResourceClaimStatus,
  ResourceClaimLike,
  ResourceSliceDevice,
  ResourceSliceLike,
} from "./dra/types.js";
export {
  type FindPodDevicesOptions,
  findPodDevices,
  type PodDevice,
  type PodDeviceSelector,
  podDeviceInfo,
} from "./dra/workload.js";
export {
  DEFAULT_CDI_DIR,
  DEVICE_METADATA_CDI_VERSION,
  DEVICE_METADATA_DIRECTORY_MODE,
  DEVICE_METADATA_FILE_MODE,
  type DeviceMetadataCDIRef,
  type DeviceMetadataCDISpec,
  type DeviceMetadataCDISpecOptions,
  type DeviceMetadataContainerPathOptions,
  deviceMetadataCDIDeviceID,
  deviceMetadataCDISpec,
  deviceMetadataCDISpecFileName,
  deviceMetadataContainerPath,
  type RemoveDeviceMetadataOptions,
  removeDeviceMetadata,
  type WriteDeviceMetadataOptions,
  writeDeviceMetadata,
} from "./dra/writer.js";
