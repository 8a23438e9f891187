/**
 * The device-info document (spec section 3) as TypeScript types, each field
 * with its spec section. Written out by hand, not inferred from the zod
 * schemas (`devinfo/schema`), so that the API reference lists the fields and
 * signatures name the types; a type test (`test/types/schema-types.test-d.ts`)
 * proves them equal to the schemas' inferred types, both ways, so the two
 * cannot drift.
 *
 * Every object is open (`[key: string]: unknown`): keys the spec does not
 * define are kept, so new spec fields survive a read and a write. An
 * optional field may hold `undefined`, which is written as absent.
 *
 * @packageDocumentation
 */

/**
 * The `pci` sub-object (spec 3.1.3): a PCI device, such as an SR-IOV VF.
 * Required when `type` is `"pci"`.
 */
export interface PciDevice {
  /** The PCI address of the device, in BDF form `dddd:BB:DD.f` (spec 3.1.3.1). Required. */
  "pci-address": string;
  /** The vhost-net char device used as an exceptional path, e.g. `/dev/vhost-net` (spec 3.1.3.2, DPDK's virtio_user). */
  "vhost-net"?: string | undefined;
  /** The name of the RDMA device, if one is used (spec 3.1.3.3). */
  "rdma-device"?: string | undefined;
  /** The PCI address of the associated physical function, `dddd:BB:DD.f`, if available (spec 3.1.3.4). `""` counts as absent. */
  "pf-pci-address"?: string | undefined;
  /** The name of the VF's representor netdevice, e.g. `eth3`, if available (spec 3.1.3.5). */
  "representor-device"?: string | undefined;
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/**
 * The `vdpa` sub-object (spec 3.1.4): a vDPA device. Required when `type` is
 * `"vdpa"`.
 */
export interface VdpaDevice {
  /** The vDPA device as listed in `/sys/bus/vdpa/devices`, e.g. `vdpa3` (spec 3.1.4.1). Required. */
  "parent-device": string;
  /** The vDPA bus driver in use (spec 3.1.4.2). Required. */
  driver: "vhost" | "virtio";
  /** The absolute path of the vhost or virtio device, e.g. `/dev/vhost-vdpa4` (spec 3.1.4.3). Required. */
  path: string;
  /** The PCI address of the VF or PF backing the device, `dddd:BB:DD.f` (spec 3.1.4.4). `""` counts as absent. */
  "pci-address"?: string | undefined;
  /** The PCI address of the associated physical function, `dddd:BB:DD.f`, if available (spec 3.1.4.5). `""` counts as absent. */
  "pf-pci-address"?: string | undefined;
  /** The name of the VF's representor netdevice, e.g. `eth3`, if available (spec 3.1.4.6). */
  "representor-device"?: string | undefined;
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/**
 * The `vhost-user` sub-object (spec 3.1.5): a vhost-user socket. Required
 * when `type` is `"vhost-user"`.
 */
export interface VhostUserDevice {
  /**
   * Who creates the socket (spec 3.1.5.1). Required. `"client"`: the host
   * creates the socket file and the container's application attaches to it;
   * `"server"`: the container's application creates it and the host attaches.
   */
  mode: "client" | "server";
  /** The path of the vhost-user socket file (spec 3.1.5.2). Required. */
  path: string;
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/**
 * The `memif` sub-object (spec 3.1.6): a memif socket. Required when `type`
 * is `"memif"`.
 */
export interface MemifDevice {
  /**
   * Who creates the socket (spec 3.1.6.1). Required. `"master"`: the
   * container's application creates the socket file and the host attaches;
   * `"slave"`: the host creates it and the container's application attaches.
   */
  role: "master" | "slave";
  /** The path of the memif socket file (spec 3.1.6.2). Required. */
  path: string;
  /** What the socket carries (spec 3.1.6.3). Required. `"inject-punt"` is reserved by the spec, not yet implemented. */
  mode: "ethernet" | "ip" | "inject-punt";
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/**
 * A device-info document describing a PCI device (`type: "pci"`, spec 3.1).
 *
 * @example
 * ```ts
 * const info: PciDeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
 * ```
 */
export interface PciDeviceInfo {
  /** The device type (spec 3.1.1): names the sub-object that describes the device. */
  type: "pci";
  /** The spec version the document follows, `MAJOR.MINOR.PATCH` with major 1, e.g. `"1.1.0"` (spec 3.1.2). */
  version: string;
  /** The device (spec 3.1.3). Required for this type. */
  pci: PciDevice;
  /** A `vdpa` sub-object, which the document may carry besides its own (Go keeps it). */
  vdpa?: VdpaDevice | undefined;
  /** A `vhost-user` sub-object, which the document may carry besides its own (Go keeps it). */
  "vhost-user"?: VhostUserDevice | undefined;
  /** A `memif` sub-object, which the document may carry besides its own (Go keeps it). */
  memif?: MemifDevice | undefined;
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/** A device-info document describing a vDPA device (`type: "vdpa"`, spec 3.1). */
export interface VdpaDeviceInfo {
  /** The device type (spec 3.1.1): names the sub-object that describes the device. */
  type: "vdpa";
  /** The spec version the document follows, `MAJOR.MINOR.PATCH` with major 1, e.g. `"1.1.0"` (spec 3.1.2). */
  version: string;
  /** The device (spec 3.1.4). Required for this type. */
  vdpa: VdpaDevice;
  /** A `pci` sub-object, which the document may carry besides its own (Go keeps it). */
  pci?: PciDevice | undefined;
  /** A `vhost-user` sub-object, which the document may carry besides its own (Go keeps it). */
  "vhost-user"?: VhostUserDevice | undefined;
  /** A `memif` sub-object, which the document may carry besides its own (Go keeps it). */
  memif?: MemifDevice | undefined;
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/** A device-info document describing a vhost-user socket (`type: "vhost-user"`, spec 3.1). */
export interface VhostUserDeviceInfo {
  /** The device type (spec 3.1.1): names the sub-object that describes the device. */
  type: "vhost-user";
  /** The spec version the document follows, `MAJOR.MINOR.PATCH` with major 1, e.g. `"1.1.0"` (spec 3.1.2). */
  version: string;
  /** The device (spec 3.1.5). Required for this type. */
  "vhost-user": VhostUserDevice;
  /** A `pci` sub-object, which the document may carry besides its own (Go keeps it). */
  pci?: PciDevice | undefined;
  /** A `vdpa` sub-object, which the document may carry besides its own (Go keeps it). */
  vdpa?: VdpaDevice | undefined;
  /** A `memif` sub-object, which the document may carry besides its own (Go keeps it). */
  memif?: MemifDevice | undefined;
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/** A device-info document describing a memif socket (`type: "memif"`, spec 3.1). */
export interface MemifDeviceInfo {
  /** The device type (spec 3.1.1): names the sub-object that describes the device. */
  type: "memif";
  /** The spec version the document follows, `MAJOR.MINOR.PATCH` with major 1, e.g. `"1.1.0"` (spec 3.1.2). */
  version: string;
  /** The device (spec 3.1.6). Required for this type. */
  memif: MemifDevice;
  /** A `pci` sub-object, which the document may carry besides its own (Go keeps it). */
  pci?: PciDevice | undefined;
  /** A `vdpa` sub-object, which the document may carry besides its own (Go keeps it). */
  vdpa?: VdpaDevice | undefined;
  /** A `vhost-user` sub-object, which the document may carry besides its own (Go keeps it). */
  "vhost-user"?: VhostUserDevice | undefined;
  /** Keys the spec does not define, kept as read. */
  [key: string]: unknown;
}

/**
 * A device-info document (spec section 3): one of the four variants, told
 * apart by `type`. Narrow with `switch (info.type)`; the variant's own
 * sub-object is then required.
 *
 * @example
 * ```ts
 * function address(info: DeviceInfo): string | undefined {
 *   switch (info.type) {
 *     case "pci":
 *       return info.pci["pci-address"];
 *     case "vdpa":
 *       return info.vdpa.path;
 *     case "vhost-user":
 *       return info["vhost-user"].path;
 *     case "memif":
 *       return info.memif.path;
 *   }
 * }
 * ```
 */
export type DeviceInfo = PciDeviceInfo | VdpaDeviceInfo | VhostUserDeviceInfo | MemifDeviceInfo;

/** The four device types of spec v1.1.0 (spec 3.1.1): `"pci"`, `"vdpa"`, `"vhost-user"`, `"memif"`. */
export type DeviceType = DeviceInfo["type"];
