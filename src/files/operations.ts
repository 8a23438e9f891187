/**
 * The Go reference's file API (`pkg/utils` of network-attachment-definition-client)
 * in camelCase, async with a `...Sync` twin of each. Where behaviour differs
 * from Go it is on purpose: writes are atomic and exclusive, a missing file
 * loads as `undefined`, symlinks are never followed, names are checked.
 *
 * Each public function checks its arguments and resolves its options once
 * (`options.ts`), then works on the resolved settings; the update lives in
 * `update.ts`, the document's encoding and decoding in `_document.ts`.
 */

import { Buffer } from "node:buffer";
import { dirname } from "node:path";
import { checkString } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { transcodeConforming } from "../format/_fast.js";
import type { DeviceInfo } from "../format/schema.js";
import { readGuardedAsync, removeGuardedAsync, startGuard, writeGuardedAsync } from "./_async.js";
import { fileBytes, type WriteOptions } from "./_atomic.js";
import { decode, encode, toBytes } from "./_document.js";
import { checkDirectorySync, readRegularSync, removeFileSync, writeFileAtomicSync } from "./_sync.js";
import { fileWorker } from "./_worker.js";
import { type FileSettings, type LoadOptions, loadSettings, pathSettings, type SaveOptions, saveSettings } from "./options.js";
import { cniPathGuard, dirsOf, dpFileName, type PathOptions } from "./paths.js";

export type { LoadOptions, SaveOptions, UpdateOptions } from "./options.js";
export {
  type DeviceInfoUpdater,
  type DeviceInfoUpdaterSync,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "./update.js";

// ---------------------------------------------------------------------------
// The operations on resolved settings.

// Each operation has a synchronous twin written against `fs.*Sync`
// (`_sync.ts`) and an async one against the callback API (`_async.ts`),
// instead of one generator run by either executor: the executor's per-call
// objects cost as much as the library's own work, and the async twins take
// independent calls in one turn of the thread pool. The twins make the same
// system calls and share every check, encoder, decoder and error; the rare
// paths and the update (lock, read, commit) stay generators.
// test/files/_sync.test.ts compares the twins.

/** The write's part of the settings, as the engines take it (a plain object: the worker thread receives it). */
function writeOf(settings: FileSettings): WriteOptions {
  return { overwrite: settings.overwrite, durable: settings.durable };
}

/** Synchronous twin of saveAtAsync; `dir` is the directory of `path`. */
function saveAtSync(
  path: string,
  dir: string,
  guardedDir: string | undefined,
  info: DeviceInfo,
  settings: FileSettings,
  strictDefault: boolean,
  warn = true,
): string {
  return writeAtSync(path, dir, guardedDir, encode(info, path, settings, strictDefault, warn), settings);
}
function writeAtSync(path: string, dir: string, guardedDir: string | undefined, bytes: Buffer, settings: FileSettings): string {
  if (guardedDir !== undefined) checkDirectorySync(guardedDir);
  writeFileAtomicSync(dir, path, bytes, writeOf(settings));
  return path;
}

function loadAtSync(path: string, guardedDir: string | undefined, settings: FileSettings): DeviceInfo | undefined {
  if (guardedDir !== undefined) checkDirectorySync(guardedDir);
  const maxBytes = settings.maxBytes;
  // Read into a shared buffer: decode is done with the bytes before anything reads again.
  const bytes = fileBytes(readRegularSync(path, maxBytes, false, true), path, maxBytes);
  return bytes === undefined ? undefined : decode(bytes, settings, path);
}

function cleanAtSync(path: string, guardedDir: string | undefined): boolean {
  if (guardedDir !== undefined) checkDirectorySync(guardedDir);
  return removeFileSync(path);
}

/**
 * A copy's arguments checked (misuse first, as every operation), its options
 * resolved, and its two paths: the device plugin file, and the CNI file's
 * guarded directory (`cniPathGuard`). Shared by both twins of the copy.
 */
function copyPaths(
  cniPath: string,
  resourceName: string,
  deviceID: string,
  options: SaveOptions,
): { settings: FileSettings; dpDir: string; dpPath: string; target: string | undefined } {
  checkString(cniPath, "cniPath");
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  const settings = saveSettings(options);
  const name = dpFileName(resourceName, deviceID);
  const dirs = dirsOf(settings.baseDir);
  const target = cniPathGuard(cniPath, settings.baseDir, dirs);
  return { settings, dpDir: dirs.dp, dpPath: `${dirs.dp}/${name}`, target };
}

function copyFromDPSync(cniPath: string, resourceName: string, deviceID: string, options: SaveOptions): DeviceInfo {
  const { settings, dpDir, dpPath, target } = copyPaths(cniPath, resourceName, deviceID, options);
  // loadAtSync then saveAtSync, with a conforming document parsed, checked
  // and encoded in one pass (transcodeConforming); the general code otherwise.
  checkDirectorySync(dpDir);
  const maxBytes = settings.maxBytes;
  const bytes = fileBytes(readRegularSync(dpPath, maxBytes, false, true), dpPath, maxBytes);
  if (bytes === undefined) throw dpNotFound(dpPath, resourceName, deviceID);
  const fast = transcodeConforming(bytes);
  if (fast !== undefined) {
    writeAtSync(cniPath, target ?? dirname(cniPath), target, toBytes(fast.text, cniPath, maxBytes), settings);
    return fast.info;
  }
  const info = decode(bytes, settings, dpPath);
  // The source's warnings were reported as it was read: none again for the same document.
  saveAtSync(cniPath, target ?? dirname(cniPath), target, info, settings, false, false);
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
  settings: FileSettings,
  strictDefault: boolean,
  warn = true,
): Promise<string> {
  const bytes = encode(info, path, settings, strictDefault, warn);
  await writeGuardedAsync(dir, guard, path, bytes, writeOf(settings));
  return path;
}

/**
 * Reads and decodes the file at `path` (`undefined`: there is none), after
 * checking its guarded directory, on the worker thread once it runs, else on
 * the thread pool. For the roles, which resolve their settings once.
 *
 * @internal
 */
export async function loadAtAsync(path: string, guardedDir: string | undefined, settings: FileSettings): Promise<DeviceInfo | undefined> {
  const maxBytes = settings.maxBytes;
  const read = () => readBytesAsync(path, guardedDir, maxBytes);
  const bytes = await (fileWorker()?.load(path, guardedDir, maxBytes, read) ?? read());
  return bytes === undefined ? undefined : decode(bytes, settings, path);
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

/**
 * Validates (strictly unless `settings.strict` says otherwise), encodes and
 * writes a document at `path`, guarding `guardedDir` (the directory of
 * `path`, or `undefined` for a CNI path outside `<base>/cni`). For the
 * roles, which resolve their settings once.
 *
 * @internal
 */
export async function saveAt(path: string, guardedDir: string | undefined, info: DeviceInfo, settings: FileSettings): Promise<string> {
  await writeAsync(guardedDir ?? dirname(path), guardedDir, path, encode(info, path, settings, true), writeOf(settings));
  return path;
}

/**
 * `checkDirectory(guardedDir)` then `removeFile(path)`, on the worker thread
 * once it runs, else on the thread pool. For the roles, which resolve their
 * settings once.
 *
 * @internal
 */
export function removeAsync(path: string, guardedDir: string | undefined): Promise<boolean> {
  const pool = () => removeGuardedAsync(path, guardedDir);
  return fileWorker()?.clean(path, guardedDir, pool) ?? pool();
}

async function copyFromDPAsync(cniPath: string, resourceName: string, deviceID: string, options: SaveOptions): Promise<DeviceInfo> {
  const { settings, dpDir, dpPath, target } = copyPaths(cniPath, resourceName, deviceID, options);
  const worker = settings.durable ? undefined : fileWorker();
  if (worker !== undefined) {
    // One round trip for a conforming source; else its bytes come back, are
    // decoded here (with their warnings) and saved as the sync twin does.
    const dir = target ?? dirname(cniPath);
    const maxBytes = settings.maxBytes;
    const write = writeOf(settings);
    const read = () => readBytesAsync(dpPath, dpDir, maxBytes);
    const done = await worker.copy(dpPath, dpDir, dir, target, cniPath, maxBytes, write, read);
    if (done === undefined) throw dpNotFound(dpPath, resourceName, deviceID);
    if (!Buffer.isBuffer(done)) return done;
    const info = decode(done, settings, dpPath);
    await writeAsync(dir, target, cniPath, encode(info, cniPath, { ...settings, onWarning: undefined }, false), write);
    return info;
  }
  // The target's directory is checked while the source is read; its verdict
  // counts only after the source's (awaited in the sync twin's order).
  const guard = startGuard(target);
  const bytes = await readBytesAsync(dpPath, dpDir, settings.maxBytes);
  const info = bytes === undefined ? undefined : decode(bytes, settings, dpPath);
  if (info === undefined) throw dpNotFound(dpPath, resourceName, deviceID);
  await saveAtAsync(cniPath, target ?? dirname(cniPath), guard, info, settings, false, false);
  return info;
}

function dpNotFound(dpPath: string, resourceName: string, deviceID: string): DeviceInfoError {
  return new DeviceInfoError(
    "ERR_DEVINFO_NOT_FOUND",
    `device plugin file not found: ${dpPath}; is the device plugin for "${resourceName}" running with the same base directory, and did it publish device "${deviceID}"?`,
    { path: dpPath },
  );
}

/**
 * The device plugin file of `resourceName`/`deviceID` (strings, checked by
 * the caller) in the base directory of `settings`: its name checked first,
 * then the base directory resolved, once.
 */
function dpPathOf(resourceName: string, deviceID: string, settings: FileSettings): { dir: string; path: string } {
  const name = dpFileName(resourceName, deviceID);
  const dir = dirsOf(settings.baseDir).dp;
  return { dir, path: `${dir}/${name}` };
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
    const settings = saveSettings(options);
    const { dir, path } = dpPathOf(resourceName, deviceID, settings);
    await writeAsync(dir, dir, path, encode(info, path, settings, true), writeOf(settings));
    return path;
  })();
}
/** Synchronous twin of {@link saveDeviceInfoForDP}. */
export function saveDeviceInfoForDPSync(resourceName: string, deviceID: string, info: DeviceInfo, options: SaveOptions = {}): string {
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  const settings = saveSettings(options);
  const { dir, path } = dpPathOf(resourceName, deviceID, settings);
  return saveAtSync(path, dir, dir, info, settings, true);
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
    const settings = loadSettings(options);
    const { dir, path } = dpPathOf(resourceName, deviceID, settings);
    return loadAtAsync(path, dir, settings);
  })();
}
/** Synchronous twin of {@link loadDeviceInfoFromDP}. */
export function loadDeviceInfoFromDPSync(resourceName: string, deviceID: string, options: LoadOptions = {}): DeviceInfo | undefined {
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  const settings = loadSettings(options);
  const { dir, path } = dpPathOf(resourceName, deviceID, settings);
  return loadAtSync(path, dir, settings);
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
    const { dir, path } = dpPathOf(resourceName, deviceID, pathSettings(options));
    return removeAsync(path, dir);
  })();
}
/** Synchronous twin of {@link cleanDeviceInfoForDP}. */
export function cleanDeviceInfoForDPSync(resourceName: string, deviceID: string, options: PathOptions = {}): boolean {
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  const { dir, path } = dpPathOf(resourceName, deviceID, pathSettings(options));
  return cleanAtSync(path, dir);
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
    const settings = saveSettings(options);
    return saveAt(cniPath, cniPathGuard(cniPath, settings.baseDir), info, settings);
  })();
}
/** Synchronous twin of {@link saveDeviceInfoForCNI}. */
export function saveDeviceInfoForCNISync(cniPath: string, info: DeviceInfo, options: SaveOptions = {}): string {
  checkString(cniPath, "cniPath");
  const settings = saveSettings(options);
  const guarded = cniPathGuard(cniPath, settings.baseDir);
  return saveAtSync(cniPath, guarded ?? dirname(cniPath), guarded, info, settings, true);
}

/**
 * Reads a CNI device-info file; resolves to `undefined` when there is none.
 * Lenient by default.
 */
export function loadDeviceInfoFromCNI(cniPath: string, options: LoadOptions = {}): Promise<DeviceInfo | undefined> {
  return (async () => {
    checkString(cniPath, "cniPath");
    const settings = loadSettings(options);
    return loadAtAsync(cniPath, cniPathGuard(cniPath, settings.baseDir), settings);
  })();
}
/** Synchronous twin of {@link loadDeviceInfoFromCNI}. */
export function loadDeviceInfoFromCNISync(cniPath: string, options: LoadOptions = {}): DeviceInfo | undefined {
  checkString(cniPath, "cniPath");
  const settings = loadSettings(options);
  return loadAtSync(cniPath, cniPathGuard(cniPath, settings.baseDir), settings);
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
    const settings = pathSettings(options);
    return removeAsync(cniPath, cniPathGuard(cniPath, settings.baseDir));
  })();
}
/** Synchronous twin of {@link cleanDeviceInfoForCNI}. */
export function cleanDeviceInfoForCNISync(cniPath: string, options: PathOptions = {}): boolean {
  checkString(cniPath, "cniPath");
  const settings = pathSettings(options);
  return cleanAtSync(cniPath, cniPathGuard(cniPath, settings.baseDir));
}
