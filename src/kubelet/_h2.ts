/**
 * One unary gRPC call to the kubelet's PodResources service over its unix
 * socket, with `node:http2` and the hand-written codec of `_wire.ts`: gRPC
 * over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md) is a POST of one length-prefixed
 * message, answered by length-prefixed messages and a `grpc-status` trailer.
 *
 * It replaces `@grpc/grpc-js` + `protobufjs` on the meta-plugin's path
 * (about 100 ms of loading per fresh process, bench/README.md "Kubelet
 * lookup") and keeps their behaviour where devinfo depends on it: the same
 * status codes for the same failures (UNAVAILABLE when nothing listens, with
 * the errno in `details`; DEADLINE_EXCEEDED at the deadline; UNIMPLEMENTED for
 * an unknown method; RESOURCE_EXHAUSTED past the receive limit), the same
 * decoded shapes. Every path out of a call — answer, error, deadline, abort —
 * destroys the HTTP/2 session and its socket.
 *
 * @internal
 * @module
 */

import type * as Http2 from "node:http2";
import type { PodResourcesMethod, PodResourcesRequests, PodResourcesResponses } from "./_proto.js";
import { type Decoded, decodeMessage, encodeStrings, type MessageName, WireError } from "./_wire.js";

/** As Multus (`defaultPodResourcesMaxSize`): a node with many pods answers List with a large message. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A gRPC status error, shaped as `@grpc/grpc-js` reports one (`code`, `details`). */
export interface GrpcStatusError extends Error {
  code: number;
  details: string;
}

/** Whether `err` carries a gRPC status code. */
export function isGrpcStatusError(err: unknown): err is GrpcStatusError {
  return err instanceof Error && typeof (err as Partial<GrpcStatusError>).code === "number";
}

/** The gRPC status codes devinfo produces or tells apart (grpc/status.proto). */
export const GRPC_STATUS = {
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
const { UNKNOWN, DEADLINE_EXCEEDED, PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED } =
  GRPC_STATUS;

/** Node's names for gRPC codes, in messages (`14 UNAVAILABLE: …`, as grpc-js words them). */
const NAMES: Readonly<Record<number, string>> = {
  0: "OK",
  1: "CANCELLED",
  2: "UNKNOWN",
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  6: "ALREADY_EXISTS",
  7: "PERMISSION_DENIED",
  8: "RESOURCE_EXHAUSTED",
  9: "FAILED_PRECONDITION",
  10: "ABORTED",
  11: "OUT_OF_RANGE",
  12: "UNIMPLEMENTED",
  13: "INTERNAL",
  14: "UNAVAILABLE",
  15: "DATA_LOSS",
  16: "UNAUTHENTICATED",
};

function statusError(code: number, details: string): GrpcStatusError {
  return Object.assign(new Error(`${code} ${NAMES[code] ?? "UNKNOWN"}: ${details}`), { code, details });
}

/** An HTTP status other than 200, as gRPC maps it (grpc/doc/http-grpc-status-mapping.md). */
function fromHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return INTERNAL;
    case 401:
      return UNAUTHENTICATED;
    case 403:
      return PERMISSION_DENIED;
    case 404:
      return UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return UNAVAILABLE;
    default:
      return UNKNOWN;
  }
}

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
}

/**
 * Calls `method` and decodes its answer. Rejects with a
 * {@link GrpcStatusError}, or with the signal's reason when aborted.
 */
export function callUnary({ socket, method, request, deadline, signal, maxMessageBytes = MAX_MESSAGE_BYTES }: UnaryCall): Promise<Decoded> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<Decoded>((resolve, reject) => {
    let settled = false;
    let connected = false;
    // Loaded here, not at import: `devinfo/kubelet` imported but not asked costs no HTTP/2 (a few ms).
    const http2 = process.getBuiltinModule("node:http2");
    const net = process.getBuiltinModule("node:net");
    let session: Http2.ClientHttp2Session | undefined;
    let timer: NodeJS.Timeout | undefined;

    const finish = (err: unknown, value?: Decoded) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      // One call, one connection: nothing is kept open after it, whatever the outcome.
      session?.destroy();
      if (err === undefined) resolve(value as Decoded);
      else reject(err);
    };
    const onAbort = () => finish(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });

    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      finish(statusError(DEADLINE_EXCEEDED, "Deadline exceeded"));
      return;
    }
    timer = setTimeout(() => finish(statusError(DEADLINE_EXCEEDED, "Deadline exceeded")), remaining);

    session = http2.connect("http://localhost", {
      createConnection: () =>
        net.connect(socket).once("connect", () => {
          connected = true;
        }),
      // Room for the whole answer in flight: a large List arrives without waiting for window updates.
      settings: { initialWindowSize: Math.min(maxMessageBytes + 5, 2 ** 31 - 1) },
    });
    session.once("connect", () => session?.setLocalWindowSize(Math.min(maxMessageBytes + 5, 2 ** 31 - 1)));
    session.on("error", (err: NodeJS.ErrnoException) => {
      // Before the connection: nothing listens (ENOENT, ECONNREFUSED, EACCES), as grpc-js says it.
      const details = connected ? `Connection dropped: ${err.message}` : `No connection established. Last error: ${err.message}`;
      finish(statusError(UNAVAILABLE, details));
    });

    const body = encodeStrings(request);
    const frame = new Uint8Array(5 + body.length);
    new DataView(frame.buffer).setUint32(1, body.length);
    frame.set(body, 5);

    const stream = session.request({
      ":method": "POST",
      ":path": `/v1.PodResourcesLister/${method}`,
      ":authority": "localhost",
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": `${Math.max(1, Math.ceil(remaining))}m`,
    });
    // A connection refused, dropped or not speaking HTTP/2 (a server answering HTTP/1.1): UNAVAILABLE, as grpc-js says.
    stream.on("error", (err: Error) => finish(statusError(UNAVAILABLE, connected ? `Connection dropped: ${err.message}` : err.message)));

    let headers: Http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let expected: number | undefined;
    stream.on("response", (h) => {
      headers = h;
    });
    stream.on("data", (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
      if (expected === undefined && received >= 5) {
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
        if (head[0] !== 0) return finish(statusError(INTERNAL, "a compressed message, which this client did not ask for"));
        expected = head.readUInt32BE(1);
        if (expected > maxMessageBytes) {
          return finish(statusError(RESOURCE_EXHAUSTED, `Received message larger than max (${expected} vs. ${maxMessageBytes})`));
        }
      }
      if (expected !== undefined && received > 5 + expected) finish(statusError(INTERNAL, "more than one message in a unary answer"));
    });
    stream.on("trailers", (t) => onStatus(t));
    stream.on("close", () => {
      if (settled) return;
      // Trailers-only answers (an error without a message) carry the status in the headers.
      if (headers !== undefined && headers["grpc-status"] !== undefined) return onStatus(headers);
      if (headers !== undefined && Number(headers[":status"]) !== 200) {
        const status = Number(headers[":status"]);
        return finish(statusError(fromHttpStatus(status), `Received HTTP status code ${status}`));
      }
      finish(
        headers === undefined
          ? statusError(UNAVAILABLE, connected ? "Connection dropped before an answer" : "No connection established")
          : statusError(INTERNAL, "the call ended without a gRPC status"),
      );
    });

    function onStatus(h: Http2.IncomingHttpHeaders) {
      const code = Number(h["grpc-status"]);
      const message = decodeGrpcMessage(h["grpc-message"]);
      if (!Number.isInteger(code)) return finish(statusError(UNKNOWN, "an answer without a valid grpc-status"));
      if (code !== 0) return finish(statusError(code, message));
      if (expected === undefined || received !== 5 + expected) {
        // (grpc-js says UNIMPLEMENTED for no message; INTERNAL here, so that it never reads as "kubelet too old")
        return finish(statusError(INTERNAL, received === 0 ? "No message received" : "a truncated message"));
      }
      const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      try {
        finish(undefined, decodeMessage(METHODS[method], all.subarray(5)));
      } catch (err) {
        finish(statusError(INTERNAL, `Response message parsing error: ${err instanceof WireError ? err.message : String(err)}`));
      }
    }

    stream.end(frame);
  });
}

/** `grpc-message` is percent-encoded (grpc/doc/PROTOCOL-HTTP2.md). */
function decodeGrpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
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
