/**
 * The driver's side of device metadata files (KEP-5304): writing the stream
 * the readers of this package and Go's `devicemetadata` read, the CDI spec
 * that mounts it into containers, and the cleanup when the claim is
 * unprepared, for DRA drivers not written in Go. The formats are those of
 * upstream's kubelet plugin (`k8s.io/dynamic-resource-allocation/kubeletplugin`,
 * `metadata.go`); unlike it, a rewrite is atomic.
 */

import fs from "node:fs";
import nodePath from "node:path";
import {
  checkArray,
  checkObject,
  checkOptionsWith,
  checkRequiredOptionsWith,
  checkString,
  invalidArgType,
  invalidArgValue,
  isPlainObject,
  type OptionRules,
  optionalArray,
  optionalObject,
  optionalString,
} from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { type MountedFile, readMountedFile } from "../files/_io.js";
import { decodeUtf8 } from "../format/_go-text.js";
import { isAttributeDomain } from "./limits.js";
import {
  DEFAULT_DEVICE_METADATA_MAX_BYTES,
  DEVICE_METADATA_API_VERSIONS,
  DEVICE_METADATA_ROOT,
  type DeviceMetadataAPIVersion,
  decodeDeviceMetadataStream,
  validateDeviceMetadataObject,
} from "./metadata.js";
import type { DeviceMetadata } from "./types.js";

/** Upstream's modes: metadata files and CDI specs 0644, directories 0755 (`metadataFilePerms`, `metadataDirPerms`). */
export const DEVICE_METADATA_FILE_MODE = 0o644;
/** See {@link DEVICE_METADATA_FILE_MODE}. */
export const DEVICE_METADATA_DIRECTORY_MODE = 0o755;
/** Where CDI specs usually live (`kubeletplugin.DefaultCDIDir`). Never a default here: pass it. */
export const DEFAULT_CDI_DIR = "/var/run/cdi";
/** The CDI version of the specs upstream's kubelet plugin writes (`cdiVersionStr`). */
export const DEVICE_METADATA_CDI_VERSION = "0.5.0";

/** Options of {@link writeDeviceMetadata}. */
export interface WriteDeviceMetadataOptions {
  /**
   * The versions to write, in this order (the first is what a reader that
   * understands it takes). Default: {@link DEVICE_METADATA_API_VERSIONS},
   * v1beta1 then v1alpha1 (upstream makes the driver choose; this default
   * is ours). v1alpha1 readers are Kubernetes 1.36's; drop it once none are left.
   */
  apiVersions?: readonly DeviceMetadataAPIVersion[] | undefined;
}

/** The rule of each {@link WriteDeviceMetadataOptions} option. @internal */
export const WRITE_DEVICE_METADATA_OPTION_RULES: OptionRules<WriteDeviceMetadataOptions> = {
  apiVersions: (value, name) => {
    checkArray(value, name);
    for (const v of value) if (typeof v !== "string") throw invalidArgType(name, "an array of API versions", value);
    const versions = value as readonly string[];
    const known = (v: string) => (DEVICE_METADATA_API_VERSIONS as readonly string[]).includes(v);
    if (versions.length === 0 || !versions.every(known) || new Set(versions).size !== versions.length) {
      throw invalidArgValue(name, versions, `must list some of ${DEVICE_METADATA_API_VERSIONS.join(", ")}, each once`);
    }
  },
};

/** Identifies one request's metadata of one claim, for the CDI helpers. */
export interface DeviceMetadataCDIRef {
  /** The DRA driver's name (a DNS subdomain). */
  driver: string;
  /** The ResourceClaim's `metadata.uid`. */
  claimUID: string;
  /** The request's name (the base request, without a `/<subrequest>`). */
  requestName: string;
}

/** Input of {@link deviceMetadataCDISpec}. */
export interface DeviceMetadataCDISpecOptions extends DeviceMetadataCDIRef {
  /** The metadata file on the host (absolute), as written by {@link writeDeviceMetadata}. */
  hostPath: string;
  /** Where it appears in containers (absolute); see {@link deviceMetadataContainerPath}. */
  containerPath: string;
}

/** The rule of each {@link DeviceMetadataCDISpecOptions} field, all required (the names and paths are checked further where used). @internal */
export const CDI_SPEC_OPTION_RULES: OptionRules<DeviceMetadataCDISpecOptions> = {
  driver: checkString,
  claimUID: checkString,
  requestName: checkString,
  hostPath: checkString,
  containerPath: checkString,
};

/** A CDI spec as upstream's kubelet plugin writes it for a metadata file: one device, one read-only bind mount. */
export interface DeviceMetadataCDISpec {
  cdiVersion: string;
  kind: string;
  devices: {
    name: string;
    containerEdits: { mounts: { hostPath: string; containerPath: string; options: string[] }[] };
  }[];
}

/** Input of {@link deviceMetadataContainerPath}. */
export interface DeviceMetadataContainerPathOptions {
  driver: string;
  requestName: string;
  /** The ResourceClaim's name. */
  claimName: string;
  /** The pod's name for a claim made from a template (`pod.spec.resourceClaims[].name`); wins over `claimName`, as upstream. */
  podClaimName?: string | undefined;
}

/** The rule of each {@link DeviceMetadataContainerPathOptions} field (the names are checked further where used). @internal */
export const CONTAINER_PATH_OPTION_RULES: OptionRules<DeviceMetadataContainerPathOptions> = {
  driver: checkString,
  requestName: checkString,
  claimName: checkString,
  podClaimName: checkString,
};

/** Input of {@link removeDeviceMetadata}. */
export interface RemoveDeviceMetadataOptions {
  driver: string;
  claimUID: string;
  /** The directory of the claim's metadata files (e.g. upstream's `<pluginDataDir>/dra-device-metadata/<namespace>_<name>`). */
  claimDir: string;
  /** The CDI spec directory, e.g. {@link DEFAULT_CDI_DIR}. */
  cdiDir: string;
}

/** The rule of each {@link RemoveDeviceMetadataOptions} field, all required (the names and paths are checked further where used). @internal */
export const REMOVE_DEVICE_METADATA_OPTION_RULES: OptionRules<RemoveDeviceMetadataOptions> = {
  driver: checkString,
  claimUID: checkString,
  claimDir: checkString,
  cdiDir: checkString,
};

// A name that becomes one path component: never empty, never "." or "..", never a separator
// (ERR_DEVINFO_UNSAFE_PATH, as every name of the library that would leave its directory).
function checkComponent(value: unknown, name: string): string {
  checkString(value, name);
  if (value === "" || value === "." || value === ".." || value.includes("/") || value.includes("\0")) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `${name} ${JSON.stringify(value)} cannot be a file name (empty, "." or "..", or with a "/"): it would leave its directory`,
    );
  }
  return value;
}

function checkDriver(value: unknown, name: string): string {
  checkString(value, name);
  if (!isAttributeDomain(value)) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_UNSAFE_PATH",
      `${name} ${JSON.stringify(value)} is no DRA driver name (a DNS subdomain of at most 63 characters, lower case), so it names no file`,
    );
  }
  return value;
}

function checkAbsolute(value: unknown, name: string): string {
  checkString(value, name);
  if (!nodePath.isAbsolute(value) || value.includes("\0")) {
    throw new DeviceInfoError("ERR_DEVINFO_UNSAFE_PATH", `${name} ${JSON.stringify(value)} must be an absolute path`, { path: value });
  }
  return value;
}

function checkRef(ref: unknown, name: string): DeviceMetadataCDIRef {
  checkObject(ref, name);
  const r = ref as Record<string, unknown>;
  return {
    driver: checkDriver(r.driver, `${name}.driver`),
    claimUID: checkComponent(r.claimUID, `${name}.claimUID`),
    requestName: checkComponent(r.requestName, `${name}.requestName`),
  };
}

/**
 * The CDI device name of a request's metadata file: `<claimUID>_<requestName>`
 * (upstream's `writeCDISpec`); the fully qualified CDI device ID the driver
 * returns from `NodePrepareResources` is `<driver>/metadata=<name>`
 * ({@link deviceMetadataCDIDeviceID}).
 */
function cdiDeviceName(ref: DeviceMetadataCDIRef): string {
  return `${ref.claimUID}_${ref.requestName}`;
}

/**
 * The file name of the CDI spec for a request's metadata file:
 * `<driver>_metadata_<claimUID>_<requestName>.json`, as upstream's kubelet
 * plugin names it (`cdiSpecFilePath`), so that {@link removeDeviceMetadata}
 * and upstream's cleanup find it.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_UNSAFE_PATH` for a driver that
 *   is no DNS subdomain, or a uid or request that is not one path component;
 *   `TypeError` (`ERR_INVALID_ARG_TYPE`) for a value that is not a string.
 */
export function deviceMetadataCDISpecFileName(ref: DeviceMetadataCDIRef): string {
  const r = checkRef(ref, "ref");
  return `${r.driver}_metadata_${r.claimUID}_${r.requestName}.json`;
}

/** The CDI device ID to return for a request's metadata file: `<driver>/metadata=<claimUID>_<requestName>`. */
export function deviceMetadataCDIDeviceID(ref: DeviceMetadataCDIRef): string {
  const r = checkRef(ref, "ref");
  return `${r.driver}/metadata=${cdiDeviceName(r)}`;
}

/**
 * Where a request's metadata file appears in containers, as upstream's
 * `metadata.ResourceClaimFilePath` / `ResourceClaimTemplateFilePath`:
 * `/var/run/kubernetes.io/dra-device-attributes/resourceclaims/<claimName>/<request>/<driver>-metadata.json`,
 * or `…/resourceclaimtemplates/<podClaimName>/…` for a claim made from a template.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_UNSAFE_PATH` for a name that is
 *   not one path component; `TypeError` (`ERR_INVALID_ARG_TYPE`) for one that is not a string.
 */
export function deviceMetadataContainerPath(options: DeviceMetadataContainerPathOptions): string {
  checkRequiredOptionsWith(options, CONTAINER_PATH_OPTION_RULES, ["driver", "requestName", "claimName"]);
  const driver = checkDriver(options.driver, "options.driver");
  const request = checkComponent(options.requestName, "options.requestName");
  if (options.podClaimName !== undefined && options.podClaimName !== "") {
    const pod = checkComponent(options.podClaimName, "options.podClaimName");
    return nodePath.posix.join(DEVICE_METADATA_ROOT, "resourceclaimtemplates", pod, request, `${driver}-metadata.json`);
  }
  const claim = checkComponent(options.claimName, "options.claimName");
  return nodePath.posix.join(DEVICE_METADATA_ROOT, "resourceclaims", claim, request, `${driver}-metadata.json`);
}

/**
 * The CDI spec that bind-mounts a request's metadata file, read-only, into
 * the containers that use the claim, exactly as upstream's kubelet plugin
 * builds it (`writeCDISpec`): `cdiVersion` {@link DEVICE_METADATA_CDI_VERSION},
 * `kind` `<driver>/metadata`, one device `<claimUID>_<requestName>` with one
 * mount (`options: ["ro", "bind"]`). Write it (pretty-printed, 0644) as
 * `<cdiDir>/` + {@link deviceMetadataCDISpecFileName}, and return
 * {@link deviceMetadataCDIDeviceID} in the request's CDI device IDs.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_UNSAFE_PATH` for a bad name (see
 *   {@link deviceMetadataCDISpecFileName}) or a path that is not absolute;
 *   `TypeError` (`ERR_INVALID_ARG_TYPE`) for a value that is not a string.
 *
 * @example
 * ```ts
 * const ref = { driver: "sriov.example.com", claimUID: claim.metadata.uid, requestName: "nic" };
 * const spec = deviceMetadataCDISpec({ ...ref, hostPath, containerPath: deviceMetadataContainerPath({ ...ref, claimName: claim.metadata.name }) });
 * fs.writeFileSync(path.join(DEFAULT_CDI_DIR, deviceMetadataCDISpecFileName(ref)), JSON.stringify(spec, null, 2), { mode: 0o644 });
 * ```
 */
export function deviceMetadataCDISpec(options: DeviceMetadataCDISpecOptions): DeviceMetadataCDISpec {
  checkRequiredOptionsWith(options, CDI_SPEC_OPTION_RULES, ["driver", "claimUID", "requestName", "hostPath", "containerPath"]);
  const ref = checkRef(options, "options");
  const hostPath = checkAbsolute(options.hostPath, "options.hostPath");
  const containerPath = checkAbsolute(options.containerPath, "options.containerPath");
  return {
    cdiVersion: DEVICE_METADATA_CDI_VERSION,
    kind: `${ref.driver}/metadata`,
    devices: [{ name: cdiDeviceName(ref), containerEdits: { mounts: [{ hostPath, containerPath, options: ["ro", "bind"] }] } }],
  };
}

/** Where a value cannot be written as JSON unchanged (NaN, a Date, a function…), or `undefined`. */
function jsonProblem(value: unknown, at: string): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : `${at} is ${value}, which JSON cannot hold`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], `${at}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue; // absent, as JSON.stringify leaves it
      const problem = jsonProblem(item, `${at}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return `${at} is ${value === undefined ? "undefined" : typeof value === "object" ? `a ${value.constructor?.name ?? "non-plain object"}` : `a ${typeof value}`}, which JSON cannot hold unchanged`;
}

/** One object of the stream, in Go's field order (`kind`, `apiVersion` as `metav1.TypeMeta` declares them). */
function versioned(metadata: DeviceMetadata, apiVersion: string, generation: number): Record<string, unknown> {
  const out: Record<string, unknown> = { kind: "DeviceMetadata", apiVersion, metadata: { ...(metadata.metadata ?? {}), generation } };
  for (const [key, value] of Object.entries(metadata)) {
    if (key !== "kind" && key !== "apiVersion" && key !== "metadata") out[key] = value;
  }
  return out;
}

// One write at a time per file in this process, so that two rewrites cannot both bump from the same generation.
const queues = new Map<string, Promise<unknown>>();

function ioFailure(err: unknown, path: string, action: string): DeviceInfoError {
  const errno = (err as NodeJS.ErrnoException).code;
  return new DeviceInfoError("ERR_DEVINFO_IO", `cannot ${action} ${path}: ${(err as Error).message}`, { path, errno, cause: err });
}

const EXISTING_FILE: MountedFile = { what: "a device metadata file", missing: "" };

// The temporary file's name: hidden (the readers skip names starting with "."), unique per process and call.
let tempCounter = 0;
function tempName(): string {
  tempCounter = (tempCounter + 1) % 0x100000;
  return `.devinfo-tmp-${process.pid}-${tempCounter.toString(36)}${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
}

async function previousGeneration(path: string): Promise<number | undefined> {
  let text: string;
  try {
    // As the readers read it: a regular file only, never past the readers' cap.
    text = decodeUtf8(await readMountedFile(path, DEFAULT_DEVICE_METADATA_MAX_BYTES, EXISTING_FILE));
  } catch (err) {
    if (isDeviceInfoError(err) && err.code === "ERR_DEVINFO_NOT_FOUND") return undefined;
    throw err;
  }
  try {
    return decodeDeviceMetadataStream(text, path)?.metadata.generation ?? 0;
  } catch (err) {
    if (!isDeviceInfoError(err)) throw err;
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `${path} holds no readable device metadata, so its generation is unknown and a rewrite cannot bump past it: ${err.message}; remove the file to start again at generation 1`,
      { path, issues: err.issues, cause: err },
    );
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = nodePath.dirname(path);
  try {
    await fs.promises.mkdir(dir, { recursive: true, mode: DEVICE_METADATA_DIRECTORY_MODE });
  } catch (err) {
    throw ioFailure(err, dir, "create the directory");
  }
  const temp = nodePath.join(dir, tempName());
  let handle: fs.promises.FileHandle | undefined;
  try {
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
    handle = await fs.promises.open(temp, flags, DEVICE_METADATA_FILE_MODE);
    await handle.chmod(DEVICE_METADATA_FILE_MODE); // 0644 whatever the umask, as readers in containers run as anyone
    await handle.writeFile(text, "utf8");
    await handle.sync();
    await handle.close();
    handle = undefined;
    // rename(2) replaces the name in one step: a reader opens the old file or the new one, never a partial one.
    await fs.promises.rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw ioFailure(err, path, "write");
  }
  const dirHandle = await fs.promises.open(dir, fs.constants.O_RDONLY).catch(() => undefined);
  await dirHandle
    ?.sync()
    .catch(() => undefined)
    .finally(() => dirHandle.close());
}

/**
 * Writes a request's device metadata file for a DRA driver: the
 * `DeviceMetadata` once per API version, newest first (v1beta1 then
 * v1alpha1 unless `options.apiVersions` says otherwise), each pretty-printed
 * and followed by a newline, as upstream's Go writer encodes the stream;
 * `apiVersion` and `kind` are set per version written.
 *
 * - **Atomic**: the stream goes to a temporary file in the same directory,
 *   is synced and renamed over the file, so a concurrent reader sees the old
 *   stream or the new one, never an empty or torn file (upstream's writer
 *   rewrites in place). Missing directories are created 0755; the file is
 *   0644 whatever the umask (upstream's modes).
 * - **Generation**: a first write keeps `metadata.metadata.generation` (1 if
 *   none); a rewrite of an existing file writes one past the generation in
 *   the file (or the caller's, if higher), as upstream's
 *   `UpdateRequestMetadata` does, so that `waitForDeviceMetadata({ afterGeneration })`
 *   sees each update. Writes to one path from one process are serialised.
 * - **Checked**: what is written is what this package's readers and Go's
 *   decoder read back; a field of the wrong type, or a value JSON cannot
 *   hold (`NaN`, a `Date`, a function) is refused, nothing written.
 *
 * @param path - the metadata file on the host, e.g. upstream's
 *   `<pluginDataDir>/dra-device-metadata/<namespace>_<claim>/<request>/metadata.json`
 * @param metadata - the `DeviceMetadata` (its `apiVersion`/`kind` are ignored)
 * @returns the generation written
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for metadata that
 *   does not decode, or an existing file whose generation cannot be read;
 *   `ERR_DEVINFO_IO` when the file or its directory cannot be written.
 *   `TypeError` (`ERR_INVALID_ARG_TYPE` / `ERR_INVALID_ARG_VALUE`) for a bad
 *   path, a non-object, or `apiVersions` that are empty, unknown or repeated.
 *
 * @example
 * ```ts
 * const generation = await writeDeviceMetadata(hostPath, {
 *   apiVersion: DEVICE_METADATA_API_VERSIONS[0], kind: "DeviceMetadata",
 *   metadata: { name: claim.metadata.name, namespace: claim.metadata.namespace, uid: claim.metadata.uid },
 *   requests: [{ name: "nic", devices: [{ driver: "sriov.example.com", pool: "node-1", name: "vf-3", attributes }] }],
 * });
 * ```
 */
export async function writeDeviceMetadata(path: string, metadata: DeviceMetadata, options?: WriteDeviceMetadataOptions): Promise<number> {
  checkString(path, "path");
  if (path === "" || path.includes("\0")) throw invalidArgValue("path", path, "must be a file path");
  checkObject(metadata, "metadata");
  // The object's own fields are arguments (as for networkStatusFromDeviceMetadata); what is inside them is data.
  optionalString(metadata.apiVersion, "metadata.apiVersion");
  optionalString(metadata.kind, "metadata.kind");
  optionalObject(metadata.metadata, "metadata.metadata");
  optionalString(metadata.podClaimName, "metadata.podClaimName");
  optionalArray(metadata.requests, "metadata.requests");
  const versions: readonly string[] =
    checkOptionsWith(options, WRITE_DEVICE_METADATA_OPTION_RULES)?.apiVersions ?? DEVICE_METADATA_API_VERSIONS;
  const asked = metadata.metadata?.generation;
  if (asked !== undefined && !(typeof asked === "number" && Number.isSafeInteger(asked) && asked >= 0)) {
    throw new DeviceInfoError("ERR_DEVINFO_INVALID", `metadata.metadata.generation must be a non-negative integer, got ${String(asked)}`, {
      path,
    });
  }
  const problem = jsonProblem(metadata, "metadata");
  if (problem !== undefined) throw new DeviceInfoError("ERR_DEVINFO_INVALID", `${problem}; nothing was written to ${path}`, { path });
  // What is written must decode: the same rules as the readers (and Go's field types).
  for (const version of versions) validateDeviceMetadataObject(versioned(metadata, version, 1), path);

  const target = nodePath.resolve(path);
  const run = async () => {
    const previous = await previousGeneration(target);
    const generation = previous === undefined ? (asked ?? 1) : Math.max(previous + 1, asked ?? 0);
    const text = versions.map((v) => `${JSON.stringify(versioned(metadata, v, generation), null, 2)}\n`).join("");
    await writeAtomically(target, text);
    return generation;
  };
  const before = queues.get(target) ?? Promise.resolve();
  const mine = before.then(run, run);
  const settled = mine.catch(() => undefined);
  queues.set(target, settled);
  void settled.then(() => {
    if (queues.get(target) === settled) queues.delete(target);
  });
  return mine;
}

/**
 * Removes a claim's metadata files and CDI specs when the driver unprepares
 * it, as upstream's `cleanupClaim`: the CDI specs
 * `<cdiDir>/<driver>_metadata_<claimUID>_*.json`, and under `claimDir` the
 * metadata files (`metadata.json`, `*-metadata.json`) of each request
 * directory, this package's temporary files, and the directories left
 * empty. Unlike upstream's `RemoveAll`, anything else there is left in place
 * (with its directories), so a wrong `claimDir` cannot delete unrelated
 * files. Missing files and directories are not an error.
 *
 * @returns the paths removed
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_IO` when a file cannot be removed
 *   or a directory listed; `ERR_DEVINFO_UNSAFE_PATH` for a relative directory
 *   or a name that is not one path component.
 */
export async function removeDeviceMetadata(options: RemoveDeviceMetadataOptions): Promise<string[]> {
  checkRequiredOptionsWith(options, REMOVE_DEVICE_METADATA_OPTION_RULES, ["driver", "claimUID", "claimDir", "cdiDir"]);
  const driver = checkDriver(options.driver, "options.driver");
  const uid = checkComponent(options.claimUID, "options.claimUID");
  const claimDir = checkAbsolute(options.claimDir, "options.claimDir");
  const cdiDir = checkAbsolute(options.cdiDir, "options.cdiDir");
  const removed: string[] = [];
  const list = async (dir: string): Promise<fs.Dirent[]> => {
    try {
      return await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return [];
      throw ioFailure(err, dir, "list");
    }
  };
  const remove = async (file: string, rm: () => Promise<void>) => {
    try {
      await rm();
      removed.push(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code === "ENOTEMPTY" || code === "EEXIST") return; // a directory with other content stays
      throw ioFailure(err, file, "remove");
    }
  };
  const prefix = `${driver}_metadata_${uid}_`;
  for (const entry of await list(cdiDir)) {
    if (entry.isFile() && entry.name.startsWith(prefix) && entry.name.endsWith(".json")) {
      const file = nodePath.join(cdiDir, entry.name);
      await remove(file, () => fs.promises.unlink(file));
    }
  }
  const isOurs = (name: string) => name === "metadata.json" || name.endsWith("-metadata.json") || name.startsWith(".devinfo-tmp-");
  for (const request of await list(claimDir)) {
    if (!request.isDirectory()) continue;
    const dir = nodePath.join(claimDir, request.name);
    for (const entry of await list(dir)) {
      if (!entry.isFile() || !isOurs(entry.name)) continue;
      const file = nodePath.join(dir, entry.name);
      await remove(file, () => fs.promises.unlink(file));
    }
    await remove(dir, () => fs.promises.rmdir(dir));
  }
  await remove(claimDir, () => fs.promises.rmdir(claimDir));
  return removed;
}
