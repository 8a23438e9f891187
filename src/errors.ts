/**
 * The one error class of the package. Every failure a caller can trigger is a
 * {@link DeviceInfoError} with a stable {@link DeviceInfoErrorCode}, the path
 * involved and a message that says what to do.
 */

import type { DeviceInfoIssue } from "./format/issues.js";

/**
 * Stable error codes. Compare `error.code`, never the message.
 *
 * | code | meaning |
 * | --- | --- |
 * | `ERR_DEVINFO_EXISTS` | the target file already exists (exclusive save or copy) |
 * | `ERR_DEVINFO_NOT_FOUND` | a file that must exist does not (the source of a copy) |
 * | `ERR_DEVINFO_PARSE` | the text is not JSON |
 * | `ERR_DEVINFO_INVALID` | valid JSON, wrong content (see `issues`) |
 * | `ERR_DEVINFO_UNSAFE_PATH` | a name or path that could escape its directory, a relative path, a symlink or another non-regular file |
 * | `ERR_DEVINFO_TOO_LARGE` | a file or document over the `maxBytes` cap |
 * | `ERR_DEVINFO_CONFLICT` | another process kept the update lock of a CNI file for longer than the lock timeout, or an update outlasted the lock's stale limit (nothing written) |
 * | `ERR_DEVINFO_IO` | any other file-system error (`errno` holds the system code, e.g. `EACCES`) |
 * | `ERR_DEVINFO_KUBELET_UNAVAILABLE` | neither the kubelet's PodResources socket nor its device checkpoint exists, or nothing answers on the socket (`errno` `ECONNREFUSED`) |
 * | `ERR_DEVINFO_KUBELET_PERMISSION` | the PodResources socket or the device checkpoint cannot be opened (`errno` `EACCES` / `EPERM`) |
 * | `ERR_DEVINFO_KUBELET_UNSUPPORTED` | the kubelet is too old for the call (gRPC `UNIMPLEMENTED`: no v1 `List` before 1.20, no `GetAllocatableResources` before 1.21/1.23) |
 * | `ERR_DEVINFO_KUBELET_TIMEOUT` | the kubelet did not answer within `timeoutMs` |
 * | `ERR_DEVINFO_KUBELET_ERROR` | the kubelet answered with another gRPC error (the status is in the message and `cause`) |
 */
export type DeviceInfoErrorCode =
  | "ERR_DEVINFO_EXISTS"
  | "ERR_DEVINFO_NOT_FOUND"
  | "ERR_DEVINFO_PARSE"
  | "ERR_DEVINFO_INVALID"
  | "ERR_DEVINFO_UNSAFE_PATH"
  | "ERR_DEVINFO_TOO_LARGE"
  | "ERR_DEVINFO_CONFLICT"
  | "ERR_DEVINFO_IO"
  | "ERR_DEVINFO_KUBELET_UNAVAILABLE"
  | "ERR_DEVINFO_KUBELET_PERMISSION"
  | "ERR_DEVINFO_KUBELET_UNSUPPORTED"
  | "ERR_DEVINFO_KUBELET_TIMEOUT"
  | "ERR_DEVINFO_KUBELET_ERROR";

/** Details attached to a {@link DeviceInfoError}. */
export interface DeviceInfoErrorDetails {
  /** The file or path involved. */
  path?: string | undefined;
  /** Validation problems, each with its JSON path (for `ERR_DEVINFO_INVALID`). */
  issues?: readonly DeviceInfoIssue[] | undefined;
  /** The system error code, such as `EACCES` or `ENOSPC` (for `ERR_DEVINFO_IO` and friends). */
  errno?: string | undefined;
  /** The system call that failed, such as `open` or `link`. */
  syscall?: string | undefined;
  /** The 1-based line of a line-oriented text (a Downward API file) where the problem is. */
  line?: number | undefined;
  /** The underlying error. */
  cause?: unknown;
}

// A registered symbol, not `instanceof`: the guard must also recognise errors
// thrown by another copy of this package (nested node_modules, another realm).
const BRAND = Symbol.for("devinfo.DeviceInfoError");

/**
 * Error thrown by every function of the package for anything a caller can
 * trigger: bad input, unsafe names, file-system failures.
 *
 * @example
 * ```ts
 * try {
 *   await saveDeviceInfoForDP("intel.com/sriov", "0000:af:06.0", info);
 * } catch (err) {
 *   if (isDeviceInfoError(err) && err.code === "ERR_DEVINFO_EXISTS") {
 *     // another writer was first
 *   } else throw err;
 * }
 * ```
 */
export class DeviceInfoError extends Error {
  override readonly name = "DeviceInfoError";
  /** Stable machine-readable code. */
  readonly code: DeviceInfoErrorCode;
  /** The file or path involved, when there is one. */
  readonly path: string | undefined;
  /** Validation problems with their JSON paths (empty unless `ERR_DEVINFO_INVALID`). */
  readonly issues: readonly DeviceInfoIssue[];
  /** The system error code (e.g. `EACCES`, `ENOSPC`) when a system call failed. */
  readonly errno: string | undefined;
  /** The system call that failed (e.g. `open`, `link`). */
  readonly syscall: string | undefined;
  /** The 1-based line of a line-oriented text (a Downward API file) where the problem is. */
  readonly line: number | undefined;

  constructor(code: DeviceInfoErrorCode, message: string, details: DeviceInfoErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.issues = details.issues ?? [];
    this.errno = details.errno;
    this.syscall = details.syscall;
    this.line = details.line;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * Type guard for {@link DeviceInfoError}; works across realms and across
 * several copies of the package.
 */
export function isDeviceInfoError(value: unknown): value is DeviceInfoError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
