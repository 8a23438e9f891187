/**
 * The zod schemas of the `k8s.v1.cni.cncf.io/network-status` entries (the
 * Go reference's `NetworkStatus` struct, spec section 6) and of KubeVirt's
 * `kubevirt.io/network-info` document, and the TypeScript types inferred
 * from them.
 *
 * Like the device-info schemas, these describe a *conforming* document (what
 * `strict: true` enforces). The package's own readers and writers never load
 * zod; they use hand-written checks that a test keeps in agreement with these
 * schemas. Outside `src/schema.ts`, only ever `import type` from this module.
 *
 * Every object is loose: the annotation is shared with other writers, so keys
 * this package does not know are kept.
 */

import * as z from "zod";
import { DeviceInfoSchema } from "../format/schema.js";

/** The `dns` object of a network-status entry (Go's `v1.DNS`). */
export const NetworkStatusDNSSchema = z.looseObject({
  nameservers: z.array(z.string()).optional(),
  domain: z.string().optional(),
  search: z.array(z.string()).optional(),
  options: z.array(z.string()).optional(),
});

/**
 * One entry of the `k8s.v1.cni.cncf.io/network-status` annotation (Go's
 * `v1.NetworkStatus`), keys in Go's field order.
 */
export const NetworkStatusSchema = z.looseObject({
  name: z.string(),
  interface: z.string().optional(),
  ips: z.array(z.string()).optional(),
  mac: z.string().optional(),
  /** Go's int (int64): a bigint beyond 2^53, kept exact. */
  mtu: z.union([z.number().int(), z.bigint()]).optional(),
  default: z.boolean().optional(),
  dns: NetworkStatusDNSSchema.optional(),
  "device-info": DeviceInfoSchema.optional(),
  gateway: z.array(z.string()).optional(),
});

/** The whole annotation value: a JSON array of entries. */
export const NetworkStatusAnnotationSchema = z.array(NetworkStatusSchema);

/** One interface of KubeVirt's `kubevirt.io/network-info` document. */
export const KubeVirtInterfaceSchema = z.looseObject({
  network: z.string(),
  deviceInfo: DeviceInfoSchema.optional(),
  mac: z.string().optional(),
  mtu: z.number().int().optional(),
});

/** KubeVirt's `kubevirt.io/network-info` document, as projected into the virt-launcher pod. */
export const KubeVirtNetworkInfoSchema = z.looseObject({
  interfaces: z.array(KubeVirtInterfaceSchema),
});

// The types are written out in ./types.ts (so the API reference lists their
// fields); test/types/schema-types.test.ts proves them equal to z.infer.
export type { KubeVirtInterface, KubeVirtNetworkInfo, NetworkStatus, NetworkStatusDNS } from "./types.js";
