/**
 * gRPC statuses as the kubelet client reports them: the codes, the error
 * shape `@grpc/grpc-js` gives (`code`, `details`, its message wording), and
 * how gRPC maps what HTTP/2 says (an HTTP status, a RST_STREAM code, the
 * `content-type`, `grpc-message`) to a status.
 *
 * @internal
 * @module
 */

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
const { CANCELLED, UNKNOWN, PERMISSION_DENIED, RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, UNAUTHENTICATED } = GRPC_STATUS;

/** gRPC's names for its codes, in messages (`14 UNAVAILABLE: …`, as grpc-js words them). */
const NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

/** A {@link GrpcStatusError} with grpc-js's message: `14 UNAVAILABLE: details`. */
export function statusError(code: number, details: string): GrpcStatusError {
  return Object.assign(new Error(`${code} ${NAMES[code] ?? "UNKNOWN"}: ${details}`), { code, details });
}

/** An HTTP status other than 200, as gRPC maps it (grpc/doc/http-grpc-status-mapping.md). */
export function fromHttpStatus(status: number): GrpcStatusError {
  const code =
    status === 400
      ? INTERNAL
      : status === 401
        ? UNAUTHENTICATED
        : status === 403
          ? PERMISSION_DENIED
          : status === 404
            ? UNIMPLEMENTED
            : status === 429 || status === 502 || status === 503 || status === 504
              ? UNAVAILABLE
              : UNKNOWN;
  return statusError(code, `Received HTTP status code ${status}`);
}

/** A RST_STREAM error code (RFC 9113 7) as grpc-js maps it (`subchannel-call.ts`). */
export function fromResetCode(errorCode: number, httpStatus: number | undefined): GrpcStatusError {
  switch (errorCode) {
    case 0x0: // NO_ERROR before the status
      return httpStatus !== undefined && httpStatus !== 200
        ? fromHttpStatus(httpStatus)
        : statusError(INTERNAL, "Received RST_STREAM with code 0 (Call ended without gRPC status)");
    case 0x2:
      return statusError(INTERNAL, "Received RST_STREAM with code 2 (Internal server error)");
    case 0x7:
      return statusError(UNAVAILABLE, "Stream refused by server");
    case 0x8:
      return statusError(CANCELLED, "Call cancelled");
    case 0xb:
      return statusError(RESOURCE_EXHAUSTED, "Bandwidth exhausted or memory limit exceeded");
    case 0xc:
      return statusError(PERMISSION_DENIED, "Protocol not secure enough");
    default:
      return statusError(INTERNAL, `Received RST_STREAM with code ${errorCode}`);
  }
}

/** `application/grpc`, or one of its forms (`application/grpc+proto`, `application/grpc; …`). */
export function isGrpcContentType(value: string | undefined): boolean {
  if (value === undefined || !value.startsWith("application/grpc")) return false;
  const next = value.charAt("application/grpc".length);
  return next === "" || next === "+" || next === ";";
}

/** `grpc-message` is percent-encoded (grpc/doc/PROTOCOL-HTTP2.md). */
export function decodeGrpcMessage(value: string | undefined): string {
  const text = value ?? "";
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
