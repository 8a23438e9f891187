/**
 * Device metadata files (KEP-5304, alpha in Kubernetes 1.36): the JSON files
 * a DRA driver's kubelet plugin writes and the runtime bind-mounts, read-only,
 * into each container that uses a claim, so that the workload learns which
 * devices it got without asking the API server.
 *
 * Layout (`k8s.io/dynamic-resource-allocation/api/metadata`):
 *
 * - `<root>/resourceclaims/<claimName>/<requestName>/<driver>-metadata.json`
 *   for a claim the pod names (`pod.spec.resourceClaims[].resourceClaimName`);
 * - `<root>/resourceclaimtemplates/<podClaimName>/<requestName>/<driver>-metadata.json`
 *   for a claim made from a template (the pod's own name for it);
 * - earlier drafts and implementations: `/var/run/dra-device-attributes/<claimName>/<requestName>/<driver>-metadata.json`.
 *
 * A file is a stream of JSON objects, one per API version; its decoding is
 * in `./metadata-stream.ts`.
 */

import fs from "node:fs";
import nodePath from "node:path";
import {
  byteCount,
  checkObject,
  checkOptionsWith,
  checkRecord,
  checkString,
  count,
  invalidArgType,
  invalidArgValue,
  type OptionRules,
  optionalArray,
  optionalObject,
  optionalString,
} from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { checkWaitOptions, WAIT_OPTION_RULES, type WaitOptions, waitFor } from "../base/wait.js";
import { type MountedFile, readMountedFile } from "../files/_io.js";
import { decodeUtf8 } from "../format/_go-text.js";
import { isObject } from "../format/validate.js";
import type { NetworkStatus } from "../status/schema.js";
import { type DeviceInfoFromAttributesOptions, type DeviceInfoFromAttributesResult, deviceInfoFromDeviceAttributes } from "./attributes.js";
import { networkStatusEntries } from "./claim-status.js";
import { DEVICE_METADATA_API_VERSIONS, decodeDeviceMetadataStream } from "./metadata-stream.js";
import type { DeviceMetadata, DeviceMetadataDevice, DeviceMetadataRequest } from "./types.js";

const METADATA_FILE: MountedFile = { what: "a device metadata file", missing: "is a device metadata file mounted there?" };

/** Where device metadata files are mounted in containers (`metadata.ContainerDir`). */
export const DEVICE_METADATA_ROOT = "/var/run/kubernetes.io/dra-device-attributes";
/** Where earlier drafts of KEP-5304 and early implementations (KubeVirt, example drivers) mounted them. */
export const LEGACY_DEVICE_METADATA_ROOT = "/var/run/dra-device-attributes";
export {
  DEVICE_METADATA_API_VERSIONS,
  DEVICE_METADATA_GROUP,
  type DeviceMetadataAPIVersion,
  decodeDeviceMetadataStream,
  validateDeviceMetadataObject,
} from "./metadata-stream.js";
/** Default cap on a metadata file: 32 devices of 32 attributes, pretty-printed once per version, fit many times over. */
export const DEFAULT_DEVICE_METADATA_MAX_BYTES = 1024 * 1024;

const FILE_SUFFIX = "-metadata.json";

/** Options of {@link readDeviceMetadata}. */
export interface ReadDeviceMetadataOptions {
  /** Larger files are refused with `ERR_DEVINFO_TOO_LARGE` after one `fstat`. Default 1 MiB. */
  maxBytes?: number | undefined;
}

/** The rule of each {@link ReadDeviceMetadataOptions} option. @internal */
export const READ_DEVICE_METADATA_OPTION_RULES: OptionRules<ReadDeviceMetadataOptions> = { maxBytes: byteCount };

/** Options of {@link waitForDeviceMetadata}. */
export interface WaitForDeviceMetadataOptions extends ReadDeviceMetadataOptions, WaitOptions {
  /** How long to wait, in milliseconds, before failing with `ERR_DEVINFO_NOT_FOUND`. Required, as for `waitForPodNetworkStatus`: a wait always has a deadline. */
  timeoutMs: number;
  /** How often to re-read the file, in milliseconds. Default 250. */
  intervalMs?: number | undefined;
  /** Wait for a `metadata.generation` greater than this (the driver raises it on each update, e.g. when network data arrives). */
  afterGeneration?: number | undefined;
  /** Stops waiting early; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** The rule of each {@link WaitForDeviceMetadataOptions} option (the wait's own from `base/wait.ts`). @internal */
export const WAIT_DEVICE_METADATA_OPTION_RULES: OptionRules<WaitForDeviceMetadataOptions> = {
  ...WAIT_OPTION_RULES,
  afterGeneration: count,
  ...READ_DEVICE_METADATA_OPTION_RULES,
};

/** One metadata file found by {@link findDeviceMetadata}. */
export interface DeviceMetadataFile {
  /** The file's path. */
  path: string;
  /** `resourceclaims` (a claim named in the pod spec), `resourceclaimtemplates` (a claim from a template), or `legacy` (the earlier layout). */
  layout: "resourceclaims" | "resourceclaimtemplates" | "legacy";
  /** The ResourceClaim's name (`resourceclaims` and `legacy`). */
  claimName?: string | undefined;
  /** The pod's name for the claim (`resourceclaimtemplates`). */
  podClaimName?: string | undefined;
  /** The request's name in the claim. */
  request: string;
  /** The DRA driver that wrote it. */
  driver: string;
}

/** Options of {@link findDeviceMetadata}. */
export interface FindDeviceMetadataOptions {
  /**
   * The mount root to search. Default: both {@link DEVICE_METADATA_ROOT} and
   * {@link LEGACY_DEVICE_METADATA_ROOT} (a missing root has no files).
   */
  root?: string | undefined;
  /** Only the files of this claim (its name, or the pod's name for a template's claim). */
  claim?: string | undefined;
  /** Only the files of this request. */
  request?: string | undefined;
  /** Only the files of this driver. */
  driver?: string | undefined;
}

/** The rule of each {@link FindDeviceMetadataOptions} option. @internal */
export const FIND_DEVICE_METADATA_OPTION_RULES: OptionRules<FindDeviceMetadataOptions> = {
  root: checkString,
  claim: checkString,
  request: checkString,
  driver: checkString,
};

/**
 * Reads one device metadata file: the first `DeviceMetadata` in the stream
 * whose API version this package understands (newer versions the driver
 * also wrote are skipped), in the API's own shape (`metadata.generation`,
 * `podClaimName`, `requests[].devices[]` with `attributes` and
 * `networkData`; keys this package does not know are kept).
 *
 * The file is read through symlinks (the kubelet's atomic `..data` updates
 * and bind mounts), but only a regular file, opened non-blocking and never
 * beyond `maxBytes`. Text is decoded as the library decodes every file
 * (invalid UTF-8 as U+FFFD).
 *
 * @param path - e.g. `/var/run/kubernetes.io/dra-device-attributes/resourceclaims/my-claim/nic/sriov.example.com-metadata.json`
 * @returns the object, or `undefined` for an empty file (a network driver
 *   may mount it empty and fill it once the interface exists; see
 *   {@link waitForDeviceMetadata})
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when there is no
 *   file; `ERR_DEVINFO_PARSE` for text that is not a JSON stream;
 *   `ERR_DEVINFO_INVALID` for an object without `apiVersion` or `kind`, a
 *   malformed known version, or only unknown versions (`issues` say which);
 *   `ERR_DEVINFO_TOO_LARGE`; `ERR_DEVINFO_UNSAFE_PATH` (a directory, a FIFO,
 *   socket or device); `ERR_DEVINFO_IO` (`EACCES`, an I/O error).
 *
 * @example
 * ```ts
 * const metadata = await readDeviceMetadata(file.path);
 * for (const request of metadata?.requests ?? []) for (const device of request.devices ?? []) console.log(device.networkData);
 * ```
 */
export async function readDeviceMetadata(path: string, options?: ReadDeviceMetadataOptions): Promise<DeviceMetadata | undefined> {
  checkString(path, "path");
  const maxBytes = checkOptionsWith(options, READ_DEVICE_METADATA_OPTION_RULES)?.maxBytes ?? DEFAULT_DEVICE_METADATA_MAX_BYTES;
  const text = decodeUtf8(await readMountedFile(path, maxBytes, METADATA_FILE));
  return decodeDeviceMetadataStream(text, path);
}

/**
 * Waits until a device metadata file is filled (there and not empty), or,
 * with `afterGeneration`, until its `metadata.generation` is greater: a
 * network driver may mount the file empty, or with generation 1 before the
 * interface exists, and rewrite it with the network data later. Like
 * `waitForPodNetworkStatus`, only absence is waited out; because the Go
 * writer rewrites the file in place, a torn read (text that is not JSON) is
 * read again once, and reported when the same text is still there.
 *
 * @param options - `timeoutMs` (required), `intervalMs` (default 250), `afterGeneration`, `signal`, `maxBytes`
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when `timeoutMs`
 *   elapses (the message says what was missing); any other error of
 *   {@link readDeviceMetadata} at once; the signal's reason when aborted.
 *
 * @example
 * ```ts
 * const first = await waitForDeviceMetadata(path, { timeoutMs: 60_000 });
 * const withNetwork = await waitForDeviceMetadata(path, { timeoutMs: 60_000, afterGeneration: first.metadata.generation });
 * ```
 */
export async function waitForDeviceMetadata(path: string, options: WaitForDeviceMetadataOptions): Promise<DeviceMetadata> {
  checkString(path, "path");
  const {
    timeoutMs,
    afterGeneration,
    maxBytes = DEFAULT_DEVICE_METADATA_MAX_BYTES,
  } = checkWaitOptions(options, WAIT_DEVICE_METADATA_OPTION_RULES);
  let missing = "the file does not exist";
  let tornText: string | undefined;
  const look = async (): Promise<{ value: DeviceMetadata } | undefined> => {
    let text: string | undefined;
    try {
      text = decodeUtf8(await readMountedFile(path, maxBytes, METADATA_FILE));
      const metadata = decodeDeviceMetadataStream(text, path);
      tornText = undefined;
      if (metadata === undefined) missing = "the file is empty (not filled yet)";
      else {
        const generation = metadata.metadata.generation ?? 0;
        if (afterGeneration === undefined || generation > afterGeneration) return { value: metadata };
        missing = `its generation is ${generation}, not yet newer than ${afterGeneration}`;
      }
    } catch (err) {
      if (!isDeviceInfoError(err)) throw err;
      if (err.code === "ERR_DEVINFO_PARSE" && text !== undefined && text !== tornText) {
        tornText = text; // maybe caught mid-write: read once more
        missing = "the file was being written";
      } else if (err.code === "ERR_DEVINFO_NOT_FOUND") missing = "the file does not exist";
      else throw err;
    }
    return undefined;
  };
  return waitFor(
    options,
    look,
    () => new DeviceInfoError("ERR_DEVINFO_NOT_FOUND", `timed out after ${timeoutMs} ms waiting for ${path}: ${missing}`, { path }),
  );
}

function listDirectory(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw new DeviceInfoError("ERR_DEVINFO_IO", `cannot list ${dir}: ${(err as Error).message}`, {
      path: dir,
      errno: code,
      cause: err,
    });
  }
}

/** A directory entry to descend into: a real directory, or a symlink to one that stays under `root`. */
function isDirectoryUnder(dir: string, entry: fs.Dirent, root: string): boolean {
  if (entry.name.startsWith("..")) return false; // the kubelet's ..data and ..<timestamp> directories
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  return resolvesUnder(nodePath.join(dir, entry.name), root, (s) => s.isDirectory());
}

/** A metadata file: a regular file, or a symlink (the kubelet's `..data/<file>`) to one under `root`. */
function isFileUnder(dir: string, entry: fs.Dirent, root: string): boolean {
  if (!entry.name.endsWith(FILE_SUFFIX) || entry.name === FILE_SUFFIX || entry.name.startsWith(".")) return false;
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  return resolvesUnder(nodePath.join(dir, entry.name), root, (s) => s.isFile());
}

function resolvesUnder(path: string, root: string, accept: (stats: fs.Stats) => boolean): boolean {
  try {
    const real = fs.realpathSync(path);
    const realRoot = fs.realpathSync(root);
    return (real === realRoot || real.startsWith(`${realRoot}${nodePath.sep}`)) && accept(fs.statSync(real));
  } catch {
    return false;
  }
}

/**
 * Lists the device metadata files mounted into this container, each with
 * its claim (or the pod's name for a template's claim), request and driver,
 * in both layouts: `resourceclaims/` and `resourceclaimtemplates/` under
 * the root, and the earlier `<claim>/<request>/<driver>-metadata.json` under
 * {@link LEGACY_DEVICE_METADATA_ROOT}. Symlinks are followed only when they
 * stay under the root (the kubelet's `..data` layout); the `..`-prefixed
 * directories of that layout are not listed twice. Sorted by path.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_IO` when a directory cannot be
 *   listed (a missing root has no files).
 *
 * @example
 * ```ts
 * for (const file of findDeviceMetadata({ request: "nic" })) console.log(file.claimName ?? file.podClaimName, file.driver, file.path);
 * ```
 */
export function findDeviceMetadata(options?: FindDeviceMetadataOptions): DeviceMetadataFile[] {
  const { root, claim, request, driver } = checkOptionsWith(options, FIND_DEVICE_METADATA_OPTION_RULES) ?? {};
  const roots = root === undefined ? [DEVICE_METADATA_ROOT, LEGACY_DEVICE_METADATA_ROOT] : [nodePath.resolve(root)];
  const found: DeviceMetadataFile[] = [];
  for (const base of roots) {
    for (const top of listDirectory(base)) {
      if (!isDirectoryUnder(base, top, base)) continue;
      if (top.name === "resourceclaims" || top.name === "resourceclaimtemplates") {
        const layout = top.name;
        const dir = nodePath.join(base, top.name);
        for (const claimDir of listDirectory(dir)) {
          if (isDirectoryUnder(dir, claimDir, base)) collect(base, nodePath.join(dir, claimDir.name), layout, claimDir.name, found);
        }
      } else if (base === LEGACY_DEVICE_METADATA_ROOT || root !== undefined) {
        collect(base, nodePath.join(base, top.name), "legacy", top.name, found);
      }
    }
  }
  return found
    .filter(
      (f) =>
        (claim === undefined || f.claimName === claim || f.podClaimName === claim) &&
        (request === undefined || f.request === request) &&
        (driver === undefined || f.driver === driver),
    )
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function collect(root: string, claimDir: string, layout: DeviceMetadataFile["layout"], name: string, found: DeviceMetadataFile[]): void {
  for (const requestDir of listDirectory(claimDir)) {
    if (!isDirectoryUnder(claimDir, requestDir, root)) continue;
    const dir = nodePath.join(claimDir, requestDir.name);
    for (const entry of listDirectory(dir)) {
      if (!isFileUnder(dir, entry, root)) continue;
      const file: DeviceMetadataFile = {
        path: nodePath.join(dir, entry.name),
        layout,
        request: requestDir.name,
        driver: entry.name.slice(0, -FILE_SUFFIX.length),
      };
      if (layout === "resourceclaimtemplates") file.podClaimName = name;
      else file.claimName = name;
      found.push(file);
    }
  }
}

/**
 * The device-info view of one device of a metadata file: its `attributes`
 * through {@link deviceInfoFromDeviceAttributes} (a driver that publishes
 * device-info as attributes publishes it in the metadata file too).
 *
 * @returns `{ deviceInfo?, resourceName?, deviceID?, warnings }`
 *
 * @example
 * ```ts
 * const device = metadata.requests?.[0]?.devices?.[0];
 * const { deviceInfo } = device === undefined ? {} : deviceInfoFromDeviceMetadata(device);
 * ```
 */
export function deviceInfoFromDeviceMetadata(
  device: DeviceMetadataDevice,
  options?: DeviceInfoFromAttributesOptions,
): DeviceInfoFromAttributesResult {
  checkDevice(device, "device");
  return deviceInfoFromDeviceAttributes(device.attributes ?? {}, options);
}

/** A metadata device's fields have the kinds of the API's `Device` (a misuse error names the one that does not). */
function checkDevice(device: DeviceMetadataDevice, name: string): void {
  checkObject(device, name);
  for (const key of ["driver", "pool", "name"] as const) checkString(device[key], `${name}.${key}`);
  if (device.attributes !== undefined)
    checkRecord(device.attributes, `${name}.attributes`, "an object of device attributes by qualified name");
  optionalObject(device.networkData, `${name}.networkData`);
}

/**
 * The network-status entries a workload would see for the devices of a
 * metadata file, so that the annotation's helpers (`deviceInfoFor`) and
 * tools serve both worlds: one entry per device that has `networkData` or
 * device-info attributes, named after the claim (`<namespace>/<name>`),
 * with `interface`, `ips` (without their prefix) and `mac` from
 * `networkData` and `device-info` from the attributes
 * ({@link deviceInfoFromDeviceMetadata}). The same shape as
 * `networkStatusFromResourceClaim` gives for the claim.
 *
 * @example
 * ```ts
 * const metadata = await waitForDeviceMetadata(path, { timeoutMs: 60_000 });
 * const info = deviceInfoFor(networkStatusFromDeviceMetadata(metadata), { interface: "net1" });
 * ```
 */
export function networkStatusFromDeviceMetadata(metadata: DeviceMetadata, options?: DeviceInfoFromAttributesOptions): NetworkStatus[] {
  checkObject(metadata, "metadata");
  checkString(metadata.apiVersion, "metadata.apiVersion");
  checkString(metadata.kind, "metadata.kind");
  checkObject(metadata.metadata, "metadata.metadata");
  optionalString(metadata.podClaimName, "metadata.podClaimName");
  optionalArray(metadata.requests, "metadata.requests");
  deviceInfoFromDeviceAttributes({}, options); // checks the options, whether or not there are devices
  const meta = metadata.metadata;
  const name = [meta.namespace, meta.name].filter((p) => typeof p === "string" && p !== "").join("/");
  const items: { networkData: unknown; deviceInfo: ReturnType<typeof deviceInfoFromDeviceAttributes>["deviceInfo"] }[] = [];
  for (const request of Array.isArray(metadata.requests) ? metadata.requests : []) {
    for (const device of isObject(request) && Array.isArray(request.devices) ? request.devices : []) {
      if (!isObject(device)) continue;
      const attributes = isObject(device.attributes) ? device.attributes : {};
      items.push({ networkData: device.networkData, deviceInfo: deviceInfoFromDeviceAttributes({ ...attributes }, options).deviceInfo });
    }
  }
  return networkStatusEntries(name, items);
}

/** Options of {@link readResourceClaimMetadata} and {@link readResourceClaimTemplateMetadata}. */
export interface ReadRequestMetadataOptions extends ReadDeviceMetadataOptions {
  /** The mount root. Default {@link DEVICE_METADATA_ROOT}. */
  root?: string | undefined;
}

/** The rule of each {@link ReadRequestMetadataOptions} option. @internal */
export const READ_REQUEST_METADATA_OPTION_RULES: OptionRules<ReadRequestMetadataOptions> = {
  ...READ_DEVICE_METADATA_OPTION_RULES,
  root: checkString,
};

const deviceKey = (d: DeviceMetadataDevice) => JSON.stringify([d.driver, d.pool, d.name]);

/**
 * Several drivers' `DeviceMetadata` for one claim request as one object, as
 * upstream's `devicemetadata.ReadResourceClaimMetadata` merges the files of
 * a request directory: the requests of each in turn. Where upstream leaves
 * conflicts unspoken, this merge:
 *
 * - keeps one entry per request name, its devices in the order of the
 *   inputs (upstream lists the same request once per driver);
 * - refuses (`ERR_DEVINFO_INVALID`) inputs that name different claims
 *   (`metadata.name`, `namespace`, `uid`, `podClaimName`) or list the same
 *   device (driver, pool, name) twice: they cannot all describe one request;
 * - has the newest `apiVersion` among the inputs, the claim's name,
 *   namespace and uid, and no `metadata.generation` when there are several
 *   inputs (each driver counts its own; wait on each file for a newer one).
 *
 * @param items - the objects, e.g. as {@link readDeviceMetadata} returns them, in file-name order
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for the conflicts above;
 *   `TypeError` (`ERR_INVALID_ARG_TYPE`) for a non-array or an item that is not an object.
 */
export function mergeDeviceMetadata(items: readonly DeviceMetadata[]): DeviceMetadata {
  if (!Array.isArray(items)) throw invalidArgType("items", "an array of DeviceMetadata objects", items);
  items.forEach((item: unknown, i) => {
    checkObject(item, `items[${i}]`);
    checkObject((item as DeviceMetadata).metadata, `items[${i}].metadata`);
  });
  const first = items[0];
  if (first === undefined) throw invalidArgValue("items", items, "must hold at least one DeviceMetadata");
  if (items.length === 1) return first;
  const conflict = (what: string, a: unknown, b: unknown) =>
    new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the device metadata files of one request disagree on ${what}: ${JSON.stringify(a)} and ${JSON.stringify(b)}; they cannot all describe this request (a stale file of another claim?)`,
    );
  const meta: Record<string, unknown> = {};
  let podClaimName: string | undefined;
  for (const item of items) {
    for (const key of ["name", "namespace", "uid"] as const) {
      const value = item.metadata[key];
      if (value === undefined || value === "") continue;
      if (meta[key] !== undefined && meta[key] !== value) throw conflict(`metadata.${key}`, meta[key], value);
      meta[key] = value;
    }
    if (item.podClaimName !== undefined && item.podClaimName !== "") {
      if (podClaimName !== undefined && podClaimName !== item.podClaimName) throw conflict("podClaimName", podClaimName, item.podClaimName);
      podClaimName = item.podClaimName;
    }
  }
  const rank = (v: unknown) => {
    const i = (DEVICE_METADATA_API_VERSIONS as readonly unknown[]).indexOf(v);
    return i < 0 ? DEVICE_METADATA_API_VERSIONS.length : i;
  };
  const apiVersion = items.map((i) => i.apiVersion).sort((a, b) => rank(a) - rank(b))[0] as string;
  const requests: DeviceMetadataRequest[] = [];
  const seen = new Set<string>();
  for (const item of items) {
    for (const request of Array.isArray(item.requests) ? item.requests : []) {
      if (!isObject(request)) continue;
      const found = requests.find((r) => r.name === request.name);
      const merged: DeviceMetadataRequest = found ?? { ...(request as DeviceMetadataRequest), devices: [] };
      if (found === undefined) requests.push(merged);
      for (const device of Array.isArray(request.devices) ? request.devices : []) {
        const key = deviceKey(device);
        if (seen.has(key))
          throw conflict(`request ${JSON.stringify(request.name)}: device (driver, pool, name)`, JSON.parse(key), "listed again");
        seen.add(key);
        merged.devices?.push(device);
      }
    }
  }
  const out: DeviceMetadata = { apiVersion, kind: "DeviceMetadata", metadata: meta };
  if (podClaimName !== undefined) out.podClaimName = podClaimName;
  out.requests = requests;
  return out;
}

async function readRequestDirectory(
  layout: "resourceclaims" | "resourceclaimtemplates",
  name: string,
  request: string,
  options: ReadRequestMetadataOptions | undefined,
): Promise<DeviceMetadata | undefined> {
  const opts = checkOptionsWith(options, READ_REQUEST_METADATA_OPTION_RULES) ?? {};
  const root = opts.root ?? DEVICE_METADATA_ROOT;
  const maxBytes = opts.maxBytes;
  const files = findDeviceMetadata({ root, claim: name, request }).filter((f) => f.layout === layout);
  const dir = nodePath.join(nodePath.resolve(root), layout, name, request);
  if (files.length === 0) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `no device metadata files (*${FILE_SUFFIX}) in ${dir}: is the claim's request mounted here?`,
      {
        path: dir,
      },
    );
  }
  const items: DeviceMetadata[] = [];
  for (const file of files) {
    const metadata = await readDeviceMetadata(file.path, maxBytes === undefined ? {} : { maxBytes });
    if (metadata !== undefined) items.push(metadata); // an empty file is not filled yet
  }
  return items.length === 0 ? undefined : mergeDeviceMetadata(items);
}

/**
 * Reads every driver's metadata file of a request of a claim the pod names
 * (`<root>/resourceclaims/<claimName>/<requestName>/*-metadata.json`) and
 * merges them ({@link mergeDeviceMetadata}), as upstream's
 * `devicemetadata.ReadResourceClaimMetadata` does. Files are read in
 * file-name order (upstream's glob order); an empty file (not filled yet)
 * is left out.
 *
 * @returns the merged object, or `undefined` when every file is empty
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when the directory
 *   holds no metadata file; any error of {@link readDeviceMetadata} or
 *   {@link mergeDeviceMetadata}.
 *
 * @example
 * ```ts
 * const metadata = await readResourceClaimMetadata("pod-1-nic", "nic");
 * for (const device of metadata?.requests?.[0]?.devices ?? []) console.log(device.driver, device.networkData);
 * ```
 */
export async function readResourceClaimMetadata(
  claimName: string,
  requestName: string,
  options?: ReadRequestMetadataOptions,
): Promise<DeviceMetadata | undefined> {
  checkString(claimName, "claimName");
  checkString(requestName, "requestName");
  return readRequestDirectory("resourceclaims", claimName, requestName, options);
}

/**
 * {@link readResourceClaimMetadata} for a claim made from a
 * ResourceClaimTemplate: `<root>/resourceclaimtemplates/<podClaimName>/<requestName>/`,
 * `podClaimName` being the pod's name for the claim
 * (`pod.spec.resourceClaims[].name`), as upstream's `ReadResourceClaimTemplateMetadata`.
 */
export async function readResourceClaimTemplateMetadata(
  podClaimName: string,
  requestName: string,
  options?: ReadRequestMetadataOptions,
): Promise<DeviceMetadata | undefined> {
  checkString(podClaimName, "podClaimName");
  checkString(requestName, "requestName");
  return readRequestDirectory("resourceclaimtemplates", podClaimName, requestName, options);
}
