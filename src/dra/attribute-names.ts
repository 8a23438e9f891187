/**
 * The attribute names of device-info and of real DRA drivers: the default
 * device-info domain, Multus's `k8s.cni.cncf.io` attributes, the SR-IOV DRA
 * driver's and dranet's vocabularies, and the identifier of every
 * device-info field (see `./attributes.ts` for the mapping itself).
 */

import { DEVICE_FIELDS, DEVICE_TYPES, isDeviceKey } from "../format/fields.js";

/**
 * The default domain of the device-info attributes: `deviceinfo.k8s.cni.cncf.io`,
 * a subdomain of the Network Plumbing Working Group's `k8s.cni.cncf.io`
 * (whose own `resourceName` and `deviceID` attributes Multus reads), so that
 * the device-info fields never collide with a driver's or Multus's names.
 */
export const DEFAULT_DEVICE_INFO_DOMAIN = "deviceinfo.k8s.cni.cncf.io";
/** The attribute Multus matches against a network's `k8s.v1.cni.cncf.io/resourceName` annotation. */
export const MULTUS_RESOURCE_NAME_ATTRIBUTE = "k8s.cni.cncf.io/resourceName";
/** The attribute Multus passes to the CNI plugin as the device ID (the device plugin's device ID). */
export const MULTUS_DEVICE_ID_ATTRIBUTE = "k8s.cni.cncf.io/deviceID";

export type SubObjectKey = (typeof DEVICE_TYPES)[number];

/** The SR-IOV DRA driver's name and attribute domain (k8snetworkplumbingwg/dra-driver-sriov). */
export const SRIOV_DRA_DRIVER = "sriovnetwork.k8snetworkplumbingwg.io";
/** dranet's name and attribute domain (kubernetes-sigs/dranet); the SR-IOV driver publishes its NUMA node there too. */
export const DRANET_DRIVER = "dra.net";

/** Whose attribute names `deviceInfoToDeviceAttributes` writes (`options.vocabulary`). */
export type DeviceAttributeVocabulary = "device-info" | typeof SRIOV_DRA_DRIVER | typeof DRANET_DRIVER;
/** The vocabularies, `device-info` (the default) first. */
export const DEVICE_ATTRIBUTE_VOCABULARIES: readonly DeviceAttributeVocabulary[] = ["device-info", SRIOV_DRA_DRIVER, DRANET_DRIVER];

/** A field of the primary sub-object (the one `type` names) that a driver publishes under its own name. */
export type DriverField = "pci-address" | "pf-pci-address" | "representor-device" | "rdma-device" | "driver";

export interface Vocabulary {
  /** Whether the driver publishes the PCI address as the standard `pciBusID` too. */
  readonly pciBusID: boolean;
  /** Its names for fields of the primary sub-object; `driver` is vDPA's only (the vDPA type). */
  readonly fields: Readonly<Partial<Record<DriverField, string>>>;
  readonly numaNode: string;
  readonly interfaceName: string | undefined;
}

/**
 * The drivers' attribute names, as their released code publishes them:
 * dra-driver-sriov main at cd9404f (2026-08-19; no release tag yet) with its
 * open proposals for `representor` (PR #129) and `vdpaType` (PR #128);
 * dranet v1.4.0.
 */
export const VOCABULARIES: Readonly<Record<Exclude<DeviceAttributeVocabulary, "device-info">, Vocabulary>> = {
  [SRIOV_DRA_DRIVER]: {
    pciBusID: true,
    fields: {
      "pci-address": `${SRIOV_DRA_DRIVER}/pciAddress`,
      "pf-pci-address": `${SRIOV_DRA_DRIVER}/pfPciAddress`,
      "representor-device": `${SRIOV_DRA_DRIVER}/representor`,
      driver: `${SRIOV_DRA_DRIVER}/vdpaType`,
    },
    numaNode: `${DRANET_DRIVER}/numaNode`,
    interfaceName: `${SRIOV_DRA_DRIVER}/interfaceName`,
  },
  [DRANET_DRIVER]: {
    pciBusID: false,
    fields: { "pci-address": `${DRANET_DRIVER}/pciAddress`, "rdma-device": `${DRANET_DRIVER}/rdmaDevice` },
    numaNode: `${DRANET_DRIVER}/numaNode`,
    interfaceName: `${DRANET_DRIVER}/ifName`,
  },
};

/** Every driver attribute the reader recognises, with the field it fills (or `interfaceName` / `numaNode`). */
export const DRIVER_ATTRIBUTES = new Map<string, DriverField | "interfaceName" | "numaNode">();
for (const vocabulary of Object.values(VOCABULARIES)) {
  for (const [field, name] of Object.entries(vocabulary.fields)) DRIVER_ATTRIBUTES.set(name, field as DriverField);
  DRIVER_ATTRIBUTES.set(vocabulary.numaNode, "numaNode");
  if (vocabulary.interfaceName !== undefined) DRIVER_ATTRIBUTES.set(vocabulary.interfaceName, "interfaceName");
}

/** A device-info field and the attribute identifier (the part after `<domain>/`) it maps to. */
export interface DeviceInfoAttributeId {
  /** `undefined` for the top-level `type` and `version`. */
  readonly subObject: SubObjectKey | undefined;
  /** The device-info key, e.g. `pf-pci-address`. */
  readonly key: string;
  /** The attribute identifier, e.g. `pciPfPciAddress`. */
  readonly id: string;
}

export function camel(words: readonly string[]): string {
  return words
    .flatMap((w) => w.split("-"))
    .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join("");
}

/**
 * Every device-info field of spec v1.1.0 with its attribute identifier, in
 * Go's field order: `type`, `version`, then each sub-object's fields.
 */
export const DEVICE_INFO_ATTRIBUTE_IDS: readonly DeviceInfoAttributeId[] = [
  { subObject: undefined, key: "type", id: "type" },
  { subObject: undefined, key: "version", id: "version" },
  ...DEVICE_TYPES.flatMap((sub) => DEVICE_FIELDS[sub].map((rule) => ({ subObject: sub, key: rule.key, id: camel([sub, rule.key]) }))),
];

export const BY_ID = new Map(DEVICE_INFO_ATTRIBUTE_IDS.map((entry) => [entry.id, entry]));
export const SUB_FIELDS = new Map(DEVICE_TYPES.map((sub) => [sub, new Set(DEVICE_FIELDS[sub].map((r) => r.key))]));

/**
 * The sub-object whose `pci-address` is `resource.kubernetes.io/pciBusID`:
 * the one `type` names, else the first present in spec order.
 */
export function primaryOf(type: unknown, present: (sub: SubObjectKey) => boolean): SubObjectKey | undefined {
  if (typeof type === "string" && isDeviceKey(type)) return type;
  return DEVICE_TYPES.find(present);
}
