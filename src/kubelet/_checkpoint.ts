/**
 * The kubelet device manager's checkpoint file
 * (`/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint`, written by
 * `k8s.io/kubernetes/pkg/kubelet/cm/devicemanager/checkpoint`), read as
 * Multus's `pkg/checkpoint` reads it, for when the PodResources socket is
 * absent:
 *
 * ```json
 * {"Data":{"PodDeviceEntries":[{"PodUID":"…","ContainerName":"app","ResourceName":"intel.com/sriov",
 *   "DeviceIDs":{"0":["0000:af:06.0"]},"AllocResp":"…"}],"RegisteredDevices":{"intel.com/sriov":["0000:af:06.0"]}},
 *  "Checksum":1234567890}
 * ```
 *
 * `DeviceIDs` maps a NUMA node to its devices (Kubernetes 1.20 and later); the
 * older format (1.19 and before) has a plain list. Both are read.
 *
 * The `Checksum` is not verified: it is a hash of Go's debug dump of the
 * kubelet's private structs (type names included, which changed between
 * versions), not of the bytes, so it cannot be recomputed outside the
 * kubelet's own code; Multus does not verify it either. A torn file fails to
 * parse instead: the kubelet replaces the file atomically.
 */

import { DeviceInfoError } from "../base/errors.js";
import { describeIssues, IssueCollector } from "../base/issues.js";
import { readRegularFile } from "../files/_io.js";
import { foldGoObject, type GoStructType, type GoType, goFieldMatcher, goFold } from "../format/_go-decode.js";
import { readGoJson } from "../format/_go-text.js";
import { describeType, isObject, setOwn } from "../format/validate.js";

/** The default path of the checkpoint file. */
export const DEFAULT_DEVICE_CHECKPOINT = "/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint";

/** The largest checkpoint read; the gRPC answer has the same cap. */
export const MAX_CHECKPOINT_BYTES = 16 * 1024 * 1024;

/** One `PodDeviceEntries` item: the devices of one resource allocated to one container. */
export interface CheckpointEntry {
  readonly podUID: string;
  readonly containerName: string;
  readonly resourceName: string;
  /** Every NUMA node's devices, nodes in ascending order. */
  readonly deviceIDs: readonly string[];
}

/** The parts of the checkpoint devinfo reads. */
export interface DeviceCheckpoint {
  readonly entries: readonly CheckpointEntry[];
  /**
   * `RegisteredDevices`: each resource's HEALTHY devices when the kubelet
   * wrote the file (it writes its healthy set under this name), not every
   * device its plugin registered.
   */
  readonly registeredDevices: Readonly<Record<string, readonly string[]>>;
}

/** A `[]string` (device IDs). */
const STRINGS: GoType = { slice: "string" };

/**
 * The device manager's checkpoint structs, as Go's encoding/json decodes
 * into them (`checkpoint.Data` in
 * `k8s.io/kubernetes/pkg/kubelet/cm/devicemanager/checkpoint`): strings
 * (`AllocResp` is `[]byte`, base64 text), `DeviceIDs` a `map[int64][]string`
 * since 1.20 and a `[]string` before (both read).
 */
const CHECKPOINT: GoStructType = {
  fields: {
    Data: {
      fields: {
        PodDeviceEntries: {
          slice: {
            fields: {
              PodUID: "string",
              ContainerName: "string",
              ResourceName: "string",
              DeviceIDs: { array: STRINGS, object: { map: STRINGS, intKey: "a NUMA node number" } },
              AllocResp: "string",
            },
          },
        },
        RegisteredDevices: { map: STRINGS },
      },
    },
  },
};

/** The field of a decoded struct (its key may be any case variant: the decoder keeps one key per field). */
function field(struct: unknown, name: string): unknown {
  if (!isObject(struct)) return undefined;
  const key = Object.keys(struct).find((k) => k === name || goFold(k) === goFold(name));
  return key === undefined ? undefined : struct[key];
}

/**
 * Device IDs of a decoded `[]string`, or of a `map[int64][]string` with the
 * NUMA nodes in ascending order. An element decoded from `null` is `""` for
 * Go (or a reused one); an empty ID names no device and is left out.
 */
function deviceIDList(value: unknown): string[] {
  const lists = isObject(value)
    ? Object.entries(value)
        .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))
        .map(([, ids]) => ids)
    : [value];
  return lists.flatMap((ids) => (Array.isArray(ids) ? ids : [])).filter((id): id is string => typeof id === "string" && id !== "");
}

/**
 * Parses a checkpoint's text as Go's encoding/json decodes it into the
 * device manager's structs: fields matched exactly, else case-insensitively;
 * each matching key decoded in turn (the last wins), a `null` leaving a
 * string unchanged and emptying a list or map; objects of the same field
 * merged; absent fields empty.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` (not JSON) or
 *   `ERR_DEVINFO_INVALID` (a field of the wrong type, with `issues`), naming `path`.
 */
export function parseDeviceCheckpoint(text: string | Uint8Array, path: string): DeviceCheckpoint {
  const doc = readGoJson(text, {
    what: "the kubelet's device checkpoint",
    hint: "the kubelet rewrites it on its next allocation, or remove it and restart the kubelet",
    file: path,
  });
  const issues = new IssueCollector(true);
  if (!isObject(doc)) issues.error("wrong_type", [], `expected an object, got ${describeType(doc)}`);
  else if (!Object.keys(doc).some((key) => goFieldMatcher(CHECKPOINT.fields)(key) !== undefined)) {
    issues.error("missing_field", ["Data"], `the checkpoint has no "Data"`);
  }
  // Every value is checked: the checkpoint is read whole, as the kubelet's structs.
  const decoded = issues.failed ? undefined : foldGoObject(doc as Record<string, unknown>, CHECKPOINT, [], issues, false, true);
  if (issues.failed) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the kubelet's device checkpoint ${path} does not have the device manager's format: ${describeIssues(issues.errors)}`,
      { path, issues: issues.errors },
    );
  }
  const data = field(decoded, "Data");
  const entries: CheckpointEntry[] = [];
  const list = field(data, "PodDeviceEntries");
  for (const entry of Array.isArray(list) ? list : []) {
    const text = (name: string) => {
      const value = field(entry, name);
      return typeof value === "string" ? value : "";
    };
    // A zero entry (from null or {}) matches no pod.
    if (text("PodUID") === "") continue;
    entries.push({
      podUID: text("PodUID"),
      containerName: text("ContainerName"),
      resourceName: text("ResourceName"),
      deviceIDs: deviceIDList(field(entry, "DeviceIDs")),
    });
  }
  const registeredDevices: Record<string, string[]> = {};
  const registered = field(data, "RegisteredDevices");
  if (isObject(registered)) {
    for (const [resource, ids] of Object.entries(registered)) setOwn(registeredDevices, resource, deviceIDList(ids));
  }
  return { entries, registeredDevices };
}

/**
 * Reads and parses the checkpoint, or `undefined` when there is no file.
 *
 * @throws {@link DeviceInfoError} as {@link parseDeviceCheckpoint}, and
 *   `ERR_DEVINFO_KUBELET_PERMISSION`, `ERR_DEVINFO_TOO_LARGE`,
 *   `ERR_DEVINFO_UNSAFE_PATH` (not a regular file) or `ERR_DEVINFO_IO`.
 */
export async function readDeviceCheckpoint(path: string): Promise<DeviceCheckpoint | undefined> {
  // The package's one reader of regular files: never blocks on a FIFO, never reads past the cap.
  // A symlink is followed: /var/lib/kubelet is the kubelet's, not a directory we write to.
  const read = await readRegularFile(path, { maxBytes: MAX_CHECKPOINT_BYTES, follow: true });
  if (read.ok) return parseDeviceCheckpoint(read.bytes, path);
  switch (read.reason) {
    case "missing":
      return undefined;
    case "not-regular":
      throw new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `the kubelet's device checkpoint ${path} is not a regular file; pass the right path`,
        {
          path,
        },
      );
    case "too-large":
      throw new DeviceInfoError(
        "ERR_DEVINFO_TOO_LARGE",
        `the kubelet's device checkpoint ${path} is ${read.size} bytes, over the ${MAX_CHECKPOINT_BYTES}-byte limit; is it the right file?`,
        { path },
      );
    default:
      if ((read.error as NodeJS.ErrnoException | undefined)?.code === "ENOTDIR") return undefined;
      throw fileError(read.error, path);
  }
}

/** A system error on one of the kubelet's files (the checkpoint, the socket) as a typed error. */
export function fileError(err: unknown, path: string): DeviceInfoError {
  if (err instanceof DeviceInfoError) return err;
  const { code: errno, syscall } = err as NodeJS.ErrnoException;
  const details = { path, errno, syscall, cause: err };
  if (errno === "EACCES" || errno === "EPERM") {
    return new DeviceInfoError(
      "ERR_DEVINFO_KUBELET_PERMISSION",
      `cannot open ${path}: permission denied (${errno}); the kubelet's files are root's: run as root, or mount them into the container with access for its user`,
      details,
    );
  }
  return new DeviceInfoError("ERR_DEVINFO_IO", `cannot read ${path}: ${(err as Error)?.message ?? String(err)}`, details);
}
