/**
 * A kubelet's PodResources server for tests: the v1 service built from the
 * same `.proto` text the client uses, served by grpc-js on a real unix socket.
 * It answers as the kubelet's `server_v1.go` does: `Get` of an unknown pod is
 * a plain (UNKNOWN) error, a kubelet before 1.27 has no `Get` at all.
 */

import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import {
  PODRESOURCES_METHODS,
  PODRESOURCES_SERVICE,
  PODRESOURCES_V1_PROTO,
  type PodResourcesMessage,
  type PodResourcesMethod,
  type PodResourcesRequests,
  type PodResourcesResponses,
} from "../../src/kubelet/_proto.js";

/** The request and response types of each method, built by protobufjs from {@link PODRESOURCES_V1_PROTO}. */
export type PodResourcesCodecs = Record<PodResourcesMethod, { request: protobuf.Type; response: protobuf.Type }>;

let codecs: PodResourcesCodecs | undefined;

/** The message types, built once. */
export function loadPodResourcesCodecs(): Promise<PodResourcesCodecs> {
  if (codecs === undefined) {
    const root = protobuf.parse(PODRESOURCES_V1_PROTO, { keepCase: true }).root;
    codecs = {} as PodResourcesCodecs;
    for (const method of Object.keys(PODRESOURCES_METHODS) as PodResourcesMethod[]) {
      codecs[method] = {
        request: root.lookupType(PODRESOURCES_METHODS[method].request),
        response: root.lookupType(PODRESOURCES_METHODS[method].response),
      };
    }
  }
  return Promise.resolve(codecs);
}

/** Decodes a message as Go's generated getters give it: absent strings "", absent lists [], an absent message null. */
export function decodeMessage(type: protobuf.Type, bytes: Uint8Array): object {
  return type.toObject(type.decode(bytes), { defaults: true, arrays: true });
}

/**
 * One unary call with the @grpc/grpc-js client (the client devinfo used before
 * its node:http2 one): the reference the tests and the benchmark compare with.
 * Rejects with grpc-js's status error (`code`, `details`).
 */
export async function callWithGrpcJs<M extends PodResourcesMethod>(
  socket: string,
  method: M,
  request: PodResourcesRequests[M],
  deadline: number,
): Promise<PodResourcesResponses[M]> {
  const definition = (await podResourcesService())[method];
  const client = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
  });
  try {
    return await new Promise<PodResourcesResponses[M]>((resolve, reject) => {
      client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize as (bytes: Buffer) => PodResourcesResponses[M],
        request,
        new grpc.Metadata(),
        { deadline },
        (err, value) => (err !== null ? reject(err) : resolve(value as PodResourcesResponses[M])),
      );
    });
  } finally {
    client.close();
  }
}

/** The v1 service for a grpc-js server, from the same `.proto` text and message types the client uses. */
async function podResourcesService(): Promise<grpc.ServiceDefinition<Record<PodResourcesMethod, grpc.UntypedHandleCall>>> {
  const codecs = await loadPodResourcesCodecs();
  const service = {} as Record<PodResourcesMethod, grpc.MethodDefinition<object, object>>;
  for (const method of Object.keys(codecs) as PodResourcesMethod[]) {
    const { request, response } = codecs[method];
    const serialize = (type: typeof request) => (value: object) => Buffer.from(type.encode(type.fromObject(value)).finish());
    const deserialize = (type: typeof request) => (bytes: Buffer) => decodeMessage(type, bytes);
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
  return service;
}

export interface FakeKubeletOptions {
  /** The pods and their containers' devices. */
  pods?: PodResourcesMessage[];
  /** `GetAllocatableResources`' devices per resource. */
  allocatable?: Record<string, string[]>;
  /** Methods the server does not have at all (an older kubelet): `UNIMPLEMENTED`. */
  without?: PodResourcesMethod[];
  /** Answer `Get` with the error a kubelet gives when its KubeletPodResourcesGet gate is off. */
  getDisabled?: boolean;
  /** Wait this long before every answer, in milliseconds. */
  delayMs?: number;
  /**
   * Answer `Get` and `List` with these encoded messages, sent as they are
   * (`GetPodResourcesResponse` and `ListPodResourcesResponse` bytes): to test
   * the field numbers against bytes written by hand from upstream's `.proto`.
   */
  raw?: { Get?: Uint8Array; List?: Uint8Array };
}

export interface FakeKubelet {
  readonly socket: string;
  /** The methods served and called, in order (a method the server lacks is not recorded). */
  readonly calls: PodResourcesMethod[];
  close(): Promise<void>;
}

/** Serves the PodResources API on `socket` (a path in a temp dir). */
export async function serveFakeKubelet(socket: string, options: FakeKubeletOptions = {}): Promise<FakeKubelet> {
  const service: Record<PodResourcesMethod, grpc.MethodDefinition<object, object>> = { ...(await podResourcesService()) };
  const pods = options.pods ?? [];
  const calls: PodResourcesMethod[] = [];
  const answer = <T>(method: PodResourcesMethod, compute: (request: Record<string, string>) => T | grpc.ServiceError) =>
    ((call: grpc.ServerUnaryCall<Record<string, string>, T>, callback: grpc.sendUnaryData<T>) => {
      calls.push(method);
      setTimeout(() => {
        const result = compute(call.request);
        if (result instanceof Error) callback(result);
        else callback(null, result);
      }, options.delayMs ?? 0);
    }) as grpc.UntypedHandleCall;
  const plainError = (message: string) =>
    Object.assign(new Error(message), { code: grpc.status.UNKNOWN, details: message }) as grpc.ServiceError;

  const implementation: Record<PodResourcesMethod, grpc.UntypedHandleCall> = {
    List: answer("List", () => ({ pod_resources: pods })),
    Get: answer("Get", (request) => {
      if (options.getDisabled) return plainError("PodResources API Get method disabled");
      const pod = pods.find((p) => p.name === request.pod_name && p.namespace === request.pod_namespace);
      return pod === undefined
        ? plainError(`pod ${request.pod_name} in namespace ${request.pod_namespace} not found`)
        : { pod_resources: pod };
    }),
    GetAllocatableResources: answer("GetAllocatableResources", () => ({
      devices: Object.entries(options.allocatable ?? {}).map(([resource_name, device_ids]) => ({ resource_name, device_ids })),
    })),
  };
  for (const [method, bytes] of Object.entries(options.raw ?? {}) as [PodResourcesMethod, Uint8Array][]) {
    service[method] = { ...service[method], responseSerialize: () => Buffer.from(bytes) };
    implementation[method] = answer(method, () => ({}));
  }
  const without = new Set(options.without ?? []);
  const served = Object.fromEntries(Object.entries(service).filter(([method]) => !without.has(method as PodResourcesMethod)));
  const server = new grpc.Server();
  // A kubelet before 1.20 serves only v1alpha1: no v1 service at all.
  if (Object.keys(served).length > 0) {
    server.addService(
      served,
      Object.fromEntries(Object.entries(implementation).filter(([method]) => !without.has(method as PodResourcesMethod))),
    );
  }
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    socket,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}

/** A pod as the kubelet lists it: one container per entry of `containers`. */
export function pod(namespace: string, name: string, containers: Record<string, Record<string, string[]>>): PodResourcesMessage {
  return {
    name,
    namespace,
    containers: Object.entries(containers).map(([containerName, devices]) => ({
      name: containerName,
      devices: Object.entries(devices).map(([resource_name, device_ids]) => ({ resource_name, device_ids })),
    })),
  };
}

/**
 * A pod as the kubelet lists it, with the containers' order and each
 * container's `ContainerDevices` entries given exactly (a container may have
 * several entries of one resource: the kubelet splits them by NUMA node).
 */
export function orderedPod(
  namespace: string,
  name: string,
  containers: readonly (readonly [string, readonly (readonly [string, string[]])[]])[],
): PodResourcesMessage {
  return {
    name,
    namespace,
    containers: containers.map(([containerName, devices]) => ({
      name: containerName,
      devices: devices.map(([resource_name, device_ids]) => ({ resource_name, device_ids })),
    })),
  };
}
