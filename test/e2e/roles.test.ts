// End to end, for real: the meta-plugin helpers of this package drive the
// containernetworking libcni runtime library (through test/e2e/runner), which
// executes Debian's real CNI plugins and the two example TypeScript plugins in
// a network namespace created for each test.

import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import {
  buildPluginStdin,
  type CNIResult,
  collectDeviceInfo,
  createNetworkStatuses,
  type DeviceInfo,
  getCNIDeviceInfoPath,
  parseNetworkStatusAnnotation,
  prepareDeviceInfo,
  releaseDeviceInfo,
  saveDeviceInfoForDP,
  serializeNetworkStatusAnnotation,
} from "../../src/index.js";
import { createSandbox, type Sandbox } from "./_harness.js";

const e2e = inject("e2e");
let box: Sandbox;
beforeEach(() => {
  box = createSandbox(e2e);
});
afterEach(() => {
  box.dispose();
});

const RESOURCE = "intel.com/sriov";
const DEVICE = "0000:af:06.0";
/** What the device plugin publishes: version 1.0.0, a key this package does not know. */
const DP_DOC = {
  type: "pci",
  version: "1.0.0",
  pci: { "pci-address": DEVICE, "pf-pci-address": "0000:af:00.0" },
  "x-vendor": { sriov: true },
};
const DP_BYTES =
  '{"type":"pci","version":"1.0.0","pci":{"pci-address":"0000:af:06.0","pf-pci-address":"0000:af:00.0"},"x-vendor":{"sriov":true}}';
const WITH_REPRESENTOR =
  '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","pf-pci-address":"0000:af:00.0","representor-device":"pf0vf3"},"x-vendor":{"sriov":true}}';

function bridgePlugin(b: Sandbox, name = b.bridge) {
  return {
    type: "bridge",
    bridge: name,
    isGateway: true,
    ipam: {
      type: "host-local",
      dataDir: b.ipam,
      ranges: [[{ subnet: `${b.subnet}.0/24`, gateway: `${b.subnet}.1` }]],
      routes: [{ dst: "0.0.0.0/0", gw: `${b.subnet}.1` }],
    },
  };
}

/** An SR-IOV-like network: bridge + host-local, then the chained TypeScript plugin. */
function sriovNetwork(b: Sandbox, representors: Record<string, string> = { [DEVICE]: "pf0vf3" }) {
  return {
    cniVersion: "1.0.0",
    name: "sriov-net1",
    plugins: [bridgePlugin(b), { type: "devinfo-pci-representor", capabilities: { CNIDeviceInfoFile: true }, representors }],
  };
}

/** A single configuration for the vhost-user TypeScript plugin. */
function vhostNetwork(b: Sandbox) {
  return {
    cniVersion: "1.0.0",
    name: "vhost-net",
    type: "devinfo-vhost-user",
    capabilities: { CNIDeviceInfoFile: true },
    socketDir: b.sockets,
  };
}

async function publishDeviceFromDP(b: Sandbox): Promise<string> {
  return saveDeviceInfoForDP(RESOURCE, DEVICE, DP_DOC as unknown as DeviceInfo, { baseDir: b.base, strict: false });
}

/** The interface `ifName` in the namespace, as `ip -j addr` sees it. */
function podInterface(b: Sandbox, ifName: string): { mac: string; ips: string[] } | undefined {
  const [link] = b.ip("addr", "show", "dev", ifName) as {
    address: string;
    addr_info: { family: string; local: string; prefixlen: number }[];
  }[];
  if (link === undefined) return undefined;
  return { mac: link.address, ips: link.addr_info.filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`) };
}

describe("(1) a device plugin's file, copied by the meta-plugin helper, read and updated by the chained TypeScript plugin", () => {
  it("after the real bridge + host-local", async () => {
    const dpFile = await publishDeviceFromDP(box);
    const netConf = sriovNetwork(box);
    const conf = box.writeConf("sriov-net1.conflist", netConf);
    const attachment = { network: "default/sriov-net1", containerID: box.containerID, ifName: "net1" };

    const prepared = await prepareDeviceInfo({ ...attachment, netConf, resourceName: RESOURCE, deviceID: DEVICE }, { baseDir: box.base });
    const cniFile = path.join(box.base, "cni", `default-sriov-net1-${box.containerID}_net1`);
    expect(prepared).toEqual({
      cniPath: cniFile,
      capabilityArgs: { CNIDeviceInfoFile: cniFile, deviceID: DEVICE },
      copied: DP_DOC,
      warnings: [],
    });
    expect(fs.readFileSync(cniFile, "utf8")).toBe(DP_BYTES);

    const add = box.cni("add", conf, "net1", prepared.capabilityArgs);
    expect(add.status, add.stderr).toBe(0);
    const result = add.out as CNIResult;
    // The bridge's result went through the chained plugin unchanged.
    expect(result.interfaces?.map((i) => [i.name, i.sandbox ?? ""])).toEqual([
      [box.bridge, ""],
      [expect.stringMatching(/^veth/), ""],
      ["net1", box.netnsPath],
    ]);
    expect(result.ips).toEqual([{ interface: 2, address: `${box.subnet}.2/24`, gateway: `${box.subnet}.1` }]);
    expect(podInterface(box, "net1")).toEqual({ mac: result.interfaces?.[2]?.mac, ips: [`${box.subnet}.2/24`] });

    // The TypeScript plugin added its field: version bumped, unknown keys kept, Go's encoding.
    expect(fs.readFileSync(cniFile, "utf8")).toBe(WITH_REPRESENTOR);
    expect(fs.readFileSync(dpFile, "utf8")).toBe(DP_BYTES); // the device plugin's file is not touched

    const deviceInfo = await collectDeviceInfo(prepared);
    expect(deviceInfo).toEqual(JSON.parse(WITH_REPRESENTOR));
    expect(createNetworkStatuses(result, attachment.network, false, deviceInfo)).toEqual([
      {
        name: "default/sriov-net1",
        interface: "net1",
        ips: [`${box.subnet}.2`],
        mac: result.interfaces?.[2]?.mac,
        dns: {},
        "device-info": JSON.parse(WITH_REPRESENTOR),
        gateway: [`${box.subnet}.1`],
      },
    ]);
    const check = box.cni("check", conf, "net1", prepared.capabilityArgs);
    expect(check.status, JSON.stringify(check.out)).toBe(0);
  });
});

describe("(2) the vhost-user TypeScript plugin writes device-info where no device plugin is involved", () => {
  it("creates the socket and publishes it", async () => {
    const netConf = vhostNetwork(box);
    const conf = box.writeConf("vhost-net.conf", netConf);
    const attachment = { network: "default/vhost-net", containerID: box.containerID, ifName: "net2" };
    const prepared = await prepareDeviceInfo({ ...attachment, netConf }, { baseDir: box.base });
    const cniFile = path.join(box.base, "cni", `default-vhost-net-${box.containerID}_net2`);
    expect(prepared).toEqual({ cniPath: cniFile, capabilityArgs: { CNIDeviceInfoFile: cniFile }, copied: undefined, warnings: [] });
    expect(fs.existsSync(cniFile)).toBe(false);

    const add = box.cni("add", conf, "net2", prepared.capabilityArgs);
    expect(add.status, add.stderr).toBe(0);
    expect(add.out).toEqual({ cniVersion: "1.0.0", interfaces: [{ name: "net2", sandbox: box.netnsPath }], dns: {} });
    const socket = path.join(box.sockets, `${box.containerID.slice(0, 12)}-net2.sock`);
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.readFileSync(cniFile, "utf8")).toBe(
      `{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":"${socket}"}}`,
    );
    const deviceInfo = await collectDeviceInfo(prepared);
    expect(deviceInfo).toEqual({ type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: socket } });
    expect(createNetworkStatuses(add.out as CNIResult, attachment.network, false, deviceInfo)).toEqual([
      { name: "default/vhost-net", interface: "net2", dns: {}, "device-info": deviceInfo },
    ]);
    expect(box.cni("check", conf, "net2", prepared.capabilityArgs).status).toBe(0);
  });
});

describe("(3) DEL removes every file", () => {
  it("of a pod with both networks: device-info files, socket, IP reservation, libcni cache", async () => {
    await publishDeviceFromDP(box);
    const networks = [
      {
        attachment: { network: "default/sriov-net1", containerID: box.containerID, ifName: "net1" },
        netConf: sriovNetwork(box),
        file: "a.conflist",
      },
      {
        attachment: { network: "default/vhost-net", containerID: box.containerID, ifName: "net2" },
        netConf: vhostNetwork(box),
        file: "b.conf",
      },
    ];
    const before = box.stateFiles();
    const added = [];
    for (const { attachment, netConf, file } of networks) {
      const request = attachment.ifName === "net1" ? { resourceName: RESOURCE, deviceID: DEVICE } : {};
      const prepared = await prepareDeviceInfo({ ...attachment, netConf, ...request }, { baseDir: box.base });
      const conf = box.writeConf(file, netConf);
      const add = box.cni("add", conf, attachment.ifName, prepared.capabilityArgs);
      expect(add.status, add.stderr).toBe(0);
      added.push({ attachment, conf, prepared });
    }
    expect(box.stateFiles()).toEqual(
      [
        ...before,
        `cache/results/sriov-net1-${box.containerID}-net1`,
        `cache/results/vhost-net-${box.containerID}-net2`,
        `devinfo/cni/default-sriov-net1-${box.containerID}_net1`,
        `devinfo/cni/default-vhost-net-${box.containerID}_net2`,
        `ipam/sriov-net1/${box.subnet}.2`,
        "ipam/sriov-net1/last_reserved_ip.0",
        "ipam/sriov-net1/lock",
        `sockets/${box.containerID.slice(0, 12)}-net2.sock`,
      ].sort(),
    );

    // DEL in reverse order, as Multus does: the chain through libcni, then the device-info file.
    for (const { attachment, conf, prepared } of added.reverse()) {
      const del = box.cni("del", conf, attachment.ifName, prepared.capabilityArgs);
      expect(del.status, JSON.stringify(del.out)).toBe(0);
      expect(await releaseDeviceInfo(attachment, { baseDir: box.base })).toBe(true);
      expect(await releaseDeviceInfo(attachment, { baseDir: box.base })).toBe(false);
      // Nothing is left to report: a status built now carries no device-info.
      expect(await collectDeviceInfo(prepared)).toBeUndefined();
    }
    // host-local keeps its lock and last-reserved marker; everything of the pod is gone.
    expect(box.stateFiles()).toEqual([...before, "ipam/sriov-net1/last_reserved_ip.0", "ipam/sriov-net1/lock"].sort());
    expect(podInterface(box, "net1")).toBeUndefined();
  });

  it("after an ADD that failed halfway", async () => {
    await publishDeviceFromDP(box);
    const netConf = sriovNetwork(box, {}); // no representor for the device: the chained plugin fails
    const conf = box.writeConf("sriov-net1.conflist", netConf);
    const attachment = { network: "default/sriov-net1", containerID: box.containerID, ifName: "net1" };
    const prepared = await prepareDeviceInfo({ ...attachment, netConf, resourceName: RESOURCE, deviceID: DEVICE }, { baseDir: box.base });

    const add = box.cni("add", conf, "net1", prepared.capabilityArgs);
    expect(add).toMatchObject({
      status: 1,
      out: {
        code: 7,
        msg: "invalid network configuration",
        details: expect.stringContaining("no representor for PCI device 0000:af:06.0"),
      },
    });
    // The bridge ran, the copy is there, unchanged.
    expect(podInterface(box, "net1")).toBeDefined();
    expect(fs.readFileSync(prepared.cniPath ?? "", "utf8")).toBe(DP_BYTES);

    // What the meta-plugin does next (Multus: delPlugins): DEL the chain, remove the file, from the attachment alone.
    const del = box.cni("del", conf, "net1", prepared.capabilityArgs);
    expect(del.status, JSON.stringify(del.out)).toBe(0);
    expect(await releaseDeviceInfo(attachment, { baseDir: box.base })).toBe(true);
    expect(await releaseDeviceInfo(attachment, { baseDir: box.base })).toBe(false);
    expect(await collectDeviceInfo(prepared)).toBeUndefined();
    expect(box.stateFiles()).toEqual([
      `devinfo/dp/${RESOURCE.replace("/", "-")}-${DEVICE}-device.json`,
      "ipam/sriov-net1/last_reserved_ip.0",
      "ipam/sriov-net1/lock",
    ]);
    expect(podInterface(box, "net1")).toBeUndefined();
  });
});

describe("(4) only plugins that declare the capability receive CNIDeviceInfoFile, exactly as libcni injects it", () => {
  // Values that exercise libcni's re-encoding: key order, HTML escaping, U+2028, numbers.
  const awkward = {
    "x-html": "<a&b>",
    "x-ls": "\u2028é",
    "x-num": [1e21, 0.5, 1e-7],
    "x-obj": { z: 1, a: { d: 2, c: 1 } },
    "10": true,
    "9": false,
  };
  const logger = (b: Sandbox, logAs: string, capabilities?: object) => ({
    type: "devinfo-stdin-logger",
    logAs,
    logDir: b.logs,
    ...awkward,
    ...(capabilities === undefined ? {} : { capabilities }),
  });

  it("in a chain after the real bridge, on ADD and on DEL", async () => {
    const netConf = {
      cniVersion: "1.0.0",
      name: "logged",
      plugins: [
        bridgePlugin(box),
        logger(box, "undeclared"),
        logger(box, "declared", { CNIDeviceInfoFile: true, deviceID: true }),
        logger(box, "other", { portMappings: true }),
        logger(box, "declared-false", { CNIDeviceInfoFile: false }),
      ],
    };
    const attachment = { network: "default/logged", containerID: box.containerID, ifName: "net1" };
    const prepared = await prepareDeviceInfo({ ...attachment, netConf, resourceName: RESOURCE, deviceID: DEVICE }, { baseDir: box.base });
    // The kubelet allocated a device whose device plugin published nothing: a warning, not a failure.
    expect(prepared.warnings.map((w) => w.code)).toEqual(["ERR_DEVINFO_NOT_FOUND"]);
    const capabilityArgs = { ...prepared.capabilityArgs, portMappings: [{ hostPort: 8080, containerPort: 80, protocol: "tcp" }] };
    const conf = box.writeConf("logged.conflist", netConf);
    const add = box.cni("add", conf, "net1", capabilityArgs);
    expect(add.status, add.stderr).toBe(0);
    // No plugin wrote device-info, so the entry has none.
    const [status] = createNetworkStatuses(add.out as CNIResult, attachment.network, false, await collectDeviceInfo(prepared));
    expect(status).toMatchObject({ name: "default/logged", interface: "net1", ips: [`${box.subnet}.2`] });
    expect(status).not.toHaveProperty("device-info");
    expect(box.cni("del", conf, "net1", capabilityArgs).status).toBe(0);

    for (const command of ["ADD", "DEL"]) {
      const received = (logAs: string) => fs.readFileSync(path.join(box.logs, `${logAs}-${command}.json`), "utf8");
      const runtimeConfigOf = (logAs: string) => JSON.parse(received(logAs)).runtimeConfig;
      expect(runtimeConfigOf("undeclared")).toBeUndefined();
      expect(runtimeConfigOf("declared-false")).toBeUndefined();
      expect(runtimeConfigOf("declared")).toEqual({ CNIDeviceInfoFile: prepared.cniPath, deviceID: DEVICE });
      expect(runtimeConfigOf("other")).toEqual({ portMappings: capabilityArgs.portMappings });

      // The package's own injection gives what libcni sent: byte for byte when runtimeConfig
      // was injected, the same JSON value otherwise (libcni then keeps prevResult's struct order).
      netConf.plugins.forEach((plugin, index) => {
        if (plugin.type !== "devinfo-stdin-logger") return;
        const logAs = (plugin as { logAs: string }).logAs;
        const libcni = received(logAs);
        const ours = buildPluginStdin(netConf, { index, capabilityArgs, prevResult: JSON.parse(libcni).prevResult });
        if (runtimeConfigOf(logAs) === undefined) expect(JSON.parse(ours), `${command} ${logAs}`).toEqual(JSON.parse(libcni));
        else expect(ours, `${command} ${logAs}`).toBe(libcni);
      });
    }
  });

  it("first in a chain and as a single configuration: byte for byte", async () => {
    const capabilityArgs = {
      CNIDeviceInfoFile: getCNIDeviceInfoPath(`n-${box.containerID}_net1`, { baseDir: box.base }),
      deviceID: DEVICE,
    };
    const list = {
      cniVersion: "1.0.0",
      name: "first",
      plugins: [logger(box, "first", { CNIDeviceInfoFile: true }), logger(box, "second")],
    };
    const single = { cniVersion: "1.0.0", name: "single", ...logger(box, "single", { CNIDeviceInfoFile: true }) };
    expect(box.cni("add", box.writeConf("first.conflist", list), "net1", capabilityArgs).status).toBe(0);
    expect(box.cni("add", box.writeConf("single.conf", single), "net2", capabilityArgs).status).toBe(0);
    const received = (logAs: string) => fs.readFileSync(path.join(box.logs, `${logAs}-ADD.json`), "utf8");
    expect(buildPluginStdin(list, { index: 0, capabilityArgs })).toBe(received("first"));
    expect(buildPluginStdin(single, { capabilityArgs })).toBe(received("single"));
    expect(JSON.parse(received("single")).runtimeConfig).toEqual({ CNIDeviceInfoFile: capabilityArgs.CNIDeviceInfoFile });
    expect(JSON.parse(received("second")).runtimeConfig).toBeUndefined();
  });
});

describe("(5) the network-status entry built from the real CNI result carries the device-info", () => {
  it("for the SR-IOV-like network and the vhost-user network of one pod", async () => {
    await publishDeviceFromDP(box);
    const statuses = [];
    const pod = [
      {
        network: "default/sriov-net1",
        ifName: "net1",
        netConf: sriovNetwork(box),
        file: "a.conflist",
        request: { resourceName: RESOURCE, deviceID: DEVICE },
      },
      { network: "default/vhost-net", ifName: "net2", netConf: vhostNetwork(box), file: "b.conf", request: {} },
    ];
    for (const { network, ifName, netConf, file, request } of pod) {
      const prepared = await prepareDeviceInfo(
        { network, containerID: box.containerID, ifName, netConf, ...request },
        { baseDir: box.base },
      );
      const add = box.cni("add", box.writeConf(file, netConf), ifName, prepared.capabilityArgs);
      expect(add.status, add.stderr).toBe(0);
      statuses.push(...createNetworkStatuses(add.out as CNIResult, network, false, await collectDeviceInfo(prepared)));
    }
    const net1 = podInterface(box, "net1");
    const socket = path.join(box.sockets, `${box.containerID.slice(0, 12)}-net2.sock`);
    expect(statuses).toEqual([
      {
        name: "default/sriov-net1",
        interface: "net1",
        ips: net1?.ips.map((cidr) => cidr.split("/")[0]),
        mac: net1?.mac,
        dns: {},
        "device-info": JSON.parse(WITH_REPRESENTOR),
        gateway: [`${box.subnet}.1`],
      },
      {
        name: "default/vhost-net",
        interface: "net2",
        dns: {},
        "device-info": { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: socket } },
      },
    ]);
    // The annotation a workload reads back (through the Downward API) holds both documents.
    const annotation = serializeNetworkStatusAnnotation(statuses);
    expect(annotation).toContain(`"device-info": {\n        "type": "pci",\n        "version": "1.1.0",`);
    expect(parseNetworkStatusAnnotation(annotation).map((s) => s["device-info"])).toEqual([
      JSON.parse(WITH_REPRESENTOR),
      { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: socket } },
    ]);
  });
});
