/**
 * What a file name in `<base>/dp` or `<base>/cni` says about its owner: the
 * resource and device of a device plugin file, the container of a CNI file,
 * the writer of a temporary or lock file. Pure functions, no I/O.
 */

import { LOCK_FILE_PREFIX, TEMP_FILE_PREFIX } from "../files/_io.js";
import { PCI_ADDRESS_PATTERN } from "../format/fields.js";

/** What kind of name an entry has. */
export type NameKind = "temp" | "lock" | "device-info" | "other";

/** Device plugin files end with this (spec 4.1). */
export const DP_SUFFIX = "-device.json";

/** Classifies a directory entry's name; `dir` is `dp` or `cni`. */
export function classifyName(dir: "dp" | "cni", name: string): NameKind {
  if (name.startsWith(TEMP_FILE_PREFIX)) return "temp";
  if (name.startsWith(LOCK_FILE_PREFIX)) return "lock";
  if (dir === "cni") return "device-info";
  return name.endsWith(DP_SUFFIX) && name.length > DP_SUFFIX.length ? "device-info" : "other";
}

/** The pid a temporary file's name records (`.devinfo-tmp-<pid>-<random>`), if any. */
export function tempFilePid(name: string): number | undefined {
  const match = /^(\d{1,10})-/.exec(name.slice(TEMP_FILE_PREFIX.length));
  return match?.[1] === undefined ? undefined : pidOf(match[1]);
}

/** The pid written in a lock file (`<pid>\n`), if it holds one. */
export function lockFilePid(content: string): number | undefined {
  const match = /^\s*(\d{1,10})\s*$/.exec(content);
  return match?.[1] === undefined ? undefined : pidOf(match[1]);
}

function pidOf(digits: string): number | undefined {
  const pid = Number(digits);
  return pid > 0 && pid <= 0x3fffffff ? pid : undefined;
}

const PCI_SUFFIX = new RegExp(`^(.+)-(${PCI_ADDRESS_PATTERN.source.slice(1, -1)})$`);

/**
 * Splits `<resource>-<device>-device.json` back into its parts. The spec
 * joins them with `-` after replacing `/` by `-`, so the split is only sure
 * when the device ID is recognisable: a PCI address (what SR-IOV device
 * plugins use), or a value the caller read from the file (`hints`).
 */
export function splitDPName(name: string, hints: readonly string[] = []): { resource: string; device: string } | undefined {
  if (!name.endsWith(DP_SUFFIX)) return undefined;
  const stem = name.slice(0, -DP_SUFFIX.length);
  const pci = PCI_SUFFIX.exec(stem);
  if (pci?.[1] !== undefined && pci[2] !== undefined) return { resource: pci[1], device: pci[2] };
  for (const hint of hints) {
    const device = hint.replaceAll("/", "-");
    if (device !== "" && stem.length > device.length + 1 && stem.endsWith(`-${device}`)) {
      return { resource: stem.slice(0, -device.length - 1), device };
    }
  }
  return undefined;
}

/**
 * Every substring of a CNI file name that could be the container ID in a
 * Multus name, `<network>-<containerID>_<ifName>`: the text between any `-`
 * and any later `_`. Network and interface names may themselves hold `-` and
 * `_`, so the name alone does not say which pair is right; checking all of
 * them against the live set does (a few dozen lookups per name).
 */
export function* containerIDCandidates(name: string): Generator<string> {
  for (let dash = name.indexOf("-"); dash !== -1; dash = name.indexOf("-", dash + 1)) {
    for (let under = name.indexOf("_", dash + 2); under !== -1; under = name.indexOf("_", under + 1)) {
      yield name.slice(dash + 1, under);
    }
  }
}

const MULTUS_NAME = /^(.+)-([0-9a-f]{64})_(.+)$/;

/** The parts of a Multus-style CNI file name, when the container ID is a 64-digit hex ID (containerd, CRI-O). */
export function parseCNIName(name: string): { network: string; containerID: string; interface: string } | undefined {
  const match = MULTUS_NAME.exec(name);
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) return undefined;
  return { network: match[1], containerID: match[2], interface: match[3] };
}

/**
 * Looks for a live container in a CNI file name. `undefined`: no part of the
 * name is shaped like `-<id>_`, so the name says nothing about its owner.
 */
export function findLiveContainer(name: string, live: ReadonlySet<string>): { live: boolean; containerID?: string } | undefined {
  let shaped = false;
  for (const candidate of containerIDCandidates(name)) {
    shaped = true;
    if (live.has(candidate)) return { live: true, containerID: candidate };
  }
  if (!shaped) return undefined;
  const parsed = parseCNIName(name);
  return parsed === undefined ? { live: false } : { live: false, containerID: parsed.containerID };
}

/** A container ID as the CNI spec allows it: alphanumeric first, then alphanumerics, `_`, `.`, `-`. */
export const CONTAINER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Parses a list of live container IDs: tokens separated by white space or
 * commas, `#` starts a comment. This reads `crictl pods -q` output as is.
 */
export function parseContainerList(text: string): { ids: Set<string>; bad: string[] } {
  const ids = new Set<string>();
  const bad: string[] = [];
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/#.*/, "");
    for (const token of line.split(/[\s,]+/)) {
      if (token === "") continue;
      if (CONTAINER_ID_PATTERN.test(token)) ids.add(token);
      else bad.push(token);
    }
  }
  return { ids, bad };
}

/** Live devices: bare device IDs, and (resource, device) pairs. */
export interface DeviceList {
  /** Device IDs given without a resource, `/` already replaced by `-`. */
  readonly devices: ReadonlySet<string>;
  /** Exact file names built from `<resource> <device>` lines. */
  readonly files: ReadonlySet<string>;
  /** The resources named by `<resource> <device>` lines, as written: the resources the list speaks for. */
  readonly resources: ReadonlySet<string>;
  readonly size: number;
}

/**
 * Parses a list of live devices: one per line, either `<deviceID>` or
 * `<resourceName> <deviceID>`; `#` starts a comment.
 */
export function parseDeviceList(text: string): { list: DeviceList; bad: string[] } {
  const devices = new Set<string>();
  const files = new Set<string>();
  const resources = new Set<string>();
  const bad: string[] = [];
  for (const rawLine of text.split("\n")) {
    const fields = rawLine
      .replace(/#.*/, "")
      .trim()
      .split(/\s+/)
      .filter((f) => f !== "");
    if (fields.length === 1 && fields[0] !== undefined) devices.add(fields[0].replaceAll("/", "-"));
    else if (fields.length === 2 && fields[0] !== undefined && fields[1] !== undefined) {
      files.add(`${fields[0].replaceAll("/", "-")}-${fields[1].replaceAll("/", "-")}${DP_SUFFIX}`);
      resources.add(fields[0]);
    } else if (fields.length > 2) bad.push(rawLine.trim());
  }
  return { list: { devices, files, resources, size: devices.size + files.size }, bad };
}

/** Whether a device plugin file belongs to a live device of the list. */
export function isLiveDevice(name: string, list: DeviceList): boolean {
  if (list.files.has(name)) return true;
  if (!name.endsWith(DP_SUFFIX)) return false;
  const stem = name.slice(0, -DP_SUFFIX.length);
  for (let dash = stem.indexOf("-"); dash !== -1; dash = stem.indexOf("-", dash + 1)) {
    if (list.devices.has(stem.slice(dash + 1))) return true;
  }
  return false;
}

/**
 * Whether a device plugin file surely belongs to one of the resources. The
 * name alone is ambiguous (`intel.com/sriov` + `dpdk-0000:af:06.0` and
 * `intel.com/sriov-dpdk` + `0000:af:06.0` give the same file), so a file is
 * claimed only when what follows the resource is a PCI address or holds no
 * `-`: gc then never removes another resource's files; a device ID with a
 * `-` is left alone (kept), which is the safe side.
 */
export function matchesResource(name: string, resources: readonly string[]): boolean {
  if (!name.endsWith(DP_SUFFIX)) return false;
  return resources.some((r) => {
    const prefix = `${r.replaceAll("/", "-")}-`;
    if (!name.startsWith(prefix)) return false;
    const device = name.slice(prefix.length, -DP_SUFFIX.length);
    return device !== "" && (PCI_ADDRESS_PATTERN.test(device) || !device.includes("-"));
  });
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses a duration the way kubectl does (Go's `time.ParseDuration`), plus
 * `d` for days: `0s`, `90s`, `10m`, `1h30m`, `500ms`, `7d`. A bare `0` is
 * accepted; other bare numbers are refused (seconds or minutes?).
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * (UNITS[match[2] ?? ""] ?? Number.NaN);
  }
  return Number.isFinite(total) ? total : undefined;
}
