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
import { type DeviceInfoIssue, describeIssues, makeIssue } from "../base/issues.js";
import { readRegularFile } from "../files/_io.js";
import { readGoJson } from "../format/_go-text.js";
import { goFieldMatch } from "../format/fields.js";
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

type Path = (string | number)[];

/**
 * The shapes of the device manager's checkpoint structs, as Go's
 * encoding/json decodes into them (`checkpoint.Data` in
 * `k8s.io/kubernetes/pkg/kubelet/cm/devicemanager/checkpoint`).
 */
type Shape =
  | { kind: "string" } // string, and []byte (base64 text)
  | { kind: "struct"; fields: Readonly<Record<string, Shape>> }
  | { kind: "map"; key: "string" | "int64"; value: Shape }
  | { kind: "slice"; element: Shape }
  // DeviceIDs: map[int64][]string since 1.20, []string before; both read.
  | { kind: "numaDevices" };

const STRING: Shape = { kind: "string" };
const STRINGS: Shape = { kind: "slice", element: STRING };
const CHECKPOINT_SHAPE: Shape = {
  kind: "struct",
  fields: {
    Data: {
      kind: "struct",
      fields: {
        PodDeviceEntries: {
          kind: "slice",
          element: {
            kind: "struct",
            fields: { PodUID: STRING, ContainerName: STRING, ResourceName: STRING, DeviceIDs: { kind: "numaDevices" }, AllocResp: STRING },
          },
        },
        RegisteredDevices: { kind: "map", key: "string", value: STRINGS },
      },
    },
  },
};

/** A decoded Go slice: its elements up to its length, and the stale ones past it that a later decode reuses. */
interface GoSlice {
  readonly backing: unknown[];
  length: number;
}

/** A decoded Go struct: its fields by their Go names. */
type GoStruct = Map<string, unknown>;

/** A decoded Go map, keys in the order set. */
type GoMap = Map<string, unknown>;

/**
 * Decodes `value` into `existing` of `shape` as Go's encoding/json does
 * (`decode.go`): a struct field is matched exactly, else case-insensitively,
 * and each matching key is decoded in turn into the field as it stands, so
 * the last one wins, except that `null` leaves a string or struct field
 * unchanged and empties a map or slice; an object is decoded into an existing
 * struct or map (merged); an array into an existing slice reuses its elements
 * (a struct element is merged). Returns the new value; a value of the wrong
 * type is an issue and leaves `existing`.
 */
function decodeGo(shape: Shape, value: unknown, existing: unknown, at: Path, issues: DeviceInfoIssue[]): unknown {
  const wrong = (expected: string) => {
    issues.push(makeIssue("error", "wrong_type", at, `expected ${expected}, got ${describeType(value)}`));
    return existing;
  };
  if (value === null) return shape.kind === "string" || shape.kind === "struct" ? existing : undefined;
  switch (shape.kind) {
    case "string":
      return typeof value === "string" ? value : wrong("a string");
    case "struct": {
      if (!isObject(value)) return wrong("an object");
      const struct: GoStruct = existing instanceof Map ? existing : new Map();
      const names = new Map<string, string>();
      for (const name of Object.keys(shape.fields)) {
        names.set(name, name);
        names.set(name.toLowerCase(), name);
      }
      for (const key of Object.keys(value)) {
        const name = goFieldMatch(key, names);
        const field = name === undefined ? undefined : names.get(name);
        if (field === undefined) continue; // unknown keys are ignored, as Go ignores them
        struct.set(field, decodeGo(shape.fields[field] as Shape, value[key], struct.get(field), [...at, key], issues));
      }
      return struct;
    }
    case "map": {
      if (!isObject(value)) return wrong("an object");
      const map: GoMap = existing instanceof Map ? existing : new Map();
      for (const key of Object.keys(value)) {
        const id = shape.key === "int64" ? int64Key(key) : key;
        if (id === undefined) {
          issues.push(makeIssue("error", "wrong_type", [...at, key], `"${key}" is not a NUMA node number`));
          continue;
        }
        // Go decodes each map value into a fresh zero value, then sets it (the last equal key wins).
        map.set(id, decodeGo(shape.value, value[key], undefined, [...at, key], issues));
      }
      return map;
    }
    case "slice": {
      if (!Array.isArray(value)) return wrong("an array");
      if (value.length === 0) return { backing: [], length: 0 } satisfies GoSlice;
      const slice: GoSlice = isGoSlice(existing) ? existing : { backing: [], length: 0 };
      value.forEach((item: unknown, i) => {
        slice.backing[i] = decodeGo(shape.element, item, slice.backing[i], [...at, i], issues);
      });
      slice.length = value.length;
      return slice;
    }
    case "numaDevices": {
      if (Array.isArray(value)) return decodeGo(STRINGS, value, isGoSlice(existing) ? existing : undefined, at, issues);
      if (!isObject(value)) {
        issues.push(makeIssue("error", "wrong_type", at, `expected an object of NUMA nodes or an array, got ${describeType(value)}`));
        return existing;
      }
      return decodeGo({ kind: "map", key: "int64", value: STRINGS }, value, existing instanceof Map ? existing : undefined, at, issues);
    }
  }
}

function isGoSlice(value: unknown): value is GoSlice {
  return typeof value === "object" && value !== null && Array.isArray((value as GoSlice).backing);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A map[int64] key as Go's `strconv.ParseInt(key, 10, 64)` reads it, in canonical form; `undefined` if it fails. */
function int64Key(key: string): string | undefined {
  if (!/^[+-]?[0-9]+$/.test(key)) return undefined;
  const n = BigInt(key);
  return n < INT64_MIN || n > INT64_MAX ? undefined : String(n);
}

/** A decoded slice's elements (nil: none). */
function elements(value: unknown): unknown[] {
  return isGoSlice(value) ? value.backing.slice(0, value.length) : [];
}

/**
 * Device IDs of a decoded `[]string`, or of a `map[int64][]string` with the
 * NUMA nodes in ascending order. An element decoded from `null` is `""` for
 * Go (or a reused one); an empty ID names no device and is left out.
 */
function deviceIDList(value: unknown): string[] {
  const lists =
    value instanceof Map
      ? [...value].sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1)).map(([, ids]) => elements(ids))
      : [elements(value)];
  return lists.flat().filter((id): id is string => typeof id === "string" && id !== "");
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
  const issues: DeviceInfoIssue[] = [];
  if (!isObject(doc)) issues.push(makeIssue("error", "wrong_type", [], `expected an object, got ${describeType(doc)}`));
  else if (!Object.keys(doc).some((key) => goFieldMatch(key, new Set(["Data", "data"])) !== undefined)) {
    issues.push(makeIssue("error", "missing_field", ["Data"], `the checkpoint has no "Data"`));
  }
  const decoded = issues.length > 0 ? undefined : (decodeGo(CHECKPOINT_SHAPE, doc, undefined, [], issues) as GoStruct);
  if (issues.length > 0) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the kubelet's device checkpoint ${path} does not have the device manager's format: ${describeIssues(issues)}`,
      { path, issues },
    );
  }
  const data = decoded?.get("Data") as GoStruct | undefined;
  const entries: CheckpointEntry[] = [];
  for (const item of elements(data?.get("PodDeviceEntries"))) {
    const entry = (item ?? new Map()) as GoStruct;
    const text = (name: string) => (entry.get(name) as string | undefined) ?? "";
    // A zero entry (from null or {}) matches no pod.
    if (text("PodUID") === "") continue;
    entries.push({
      podUID: text("PodUID"),
      containerName: text("ContainerName"),
      resourceName: text("ResourceName"),
      deviceIDs: deviceIDList(entry.get("DeviceIDs")),
    });
  }
  const registeredDevices: Record<string, string[]> = {};
  const registered = data?.get("RegisteredDevices");
  if (registered instanceof Map) {
    for (const [resource, ids] of registered as GoMap) setOwn(registeredDevices, resource, deviceIDList(ids));
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
