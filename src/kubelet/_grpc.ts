/**
 * The PodResources protocol: one gRPC unary call over HTTP/2 on the kubelet's
 * unix socket, with node:http2 and protobufjs (loaded on first use only: a CNI
 * plugin that never asks the kubelet never loads it).
 *
 * Each call opens its own connection and closes it on every way out (an
 * answer, an error status, a refused or broken connection, the deadline, an
 * abort): nothing outlives the call. A shared client library cannot promise
 * that: @grpc/grpc-js keeps a connection that is still being set up after its
 * channel is closed, so every call to a kubelet that accepts but never
 * answers left one socket open.
 *
 * The wire format is gRPC's ("PROTOCOL-HTTP2" in grpc/grpc's doc): a POST to
 * `/<service>/<method>` with `content-type: application/grpc` and
 * `te: trailers`, the message framed as one compressed-flag byte, a 4-byte
 * big-endian length and the protobuf bytes; the status in the `grpc-status`
 * and `grpc-message` trailers (or in the headers of a trailers-only answer).
 */

import { Buffer } from "node:buffer";
import type * as Http2 from "node:http2";
import type * as Protobuf from "protobufjs";
import {
  PODRESOURCES_METHODS,
  PODRESOURCES_SERVICE,
  PODRESOURCES_V1_PROTO,
  type PodResourcesMethod,
  type PodResourcesRequests,
  type PodResourcesResponses,
} from "./_proto.js";

/** As Multus (`defaultPodResourcesMaxSize`): a node with many pods answers List with a large message. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The request and response types of each method, built from {@link PODRESOURCES_V1_PROTO}. */
export type PodResourcesCodecs = Record<PodResourcesMethod, { request: Protobuf.Type; response: Protobuf.Type }>;

let loading: Promise<PodResourcesCodecs> | undefined;

/**
 * Loads protobufjs and builds the message types, once per process. Loaded
 * here, not at import: importing `devinfo/kubelet`, or reading the
 * checkpoint, loads neither protobufjs nor node:http2.
 */
export function loadPodResourcesCodecs(): Promise<PodResourcesCodecs> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined; // a failed import is not cached: the next call tries again
    throw err;
  });
  return loading;
}

async function load(): Promise<PodResourcesCodecs> {
  const protobuf = (await import("protobufjs")).default;
  const root = protobuf.parse(PODRESOURCES_V1_PROTO, { keepCase: true }).root;
  const codecs = {} as PodResourcesCodecs;
  for (const method of Object.keys(PODRESOURCES_METHODS) as PodResourcesMethod[]) {
    codecs[method] = {
      request: root.lookupType(PODRESOURCES_METHODS[method].request),
      response: root.lookupType(PODRESOURCES_METHODS[method].response),
    };
  }
  return codecs;
}

/** Decodes a message as Go's generated getters give it: absent strings "", absent lists [], an absent message null. */
export function decodeMessage(type: Protobuf.Type, bytes: Uint8Array): object {
  return type.toObject(type.decode(bytes), { defaults: true, arrays: true });
}

/** A gRPC status error: the status `code` (grpc/status.proto) and the server's `details`. */
export interface GrpcStatusError extends Error {
  code: number;
  details: string;
}

/** Whether `err` carries a gRPC status code. */
export function isGrpcStatusError(err: unknown): err is GrpcStatusError {
  return err instanceof Error && typeof (err as Partial<GrpcStatusError>).code === "number";
}

// gRPC status codes used here (grpc/status.proto).
const UNKNOWN = 2;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const INTERNAL = 13;
const UNAVAILABLE = 14;

function statusError(code: number, details: string, cause?: unknown): GrpcStatusError {
  return Object.assign(new Error(details, cause === undefined ? undefined : { cause }), { code, details });
}

/** gRPC's mapping of an HTTP status without a `grpc-status` ("HTTP to gRPC Status Code Mapping"). */
function httpStatusCode(status: number): number {
  if (status === 400) return INTERNAL;
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 404) return 12; // UNIMPLEMENTED
  if (status === 429 || status === 502 || status === 503 || status === 504) return UNAVAILABLE;
  return UNKNOWN;
}

/** `grpc-message` is percent-encoded. */
function grpcMessage(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(",") : (value ?? "");
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The gRPC status of a header or trailer block, or `undefined` when it has none. */
function statusOf(headers: Http2.IncomingHttpHeaders): { code: number; details: string } | undefined {
  const raw = headers["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(Array.isArray(raw) ? raw[0] : raw);
  return {
    code: Number.isInteger(code) && code >= 0 ? code : UNKNOWN,
    details: grpcMessage(headers["grpc-message"]),
  };
}

/**
 * One unary call on the unix socket `socket`, over a connection of its own
 * that is closed before the promise settles. Rejects with a
 * {@link GrpcStatusError} (a status the server sent, or `UNAVAILABLE` for a
 * connection that failed, with the errno in `details`, `DEADLINE_EXCEEDED`
 * at `deadline`), or with the signal's reason when aborted.
 */
export async function callPodResources<M extends PodResourcesMethod>(
  socket: string,
  method: M,
  request: PodResourcesRequests[M],
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<PodResourcesResponses[M]> {
  const [codecs, http2, net] = await Promise.all([loadPodResourcesCodecs(), import("node:http2"), import("node:net")]);
  signal?.throwIfAborted();
  const { request: requestType, response: responseType } = codecs[method];
  const body = requestType.encode(requestType.fromObject(request)).finish();
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);

  let session: Http2.ClientHttp2Session | undefined;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<PodResourcesResponses[M]>((resolve, reject) => {
      const fail = (err: unknown) => reject(err);
      onAbort = () => fail(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        fail(statusError(DEADLINE_EXCEEDED, "Deadline exceeded"));
        return;
      }
      timer = setTimeout(() => fail(statusError(DEADLINE_EXCEEDED, "Deadline exceeded")), remaining);

      session = http2.connect("http://localhost", { createConnection: () => net.connect({ path: socket }) });
      session.on("error", (err: NodeJS.ErrnoException) =>
        fail(statusError(UNAVAILABLE, `connection to ${socket} failed: ${err.code ?? ""} ${err.message}`.replace("  ", " "), err)),
      );
      session.on("close", () => fail(statusError(UNAVAILABLE, `the connection to ${socket} closed before an answer`)));

      const stream = session.request({
        ":method": "POST",
        ":path": `/${PODRESOURCES_SERVICE}/${method}`,
        "content-type": "application/grpc",
        te: "trailers",
        "grpc-timeout": `${Math.max(1, Math.ceil(remaining))}m`,
      });
      const chunks: Buffer[] = [];
      let received = 0;
      let status: { code: number; details: string } | undefined;
      let responded = false;
      stream.on("response", (headers: Http2.IncomingHttpHeaders) => {
        responded = true;
        const http = Number(headers[":status"]);
        status = statusOf(headers); // a trailers-only answer
        if (status === undefined && http !== 200) status = { code: httpStatusCode(http), details: `HTTP status ${http}` };
      });
      stream.on("trailers", (trailers: Http2.IncomingHttpHeaders) => {
        status ??= statusOf(trailers);
      });
      stream.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_MESSAGE_BYTES + 5) {
          fail(statusError(RESOURCE_EXHAUSTED, `Received message larger than max (over ${MAX_MESSAGE_BYTES} bytes)`));
          stream.close(http2.constants.NGHTTP2_CANCEL);
          return;
        }
        chunks.push(chunk);
      });
      stream.on("error", (err: NodeJS.ErrnoException) =>
        fail(statusError(UNAVAILABLE, `the call failed: ${err.code ?? ""} ${err.message}`.replace("  ", " "), err)),
      );
      stream.on("end", () => {
        if (status === undefined) {
          // No headers at all: the connection went away before an answer (grpc-js says UNAVAILABLE too).
          fail(
            responded
              ? statusError(INTERNAL, "the answer ended without a grpc-status")
              : statusError(UNAVAILABLE, `the connection to ${socket} closed before an answer`),
          );
          return;
        }
        if (status.code !== 0) {
          fail(statusError(status.code, status.details));
          return;
        }
        const bytes = Buffer.concat(chunks);
        const length = bytes.length >= 5 ? bytes.readUInt32BE(1) : -1;
        if (length < 0 || bytes.length !== 5 + length || bytes[0] !== 0) {
          fail(statusError(INTERNAL, `the answer is not one uncompressed gRPC message (${bytes.length} bytes)`));
          return;
        }
        try {
          resolve(decodeMessage(responseType, bytes.subarray(5)) as PodResourcesResponses[M]);
        } catch (err) {
          fail(statusError(INTERNAL, `the answer is not a ${PODRESOURCES_METHODS[method].response}: ${(err as Error).message}`, err));
        }
      });
      stream.end(frame);
    });
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    // destroy, not close: close waits for a server that may never answer.
    (session as Http2.ClientHttp2Session | undefined)?.destroy();
  }
}
