/**
 * The Go reference's file API (`pkg/utils` of network-attachment-definition-client)
 * in camelCase, async with a `...Sync` twin of each. Where behaviour differs
 * from Go it is on purpose: writes are atomic and exclusive, a missing file
 * loads as `undefined`, symlinks are never followed, names are checked.
 */

import { Buffer } from "node:buffer";
import { dirname, isAbsolute, normalize } from "node:path";
import { checkLoadOptions, checkPathOptions, checkSaveOptions, checkUpdateOptions } from "../_options.js";
import { checkFunction, checkString } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, makeIssue } from "../base/issues.js";
import { encodeConforming, parseConforming, transcodeConforming } from "../format/_fast.js";
import { invalidDeviceInfo } from "../format/_invalid.js";
import { SPEC_VERSION } from "../format/fields.js";
import { cloneJson } from "../format/go-json.js";
import { parseDocument, type ValidationOptions } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { serializeDeviceInfo } from "../format/serialize.js";
import { checkDeviceInfo } from "../format/validate.js";
import { readGuardedAsync, removeGuardedAsync, startGuard, writeGuardedAsync } from "./_async.js";
import {
  acquireLock,
  checkDirectory,
  DEFAULT_MAX_BYTES,
  fileBytes,
  type HeldLock,
  readFileBytes,
  releaseLock,
  tooLarge,
  type WriteOptions,
  writeWhileLocked,
} from "./_atomic.js";
import { checkDirectorySync, readRegularSync, removeFileSync, writeFileAtomicSync } from "./_sync.js";
import { type Gen, runAsync, runSync } from "./_syscalls.js";
import { fileWorker } from "./_worker.js";
import { baseDirsOf, getCNIDirectory, getDPDeviceInfoPath, MAX_FILE_NAME_BYTES, type PathOptions } from "./paths.js";

/** Options of every reader. */
export interface LoadOptions extends PathOptions, ValidationOptions {
  /** Files larger than this are refused without being read. Default 65536 (64 KiB). */
  maxBytes?: number | undefined;
}

/** Options of every writer. */
export interface SaveOptions extends LoadOptions {
  /**
   * Replace an existing file atomically (default `false`: an existing file is
   * an `ERR_DEVINFO_EXISTS` error and is left untouched).
   */
  overwrite?: boolean | undefined;
  /**
   * fsync the file and its directory before resolving. Default `false`: the
   * production base directory is on a tmpfs, where it buys nothing.
   */
  durable?: boolean | undefined;
}

/** Options of {@link updateDeviceInfoForCNI}. */
export interface UpdateOptions extends LoadOptions {
  /** fsync before resolving (see {@link SaveOptions.durable}). */
  durable?: boolean | undefined;
  /**
   * How long to wait for another process's update of the same file before
   * failing with `ERR_DEVINFO_CONFLICT`. Default 10000 ms.
   */
  lockTimeoutMs?: number | undefined;
  /**
   * A lock older than this was left by a dead process and is broken. An
   * update whose function runs longer fails with `ERR_DEVINFO_CONFLICT` and
   * writes nothing. Default 5000 ms.
   */
  lockStaleMs?: number | undefined;
}

/** The function given to {@link updateDeviceInfoForCNI}. */
export type DeviceInfoUpdater = (current: DeviceInfo | undefined) => DeviceInfo | undefined | Promise<DeviceInfo | undefined>;
/** The function given to {@link updateDeviceInfoForCNISync}. */
export type DeviceInfoUpdaterSync = (current: DeviceInfo | undefined) => DeviceInfo | undefined;

// ---------------------------------------------------------------------------
// The operations, each written once as a generator of system calls.

// Each operation has a synchronous twin written against `fs.*Sync`
// (`_sync.ts`) and an async one against the callback API (`_async.ts`),
// instead of one generator run by either executor: the executor's per-call
// objects cost as much as the library's own work, and the async twins take
// independent calls in one turn of the thread pool. The twins make the same
// system calls and share every check, encoder, decoder and error; the rare
// paths and the update (lock, read, commit) stay generators.
// test/files/_sync.test.ts compares the twins.

/** Synchronous twin of saveAt; `dir` is the directory of `path`. */
function saveAtSync(
  path: string,
  dir: string,
  guardedDir: string | undefined,
  info: DeviceInfo,
  options: SaveOptions,
  strictDefault: boolean,
  warn = true,
): string {
  return writeAtSync(path, dir, guardedDir, encode(info, path, options, strictDefault, warn), options);
}
function writeAtSync(path: string, dir: string, guardedDir: string | undefined, bytes: Buffer, options: SaveOptions): string {
  if (guardedDir !== undefined) checkDirectorySync(guardedDir);
  writeFileAtomicSync(dir, path, bytes, { overwrite: options.overwrite === true, durable: options.durable === true });
  return path;
}

function* loadAt(path: string, guardedDir: string | undefined, options: LoadOptions): Gen<DeviceInfo | undefined> {
  if (guardedDir !== undefined) yield* checkDirectory(guardedDir);
  const bytes = yield* readFileBytes(path, maxBytesOf(options));
  return bytes === undefined ? undefined : decode(bytes, options, path);
}
function loadAtSync(path: string, guardedDir: string | undefined, options: LoadOptions): DeviceInfo | undefined {
  if (guardedDir !== undefined) checkDirectorySync(guardedDir);
  const maxBytes = maxBytesOf(options);
  // Read into a shared buffer: decode is done with the bytes before anything reads again.
  const bytes = fileBytes(readRegularSync(path, maxBytes, false, true), path, maxBytes);
  return bytes === undefined ? undefined : decode(bytes, options, path);
}

function cleanAtSync(path: string, guardedDir: string | undefined): boolean {
  if (guardedDir !== undefined) checkDirectorySync(guardedDir);
  return removeFileSync(path);
}

/**
 * A copy's arguments checked (misuse first, as every operation) and its two
 * paths: the device plugin file, and the CNI file's guarded directory
 * (`checkCNIPath`). Shared by both twins of the copy.
 */
function copyPaths(
  cniPath: string,
  resourceName: string,
  deviceID: string,
  options: SaveOptions,
): { dpPath: string; target: string | undefined } {
  checkString(cniPath, "cniPath");
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  checkSaveOptions(options);
  const dpPath = getDPDeviceInfoPath(resourceName, deviceID, options);
  const target = checkCNIPath(cniPath, options);
  return { dpPath, target };
}

function copyFromDPSync(cniPath: string, resourceName: string, deviceID: string, options: SaveOptions): DeviceInfo {
  const { dpPath, target } = copyPaths(cniPath, resourceName, deviceID, options);
  // loadAtSync then saveAtSync, with a conforming document parsed, checked
  // and encoded in one pass (transcodeConforming); the general code otherwise.
  checkDirectorySync(baseDirsOf(options).dp);
  const maxBytes = maxBytesOf(options);
  const bytes = fileBytes(readRegularSync(dpPath, maxBytes, false, true), dpPath, maxBytes);
  if (bytes === undefined) throw dpNotFound(dpPath, resourceName, deviceID);
  const fast = transcodeConforming(bytes);
  if (fast !== undefined) {
    writeAtSync(cniPath, target ?? dirname(cniPath), target, toBytes(fast.text, cniPath, options), options);
    return fast.info;
  }
  const info = decode(bytes, options, dpPath);
  // The source's warnings were reported as it was read: none again for the same document.
  saveAtSync(cniPath, target ?? dirname(cniPath), target, info, options, false, false);
  return info;
}

// The async twins, against the callback API with independent calls in one
// turn of the thread pool (`_async.ts`).

/** `guard`: the check of the guarded directory, started by the caller (see startGuard). */
async function saveAtAsync(
  path: string,
  dir: string,
  guard: Promise<void> | undefined,
  info: DeviceInfo,
  options: SaveOptions,
  strictDefault: boolean,
  warn = true,
): Promise<string> {
  const bytes = encode(info, path, options, strictDefault, warn);
  await writeGuardedAsync(dir, guard, path, bytes, { overwrite: options.overwrite === true, durable: options.durable === true });
  return path;
}

async function loadAtAsync(path: string, guardedDir: string | undefined, options: LoadOptions): Promise<DeviceInfo | undefined> {
  const maxBytes = maxBytesOf(options);
  const read = () => readBytesAsync(path, guardedDir, maxBytes);
  const bytes = await (fileWorker()?.load(path, guardedDir, maxBytes, read) ?? read());
  return bytes === undefined ? undefined : decode(bytes, options, path);
}

/** `checkDirectory(guardedDir)` then `readFileBytes(path)`, on the thread pool. */
async function readBytesAsync(path: string, guardedDir: string | undefined, maxBytes: number): Promise<Buffer | undefined> {
  return fileBytes(await readGuardedAsync(path, guardedDir, maxBytes), path, maxBytes);
}

/**
 * `checkDirectory(guard)` then the atomic write, on the worker thread once it
 * runs (`_worker.ts`), else on the thread pool. Durable writes stay on the
 * pool: their time is the fsync's, and the pool runs several at once.
 */
function writeAsync(dir: string, guard: string | undefined, path: string, bytes: Buffer, write: WriteOptions): Promise<void> {
  const pool = () => writeGuardedAsync(dir, startGuard(guard), path, bytes, write);
  return (write.durable ? undefined : fileWorker())?.save(dir, guard, path, bytes, write, pool) ?? pool();
}

/** `checkDirectory(guardedDir)` then `removeFile(path)`, on the worker thread once it runs, else on the thread pool. */
function removeAsync(path: string, guardedDir: string | undefined): Promise<boolean> {
  const pool = () => removeGuardedAsync(path, guardedDir);
  return fileWorker()?.clean(path, guardedDir, pool) ?? pool();
}

async function copyFromDPAsync(cniPath: string, resourceName: string, deviceID: string, options: SaveOptions): Promise<DeviceInfo> {
  const { dpPath, target } = copyPaths(cniPath, resourceName, deviceID, options);
  const worker = options.durable === true ? undefined : fileWorker();
  if (worker !== undefined) {
    // One round trip for a conforming source; else its bytes come back, are
    // decoded here (with their warnings) and saved as the sync twin does.
    const dir = target ?? dirname(cniPath);
    const maxBytes = maxBytesOf(options);
    const write = { overwrite: options.overwrite === true, durable: options.durable === true };
    const read = () => readBytesAsync(dpPath, parentOf(dpPath), maxBytes);
    const done = await worker.copy(dpPath, parentOf(dpPath), dir, target, cniPath, maxBytes, write, read);
    if (done === undefined) throw dpNotFound(dpPath, resourceName, deviceID);
    if (!Buffer.isBuffer(done)) return done;
    const info = decode(done, options, dpPath);
    await writeAsync(dir, target, cniPath, encode(info, cniPath, { ...options, onWarning: undefined }, false), write);
    return info;
  }
  // The target's directory is checked while the source is read; its verdict
  // counts only after the source's (awaited in the sync twin's order).
  const guard = startGuard(target);
  const bytes = await readBytesAsync(dpPath, parentOf(dpPath), maxBytesOf(options));
  const info = bytes === undefined ? undefined : decode(bytes, options, dpPath);
  if (info === undefined) throw dpNotFound(dpPath, resourceName, deviceID);
  await saveAtAsync(cniPath, target ?? dirname(cniPath), guard, info, options, false, false);
  return info;
}

function dpNotFound(dpPath: string, resourceName: string, deviceID: string): DeviceInfoError {
  return new DeviceInfoError(
    "ERR_DEVINFO_NOT_FOUND",
    `device plugin file not found: ${dpPath}; is the device plugin for "${resourceName}" running with the same base directory, and did it publish device "${deviceID}"?`,
    { path: dpPath },
  );
}

/** The directory of a path built by paths.ts (`<dir>/<name>`, one component): what dirname returns, without its work. */
function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

// ---------------------------------------------------------------------------
// Device plugin files (spec 4.1).

/**
 * Writes the device plugin's file for one device
 * (`<base>/dp/<resourceName>-<deviceID>-device.json`), atomically, with the
 * bytes the Go reference writes, mode 0444. Missing directories are created
 * with mode 0755.
 *
 * Validates strictly by default (`strict: false` writes spec deviations, as
 * warnings). Exclusive by default: if the file exists the promise rejects with
 * `ERR_DEVINFO_EXISTS` and the file is untouched; `overwrite: true` replaces it
 * atomically. Resolves to the path written.
 *
 * @example
 * ```ts
 * await saveDeviceInfoForDP("intel.com/sriov", "0000:af:06.0", {
 *   type: "pci", version: SPEC_VERSION, pci: { "pci-address": "0000:af:06.0" },
 * });
 * ```
 */
export function saveDeviceInfoForDP(resourceName: string, deviceID: string, info: DeviceInfo, options: SaveOptions = {}): Promise<string> {
  return (async () => {
    checkString(resourceName, "resourceName");
    checkString(deviceID, "deviceID");
    checkSaveOptions(options);
    const path = getDPDeviceInfoPath(resourceName, deviceID, options);
    const dir = parentOf(path);
    const bytes = encode(info, path, options, true);
    await writeAsync(dir, dir, path, bytes, { overwrite: options.overwrite === true, durable: options.durable === true });
    return path;
  })();
}
/** Synchronous twin of {@link saveDeviceInfoForDP}. */
export function saveDeviceInfoForDPSync(resourceName: string, deviceID: string, info: DeviceInfo, options: SaveOptions = {}): string {
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  checkSaveOptions(options);
  const path = getDPDeviceInfoPath(resourceName, deviceID, options);
  const dir = baseDirsOf(options).dp; // parentOf(path), without scanning the path
  return saveAtSync(path, dir, dir, info, options, true);
}

/**
 * Reads the device plugin's file for one device; resolves to `undefined` when
 * there is none (the contract the Go reference documents but does not keep).
 * Lenient by default: spec deviations go to `onWarning`.
 */
export function loadDeviceInfoFromDP(resourceName: string, deviceID: string, options: LoadOptions = {}): Promise<DeviceInfo | undefined> {
  return (async () => {
    checkString(resourceName, "resourceName");
    checkString(deviceID, "deviceID");
    checkLoadOptions(options);
    const path = getDPDeviceInfoPath(resourceName, deviceID, options);
    return loadAtAsync(path, parentOf(path), options);
  })();
}
/** Synchronous twin of {@link loadDeviceInfoFromDP}. */
export function loadDeviceInfoFromDPSync(resourceName: string, deviceID: string, options: LoadOptions = {}): DeviceInfo | undefined {
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  checkLoadOptions(options);
  const path = getDPDeviceInfoPath(resourceName, deviceID, options);
  return loadAtSync(path, baseDirsOf(options).dp, options);
}

/**
 * Removes the device plugin's file for one device. Idempotent: resolves to
 * `true` when it removed a file, `false` when there was none. Never removes a
 * directory; a symlink is removed itself, never its target.
 */
export function cleanDeviceInfoForDP(resourceName: string, deviceID: string, options: PathOptions = {}): Promise<boolean> {
  return (async () => {
    checkString(resourceName, "resourceName");
    checkString(deviceID, "deviceID");
    checkPathOptions(options);
    const path = getDPDeviceInfoPath(resourceName, deviceID, options);
    return removeAsync(path, parentOf(path));
  })();
}
/** Synchronous twin of {@link cleanDeviceInfoForDP}. */
export function cleanDeviceInfoForDPSync(resourceName: string, deviceID: string, options: PathOptions = {}): boolean {
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  checkPathOptions(options);
  const path = getDPDeviceInfoPath(resourceName, deviceID, options);
  return cleanAtSync(path, baseDirsOf(options).dp);
}

// ---------------------------------------------------------------------------
// CNI files (spec 4.2): absolute paths, as passed in runtimeConfig.CNIDeviceInfoFile.

/**
 * Writes a CNI device-info file at `cniPath` (an absolute path, as passed in
 * `runtimeConfig.CNIDeviceInfoFile`), with the same atomicity, exclusivity,
 * modes and validation as {@link saveDeviceInfoForDP}. Resolves to the path.
 *
 * The path is used as given. When it lies in `<baseDir>/cni` (pass the same
 * `baseDir` as to {@link getCNIDeviceInfoPath}), that directory is refused if
 * it is a symlink, as `<baseDir>/dp` is for device plugin files; elsewhere
 * only the file itself is checked (never followed if it is a symlink).
 */
export function saveDeviceInfoForCNI(cniPath: string, info: DeviceInfo, options: SaveOptions = {}): Promise<string> {
  return (async () => {
    checkString(cniPath, "cniPath");
    checkSaveOptions(options);
    const guarded = checkCNIPath(cniPath, options);
    const bytes = encode(info, cniPath, options, true);
    const write = { overwrite: options.overwrite === true, durable: options.durable === true };
    await writeAsync(guarded ?? dirname(cniPath), guarded, cniPath, bytes, write);
    return cniPath;
  })();
}
/** Synchronous twin of {@link saveDeviceInfoForCNI}. */
export function saveDeviceInfoForCNISync(cniPath: string, info: DeviceInfo, options: SaveOptions = {}): string {
  checkString(cniPath, "cniPath");
  checkSaveOptions(options);
  const guarded = checkCNIPath(cniPath, options);
  return saveAtSync(cniPath, guarded ?? dirname(cniPath), guarded, info, options, true);
}

/**
 * Reads a CNI device-info file; resolves to `undefined` when there is none.
 * Lenient by default.
 */
export function loadDeviceInfoFromCNI(cniPath: string, options: LoadOptions = {}): Promise<DeviceInfo | undefined> {
  return (async () => {
    checkString(cniPath, "cniPath");
    checkLoadOptions(options);
    return loadAtAsync(cniPath, checkCNIPath(cniPath, options), options);
  })();
}
/** Synchronous twin of {@link loadDeviceInfoFromCNI}. */
export function loadDeviceInfoFromCNISync(cniPath: string, options: LoadOptions = {}): DeviceInfo | undefined {
  checkString(cniPath, "cniPath");
  checkLoadOptions(options);
  return loadAtSync(cniPath, checkCNIPath(cniPath, options), options);
}

/**
 * Copies the device plugin's file of `resourceName`/`deviceID` to `cniPath`
 * (what a meta-plugin does for a network with a `resourceName`, spec 4.2.1).
 * The source is read leniently and written with Go's encoding, unknown keys
 * kept; the write is exclusive and atomic like {@link saveDeviceInfoForCNI}.
 * Resolves to the copied document.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when the device
 *   plugin's file does not exist.
 */
export function copyDeviceInfoForCNIFromDP(
  cniPath: string,
  resourceName: string,
  deviceID: string,
  options: SaveOptions = {},
): Promise<DeviceInfo> {
  return copyFromDPAsync(cniPath, resourceName, deviceID, options);
}
/** Synchronous twin of {@link copyDeviceInfoForCNIFromDP}. */
export function copyDeviceInfoForCNIFromDPSync(
  cniPath: string,
  resourceName: string,
  deviceID: string,
  options: SaveOptions = {},
): DeviceInfo {
  return copyFromDPSync(cniPath, resourceName, deviceID, options);
}

/**
 * Removes a CNI device-info file (what a meta-plugin does on DEL).
 * Idempotent: `true` when it removed a file, `false` when there was none.
 */
export function cleanDeviceInfoForCNI(cniPath: string, options: PathOptions = {}): Promise<boolean> {
  return (async () => {
    checkString(cniPath, "cniPath");
    checkPathOptions(options);
    return removeAsync(cniPath, checkCNIPath(cniPath, options));
  })();
}
/** Synchronous twin of {@link cleanDeviceInfoForCNI}. */
export function cleanDeviceInfoForCNISync(cniPath: string, options: PathOptions = {}): boolean {
  checkString(cniPath, "cniPath");
  checkPathOptions(options);
  return cleanAtSync(cniPath, checkCNIPath(cniPath, options));
}

/**
 * Read-modify-write of a CNI file, for a CNI plugin that adds its own fields
 * to the document the meta-plugin copied (e.g. `representor-device`).
 *
 * `fn` receives the current document (`undefined` when there is no file) and
 * returns the new one, or `undefined` to leave the file as it is. A document
 * equal to the current one is not rewritten. Otherwise content at version
 * `1.0.0` is written back as `1.1.0`, the file is replaced atomically, and the
 * promise resolves to the value written (or the unchanged current one).
 *
 * Concurrent updates of the same file are serialised with a lock file next to
 * it, so no update is silently lost; waiting longer than `lockTimeoutMs` fails
 * with `ERR_DEVINFO_CONFLICT`.
 *
 * An update never adds a deviation from the spec unless asked to. By
 * default the new document may keep the deviations the file already had
 * (it usually comes from a device plugin, whose mistakes are not the
 * caller's): they are reported through `onWarning`. A deviation the file did
 * not have (same kind at the same place, e.g. a `pci` object without its
 * `pci-address` added to a vhost-user document) refuses the update with
 * `ERR_DEVINFO_INVALID` whose `issues` list the new deviations, and the file
 * is left untouched. `strict: false` writes every deviation, as warnings;
 * `strict: true` refuses every deviation, old ones included.
 *
 * Keep `fn` short: the lock is held while it runs, and a lock older than
 * `lockStaleMs` is taken to be left by a dead process and broken; an update
 * that outlasts it writes nothing and fails with `ERR_DEVINFO_CONFLICT`
 * (another process may have changed the file meanwhile).
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for a document the
 *   rules above refuse, `ERR_DEVINFO_CONFLICT`, `ERR_DEVINFO_TOO_LARGE`, and
 *   the readers' and writers' errors for the file itself.
 *
 * @example
 * ```ts
 * await updateDeviceInfoForCNI(cniPath, (info) =>
 *   info?.type === "pci" ? { ...info, pci: { ...info.pci, "representor-device": "pf0vf3" } } : info,
 * );
 * ```
 */
export async function updateDeviceInfoForCNI(
  cniPath: string,
  fn: DeviceInfoUpdater,
  options: UpdateOptions = {},
): Promise<DeviceInfo | undefined> {
  checkUpdateArgs(cniPath, fn, options);
  const lock = await runAsync(lockFor(cniPath, checkCNIPath(cniPath, options), options));
  try {
    const state = await runAsync(readForUpdate(cniPath, options));
    const next = await fn(state.current === undefined ? undefined : cloneJson(state.current));
    return await runAsync(commitUpdate(lock, cniPath, state, next, options));
  } finally {
    await runAsync(releaseLock(lock));
  }
}

/** Synchronous twin of {@link updateDeviceInfoForCNI}. */
export function updateDeviceInfoForCNISync(
  cniPath: string,
  fn: DeviceInfoUpdaterSync,
  options: UpdateOptions = {},
): DeviceInfo | undefined {
  checkUpdateArgs(cniPath, fn, options);
  const lock = runSync(lockFor(cniPath, checkCNIPath(cniPath, options), options));
  try {
    const state = runSync(readForUpdate(cniPath, options));
    const next = fn(state.current === undefined ? undefined : cloneJson(state.current));
    if (isPromise(next)) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_INVALID",
        `updateDeviceInfoForCNISync: the update function for ${cniPath} returned a promise; use updateDeviceInfoForCNI for async functions`,
        { path: cniPath },
      );
    }
    return runSync(commitUpdate(lock, cniPath, state, next, options));
  } finally {
    runSync(releaseLock(lock));
  }
}

function checkUpdateArgs(cniPath: unknown, fn: unknown, options: UpdateOptions): void {
  checkString(cniPath, "cniPath");
  checkFunction(fn, "fn");
  checkUpdateOptions(options);
}

/** The file's document as an update found it, its encoding, and its warnings. */
interface UpdateState {
  readonly current: DeviceInfo | undefined;
  readonly before: string | undefined;
  readonly loaded: readonly DeviceInfoIssue[];
}

function* readForUpdate(cniPath: string, options: UpdateOptions): Gen<UpdateState> {
  const loaded: DeviceInfoIssue[] = [];
  const current = yield* loadAt(cniPath, undefined, collecting(options, loaded));
  return { current, before: current === undefined ? undefined : serializeFor(current, cniPath), loaded };
}

/** Writes the new document (while the lock is still ours) unless nothing changed; resolves to the document left in the file. */
function* commitUpdate(
  lock: HeldLock,
  cniPath: string,
  state: UpdateState,
  next: DeviceInfo | undefined,
  options: UpdateOptions,
): Gen<DeviceInfo | undefined> {
  const plan = planUpdate(cniPath, state.current, state.before, next, state.loaded, options);
  if (plan.write) {
    const write = { overwrite: state.current !== undefined, durable: options.durable === true };
    yield* writeWhileLocked(lock, cniPath, plan.bytes, write, staleMsOf(options));
  }
  report(plan.warnings, options);
  return plan.value;
}

function staleMsOf(options: UpdateOptions): number {
  return options.lockStaleMs ?? 5_000;
}

function* lockFor(cniPath: string, guarded: string | undefined, options: UpdateOptions): Gen<HeldLock> {
  if (guarded !== undefined) yield* checkDirectory(guarded);
  return yield* acquireLock(cniPath, { timeoutMs: options.lockTimeoutMs ?? 10_000, staleMs: staleMsOf(options) });
}

// The warnings an update reports are those of the document left in the file:
// the one written, or the current one when nothing is written. Reporting both
// would repeat every warning the function did not fix.
type UpdatePlan = { value: DeviceInfo | undefined; warnings: readonly DeviceInfoIssue[] } & (
  | { write: true; bytes: Buffer }
  | { write: false }
);

function planUpdate(
  path: string,
  current: DeviceInfo | undefined,
  before: string | undefined,
  next: DeviceInfo | undefined,
  loaded: readonly DeviceInfoIssue[],
  options: UpdateOptions,
): UpdatePlan {
  if (next === undefined) return { write: false, value: current, warnings: loaded };
  const warnings: DeviceInfoIssue[] = [];
  const checked = checkValue(next, path, collecting(options, warnings), false);
  if (before !== undefined && serializeFor(checked, path) === before) return { write: false, value: current, warnings: loaded };
  if (options.strict === undefined && warnings.length > 0) refuseAddedDeviations(path, current, warnings);
  const value = checked.version === "1.0.0" ? ({ ...checked, version: SPEC_VERSION } as DeviceInfo) : checked;
  return { write: true, bytes: toBytes(serializeFor(value, path), path, options), value, warnings };
}

/**
 * An update never adds a deviation from the spec unless told to: with
 * `strict` not given, a deviation of the new document that the current one
 * does not have (same kind, same place) refuses the update. Those the file
 * already had stay warnings: a plugin adding its field to a device plugin's
 * document must not fail for the device plugin's mistakes. Compared on the
 * documents as decoded (case-variant keys folded, nulls dropped), so that a
 * deviation the file had under another spelling is the same one.
 */
function refuseAddedDeviations(path: string, current: DeviceInfo | undefined, warnings: readonly DeviceInfoIssue[]): void {
  const had = new Set(current === undefined ? [] : checkDeviceInfo(current, false).warnings.map(deviationKey));
  const added = warnings.filter((w) => !had.has(deviationKey(w)));
  if (added.length === 0) return;
  throw invalidDeviceInfo(
    added.map((w) => makeIssue("error", w.code, w.path, w.message)),
    { action: "write", path, strict: undefined, reason: "the update adds deviations from the spec that the file did not have" },
  );
}

function deviationKey(issue: DeviceInfoIssue): string {
  return `${issue.code} ${issue.jsonPath}`;
}

function collecting<T extends ValidationOptions>(options: T, into: DeviceInfoIssue[]): T {
  return { ...options, onWarning: (warning: DeviceInfoIssue) => into.push(warning) };
}

function report(warnings: readonly DeviceInfoIssue[], options: ValidationOptions): void {
  if (options.onWarning !== undefined) for (const warning of warnings) options.onWarning(warning);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

// ---------------------------------------------------------------------------

function maxBytesOf(options: LoadOptions): number {
  return options.maxBytes ?? DEFAULT_MAX_BYTES;
}

function checkValue(info: unknown, path: string, options: ValidationOptions, strictDefault: boolean): DeviceInfo {
  const checked = checkDeviceInfo(info, options.strict ?? strictDefault);
  if (checked.value === undefined) throw invalidDeviceInfo(checked.errors, { action: "write", path, strict: options.strict });
  if (options.onWarning !== undefined) for (const warning of checked.warnings) options.onWarning(warning);
  return checked.value;
}

function toBytes(text: string, path: string, options: LoadOptions): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.byteLength > maxBytesOf(options)) throw tooLarge(path, bytes.byteLength, maxBytesOf(options));
  return bytes;
}

/** Validates (strictly unless told otherwise) and encodes a document for writing; `warn` false: its warnings are not reported. */
function encode(info: DeviceInfo, path: string, options: SaveOptions, strictDefault: boolean, warn = true): Buffer {
  // A conforming document has nothing to report: one pass does both (format/_fast.ts).
  const text =
    encodeConforming(info) ??
    serializeFor(checkValue(info, path, warn ? options : { ...options, onWarning: undefined }, strictDefault), path);
  return toBytes(text, path, options);
}

/** Decodes and validates a file's bytes (leniently unless told otherwise). */
function decode(bytes: Buffer, options: LoadOptions, path: string): DeviceInfo {
  return parseConforming(bytes) ?? parseDocument(bytes, options, path);
}

/** serializeDeviceInfo, with the file named in its error (a value JSON cannot encode: BigInt, cycle, deep nesting). */
function serializeFor(info: DeviceInfo, path: string): string {
  try {
    return serializeDeviceInfo(info);
  } catch (err) {
    if (!(err instanceof DeviceInfoError) || err.path !== undefined) throw err;
    throw new DeviceInfoError(err.code, `refusing to write ${path}: ${err.message}`, { path, issues: err.issues, cause: err.cause });
  }
}

/**
 * Checks a CNI path: absolute, a plausible file name. Returns the directory to
 * guard against symlinks when the path lies in `<base>/cni`; a path elsewhere
 * is used as given and only its final component is protected.
 */
function checkCNIPath(cniPath: string, options: PathOptions): string | undefined {
  if (typeof cniPath !== "string" || !isAbsolute(cniPath)) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `CNI device-info path ${JSON.stringify(cniPath)} is not absolute; pass the full path from runtimeConfig.CNIDeviceInfoFile (see getCNIDeviceInfoPath)`,
      { path: String(cniPath) },
    );
  }
  // basename, for a path that does not end in "/" (refused below anyway).
  const name = cniPath.slice(cniPath.lastIndexOf("/") + 1);
  if (cniPath.includes("\0") || name === "" || name === "." || name === ".." || cniPath.endsWith("/")) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `CNI device-info path ${JSON.stringify(cniPath)} does not name a file; pass a path such as "${getCNIDirectory(options)}/<network>-<containerID>_<ifName>"`,
      { path: cniPath },
    );
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short names need no count.
  if (name.length * 3 > MAX_FILE_NAME_BYTES && Buffer.byteLength(name) > MAX_FILE_NAME_BYTES) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `CNI device-info file name is ${Buffer.byteLength(name)} bytes, over the ${MAX_FILE_NAME_BYTES}-byte limit of Linux file names: ${cniPath}`,
      { path: cniPath },
    );
  }
  // The common case, `<cni>/<name>` exactly: normalize would change nothing.
  const cni = baseDirsOf(options).cni;
  if (cniPath.length > cni.length + 1 && cniPath.startsWith(cni) && cniPath.charCodeAt(cni.length) === 0x2f) {
    if (cniPath.indexOf("/", cni.length + 1) === -1) return cni;
  }
  // Normalised for the comparison only ("/base//cni/x" is still in <base>/cni);
  // the path itself is used as given, as Go does.
  const dir = dirname(normalize(cniPath));
  return dir === cni ? dir : undefined;
}
