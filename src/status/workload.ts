/**
 * The workload side (spec section 6): a pod reads its own network status,
 * and the device-info of each attachment, from a Downward API volume.
 */

import { byteCount, callback, checkOptionsWith, checkString, type OptionRules } from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { IssueCollector, reportWarnings } from "../base/issues.js";
import { checkWaitOptions, WAIT_OPTION_RULES, type WaitOptions, waitFor } from "../base/wait.js";
import { type MountedFile, readMountedFile } from "../files/_io.js";
import { decodeUtf8, readGoJson } from "../format/_go-text.js";
import { type InvalidKind, invalidDocument } from "../format/_invalid.js";
import { goFieldMatch } from "../format/fields.js";
import { VALIDATION_OPTION_RULES, type ValidationOptions } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { describeType, isObject, setOwn } from "../format/validate.js";
import { foldGoObject, GO_KUBEVIRT_NETWORK_INFO } from "./_go-decode.js";
import { type EntryField, walkFields } from "./_status-fields.js";
import { parseAnnotationsText } from "./downward-api.js";
import { NETWORK_STATUS_ANNOTATION, OLD_NETWORK_STATUS_ANNOTATION } from "./network-status.js";
import { parseStatusText } from "./parse-network-status.js";
import type { KubeVirtInterface, KubeVirtNetworkInfo, NetworkStatus } from "./schema.js";

/**
 * Where {@link readPodNetworkStatus} looks by default: the `annotations`
 * item of a Downward API volume mounted at `/etc/podnetinfo`, the layout the
 * SR-IOV Network Resources Injector adds to pods and DPDK applications
 * (app-netutil) read.
 */
export const DEFAULT_POD_ANNOTATIONS_PATH = "/etc/podnetinfo/annotations";
/** KubeVirt's annotation for the device-info of a VM's interfaces. */
export const KUBEVIRT_NETWORK_INFO_ANNOTATION = "kubevirt.io/network-info";
/** Where KubeVirt mounts it in the virt-launcher pod and binding-plugin sidecars. */
export const DEFAULT_KUBEVIRT_NETWORK_INFO_PATH = "/etc/podinfo/network-info";
/** Default cap on a Downward API file (Kubernetes caps all annotations together at 256 KiB; quoting can grow them). */
export const DEFAULT_DOWNWARD_API_MAX_BYTES = 4 * 1024 * 1024;

/** Options of {@link readPodNetworkStatus} and {@link readKubeVirtNetworkInfo}. */
export interface ReadPodNetworkStatusOptions extends ValidationOptions {
  /** Larger files are refused with `ERR_DEVINFO_TOO_LARGE`. Default 4 MiB ({@link DEFAULT_DOWNWARD_API_MAX_BYTES}). */
  maxBytes?: number | undefined;
}

/** The rule of each {@link ReadPodNetworkStatusOptions} option. @internal */
export const READ_POD_OPTION_RULES: OptionRules<ReadPodNetworkStatusOptions> = { ...VALIDATION_OPTION_RULES, maxBytes: byteCount };
const checkReadPodOptions = (o: ReadPodNetworkStatusOptions | undefined): ReadPodNetworkStatusOptions | undefined =>
  checkOptionsWith(o, READ_POD_OPTION_RULES);

/** Options of {@link waitForPodNetworkStatus}. */
export interface WaitForPodNetworkStatusOptions extends ReadPodNetworkStatusOptions, WaitOptions {
  /** How long to wait, in milliseconds, before failing. Required. */
  timeoutMs: number;
  /** How often to re-read the file, in milliseconds. Default 250. */
  intervalMs?: number | undefined;
  /**
   * Keep waiting until this returns `true` (e.g. until the attachment you
   * need has a device-info). Default: any network status at all.
   */
  until?: ((statuses: NetworkStatus[]) => boolean) | undefined;
  /** Stops waiting early; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
}

/** The rule of each {@link WaitForPodNetworkStatusOptions} option (the wait's own from `base/wait.ts`). @internal */
export const WAIT_POD_OPTION_RULES: OptionRules<WaitForPodNetworkStatusOptions> = {
  ...READ_POD_OPTION_RULES,
  ...WAIT_OPTION_RULES,
  until: callback,
};

const POD_ANNOTATIONS: MountedFile = {
  what: `the file inside the Downward API volume (e.g. ${DEFAULT_POD_ANNOTATIONS_PATH})`,
  missing: "mount a Downward API volume there (fieldPath metadata.annotations) or pass the path where it is mounted",
};

const KUBEVIRT_NETWORK_INFO: MountedFile = {
  what: `the file inside the Downward API volume (e.g. ${DEFAULT_KUBEVIRT_NETWORK_INFO_PATH})`,
  missing:
    `KubeVirt projects the ${KUBEVIRT_NETWORK_INFO_ANNOTATION} annotation there (fieldPath metadata.annotations['${KUBEVIRT_NETWORK_INFO_ANNOTATION}']) ` +
    "in the virt-launcher pod and its binding-plugin sidecars, for a VMI with an interface whose network binding plugin declares " +
    "downwardAPI: device-info; check the VMI's interfaces and that binding in the KubeVirt CR (spec.configuration.network.binding), " +
    "or pass the path where it is mounted",
};

/** A Downward API file's text (read through the kubelet's `..data` symlink), decoded as Go decodes it. */
async function readDownwardFile(path: string, maxBytes: number, file: MountedFile): Promise<string> {
  return decodeUtf8(await readMountedFile(path, maxBytes, file));
}

/**
 * The annotation's value in a Downward API file: the whole-map file
 * (`key="value"` lines), or a file that holds one annotation's raw value
 * (`fieldPath: metadata.annotations['<key>']`), told apart by `rawStart`.
 */
function annotationValue(text: string, path: string, keys: readonly string[], rawStart: string): string | undefined {
  const trimmed = text.trimStart();
  if (trimmed === "") return undefined; // an absent annotation projects as an empty file
  if (trimmed.startsWith(rawStart) || trimmed.startsWith("null")) return text;
  const map = parseAnnotationsText(text, path);
  for (const key of keys) if (Object.hasOwn(map, key)) return map[key];
  return undefined;
}

/**
 * Reads the pod's network status from a Downward API volume, for a workload
 * that needs to know its attachments (and their device-info).
 *
 * `path` is either the whole-map file of a `fieldPath: metadata.annotations`
 * item (the usual case; the `k8s.v1.cni.cncf.io/network-status` annotation
 * is taken from it, or the older `networks-status` one) or a file that holds
 * only the network-status value (`fieldPath:
 * metadata.annotations['k8s.v1.cni.cncf.io/network-status']`). The file is
 * read through symlinks (the kubelet updates the volume by swapping one).
 *
 * @param path - default {@link DEFAULT_POD_ANNOTATIONS_PATH} (`/etc/podnetinfo/annotations`)
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when the file does
 *   not exist or holds no network status (yet: Multus annotates the pod after
 *   it starts; see {@link waitForPodNetworkStatus}); `ERR_DEVINFO_PARSE` /
 *   `ERR_DEVINFO_INVALID` for a malformed file or annotation (with `path`,
 *   and `line` for the annotations file); `ERR_DEVINFO_TOO_LARGE`;
 *   `ERR_DEVINFO_UNSAFE_PATH` (a directory, FIFO, socket or device at the path); `ERR_DEVINFO_IO`.
 *
 * @example
 * ```ts
 * const statuses = await readPodNetworkStatus();
 * const info = deviceInfoFor(statuses, { interface: "net1" });
 * if (info?.type === "pci") bindToDpdk(info.pci["pci-address"]);
 * ```
 */
export async function readPodNetworkStatus(
  path: string = DEFAULT_POD_ANNOTATIONS_PATH,
  options: ReadPodNetworkStatusOptions = {},
): Promise<NetworkStatus[]> {
  checkString(path, "path");
  checkReadPodOptions(options);
  const statuses = await readStatusIfAnnotated(path, options);
  if (statuses === undefined) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `${noAnnotation(path)}: Multus adds it once the pod's networks are attached; wait for it with waitForPodNetworkStatus()`,
      {
        path,
      },
    );
  }
  return statuses;
}

/** The pod's network status, or `undefined` when the file holds no such annotation (yet). */
async function readStatusIfAnnotated(path: string, options: ReadPodNetworkStatusOptions): Promise<NetworkStatus[] | undefined> {
  const text = await readDownwardFile(path, options.maxBytes ?? DEFAULT_DOWNWARD_API_MAX_BYTES, POD_ANNOTATIONS);
  const value = annotationValue(text, path, [NETWORK_STATUS_ANNOTATION, OLD_NETWORK_STATUS_ANNOTATION], "[");
  return value === undefined ? undefined : parseStatusText(value, options, path);
}

function noAnnotation(path: string): string {
  return `${path} holds no ${NETWORK_STATUS_ANNOTATION} annotation (yet)`;
}

// What to check when waiting ran out, by what was still missing.
const KUBELET_DELAY = "the kubelet refreshes a Downward API volume up to its sync period (about a minute) after the annotation changes";
const WAIT_ADVICE = {
  file: `check that the pod mounts a Downward API volume there (fieldPath metadata.annotations) and pass the path where it is mounted; ${KUBELET_DELAY}`,
  annotation:
    `check that the pod has the annotation (kubectl get pod NAME -o jsonpath='{.metadata.annotations.k8s\\.v1\\.cni\\.cncf\\.io/network-status}'): ` +
    "if it does, the volume has not been refreshed yet (" +
    KUBELET_DELAY +
    "), so allow a longer timeout; if it does not, check that Multus (or the meta-plugin that writes it) runs on the node and that the pod asks for networks (k8s.v1.cni.cncf.io/networks)",
  until:
    "the entries never satisfied until(): check what it looks for against the annotation (kubectl get pod NAME -o yaml); an attachment has a device-info only when its CNI plugin or device plugin saved one for Multus to read",
} as const;

/**
 * Waits until the pod's network status is readable (and `until` accepts
 * it), re-reading the file every `intervalMs`: the annotation is written
 * after the pod starts, and the kubelet refreshes the volume some time after
 * that (up to its sync period, about a minute). Only absence is waited out
 * (no file, no annotation, `until` not yet satisfied): a malformed annotation
 * is reported at once, since the kubelet replaces the file atomically.
 *
 * @param path - default {@link DEFAULT_POD_ANNOTATIONS_PATH}
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when `timeoutMs`
 *   elapses (the message says what was missing, `cause` is the last read's
 *   error); any other error of {@link readPodNetworkStatus} at once; the
 *   signal's reason when aborted.
 *
 * @example
 * ```ts
 * const statuses = await waitForPodNetworkStatus(undefined, {
 *   timeoutMs: 120_000,
 *   until: (s) => deviceInfoFor(s, { interface: "net1" }) !== undefined,
 * });
 * ```
 */
export async function waitForPodNetworkStatus(
  path: string = DEFAULT_POD_ANNOTATIONS_PATH,
  options: WaitForPodNetworkStatusOptions,
): Promise<NetworkStatus[]> {
  checkString(path, "path");
  const { timeoutMs, until } = checkWaitOptions(options, WAIT_POD_OPTION_RULES);
  let last: DeviceInfoError;
  let missing: keyof typeof WAIT_ADVICE;
  const look = async (): Promise<{ value: NetworkStatus[] } | undefined> => {
    try {
      const statuses = await readStatusIfAnnotated(path, options);
      if (statuses === undefined) {
        missing = "annotation";
        last = new DeviceInfoError("ERR_DEVINFO_NOT_FOUND", noAnnotation(path), { path });
      } else if (until === undefined || until(statuses)) return { value: statuses };
      else {
        missing = "until";
        last = new DeviceInfoError("ERR_DEVINFO_NOT_FOUND", `${path}: the network status is there but the until() condition is not met`, {
          path,
        });
      }
    } catch (err) {
      // Only absence is worth waiting out: the kubelet replaces the file atomically,
      // so a malformed annotation stays malformed and is reported at once.
      if (!isDeviceInfoError(err) || err.code !== "ERR_DEVINFO_NOT_FOUND") throw err;
      missing = "file";
      last = err;
    }
    return undefined;
  };
  return waitFor(options, look, () => {
    // The last read's own advice ends in the file's hint; the advice here says what to check after waiting.
    const found = missing === "file" ? `${path} does not exist` : last.message;
    return new DeviceInfoError(
      last.code,
      `timed out after ${timeoutMs} ms waiting for the pod's network status: ${found}; ${WAIT_ADVICE[missing]}`,
      { path: last.path, issues: last.issues, errno: last.errno, line: last.line, cause: last },
    );
  });
}

/** Which attachment {@link deviceInfoFor} looks for. */
export interface AttachmentSelector {
  /**
   * The network's name: `namespace/name` as in the annotation, or just
   * `name` (matching it in any namespace).
   */
  network?: string | undefined;
  /** The interface in the pod, e.g. `net1`. */
  interface?: string | undefined;
}

/** The rule of each {@link AttachmentSelector} field (an options-like object; the statuses are data, checked as such). @internal */
export const ATTACHMENT_SELECTOR_OPTION_RULES: OptionRules<AttachmentSelector> = { network: checkString, interface: checkString };

function sameJson(a: unknown, b: unknown): boolean {
  // A caller's bigint (in an unknown key) compares by its digits instead of throwing a TypeError.
  const text = (v: unknown) => JSON.stringify(v, (_key, item) => (typeof item === "bigint" ? `${item}n` : item));
  return text(a) === text(b);
}

/**
 * The DeviceInfo of one attachment: the `device-info` of the entries that
 * match `network` and `interface` (each optional). Returns `undefined` when
 * no matching entry has a device-info.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` when several matching
 *   entries have different device-info (pass `interface` to pick one).
 *
 * @example
 * ```ts
 * deviceInfoFor(statuses, { network: "sriov-net1" }); // matches "default/sriov-net1"
 * deviceInfoFor(statuses, { interface: "net2" });
 * ```
 */
export function deviceInfoFor(statuses: readonly NetworkStatus[], selector: AttachmentSelector = {}): DeviceInfo | undefined {
  checkOptionsWith(selector, ATTACHMENT_SELECTOR_OPTION_RULES, "selector");
  if (!Array.isArray(statuses)) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the statuses must be an array (what readPodNetworkStatus returns), got ${describeType(statuses)}`,
    );
  }
  const { network, interface: ifName } = selector ?? {};
  const networkMatches = (name: string) =>
    network === undefined || name === network || (!network.includes("/") && name.endsWith(`/${network}`));
  const found = statuses.filter(
    (s) =>
      isObject(s) &&
      networkMatches(typeof s.name === "string" ? s.name : "") &&
      (ifName === undefined || s.interface === ifName) &&
      isObject(s["device-info"]),
  );
  const first = found[0];
  if (first === undefined) return undefined;
  if (found.some((s) => !sameJson(s["device-info"], first["device-info"]))) {
    const which = found.map((s) => `${JSON.stringify(s.name)}@${JSON.stringify(s.interface ?? "")}`).join(", ");
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `several attachments match ${JSON.stringify(selector)} with different device-info (${which}); pass { network, interface } to pick one`,
    );
  }
  return first["device-info"];
}

/**
 * Reads KubeVirt's `kubevirt.io/network-info` document (the device-info
 * KubeVirt distils from the network status for a VM's interfaces) from the
 * Downward API file it projects into the virt-launcher pod and binding-plugin
 * sidecars. The file may also be a whole-map annotations file.
 *
 * Each interface's `deviceInfo` is read like a device-info file (lenient:
 * deviations are warnings); unknown keys are kept; a missing or `null`
 * `interfaces` (Go's nil slice) reads as `[]` (a warning; an error with
 * `strict: true`).
 *
 * @param path - default {@link DEFAULT_KUBEVIRT_NETWORK_INFO_PATH} (`/etc/podinfo/network-info`)
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_NOT_FOUND` when the file does
 *   not exist or is empty (the annotation is not there yet),
 *   `ERR_DEVINFO_PARSE` / `ERR_DEVINFO_INVALID` for malformed content.
 *
 * @example
 * ```ts
 * const { interfaces } = await readKubeVirtNetworkInfo();
 * const socket = interfaces.find((i) => i.network === "vhost-net")?.deviceInfo;
 * ```
 */
export async function readKubeVirtNetworkInfo(
  path: string = DEFAULT_KUBEVIRT_NETWORK_INFO_PATH,
  options: ReadPodNetworkStatusOptions = {},
): Promise<KubeVirtNetworkInfo> {
  checkString(path, "path");
  checkReadPodOptions(options);
  const text = await readDownwardFile(path, options.maxBytes ?? DEFAULT_DOWNWARD_API_MAX_BYTES, KUBEVIRT_NETWORK_INFO);
  const value = annotationValue(text, path, [KUBEVIRT_NETWORK_INFO_ANNOTATION], "{");
  if (value === undefined) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `${path} holds no ${KUBEVIRT_NETWORK_INFO_ANNOTATION} document (yet): KubeVirt writes it once the virt-launcher pod's networks are attached, ` +
        "for a VMI with an interface whose network binding plugin declares downwardAPI: device-info; check that, then read again",
      { path },
    );
  }
  const doc = readGoJson(value, {
    what: "the network-info",
    hint: 'it must look like {"interfaces":[{"network":"net1","deviceInfo":{...}}]}',
    file: path,
  });
  return checkNetworkInfo(doc, path, options);
}

const INTERFACES_KEY: ReadonlySet<string> = new Set(["interfaces"]);

const KUBEVIRT_TYPES = 'what KubeVirt writes, {"interfaces":[{"network":"net1","deviceInfo":{...}}]} with Go\'s types';
/** KubeVirt's network-info, for the words of its "invalid" errors. */
const KUBEVIRT_NETWORK_INFO_KIND: InvalidKind = {
  what: "network-info",
  fixTypes: 'KubeVirt writes {"interfaces":[{"network":"net1","deviceInfo":{...}}]} with Go\'s types: check what wrote this file',
  mustBe: `the file must be ${KUBEVIRT_TYPES}.`,
};

/**
 * One interface of KubeVirt's network-info (`KubeVirtInterfaceSchema`),
 * checked by the network-status entry's rules.
 *
 * @internal
 */
export const KUBEVIRT_INTERFACE_FIELDS: readonly EntryField[] = [
  { key: "network", type: "string", required: "error" },
  { key: "deviceInfo", type: "device-info" },
  { key: "mac", type: "string" },
  { key: "mtu", type: "int", safeInteger: true },
];

/**
 * Checks a parsed network-info document; lenient unless `strict` (then a
 * missing or null `interfaces` and null fields are errors, as in the schema).
 *
 * @internal
 */
export function checkNetworkInfo(doc: unknown, path: string | undefined, options: ValidationOptions): KubeVirtNetworkInfo {
  const strict = options.strict === true;
  const issues = new IssueCollector(strict);
  const { errors, warnings } = issues;
  const error = issues.error.bind(issues);
  const deviation = issues.deviation.bind(issues);
  // Keys are matched as Go's decoder (KubeVirt's binding plugins) matches them; empty values are kept as written.
  const walk = { sink: issues, mode: "read", omitEmpty: false } as const;
  const interfaces: KubeVirtInterface[] = [];
  const out: Record<string, unknown> = {};
  if (!isObject(doc)) {
    error("not_object", [], `the network-info must be a JSON object, got ${describeType(doc)}`);
  } else {
    // Keys named twice ("interfaces", "Interfaces") decoded as Go decodes them: slices element by element, objects merged.
    const decoded = foldGoObject(doc, GO_KUBEVIRT_NETWORK_INFO, [], issues);
    const key = Object.keys(decoded).find((k) => goFieldMatch(k, INTERFACES_KEY) !== undefined) ?? "interfaces";
    if (key !== "interfaces") {
      deviation("key_case", [key], `key "${key}" is read as "interfaces" by Go's case-insensitive decoder; write "interfaces"`);
    }
    const list = decoded[key];
    if (list === undefined) deviation("missing_field", [key], `"interfaces" is missing; read as []`);
    else if (list === null) deviation("null_field", [key], `"interfaces" is null (Go's nil slice); read as []`);
    else if (!Array.isArray(list)) error("wrong_type", [key], `"interfaces" must be an array, got ${describeType(list)}`);
    (Array.isArray(list) ? list : []).forEach((raw: unknown, i) => {
      // A null element of Go's []Interface is a zero Interface, without the network KubeVirt always writes.
      if (!isObject(raw)) error("not_object", [key, i], `an interface must be an object, got ${describeType(raw)}`);
      else interfaces.push(walkFields(raw, KUBEVIRT_INTERFACE_FIELDS, [key, i], walk) as KubeVirtInterface);
    });
    out.interfaces = interfaces;
    for (const k of Object.keys(decoded)) if (k !== key) setOwn(out, k, decoded[k]);
  }
  if (errors.length > 0) throw invalidDocument(KUBEVIRT_NETWORK_INFO_KIND, errors, { action: "read", path, strict: options.strict });
  reportWarnings(warnings, options.onWarning);
  return out as KubeVirtNetworkInfo;
}
