/**
 * `devinfo demo`: the whole protocol of the spec, played by this package's
 * own API in a temporary directory: a device plugin, a meta-plugin with its
 * CNI plugins, the network-status annotation, the Downward API file, the
 * workload, then CNI DEL and the device plugin's exit.
 */

import fs from "node:fs";
import os from "node:os";
import { join, relative } from "node:path";
import { cleanDeviceInfoForDP, loadDeviceInfoFromCNI, saveDeviceInfoForDP } from "../files/operations.js";
import { SPEC_VERSION } from "../format/fields.js";
import type { DeviceInfo } from "../format/schema.js";
import { addDeviceInfoFields, getCNIDeviceInfoFile, saveDeviceInfoIfAbsent } from "../roles/cni-plugin.js";
import {
  buildPluginStdin,
  collectDeviceInfo,
  type PreparedDeviceInfo,
  prepareDeviceInfo,
  releaseDeviceInfo,
} from "../roles/meta-plugin.js";
import type { CNIResult } from "../status/cni-result.js";
import { createNetworkStatuses, NETWORK_STATUS_ANNOTATION, serializeNetworkStatusAnnotation } from "../status/network-status.js";
import type { NetworkStatus } from "../status/schema.js";
import { deviceInfoFor, readPodNetworkStatus } from "../status/workload.js";
import { type Command, type Context, EXIT_FAILURE, EXIT_OK, UsageError } from "./_command.js";
import { formatDownwardAPIAnnotations } from "./_kubelet.js";
import type { Output } from "./_output.js";
import { summarize } from "./_scan.js";

export const command: Command = {
  name: "demo",
  summary: "Run the whole protocol in a temporary directory, step by step",
  description: `Run the whole Device Information Specification v${SPEC_VERSION} protocol, step by step, with this package's own API:

  1. a device plugin publishes devices of every type (pci, vdpa, vhost-user, memif);
  2. a meta-plugin (as Multus does) attaches a pod to a cluster network and three more: an SR-IOV network
     backed by the device plugin, a vDPA one, and a vhost-user network whose CNI plugin writes its own file;
  3. the CNI plugins read the file, add their own fields to it, or write it;
  4. the meta-plugin builds the network-status annotation with each interface's device-info;
  5. the kubelet projects it into the pod as a Downward API file;
  6. the workload reads each interface's device-info back;
  7. the pod is deleted (CNI DEL) and the device plugin stops: nothing is left.

Everything happens in a new temporary directory: no root needed, nothing outside it touched, and it is removed
at the end unless --keep, which also keeps a copy of the files as they were before the pod was deleted.`,
  usage: ["demo [options]"],
  examples: [
    { comment: "Watch the protocol", command: "devinfo demo" },
    { comment: "Keep the directory, then explore the files the pod had", command: "devinfo demo --keep" },
  ],
  options: {
    keep: {
      type: "boolean",
      default: "false",
      help: "Keep the temporary directory, with a snapshot of the files taken before the pod was deleted.",
    },
  },
  run,
};

/** The pod sandbox's ID, as the container runtime passes it in CNI_CONTAINERID. Fixed, so the output is reproducible. */
const SANDBOX = "8b3f1c0de9a2476f5e1d3c2b1a0f9e8d7c6b5a4938271605f4e3d2c1b0a99887";
const POD = "default/demo-pod";

interface DevicePluginDevice {
  readonly resource: string;
  readonly device: string;
  readonly info: DeviceInfo;
  readonly note: string;
}

const DEVICES: readonly DevicePluginDevice[] = [
  {
    resource: "intel.com/sriov_netdevice",
    device: "0000:af:06.2",
    info: {
      type: "pci",
      version: SPEC_VERSION,
      pci: { "pci-address": "0000:af:06.2", "pf-pci-address": "0000:af:00.0", "rdma-device": "mlx5_4" },
    },
    note: "an SR-IOV virtual function",
  },
  {
    resource: "intel.com/sriov_netdevice",
    device: "0000:af:06.3",
    info: {
      type: "pci",
      version: SPEC_VERSION,
      pci: { "pci-address": "0000:af:06.3", "pf-pci-address": "0000:af:00.0", "rdma-device": "mlx5_5" },
    },
    note: "another one, which this pod will not get",
  },
  {
    resource: "example.com/vdpa",
    device: "vdpa0",
    info: {
      type: "vdpa",
      version: SPEC_VERSION,
      vdpa: { "parent-device": "vdpa0", driver: "vhost", path: "/dev/vhost-vdpa-0", "pci-address": "0000:af:06.4" },
    },
    note: "a vDPA device",
  },
  {
    resource: "example.com/vhost-user",
    device: "vhu0",
    info: { type: "vhost-user", version: SPEC_VERSION, "vhost-user": { mode: "server", path: "/var/run/vhost-user/vhu0.sock" } },
    note: "a vhost-user socket",
  },
  {
    resource: "example.com/memif",
    device: "memif0",
    info: { type: "memif", version: SPEC_VERSION, memif: { role: "master", path: "/var/run/memif/memif0.sock", mode: "ethernet" } },
    note: "a memif socket",
  },
];

/** What the CNI plugin of a network does with the file (step 3). */
type PluginAction = "none" | "read" | "add-representor" | "write-own";

interface Network {
  readonly name: string;
  readonly ifName: string;
  readonly isDefault: boolean;
  readonly conf: Record<string, unknown>;
  readonly resource?: string;
  readonly device?: string;
  readonly action: PluginAction;
  readonly result: CNIResult;
}

function result(ifName: string, mac: string, address: string | undefined, gateway?: string): CNIResult {
  return {
    cniVersion: "1.0.0",
    interfaces: [{ name: ifName, mac, sandbox: `/var/run/netns/cni-demo` }],
    ips: address === undefined ? [] : [{ address, interface: 0, ...(gateway === undefined ? {} : { gateway }) }],
  } as CNIResult;
}

const NETWORKS: readonly Network[] = [
  {
    name: "kube-system/cluster-net",
    ifName: "eth0",
    isDefault: true,
    conf: { cniVersion: "1.0.0", name: "cluster-net", plugins: [{ type: "bridge", bridge: "cni0" }] },
    action: "none",
    result: result("eth0", "0a:58:0a:f4:00:07", "10.244.0.7/24", "10.244.0.1"),
  },
  {
    name: "default/sriov-net",
    ifName: "net1",
    isDefault: false,
    conf: { cniVersion: "1.0.0", name: "sriov-net", plugins: [{ type: "accelerated-bridge", capabilities: { CNIDeviceInfoFile: true } }] },
    resource: "intel.com/sriov_netdevice",
    device: "0000:af:06.2",
    action: "add-representor",
    result: result("net1", "ca:fe:c0:ff:ee:02", "192.168.10.7/24"),
  },
  {
    name: "default/vdpa-net",
    ifName: "net2",
    isDefault: false,
    conf: {
      cniVersion: "1.0.0",
      name: "vdpa-net",
      plugins: [{ type: "ovs", bridge: "br-vdpa", capabilities: { CNIDeviceInfoFile: true } }],
    },
    resource: "example.com/vdpa",
    device: "vdpa0",
    action: "read",
    result: result("net2", "ca:fe:c0:ff:ee:03", "192.168.20.7/24"),
  },
  {
    name: "default/vhost-net",
    ifName: "net3",
    isDefault: false,
    conf: { cniVersion: "1.0.0", name: "vhost-net", plugins: [{ type: "userspace", capabilities: { CNIDeviceInfoFile: true } }] },
    action: "write-own",
    result: result("net3", "ca:fe:c0:ff:ee:04", undefined),
  },
];

const STEPS = 7;

class Narrator {
  private step = 0;
  constructor(
    private readonly out: Output,
    private readonly base: string,
  ) {}
  title(text: string): void {
    this.step++;
    const s = this.out.style;
    this.out.line();
    this.out.line(s.bold(s.cyan(`Step ${this.step}/${STEPS}  ${text}`)));
  }
  /** Explanation, wrapped at the caller. */
  say(...lines: string[]): void {
    for (const line of lines) this.out.line(`  ${line}`);
  }
  /** A fact: a file written, a value read. */
  item(text: string): void {
    this.out.line(`    ${text}`);
  }
  rel(path: string): string {
    return relative(this.base, path);
  }
}

async function run(ctx: Context): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError(`devinfo demo takes no arguments; got ${JSON.stringify(ctx.positionals[0])}`);
  const keep = ctx.values.keep === true;
  const root = fs.mkdtempSync(join(os.tmpdir(), "devinfo-demo-"));
  const baseDir = join(root, "devinfo");
  const options = { baseDir };
  const out = ctx.out;
  const s = out.style;
  const say = new Narrator(out, baseDir);
  let finished = false;
  try {
    out.line(s.bold(`devinfo demo: the Device Information Specification v${SPEC_VERSION}, end to end`));
    out.line();
    out.line("Device plugins, meta-plugins such as Multus, CNI plugins and workloads exchange what they know about a");
    out.line("network device through small JSON files. Each step below is done by this package's API, in a new");
    out.line("temporary directory (no root needed, nothing outside it is touched):");
    out.line(`  ${root}`);
    out.line(`  base directory: ${s.bold("devinfo/")}  (on a node: /var/run/k8s.cni.cncf.io/devinfo)`);

    // 1. Device plugin.
    say.title("A device plugin publishes its devices");
    say.say(
      "A device plugin writes one file per device it advertises, dp/<resource>-<device>-device.json, so that",
      "whoever is given the device later learns how to use it (spec 4.1). API: saveDeviceInfoForDP().",
    );
    const published: string[] = [];
    for (const d of DEVICES) published.push(await saveDeviceInfoForDP(d.resource, d.device, d.info, options));
    const width = Math.max(...published.map((p) => say.rel(p).length));
    for (const [i, d] of DEVICES.entries()) {
      say.item(`${s.green("wrote")} ${say.rel(published[i] ?? "").padEnd(width)}  ${s.dim(`${d.info.type}: ${d.note}`)}`);
    }

    // 2. Meta-plugin, ADD.
    say.title(`The pod ${POD} starts: the meta-plugin attaches its networks (CNI ADD)`);
    say.say(
      "For each network, the meta-plugin picks a file unique to the attachment, cni/<network>-<containerID>_<ifName>",
      "(Multus's names). When the kubelet gave the pod a device for the network's resource, the device plugin's",
      "file is copied there (spec 4.2.1); the path goes to the plugins that declare the CNIDeviceInfoFile",
      "capability, in runtimeConfig (spec 5.1). API: prepareDeviceInfo().",
    );
    const prepared = new Map<string, PreparedDeviceInfo>();
    for (const net of NETWORKS) {
      const p = await prepareDeviceInfo(
        {
          network: net.name,
          containerID: SANDBOX,
          ifName: net.ifName,
          netConf: net.conf,
          resourceName: net.resource,
          deviceID: net.device,
        },
        options,
      );
      prepared.set(net.ifName, p);
      for (const warning of p.warnings) ctx.err.line(`${ctx.err.style.yellow("warning:")} ${warning.message}`);
      const head = `${net.ifName}  ${net.name}`;
      if (p.cniPath === undefined) say.item(`${head}: no device, no plugin asks for the file: ${s.dim("no file")}`);
      else if (p.copied !== undefined) {
        say.item(`${head}: got ${net.resource} device ${net.device}, ${s.green("copied")} to`);
        say.item(`      ${say.rel(p.cniPath)}`);
      } else {
        say.item(`${head}: no device, but its plugin asks for a file: ${s.green("path")} reserved`);
        say.item(`      ${say.rel(p.cniPath)}`);
      }
    }
    const sriov = prepared.get("net1");
    if (sriov?.cniPath !== undefined) {
      const stdin = JSON.parse(buildPluginStdin(NETWORKS[1]?.conf ?? {}, { capabilityArgs: sriov.capabilityArgs })) as Record<
        string,
        unknown
      >;
      say.say(`What the net1 plugin reads on stdin (API: buildPluginStdin()):`);
      say.item(s.dim(`"runtimeConfig": ${JSON.stringify(stdin.runtimeConfig).replace(baseDir, "<base>")}`));
    }

    // 3. CNI plugins.
    say.title("The CNI plugins use the file");
    say.say("A plugin finds the path with getCNIDeviceInfoFile(stdin), then reads the file, adds its own fields, or writes it.");
    for (const net of NETWORKS) {
      const p = prepared.get(net.ifName);
      const stdin = buildPluginStdin(net.conf, { capabilityArgs: p?.capabilityArgs ?? {} });
      const path = getCNIDeviceInfoFile(stdin);
      if (path === undefined) {
        say.item(`${net.ifName}  ${s.dim("no CNIDeviceInfoFile in its runtimeConfig: nothing to do")}`);
        continue;
      }
      if (net.action === "add-representor") {
        const info = await addDeviceInfoFields(path, { pci: { "representor-device": "pf0vf2" } }, options);
        const address = info?.type === "pci" ? info.pci["pci-address"] : "?";
        say.item(
          `${net.ifName}  the accelerated-bridge plugin reads PCI address ${address}, moves the VF into the pod, and ${s.green("adds")}`,
        );
        say.item(`      its representor: "representor-device": "pf0vf2" (API: addDeviceInfoFields())`);
      } else if (net.action === "read") {
        const info = await loadDeviceInfoFromCNI(path, options);
        const dev = info?.type === "vdpa" ? info.vdpa.path : "?";
        say.item(`${net.ifName}  the OVS plugin reads the vDPA device ${dev} and plugs its port (API: loadDeviceInfoFromCNI())`);
      } else if (net.action === "write-own") {
        const socket = "/var/run/vhost-user/demo-pod-net3.sock";
        const { written } = await saveDeviceInfoIfAbsent(
          path,
          { type: "vhost-user", version: SPEC_VERSION, "vhost-user": { mode: "client", path: socket } },
          options,
        );
        say.item(
          `${net.ifName}  the userspace plugin creates a vhost-user socket and ${written ? s.green("writes") : "keeps"} its own device-info, no device`,
        );
        say.item(`      plugin involved: ${socket} (API: saveDeviceInfoIfAbsent())`);
      }
    }

    // 4. Network status.
    say.title("The meta-plugin reports each interface's device-info in the network-status annotation");
    say.say(
      `After each network's plugins, the meta-plugin reads the file back (collectDeviceInfo()) and puts it in the`,
      `interface's entry of the pod's ${NETWORK_STATUS_ANNOTATION} annotation (spec 6.1; createNetworkStatuses(),`,
      `serializeNetworkStatusAnnotation(), byte for byte what Multus writes):`,
    );
    const statuses: NetworkStatus[] = [];
    for (const net of NETWORKS) {
      const deviceInfo = await collectDeviceInfo(prepared.get(net.ifName) ?? { cniPath: undefined }, options);
      statuses.push(...createNetworkStatuses(net.result, net.name, net.isDefault, deviceInfo));
    }
    const annotation = serializeNetworkStatusAnnotation(statuses);
    for (const line of annotation.split("\n")) say.item(s.dim(line));

    // 5. Downward API.
    say.title("The kubelet projects the pod's annotations into the pod (Downward API volume)");
    const podinfo = join(root, "podinfo");
    fs.mkdirSync(podinfo);
    const annotationsFile = join(podinfo, "annotations");
    fs.writeFileSync(
      annotationsFile,
      formatDownwardAPIAnnotations({
        [NETWORK_STATUS_ANNOTATION]: annotation,
        "k8s.v1.cni.cncf.io/networks": NETWORKS.filter((n) => !n.isDefault)
          .map((n) => n.name.split("/")[1])
          .join(","),
      }),
    );
    say.say(
      'A volume item with fieldPath metadata.annotations becomes one file of key="quoted value" lines; the pod',
      "mounts it, e.g. at /etc/podnetinfo. Here:",
    );
    say.item(`${s.green("wrote")} ${relative(root, annotationsFile)}  ${s.dim(`(${fs.statSync(annotationsFile).size} bytes)`)}`);

    // 6. Workload.
    say.title("The workload reads the device-info of each of its interfaces");
    say.say("API: readPodNetworkStatus(file), then deviceInfoFor(statuses, { interface }):");
    const seen = await readPodNetworkStatus(annotationsFile);
    for (const net of NETWORKS) {
      const info = deviceInfoFor(seen, { interface: net.ifName });
      if (info === undefined) {
        say.item(`${net.ifName}  ${s.dim("no device-info (an ordinary interface)")}`);
        continue;
      }
      say.item(`${net.ifName}  ${info.type.padEnd(10)} ${describeInfo(info)}`);
    }
    if (keep) {
      fs.cpSync(baseDir, join(root, "snapshot", "devinfo"), { recursive: true });
      say.say(s.dim(`(--keep: copied the base directory to snapshot/devinfo before the pod goes)`));
    }

    // 7. Teardown.
    say.title("The pod is deleted (CNI DEL), then the device plugin stops");
    say.say(
      "On DEL the meta-plugin removes each attachment's file, recomputing its name: no cache needed (spec 4.2.1;",
      "releaseDeviceInfo()). A device plugin removes its files when it stops (spec 4.1.1; cleanDeviceInfoForDP()).",
    );
    for (const net of NETWORKS) {
      const path = prepared.get(net.ifName)?.cniPath;
      if (await releaseDeviceInfo({ network: net.name, containerID: SANDBOX, ifName: net.ifName }, options)) {
        say.item(`${s.green("removed")} ${say.rel(path ?? "")}`);
      }
    }
    for (const [i, d] of DEVICES.entries()) {
      if (await cleanDeviceInfoForDP(d.resource, d.device, options)) say.item(`${s.green("removed")} ${say.rel(published[i] ?? "")}`);
    }
    const left = listFiles(baseDir);
    out.line();
    if (left.length === 0) say.say(s.bold(s.green("Nothing is left: dp/ and cni/ are empty, no temporary or lock file remains.")));
    else {
      say.say(s.red(`Left behind (a bug, please report it): ${left.join(", ")}`));
      return EXIT_FAILURE;
    }
    finished = true;
    return EXIT_OK;
  } finally {
    out.line();
    if (keep) {
      out.line(`Kept ${root}:`);
      out.line(`  snapshot/devinfo/      the files as the pod had them; try: devinfo ls --base-dir ${join(root, "snapshot", "devinfo")}`);
      out.line(`  podinfo/annotations    the Downward API file; try: devinfo status ${join(root, "podinfo", "annotations")}`);
      out.line(`  devinfo/               the base directory, empty again`);
    } else {
      fs.rmSync(root, { recursive: true, force: true });
      if (finished) out.line(s.dim(`Removed ${root}. Run "devinfo demo --keep" to explore the files.`));
    }
  }
}

function describeInfo(info: DeviceInfo): string {
  const summary = summarize(info);
  const extra: string[] = [];
  if (info.type === "pci") {
    if (info.pci["pf-pci-address"] !== undefined) extra.push(`PF ${info.pci["pf-pci-address"]}`);
    if (info.pci["rdma-device"] !== undefined) extra.push(`RDMA ${info.pci["rdma-device"]}`);
    if (info.pci["representor-device"] !== undefined) extra.push(`representor ${info.pci["representor-device"]}`);
  } else if (info.type === "vdpa") extra.push(`driver ${info.vdpa.driver}, parent ${info.vdpa["parent-device"]}`);
  return `${summary.address ?? "-"}${extra.length === 0 ? "" : `  (${extra.join(", ")})`}`;
}

/** Every file left under a directory, recursively (directories themselves do not count). */
function listFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isDirectory()) found.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return found;
}
