/**
 * Deciding whether a file is orphaned, shared by `ls` (which shows the
 * verdict) and `gc` (which acts on it), so that `ls` previews `gc` exactly.
 */

import { join } from "node:path";
import { PCI_ADDRESS_PATTERN } from "../format/fields.js";
import { type Context, type OptionSpec, stringOption, UsageError } from "./_command.js";
import { listInput, readInput } from "./_input.js";
import {
  CONTAINER_ID_PATTERN,
  type DeviceList,
  findLiveContainer,
  isLiveDevice,
  matchesResource,
  parseContainerList,
  parseDeviceList,
} from "./_names.js";
import { asksKubelet, type KubeletDevices, kubeletOptions, mergeDeviceLists, readKubeletDevices } from "./_podresources.js";
import { exists } from "./_scan.js";

/**
 * The rules, shared by `gc` (which acts on them) and `ls` (which shows them).
 * A file is judged orphaned only on proof; an age never proves anything, it
 * only guards against a list taken before a pod or device appeared.
 */
export const ORPHAN_RULES = `  * A CNI file (cni/<name>) is orphaned when a container list says its pod sandbox is gone: --live-containers
    (e.g. "crictl pods -q") or --valid-attachments (a CNI GC request of the network every pod attaches to), and
    the file's Multus-style name <network>-<containerID>_<ifName> holds none of the listed IDs. Names that hold no
    ID-shaped part (the meta-plugin helpers' fallback devinfo-<uuid>, hand-made names) are never judged.
  * A device plugin file (dp/<name>) is orphaned when --live-devices (or --kubelet: the devices the kubelet knows)
    says its device is gone, and only for the resources the list speaks for: those named with --resource, else
    those named by its "<resourceName> <deviceID>" lines (the resources the kubelet knows). A bare "<deviceID>" line needs --resource (it does not say whose device it is). The spec's
    names are ambiguous (intel.com/sriov + dpdk-1 and intel.com/sriov-dpdk + 1 give the same name), so a file is
    claimed by a resource only when what follows the resource is a PCI address or holds no "-".`;

/** The options that feed the verdicts. */
export const liveOptions: Readonly<Record<string, OptionSpec>> = {
  "live-containers": {
    type: "string",
    help: `File (or - for stdin) listing the IDs of the pod sandboxes that exist, separated by white space or commas, e.g. the output of "crictl pods -q". A CNI file whose name holds no live ID in the Multus form <network>-<containerID>_<ifName> is orphaned. Names that hold no ID-shaped part are never judged.`,
  },
  "valid-attachments": {
    type: "string",
    help: `File (or - for stdin) holding a CNI GC request (CNI spec 1.1: a network configuration with "cni.dev/valid-attachments": [{"containerID", "ifname"}]) of the network every pod of the node attaches to, such as the meta-plugin's own (Multus's). Its container IDs are the pod sandboxes that exist, as with --live-containers (both together: a container listed by either is live). Not the request of a network only some pods attach to: the pods without it would look gone.`,
  },
  "live-devices": {
    type: "string",
    help: `File (or - for stdin) listing the devices that exist, one per line: "<resourceName> <deviceID>", or "<deviceID>" with --resource. A device plugin file of a resource the list speaks for (the --resource ones, else those its lines name) and of none of its devices is orphaned.`,
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
  /** The pod sandboxes that exist (`--live-containers` and `--valid-attachments` together), or `undefined` when neither was given. */
  readonly containers: ReadonlySet<string> | undefined;
  readonly devices: DeviceList | undefined;
  /** The resources `devices` speaks for: `--resource`, else the resources its lines name. */
  readonly resources: readonly string[];
  /** What the kubelet said, with `--kubelet`; its devices are in `devices` too. */
  readonly kubelet?: KubeletDevices | undefined;
}

/** Reads the live lists; at most one may come from stdin. */
export async function readLiveLists(ctx: Context, options: { kubeletHolders?: boolean } = {}): Promise<LiveLists> {
  const containersFile = stringOption(ctx.values, "live-containers");
  const attachmentsFile = stringOption(ctx.values, "valid-attachments");
  const devicesFile = stringOption(ctx.values, "live-devices");
  const flags = (ctx.values.resource as string[] | undefined) ?? [];
  const fromStdin = [
    ["--live-containers", containersFile],
    ["--valid-attachments", attachmentsFile],
    ["--live-devices", devicesFile],
  ].filter(([, file]) => file === "-");
  if (fromStdin.length > 1) throw new UsageError(`only one of ${fromStdin.map(([flag]) => flag).join(" and ")} can read stdin`);
  if (flags.length > 0 && devicesFile === undefined && !asksKubelet(ctx.values)) {
    throw new UsageError("--resource limits --live-devices (or --kubelet); give --live-devices too");
  }
  let containers: Set<string> | undefined;
  if (containersFile !== undefined) {
    const { ids, bad } = parseContainerList(
      (await readInput(containersFile, ctx.io.stdin, listInput("--live-containers"))).toString("utf8"),
    );
    if (bad.length > 0) {
      throw new UsageError(`--live-containers: ${JSON.stringify(bad[0])} is not a container ID (letters, digits, "_", "." and "-")`);
    }
    containers = ids;
  }
  if (attachmentsFile !== undefined) {
    const ids = parseValidAttachments((await readInput(attachmentsFile, ctx.io.stdin, listInput("--valid-attachments"))).toString("utf8"));
    containers = new Set([...(containers ?? []), ...ids]);
  }
  let devices: DeviceList | undefined;
  let resources: readonly string[] = flags;
  if (devicesFile !== undefined) {
    const { list, bad } = parseDeviceList((await readInput(devicesFile, ctx.io.stdin, listInput("--live-devices"))).toString("utf8"));
    if (bad.length > 0)
      throw new UsageError(`--live-devices: line ${JSON.stringify(bad[0])} is neither "<deviceID>" nor "<resourceName> <deviceID>"`);
    if (flags.length === 0) {
      if (list.devices.size > 0) {
        throw new UsageError(
          `--live-devices: the line ${JSON.stringify([...list.devices][0])} does not say whose device it is; give the resources the list covers with --resource (e.g. --resource intel.com/sriov), or write "<resourceName> <deviceID>" lines`,
        );
      }
      resources = [...list.resources];
    }
    devices = list;
  }
  const kubelet = await readKubeletDevices(ctx.values, options.kubeletHolders === true);
  if (kubelet !== undefined) {
    devices = mergeDeviceLists(devices, kubelet.list);
    if (flags.length === 0) resources = [...new Set([...resources, ...kubelet.list.resources])];
  }
  return { containers, devices, resources, kubelet };
}

/**
 * The container IDs of a CNI GC request's `cni.dev/valid-attachments` (CNI
 * spec 1.1, "GC: Clean up any stale resources"); a usage error when the text
 * is not such a request.
 */
export function parseValidAttachments(text: string): Set<string> {
  const problem = (what: string) =>
    new UsageError(
      `--valid-attachments: ${what}; give the CNI GC request, e.g. {"cniVersion":"1.1.0","name":"multus-cni-network","cni.dev/valid-attachments":[{"containerID":"...","ifname":"eth0"}]}`,
    );
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    throw problem("not JSON");
  }
  const attachments =
    typeof request === "object" && request !== null ? (request as Record<string, unknown>)["cni.dev/valid-attachments"] : undefined;
  if (!Array.isArray(attachments)) throw problem(`no "cni.dev/valid-attachments" array`);
  const ids = new Set<string>();
  for (const [i, attachment] of attachments.entries()) {
    const id = typeof attachment === "object" && attachment !== null ? (attachment as Record<string, unknown>).containerID : undefined;
    if (typeof id !== "string" || !CONTAINER_ID_PATTERN.test(id)) throw problem(`attachment ${i} has no valid "containerID"`);
    ids.add(id);
  }
  return ids;
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
    reason: found.containerID === undefined ? "no live container ID in the name" : `container ${found.containerID.slice(0, 13)} is gone`,
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
      : { orphaned: true, reason: lists.kubelet === undefined ? "device not in the --live-devices list" : "device unknown to the kubelet" };
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
