/**
 * The PodResources protocol over gRPC: `@grpc/grpc-js` and `protobufjs`,
 * loaded on first use only (a CNI plugin that never asks the kubelet never
 * loads them), and one unary call with a deadline and an abort signal.
 */

import { Buffer } from "node:buffer";
import type * as Grpc from "@grpc/grpc-js";
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

/** The loaded libraries and the service definition built from {@link PODRESOURCES_V1_PROTO}. */
export interface PodResourcesProtocol {
  readonly grpc: typeof Grpc;
  /** For `client.makeUnaryRequest` and, in tests, `server.addService`. */
  readonly service: Grpc.ServiceDefinition<Record<PodResourcesMethod, Grpc.UntypedHandleCall>>;
}

let loading: Promise<PodResourcesProtocol> | undefined;

/** Loads gRPC and protobufjs and builds the service definition, once per process. */
export function loadPodResourcesProtocol(): Promise<PodResourcesProtocol> {
  loading ??= load().catch((err: unknown) => {
    loading = undefined; // a failed import is not cached: the next call tries again
    throw err;
  });
  return loading;
}

async function load(): Promise<PodResourcesProtocol> {
  const [grpc, protobufModule] = await Promise.all([import("@grpc/grpc-js"), import("protobufjs")]);
  const protobuf = protobufModule.default;
  const root = protobuf.parse(PODRESOURCES_V1_PROTO, { keepCase: true }).root;
  const service = {} as Record<PodResourcesMethod, Grpc.MethodDefinition<object, object>>;
  for (const method of Object.keys(PODRESOURCES_METHODS) as PodResourcesMethod[]) {
    const request = root.lookupType(PODRESOURCES_METHODS[method].request);
    const response = root.lookupType(PODRESOURCES_METHODS[method].response);
    const serialize = (type: typeof request) => (value: object) => Buffer.from(type.encode(type.fromObject(value)).finish());
    // defaults: absent strings are "", absent lists [], an absent message null, as Go's generated getters give them.
    const deserialize = (type: typeof request) => (bytes: Buffer) => type.toObject(type.decode(bytes), { defaults: true, arrays: true });
    service[method] = {
      path: `/${PODRESOURCES_SERVICE}/${method}`,
      requestStream: false,
      responseStream: false,
      requestSerialize: serialize(request),
      requestDeserialize: deserialize(request),
      responseSerialize: serialize(response),
      responseDeserialize: deserialize(response),
    };
  }
  return { grpc, service };
}

/** A gRPC status error as grpc-js reports it. */
export interface GrpcStatusError extends Error {
  code: number;
  details: string;
}

/** Whether `err` carries a gRPC status code. */
export function isGrpcStatusError(err: unknown): err is GrpcStatusError {
  return err instanceof Error && typeof (err as Partial<GrpcStatusError>).code === "number";
}

/**
 * One unary call on the unix socket `socket`. Rejects with grpc-js's status
 * error (`code`, `details`), or with the signal's reason when aborted.
 */
export async function callPodResources<M extends PodResourcesMethod>(
  socket: string,
  method: M,
  request: PodResourcesRequests[M],
  deadline: number,
  signal: AbortSignal | undefined,
): Promise<PodResourcesResponses[M]> {
  const { grpc, service } = await loadPodResourcesProtocol();
  signal?.throwIfAborted();
  const client = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  });
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<PodResourcesResponses[M]>((resolve, reject) => {
      const definition = service[method];
      const call = client.makeUnaryRequest<object, PodResourcesResponses[M]>(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize as (bytes: Buffer) => PodResourcesResponses[M],
        request,
        new grpc.Metadata(),
        { deadline },
        (err, value) => (err !== null ? reject(err) : resolve(value as PodResourcesResponses[M])),
      );
      onAbort = () => {
        call.cancel();
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    client.close();
  }
}
