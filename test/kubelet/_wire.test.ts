/**
 * The hand-written PodResources codec against protobufjs on random messages:
 * what `_wire.ts` decodes equals what protobufjs decodes (toObject with
 * defaults and arrays, the shape the grpc-js client gave), for messages encoded from
 * the full upstream v1 messages — fields devinfo does not read (cpu_ids,
 * memory, topology) arrive as unknown fields, packed and unpacked, with
 * varints up to 10 bytes — and malformed bytes are a WireError, never a crash.
 */

import fc from "fast-check";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeStrings, type MessageName, WireError } from "../../src/kubelet/_wire.js";

// The upstream messages (k8s.io/kubelet/pkg/apis/podresources/v1/api.proto), with the fields devinfo skips;
// `packed` chooses how cpu_ids and the NUMA IDs are encoded.
const upstream = (packed: boolean) => `
syntax = "proto3";
package v1;
message ListPodResourcesResponse { repeated PodResources pod_resources = 1; }
message GetPodResourcesResponse { PodResources pod_resources = 1; }
message AllocatableResourcesResponse {
  repeated ContainerDevices devices = 1;
  repeated int64 cpu_ids = 2 [packed = ${packed}];
  repeated ContainerMemory memory = 3;
}
message PodResources {
  string name = 1;
  string namespace = 2;
  repeated ContainerResources containers = 3;
}
message ContainerResources {
  string name = 1;
  repeated ContainerDevices devices = 2;
  repeated int64 cpu_ids = 3 [packed = ${packed}];
  repeated ContainerMemory memory = 4;
  repeated DynamicResource dynamic_resources = 5;
}
message ContainerMemory { string memory_type = 1; uint64 size = 2; TopologyInfo topology = 3; }
message TopologyInfo { repeated NUMANode nodes = 1; }
message NUMANode { int64 ID = 1; }
message ContainerDevices { string resource_name = 1; repeated string device_ids = 2; TopologyInfo topology = 3; }
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
message CDIDevice { string name = 1; }
`;
const roots = [true, false].map((packed) => protobuf.parse(upstream(packed), { keepCase: true }).root);

// What devinfo reads of each message (the rest is unknown to it).
const READ: Record<string, readonly string[]> = {
  ListPodResourcesResponse: ["pod_resources"],
  GetPodResourcesResponse: ["pod_resources"],
  AllocatableResourcesResponse: ["devices"],
  PodResources: ["name", "namespace", "containers"],
  ContainerResources: ["name", "devices", "dynamic_resources"],
  ContainerDevices: ["resource_name", "device_ids"],
  DynamicResource: ["class_name", "claim_name", "claim_namespace", "claim_resources"],
  ClaimResource: ["cdi_devices", "driver_name", "pool_name", "device_name", "share_id"],
  CDIDevice: ["name"],
};

/** protobufjs' decoded object, keeping only the fields devinfo reads. */
function project(type: protobuf.Type, value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const name of READ[type.name] ?? []) {
    if (!(name in (value as object))) continue;
    const field = type.fields[name] as protobuf.Field;
    const v = (value as Record<string, unknown>)[name];
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    out[name] = sub === undefined ? v : Array.isArray(v) ? v.map((x) => project(sub, x)) : project(sub, v);
  }
  return out;
}

// Random values: strings with any Unicode, int64s of every varint length (negatives take 10 bytes).
const text = fc.string({ unit: "grapheme", maxLength: 12 });
const int64 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.maxSafeInteger(), fc.constant(-1), fc.constant(2 ** 53 - 1));
const topology = fc.record({ nodes: fc.array(fc.record({ ID: int64 }), { maxLength: 3 }) }, { requiredKeys: [] });
const memory = fc.record({ memory_type: text, size: fc.nat(), topology }, { requiredKeys: [] });
const devices = fc.record({ resource_name: text, device_ids: fc.array(text, { maxLength: 4 }), topology }, { requiredKeys: [] });
const claimResource = fc.record(
  {
    cdi_devices: fc.array(fc.record({ name: text }), { maxLength: 2 }),
    driver_name: text,
    pool_name: text,
    device_name: text,
    share_id: text,
  },
  { requiredKeys: [] },
);
const dynamic = fc.record(
  { class_name: text, claim_name: text, claim_namespace: text, claim_resources: fc.array(claimResource, { maxLength: 2 }) },
  { requiredKeys: [] },
);
const container = fc.record(
  {
    name: text,
    devices: fc.array(devices, { maxLength: 3 }),
    cpu_ids: fc.array(int64, { maxLength: 4 }),
    memory: fc.array(memory, { maxLength: 2 }),
    dynamic_resources: fc.array(dynamic, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const podResources = fc.record({ name: text, namespace: text, containers: fc.array(container, { maxLength: 3 }) }, { requiredKeys: [] });
const MESSAGES: readonly [MessageName, fc.Arbitrary<object>][] = [
  ["ListPodResourcesResponse", fc.record({ pod_resources: fc.array(podResources, { maxLength: 3 }) }, { requiredKeys: [] })],
  ["GetPodResourcesResponse", fc.record({ pod_resources: podResources }, { requiredKeys: [] })],
  [
    "AllocatableResourcesResponse",
    fc.record(
      {
        devices: fc.array(devices, { maxLength: 3 }),
        cpu_ids: fc.array(int64, { maxLength: 4 }),
        memory: fc.array(memory, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    ),
  ],
];

describe("the PodResources codec equals protobufjs", () => {
  it.each(MESSAGES)("%s: random messages, packed and unpacked unknown fields", (name, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, fc.boolean(), (value, packed) => {
        const type = (roots[packed ? 0 : 1] as protobuf.Root).lookupType(`v1.${name}`);
        const bytes = type.encode(type.fromObject(value)).finish();
        const expected = project(type, type.toObject(type.decode(bytes), { defaults: true, arrays: true, longs: Number }));
        expect(decodeMessage(name, bytes)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("an empty message decodes to the defaults", () => {
    expect(decodeMessage("GetPodResourcesResponse", new Uint8Array())).toEqual({ pod_resources: null });
    expect(decodeMessage("ListPodResourcesResponse", new Uint8Array())).toEqual({ pod_resources: [] });
    expect(decodeMessage("PodResources", new Uint8Array())).toEqual({ name: "", namespace: "", containers: [] });
  });

  it("a singular message seen twice is merged, a string seen twice keeps the last (the protobuf spec and Go's decoder; protobufjs replaces)", () => {
    const type = (roots[0] as protobuf.Root).lookupType("v1.GetPodResourcesResponse");
    const a = type.encode(type.fromObject({ pod_resources: { name: "a", containers: [{ name: "c1" }] } })).finish();
    const b = type.encode(type.fromObject({ pod_resources: { name: "b", namespace: "ns", containers: [{ name: "c2" }] } })).finish();
    const c = (name: string) => ({ name, devices: [], dynamic_resources: [] });
    expect(decodeMessage("GetPodResourcesResponse", new Uint8Array([...a, ...b]))).toEqual({
      pod_resources: { name: "b", namespace: "ns", containers: [c("c1"), c("c2")] },
    });
  });

  it("skips unknown groups and fixed-width fields", () => {
    // field 9: start group (9<<3|3), inside it field 1 varint 5, end group (9<<3|4); field 10 fixed64; field 11 fixed32; then name = "x"
    const bytes = new Uint8Array([0x4b, 0x08, 0x05, 0x4c, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5d, 1, 2, 3, 4, 0x0a, 0x01, 0x78]);
    expect(decodeMessage("PodResources", bytes)).toEqual({ name: "x", namespace: "", containers: [] });
  });

  it.each<[string, number[]]>([
    ["a truncated varint key", [0x80]],
    ["a varint of 11 bytes", [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ["a string longer than the message", [0x0a, 0x05, 0x61]],
    ["a known string field with wire type 0", [0x08, 0x01]],
    ["wire type 6", [0x0e]],
    ["wire type 7", [0x0f]],
    ["field number 0", [0x02, 0x00]],
    ["a nested message overrunning its parent", [0x1a, 0x02, 0x0a, 0x05]],
    ["a group closed by another field", [0x4b, 0x54]],
    ["a truncated fixed64", [0x51, 1, 2]],
  ])("%s is a WireError", (_, bytes) => {
    expect(() => decodeMessage("PodResources", new Uint8Array(bytes))).toThrow(WireError);
  });

  it("encodes a Get request that protobufjs decodes back (empty strings left out, as Go's proto3 encoder does)", () => {
    const type = protobuf
      .parse('syntax = "proto3"; message GetPodResourcesRequest { string pod_name = 1; string pod_namespace = 2; }', { keepCase: true })
      .root.lookupType("GetPodResourcesRequest");
    fc.assert(
      fc.property(text, text, (name, namespace) => {
        const decoded = type.toObject(type.decode(encodeStrings({ 1: name, 2: namespace })), { defaults: true });
        expect(decoded).toEqual({ pod_name: name, pod_namespace: namespace });
      }),
      { numRuns: 300 },
    );
    expect(encodeStrings({})).toEqual(new Uint8Array());
    expect(encodeStrings({ 1: "", 2: "" })).toEqual(new Uint8Array());
  });
});
