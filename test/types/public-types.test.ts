// The public types, pinned. DeviceInfo and NetworkStatus are inferred from
// the zod schemas (src/format/schema.ts, src/status/schema.ts), so editing a
// schema could change the API silently: these assertions are checked by the
// typecheck step (`tsc -p tsconfig.test.json`, part of `npm test`) and fail
// the build when a public type moves. Change them only with the API.

import { describe, expectTypeOf, it } from "vitest";
import type * as cniPlugin from "../../src/cni-plugin.js";
import type {
  DeviceInfo,
  DeviceInfoError,
  DeviceInfoErrorCode,
  DeviceInfoIssue,
  DeviceType,
  KubeVirtInterface,
  KubeVirtNetworkInfo,
  LoadOptions,
  MemifDevice,
  MemifDeviceInfo,
  NetworkStatus,
  NetworkStatusDNS,
  PathOptions,
  PciDevice,
  PciDeviceInfo,
  PrepareOptions,
  ReadPodNetworkStatusOptions,
  SaveOptions,
  SerializeOptions,
  UpdateOptions,
  ValidateOptions,
  ValidationOptions,
  VdpaDevice,
  VdpaDeviceInfo,
  VhostUserDevice,
  VhostUserDeviceInfo,
  WaitForPodNetworkStatusOptions,
} from "../../src/index.js";
import type * as schemaEntry from "../../src/schema.js";

type Opt<T> = T | undefined;

describe("device-info documents (from src/format/schema.ts)", () => {
  it("the sub-objects: required and optional fields, unknown keys kept", () => {
    expectTypeOf<PciDevice>().toEqualTypeOf<{
      [key: string]: unknown;
      "pci-address": string;
      "vhost-net"?: Opt<string>;
      "rdma-device"?: Opt<string>;
      "pf-pci-address"?: Opt<string>;
      "representor-device"?: Opt<string>;
    }>();
    expectTypeOf<VdpaDevice>().toEqualTypeOf<{
      [key: string]: unknown;
      "parent-device": string;
      driver: "vhost" | "virtio";
      path: string;
      "pci-address"?: Opt<string>;
      "pf-pci-address"?: Opt<string>;
      "representor-device"?: Opt<string>;
    }>();
    expectTypeOf<VhostUserDevice>().toEqualTypeOf<{ [key: string]: unknown; mode: "client" | "server"; path: string }>();
    expectTypeOf<MemifDevice>().toEqualTypeOf<{
      [key: string]: unknown;
      role: "master" | "slave";
      path: string;
      mode: "ethernet" | "ip" | "inject-punt";
    }>();
  });

  it("DeviceInfo is the union of the four documents, discriminated by type", () => {
    expectTypeOf<DeviceInfo>().toEqualTypeOf<PciDeviceInfo | VdpaDeviceInfo | VhostUserDeviceInfo | MemifDeviceInfo>();
    expectTypeOf<DeviceInfo["type"]>().toEqualTypeOf<"pci" | "vdpa" | "vhost-user" | "memif">();
    expectTypeOf<DeviceType>().toEqualTypeOf<DeviceInfo["type"]>();
    expectTypeOf<DeviceInfo["version"]>().toEqualTypeOf<string>();
  });

  it("each document requires its own sub-object and may carry the others", () => {
    expectTypeOf<PciDeviceInfo["pci"]>().toEqualTypeOf<PciDevice>();
    expectTypeOf<PciDeviceInfo["vdpa"]>().toEqualTypeOf<Opt<VdpaDevice>>();
    expectTypeOf<VdpaDeviceInfo["vdpa"]>().toEqualTypeOf<VdpaDevice>();
    expectTypeOf<VhostUserDeviceInfo["vhost-user"]>().toEqualTypeOf<VhostUserDevice>();
    expectTypeOf<MemifDeviceInfo["memif"]>().toEqualTypeOf<MemifDevice>();
    expectTypeOf<MemifDeviceInfo["pci"]>().toEqualTypeOf<Opt<PciDevice>>();
    expectTypeOf<{ type: "pci"; version: "1.1.0"; pci: { "pci-address": "0000:af:06.0" } }>().toExtend<DeviceInfo>();
    expectTypeOf<{ type: "pci"; version: "1.1.0" }>().not.toExtend<DeviceInfo>();
  });

  it("devinfo/schema exports the same types as the root", () => {
    expectTypeOf<schemaEntry.DeviceInfo>().toEqualTypeOf<DeviceInfo>();
    expectTypeOf<schemaEntry.NetworkStatus>().toEqualTypeOf<NetworkStatus>();
  });
});

describe("network status (from src/status/schema.ts)", () => {
  it("an entry of the annotation", () => {
    expectTypeOf<NetworkStatus>().toEqualTypeOf<{
      [key: string]: unknown;
      name: string;
      interface?: Opt<string>;
      ips?: Opt<string[]>;
      mac?: Opt<string>;
      mtu?: Opt<number | bigint>;
      default?: Opt<boolean>;
      dns?: Opt<NetworkStatusDNS>;
      "device-info"?: Opt<DeviceInfo>;
      gateway?: Opt<string[]>;
    }>();
    expectTypeOf<NetworkStatusDNS>().toEqualTypeOf<{
      [key: string]: unknown;
      nameservers?: Opt<string[]>;
      domain?: Opt<string>;
      search?: Opt<string[]>;
      options?: Opt<string[]>;
    }>();
  });

  it("KubeVirt's network-info", () => {
    expectTypeOf<KubeVirtNetworkInfo>().toEqualTypeOf<{ [key: string]: unknown; interfaces: KubeVirtInterface[] }>();
    expectTypeOf<KubeVirtInterface>().toEqualTypeOf<{
      [key: string]: unknown;
      network: string;
      deviceInfo?: Opt<DeviceInfo>;
      mac?: Opt<string>;
      mtu?: Opt<number>;
    }>();
  });
});

describe("options", () => {
  it("every option, its type, and optional", () => {
    expectTypeOf<PathOptions>().toEqualTypeOf<{ baseDir?: Opt<string> }>();
    expectTypeOf<ValidationOptions>().toEqualTypeOf<{ strict?: Opt<boolean>; onWarning?: Opt<(warning: DeviceInfoIssue) => void> }>();
    expectTypeOf<ValidateOptions>().toEqualTypeOf<{ strict?: Opt<boolean> }>();
    expectTypeOf<Required<LoadOptions>>().toEqualTypeOf<Required<PathOptions & ValidationOptions & { maxBytes?: Opt<number> }>>();
    expectTypeOf<Required<SaveOptions>>().toEqualTypeOf<Required<LoadOptions & { overwrite?: Opt<boolean>; durable?: Opt<boolean> }>>();
    expectTypeOf<Required<UpdateOptions>>().toEqualTypeOf<
      Required<LoadOptions & { durable?: Opt<boolean>; lockTimeoutMs?: Opt<number>; lockStaleMs?: Opt<number> }>
    >();
    expectTypeOf<PrepareOptions>().toExtend<LoadOptions>();
    expectTypeOf<SerializeOptions>().toEqualTypeOf<{ unknownKeys?: Opt<"keep" | "drop"> }>();
    expectTypeOf<Required<ReadPodNetworkStatusOptions>>().toEqualTypeOf<Required<ValidationOptions & { maxBytes?: Opt<number> }>>();
    expectTypeOf<WaitForPodNetworkStatusOptions["timeoutMs"]>().toEqualTypeOf<number>();
    expectTypeOf<WaitForPodNetworkStatusOptions>().toExtend<ReadPodNetworkStatusOptions>();
  });
});

describe("errors", () => {
  it("codes and fields", () => {
    expectTypeOf<DeviceInfoError["code"]>().toEqualTypeOf<DeviceInfoErrorCode>();
    expectTypeOf<"ERR_DEVINFO_INVALID">().toExtend<DeviceInfoErrorCode>();
    expectTypeOf<DeviceInfoError["errno"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ReturnType<DeviceInfoError["toJSON"]>>().toHaveProperty("message");
  });
});

describe("subpath entries give the root's types", () => {
  it("devinfo/cni-plugin", () => {
    expectTypeOf<cniPlugin.DeviceInfo>().toEqualTypeOf<DeviceInfo>();
    expectTypeOf<cniPlugin.UpdateOptions>().toEqualTypeOf<UpdateOptions>();
  });
});
