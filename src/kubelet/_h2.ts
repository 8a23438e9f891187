/**
 * One unary gRPC call to the kubelet's PodResources service over its unix
 * socket: gRPC over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md) is a POST of one
 * length-prefixed message, answered by a length-prefixed message and a
 * `grpc-status` trailer. The HTTP/2 side (RFC 9113) is written here over
 * `node:net`, for exactly this exchange on one connection: the client
 * preface and SETTINGS, one stream's HEADERS and DATA, and on the way back
 * SETTINGS (acknowledged), PING (answered), WINDOW_UPDATE, HEADERS +
 * CONTINUATION (`_hpack.ts`), DATA, RST_STREAM and GOAWAY.
 *
 * Why not `node:http2`: loading it costs a fresh process about 8 ms, more
 * than half of what the whole lookup may cost (bench/README.md, "Kubelet
 * lookup"); `node:net` costs about 1 ms. `@grpc/grpc-js` + `protobufjs`
 * cost about 100 ms.
 *
 * It keeps the behaviour devinfo depends on: the same status codes as
 * `@grpc/grpc-js` for the same failures (UNAVAILABLE when nothing listens,
 * with the errno in `details`; DEADLINE_EXCEEDED at the deadline;
 * UNIMPLEMENTED for an unknown method; RESOURCE_EXHAUSTED past the receive
 * limit; its RST_STREAM mapping), the same decoded shapes. Every path out of
 * a call — answer, error, deadline, abort — destroys the socket.
 *
 * Flow control: the call announces a receive window of the whole receive
 * limit (stream and connection), so a large List arrives without a round
 * trip, and gives credit back (WINDOW_UPDATE) as data is read, so a server
 * that pads or sends past the window still never waits on a full window.
 * Its own DATA respects the server's windows.
 *
 * @internal
 * @module
 */

import { Buffer } from "node:buffer";
import type * as Net from "node:net";
import { encodeRequestHeaders, type HeaderField, HpackDecoder, HpackError } from "./_hpack.js";
import type { PodResourcesMethod, PodResourcesRequests, PodResourcesResponses } from "./_proto.js";
import { decodeGrpcMessage, fromHttpStatus, fromResetCode, GRPC_STATUS, isGrpcContentType, statusError } from "./_status.js";
import { type Decoded, decodeMessage, encodeStrings, type MessageName, WireError } from "./_wire.js";

export { GRPC_STATUS, type GrpcStatusError, isGrpcStatusError } from "./_status.js";

/** As Multus (`defaultPodResourcesMaxSize`): a node with many pods answers List with a large message. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const { DEADLINE_EXCEEDED, INTERNAL, RESOURCE_EXHAUSTED, UNAVAILABLE, UNKNOWN } = GRPC_STATUS;

/** The PodResources methods: request field numbers → response message. */
export const METHODS = {
  List: "ListPodResourcesResponse",
  Get: "GetPodResourcesResponse",
  GetAllocatableResources: "AllocatableResourcesResponse",
} as const satisfies Record<string, MessageName>;

/** A method name of {@link METHODS}. */
export type Method = keyof typeof METHODS;

/** What a call needs besides the method. */
export interface UnaryCall {
  /** The unix socket. */
  readonly socket: string;
  readonly method: Method;
  /** The request's string fields by field number (`Get`: `{ 1: pod_name, 2: pod_namespace }`). */
  readonly request: Readonly<Record<number, string>>;
  /** The deadline, in milliseconds since the epoch (`Date.now()` clock). */
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
  /** The largest response message accepted, in bytes (default {@link MAX_MESSAGE_BYTES}). */
  readonly maxMessageBytes?: number | undefined;
  /**
   * The receive window announced, in bytes (default: the whole largest
   * message, framed). Smaller windows make the server wait for this end's
   * WINDOW_UPDATEs (the tests use one to exercise them).
   */
  readonly windowBytes?: number | undefined;
}

// RFC 9113: frame types (6), flags, settings (6.5.2), the default frame size and windows.
const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
const MAX_FRAME_SIZE = 16_384;
const DEFAULT_WINDOW = 65_535;
const MAX_WINDOW = 2 ** 31 - 1;
/** The largest header list (and header block) accepted: far above any gRPC answer's. */
const MAX_HEADER_LIST_BYTES = 1024 * 1024;
/** The one stream a call opens. */
const STREAM_ID = 1;
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** A frame from a peer that does not follow HTTP/2: the connection is unusable. */
class ProtocolError extends Error {}

/**
 * Whether `bytes`, the first 0 to 9 bytes of a frame header, can still be
 * the header of a SETTINGS frame this client accepts as the server's preface
 * (RFC 9113 3.4, 6.5): a length within {@link MAX_FRAME_SIZE}, type SETTINGS,
 * stream 0, and a payload of 6-byte settings (none with ACK). Bytes that
 * arrive one at a time are judged as far as they go.
 */
function canBeginSettings(bytes: Buffer): boolean {
  const n = bytes.length;
  const lengthBytes = Math.min(n, 3);
  // The big-endian length's first bytes, completed with zeros, is the smallest length they can begin.
  if (lengthBytes > 0 && bytes.readUIntBE(0, lengthBytes) * 256 ** (3 - lengthBytes) > MAX_FRAME_SIZE) return false;
  if (n > 3 && bytes[3] !== SETTINGS) return false;
  // The stream identifier, its reserved bit ignored.
  for (let i = 5; i < n; i++) if (((bytes[i] as number) & (i === 5 ? 0x7f : 0xff)) !== 0) return false;
  if (n === 9) {
    const length = bytes.readUIntBE(0, 3);
    return (bytes[4] as number) & ACK ? length === 0 : length % 6 === 0;
  }
  return true;
}

function frame(type: number, flags: number, stream: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(stream, 5);
  out.set(payload, 9);
  return out;
}

function uint32s(...values: number[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4);
  for (const [i, v] of values.entries()) out.writeUInt32BE(v, i * 4);
  return out;
}

function windowUpdate(stream: number, increment: number): Buffer {
  return frame(WINDOW_UPDATE, 0, stream, uint32s(increment));
}

/**
 * Calls `method` and decodes its answer. Rejects with a
 * {@link GrpcStatusError}, or with the signal's reason when aborted.
 */
export function callUnary(call: UnaryCall): Promise<Decoded> {
  const { signal } = call;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<Decoded>((resolve, reject) => {
    const remaining = call.deadline - Date.now();
    if (remaining <= 0) {
      reject(statusError(DEADLINE_EXCEEDED, "Deadline exceeded"));
      return;
    }
    new Connection(call, remaining, resolve, reject).start();
  });
}

/** One call's connection: the socket, the HTTP/2 state of its one stream, and the answer read so far. */
class Connection {
  private settled = false;
  private connected = false;
  private socket: Net.Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.finish(this.call.signal?.reason);

  /** Bytes received and not yet parsed into frames. */
  private input: Buffer = Buffer.alloc(0);
  private sawSettings = false;
  private readonly hpack = new HpackDecoder(4096, MAX_HEADER_LIST_BYTES);
  /** HEADERS + CONTINUATION fragments of the block being read, and the HEADERS frame's END_STREAM. */
  private block: { fragments: Buffer[]; bytes: number; endStream: boolean } | undefined;
  private httpStatus: number | undefined;
  private goaway: string | undefined;

  /** The request's gRPC message (framed) not yet sent, and the server's windows for it. */
  private outgoing: Buffer;
  private sendWindow = DEFAULT_WINDOW;
  private streamSendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;

  /** Receive windows: the announced size, and bytes consumed without credit given back yet. */
  private readonly window: number;
  private unacked = 0;
  private streamUnacked = 0;

  /** The response message: its 5-byte prefix, then its bytes. */
  private readonly prefix = Buffer.alloc(5);
  private prefixBytes = 0;
  private message: Buffer | undefined;
  private messageBytes = 0;
  private readonly maxMessageBytes: number;

  constructor(
    private readonly call: UnaryCall,
    private readonly remaining: number,
    private readonly resolve: (value: Decoded) => void,
    private readonly reject: (reason: unknown) => void,
  ) {
    this.maxMessageBytes = call.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.window = Math.min(Math.max(call.windowBytes ?? this.maxMessageBytes + 5, DEFAULT_WINDOW), MAX_WINDOW);
    const body = encodeStrings(call.request);
    this.outgoing = Buffer.allocUnsafe(5 + body.length);
    this.outgoing[0] = 0;
    this.outgoing.writeUInt32BE(body.length, 1);
    this.outgoing.set(body, 5);
  }

  start(): void {
    this.call.signal?.addEventListener("abort", this.onAbort, { once: true });
    this.timer = setTimeout(() => this.finish(statusError(DEADLINE_EXCEEDED, "Deadline exceeded")), this.remaining);
    // Loaded here, not at import: `devinfo/kubelet` imported but not asked loads no network module.
    const net = process.getBuiltinModule("node:net");
    const socket = net.connect(this.call.socket);
    this.socket = socket;
    socket.once("connect", () => {
      this.connected = true;
    });
    socket.on("error", (err: Error) => {
      // Before the connection: nothing listens (ENOENT, ECONNREFUSED, EACCES), as grpc-js says it.
      this.finish(
        statusError(
          UNAVAILABLE,
          this.connected ? `Connection dropped: ${err.message}` : `No connection established. Last error: ${err.message}`,
        ),
      );
    });
    socket.on("close", () => {
      // Bytes before the server's SETTINGS that never became it: something answered, not in HTTP/2.
      if (!this.sawSettings && this.input.length > 0) {
        this.finish(statusError(UNAVAILABLE, "Connection dropped: Protocol error"));
        return;
      }
      const after = this.goaway === undefined ? "" : ` after GOAWAY (${this.goaway})`;
      const when = this.httpStatus === undefined ? "before an answer" : "before the end of the answer";
      this.finish(statusError(UNAVAILABLE, this.connected ? `Connection dropped${after} ${when}` : "No connection established"));
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        this.read(chunk);
      } catch (err) {
        // (Anything else is a fault of this client: reported, never thrown from the socket's event.)
        if (!(err instanceof ProtocolError || err instanceof HpackError)) {
          this.finish(statusError(INTERNAL, String(err)));
          return;
        }
        // Not HTTP/2 at all (an HTTP/1.1 server, other bytes): "Protocol error", as node:http2 says it.
        const what = this.sawSettings ? `: ${err instanceof HpackError ? `HPACK: ${err.message}` : err.message}` : "";
        this.finish(statusError(UNAVAILABLE, `Connection dropped: Protocol error${what}`));
      }
    });

    // The whole request in one write, queued until the connection is up: the preface and SETTINGS,
    // the connection window raised to the stream's, the request's HEADERS and DATA. A client need
    // not wait for the server's SETTINGS (RFC 9113 3.4).
    const settings = Buffer.allocUnsafe(18);
    [
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_INITIAL_WINDOW_SIZE, this.window],
      [SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_BYTES],
    ].forEach(([id, value], i) => {
      settings.writeUInt16BE(id as number, i * 6);
      settings.writeUInt32BE(value as number, i * 6 + 2);
    });
    const headers = encodeRequestHeaders([
      [":path", `/v1.PodResourcesLister/${this.call.method}`],
      [":authority", "localhost"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
      ["grpc-timeout", `${Math.max(1, Math.ceil(this.remaining))}m`],
    ]);
    const parts = [PREFACE, frame(SETTINGS, 0, 0, settings)];
    if (this.window > DEFAULT_WINDOW) parts.push(windowUpdate(0, this.window - DEFAULT_WINDOW));
    parts.push(frame(HEADERS, END_HEADERS, STREAM_ID, headers), ...this.takeData());
    socket.write(Buffer.concat(parts));
  }

  private finish(err: unknown, value?: Decoded): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.call.signal?.removeEventListener("abort", this.onAbort);
    // One call, one connection: nothing is kept open after it, whatever the outcome.
    this.socket?.destroy();
    if (err === undefined) this.resolve(value as Decoded);
    else this.reject(err);
  }

  /** DATA frames of the request that the server's windows allow now; the last one ends the stream. */
  private takeData(): Buffer[] {
    const frames: Buffer[] = [];
    while (this.outgoing.length > 0 || frames.length === 0) {
      const n = Math.min(this.outgoing.length, MAX_FRAME_SIZE, this.sendWindow, this.streamSendWindow);
      if (n <= 0 && this.outgoing.length > 0) break;
      const last = n === this.outgoing.length;
      frames.push(frame(DATA, last ? END_STREAM : 0, STREAM_ID, this.outgoing.subarray(0, n)));
      this.outgoing = this.outgoing.subarray(n);
      this.sendWindow -= n;
      this.streamSendWindow -= n;
      if (last) break;
    }
    return frames;
  }

  private sendMoreData(): void {
    if (this.outgoing.length === 0) return;
    const frames = this.takeData();
    if (frames.length > 0) this.socket?.write(Buffer.concat(frames));
  }

  /** Parses whole frames out of what has arrived. */
  private read(chunk: Buffer): void {
    const input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    let pos = 0;
    while (!this.settled && input.length - pos >= 9) {
      const length = input.readUIntBE(pos, 3);
      const type = input[pos + 3] as number;
      // Larger than the SETTINGS_MAX_FRAME_SIZE this end announced (the default): FRAME_SIZE_ERROR.
      if (length > MAX_FRAME_SIZE) throw new ProtocolError(`a frame of ${length} bytes`);
      // The server's preface is a SETTINGS frame (RFC 9113 3.4).
      if (!this.sawSettings && type !== SETTINGS) throw new ProtocolError("no SETTINGS first");
      if (input.length - pos - 9 < length) break;
      this.frame(type, input[pos + 4] as number, input.readUInt32BE(pos + 5) & MAX_WINDOW, input.subarray(pos + 9, pos + 9 + length));
      pos += 9 + length;
    }
    this.input = input.subarray(pos);
    // Until the server's SETTINGS, what has come of the next frame's header must be able to begin it: a peer
    // that is not HTTP/2 ("hello", a banner) and then waits must not hold the call until its deadline.
    if (!this.sawSettings && !this.settled && !canBeginSettings(this.input.subarray(0, 9))) {
      throw new ProtocolError("not an HTTP/2 server's preface");
    }
  }

  private frame(type: number, flags: number, stream: number, payload: Buffer): void {
    if (this.block !== undefined && type !== CONTINUATION) throw new ProtocolError("a frame inside a header block");
    switch (type) {
      case SETTINGS: {
        this.settings(flags, stream, payload);
        return;
      }
      case PING:
        if (stream !== 0 || payload.length !== 8) throw new ProtocolError("a malformed PING");
        if (!(flags & ACK)) this.socket?.write(frame(PING, ACK, 0, payload));
        return;
      case WINDOW_UPDATE: {
        if (payload.length !== 4) throw new ProtocolError("a malformed WINDOW_UPDATE");
        const increment = payload.readUInt32BE(0) & MAX_WINDOW;
        if (increment === 0) throw new ProtocolError("a WINDOW_UPDATE of 0");
        if (stream === 0) this.sendWindow += increment;
        else if (stream === STREAM_ID) this.streamSendWindow += increment;
        if (this.sendWindow > MAX_WINDOW || this.streamSendWindow > MAX_WINDOW) throw new ProtocolError("a window over 2^31-1");
        this.sendMoreData();
        return;
      }
      case GOAWAY: {
        if (stream !== 0 || payload.length < 8) throw new ProtocolError("a malformed GOAWAY");
        const lastStream = payload.readUInt32BE(0) & MAX_WINDOW;
        const debug = payload
          .subarray(8)
          .toString("latin1")
          .replace(/[^\x20-\x7e]/g, "?");
        this.goaway = `error code ${payload.readUInt32BE(4)}${debug === "" ? "" : `, "${debug}"`}`;
        // Our stream was not taken: it never will be, on this connection (RFC 9113 6.8).
        if (lastStream < STREAM_ID) this.finish(statusError(UNAVAILABLE, `Connection dropped: GOAWAY (${this.goaway}) before the call`));
        return;
      }
      case RST_STREAM:
        if (payload.length !== 4) throw new ProtocolError("a malformed RST_STREAM");
        if (stream === 0) throw new ProtocolError("RST_STREAM on stream 0");
        if (stream === STREAM_ID) this.finish(fromResetCode(payload.readUInt32BE(0), this.httpStatus));
        return;
      case PUSH_PROMISE:
        throw new ProtocolError("a PUSH_PROMISE, with push disabled");
      case HEADERS:
      case CONTINUATION: {
        this.headers(type, flags, stream, payload);
        return;
      }
      case DATA: {
        this.data(flags, stream, payload);
        return;
      }
      default:
        // PRIORITY, and frame types this end does not know, are ignored (RFC 9113 5.5).
        return;
    }
  }

  private settings(flags: number, stream: number, payload: Buffer): void {
    if (stream !== 0) throw new ProtocolError("SETTINGS on a stream");
    if (flags & ACK) {
      if (payload.length !== 0) throw new ProtocolError("a SETTINGS ACK with a payload");
      return;
    }
    if (payload.length % 6 !== 0) throw new ProtocolError("a malformed SETTINGS");
    this.sawSettings = true;
    for (let i = 0; i < payload.length; i += 6) {
      if (payload.readUInt16BE(i) !== SETTINGS_INITIAL_WINDOW_SIZE) continue;
      const value = payload.readUInt32BE(i + 2);
      if (value > MAX_WINDOW) throw new ProtocolError("an initial window over 2^31-1");
      // A new initial window moves the open stream's window by the difference (RFC 9113 6.9.2).
      this.streamSendWindow += value - this.peerInitialWindow;
      this.peerInitialWindow = value;
    }
    this.socket?.write(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
    this.sendMoreData();
  }

  /** Strips a frame's padding (the PADDED flag) and HEADERS' priority fields. */
  private static content(flags: number, payload: Buffer, priority: boolean): Buffer {
    let start = 0;
    let end = payload.length;
    if (flags & PADDED) {
      if (payload.length < 1) throw new ProtocolError("a padded frame without its pad length");
      end -= payload[0] as number;
      start = 1;
    }
    if (priority) start += 5;
    if (end < start) throw new ProtocolError("more padding than payload");
    return payload.subarray(start, end);
  }

  private headers(type: number, flags: number, stream: number, payload: Buffer): void {
    if (stream !== STREAM_ID) throw new ProtocolError(`${type === HEADERS ? "HEADERS" : "CONTINUATION"} on stream ${stream}`);
    if (type === HEADERS) {
      this.block = { fragments: [], bytes: 0, endStream: (flags & END_STREAM) !== 0 };
    } else if (this.block === undefined) {
      throw new ProtocolError("a CONTINUATION outside a header block");
    }
    const fragment = Connection.content(type === HEADERS ? flags : 0, payload, type === HEADERS && (flags & PRIORITY) !== 0);
    const block = this.block;
    block.fragments.push(Buffer.from(fragment));
    block.bytes += fragment.length;
    if (block.bytes > MAX_HEADER_LIST_BYTES) throw new ProtocolError(`a header block over ${MAX_HEADER_LIST_BYTES} bytes`);
    if (!(flags & END_HEADERS)) return;
    this.block = undefined;
    this.onHeaderBlock(this.hpack.decode(Buffer.concat(block.fragments)), block.endStream);
  }

  private onHeaderBlock(fields: readonly HeaderField[], endStream: boolean): void {
    const headers = new Map<string, string>();
    for (const [name, value] of fields) {
      const before = headers.get(name);
      headers.set(name, before === undefined ? value : `${before},${value}`);
    }
    if (this.httpStatus === undefined) {
      const status = Number(headers.get(":status"));
      if (!Number.isInteger(status)) throw new ProtocolError("an answer without :status");
      // 1xx: informational, the answer follows.
      if (status >= 100 && status < 200 && !endStream) return;
      this.httpStatus = status;
      // Not 200 and no status of its own: the HTTP status says it, whatever follows (as grpc-go).
      if (status !== 200 && headers.get("grpc-status") === undefined) {
        this.finish(fromHttpStatus(status));
        return;
      }
      if (status === 200 && headers.get("grpc-status") === undefined) {
        // Not a gRPC answer (a web server on the path): its body is no message.
        const contentType = headers.get("content-type");
        if (!isGrpcContentType(contentType)) {
          this.finish(
            statusError(
              INTERNAL,
              `Received a response with ${contentType === undefined ? "no content-type" : `content-type "${contentType}"`}, not application/grpc: not a gRPC server`,
            ),
          );
          return;
        }
      }
      if (!endStream) return;
    } else if (!endStream) {
      throw new ProtocolError("trailers without END_STREAM");
    }
    this.onStatus(headers);
  }

  private onStatus(trailers: ReadonlyMap<string, string>): void {
    const status = trailers.get("grpc-status");
    if (status === undefined && this.httpStatus !== 200) {
      this.finish(fromHttpStatus(this.httpStatus as number));
      return;
    }
    const code = status === undefined || !/^\d+$/.test(status) ? Number.NaN : Number(status);
    if (!Number.isInteger(code)) {
      this.finish(statusError(UNKNOWN, "an answer without a valid grpc-status"));
      return;
    }
    if (code !== 0) {
      this.finish(statusError(code, decodeGrpcMessage(trailers.get("grpc-message"))));
      return;
    }
    if (this.message === undefined || this.messageBytes !== this.message.length) {
      this.finish(statusError(INTERNAL, this.prefixBytes === 0 ? "No message received" : "a truncated message"));
      return;
    }
    let decoded: Decoded;
    try {
      decoded = decodeMessage(METHODS[this.call.method], this.message);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.finish(statusError(INTERNAL, `Response message parsing error: ${err.message}`));
      return;
    }
    this.finish(undefined, decoded);
  }

  private data(flags: number, stream: number, payload: Buffer): void {
    if (stream !== STREAM_ID) throw new ProtocolError(`DATA on stream ${stream}`);
    if (this.httpStatus === undefined) throw new ProtocolError("DATA before the answer's HEADERS");
    this.credit(payload.length);
    let bytes = Connection.content(flags, payload, false);
    if (this.message === undefined) {
      const n = Math.min(5 - this.prefixBytes, bytes.length);
      this.prefix.set(bytes.subarray(0, n), this.prefixBytes);
      this.prefixBytes += n;
      bytes = bytes.subarray(n);
      if (this.prefixBytes < 5) {
        this.endOfData(flags);
        return;
      }
      if (this.prefix[0] !== 0) {
        this.finish(statusError(INTERNAL, "a compressed message, which this client did not ask for"));
        return;
      }
      const length = this.prefix.readUInt32BE(1);
      if (length > this.maxMessageBytes) {
        this.finish(statusError(RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.maxMessageBytes})`));
        return;
      }
      this.message = Buffer.allocUnsafe(length);
    }
    if (this.messageBytes + bytes.length > this.message.length) {
      this.finish(statusError(INTERNAL, "more than one message in a unary answer"));
      return;
    }
    this.message.set(bytes, this.messageBytes);
    this.messageBytes += bytes.length;
    this.endOfData(flags);
  }

  /** A DATA frame with END_STREAM: the answer ended without trailers. */
  private endOfData(flags: number): void {
    if (flags & END_STREAM) this.finish(statusError(UNKNOWN, "an answer without a valid grpc-status"));
  }

  /** Gives back receive window for `n` bytes read, once half a window is used: the server never waits on a full one. */
  private credit(n: number): void {
    this.unacked += n;
    this.streamUnacked += n;
    if (this.unacked < this.window / 2 && this.streamUnacked < this.window / 2) return;
    this.socket?.write(Buffer.concat([windowUpdate(0, this.unacked), windowUpdate(STREAM_ID, this.streamUnacked)]));
    this.unacked = 0;
    this.streamUnacked = 0;
  }
}

/**
 * {@link callUnary} with the request and answer shapes of `_proto.ts` (the
 * `@grpc/grpc-js` client's signature, which `pod-resources.ts` calls).
 */
export async function callPodResources<M extends PodResourcesMethod>(
  socket: string,
  method: M,
  request: PodResourcesRequests[M],
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<PodResourcesResponses[M]> {
  const fields = "pod_name" in request ? { 1: request.pod_name, 2: request.pod_namespace } : {};
  return (await callUnary({ socket, method, request: fields, deadline, signal })) as unknown as PodResourcesResponses[M];
}
