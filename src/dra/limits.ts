/**
 * The limits and name rules of the Kubernetes `resource.k8s.io/v1` API that
 * the DRA helpers keep to (values from `k8s.io/api/resource/v1/types.go` and
 * `pkg/apis/resource/validation`), and the warnings they report when a value
 * does not fit. The OpenAPI schema does not carry these rules; the API server
 * enforces them on create and update.
 */

import { Buffer } from "node:buffer";
import { checkString } from "../base/args.js";
import type { DeviceInfoIssueCode } from "../base/issues.js";

/** `DeviceAttributeMaxValueLength`: a `string` or `version` attribute value is at most 64 bytes. */
export const DEVICE_ATTRIBUTE_MAX_VALUE_LENGTH = 64;
/** `DeviceMaxIDLength`: the C identifier of an attribute name is at most 32 characters. */
export const DEVICE_MAX_ID_LENGTH = 32;
/** `DeviceMaxDomainLength`: the domain of a qualified attribute name is at most 63 characters. */
export const DEVICE_MAX_DOMAIN_LENGTH = 63;
/** `ResourceSliceMaxAttributesAndCapacitiesPerDevice`: attributes and capacities of one device together. */
export const MAX_ATTRIBUTES_AND_CAPACITIES_PER_DEVICE = 32;
/** `NetworkDeviceDataInterfaceNameMaxLength`: bytes. */
export const NETWORK_INTERFACE_NAME_MAX_LENGTH = 256;
/** `NetworkDeviceDataHardwareAddressMaxLength`: bytes. */
export const NETWORK_HARDWARE_ADDRESS_MAX_LENGTH = 128;
/** `NetworkDeviceDataMaxIPs`: distinct addresses. */
export const NETWORK_MAX_IPS = 16;
/** The raw JSON of `AllocatedDeviceStatus.data` is at most 10 KiB (bytes). */
export const DEVICE_STATUS_DATA_MAX_LENGTH = 10 * 1024;
/** `AllocatedDeviceStatusMaxConditions`. */
export const DEVICE_STATUS_MAX_CONDITIONS = 8;

/**
 * What kind of problem a {@link DraWarning} reports. Stable: match on these.
 *
 * - `value_too_long` — a value over its API limit in bytes (left out, never truncated)
 * - `not_semver` — a `version` that is not a semantic version (semver.org 2.0.0)
 * - `invalid_name` — a name that is not a qualified attribute name (`<domain>/<C identifier>`)
 * - `unmapped_key` — a device-info key that has no attribute (unknown keys, which the spec lets documents carry)
 * - `too_many_attributes` — over the attribute budget of the device (`maxAttributes`)
 * - `unknown_attribute` — an attribute in the device-info domain that names no device-info field
 * - `wrong_attribute_type` — an attribute with another kind of value than its field has (e.g. `int` for a string)
 * - `invalid_attribute` — an attribute value that is not an object with exactly one of `string`, `int`, `bool`, `version`
 * - `conflict` — two sources give different values for one field (the message says which one won)
 * - `too_many_ips` — more than 16 IPs for `networkData.ips` (the rest left out)
 * - `invalid_ip` — an address that is not an IP in CIDR form (left out)
 * - `data_too_large` — the device-info document is over 10 KiB as `data` (left out)
 * - `no_interface` — no interface of the CNI result matches, so there is no `networkData`
 * - `not_found` — what DRA lacked for a network: a template claim `status.resourceClaimStatuses` does not name yet, a claim or request no claim has, a claim with no allocation source, fewer devices of a resource than networks
 * - `stale` — device metadata of an earlier claim (its `metadata.uid` is not the ResourceClaim's): not used
 * - `unsafe_device_id` — a device ID that is not one path component of printable characters, or that the device plugin file name refuses (`dpFileName`): the device is not used
 * - `nonstandard_value` — a value a standard attribute (`resource.kubernetes.io/…`) cannot carry, e.g. a `pciBusID` that is no lower-case BDF (left out, or read in its canonical form when it has one)
 *
 * Deviations of a device-info document are reported with the reader's own
 * codes ({@link DeviceInfoIssueCode}, e.g. `invalid_pci_address`).
 */
export type DraWarningCode =
  | "value_too_long"
  | "not_semver"
  | "invalid_name"
  | "unmapped_key"
  | "too_many_attributes"
  | "unknown_attribute"
  | "wrong_attribute_type"
  | "invalid_attribute"
  | "conflict"
  | "too_many_ips"
  | "invalid_ip"
  | "data_too_large"
  | "no_interface"
  | "nonstandard_value"
  | "not_found"
  | "stale"
  | "unsafe_device_id";

/** Something that did not fit or did not match, reported instead of being truncated or guessed. */
export interface DraWarning {
  /** What kind of problem it is. */
  readonly code: DraWarningCode | DeviceInfoIssueCode;
  /** The attribute (qualified name) or API field (e.g. `networkData.ips`) concerned, when there is one. */
  readonly attribute?: string | undefined;
  /** The device-info field concerned, e.g. `$['pci']['rdma-device']`, when there is one. */
  readonly jsonPath?: string | undefined;
  /** What is wrong and what was done about it. */
  readonly message: string;
}

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** semver.org 2.0.0, as `blang/semver` (what the API server uses) parses it. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Whether `text` is a C identifier of at most 32 characters (the `<ID>` of an attribute name). */
export function isAttributeIdentifier(text: string): boolean {
  return text.length <= DEVICE_MAX_ID_LENGTH && C_IDENTIFIER.test(text);
}

/** Whether `text` is a DNS subdomain of at most 63 characters (the domain of an attribute name). */
export function isAttributeDomain(text: string): boolean {
  return text.length <= DEVICE_MAX_DOMAIN_LENGTH && DNS_SUBDOMAIN.test(text);
}

/** Whether `name` is a valid qualified attribute name: `<domain>/<ID>` or a bare `<ID>`. */
export function isQualifiedName(name: string): boolean {
  checkString(name, "name");
  const slash = name.indexOf("/");
  if (slash === -1) return isAttributeIdentifier(name);
  return isAttributeDomain(name.slice(0, slash)) && isAttributeIdentifier(name.slice(slash + 1));
}

/** Whether `text` is a semantic version (semver.org 2.0.0). */
export function isSemver(text: string): boolean {
  return SEMVER.test(text);
}

/** UTF-8 length: the API's limits count bytes (Go's `len`). */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
