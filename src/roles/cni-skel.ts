/**
 * The CNI protocol for a plugin executable, like Go's `skel.PluginMain`: the
 * command and its arguments from the environment (`CNI_COMMAND`,
 * `CNI_CONTAINERID`, `CNI_NETNS`, `CNI_IFNAME`, `CNI_ARGS`, `CNI_PATH`), the
 * network configuration on stdin, the result or a CNI error as JSON on stdout,
 * and `VERSION` answered for you. Only what a plugin needs to exchange
 * device-info; it does not convert results between CNI versions.
 */

import { readFileSync } from "node:fs";
import { isDeviceInfoError } from "../errors.js";
import { isObject } from "../format/validate.js";
import type { CNIResult } from "../status/cni-result.js";
import { describe } from "./_netconf.js";
import { getCNIDeviceInfoFile } from "./cni-plugin.js";

/** A plugin's network configuration as read from stdin. */
export interface CNINetConf {
  readonly cniVersion: string;
  readonly name: string;
  readonly type: string;
  readonly capabilities?: Readonly<Record<string, boolean>>;
  readonly runtimeConfig?: Readonly<Record<string, unknown>>;
  /** The result of the previous plugins of the chain (ADD), or the cached result (CHECK, DEL). */
  readonly prevResult?: CNIResult;
  readonly [key: string]: unknown;
}

/** One call of the plugin. */
export interface CNIPluginArgs {
  readonly command: "ADD" | "DEL" | "CHECK";
  /** `CNI_CONTAINERID`. */
  readonly containerID: string;
  /** `CNI_NETNS`: the network namespace's path (may be empty on DEL). */
  readonly netns: string;
  /** `CNI_IFNAME`. */
  readonly ifName: string;
  /** `CNI_ARGS`, unparsed (`K1=V1;K2=V2`). */
  readonly args: string;
  /** `CNI_PATH`. */
  readonly path: string;
  /** The raw stdin. */
  readonly stdinData: Uint8Array;
  /** The parsed stdin. */
  readonly netConf: CNINetConf;
  /** `runtimeConfig.CNIDeviceInfoFile`, when the runtime passed one (see {@link getCNIDeviceInfoFile}). */
  readonly cniDeviceInfoFile: string | undefined;
}

/** What a plugin implements. Each may be async; throw a {@link CNIError} to choose the error code. */
export interface CNIPlugin {
  /** ADD: set the attachment up and return the result (a chained plugin returns `prevResult`, possibly amended). */
  add(args: CNIPluginArgs): CNIResult | Promise<CNIResult>;
  /** DEL: tear it down. Must succeed when there is nothing left to remove. */
  del(args: CNIPluginArgs): void | Promise<void>;
  /** CHECK: throw when the attachment is not as ADD left it. Default: nothing to check. */
  check?(args: CNIPluginArgs): void | Promise<void>;
  /** The CNI versions the plugin speaks. Default `["0.3.0", "0.3.1", "0.4.0", "1.0.0"]`. */
  supportedVersions?: readonly string[];
}

/** Where {@link pluginMain} reads and writes; the process's own by default (for tests). */
export interface CNIPluginIO {
  env?: Readonly<Record<string, string | undefined>>;
  stdin?: Uint8Array;
  stdout?: (text: string) => void;
}

/**
 * An error a plugin reports to the runtime: CNI's `code` (1-99 are the spec's,
 * e.g. 7 "invalid network configuration"; 100 and up are the plugin's), `msg`
 * and `details`.
 */
export class CNIError extends Error {
  override readonly name = "CNIError";
  /** The CNI error code. */
  readonly code: number;
  /** Longer explanation (CNI's `details`). */
  readonly details: string | undefined;
  constructor(code: number, msg: string, details?: string) {
    super(msg);
    this.code = code;
    this.details = details;
  }
}

/** CNI error codes of the spec used here. */
export const CNI_ERROR = {
  INCOMPATIBLE_VERSION: 1,
  INVALID_ENVIRONMENT: 4,
  IO_FAILURE: 5,
  DECODING_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  /** Any other failure of this package (a DeviceInfoError). */
  DEVICE_INFO: 100,
  /** A bug: an exception that is neither a CNIError nor a DeviceInfoError. */
  UNEXPECTED: 999,
} as const;

const DEFAULT_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] as const;

/**
 * Runs one CNI call: reads the environment and stdin, calls `plugin.add`,
 * `del` or `check` (or answers `VERSION`), and prints the result or the error
 * as JSON on stdout. Resolves to the exit code (0, or 1 after an error), which
 * the executable sets; it never throws.
 *
 * A {@link CNIError} is printed with its code; a DeviceInfoError with code
 * 5 (I/O failure) for `ERR_DEVINFO_IO` and 100 otherwise, its `code` and path
 * in `details`; anything else with code 999.
 *
 * @example
 * ```ts
 * #!/usr/bin/env node
 * process.exitCode = await pluginMain({
 *   add: ({ netConf, cniDeviceInfoFile }) => netConf.prevResult ?? { cniVersion: netConf.cniVersion },
 *   del: () => {},
 * });
 * ```
 */
export async function pluginMain(plugin: CNIPlugin, io: CNIPluginIO = {}): Promise<number> {
  const env = io.env ?? process.env;
  const write = io.stdout ?? ((text: string) => process.stdout.write(text));
  const versions = plugin.supportedVersions ?? DEFAULT_VERSIONS;
  let cniVersion = versions[versions.length - 1] ?? "1.0.0";
  try {
    const command = env.CNI_COMMAND ?? "";
    if (command === "") throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, "required env variables [CNI_COMMAND] missing");
    const stdinData = io.stdin ?? readFileSync(0);
    if (command === "VERSION") {
      // Runtimes send {"cniVersion": ...} or nothing at all; the answer does not depend on it.
      const requested = tryParse(stdinData)?.cniVersion;
      if (typeof requested === "string" && versions.includes(requested)) cniVersion = requested;
      write(`${JSON.stringify({ cniVersion, supportedVersions: versions })}\n`);
      return 0;
    }
    if (command !== "ADD" && command !== "DEL" && command !== "CHECK") {
      throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, `unknown CNI_COMMAND: ${command}`);
    }
    const conf = parseStdin(stdinData);
    if (typeof conf.cniVersion === "string" && versions.includes(conf.cniVersion)) cniVersion = conf.cniVersion;
    const missing = ["CNI_CONTAINERID", ...(command === "DEL" ? [] : ["CNI_NETNS"]), "CNI_IFNAME", "CNI_PATH"].filter(
      (name) => (env[name] ?? "") === "",
    );
    if (missing.length > 0) throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, `required env variables [${missing.join(" ")}] missing`);
    const netConf = checkNetConf(conf, versions);
    let cniDeviceInfoFile: string | undefined;
    try {
      cniDeviceInfoFile = getCNIDeviceInfoFile(netConf);
    } catch (err) {
      throw new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "invalid network configuration", (err as Error).message);
    }
    const args: CNIPluginArgs = {
      command,
      containerID: env.CNI_CONTAINERID ?? "",
      netns: env.CNI_NETNS ?? "",
      ifName: env.CNI_IFNAME ?? "",
      args: env.CNI_ARGS ?? "",
      path: env.CNI_PATH ?? "",
      stdinData,
      netConf,
      cniDeviceInfoFile,
    };
    if (command === "ADD") {
      const { cniVersion: own, ...rest } = await plugin.add(args);
      write(`${JSON.stringify({ cniVersion: own ?? netConf.cniVersion, ...rest })}\n`);
    } else if (command === "DEL") {
      await plugin.del(args);
    } else {
      await plugin.check?.(args);
    }
    return 0;
  } catch (err) {
    write(`${JSON.stringify(toCNIError(err, cniVersion))}\n`);
    return 1;
  }
}

function tryParse(stdin: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(stdin));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseStdin(stdin: Uint8Array): Record<string, unknown> {
  let conf: unknown;
  try {
    conf = JSON.parse(new TextDecoder().decode(stdin));
  } catch (err) {
    throw new CNIError(
      CNI_ERROR.DECODING_FAILURE,
      "decoding failure: the network configuration on stdin is not JSON",
      (err as Error).message,
    );
  }
  if (!isObject(conf)) {
    throw new CNIError(
      CNI_ERROR.DECODING_FAILURE,
      `decoding failure: the network configuration on stdin must be an object, got ${describe(conf)}`,
    );
  }
  return conf;
}

function checkNetConf(conf: Record<string, unknown>, versions: readonly string[]): CNINetConf {
  const version = conf.cniVersion;
  if (typeof version !== "string" || !versions.includes(version)) {
    throw new CNIError(
      CNI_ERROR.INCOMPATIBLE_VERSION,
      `incompatible CNI versions; config is ${JSON.stringify(version ?? "")}, plugin supports ${JSON.stringify(versions)}`,
    );
  }
  for (const key of ["name", "type"] as const) {
    if (typeof conf[key] !== "string") {
      throw new CNIError(
        CNI_ERROR.INVALID_NETWORK_CONFIG,
        "invalid network configuration",
        `"${key}" must be a string, got ${describe(conf[key])}`,
      );
    }
  }
  if (conf.prevResult !== undefined && !isObject(conf.prevResult)) {
    throw new CNIError(
      CNI_ERROR.INVALID_NETWORK_CONFIG,
      "invalid network configuration",
      `"prevResult" must be an object, got ${describe(conf.prevResult)}`,
    );
  }
  return conf as unknown as CNINetConf;
}

function toCNIError(err: unknown, cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
  if (err instanceof CNIError) {
    return err.details === undefined
      ? { cniVersion, code: err.code, msg: err.message }
      : { cniVersion, code: err.code, msg: err.message, details: err.details };
  }
  if (isDeviceInfoError(err)) {
    const code = err.code === "ERR_DEVINFO_IO" ? CNI_ERROR.IO_FAILURE : CNI_ERROR.DEVICE_INFO;
    return { cniVersion, code, msg: err.message, details: err.path === undefined ? err.code : `${err.code} ${err.path}` };
  }
  return { cniVersion, code: CNI_ERROR.UNEXPECTED, msg: err instanceof Error ? err.message : String(err) };
}
