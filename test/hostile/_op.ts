/**
 * Runs one file operation in a child process (as another user, under another
 * umask) and prints its outcome as JSON on stdout: `{"outcome":"ok"}` or
 * `{"outcome":"<code>","errno":"<errno>"}`. Bundled from the sources by the
 * root suite.
 */

import {
  cleanDeviceInfoForCNI,
  cleanDeviceInfoForCNISync,
  cleanDeviceInfoForDP,
  cleanDeviceInfoForDPSync,
  copyDeviceInfoForCNIFromDP,
  copyDeviceInfoForCNIFromDPSync,
  type DeviceInfo,
  isDeviceInfoError,
  loadDeviceInfoFromCNI,
  loadDeviceInfoFromCNISync,
  loadDeviceInfoFromDP,
  loadDeviceInfoFromDPSync,
  saveDeviceInfoForCNI,
  saveDeviceInfoForCNISync,
  saveDeviceInfoForDP,
  saveDeviceInfoForDPSync,
  updateDeviceInfoForCNI,
  updateDeviceInfoForCNISync,
} from "../../src/index.js";

export interface OpCommand {
  readonly op: "saveDP" | "overwriteDP" | "loadDP" | "cleanDP" | "saveCNI" | "overwriteCNI" | "loadCNI" | "cleanCNI" | "copy" | "update";
  readonly twin: "sync" | "async";
  readonly baseDir: string;
  /** The CNI file, for the CNI operations. */
  readonly path?: string;
  readonly info?: DeviceInfo;
  readonly umask?: number;
}

export interface OpResult {
  readonly outcome: string;
  readonly errno?: string | undefined;
  readonly message?: string | undefined;
}

const INFO: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };

async function run(cmd: OpCommand): Promise<unknown> {
  const o = { baseDir: cmd.baseDir };
  const info = cmd.info ?? INFO;
  const cni = cmd.path ?? "";
  const sync = cmd.twin === "sync";
  switch (cmd.op) {
    case "saveDP":
      return sync ? saveDeviceInfoForDPSync("r", "d", info, o) : saveDeviceInfoForDP("r", "d", info, o);
    case "overwriteDP":
      return sync
        ? saveDeviceInfoForDPSync("r", "d", info, { ...o, overwrite: true })
        : saveDeviceInfoForDP("r", "d", info, { ...o, overwrite: true });
    case "loadDP":
      return sync ? loadDeviceInfoFromDPSync("r", "d", o) : loadDeviceInfoFromDP("r", "d", o);
    case "cleanDP":
      return sync ? cleanDeviceInfoForDPSync("r", "d", o) : cleanDeviceInfoForDP("r", "d", o);
    case "saveCNI":
      return sync ? saveDeviceInfoForCNISync(cni, info, o) : saveDeviceInfoForCNI(cni, info, o);
    case "overwriteCNI":
      return sync
        ? saveDeviceInfoForCNISync(cni, info, { ...o, overwrite: true })
        : saveDeviceInfoForCNI(cni, info, { ...o, overwrite: true });
    case "loadCNI":
      return sync ? loadDeviceInfoFromCNISync(cni, o) : loadDeviceInfoFromCNI(cni, o);
    case "cleanCNI":
      return sync ? cleanDeviceInfoForCNISync(cni, o) : cleanDeviceInfoForCNI(cni, o);
    case "copy":
      return sync ? copyDeviceInfoForCNIFromDPSync(cni, "r", "d", o) : copyDeviceInfoForCNIFromDP(cni, "r", "d", o);
    case "update": {
      const fn = (current: DeviceInfo | undefined) => ({ ...(current ?? info), "updated-by": process.pid }) as DeviceInfo;
      return sync ? updateDeviceInfoForCNISync(cni, fn, o) : updateDeviceInfoForCNI(cni, fn, o);
    }
  }
}

/** Runs `cmd` in this process; never throws. */
export async function runOp(cmd: OpCommand): Promise<OpResult> {
  try {
    await run(cmd);
    return { outcome: "ok" };
  } catch (err) {
    if (!isDeviceInfoError(err)) return { outcome: `crash: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}` };
    return { outcome: err.code, errno: err.errno, message: err.message };
  }
}

const arg = process.argv[2];
if (arg !== undefined && process.argv[1]?.endsWith("_op.mjs")) {
  const cmd = JSON.parse(arg) as OpCommand;
  if (cmd.umask !== undefined) process.umask(cmd.umask);
  process.stdout.write(JSON.stringify(await runOp(cmd)));
}
