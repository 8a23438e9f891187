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

/** The ID shape of CRI runtimes (containerd, CRI-O, cri-dockerd): lower-case hexadecimal, of any length. */
const HEX_ID = /^[0-9a-f]+$/;

/**
 * The fewest hex digits {@link parseCNIName} takes for a container ID: docker's
 * short IDs have 12; fewer would read words of a network or interface name
 * (`a`, `beef`) as IDs. (Matching a live list needs no such limit: every
 * `-<id>_` part is tried, {@link findLiveContainer}.)
 */
export const MIN_PARSED_ID = 12;

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

/**
 * The parts of a Multus-style CNI file name, `<network>-<containerID>_<ifName>`,
 * when its container ID is hexadecimal (as CRI runtimes make them: 64 digits
 * for containerd and CRI-O, 12 in docker's short form and the README's
 * examples) of at least {@link MIN_PARSED_ID} digits. Network and interface
 * names may hold `-`, `_` and short hex words (`a`, `cafe`), so of every
 * `-<hex>_` in the name the longest is the ID (the first of equals). The one
 * parser of such names: `ls` shows its parts, `gc` names the container it
 * judged by it, and the live-list checks compare tokens with its IDs.
 */
export function parseCNIName(name: string): { network: string; containerID: string; interface: string } | undefined {
  let best: { dash: number; end: number } | undefined;
  for (let dash = name.indexOf("-", 1); dash !== -1; dash = name.indexOf("-", dash + 1)) {
    const under = name.indexOf("_", dash + 2);
    if (under === -1 || under === name.length - 1) break;
    if (under - dash - 1 < MIN_PARSED_ID || !HEX_ID.test(name.slice(dash + 1, under))) continue;
    if (best === undefined || under - dash > best.end - best.dash) best = { dash, end: under };
  }
  if (best === undefined) return undefined;
  return { network: name.slice(0, best.dash), containerID: name.slice(best.dash + 1, best.end), interface: name.slice(best.end + 1) };
}

/** The sorted IDs of each live set, for {@link findLiveContainer}'s prefix lookups (computed once per set). */
const sortedLive = new WeakMap<ReadonlySet<string>, readonly string[]>();

/**
 * Looks for a live container in a CNI file name. `undefined`: no part of the
 * name is shaped like `-<id>_`, so the name says nothing about its owner. A
 * hexadecimal part of at least {@link MIN_PARSED_ID} digits that is the start
 * of a listed ID (a name written with a shortened ID) counts as live: which
 * container it means is ambiguous, and an ambiguous file is never judged gone.
 */
export function findLiveContainer(name: string, live: ReadonlySet<string>): { live: boolean; containerID?: string } | undefined {
  let shaped = false;
  let sorted = sortedLive.get(live);
  for (const candidate of containerIDCandidates(name)) {
    shaped = true;
    if (live.has(candidate)) return { live: true, containerID: candidate };
    if (candidate.length < MIN_PARSED_ID || !HEX_ID.test(candidate)) continue;
    if (sorted === undefined) {
      sorted = [...live].sort();
      sortedLive.set(live, sorted);
    }
    if (longerIDWithPrefix(candidate, sorted) !== undefined) return { live: true, containerID: candidate };
  }
  if (!shaped) return undefined;
  const parsed = parseCNIName(name);
  return parsed === undefined ? { live: false } : { live: false, containerID: parsed.containerID };
}

/** A container ID as the CNI spec allows it: alphanumeric first, then alphanumerics, `_`, `.`, `-`. */
export const CONTAINER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** One token of a list, with the line it came from (1-based) for messages. */
export interface ListToken {
  readonly token: string;
  readonly line: number;
  /** The whole line, trimmed. */
  readonly text: string;
}

/**
 * Splits a list into tokens: separated by white space or commas, `#` starts
 * a comment. This reads `crictl pods -q` output as is; what each token must
 * look like is {@link checkContainerTokens}'s business.
 */
export function listTokens(text: string): ListToken[] {
  const tokens: ListToken[] = [];
  text.split("\n").forEach((rawLine, i) => {
    const line = rawLine.replace(/#.*/, "");
    for (const token of line.split(/[\s,]+/)) if (token !== "") tokens.push({ token, line: i + 1, text: rawLine.trim() });
  });
  return tokens;
}

/** What the CNI file names say, for checking a container list: the IDs {@link parseCNIName} finds, sorted, and every ID-shaped part. */
export interface CNINameIDs {
  /** The container IDs of the names {@link parseCNIName} splits, sorted, without duplicates. */
  readonly ids: readonly string[];
  /** Every `-<id>_` candidate of every name (what {@link findLiveContainer} matches). */
  readonly candidates: ReadonlySet<string>;
  /** Per parsed ID, one file name holding it (for messages). */
  readonly example: ReadonlyMap<string, string>;
}

/** Collects {@link CNINameIDs} from CNI file names. */
export function cniNameIDs(names: Iterable<string>): CNINameIDs {
  const example = new Map<string, string>();
  const candidates = new Set<string>();
  for (const name of names) {
    const parsed = parseCNIName(name);
    if (parsed !== undefined && !example.has(parsed.containerID)) example.set(parsed.containerID, name);
    for (const candidate of containerIDCandidates(name)) candidates.add(candidate);
  }
  return { ids: [...example.keys()].sort(), candidates, example };
}

/** The first ID of the sorted `ids` that `token` is a strict prefix of, if any (binary search). */
export function longerIDWithPrefix(token: string, ids: readonly string[]): string | undefined {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) < token) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < ids.length && (ids[i] as string).startsWith(token); i++) if (ids[i] !== token) return ids[i];
  return undefined;
}

/** Why a token of a container list proves nothing, or `undefined` when it is a container ID. */
export type TokenProblem = { readonly kind: "not-an-id" } | { readonly kind: "truncated"; readonly of: string };

/**
 * Judges one token of a container list against the CNI file names: a pod
 * sandbox ID is a CNI container ID that is lower-case hexadecimal (as CRI
 * runtimes make them) or that a CNI file name holds exactly; a header word,
 * a table cell or JSON is not. A token that is a strict prefix of an ID in a
 * file name is a shortened ID (`crictl pods` prints 13 characters): it would
 * match no file and so prove its pod gone; so it is even when another file
 * name holds it whole.
 */
export function judgeContainerToken(token: string, names: CNINameIDs): TokenProblem | undefined {
  if (!CONTAINER_ID_PATTERN.test(token)) return { kind: "not-an-id" };
  // The start of an ID in a name is a shortened ID even when another name holds it whole: which pod it means is ambiguous.
  const longer = HEX_ID.test(token) ? longerIDWithPrefix(token, names.ids) : undefined;
  if (longer !== undefined) return { kind: "truncated", of: longer };
  if (names.candidates.has(token) || HEX_ID.test(token)) return undefined;
  return { kind: "not-an-id" };
}

/**
 * Parses a list of live container IDs: tokens separated by white space or
 * commas, `#` starts a comment. Kept for callers without file names to
 * compare with; the CLI checks each token with {@link judgeContainerToken}.
 */
export function parseContainerList(text: string): { ids: Set<string>; bad: string[] } {
  const ids = new Set<string>();
  const bad: string[] = [];
  for (const { token } of listTokens(text)) {
    if (CONTAINER_ID_PATTERN.test(token)) ids.add(token);
    else bad.push(token);
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
 * `<resourceName> <deviceID>`; `#` starts a comment. `bad` holds the lines
 * of more than two fields. What each field must look like is
 * {@link judgeDeviceLine}'s business.
 */
export function parseDeviceList(text: string): { list: DeviceList; bad: string[]; lines: DeviceLine[] } {
  const devices = new Set<string>();
  const files = new Set<string>();
  const resources = new Set<string>();
  const bad: string[] = [];
  const lines: DeviceLine[] = [];
  text.split("\n").forEach((rawLine, i) => {
    const fields = rawLine
      .replace(/#.*/, "")
      .trim()
      .split(/\s+/)
      .filter((f) => f !== "");
    if (fields.length === 1 && fields[0] !== undefined) {
      devices.add(fields[0].replaceAll("/", "-"));
      lines.push({ device: fields[0], line: i + 1, text: rawLine.trim() });
    } else if (fields.length === 2 && fields[0] !== undefined && fields[1] !== undefined) {
      files.add(`${fields[0].replaceAll("/", "-")}-${fields[1].replaceAll("/", "-")}${DP_SUFFIX}`);
      resources.add(fields[0]);
      lines.push({ resource: fields[0], device: fields[1], line: i + 1, text: rawLine.trim() });
    } else if (fields.length > 2) {
      bad.push(rawLine.trim());
      lines.push({ device: "", line: i + 1, text: rawLine.trim(), fields: fields.length });
    }
  });
  return { list: { devices, files, resources, size: devices.size + files.size }, bad, lines };
}

/** One line of a live-device list, for the checks and their messages. */
export interface DeviceLine {
  readonly resource?: string;
  readonly device: string;
  /** 1-based. */
  readonly line: number;
  readonly text: string;
  /** Set for a line of more than two fields. */
  readonly fields?: number;
}

/** An extended resource name as Kubernetes allows it for device plugins: `<domain>/<name>`, e.g. `intel.com/sriov`. */
export const RESOURCE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A device ID that can name a device plugin file: alphanumeric first, then no white space, quotes, brackets, braces or commas. */
const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@+=~/-]*$/;
/** Looks like a PCI address but is not the canonical `dddd:bb:dd.f` (no domain, upper case, `:` before the function). */
const PCI_LIKE = /^(?:[0-9a-f]{1,4}:)?[0-9a-f]{1,2}:[0-9a-f]{1,2}[.:][0-9a-f]$/i;
/** A PCI address as the kernel names it under /sys/bus/pci/devices. */
const CANONICAL_PCI = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;

/** What the device plugin file names say, for checking a device list. */
export interface DPNameIDs {
  /** Every part of every name after a `-` (with {@link DP_SUFFIX} cut): what {@link isLiveDevice} matches. */
  readonly tails: ReadonlySet<string>;
  /** The PCI addresses the names end with, sorted. */
  readonly pci: readonly string[];
}

/** Collects {@link DPNameIDs} from device plugin file names. */
export function dpNameIDs(names: Iterable<string>): DPNameIDs {
  const tails = new Set<string>();
  const pci = new Set<string>();
  for (const name of names) {
    if (!name.endsWith(DP_SUFFIX)) continue;
    const stem = name.slice(0, -DP_SUFFIX.length);
    for (let dash = stem.indexOf("-"); dash !== -1; dash = stem.indexOf("-", dash + 1)) tails.add(stem.slice(dash + 1));
    const match = PCI_SUFFIX.exec(stem);
    if (match?.[2] !== undefined) pci.add(match[2]);
  }
  return { tails, pci: [...pci].sort() };
}

/**
 * Why a line of a live-device list proves nothing, or `undefined` when its
 * fields are a resource name and a device ID: a header (`RESOURCE DEVICE`),
 * JSON or a table row is not; nor a PCI address that is not the canonical
 * `dddd:bb:dd.f` (`lspci` without `-D` drops the domain) unless a file is
 * named with it; nor the start of a PCI address a file is named with (a
 * shortened one).
 */
export function judgeDeviceLine(line: DeviceLine, names: DPNameIDs): string | undefined {
  if (line.fields !== undefined) return `${line.fields} fields, where a line is "<deviceID>" or "<resourceName> <deviceID>"`;
  if (line.resource !== undefined && !RESOURCE_NAME_PATTERN.test(line.resource)) {
    return `${JSON.stringify(line.resource)} is not a resource name (<domain>/<name>, e.g. intel.com/sriov)`;
  }
  const device = line.device;
  const flat = device.replaceAll("/", "-");
  if (!DEVICE_ID_PATTERN.test(device)) return `${JSON.stringify(device)} is not a device ID`;
  if (names.tails.has(flat)) return undefined;
  if (PCI_LIKE.test(device) && !CANONICAL_PCI.test(device)) {
    return `${JSON.stringify(device)} is not a full PCI address (dddd:bb:dd.f, lower case, with its domain)`;
  }
  const longer = longerIDWithPrefix(flat, names.pci);
  if (longer !== undefined) return `${JSON.stringify(device)} is the start of the PCI address ${longer}, a shortened one`;
  return undefined;
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
