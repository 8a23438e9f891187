/**
 * Device-info as ResourceSlice device attributes (`resource.k8s.io/v1`
 * `Device.attributes`), and back: how a DRA driver publishes what a device
 * plugin would have written to its device-info file, and how a meta-plugin
 * (Multus) or a workload reads it again.
 *
 * | device-info | attribute | kind |
 * | --- | --- | --- |
 * | `pci-address` of the device named by `type` (`pci` or `vdpa`) | `resource.kubernetes.io/pciBusID` (lower case; see below) | string |
 * | `type` | `<domain>/type` | string |
 * | `version` | `<domain>/version` | version (semver) |
 * | `<sub-object>.<field>` | `<domain>/<subObject><Field>`, e.g. `pciPfPciAddress`, `vhostUserMode` | string |
 * | (the device plugin's resource name, optional) | `k8s.cni.cncf.io/resourceName` | string |
 * | (the device plugin's device ID, optional) | `k8s.cni.cncf.io/deviceID` | string |
 *
 * `<domain>` defaults to {@link DEFAULT_DEVICE_INFO_DOMAIN}. The identifiers
 * are the camelCase joining of sub-object and field names (C identifiers of
 * at most 32 characters, as the API requires); {@link DEVICE_INFO_ATTRIBUTE_IDS}
 * lists them all.
 *
 * Standard attributes (`resource.kubernetes.io/…`) carry only the values
 * Kubernetes' own helpers publish (`k8s.io/dynamic-resource-allocation/deviceattribute`):
 * `pciBusID` an extended BDF in lower case (`0000:3b:02.3`; an address in
 * upper case is written lower case), `numaNode` an `int` from 0 to 1023 (or
 * an `ints` list, the physical node first). A `pci-address` that is no BDF
 * (`0000:02:01:6`, `8086:9a01`) is not published as `pciBusID` but under
 * `<domain>/pciPciAddress` (`vdpaPciAddress`), with a `nonstandard_value`
 * warning; the reader checks the same rules and reports a standard attribute
 * that breaks them the same way.
 */

import {
  checkInteger,
  checkOptionsWith,
  checkString,
  count,
  invalidArgType,
  invalidArgValue,
  isPlainObject,
  type OptionRule,
  type OptionRules,
  optionalString,
} from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, formatJsonPath, makeIssue } from "../base/issues.js";
import { invalidDeviceInfo } from "../format/_invalid.js";
import { DEVICE_FIELDS, DEVICE_TYPES, isDeviceKey, SPEC_VERSION } from "../format/fields.js";
import { parseDeviceInfo } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { describeType, isObject } from "../format/validate.js";
import {
  BY_ID,
  camel,
  DEFAULT_DEVICE_INFO_DOMAIN,
  DEVICE_ATTRIBUTE_VOCABULARIES,
  DEVICE_INFO_ATTRIBUTE_IDS,
  type DeviceAttributeVocabulary,
  DRANET_DRIVER,
  DRIVER_ATTRIBUTES,
  type DriverField,
  MULTUS_DEVICE_ID_ATTRIBUTE,
  MULTUS_RESOURCE_NAME_ATTRIBUTE,
  primaryOf,
  SRIOV_DRA_DRIVER,
  SUB_FIELDS,
  type SubObjectKey,
  VOCABULARIES,
} from "./attribute-names.js";
import { attributeValue, numaNodeValue, stringValue } from "./attribute-values.js";
import {
  byteLength,
  DEVICE_ATTRIBUTE_MAX_VALUE_LENGTH,
  type DraWarning,
  isAttributeDomain,
  isSemver,
  MAX_ATTRIBUTES_AND_CAPACITIES_PER_DEVICE,
} from "./limits.js";
import { canonicalPCIBusID, isNUMANode, MAX_NUMA_NODES, NUMA_NODE_ATTRIBUTE, PCI_BUS_ID_ATTRIBUTE } from "./standard.js";
import type { DeviceAttribute, DeviceAttributes } from "./types.js";

export {
  DEFAULT_DEVICE_INFO_DOMAIN,
  DEVICE_ATTRIBUTE_VOCABULARIES,
  DEVICE_INFO_ATTRIBUTE_IDS,
  type DeviceAttributeVocabulary,
  type DeviceInfoAttributeId,
  DRANET_DRIVER,
  MULTUS_DEVICE_ID_ATTRIBUTE,
  MULTUS_RESOURCE_NAME_ATTRIBUTE,
  SRIOV_DRA_DRIVER,
} from "./attribute-names.js";
export { PCI_BUS_ID_ATTRIBUTE };

/** Options of {@link deviceInfoToDeviceAttributes}. */
export interface DeviceInfoToAttributesOptions {
  /** The domain of the device-info attributes (a DNS subdomain of at most 63 characters). Default {@link DEFAULT_DEVICE_INFO_DOMAIN}. */
  domain?: string | undefined;
  /** The device plugin resource name, published as `k8s.cni.cncf.io/resourceName` for Multus. */
  resourceName?: string | undefined;
  /** The device plugin device ID, published as `k8s.cni.cncf.io/deviceID` for Multus. */
  deviceID?: string | undefined;
  /**
   * Whose attribute names to write: `device-info` (default: the mapping
   * above), {@link SRIOV_DRA_DRIVER} (`pciBusID`, `<driver>/pciAddress`,
   * `pfPciAddress`, `representor`, `vdpaType`, NUMA as `dra.net/numaNode`) or
   * {@link DRANET_DRIVER} (`dra.net/pciAddress`, `rdmaDevice`, `numaNode`).
   * Fields a driver has no name for stay under `options.domain`, so that
   * nothing is lost on the way back.
   */
  vocabulary?: DeviceAttributeVocabulary | undefined;
  /**
   * The device's NUMA node (0 to 1023), published as `resource.kubernetes.io/numaNode`
   * (Kubernetes 1.37), or `dra.net/numaNode` with a driver vocabulary. Device-info has no field for it.
   */
  numaNode?: number | undefined;
  /**
   * How many attributes the device has room for: the API allows 32
   * attributes and capacities per device together, so pass 32 minus the
   * driver's own. Attributes past the budget are left out, each reported.
   * Default 32.
   */
  maxAttributes?: number | undefined;
}

/** What {@link deviceInfoToDeviceAttributes} returns. */
export interface DeviceAttributesResult {
  /** The attributes, by qualified name, each with one `string` or `version` value. */
  attributes: DeviceAttributes;
  /** Each value that did not fit (left out, never truncated), and each deviation of the document. */
  warnings: DraWarning[];
}

/** Options of {@link deviceInfoFromDeviceAttributes}. */
export interface DeviceInfoFromAttributesOptions {
  /** The domain of the device-info attributes. Default {@link DEFAULT_DEVICE_INFO_DOMAIN}. */
  domain?: string | undefined;
}

/** The domain option of both directions: a DNS subdomain of at most 63 characters. */
const domainRule: OptionRule = (value, name) => {
  checkDomain(name, value);
};

/** The rule of each {@link DeviceInfoToAttributesOptions} option. @internal */
export const TO_ATTRIBUTES_OPTION_RULES: OptionRules<DeviceInfoToAttributesOptions> = {
  domain: domainRule,
  resourceName: checkString,
  deviceID: checkString,
  maxAttributes: count,
  vocabulary: (value, name) => {
    checkString(value, name);
    if (!(DEVICE_ATTRIBUTE_VOCABULARIES as readonly string[]).includes(value)) {
      throw invalidArgValue(name, value, `must be one of ${DEVICE_ATTRIBUTE_VOCABULARIES.join(", ")}`);
    }
  },
  // Kubernetes' rule for numaNode (0 to 1023); an option, so a bad one is misuse.
  numaNode: (value, name) => checkInteger(value, name, 0, MAX_NUMA_NODES - 1),
};

/** The rule of each {@link DeviceInfoFromAttributesOptions} option. @internal */
export const FROM_ATTRIBUTES_OPTION_RULES: OptionRules<DeviceInfoFromAttributesOptions> = { domain: domainRule };

/** What {@link deviceInfoFromDeviceAttributes} returns. */
export interface DeviceInfoFromAttributesResult {
  /** The device-info document, as the library's reader returns it; `undefined` when no attribute describes one. */
  deviceInfo?: DeviceInfo | undefined;
  /** `k8s.cni.cncf.io/resourceName`, when set: with `deviceID`, `getDPDeviceInfoPath(resourceName, deviceID)` names the device plugin file. */
  resourceName?: string | undefined;
  /** `k8s.cni.cncf.io/deviceID`, when set. */
  deviceID?: string | undefined;
  /**
   * The device's NUMA node, from `resource.kubernetes.io/numaNode` (an `int`,
   * or the first element of an `ints` list: the physical node), else
   * `dra.net/numaNode` (dranet, the SR-IOV DRA driver; a negative value, the
   * SR-IOV driver's "no NUMA", is left out). Device-info has no field for it.
   */
  numaNode?: number | undefined;
  /**
   * The interface name a driver published (`dra.net/ifName`, the SR-IOV
   * driver's `<driver>/interfaceName` in metadata files). Device-info has no field for it.
   */
  interfaceName?: string | undefined;
  /** Attributes that could not be read, and the document's deviations from the spec. */
  warnings: DraWarning[];
}

function checkDomain(name: string, value: unknown): string {
  const domain = optionalString(value, name) ?? DEFAULT_DEVICE_INFO_DOMAIN;
  if (!isAttributeDomain(domain)) {
    throw invalidArgValue(name, domain, 'must be a DNS subdomain of at most 63 characters (lower case), e.g. "deviceinfo.example.com"');
  }
  return domain;
}

function fromIssue(issue: DeviceInfoIssue): DraWarning {
  return { code: issue.code, jsonPath: issue.jsonPath, message: issue.message };
}

/**
 * A device-info document as ResourceSlice device attributes, for a DRA
 * driver that publishes what a device plugin would write to its file (see
 * the module documentation for the mapping). The document is read as the
 * library's readers read it (leniently: deviations are warnings; Go's
 * omissions apply, so empty strings are absent).
 *
 * Nothing is truncated: a string over 64 bytes, a `version` that is not a
 * semantic version, a key the spec does not define, an attribute past
 * `maxAttributes` is left out and reported in `warnings`.
 *
 * @param info - a device-info document (spec section 3)
 * @returns `{ attributes, warnings }`
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for a document that
 *   is not an object or has a known field of the wrong JSON type (as
 *   `parseDeviceInfo`); `TypeError` / `RangeError` (Node's
 *   `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`) for
 *   bad options.
 *
 * @example
 * ```ts
 * const { attributes, warnings } = deviceInfoToDeviceAttributes(
 *   { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0", "pf-pci-address": "0000:af:00.0" } },
 *   { resourceName: "intel.com/sriov", deviceID: "0000:af:06.0" },
 * );
 * // attributes["resource.kubernetes.io/pciBusID"] → { string: "0000:af:06.0" }
 * // attributes["deviceinfo.k8s.cni.cncf.io/pciPfPciAddress"] → { string: "0000:af:00.0" }
 * ```
 */
export function deviceInfoToDeviceAttributes(info: DeviceInfo, options?: DeviceInfoToAttributesOptions): DeviceAttributesResult {
  // The document is data, as for parseDeviceInfo: a non-object is ERR_DEVINFO_INVALID (not_object), not API misuse.
  if (!isObject(info)) {
    const issues = [makeIssue("error", "not_object", [], `a device-info document must be a JSON object, got ${describeType(info)}`)];
    throw invalidDeviceInfo(issues, { action: "read" });
  }
  const opts = checkOptionsWith(options, TO_ATTRIBUTES_OPTION_RULES) ?? {};
  const domain = opts.domain ?? DEFAULT_DEVICE_INFO_DOMAIN;
  const { resourceName, deviceID, numaNode } = opts;
  const maxAttributes = opts.maxAttributes ?? MAX_ATTRIBUTES_AND_CAPACITIES_PER_DEVICE;
  const vocabularyName = opts.vocabulary ?? "device-info";
  const vocabulary = vocabularyName === "device-info" ? undefined : VOCABULARIES[vocabularyName as keyof typeof VOCABULARIES];

  const warnings: DraWarning[] = [];
  const doc = parseDeviceInfo(info, { onWarning: (w) => warnings.push(fromIssue(w)) }) as unknown as Record<string, unknown>;
  const candidates: { name: string; value: DeviceAttribute; jsonPath: string | undefined }[] = [];
  const addString = (name: string, value: string, jsonPath: string | undefined, kind: "string" | "version" = "string") => {
    if (value === "") return; // Go's omitempty: an empty string is an absent field
    const bytes = byteLength(value);
    if (bytes > DEVICE_ATTRIBUTE_MAX_VALUE_LENGTH) {
      warnings.push({
        code: "value_too_long",
        attribute: name,
        jsonPath,
        message: `${jsonPath ?? name} is ${bytes} bytes, over the API's ${DEVICE_ATTRIBUTE_MAX_VALUE_LENGTH}-byte limit for attribute values; ${name} is left out`,
      });
      return;
    }
    if (kind === "version" && !isSemver(value)) {
      warnings.push({
        code: "not_semver",
        attribute: name,
        jsonPath,
        message: `version "${value}" is not a semantic version (e.g. "${SPEC_VERSION}"); ${name} is left out`,
      });
      return;
    }
    candidates.push({ name, value: kind === "version" ? { version: value } : { string: value }, jsonPath });
  };

  if (resourceName !== undefined) addString(MULTUS_RESOURCE_NAME_ATTRIBUTE, resourceName, undefined);
  if (deviceID !== undefined) addString(MULTUS_DEVICE_ID_ATTRIBUTE, deviceID, undefined);

  const subObject = (sub: SubObjectKey) => (isObject(doc[sub]) ? (doc[sub] as Record<string, unknown>) : undefined);
  const primary = primaryOf(doc.type, (sub) => subObject(sub) !== undefined);
  const primaryObject = primary === "pci" || primary === "vdpa" ? subObject(primary) : undefined;
  const busID = primaryObject?.["pci-address"];
  let busIDPublished = false;
  if (typeof busID === "string" && busID !== "" && primary !== undefined && vocabulary?.pciBusID !== false) {
    const jsonPath = formatJsonPath([primary, "pci-address"]);
    const canonical = canonicalPCIBusID(busID);
    if (canonical === undefined) {
      warnings.push({
        code: "nonstandard_value",
        attribute: PCI_BUS_ID_ATTRIBUTE,
        jsonPath,
        message: `${jsonPath} "${busID}" is not a PCI address in extended BDF notation (e.g. "0000:3b:02.3"), the only value Kubernetes allows for ${PCI_BUS_ID_ATTRIBUTE}; it is published as ${vocabulary?.fields["pci-address"] ?? `${domain}/${camel([primary, "pci-address"])}`} only`,
      });
    } else {
      addString(PCI_BUS_ID_ATTRIBUTE, canonical, jsonPath);
      busIDPublished = true;
    }
  }
  if (numaNode !== undefined)
    candidates.push({ name: vocabulary?.numaNode ?? NUMA_NODE_ATTRIBUTE, value: { int: numaNode }, jsonPath: undefined });
  if (typeof doc.type === "string") addString(`${domain}/type`, doc.type, "$['type']");
  if (typeof doc.version === "string") addString(`${domain}/version`, doc.version, "$['version']", "version");

  // The primary sub-object first, so that a tight budget keeps what describes the device.
  const order = primary === undefined ? DEVICE_TYPES : [primary, ...DEVICE_TYPES.filter((s) => s !== primary)];
  for (const sub of order) {
    const obj = subObject(sub);
    if (obj === undefined) continue;
    for (const entry of DEVICE_INFO_ATTRIBUTE_IDS) {
      if (entry.subObject !== sub) continue;
      const value = obj[entry.key];
      if (typeof value !== "string") continue;
      // The driver's own name for a field of the device, where its vocabulary has one.
      const driverName = sub === primary ? vocabulary?.fields[entry.key as DriverField] : undefined;
      if (sub === primary && entry.key === "pci-address" && busIDPublished && driverName === undefined) continue; // it is pciBusID
      addString(driverName ?? `${domain}/${entry.id}`, value, formatJsonPath([sub, entry.key]));
    }
    for (const key of Object.keys(obj)) {
      if (!SUB_FIELDS.get(sub)?.has(key)) unmapped(warnings, [sub, key]);
    }
  }
  for (const key of Object.keys(doc)) {
    if (key !== "type" && key !== "version" && !isDeviceKey(key)) unmapped(warnings, [key]);
  }

  const attributes: DeviceAttributes = {};
  candidates.forEach((candidate, i) => {
    if (i < maxAttributes) {
      attributes[candidate.name] = candidate.value;
      return;
    }
    warnings.push({
      code: "too_many_attributes",
      attribute: candidate.name,
      jsonPath: candidate.jsonPath,
      message: `${candidate.name} is past the device's attribute budget (maxAttributes ${maxAttributes}; the API allows ${MAX_ATTRIBUTES_AND_CAPACITIES_PER_DEVICE} attributes and capacities per device) and is left out`,
    });
  });
  return { attributes, warnings };
}

function unmapped(warnings: DraWarning[], path: readonly string[]): void {
  const jsonPath = formatJsonPath(path);
  warnings.push({
    code: "unmapped_key",
    jsonPath,
    message: `${jsonPath} is not a field of spec v1.1.0 and has no device attribute; it is left out`,
  });
}

/**
 * The device-info view of a device's attributes (a ResourceSlice device's
 * `attributes`, or those of a device metadata file): the reverse of
 * {@link deviceInfoToDeviceAttributes}, lenient like every reader of the
 * library. The document is what `parseDeviceInfo` returns for it (Go's field
 * order); with no `<domain>/type` attribute the type is inferred from the
 * fields there are (`pci` from `resource.kubernetes.io/pciBusID` alone), and
 * with no `<domain>/version` it is {@link SPEC_VERSION}.
 *
 * `resourceName` and `deviceID` come from Multus's `k8s.cni.cncf.io`
 * attributes, so that a meta-plugin finds the device plugin file of a
 * DRA-allocated device with `getDPDeviceInfoPath(resourceName, deviceID)`.
 *
 * Real drivers' own names are read too, so that what they publish reaches
 * the document: the SR-IOV DRA driver's (`sriovnetwork.k8snetworkplumbingwg.io/`
 * `pciAddress`, `pfPciAddress`, `representor`, `vdpaType` → `vdpa.driver`
 * and type `vdpa`, `interfaceName`) and dranet's (`dra.net/pciAddress`,
 * `rdmaDevice`, `ifName`, `numaNode`, which the SR-IOV driver uses too).
 * The standard and device-info attributes win over them (a disagreement is
 * a `conflict` warning); `numaNode` and `interfaceName`, which device-info
 * has no field for, are returned beside the document. Other attributes of
 * other domains are the driver's own and are not read; bare names (the
 * driver's domain) neither.
 *
 * @returns `{ deviceInfo?, resourceName?, deviceID?, numaNode?, interfaceName?, warnings }`; `deviceInfo`
 *   is absent when no attribute describes a device-info field.
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`) for
 *   a non-object `attributes` or bad options; never for attribute values,
 *   which are reported in `warnings`.
 *
 * @example
 * ```ts
 * const { deviceInfo, resourceName, deviceID } = deviceInfoFromDeviceAttributes(device.attributes ?? {});
 * if (resourceName !== undefined && deviceID !== undefined) console.log(getDPDeviceInfoPath(resourceName, deviceID));
 * ```
 */
export function deviceInfoFromDeviceAttributes(
  attributes: DeviceAttributes,
  options?: DeviceInfoFromAttributesOptions,
): DeviceInfoFromAttributesResult {
  if (!isPlainObject(attributes)) throw invalidArgType("attributes", "an object of device attributes by qualified name", attributes);
  const domain = checkOptionsWith(options, FROM_ATTRIBUTES_OPTION_RULES)?.domain ?? DEFAULT_DEVICE_INFO_DOMAIN;
  const prefix = `${domain}/`;
  const warnings: DraWarning[] = [];
  const result: DeviceInfoFromAttributesResult = { warnings };

  const multus = (name: string) => {
    if (!Object.hasOwn(attributes, name)) return undefined;
    const value = stringValue(name, attributes[name], warnings, "string");
    return value === "" ? undefined : value;
  };
  const resourceName = multus(MULTUS_RESOURCE_NAME_ATTRIBUTE);
  const deviceID = multus(MULTUS_DEVICE_ID_ATTRIBUTE);

  let type: string | undefined;
  let version: string | undefined;
  let busID: string | undefined;
  let found = false;
  let driverNuma: { name: string; node: number } | undefined;
  const driverValues: { field: DriverField; value: string; name: string }[] = [];
  const fields = new Map<SubObjectKey, Map<string, string>>();
  for (const name of Object.keys(attributes)) {
    const raw = attributes[name];
    if (name === PCI_BUS_ID_ATTRIBUTE) {
      const value = stringValue(name, raw, warnings, "string");
      if (value === undefined || value === "") continue;
      const canonical = canonicalPCIBusID(value);
      if (canonical !== value) {
        warnings.push({
          code: "nonstandard_value",
          attribute: name,
          message:
            canonical === undefined
              ? `${name} is "${value}", not a PCI address in extended BDF notation (e.g. "0000:3b:02.3") as Kubernetes requires; it is ignored`
              : `${name} is "${value}"; Kubernetes requires lower case ("${canonical}"), read as that`,
        });
      }
      if (canonical === undefined) continue;
      busID = canonical;
      found = true;
      continue;
    }
    if (name === NUMA_NODE_ATTRIBUTE) {
      const node = numaNodeValue(name, raw, warnings);
      if (node !== undefined) result.numaNode = node;
      continue;
    }
    const driverField = DRIVER_ATTRIBUTES.get(name);
    if (driverField === "numaNode") {
      const value = attributeValue(name, raw, warnings);
      if (value?.kind === "int" && typeof value.value === "number" && Number.isInteger(value.value)) {
        // The SR-IOV driver publishes -1 for "no NUMA affinity": no node.
        if (isNUMANode(value.value)) driverNuma = { name, node: value.value };
      } else if (value !== undefined) {
        warnings.push({
          code: "wrong_attribute_type",
          attribute: name,
          message: `${name} must be an int attribute, got ${JSON.stringify(raw)}; it is ignored`,
        });
      }
      continue;
    }
    if (driverField !== undefined) {
      const value = stringValue(name, raw, warnings, "string");
      if (value === undefined || value === "") continue;
      if (driverField === "interfaceName") {
        if (result.interfaceName !== undefined && result.interfaceName !== value) {
          warnings.push({
            code: "conflict",
            attribute: name,
            message: `${name} is "${value}" but another driver attribute says "${result.interfaceName}"; the first wins`,
          });
        } else result.interfaceName = value;
        continue;
      }
      driverValues.push({ field: driverField, value, name });
      found = true;
      continue;
    }
    if (!name.startsWith(prefix)) continue;
    const entry = BY_ID.get(name.slice(prefix.length));
    if (entry === undefined) {
      warnings.push({
        code: "unknown_attribute",
        attribute: name,
        message: `${name} names no device-info field of spec v1.1.0; it is ignored`,
      });
      continue;
    }
    const value = stringValue(name, raw, warnings, entry.key === "version" && entry.subObject === undefined ? "version" : "string");
    if (value === undefined) continue;
    found = true;
    if (entry.subObject === undefined) {
      if (entry.key === "type") type = value;
      else version = value;
      continue;
    }
    const sub = fields.get(entry.subObject) ?? new Map<string, string>();
    sub.set(entry.key, value);
    fields.set(entry.subObject, sub);
  }

  if (resourceName !== undefined) result.resourceName = resourceName;
  if (deviceID !== undefined) result.deviceID = deviceID;
  if (driverNuma !== undefined) {
    if (result.numaNode === undefined) result.numaNode = driverNuma.node;
    else if (result.numaNode !== driverNuma.node) {
      warnings.push({
        code: "conflict",
        attribute: driverNuma.name,
        message: `${driverNuma.name} is ${driverNuma.node} but ${NUMA_NODE_ATTRIBUTE} is ${result.numaNode}; the standard attribute wins`,
      });
    }
  }
  if (!found) return result;

  // A vDPA type (the SR-IOV driver's vdpaType) makes an untyped device a vDPA one.
  const primary =
    primaryOf(type, (sub) => fields.has(sub)) ??
    (driverValues.some((d) => d.field === "driver") ? "vdpa" : busID !== undefined || driverValues.length > 0 ? "pci" : undefined);
  if (busID !== undefined) {
    // pciBusID is the pci-address of the device `type` names (pci or vdpa); a pci one otherwise.
    const target: SubObjectKey = primary === "vdpa" ? "vdpa" : "pci";
    const sub = fields.get(target) ?? new Map<string, string>();
    const other = sub.get("pci-address");
    if (other !== undefined && other !== busID) {
      warnings.push({
        code: "conflict",
        attribute: PCI_BUS_ID_ATTRIBUTE,
        jsonPath: formatJsonPath([target, "pci-address"]),
        message: `${PCI_BUS_ID_ATTRIBUTE} is "${busID}" but ${prefix}${camel([target, "pci-address"])} is "${other}"; the standard attribute wins`,
      });
    }
    sub.set("pci-address", busID);
    fields.set(target, sub);
  }
  // The drivers' own names come last: the standard and device-info attributes win over them.
  for (const { field, value, name } of driverValues) {
    const target: SubObjectKey = field === "driver" ? "vdpa" : field === "rdma-device" ? "pci" : primary === "vdpa" ? "vdpa" : "pci";
    const sub = fields.get(target) ?? new Map<string, string>();
    const other = sub.get(field);
    if (other === undefined) sub.set(field, value);
    else if (other !== value) {
      warnings.push({
        code: "conflict",
        attribute: name,
        jsonPath: formatJsonPath([target, field]),
        message: `${name} is "${value}" but ${formatJsonPath([target, field])} is already "${other}" (from a standard, device-info or earlier driver attribute), which wins`,
      });
    }
    fields.set(target, sub);
  }

  const doc: Record<string, unknown> = {};
  const inferred = type ?? primary;
  if (inferred !== undefined) doc.type = inferred;
  doc.version = version ?? SPEC_VERSION;
  for (const sub of DEVICE_TYPES) {
    const values = fields.get(sub);
    if (values === undefined) continue;
    const obj: Record<string, string> = {};
    for (const rule of DEVICE_FIELDS[sub]) {
      const value = values.get(rule.key);
      if (value !== undefined) obj[rule.key] = value;
    }
    doc[sub] = obj;
  }
  // Every value is a string, so the lenient reader cannot refuse the document.
  result.deviceInfo = parseDeviceInfo(doc, { onWarning: (w) => warnings.push(fromIssue(w)) });
  return result;
}
