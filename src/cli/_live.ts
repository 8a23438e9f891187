/**
 * Deciding whether a file is orphaned, shared by `ls` (which shows the
 * verdict) and `gc` (which acts on it), so that `ls` previews `gc` exactly.
 */

import { join } from "node:path";
import { tryReadGoJson } from "../format/_go-text.js";
import { PCI_ADDRESS_PATTERN } from "../format/fields.js";
import { ATTACHMENTS_KEY, type GCAttachment, readGCAttachments, VALID_ATTACHMENTS_KEY } from "../roles/_gc-request.js";
import { type Context, type OptionSpec, stringOption, UsageError } from "./_command.js";
import { listInput, readInput } from "./_input.js";
import {
  type CNINameIDs,
  cniNameIDs,
  type DeviceLine,
  type DeviceList,
  type DPNameIDs,
  dpNameIDs,
  findLiveContainer,
  isLiveDevice,
  judgeContainerToken,
  judgeDeviceLine,
  type ListToken,
  listTokens,
  matchesResource,
  parseDeviceList,
  RESOURCE_NAME_PATTERN,
} from "./_names.js";
import { checkKubeletOptions, type KubeletDevices, kubeletOptions, readKubeletDevices } from "./_podresources.js";
import { entryNames, exists, requireBaseDir } from "./_scan.js";

/**
 * The rules, shared by `gc` (which acts on them) and `ls` (which shows them).
 * A file is judged orphaned only on proof; an age never proves anything, it
 * only guards against a list taken before a pod or device appeared.
 */
export const ORPHAN_RULES = `  * A CNI file (cni/<name>) is orphaned when a container list says its pod sandbox is gone: --live-containers
    (the full ID of every pod sandbox on the node: "crictl pods -q --no-trunc") or --valid-attachments (a CNI GC
    request of the network every pod attaches to), and the file's Multus-style name <network>-<containerID>_<ifName>
    holds none of the listed IDs (nor the start of one: an ID cut short in a name is never judged gone). Names that hold no ID-shaped part (the meta-plugin helpers' fallback
    devinfo-<uuid>, hand-made names) are never judged.
  * A list proves nothing until its shape is checked: a token that is not a pod sandbox ID (a header word such as
    "POD", a table cell, JSON) or is the start of an ID in a CNI file name (a shortened ID, as "crictl pods" prints
    them) makes the whole list a usage error. A --live-containers list none of whose IDs is in any CNI file name,
    while files name containers, is refused too ("crictl ps -q" lists application containers, not pod sandboxes)
    unless --confirm-all-gone. A GC request speaks for its own network: an empty one proves nothing.
  * A device plugin file (dp/<name>) is orphaned when --live-devices says its device is gone, and only for the
    resources the list speaks for: those named with --resource, else those named by its "<resourceName> <deviceID>"
    lines. A bare "<deviceID>" line needs --resource (it does not say whose device it is). A line that is not a
    device (a header, a table row, JSON, a PCI address without its domain or cut short) makes the list a usage
    error. An empty --live-devices list (a failed "ls" gives one), or one none of whose devices is that of any
    device plugin file of the resources it speaks for while there are such files, is refused too unless
    --confirm-all-gone. The kubelet never proves a device gone: both its sources list healthy devices only, so --kubelet only
    adds the devices it lists as live. The spec's names are ambiguous (intel.com/sriov + dpdk-1 and
    intel.com/sriov-dpdk + 1 give the same name), so a file is claimed by a resource only when what follows the
    resource is a PCI address or holds no "-".`;

/** The options that feed the verdicts. */
export const liveOptions: Readonly<Record<string, OptionSpec>> = {
  "live-containers": {
    type: "string",
    help: `File (or - for stdin) listing the full IDs of every pod sandbox that exists, separated by white space or commas: the output of "crictl pods -q --no-trunc" (not "crictl pods", whose table shortens IDs, nor "crictl ps -q", which lists application containers). A CNI file whose name holds no live ID in the Multus form <network>-<containerID>_<ifName> is orphaned. Names that hold no ID-shaped part are never judged.`,
  },
  "confirm-all-gone": {
    type: "boolean",
    default: "false",
    help: "Accept a --live-containers list none of whose IDs is in any CNI file name (every CNI file that names a container is then orphaned), and a --live-devices list that is empty or none of whose devices is that of a device plugin file of the resources it speaks for (every such file is then orphaned); without it such a list is refused as almost surely the wrong one (an empty pipe from a failed command, another node's list).",
  },
  "valid-attachments": {
    type: "string",
    help: `File (or - for stdin) holding a CNI GC request (CNI spec 1.1: a network configuration with "cni.dev/valid-attachments": [{"containerID", "ifname"}]) of the network every pod of the node attaches to, such as the meta-plugin's own (Multus's). Read as pluginMain reads a GC request ("cni.dev/valid-attachments", else "cni.dev/attachments"). Its container IDs are the pod sandboxes that exist, as with --live-containers (both together: a container listed by either is live). Not the request of a network only some pods attach to: the pods without it would look gone. A request with no attachment proves nothing and judges no file.`,
  },
  "live-devices": {
    type: "string",
    help: `File (or - for stdin) listing the devices that exist, one per line: "<resourceName> <deviceID>", or "<deviceID>" with --resource. A device plugin file of a resource the list speaks for (the --resource ones, else those its lines name) and of none of its devices is orphaned. An empty list, or one none of whose devices is that of any such file while there are some, is refused unless --confirm-all-gone.`,
  },
  resource: {
    type: "string",
    multiple: true,
    help: 'Limit --live-devices to the device plugin files of this resource (repeatable), e.g. intel.com/sriov; needed when the list has bare "<deviceID>" lines. The spec\'s file names are ambiguous (intel.com/sriov + dpdk-1 and intel.com/sriov-dpdk + 1 give the same name): a file is claimed only when the part after the resource is a PCI address or holds no "-".',
  },
  ...kubeletOptions,
  sysfs: {
    type: "string",
    default: "/sys",
    help: "Where sysfs is mounted; without --live-devices, a PCI device plugin file whose device is not under <sysfs>/bus/pci/devices looks orphaned (ls only).",
  },
};

/** The lists read from `--live-containers`, `--valid-attachments` and `--live-devices`. */
export interface LiveLists {
  /** The pod sandboxes that exist (`--live-containers` and `--valid-attachments` together), or `undefined` when neither was given (or only an empty GC request). */
  readonly containers: ReadonlySet<string> | undefined;
  /** The devices that exist: `--live-devices`, with the kubelet's healthy devices added as live; `undefined` without `--live-devices`. */
  readonly devices: DeviceList | undefined;
  /** The resources `devices` speaks for: `--resource`, else the resources its lines name (never the kubelet's). */
  readonly resources: readonly string[];
  /** What the kubelet said, with `--kubelet`: shown by `ls`, never a proof that a device is gone. */
  readonly kubelet?: KubeletDevices | undefined;
  /** Notes for the operator (why a list proves less than it seems), printed on stderr. */
  readonly notes: readonly string[];
}

/** The command that gives the right container list, for messages. */
const POD_LIST_COMMAND = "crictl pods -q --no-trunc";
/** The command that gives the right device list, for messages. */
const DEVICE_LIST_COMMAND = "ls /sys/bus/pci/devices";

/** A list line as messages quote it: at most 80 characters. */
function quoteLine(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

/**
 * Reads the live lists; at most one may come from stdin. Every list is
 * checked against the file names under `baseDir` before it may prove
 * anything (see {@link checkContainerList}, {@link checkDeviceList}).
 */
export async function readLiveLists(ctx: Context, baseDir: string, options: { kubeletHolders?: boolean } = {}): Promise<LiveLists> {
  const containersFile = stringOption(ctx.values, "live-containers");
  const attachmentsFile = stringOption(ctx.values, "valid-attachments");
  const devicesFile = stringOption(ctx.values, "live-devices");
  const flags = (ctx.values.resource as string[] | undefined) ?? [];
  const nothingDone = ctx.commandName === "devinfo gc" ? "; nothing was removed" : "";
  const notes: string[] = [];
  const fromStdin = [
    ["--live-containers", containersFile],
    ["--valid-attachments", attachmentsFile],
    ["--live-devices", devicesFile],
  ].filter(([, file]) => file === "-");
  if (fromStdin.length > 1) throw new UsageError(`only one of ${fromStdin.map(([flag]) => flag).join(" and ")} can read stdin`);
  if (flags.length > 0 && devicesFile === undefined) {
    throw new UsageError(
      "--resource limits --live-devices; give --live-devices too (the kubelet's answers never prove a device gone: it lists healthy devices only)",
    );
  }
  if (ctx.values["confirm-all-gone"] === true && containersFile === undefined && devicesFile === undefined) {
    throw new UsageError("--confirm-all-gone confirms a --live-containers or --live-devices list; give one too");
  }
  // Checked before any list is read or the kubelet asked: a bad value is a usage error, never a crash later.
  checkKubeletOptions(ctx.values);
  const badResource = flags.find((resource) => !RESOURCE_NAME_PATTERN.test(resource));
  if (badResource !== undefined) {
    throw new UsageError(`--resource ${JSON.stringify(badResource)} is not a resource name; write <domain>/<name>, e.g. intel.com/sriov`);
  }
  let containers: Set<string> | undefined;
  let cniNames: CNINameIDs | undefined;
  const namesInCNI = (): CNINameIDs => {
    if (cniNames === undefined) {
      requireBaseDir(baseDir);
      cniNames = cniNameIDs(entryNames(baseDir, "cni"));
    }
    return cniNames;
  };
  if (containersFile !== undefined) {
    const text = (await readInput(containersFile, ctx.io.stdin, listInput("--live-containers"))).toString("utf8");
    containers = checkContainerList(listTokens(text), namesInCNI(), nothingDone);
    if (containers.size === 0) {
      throw new UsageError(
        `--live-containers: the list is empty, which would make every CNI file an orphan; check the command that produced it ("${POD_LIST_COMMAND}"), or, if no pod runs on this node, remove the files with "devinfo rm cni NAME"${nothingDone}`,
      );
    }
  }
  if (attachmentsFile !== undefined) {
    const attachments = parseValidAttachments(
      (await readInput(attachmentsFile, ctx.io.stdin, listInput("--valid-attachments"))).toString("utf8"),
    );
    const tokens = attachments.map(({ containerID }, i) => ({ token: containerID, line: i, text: `containerID ${containerID}` }));
    const ids = checkContainerList(tokens, namesInCNI(), nothingDone, "--valid-attachments");
    if (ids.size === 0) {
      notes.push(
        "--valid-attachments: the GC request lists no attachment, which proves no pod gone (it speaks for its own network, which may have no attachment on this node); no CNI file is judged by it",
      );
    } else containers = new Set([...(containers ?? []), ...ids]);
  }
  if (containersFile !== undefined && containers !== undefined && containers.size > 0) {
    refuseUnmatchedContainers(ctx, containers, namesInCNI(), baseDir);
  }
  let devices: DeviceList | undefined;
  let resources: readonly string[] = flags;
  if (devicesFile !== undefined) {
    const { list, lines } = parseDeviceList((await readInput(devicesFile, ctx.io.stdin, listInput("--live-devices"))).toString("utf8"));
    requireBaseDir(baseDir);
    checkDeviceList(lines, dpNameIDs(entryNames(baseDir, "dp")), nothingDone);
    if (flags.length === 0) {
      if (list.devices.size > 0) {
        throw new UsageError(
          `--live-devices: the line ${JSON.stringify([...list.devices][0])} does not say whose device it is; give the resources the list covers with --resource (e.g. --resource intel.com/sriov), or write "<resourceName> <deviceID>" lines`,
        );
      }
      resources = [...list.resources];
    }
    refuseUnmatchedDevices(ctx, list, resources, baseDir, nothingDone);
    devices = list;
  }
  const kubelet = await readKubeletDevices(ctx.values, options.kubeletHolders === true);
  if (kubelet !== undefined) {
    // The kubelet lists healthy devices only: what it lists is live, what it omits may be merely unhealthy.
    if (devices !== undefined) devices = addLiveFiles(devices, kubelet.list.files);
    else if (ctx.commandName === "devinfo gc") {
      notes.push(
        `--kubelet: no device plugin file is removed on the kubelet's word: both its sources (GetAllocatableResources, the checkpoint's registered devices) list healthy devices only, so a device missing there may be unhealthy, not gone; give --live-devices (e.g. ${DEVICE_LIST_COMMAND} with --resource) to remove the files of devices that no longer exist`,
      );
    }
  }
  return { containers, devices, resources, kubelet, notes };
}

/**
 * The IDs of a container list once each token passed
 * {@link judgeContainerToken}; otherwise a usage error naming the first bad
 * line, and the command that gives the right list.
 */
function checkContainerList(
  tokens: readonly ListToken[],
  names: CNINameIDs,
  nothingDone: string,
  flag: "--live-containers" | "--valid-attachments" = "--live-containers",
): Set<string> {
  const ids = new Set<string>();
  for (const { token, line, text } of tokens) {
    const problem = judgeContainerToken(token, names);
    if (problem === undefined) {
      ids.add(token);
      continue;
    }
    const where = flag === "--live-containers" ? `line ${line} (${quoteLine(text)})` : `attachment ${line}`;
    const what =
      problem.kind === "truncated"
        ? `${JSON.stringify(token)} is a shortened ID: it is the start of ${problem.of}, the container of cni/${names.example.get(problem.of) ?? "?"}, and would match no file`
        : `${JSON.stringify(token)} is not a pod sandbox ID (IDs are hexadecimal, as the container runtime makes them, or appear in a CNI file name)`;
    const fix =
      flag === "--live-containers"
        ? `the list must hold the full ID of every pod sandbox on the node, as "${POD_LIST_COMMAND}" prints them`
        : `give the GC request the runtime sent, whose attachments hold full pod sandbox IDs (or --live-containers with "${POD_LIST_COMMAND}")`;
    throw new UsageError(`${flag}: ${where}: ${what}; ${fix}${nothingDone}`);
  }
  return ids;
}

/**
 * A list of every pod sandbox on the node of which no ID is in any CNI file
 * name, while files name containers, is almost surely the wrong list
 * (`crictl ps -q` lists application containers): refused unless
 * `--confirm-all-gone`.
 */
function refuseUnmatchedContainers(ctx: Context, live: ReadonlySet<string>, names: CNINameIDs, baseDir: string): void {
  if (ctx.values["confirm-all-gone"] === true) return;
  let judged = 0;
  for (const name of entryNames(baseDir, "cni")) {
    const found = findLiveContainer(name, live);
    if (found === undefined) continue;
    if (found.live) return;
    judged++;
  }
  if (judged === 0 || names.candidates.size === 0) return;
  const listed = live.size === 1 ? "the one listed ID is not" : `none of the ${live.size} listed IDs is`;
  throw new UsageError(
    `--live-containers: ${listed} the container of any of the ${judged} CNI file${judged === 1 ? "" : "s"}, so every one would be orphaned: this is almost surely not the list of pod sandboxes ("crictl ps -q" lists application containers; "${POD_LIST_COMMAND}" lists pod sandboxes). If every pod with a CNI file is really gone, pass --confirm-all-gone`,
  );
}

/**
 * A list of every device that exists which is empty, or of which no device
 * is that of any device plugin file of a resource it speaks for while such
 * files exist, would make every one of those files an orphan: almost surely
 * a failed command (an empty pipe) or the wrong list. Refused unless
 * `--confirm-all-gone`.
 */
function refuseUnmatchedDevices(ctx: Context, list: DeviceList, resources: readonly string[], baseDir: string, nothingDone: string): void {
  if (ctx.values["confirm-all-gone"] === true) return;
  if (list.size === 0) {
    throw new UsageError(
      `--live-devices: the list is empty, which would make every device plugin file${resources.length === 0 ? "" : ` of ${resources.join(", ")}`} an orphan; check the command that produced it (e.g. "${DEVICE_LIST_COMMAND}"), or, if every device is really gone, pass --confirm-all-gone${resources.length === 0 ? " with --resource" : ""}${nothingDone}`,
    );
  }
  let judged = 0;
  for (const name of entryNames(baseDir, "dp")) {
    if (!matchesResource(name, resources)) continue;
    if (isLiveDevice(name, list)) return;
    judged++;
  }
  if (judged === 0) return;
  const listed = list.size === 1 ? "the one listed device is not" : `none of the ${list.size} listed devices is`;
  throw new UsageError(
    `--live-devices: ${listed} the device of any of the ${judged} device plugin file${judged === 1 ? "" : "s"} of ${resources.join(", ")}, so every one would be orphaned: this is almost surely not the list of devices that exist (e.g. "${DEVICE_LIST_COMMAND}" on this node). If every such device is really gone, pass --confirm-all-gone${nothingDone}`,
  );
}

/** Refuses a device list with a line that is not a device (see {@link judgeDeviceLine}). */
function checkDeviceList(lines: readonly DeviceLine[], names: DPNameIDs, nothingDone: string): void {
  for (const line of lines) {
    const problem = judgeDeviceLine(line, names);
    if (problem === undefined) continue;
    throw new UsageError(
      `--live-devices: line ${line.line} (${quoteLine(line.text)}): ${problem}; the list holds every device that exists, one per line, e.g. "${DEVICE_LIST_COMMAND}" (full PCI addresses) with --resource, or "<resourceName> <deviceID>" lines${nothingDone}`,
    );
  }
}

/** `list` with more live file names (the kubelet's healthy devices): live evidence only, speaking for no more resources. */
function addLiveFiles(list: DeviceList, files: ReadonlySet<string>): DeviceList {
  const all = new Set([...list.files, ...files]);
  return { devices: list.devices, files: all, resources: list.resources, size: all.size + list.devices.size };
}

/**
 * The container IDs of a CNI GC request (CNI spec 1.1, "GC: Clean up any
 * stale resources"), read by the same reader as `pluginMain`'s GC
 * (`cni.dev/valid-attachments`, else `cni.dev/attachments`); a usage error
 * when the text is not such a request.
 */
export function parseValidAttachments(text: string): GCAttachment[] {
  const problem = (what: string) =>
    new UsageError(
      `--valid-attachments: ${what}; give the CNI GC request, e.g. {"cniVersion":"1.1.0","name":"multus-cni-network","cni.dev/valid-attachments":[{"containerID":"...","ifname":"eth0"}]}`,
    );
  if (text.trim() === "") throw problem("the input is empty");
  // The library's reader, as pluginMain reads a GC request.
  const read = tryReadGoJson(text);
  if (!read.ok) throw problem("not JSON");
  const request = read.value;
  if (typeof request !== "object" || request === null || Array.isArray(request)) throw problem("not a JSON object");
  const { attachments, key } = readGCAttachments(request as Record<string, unknown>, problem);
  if (key === undefined) throw problem(`neither "${VALID_ATTACHMENTS_KEY}" nor "${ATTACHMENTS_KEY}" is there: this is not a GC request`);
  return attachments;
}

/** A verdict: orphaned or not, or `null` when nothing says. */
export interface Verdict {
  readonly orphaned: boolean | null;
  readonly reason: string | null;
  readonly containerID?: string | undefined;
}

const UNKNOWN: Verdict = { orphaned: null, reason: null };

/** The verdict on a CNI file. */
export function orphanedCNI(name: string, lists: LiveLists): Verdict {
  if (lists.containers === undefined) return UNKNOWN;
  const found = findLiveContainer(name, lists.containers);
  if (found === undefined) return { orphaned: null, reason: "the name does not say which container owns the file" };
  if (found.live) return { orphaned: false, reason: null, containerID: found.containerID };
  return {
    orphaned: true,
    reason: found.containerID === undefined ? "no live container ID in the name" : `container ${found.containerID} is gone`,
    containerID: found.containerID,
  };
}

const sysfsDirs = new Map<string, boolean>();
function hasDir(path: string): boolean {
  let known = sysfsDirs.get(path);
  if (known === undefined) {
    known = exists(path);
    sysfsDirs.set(path, known);
  }
  return known;
}

/** The verdict on a device plugin file; `doc` is what `ls` read from it (gc passes nothing). */
export function orphanedDP(
  name: string,
  doc: { readonly type: string | null; readonly address: string | null; readonly parentDevice?: string | null } | undefined,
  lists: LiveLists,
  sysfs: string | undefined,
): Verdict {
  if (lists.devices !== undefined) {
    // A list speaks only for the resources it names: a file of any other resource is not judged.
    if (!matchesResource(name, lists.resources)) return UNKNOWN;
    return isLiveDevice(name, lists.devices)
      ? { orphaned: false, reason: null }
      : { orphaned: true, reason: "device not in the --live-devices list" };
  }
  if (doc === undefined || sysfs === undefined) return UNKNOWN;
  if (doc.type === "pci" && doc.address !== null && PCI_ADDRESS_PATTERN.test(doc.address)) {
    const devices = join(sysfs, "bus/pci/devices");
    if (!hasDir(devices)) return UNKNOWN;
    return exists(join(devices, doc.address))
      ? { orphaned: false, reason: null }
      : { orphaned: true, reason: `no PCI device ${doc.address} under ${devices}` };
  }
  return UNKNOWN;
}
