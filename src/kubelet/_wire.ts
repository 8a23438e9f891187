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

/** Decodes `bytes` as the message `type`. Throws a {@link WireError} on a malformed message. */
export function decodeMessage(type: MessageName, bytes: Uint8Array): Decoded {
  const reader = { bytes, pos: 0 };
  const out = emptyMessage(type);
  decodeInto(type, reader, bytes.length, out);
  return out;
}

/** The message `type` with every field at its default. */
function emptyMessage(type: MessageName): Decoded {
  const out: Decoded = {};
  for (const field of Object.values(MESSAGES[type]) as Field[]) {
    if (field.kind === "string") out[field.name] = "";
    else if (field.kind === "strings" || field.kind === "messages") out[field.name] = [];
    else if (field.kind === "message") out[field.name] = null;
  }
  return out;
}

interface Reader {
  readonly bytes: Uint8Array;
  pos: number;
}

function decodeInto(type: MessageName, r: Reader, end: number, out: Decoded): void {
  const fields = MESSAGES[type] as Readonly<Record<number, Field>>;
  while (r.pos < end) {
    const key = varint(r, end);
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) throw new WireError("field number 0");
    const field = fields[number];
    if (field === undefined) {
      skip(r, end, wireType, number);
      continue;
    }
    if (wireType !== 2) throw new WireError(`field ${field.name} of ${type} has wire type ${wireType}, not 2 (length-delimited)`);
    const length = varint(r, end);
    const stop = r.pos + length;
    if (stop > end) throw new WireError(`field ${field.name} of ${type} runs past the end of the message`);
    switch (field.kind) {
      case "string":
      case "optionalString":
        out[field.name] = utf8.decode(r.bytes.subarray(r.pos, stop));
        r.pos = stop;
        break;
      case "strings":
        (out[field.name] as string[]).push(utf8.decode(r.bytes.subarray(r.pos, stop)));
        r.pos = stop;
        break;
      case "message": {
        // A singular message seen twice is merged into the first.
        const into = (out[field.name] as Decoded | null) ?? emptyMessage(field.type);
        decodeInto(field.type, r, stop, into);
        out[field.name] = into;
        break;
      }
      case "messages": {
        const item = emptyMessage(field.type);
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
