/**
 * One PodResources call to the kubelet, its gRPC status turned into the
 * package's typed errors (what each status means for a caller: a kubelet
 * too old, hung, stopped, refusing, or something else on the socket).
 *
 * @internal
 */

import { DeviceInfoError } from "../base/errors.js";
import { callPodResources, GRPC_STATUS, isGrpcStatusError } from "./_h2.js";
import type { PodResourcesMethod, PodResourcesRequests, PodResourcesResponses } from "./_proto.js";

/** Where and how long to ask (the resolved `KubeletOptions`). */
export interface CallOptions {
  readonly socket: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

const { CANCELLED, DEADLINE_EXCEEDED, PERMISSION_DENIED, UNIMPLEMENTED, UNAVAILABLE } = GRPC_STATUS;

/** Whether `err` is a gRPC status error with `code`. */
export function isGrpcCode(err: unknown, code: number): boolean {
  return isGrpcStatusError(err) && err.code === code;
}

/** `method` on the socket by `deadline`, its failures as typed errors. */
export async function call<M extends PodResourcesMethod>(
  opts: CallOptions,
  method: M,
  request: PodResourcesRequests[M],
  deadline: number,
): Promise<PodResourcesResponses[M]> {
  try {
    return await callPodResources(opts.socket, method, request, deadline, opts.signal);
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (!isGrpcStatusError(err)) throw err;
    const path = opts.socket;
    const details = { path, cause: err };
    const said = `${method}: ${err.details || err.message}`;
    switch (err.code) {
      case UNIMPLEMENTED:
        return tooOld(method, path, err);
      case DEADLINE_EXCEEDED:
      case CANCELLED:
        throw new DeviceInfoError(
          "ERR_DEVINFO_KUBELET_TIMEOUT",
          `the kubelet did not answer ${method} on ${path} within ${opts.timeoutMs} ms; is it overloaded or hung? Retry, or pass a larger timeoutMs`,
          details,
        );
      case UNAVAILABLE: {
        // The same code either way (callers handle "no kubelet"), but a connection made and then dropped means
        // something listens there: the words must not send the user looking for a stopped kubelet.
        // (src/kubelet/_h2.ts: "Connection dropped: Protocol error" when the bytes were not HTTP/2.)
        if (err.details.startsWith("Connection dropped") && /protocol error/i.test(err.details)) {
          throw new DeviceInfoError(
            "ERR_DEVINFO_KUBELET_UNAVAILABLE",
            `something answered on the kubelet's PodResources socket ${path}, but not as a gRPC PodResources server (${said}); is another program listening on this path? The kubelet serves gRPC over HTTP/2 there`,
            details,
          );
        }
        if (err.details.startsWith("Connection dropped")) {
          throw new DeviceInfoError(
            "ERR_DEVINFO_KUBELET_UNAVAILABLE",
            `something on the kubelet's PodResources socket ${path} accepted the connection and closed it without answering (${said}); is the kubelet restarting, or another program listening on this path?`,
            details,
          );
        }
        const errno = /\b(ECONNREFUSED|ENOENT|ENOTSOCK|EACCES)\b/.exec(err.details)?.[1];
        throw new DeviceInfoError(
          "ERR_DEVINFO_KUBELET_UNAVAILABLE",
          `nothing answers on the kubelet's PodResources socket ${path} (${said}); is the kubelet running? A socket left by a stopped kubelet stays until it restarts`,
          { ...details, errno },
        );
      }
      case PERMISSION_DENIED:
        throw new DeviceInfoError("ERR_DEVINFO_KUBELET_PERMISSION", `the kubelet refused ${said} on ${path}`, details);
      default:
        throw new DeviceInfoError(
          "ERR_DEVINFO_KUBELET_ERROR",
          `the kubelet answered ${said} (gRPC status ${err.code}) on ${path}; see the kubelet's log`,
          details,
        );
    }
  }
}

function tooOld(method: PodResourcesMethod, path: string, cause: unknown): never {
  const since =
    method === "Get" ? "1.27" : method === "List" ? "1.20" : "1.23 (1.21 with the KubeletPodResourcesGetAllocatable feature gate)";
  throw new DeviceInfoError(
    "ERR_DEVINFO_KUBELET_UNSUPPORTED",
    `the kubelet on ${path} does not serve the PodResources v1 method ${method} (UNIMPLEMENTED): it is too old, ${method} needs Kubernetes ${since}`,
    { path, cause },
  );
}
