#!/usr/bin/env node
/**
 * devinfo-pci-representor: an example chained CNI plugin that adds the VF's
 * representor to the PCI device-info the meta-plugin copied from the device
 * plugin (spec 5.1.2: "the CNI plugin can read ... and if required update"),
 * as the accelerated-bridge CNI does with `representor-device`.
 *
 * Network configuration (after an interface plugin, in a list):
 *
 * ```json
 * {
 *   "cniVersion": "1.0.0", "name": "sriov-net1",
 *   "plugins": [
 *     { "type": "sriov", ... },
 *     { "type": "devinfo-pci-representor", "capabilities": { "CNIDeviceInfoFile": true },
 *       "representors": { "0000:af:06.0": "pf0vf3" } }
 *   ]
 * }
 * ```
 *
 * ADD reads the copied document, looks up the representor of its
 * `pci-address` and adds it as `representor-device` (the file is rewritten at
 * version 1.1.0, keeping fields this plugin does not know; an unchanged file
 * is not rewritten). It passes `prevResult` on unchanged. With no file, or a
 * document that is not `pci`, there is nothing to do. A PCI device with no
 * configured representor fails the ADD. DEL has nothing to undo: the
 * meta-plugin removes the file. CHECK verifies the field.
 *
 * A real plugin would find the representor in sysfs (the PF's switchdev
 * `phys_port_name`); a table in the configuration keeps the example small.
 *
 * Build: `npm run build:examples` bundles this file into one executable,
 * `examples/dist/devinfo-pci-representor`, to copy into the CNI bin directory.
 */

// A CNI plugin is a short process making one or two calls: the Sync twins
// cost less to start than the async ones (no thread pool, no promise chain).
import { addDeviceInfoFieldsSync, CNIError, type CNIPlugin, type CNIPluginArgs, loadDeviceInfoFromCNISync, pluginMain } from "devinfo";

function representorOf(args: CNIPluginArgs, pciAddress: string): string {
  const table = args.netConf.representors;
  const representor = typeof table === "object" && table !== null ? (table as Record<string, unknown>)[pciAddress] : undefined;
  if (typeof representor !== "string" || representor === "") {
    throw new CNIError(7, "invalid network configuration", `"representors" has no representor for PCI device ${pciAddress}`);
  }
  return representor;
}

/** The PCI address of the device-info document, or undefined when there is nothing to do. */
function pciAddressOf(args: CNIPluginArgs): string | undefined {
  if (args.cniDeviceInfoFile === undefined) return undefined;
  const info = loadDeviceInfoFromCNISync(args.cniDeviceInfoFile);
  return info?.type === "pci" ? info.pci["pci-address"] : undefined;
}

const plugin: CNIPlugin = {
  add(args) {
    const prevResult = args.netConf.prevResult;
    if (prevResult === undefined) {
      throw new CNIError(
        7,
        "invalid network configuration",
        "devinfo-pci-representor is a chained plugin: put it after an interface plugin",
      );
    }
    const pciAddress = pciAddressOf(args);
    if (pciAddress !== undefined && args.cniDeviceInfoFile !== undefined) {
      addDeviceInfoFieldsSync(args.cniDeviceInfoFile, { pci: { "representor-device": representorOf(args, pciAddress) } });
    }
    return prevResult;
  },

  del() {},

  check(args) {
    const pciAddress = pciAddressOf(args);
    if (pciAddress === undefined || args.cniDeviceInfoFile === undefined) return;
    const info = loadDeviceInfoFromCNISync(args.cniDeviceInfoFile);
    const expected = representorOf(args, pciAddress);
    if (info?.type !== "pci" || info.pci["representor-device"] !== expected) {
      throw new CNIError(110, `device-info ${args.cniDeviceInfoFile} does not name representor ${expected}`);
    }
  },
};

void pluginMain(plugin).then((code) => {
  process.exitCode = code;
});
