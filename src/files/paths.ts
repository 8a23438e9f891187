/**
 * Where device-info files live (spec sections 4.1 and 4.2), computed exactly
 * as the Go reference computes them, except that names which would leave
 * their directory, name a directory, or cannot be a file name are refused.
 */

import { Buffer } from "node:buffer";
import { dirname, isAbsolute, join, normalize, resolve } from "node:path";
import { checkOptionsWith, checkString, type OptionRules, text } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";

/** The production base directory of device-info files. */
export const DEFAULT_BASE_DIR = "/var/run/k8s.cni.cncf.io/devinfo";

/** Linux NAME_MAX: the longest file name, in bytes. */
export const MAX_FILE_NAME_BYTES = 255;

/** Options of the path functions (and of every file operation). */
export interface PathOptions {
  /**
   * The base directory; default {@link DEFAULT_BASE_DIR}. A relative one is
   * resolved against the current directory.
   */
  baseDir?: string | undefined;
}

/** The rule of each {@link PathOptions} option. @internal */
export const PATH_OPTION_RULES: OptionRules<PathOptions> = { baseDir: text };
/** `options` of the path functions. @internal */
export const checkPathOptions = (o: PathOptions | undefined): PathOptions | undefined => checkOptionsWith(o, PATH_OPTION_RULES);

/** The base directory in use, normalised. */
export function resolveBaseDir(options: PathOptions = {}): string {
  return dirsOf(options.baseDir).base;
}

/** A base directory and its two subdirectories, normalised. @internal */
export interface BaseDirs {
  readonly base: string;
  /** `<base>/dp` */
  readonly dp: string;
  /** `<base>/cni` */
  readonly cni: string;
}

// Absolute base directories as given → their normalised forms. A device
// plugin passes the same one thousands of times, and path.join/normalize
// over ~100 characters, six times per cycle, cost more than the system
// calls' JavaScript side. Relative ones depend on the current directory: never cached.
const cache = new Map<string, BaseDirs>();
const CACHE_SIZE = 64;

/** The base directory of `options` and its subdirectories, as {@link resolveBaseDir} and `join` give them. @internal */
export function baseDirsOf(options: PathOptions): BaseDirs {
  return dirsOf(options.baseDir);
}

/**
 * A base directory as given (`options.baseDir`, read once by the caller) and
 * its subdirectories, normalised. A public call resolves it once and passes
 * the result down.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_UNSAFE_PATH` for `""` or a NUL byte.
 * @internal
 */
export function dirsOf(baseDir: string | undefined): BaseDirs {
  const given = baseDir ?? DEFAULT_BASE_DIR;
  const hit = typeof given === "string" ? cache.get(given) : undefined;
  if (hit !== undefined) return hit;
  if (typeof given !== "string" || given === "" || given.includes("\0")) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `base directory ${JSON.stringify(given)} is not a usable path; pass an absolute directory such as "${DEFAULT_BASE_DIR}"`,
      { path: String(given) },
    );
  }
  const base = isAbsolute(given) ? join(given) : resolve(given);
  const dirs: BaseDirs = { base, dp: join(base, "dp"), cni: join(base, "cni") };
  if (isAbsolute(given)) {
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(given, dirs);
  }
  return dirs;
}

/** `<base>/dp`: the device plugins' directory. */
export function getDPDirectory(options: PathOptions = {}): string {
  return dirsOf(options.baseDir).dp;
}

/** `<base>/cni`: the meta-plugins' directory. */
export function getCNIDirectory(options: PathOptions = {}): string {
  return dirsOf(options.baseDir).cni;
}

// A device plugin passes the same resource name for every device: the last
// one is kept checked and flattened (a pure function of the string).
let lastResource: string | undefined;
let lastFlatResource = "";

/**
 * The device plugin's file for one device:
 * `<base>/dp/<resourceName>-<deviceID>-device.json`, with every `/` in either
 * name replaced by `-` (spec 4.1), exactly as the Go reference builds it.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_UNSAFE_PATH` for an empty name,
 *   a NUL byte, or a file name over 255 bytes (Go fails later, with a
 *   misleading "already exists").
 *
 * @example
 * ```ts
 * getDPDeviceInfoPath("intel.com/sriov", "0000:af:06.0");
 * // "/var/run/k8s.cni.cncf.io/devinfo/dp/intel.com-sriov-0000:af:06.0-device.json"
 * ```
 */
export function getDPDeviceInfoPath(resourceName: string, deviceID: string, options: PathOptions = {}): string {
  checkString(resourceName, "resourceName");
  checkString(deviceID, "deviceID");
  checkPathOptions(options);
  const fileName = dpFileName(resourceName, deviceID);
  return `${dirsOf(options?.baseDir).dp}/${fileName}`;
}

/**
 * The device plugin's file name for one device (spec 4.1), checked: one path
 * component (no "/", never "." or ".."), so `<dp>/<name>` needs no join.
 * The arguments are strings (checked by the caller).
 *
 * @internal
 */
export function dpFileName(resourceName: string, deviceID: string): string {
  if (resourceName !== lastResource) {
    checkName("resource name", resourceName);
    lastFlatResource = flatten(resourceName);
    lastResource = resourceName;
  }
  checkName("device ID", deviceID);
  const fileName = `${lastFlatResource}-${flatten(deviceID)}-device.json`;
  checkLength(fileName, `resource name and device ID`);
  return fileName;
}

/**
 * The CNI file of one network attachment: `<base>/cni/<fileName>`, with every
 * `/` replaced by `-` (spec 4.2), exactly as the Go reference builds it.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_UNSAFE_PATH` for `""`, `"."`
 *   and `".."` (Go returns a directory for them), a NUL byte, or a name over
 *   255 bytes.
 *
 * @example
 * ```ts
 * getCNIDeviceInfoPath("default/sriov-net1-3f9a1c_net1");
 * // "/var/run/k8s.cni.cncf.io/devinfo/cni/default-sriov-net1-3f9a1c_net1"
 * ```
 */
export function getCNIDeviceInfoPath(fileName: string, options: PathOptions = {}): string {
  checkString(fileName, "fileName");
  checkPathOptions(options);
  const name = cniFileName(fileName);
  return `${dirsOf(options?.baseDir).cni}/${name}`;
}

/**
 * The CNI file name of `fileName` (spec 4.2), checked: one path component,
 * never "." or "..", so `<cni>/<name>` needs no join. `fileName` is a string
 * (checked by the caller).
 *
 * @internal
 */
export function cniFileName(fileName: string): string {
  checkName("CNI file name", fileName);
  const name = flatten(fileName);
  if (name === "." || name === "..") {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `CNI file name ${JSON.stringify(fileName)} names a directory, not a file; use a name unique to the attachment, e.g. "<network>-<containerID>_<ifName>"`,
      { path: fileName },
    );
  }
  checkLength(name, "CNI file name");
  return name;
}

function flatten(name: string): string {
  return name.includes("/") ? name.replaceAll("/", "-") : name;
}

function checkName(what: string, name: string): void {
  if (typeof name !== "string" || name === "") {
    throw new DeviceInfoError("ERR_DEVINFO_UNSAFE_PATH", `the ${what} is empty; pass a non-empty string`, { path: String(name) });
  }
  if (name.includes("\0")) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `the ${what} ${JSON.stringify(name)} contains a NUL byte, which no file name can hold`,
      { path: name },
    );
  }
}

function checkLength(fileName: string, what: string): void {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short names need no count.
  if (fileName.length * 3 <= MAX_FILE_NAME_BYTES) return;
  const bytes = Buffer.byteLength(fileName);
  if (bytes > MAX_FILE_NAME_BYTES) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `the file name built from the ${what} is ${bytes} bytes, over the ${MAX_FILE_NAME_BYTES}-byte limit of Linux file names; use shorter names`,
      { path: fileName },
    );
  }
}

/**
 * Checks a CNI path: absolute, a plausible file name. Returns the directory to
 * guard against symlinks when the path lies in `<base>/cni`; a path elsewhere
 * is used as given and only its final component is protected. The base
 * directory is resolved here (once) unless the caller has resolved it.
 *
 * @internal
 */
export function cniPathGuard(cniPath: string, baseDir: string | undefined, resolved?: BaseDirs): string | undefined {
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
      `CNI device-info path ${JSON.stringify(cniPath)} does not name a file; pass a path such as "${(resolved ?? dirsOf(baseDir)).cni}/<network>-<containerID>_<ifName>"`,
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
  const cni = (resolved ?? dirsOf(baseDir)).cni;
  if (cniPath.length > cni.length + 1 && cniPath.startsWith(cni) && cniPath.charCodeAt(cni.length) === 0x2f) {
    if (cniPath.indexOf("/", cni.length + 1) === -1) return cni;
  }
  // Normalised for the comparison only ("/base//cni/x" is still in <base>/cni);
  // the path itself is used as given, as Go does.
  const dir = dirname(normalize(cniPath));
  return dir === cni ? dir : undefined;
}
