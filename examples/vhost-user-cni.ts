#!/usr/bin/env node
/**
 * devinfo-vhost-user: an example CNI plugin that creates a vhost-user socket
 * for the pod and publishes it as device-info (spec 5.1.2: "if a file does not
 * exist ... the CNI plugin can write"). No device plugin is involved.
 *
 * Network configuration (a single plugin or the first of a chain):
 *
 * ```json
 * {
 *   "cniVersion": "1.0.0", "name": "vhost-net", "type": "devinfo-vhost-user",
 *   "capabilities": { "CNIDeviceInfoFile": true },
 *   "socketDir": "/var/run/vhost-user"
 * }
 * ```
 *
 * ADD creates `<socketDir>/<containerID:12>-<ifName>.sock` (both names as
 * pluginMain checked them, and the path checked to stay in `socketDir`) in "client" mode
 * (the host creates the socket, the pod's application attaches to it; mount
 * `socketDir` into the pod) and writes
 * `{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"client","path":...}}`
 * to the file the runtime passed in `runtimeConfig.CNIDeviceInfoFile`, unless
 * a document is already there. DEL removes the socket; the meta-plugin removes
 * the device-info file. CHECK verifies both.
 *
 * A real plugin would ask the vswitch (OVS-DPDK, VPP) to create the socket;
 * here the plugin binds it itself, and exits at once so that Node does not
 * unlink it on the way out.
 *
 * Build: `npm run build:examples` bundles this file into one executable,
 * `examples/dist/devinfo-vhost-user`, to copy into the CNI bin directory.
 */

import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import {
  CNIError,
  type CNIPlugin,
  type CNIPluginArgs,
  loadDeviceInfoFromCNISync,
  pluginMain,
  SPEC_VERSION,
  saveDeviceInfoIfAbsentSync,
  type VhostUserDeviceInfo,
} from "devinfo";

// The Sync twins: a CNI plugin is a short process making one or two calls, and
// they cost less to start than the async ones (no thread pool, no promise chain).

const DEFAULT_SOCKET_DIR = "/var/run/vhost-user";
/** sun_path holds 108 bytes, the last one a NUL. */
const MAX_SOCKET_PATH_BYTES = 107;

function socketPath({ netConf, containerID, ifName }: CNIPluginArgs): string {
  const dir = netConf.socketDir ?? DEFAULT_SOCKET_DIR;
  if (typeof dir !== "string" || !path.isAbsolute(dir) || path.normalize(dir) !== dir) {
    throw new CNIError(
      7,
      "invalid network configuration",
      `"socketDir" must be an absolute path without "." or ".." parts, got ${JSON.stringify(dir)}`,
    );
  }
  // pluginMain has checked both names as Go's skel does (neither can hold a "/"
  // or be "." or ".."); the file must stay in socketDir whoever calls this, so
  // the path is checked again rather than trusted.
  const file = path.join(dir, `${containerID.slice(0, 12)}-${ifName}.sock`);
  if (containerID === "" || ifName === "" || path.dirname(file) !== path.resolve(dir)) {
    throw new CNIError(
      4,
      "invalid environment",
      `the socket of container ${JSON.stringify(containerID)} interface ${JSON.stringify(ifName)} would be outside "socketDir"`,
    );
  }
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH_BYTES) {
    throw new CNIError(
      7,
      "invalid network configuration",
      `socket path ${file} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a shorter "socketDir"`,
    );
  }
  return file;
}

function deviceInfoFor(socket: string): VhostUserDeviceInfo {
  return { type: "vhost-user", version: SPEC_VERSION, "vhost-user": { mode: "client", path: socket } };
}

async function createSocket(file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  fs.rmSync(file, { force: true }); // a socket left by an earlier ADD of this attachment
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(file, () => resolve());
  });
}

const plugin: CNIPlugin = {
  async add(args) {
    const socket = socketPath(args);
    await createSocket(socket);
    if (args.cniDeviceInfoFile !== undefined) {
      // An existing document (e.g. copied from a device plugin) is the meta-plugin's to keep.
      saveDeviceInfoIfAbsentSync(args.cniDeviceInfoFile, deviceInfoFor(socket));
    }
    const iface = { name: args.ifName, sandbox: args.netns };
    const prev = args.netConf.prevResult;
    return prev === undefined ? { interfaces: [iface], dns: {} } : { ...prev, interfaces: [...(prev.interfaces ?? []), iface] };
  },

  del(args) {
    fs.rmSync(socketPath(args), { force: true });
  },

  check(args) {
    const socket = socketPath(args);
    if (!fs.statSync(socket, { throwIfNoEntry: false })?.isSocket()) {
      throw new CNIError(110, `vhost-user socket ${socket} is missing`);
    }
    if (args.cniDeviceInfoFile === undefined) return;
    const info = loadDeviceInfoFromCNISync(args.cniDeviceInfoFile);
    if (info === undefined) throw new CNIError(112, `device-info ${args.cniDeviceInfoFile} is missing`);
    if (info.type === "vhost-user" && info["vhost-user"].path !== socket) {
      throw new CNIError(111, `device-info ${args.cniDeviceInfoFile} names socket ${info["vhost-user"].path}, not ${socket}`);
    }
  },
};

// Exit at once: the socket must outlive this process.
void pluginMain(plugin).then((code) => process.exit(code));
