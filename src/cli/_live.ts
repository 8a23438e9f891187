/**
 * Deciding whether a file is orphaned, shared by `ls` (which shows the
 * verdict) and `gc` (which acts on it), so that `ls` previews `gc` exactly.
 */

import { join } from "node:path";
import { PCI_ADDRESS_PATTERN } from "../format/fields.js";
import { type Context, type OptionSpec, stringOption, UsageError } from "./_command.js";
import { type DeviceList, findLiveContainer, isLiveDevice, matchesResource, parseContainerList, parseDeviceList } from "./_names.js";
import { exists, readListFile } from "./_scan.js";

/** The options that feed the verdicts. */
export const liveOptions: Readonly<Record<string, OptionSpec>> = {
  "live-containers": {
    type: "string",
    help: `File (or - for stdin) listing the IDs of the pod sandboxes that exist, separated by white space or commas, e.g. the output of "crictl pods -q". A CNI file whose name holds no live ID in the Multus form <network>-<containerID>_<ifName> is orphaned. Names that hold no ID-shaped part are never judged.`,
  },
  "live-devices": {
    type: "string",
    help: `File (or - for stdin) listing the devices that exist, one per line: "<deviceID>" or "<resourceName> <deviceID>". A device plugin file of none of them is orphaned. With --resource, only the files of those resources are judged.`,
  },
  resource: {
    type: "string",
    multiple: true,
    help: 'Limit --live-devices to the device plugin files of this resource (repeatable), e.g. intel.com/sriov. The spec\'s file names are ambiguous (intel.com/sriov + dpdk-1 and intel.com/sriov-dpdk + 1 give the same name): a file is claimed only when the part after the resource is a PCI address or holds no "-".',
  },
  sysfs: {
    type: "string",
    default: "/sys",
    help: "Where sysfs is mounted; without --live-devices, a PCI device plugin file whose device is not under <sysfs>/bus/pci/devices looks orphaned (ls only).",
  },
};

/** The lists read from `--live-containers` and `--live-devices`. */
export interface LiveLists {
  readonly containers: ReadonlySet<string> | undefined;
  readonly devices: DeviceList | undefined;
  readonly resources: readonly string[];
}

/** Reads the live lists; at most one may come from stdin. */
export async function readLiveLists(ctx: Context): Promise<LiveLists> {
  const containersFile = stringOption(ctx.values, "live-containers");
  const devicesFile = stringOption(ctx.values, "live-devices");
  const resources = (ctx.values.resource as string[] | undefined) ?? [];
  if (containersFile === "-" && devicesFile === "-")
    throw new UsageError("only one of --live-containers and --live-devices can read stdin");
  if (resources.length > 0 && devicesFile === undefined) throw new UsageError("--resource limits --live-devices; give --live-devices too");
  let containers: Set<string> | undefined;
  if (containersFile !== undefined) {
    const { ids, bad } = parseContainerList(await readListFile(containersFile, ctx.io.stdin, "--live-containers"));
    if (bad.length > 0) {
      throw new UsageError(`--live-containers: ${JSON.stringify(bad[0])} is not a container ID (letters, digits, "_", "." and "-")`);
    }
    containers = ids;
  }
  let devices: DeviceList | undefined;
  if (devicesFile !== undefined) {
    const { list, bad } = parseDeviceList(await readListFile(devicesFile, ctx.io.stdin, "--live-devices"));
    if (bad.length > 0)
      throw new UsageError(`--live-devices: line ${JSON.stringify(bad[0])} is neither "<deviceID>" nor "<resourceName> <deviceID>"`);
    devices = list;
  }
  return { containers, devices, resources };
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
    if (lists.resources.length > 0 && !matchesResource(name, lists.resources)) return UNKNOWN;
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
