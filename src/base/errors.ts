/**
 * How the package reports errors, in one place. There are three kinds:
 *
 * 1. **Data problems** (a bad file, bad JSON, an unsafe name, a failed system
 *    call): a {@link DeviceInfoError} with a stable {@link DeviceInfoErrorCode},
 *    the path involved and a message that says what to do. Test with
 *    {@link isDeviceInfoError}.
 * 2. **API misuse** (an argument of the wrong type, `null` options, a `NaN` or
 *    negative limit, a callback that is not a function): Node's own
 *    convention, as `node:fs` follows it: a `TypeError` with
 *    `code: "ERR_INVALID_ARG_TYPE"` or `"ERR_INVALID_ARG_VALUE"`, or a
 *    `RangeError` with `code: "ERR_OUT_OF_RANGE"`, whose message names the
 *    argument, what was expected and what was received. Thrown by sync
 *    functions, a rejection of async ones, always before anything touches
 *    the file system. These are bugs in the calling program: fix the call.
 * 3. **CNI errors** a plugin reports to its runtime: a {@link CNIError} with
 *    CNI's numeric `code` (see `CNI_ERROR` in `devinfo/cni-plugin`), which
 *    `pluginMain` prints as CNI's error JSON. Test with {@link isCNIError}.
 *
 * Both classes are branded with a registered symbol, so their guards also
 * recognise errors thrown by another copy of the package (nested
 * `node_modules`, another realm), where `instanceof` fails. Both serialise
 * with `JSON.stringify` (`toJSON`), for structured loggers.
 */

import { anyValue, checkInteger, checkOptionsWith, checkString, lineNumber, list, type OptionRules, text } from "./args.js";
import type { DeviceInfoIssue } from "./issues.js";

/**
 * Stable error codes. Compare `error.code`, never the message.
 *
 * | code | meaning |
 * | --- | --- |
 * | `ERR_DEVINFO_EXISTS` | the target file already exists (exclusive save or copy) |
 * | `ERR_DEVINFO_NOT_FOUND` | a file that must exist does not (the source of a copy) |
 * | `ERR_DEVINFO_PARSE` | the text is not JSON |
 * | `ERR_DEVINFO_INVALID` | valid JSON, wrong content (see `issues`) |
 * | `ERR_DEVINFO_UNSAFE_PATH` | a name or path that could escape its directory, a relative path, a symlink or another non-regular file where a file must be, a file where a directory must be |
 * | `ERR_DEVINFO_TOO_LARGE` | a file or document over the `maxBytes` cap |
 * | `ERR_DEVINFO_CONFLICT` | another process kept the update lock of a CNI file for longer than the lock timeout, or an update outlasted the lock's stale limit (nothing written) |
 * | `ERR_DEVINFO_IO` | any other file-system error (`errno` holds the system code, e.g. `EACCES`) |
 * | `ERR_DEVINFO_KUBELET_UNAVAILABLE` | neither the kubelet's PodResources socket nor its device checkpoint exists, nothing answers on the socket (`errno` `ECONNREFUSED`), something other than a gRPC server answers or drops the connection (the message says so), or the socket path is no socket (`errno` `ENOTSOCK`: a regular file, a directory; the message says which) |
 * | `ERR_DEVINFO_KUBELET_PERMISSION` | the PodResources socket or the device checkpoint cannot be opened (`errno` `EACCES` / `EPERM`) |
 * | `ERR_DEVINFO_KUBELET_UNSUPPORTED` | the kubelet is too old for the call (gRPC `UNIMPLEMENTED`: no v1 `List` before 1.20, no `GetAllocatableResources` before 1.21/1.23) |
 * | `ERR_DEVINFO_KUBELET_TIMEOUT` | the kubelet did not answer within `timeoutMs` |
 * | `ERR_DEVINFO_KUBELET_ERROR` | the kubelet answered with another gRPC error (the status is in the message and `cause`) |
 *
 * The same kind of path gives the same outcome in every function, sync,
 * async and on the async API's worker thread (test/files/path-kinds.test.ts):
 *
 * | at the path | device-info readers (`loadDeviceInfoFrom*`, the source of a copy, an update) | files the kubelet mounts (`readDeviceMetadata`, the Downward API readers) | cleaners (`cleanDeviceInfoFor*`) |
 * | --- | --- | --- | --- |
 * | nothing | `undefined` (a copy: `ERR_DEVINFO_NOT_FOUND`) | `ERR_DEVINFO_NOT_FOUND` | `false` |
 * | a directory | `ERR_DEVINFO_UNSAFE_PATH` | `ERR_DEVINFO_UNSAFE_PATH` | `ERR_DEVINFO_UNSAFE_PATH` |
 * | a symlink | `ERR_DEVINFO_UNSAFE_PATH` (never followed) | followed (the kubelet's `..data` links); to nothing: `ERR_DEVINFO_NOT_FOUND`; a loop: `ERR_DEVINFO_UNSAFE_PATH` | the link is removed, never its target: `true` |
 * | a FIFO, socket or device | `ERR_DEVINFO_UNSAFE_PATH` | `ERR_DEVINFO_UNSAFE_PATH` | removed: `true` |
 * | a path through a regular file (`ENOTDIR`) | `ERR_DEVINFO_UNSAFE_PATH` | `ERR_DEVINFO_UNSAFE_PATH` | `ERR_DEVINFO_UNSAFE_PATH` |
 * | permission denied | `ERR_DEVINFO_IO`, `errno` `EACCES` | `ERR_DEVINFO_IO`, `errno` `EACCES` | `ERR_DEVINFO_IO`, `errno` `EACCES` |
 *
 * Writers refuse a directory, symlink or other non-regular file at the
 * target, and a path through a regular file, with `ERR_DEVINFO_UNSAFE_PATH`
 * too. An update names the document in its errors, also when it fails on
 * its lock file (which the message names, with the system error as `cause`).
 *
 * API misuse is not among them: it is a `TypeError`/`RangeError` with Node's
 * `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE` or `ERR_OUT_OF_RANGE` (see
 * the module's description).
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
  /** The system error code, such as `EACCES` or `ENOSPC` (Node's `err.code`; see {@link DeviceInfoError.errno}). */
  errno?: string | undefined;
  /** The system call that failed, such as `open` or `link`. */
  syscall?: string | undefined;
  /** The 1-based line of a line-oriented text (a Downward API file) where the problem is. */
  line?: number | undefined;
  /** The underlying error. */
  cause?: unknown;
}

const DETAILS: OptionRules<DeviceInfoErrorDetails> = {
  path: text,
  issues: list,
  errno: text,
  syscall: text,
  line: lineNumber,
  cause: anyValue,
};

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
  /**
   * The system error code (e.g. `EACCES`, `ENOSPC`) when a system call
   * failed: the string Node puts in a system error's `code`. Not Node's
   * numeric `errno` (e.g. `-13`), which is in `cause.errno`: our `code` is
   * the package's own, so the system's string code needed another field, and
   * this public field keeps the name and type it always had.
   */
  readonly errno: string | undefined;
  /** The system call that failed (e.g. `open`, `link`). */
  readonly syscall: string | undefined;
  /** The 1-based line of a line-oriented text (a Downward API file) where the problem is. */
  readonly line: number | undefined;

  /**
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) when `code` or `message` is
   *   not a string or `details` is neither `undefined` nor an object.
   */
  constructor(code: DeviceInfoErrorCode, message: string, details: DeviceInfoErrorDetails = {}) {
    checkString(code, "code");
    checkString(message, "message");
    checkOptionsWith(details, DETAILS, "details");
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.path = details.path;
    this.issues = details.issues ?? [];
    this.errno = details.errno;
    this.syscall = details.syscall;
    this.line = details.line;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `instanceof` by the brand, not the prototype: every entry of the package
   * (`devinfo`, `devinfo/cni-plugin`, `devinfo/kubelet`, …) is a bundle with
   * its own copy of this class, and an error thrown by one must still be an
   * instance of the class imported from another (or from another copy).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isDeviceInfoError(value);
  }

  /**
   * The error as plain data, for `JSON.stringify` and structured loggers
   * (an `Error`'s own `message` is not enumerable, so it would be lost):
   * `name`, `message`, `code`, `path`, `issues`, and `errno`, `syscall`,
   * `line` and `cause` when set (`cause` as `{ name, message, code }`).
   */
  toJSON(): DeviceInfoErrorJSON {
    return {
      name: this.name,
      message: this.message,
      code: this.code,
      path: this.path,
      issues: this.issues,
      errno: this.errno,
      syscall: this.syscall,
      line: this.line,
      cause: causeJSON(this.cause),
    };
  }
}
// The class's own name whatever a minifier calls it (bundles are built without keepNames): Node's report of an
// uncaught error shows `DeviceInfoError: ...`, not `x [DeviceInfoError]: ...`.
Object.defineProperty(DeviceInfoError, "name", { value: "DeviceInfoError" });

/** What `JSON.stringify` writes for a {@link DeviceInfoError} (keys whose value is `undefined` are left out). */
export interface DeviceInfoErrorJSON {
  name: "DeviceInfoError";
  message: string;
  code: DeviceInfoErrorCode;
  path: string | undefined;
  issues: readonly DeviceInfoIssue[];
  errno: string | undefined;
  syscall: string | undefined;
  line: number | undefined;
  /** The underlying error's name, message and code (a system error's `EACCES`, say). */
  cause: { name: string; message: string; code: unknown } | undefined;
}

function causeJSON(cause: unknown): DeviceInfoErrorJSON["cause"] {
  if (!(cause instanceof Error)) return undefined;
  return { name: cause.name, message: cause.message, code: (cause as { code?: unknown }).code };
}

/**
 * Type guard for {@link DeviceInfoError}; works across realms and across
 * several copies of the package.
 */
export function isDeviceInfoError(value: unknown): value is DeviceInfoError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

const CNI_BRAND = Symbol.for("devinfo.CNIError");

/**
 * An error a CNI plugin reports to its runtime: CNI's `code` (1-99 are the
 * spec's, e.g. 7 "invalid network configuration"; 100 and up are the
 * plugin's), `msg` and `details`. Throw it from a handler of `pluginMain`
 * to choose the code; `pluginMain` prints it as CNI's error JSON.
 *
 * @example
 * ```ts
 * throw new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "invalid network configuration", "bridge must be set");
 * ```
 */
export class CNIError extends Error {
  override readonly name = "CNIError";
  /** The CNI error code. */
  readonly code: number;
  /** Longer explanation (CNI's `details`). */
  readonly details: string | undefined;

  /**
   * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) / `RangeError`
   *   (`ERR_OUT_OF_RANGE`) when `code` is not an integer >= 0, or `msg` or
   *   `details` is not a string.
   */
  constructor(code: number, msg: string, details?: string) {
    checkInteger(code, "code");
    checkString(msg, "msg");
    if (details !== undefined) checkString(details, "details");
    super(msg);
    this.code = code;
    this.details = details;
    Object.defineProperty(this, CNI_BRAND, { value: true });
  }

  /** `instanceof` by the brand, as for {@link DeviceInfoError}: true across the package's bundles and copies. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isCNIError(value);
  }

  /** The error as plain data: `name`, `message`, `code` and `details` (when set). */
  toJSON(): { name: "CNIError"; message: string; code: number; details: string | undefined } {
    return { name: this.name, message: this.message, code: this.code, details: this.details };
  }
}
// The class's own name whatever a minifier calls it (bundles are built without keepNames): Node's report of an
// uncaught error shows `CNIError: ...`, not `x [CNIError]: ...`.
Object.defineProperty(CNIError, "name", { value: "CNIError" });

/**
 * Type guard for {@link CNIError}; works across realms and across several
 * copies of the package (a plugin's handlers may throw the `CNIError` of
 * another copy than the one `pluginMain` comes from).
 */
export function isCNIError(value: unknown): value is CNIError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[CNI_BRAND] === true;
}
