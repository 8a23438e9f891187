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

import { DeviceInfoError } from "../errors.js";
import { readRegularFile } from "../files/_io.js";
import { readGoJson } from "../format/_go-text.js";
import { goFieldMatch } from "../format/fields.js";
import { type DeviceInfoIssue, describeIssues, makeIssue } from "../format/issues.js";
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

type Json = Record<string, unknown>;

/**
 * Parses a checkpoint's text. Fields are matched as Go's encoding/json
 * matches them (exactly, else case-insensitively); absent or `null` fields
 * are empty, as in Go.
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
  const issues: DeviceInfoIssue[] = [];
  const wrong = (at: (string | number)[], expected: string, value: unknown) =>
    issues.push(makeIssue("error", "wrong_type", at, `expected ${expected}, got ${describeType(value)}`));

  const entries: CheckpointEntry[] = [];
  const registeredDevices: Record<string, string[]> = {};
  const data = field(doc, "Data");
  if (!isObject(doc)) wrong([], "an object", doc);
  else if (data === undefined) issues.push(makeIssue("error", "missing_field", ["Data"], `the checkpoint has no "Data"`));
  else if (data !== null && !isObject(data)) wrong(["Data"], "an object", data);
  else {
    const list = field(data, "PodDeviceEntries");
    if (Array.isArray(list)) {
      list.forEach((item: unknown, i) => {
        const at = ["Data", "PodDeviceEntries", i];
        if (item === null) return; // Go leaves a zero entry, which matches no pod
        if (!isObject(item)) {
          wrong(at, "an object", item);
          return;
        }
        const text = (name: string) => {
          const value = field(item, name);
          if (value === undefined || value === null) return "";
          if (typeof value !== "string") wrong([...at, name], "a string", value);
          return typeof value === "string" ? value : "";
        };
        const allocResp = field(item, "AllocResp"); // []byte: base64 text
        if (allocResp !== undefined && allocResp !== null && typeof allocResp !== "string")
          wrong([...at, "AllocResp"], "a base64 string", allocResp);
        entries.push({
          podUID: text("PodUID"),
          containerName: text("ContainerName"),
          resourceName: text("ResourceName"),
          deviceIDs: deviceIDs(field(item, "DeviceIDs"), [...at, "DeviceIDs"], issues),
        });
      });
    } else if (list !== undefined && list !== null) wrong(["Data", "PodDeviceEntries"], "an array", list);

    const registered = field(data, "RegisteredDevices");
    if (isObject(registered)) {
      for (const [resource, ids] of Object.entries(registered)) {
        setOwn(registeredDevices, resource, strings(ids, ["Data", "RegisteredDevices", resource], issues));
      }
    } else if (registered !== undefined && registered !== null) wrong(["Data", "RegisteredDevices"], "an object", registered);
  }
  if (issues.length > 0) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the kubelet's device checkpoint ${path} does not have the device manager's format: ${describeIssues(issues)}`,
      { path, issues },
    );
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

// ---------------------------------------------------------------------------

/** The value Go's decoder would store in field `name` of a struct (the last matching key wins). */
function field(object: unknown, name: string): unknown {
  if (!isObject(object)) return undefined;
  const known = new Set([name, name.toLowerCase()]);
  let value: unknown;
  for (const key of Object.keys(object)) {
    if (goFieldMatch(key, known) !== undefined) value = (object as Json)[key];
  }
  return value;
}

/** `DeviceIDs`: `{ "<NUMA node>": [ids] }`, or the pre-1.20 `[ids]`. */
function deviceIDs(value: unknown, at: (string | number)[], issues: DeviceInfoIssue[]): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return strings(value, at, issues);
  if (!isObject(value)) {
    issues.push(makeIssue("error", "wrong_type", at, `expected an object of NUMA nodes or an array, got ${describeType(value)}`));
    return [];
  }
  const nodes: [number, string[]][] = [];
  for (const [node, ids] of Object.entries(value)) {
    // Go decodes the keys of a map[int64] with strconv.ParseInt.
    if (!/^[+-]?[0-9]{1,19}$/.test(node)) {
      issues.push(makeIssue("error", "wrong_type", [...at, node], `"${node}" is not a NUMA node number`));
      continue;
    }
    nodes.push([Number(node), strings(ids, [...at, node], issues)]);
  }
  return nodes.sort((a, b) => a[0] - b[0]).flatMap(([, ids]) => ids);
}

function strings(value: unknown, at: (string | number)[], issues: DeviceInfoIssue[]): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.push(makeIssue("error", "wrong_type", at, `expected an array of device IDs, got ${describeType(value)}`));
    return [];
  }
  const out: string[] = [];
  value.forEach((id: unknown, i) => {
    if (typeof id === "string") out.push(id);
    else if (id !== null) issues.push(makeIssue("error", "wrong_type", [...at, i], `expected a device ID string, got ${describeType(id)}`));
  });
  return out;
}
