/**
 * The CNI protocol for a plugin executable, like Go's `skel.PluginMainFuncs`
 * (containernetworking/cni `pkg/skel`): the command and its arguments from
 * the environment (`CNI_COMMAND`, `CNI_CONTAINERID`, `CNI_NETNS`,
 * `CNI_IFNAME`, `CNI_ARGS`, `CNI_PATH`), the network configuration on stdin,
 * the result or a CNI error as JSON on stdout, and `VERSION` answered for
 * you. Every verb of CNI 1.1.0 (ADD, DEL, CHECK, STATUS, GC, VERSION) and
 * every version Go's `version.All` lists. Only what a plugin needs to
 * exchange device-info; it does not convert results between CNI versions.
 */

import { Buffer } from "node:buffer";
import { readSync } from "node:fs";
import { checkArray, checkFunction, checkInteger, checkObject, checkOptions, checkString, invalidArgType } from "../_args.js";
import { CNIError, isCNIError, isDeviceInfoError } from "../errors.js";
import { readGoJson } from "../format/_go-text.js";
import { isObject } from "../format/validate.js";
import type { CNIResult } from "../status/cni-result.js";
import { readGCAttachments } from "./_gc-request.js";
import { describe } from "./_netconf.js";
import { getCNIDeviceInfoFile } from "./cni-plugin.js";

export { CNIError, isCNIError } from "../errors.js";

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

/** A still-valid attachment, as the runtime lists them for GC (`cni.dev/valid-attachments`). */
export interface CNIGCAttachment {
  readonly containerID: string;
  readonly ifname: string;
}

/** One call of the plugin. */
export interface CNIPluginArgs {
  readonly command: "ADD" | "DEL" | "CHECK" | "STATUS" | "GC";
  /** `CNI_CONTAINERID` (empty for STATUS and GC, which concern no container). */
  readonly containerID: string;
  /** `CNI_NETNS`: the network namespace's path (may be empty on DEL; empty for STATUS and GC). */
  readonly netns: string;
  /** `CNI_IFNAME` (empty for STATUS and GC). */
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
  /**
   * GC only: the attachments that are still valid (the configuration's
   * `cni.dev/valid-attachments`); anything else the plugin holds for this
   * network may be released. Empty when the runtime sent none.
   */
  readonly validAttachments?: readonly CNIGCAttachment[];
}

/** What a plugin implements. Each may be async; throw a {@link CNIError} to choose the error code. */
export interface CNIPlugin {
  /** ADD: set the attachment up and return the result (a chained plugin returns `prevResult`, possibly amended). */
  add(args: CNIPluginArgs): CNIResult | Promise<CNIResult>;
  /** DEL: tear it down. Must succeed when there is nothing left to remove. */
  del(args: CNIPluginArgs): void | Promise<void>;
  /** CHECK (configurations of CNI 0.4.0 and later): throw when the attachment is not as ADD left it. Default: nothing to check. */
  check?(args: CNIPluginArgs): void | Promise<void>;
  /**
   * STATUS (CNI 1.1.0 and later): throw a {@link CNIError} (code 50, "plugin
   * not available") when the plugin cannot serve ADDs now. Default: ready, as
   * Go's skel answers without a `Status` function.
   */
  status?(args: CNIPluginArgs): void | Promise<void>;
  /**
   * GC (CNI 1.1.0 and later): release whatever the plugin holds for this
   * network except `args.validAttachments`. Default: nothing to release, as
   * Go's skel answers without a `GC` function.
   */
  gc?(args: CNIPluginArgs): void | Promise<void>;
  /** The CNI versions the plugin speaks. Default: every version Go's `version.All` lists, `0.1.0` to `1.1.0`. */
  supportedVersions?: readonly string[];
}

/** Where {@link pluginMain} reads and writes; the process's own by default (for tests). */
export interface CNIPluginIO {
  /** The environment (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The network configuration (default: read from file descriptor 0, up to `maxStdinBytes`). */
  stdin?: Uint8Array;
  /** Where the result or the error JSON goes (default `process.stdout`). */
  stdout?: (text: string) => void;
  /**
   * The most bytes read from stdin, in bytes (default
   * {@link DEFAULT_MAX_STDIN_BYTES}, 4 MiB). A larger configuration fails
   * with CNI code 5 (I/O failure) as soon as the cap is passed; the rest is
   * never read. Go's `skel` has no cap; configurations are a few kilobytes.
   */
  maxStdinBytes?: number;
}

/** The default cap of a plugin's stdin, in bytes: 4 MiB (see {@link CNIPluginIO.maxStdinBytes}). */
export const DEFAULT_MAX_STDIN_BYTES = 4 * 1024 * 1024;

/** CNI error codes of the spec used here. */
export const CNI_ERROR = {
  INCOMPATIBLE_VERSION: 1,
  INVALID_ENVIRONMENT: 4,
  IO_FAILURE: 5,
  DECODING_FAILURE: 6,
  INVALID_NETWORK_CONFIG: 7,
  /** STATUS: the plugin cannot serve ADDs now (spec 1.1.0). */
  PLUGIN_NOT_AVAILABLE: 50,
  /** STATUS: the plugin can serve ADDs, but only limited ones (spec 1.1.0). */
  LIMITED_CONNECTIVITY: 51,
  /** Any other failure of this package (a DeviceInfoError). */
  DEVICE_INFO: 100,
  /** A bug: an exception that is neither a CNIError nor a DeviceInfoError. */
  UNEXPECTED: 999,
} as const;

/** The versions Go's `version.All` lists (containernetworking/cni `pkg/version`), oldest first. */
const DEFAULT_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

type Command = CNIPluginArgs["command"];

/**
 * Per command: the environment variables it requires (after `CNI_COMMAND`),
 * and the oldest configuration version that has it; as Go's `skel`.
 */
const COMMANDS: Readonly<Record<Command, { env: readonly string[]; since?: string }>> = {
  ADD: { env: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"] },
  DEL: { env: ["CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"] },
  CHECK: { env: ["CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"], since: "0.4.0" },
  STATUS: { env: ["CNI_PATH"], since: "1.1.0" },
  GC: { env: ["CNI_PATH"], since: "1.1.0" },
};

/**
 * Runs one CNI call: reads the environment and stdin, calls `plugin.add`,
 * `del`, `check`, `status` or `gc` (or answers `VERSION`), and prints the
 * result or the error as JSON on stdout. Resolves to the exit code (0, or 1
 * after an error), which the executable sets; it never rejects for anything
 * the runtime sends or a handler throws.
 *
 * As Go's `skel`: a configuration without `cniVersion` is CNI 0.1.0; its
 * version must be one of `supportedVersions` (code 1 otherwise); CHECK needs a
 * configuration of 0.4.0 or later, STATUS and GC of 1.1.0 or later (code 1
 * otherwise); STATUS and GC need only `CNI_PATH`; a missing `status` or `gc`
 * handler succeeds with no output, as Go's does without its function.
 *
 * A {@link CNIError} (of any copy of this package: see {@link isCNIError}) is
 * printed with its code; a DeviceInfoError with code 5 (I/O failure) for
 * `ERR_DEVINFO_IO` and 100 otherwise, its `code` and path in `details`;
 * anything else with code 999 (Go's `ErrInternal`).
 *
 * @throws `TypeError` (`ERR_INVALID_ARG_TYPE`) as a rejection when `plugin`
 *   has no `add` or `del` function, or `io` is not an object of the shape
 *   {@link CNIPluginIO}: a bug in the plugin, not a CNI error.
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
  checkPlugin(plugin);
  checkIO(io);
  const env = io.env ?? process.env;
  const write = io.stdout ?? ((text: string) => process.stdout.write(text));
  const versions = plugin.supportedVersions ?? DEFAULT_VERSIONS;
  const maxStdinBytes = io.maxStdinBytes ?? DEFAULT_MAX_STDIN_BYTES;
  let cniVersion = versions[versions.length - 1] ?? "1.1.0";
  try {
    const command = env.CNI_COMMAND ?? "";
    if (command === "") throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, "required env variables [CNI_COMMAND] missing");
    if (command === "VERSION") {
      // Runtimes send {"cniVersion": ...} or nothing at all; Go ignores it, the spec
      // asks for the same version back when the plugin supports it.
      const requested = tryParse(io.stdin ?? readStdin(maxStdinBytes))?.cniVersion;
      if (typeof requested === "string" && versions.includes(requested)) cniVersion = requested;
      write(`${JSON.stringify({ cniVersion, supportedVersions: versions })}\n`);
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, command)) throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, `unknown CNI_COMMAND: ${command}`);
    const verb = command as Command;
    const missing = COMMANDS[verb].env.filter((name) => (env[name] ?? "") === "");
    if (missing.length > 0) throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, `required env variables [${missing.join(",")}] missing`);
    const stdinData = io.stdin ?? readStdin(maxStdinBytes);
    const conf = parseStdin(stdinData);
    // Go's version.ConfigDecoder: no (or an empty) cniVersion is 0.1.0.
    const version = typeof conf.cniVersion === "string" && conf.cniVersion !== "" ? conf.cniVersion : "0.1.0";
    if (versions.includes(version)) cniVersion = version;
    const netConf = checkNetConf({ ...conf, cniVersion: version });
    checkVersion(verb, version, versions);
    let cniDeviceInfoFile: string | undefined;
    try {
      cniDeviceInfoFile = getCNIDeviceInfoFile(netConf);
    } catch (err) {
      throw new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "invalid network configuration", (err as Error).message);
    }
    const args: CNIPluginArgs = {
      command: verb,
      containerID: env.CNI_CONTAINERID ?? "",
      netns: env.CNI_NETNS ?? "",
      ifName: env.CNI_IFNAME ?? "",
      args: env.CNI_ARGS ?? "",
      path: env.CNI_PATH ?? "",
      stdinData,
      netConf,
      cniDeviceInfoFile,
      ...(verb === "GC" ? { validAttachments: validAttachments(netConf) } : {}),
    };
    if (verb === "ADD") {
      const { cniVersion: own, ...rest } = await plugin.add(args);
      write(`${JSON.stringify({ cniVersion: own ?? netConf.cniVersion, ...rest })}\n`);
    } else if (verb === "DEL") {
      await plugin.del(args);
    } else if (verb === "CHECK") {
      await plugin.check?.(args);
    } else if (verb === "STATUS") {
      await plugin.status?.(args);
    } else {
      await plugin.gc?.(args);
    }
    return 0;
  } catch (err) {
    write(`${JSON.stringify(toCNIError(err, cniVersion))}\n`);
    return 1;
  }
}

/**
 * File descriptor 0, read to its end or until past `maxBytes` (then code 5,
 * as Go's skel reports a failed read of stdin): a runaway pipe costs at most
 * the cap in memory. A non-blocking stdin (EAGAIN) is waited on.
 */
function readStdin(maxBytes: number): Uint8Array {
  const chunks: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(64 * 1024);
  let size = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === "EOF") break; // Windows' end of a pipe
      throw new CNIError(CNI_ERROR.IO_FAILURE, `error reading from stdin: ${(err as Error).message}`);
    }
    if (n === 0) break;
    size += n;
    if (size > maxBytes) {
      throw new CNIError(
        CNI_ERROR.IO_FAILURE,
        `error reading from stdin: the network configuration is over the ${maxBytes}-byte limit (io.maxStdinBytes of pluginMain)`,
      );
    }
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks, size);
}

function checkPlugin(plugin: CNIPlugin): void {
  checkObject(plugin, "plugin");
  checkFunction(plugin.add, "plugin.add");
  checkFunction(plugin.del, "plugin.del");
  for (const key of ["check", "status", "gc"] as const) if (plugin[key] !== undefined) checkFunction(plugin[key], `plugin.${key}`);
  const versions: unknown = plugin.supportedVersions;
  if (versions !== undefined) {
    checkArray(versions, "plugin.supportedVersions");
    for (const [i, v] of versions.entries()) checkString(v, `plugin.supportedVersions[${i}]`);
  }
}

function checkIO(io: CNIPluginIO): void {
  checkOptions(io, "io");
  if (io.env !== undefined) checkObject(io.env, "io.env");
  if (io.stdin !== undefined && !(io.stdin instanceof Uint8Array)) throw invalidArgType("io.stdin", "an instance of Uint8Array", io.stdin);
  if (io.stdout !== undefined) checkFunction(io.stdout, "io.stdout");
  if (io.maxStdinBytes !== undefined) checkInteger(io.maxStdinBytes, "io.maxStdinBytes");
}

/** Go's `skel` version rules: the oldest version of the command, then an exact match in the plugin's list. */
function checkVersion(command: Command, version: string, versions: readonly string[]): void {
  const since = COMMANDS[command].since;
  if (since !== undefined) {
    if (compareVersions(version, since) < 0) {
      throw new CNIError(CNI_ERROR.INCOMPATIBLE_VERSION, `config version does not allow ${command}`);
    }
    if (!versions.some((v) => compareVersions(v, version) >= 0)) {
      throw new CNIError(CNI_ERROR.INCOMPATIBLE_VERSION, `plugin version does not allow ${command}`);
    }
  }
  if (!versions.includes(version)) {
    throw new CNIError(
      CNI_ERROR.INCOMPATIBLE_VERSION,
      "incompatible CNI versions",
      `config is ${JSON.stringify(version)}, plugin supports ${JSON.stringify(versions)}`,
    );
  }
}

/** Orders two `major.minor.patch` versions; a malformed one is a decoding failure (code 6), as in Go. */
function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

function parseVersion(version: string): [number, number, number] {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(version);
  if (match === null)
    throw new CNIError(CNI_ERROR.DECODING_FAILURE, `invalid version ${JSON.stringify(version)}: expected major.minor.patch`);
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/**
 * GC's `cni.dev/valid-attachments` (the key Go's `types.PluginConf` reads;
 * libcni also sends it as `cni.dev/attachments`, the name the spec's text
 * used, read here when the first is absent): each entry an object with
 * string `containerID` and `ifname`.
 */
function validAttachments(netConf: CNINetConf): CNIGCAttachment[] {
  return readGCAttachments(netConf, (detail) => new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "invalid network configuration", detail))
    .attachments;
}
// Decoded as Go's skel decodes it (the one JSON-text reader: BOM, UTF-8, depth).
const STDIN_TEXT = { what: "the network configuration on stdin", hint: "send the plugin's JSON configuration" };

function tryParse(stdin: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = readGoJson(stdin, STDIN_TEXT);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseStdin(stdin: Uint8Array): Record<string, unknown> {
  let conf: unknown;
  try {
    conf = readGoJson(stdin, STDIN_TEXT);
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

function checkNetConf(conf: Record<string, unknown>): CNINetConf {
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

// Branded, not `instanceof`: a handler may throw the CNIError of another copy of the package.
function toCNIError(err: unknown, cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
  if (isCNIError(err)) {
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
