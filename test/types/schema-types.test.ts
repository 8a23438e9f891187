// The written-out document types (src/format/types.ts, src/status/types.ts)
// equal the zod schemas' inferred types, both ways (toEqualTypeOf is mutual
// assignability and more): a schema and its type cannot drift. Checked by the
// typecheck step of `npm test` (tsc -p tsconfig.test.json).

import { describe, expectTypeOf, it } from "vitest";
import type * as z from "zod";
import type {
  DeviceInfoSchema,
  MemifDeviceInfoSchema,
  MemifDeviceSchema,
  PciDeviceInfoSchema,
  PciDeviceSchema,
  VdpaDeviceInfoSchema,
  VdpaDeviceSchema,
  VhostUserDeviceInfoSchema,
  VhostUserDeviceSchema,
} from "../../src/format/schema.js";
import type {
  DeviceInfo,
  DeviceType,
  MemifDevice,
  MemifDeviceInfo,
  PciDevice,
  PciDeviceInfo,
  VdpaDevice,
  VdpaDeviceInfo,
  VhostUserDevice,
  VhostUserDeviceInfo,
} from "../../src/format/types.js";
import type {
  KubeVirtInterfaceSchema,
  KubeVirtNetworkInfoSchema,
  NetworkStatusAnnotationSchema,
  NetworkStatusDNSSchema,
  NetworkStatusSchema,
} from "../../src/status/schema.js";
import type { KubeVirtInterface, KubeVirtNetworkInfo, NetworkStatus, NetworkStatusDNS } from "../../src/status/types.js";

describe("device-info types equal the schemas' z.infer", () => {
  it("the sub-objects", () => {
    expectTypeOf<z.infer<typeof PciDeviceSchema>>().toEqualTypeOf<PciDevice>();
    expectTypeOf<z.infer<typeof VdpaDeviceSchema>>().toEqualTypeOf<VdpaDevice>();
    expectTypeOf<z.infer<typeof VhostUserDeviceSchema>>().toEqualTypeOf<VhostUserDevice>();
    expectTypeOf<z.infer<typeof MemifDeviceSchema>>().toEqualTypeOf<MemifDevice>();
  });

  it("the four documents and their union", () => {
    expectTypeOf<z.infer<typeof PciDeviceInfoSchema>>().toEqualTypeOf<PciDeviceInfo>();
    expectTypeOf<z.infer<typeof VdpaDeviceInfoSchema>>().toEqualTypeOf<VdpaDeviceInfo>();
    expectTypeOf<z.infer<typeof VhostUserDeviceInfoSchema>>().toEqualTypeOf<VhostUserDeviceInfo>();
    expectTypeOf<z.infer<typeof MemifDeviceInfoSchema>>().toEqualTypeOf<MemifDeviceInfo>();
    expectTypeOf<z.infer<typeof DeviceInfoSchema>>().toEqualTypeOf<DeviceInfo>();
    expectTypeOf<z.infer<typeof DeviceInfoSchema>["type"]>().toEqualTypeOf<DeviceType>();
  });

  it("input types too: what the schemas accept is what the types describe", () => {
    expectTypeOf<z.input<typeof DeviceInfoSchema>>().toEqualTypeOf<DeviceInfo>();
  });
});

describe("network-status types equal the schemas' z.infer", () => {
  it("the annotation's entries and KubeVirt's network-info", () => {
    expectTypeOf<z.infer<typeof NetworkStatusDNSSchema>>().toEqualTypeOf<NetworkStatusDNS>();
    expectTypeOf<z.infer<typeof NetworkStatusSchema>>().toEqualTypeOf<NetworkStatus>();
    expectTypeOf<z.infer<typeof NetworkStatusAnnotationSchema>>().toEqualTypeOf<NetworkStatus[]>();
    expectTypeOf<z.infer<typeof KubeVirtInterfaceSchema>>().toEqualTypeOf<KubeVirtInterface>();
    expectTypeOf<z.infer<typeof KubeVirtNetworkInfoSchema>>().toEqualTypeOf<KubeVirtNetworkInfo>();
  });

  it("a drift is caught: a type with one field more or less is not equal", () => {
    expectTypeOf<z.infer<typeof MemifDeviceSchema>>().not.toEqualTypeOf<Omit<MemifDevice, "mode">>();
    expectTypeOf<z.infer<typeof NetworkStatusSchema>>().not.toEqualTypeOf<NetworkStatus & { extra: string }>();
  });
});
