/**
 * The protobuf wire format of exactly the PodResources v1 messages devinfo
 * reads (`k8s.io/kubelet/pkg/apis/podresources/v1/api.proto`), by hand: a
 * decoded message has the shape `protobufjs`' `toObject(…, { defaults: true,
 * arrays: true })` gives with the proto's field names (absent strings `""`,
 * absent lists `[]`, an absent message `null`), so the client that uses it
 * and the gRPC library it replaces answer alike (`test/kubelet/_wire.test.ts`
 * compares them on random messages).
 *
 * Why by hand: loading `protobufjs` and `@grpc/grpc-js` costs a fresh process
 * about 100 ms, which a meta-plugin pays on every pod ADD that asks the
 * kubelet (bench/README.md, "Kubelet lookup"); this file is a few hundred
 * lines of table and loop.
 *
 * Protobuf rules followed (protobuf.dev, "Encoding"): fields in any order;
 * unknown fields of every wire type skipped (groups included); for a singular
 * field the last value wins, a singular message seen twice is merged; repeated
 * fields append; strings are UTF-8 (invalid sequences decode as U+FFFD, as
 * `TextDecoder` does). A malformed message (a truncated varint or field, a
 * varint over 10 bytes, a wire type the field cannot have, wire type 6 or 7)
 * is an error: the caller reports it as gRPC's INTERNAL.
 *
 * @internal
 * @module
 */

/** A message name of {@link MESSAGES}. */
export type MessageName =
  | "ListPodResourcesResponse"
  | "GetPodResourcesResponse"
  | "AllocatableResourcesResponse"
  | "PodResources"
  | "ContainerResources"
  | "ContainerDevices"
  | "DynamicResource"
  | "ClaimResource"
  | "CDIDevice";

/** One field of a message: its name in the decoded object and how it is encoded. */
type Field =
  | { readonly name: string; readonly kind: "string" | "strings" | "optionalString" }
  | { readonly name: string; readonly kind: "message" | "messages"; readonly type: MessageName };

/** The messages devinfo reads, by their proto names; fields by number (the wire protocol: as upstream). */
const MESSAGES = {
  ListPodResourcesResponse: { 1: { name: "pod_resources", kind: "messages", type: "PodResources" } },
  GetPodResourcesResponse: { 1: { name: "pod_resources", kind: "message", type: "PodResources" } },
  AllocatableResourcesResponse: { 1: { name: "devices", kind: "messages", type: "ContainerDevices" } },
  PodResources: {
    1: { name: "name", kind: "string" },
    2: { name: "namespace", kind: "string" },
    3: { name: "containers", kind: "messages", type: "ContainerResources" },
  },
  ContainerResources: {
    1: { name: "name", kind: "string" },
    2: { name: "devices", kind: "messages", type: "ContainerDevices" },
    5: { name: "dynamic_resources", kind: "messages", type: "DynamicResource" },
  },
  ContainerDevices: {
    1: { name: "resource_name", kind: "string" },
    2: { name: "device_ids", kind: "strings" },
  },
  DynamicResource: {
    1: { name: "class_name", kind: "string" },
    2: { name: "claim_name", kind: "string" },
    3: { name: "claim_namespace", kind: "string" },
    4: { name: "claim_resources", kind: "messages", type: "ClaimResource" },
  },
  ClaimResource: {
    1: { name: "cdi_devices", kind: "messages", type: "CDIDevice" },
    2: { name: "driver_name", kind: "string" },
    3: { name: "pool_name", kind: "string" },
    4: { name: "device_name", kind: "string" },
    5: { name: "share_id", kind: "optionalString" },
  },
  CDIDevice: { 1: { name: "name", kind: "string" } },
} as const satisfies Record<MessageName, Readonly<Record<number, Field>>>;

/** A malformed protobuf message. */
export class WireError extends Error {}

const utf8 = new TextDecoder("utf-8");

/** A decoded message: `Record` of the proto field names (see the module's shape rules). */
export type Decoded = Record<string, unknown>;

/**
 * Each message's fields as an array by field number, and a factory of the
 * message with every field at its default: one object literal per type, so
 * every decoded message of a type has the same shape (V8 keeps one hidden
 * class per type; a List of 30,000 pods is about 100,000 messages).
 */
interface Compiled {
  readonly fields: readonly (Field | undefined)[];
  readonly empty: () => Decoded;
}
const EMPTY: Record<MessageName, () => Decoded> = {
  ListPodResourcesResponse: () => ({ pod_resources: [] }),
  GetPodResourcesResponse: () => ({ pod_resources: null }),
  AllocatableResourcesResponse: () => ({ devices: [] }),
  PodResources: () => ({ name: "", namespace: "", containers: [] }),
  ContainerResources: () => ({ name: "", devices: [], dynamic_resources: [] }),
  ContainerDevices: () => ({ resource_name: "", device_ids: [] }),
  DynamicResource: () => ({ class_name: "", claim_name: "", claim_namespace: "", claim_resources: [] }),
  // share_id is `optional`: absent unless sent.
  ClaimResource: () => ({ cdi_devices: [], driver_name: "", pool_name: "", device_name: "" }),
  CDIDevice: () => ({ name: "" }),
};
const COMPILED = {} as Record<MessageName, Compiled>;
for (const type of Object.keys(MESSAGES) as MessageName[]) {
  const fields: (Field | undefined)[] = [];
  for (const [number, field] of Object.entries(MESSAGES[type]) as [string, Field][]) fields[Number(number)] = field;
  COMPILED[type] = { fields, empty: EMPTY[type] };
}

/** Decodes `bytes` as the message `type`. Throws a {@link WireError} on a malformed message. */
export function decodeMessage(type: MessageName, bytes: Uint8Array): Decoded {
  const reader = { bytes, pos: 0 };
  const out = COMPILED[type].empty();
  decodeInto(type, reader, bytes.length, out);
  return out;
}

interface Reader {
  readonly bytes: Uint8Array;
  pos: number;
}

/**
 * A string field's bytes as UTF-8. Short ASCII strings (names, namespaces,
 * PCI addresses: nearly every string of a PodResources answer) are built
 * here; a native `TextDecoder` call costs more than the loop for them.
 */
function readString(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 32) {
    let out = "";
    for (let i = start; i < end; i++) {
      const byte = bytes[i] as number;
      if (byte >= 0x80) return utf8.decode(bytes.subarray(start, end));
      out += String.fromCharCode(byte);
    }
    return out;
  }
  return utf8.decode(bytes.subarray(start, end));
}

function decodeInto(type: MessageName, r: Reader, end: number, out: Decoded): void {
  const fields = COMPILED[type].fields;
  const bytes = r.bytes;
  while (r.pos < end) {
    // One-byte keys and lengths (field numbers up to 15, fields up to 127 bytes) are the common case.
    const first = bytes[r.pos] as number;
    let key: number;
    if (first < 0x80) {
      key = first;
      r.pos++;
    } else {
      key = varint(r, end);
    }
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) throw new WireError("field number 0");
    const field = fields[number];
    if (field === undefined) {
      skip(r, end, wireType, number);
      continue;
    }
    if (wireType !== 2) throw new WireError(`field ${field.name} of ${type} has wire type ${wireType}, not 2 (length-delimited)`);
    let length: number;
    if (r.pos < end && (bytes[r.pos] as number) < 0x80) {
      length = bytes[r.pos] as number;
      r.pos++;
    } else {
      length = varint(r, end);
    }
    const stop = r.pos + length;
    if (stop > end) throw new WireError(`field ${field.name} of ${type} runs past the end of the message`);
    switch (field.kind) {
      case "string":
      case "optionalString":
        out[field.name] = readString(bytes, r.pos, stop);
        r.pos = stop;
        break;
      case "strings":
        (out[field.name] as string[]).push(readString(bytes, r.pos, stop));
        r.pos = stop;
        break;
      case "message": {
        // A singular message seen twice is merged into the first.
        const into = (out[field.name] as Decoded | null) ?? COMPILED[field.type].empty();
        decodeInto(field.type, r, stop, into);
        out[field.name] = into;
        break;
      }
      case "messages": {
        const item = COMPILED[field.type].empty();
        decodeInto(field.type, r, stop, item);
        (out[field.name] as Decoded[]).push(item);
        break;
      }
    }
  }
  if (r.pos !== end) throw new WireError(`a field of ${type} runs past the end of its message`);
}

/** Reads a varint of up to 10 bytes, as a number (exact up to 2^53; the keys and lengths read here are far below). */
function varint(r: Reader, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (r.pos >= end) throw new WireError("a truncated varint");
    const byte = r.bytes[r.pos++] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 128;
  }
  throw new WireError("a varint longer than 10 bytes");
}

function skip(r: Reader, end: number, wireType: number, number: number): void {
  switch (wireType) {
    case 0:
      varint(r, end);
      return;
    case 1:
      advance(r, end, 8);
      return;
    case 2:
      advance(r, end, varint(r, end));
      return;
    case 3: {
      // A group: skip its fields up to the matching end-group key.
      for (;;) {
        const key = varint(r, end);
        if (key % 8 === 4) {
          if (Math.floor(key / 8) !== number) throw new WireError("a group ended by another field's end-group");
          return;
        }
        skip(r, end, key % 8, Math.floor(key / 8));
      }
    }
    case 5:
      advance(r, end, 4);
      return;
    default:
      throw new WireError(`wire type ${wireType}`);
  }
}

function advance(r: Reader, end: number, n: number): void {
  if (r.pos + n > end) throw new WireError("a field runs past the end of the message");
  r.pos += n;
}

const utf8Encoder = new TextEncoder();

/**
 * Encodes a request: the string fields given, by field number (`Get` sends
 * `{ 1: pod_name, 2: pod_namespace }`; `List` and `GetAllocatableResources`
 * send an empty message). Empty strings are left out, as proto3 does.
 */
export function encodeStrings(fields: Readonly<Record<number, string>>): Uint8Array {
  const parts: number[] = [];
  for (const [number, value] of Object.entries(fields)) {
    if (value === "") continue;
    const bytes = utf8Encoder.encode(value);
    pushVarint(parts, Number(number) * 8 + 2);
    pushVarint(parts, bytes.length);
    for (const b of bytes) parts.push(b);
  }
  return Uint8Array.from(parts);
}

function pushVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}
