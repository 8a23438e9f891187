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
import { checkArray, checkFunction, checkInteger, checkObject, checkOptions, checkString, invalidArgType } from "../base/args.js";
import { CNIError, isCNIError, isDeviceInfoError } from "../base/errors.js";
import { readGoJson } from "../format/_go-text.js";
import { isObject } from "../format/validate.js";
import type { CNIResult } from "../status/cni-result.js";
import { CNI_ERROR } from "./_cni-errors.js";
import { resultText } from "./_cni-result-text.js";
import { readGCAttachments } from "./_gc-request.js";
import { describe, goFieldEntries, goStringField, goStructParts, parseCNIVersion } from "./_netconf.js";
import { getCNIDeviceInfoFile } from "./cni-plugin.js";

export { CNIError, isCNIError } from "../base/errors.js";

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
  /**
   * `CNI_CONTAINERID`, checked as Go's `utils.ValidateContainerID` checks it
   * (an ASCII letter or digit, then letters, digits, `_`, `.` or `-`): safe
   * in a file name. Empty for STATUS and GC, which concern no container (the
   * variable is then neither required nor checked, so it is not passed).
   */
  readonly containerID: string;
  /** `CNI_NETNS`: the network namespace's path (may be empty on DEL; empty for STATUS and GC). Not checked (Go's skel does not either). */
  readonly netns: string;
  /**
   * `CNI_IFNAME`, checked as Go's `utils.ValidateInterfaceName` checks it (1
   * to 15 bytes, not `.` or `..`, no `/`, `:` or white space): safe in a file
   * name. Empty for STATUS and GC.
   */
  readonly ifName: string;
  /** `CNI_ARGS`, unparsed (`K1=V1;K2=V2`). */
  readonly args: string;
  /** `CNI_PATH`. */
  readonly path: string;
  /** The raw stdin. */
  readonly stdinData: Uint8Array;
  /**
   * The parsed stdin. Its `cniVersion`, `name`, `type`, `prevResult` and
   * `runtimeConfig` are the values Go's decoder reads (keys matched
   * case-insensitively, the last value that is not `null` winning; a missing
   * `cniVersion` is `"0.1.0"`); `name` is checked as Go's
   * `utils.ValidateNetworkName` checks it. Other keys are as sent.
   */
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
  /**
   * ADD: set the attachment up and return the result (a chained plugin
   * returns `prevResult`, possibly amended), of the configuration's version:
   * without `cniVersion`, it is given the configuration's. Returning nothing,
   * or something Go's decoder would not read as a CNI result of that version,
   * is a CNI error (code 999) naming the mistake, and nothing else is printed.
   */
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

export { CNI_ERROR } from "./_cni-errors.js";

/** The versions Go's `version.All` lists (containernetworking/cni `pkg/version`), oldest first. */
const DEFAULT_VERSIONS = ["0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;

type Command = CNIPluginArgs["command"];

/** Per command: the oldest configuration version that has it; as Go's `skel`. */
const COMMANDS: Readonly<Record<Command, { since?: string }>> = {
  ADD: {},
  DEL: {},
  CHECK: { since: "0.4.0" },
  STATUS: { since: "1.1.0" },
  GC: { since: "1.1.0" },
};

/**
 * The environment as Go's skel (containernetworking/cni v1.3.0
 * `getCmdArgsFromEnv`) reads it, in its order: the commands that require
 * each variable, and its check, made only where it is required.
 */
const ENV_VARIABLES: readonly { name: string; requiredBy: readonly string[]; check?: (value: string) => CNIError | undefined }[] = [
  { name: "CNI_COMMAND", requiredBy: ["ADD", "CHECK", "DEL", "GC", "STATUS"] },
  { name: "CNI_CONTAINERID", requiredBy: ["ADD", "CHECK", "DEL"], check: checkContainerID },
  { name: "CNI_NETNS", requiredBy: ["ADD", "CHECK"] },
  { name: "CNI_IFNAME", requiredBy: ["ADD", "CHECK", "DEL"], check: checkInterfaceName },
  { name: "CNI_ARGS", requiredBy: [] },
  { name: "CNI_PATH", requiredBy: ["ADD", "CHECK", "DEL", "GC", "STATUS"] },
  { name: "CNI_NETNS_OVERRIDE", requiredBy: [] },
];

// Go's utils: the characters of container IDs and network names (cniValidNameChars).
const CNI_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** Linux's IFNAMSIZ less the NUL (Go's `maxInterfaceNameLength`), in bytes. */
const MAX_INTERFACE_NAME_BYTES = 15;

/** Go's `utils.ValidateContainerID` (for a set variable: an empty one is reported as missing). */
function checkContainerID(id: string): CNIError | undefined {
  if (!CNI_NAME.test(id)) return new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, "invalid characters in containerID", id);
  return undefined;
}

/** Go's `utils.ValidateInterfaceName`: the length in bytes, `.` and `..`, then `/`, `:` and Unicode white space. */
function checkInterfaceName(name: string): CNIError | undefined {
  const fail = (msg: string, details?: string) => new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, msg, details);
  if (name === "") return fail("interface name is empty");
  if (Buffer.byteLength(name) > MAX_INTERFACE_NAME_BYTES) {
    return fail("interface name is too long", `interface name should be less than ${MAX_INTERFACE_NAME_BYTES + 1} characters`);
  }
  if (name === "." || name === "..") return fail("interface name is . or ..");
  if (/[/:\p{White_Space}]/u.test(name)) return fail("interface name contains / or : or whitespace characters");
  return undefined;
}

/** Go's `utils.ValidateNetworkName` (after skel's own check for an empty name). */
function checkNetworkName(name: string): void {
  if (name === "") throw new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "missing network name");
  if (!CNI_NAME.test(name)) throw new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "invalid characters found in network name", name);
}

/**
 * Go's skel before anything else: the variables the command requires are
 * set (code 4, all missing ones named), and those with a check pass it (code
 * 4, the first failing one in Go's order, even before a missing one is
 * reported). Variables a command does not require are not checked.
 */
function checkEnvironment(command: string, env: Readonly<Record<string, string | undefined>>): void {
  const missing: string[] = [];
  for (const { name, requiredBy, check } of ENV_VARIABLES) {
    const value = env[name] ?? "";
    const required = requiredBy.includes(command);
    if (value === "") {
      if (required || name === "CNI_COMMAND") missing.push(name);
    } else if (required && check !== undefined) {
      const error = check(value);
      if (error !== undefined) throw error;
    }
  }
  if (missing.length > 0) throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, `required env variables [${missing.join(",")}] missing`);
}

/**
 * Runs one CNI call: reads the environment and stdin, calls `plugin.add`,
 * `del`, `check`, `status` or `gc` (or answers `VERSION`), and prints the
 * result or the error as JSON on stdout. Resolves to the exit code (0, or 1
 * after an error), which the executable sets; it never rejects for anything
 * the runtime sends or a handler throws.
 *
 * Before any handler runs, the checks of Go's `skel` (containernetworking/cni
 * v1.3.0, with its codes and messages):
 *
 * - the variables the command requires are set (code 4, `required env
 *   variables [...] missing`): ADD and CHECK `CNI_CONTAINERID`, `CNI_NETNS`,
 *   `CNI_IFNAME`, `CNI_PATH`; DEL the same but `CNI_NETNS`; STATUS and GC
 *   only `CNI_PATH`; VERSION none;
 * - where required, `CNI_CONTAINERID` is an ASCII letter or digit followed
 *   by letters, digits, `_`, `.` or `-` (code 4, `invalid characters in
 *   containerID`), and `CNI_IFNAME` is at most 15 bytes, not `.` or `..`,
 *   without `/`, `:` or white space (code 4, `interface name is too long`,
 *   `interface name is . or ..`, `interface name contains / or : or
 *   whitespace characters`), so both are safe in a file name;
 * - the configuration is a JSON object (code 6) whose `name` follows the
 *   container ID's rule (code 7, `missing network name`, `invalid characters
 *   found in network name`);
 * - a configuration without `cniVersion` is CNI 0.1.0; its version must be
 *   one of `supportedVersions` (code 1 otherwise); CHECK needs a
 *   configuration of 0.4.0 or later, STATUS and GC of 1.1.0 or later (code 1
 *   otherwise).
 *
 * Keys are matched as Go's decoder matches them (case-insensitively, the
 * last value that is not `null` winning). A missing `status` or `gc` handler
 * succeeds with no output, as Go's does without its function. Go's check
 * that `CNI_NETNS` is not the plugin's own namespace is not made.
 *
 * ADD prints the handler's result with the configuration's `cniVersion`
 * when it has none. A handler that returns nothing, a result of another
 * version, or one Go's decoder would refuse, is code 999 naming the mistake.
 * DEL, CHECK, STATUS and GC print nothing, whatever their handler returns.
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
    checkEnvironment(command, env);
    if (command === "VERSION") {
      // Runtimes send {"cniVersion": ...} or nothing at all; Go ignores it, the spec
      // asks for the same version back when the plugin supports it.
      const requested = tryParse(io.stdin ?? readStdin(maxStdinBytes))?.cniVersion;
      if (typeof requested === "string" && versions.includes(requested)) cniVersion = requested;
      write(`${JSON.stringify({ cniVersion, supportedVersions: versions })}\n`);
      return 0;
    }
    const stdinData = io.stdin ?? readStdin(maxStdinBytes);
    const conf = parseStdin(stdinData);
    // Go's skel checks the network's name before it looks at the command.
    const name = networkName(conf);
    if (!Object.hasOwn(COMMANDS, command)) throw new CNIError(CNI_ERROR.INVALID_ENVIRONMENT, `unknown CNI_COMMAND: ${command}`);
    const verb = command as Command;
    const version = decodeVersion(conf);
    if (versions.includes(version)) cniVersion = version;
    checkVersion(verb, version, versions);
    const netConf = checkNetConf(conf, name, version);
    let cniDeviceInfoFile: string | undefined;
    try {
      cniDeviceInfoFile = getCNIDeviceInfoFile(conf);
    } catch (err) {
      throw new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "invalid network configuration", (err as Error).message);
    }
    // STATUS and GC concern no container: their variables were neither required nor checked.
    const attachment = verb === "STATUS" || verb === "GC";
    const args: CNIPluginArgs = {
      command: verb,
      containerID: attachment ? "" : (env.CNI_CONTAINERID ?? ""),
      netns: attachment ? "" : (env.CNI_NETNS ?? ""),
      ifName: attachment ? "" : (env.CNI_IFNAME ?? ""),
      args: env.CNI_ARGS ?? "",
      path: env.CNI_PATH ?? "",
      stdinData,
      netConf,
      cniDeviceInfoFile,
      ...(verb === "GC" ? { validAttachments: validAttachments(netConf) } : {}),
    };
    if (verb === "ADD") {
      const text = await resultText(await plugin.add(args), netConf.cniVersion);
      write(`${text}\n`);
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
  if (io.env !== undefined) {
    checkObject(io.env, "io.env");
    for (const [key, value] of Object.entries(io.env)) if (value !== undefined) checkString(value, `io.env.${key}`);
  }
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

/** Orders two versions as Go's `version.GreaterThanOrEqualTo` parses them; a malformed one is a decoding failure (code 6), as in Go. */
function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as bigint) < (y[i] as bigint) ? -1 : 1;
  return 0;
}

function parseVersion(version: string): readonly bigint[] {
  const parsed = parseCNIVersion(version);
  if (!Array.isArray(parsed)) throw new CNIError(CNI_ERROR.DECODING_FAILURE, parsed.error);
  return parsed;
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

/** Go's skel: the configuration decoded into a struct (code 6 when it cannot be); JSON `null` decodes as an empty one. */
function parseStdin(stdin: Uint8Array): Record<string, unknown> {
  let conf: unknown;
  try {
    conf = readGoJson(stdin, STDIN_TEXT);
  } catch (err) {
    throw new CNIError(CNI_ERROR.DECODING_FAILURE, `error unmarshall network config: ${(err as Error).message}`);
  }
  if (conf === null) return {};
  if (!isObject(conf)) {
    throw new CNIError(
      CNI_ERROR.DECODING_FAILURE,
      `error unmarshall network config: the network configuration on stdin must be a JSON object, got ${describe(conf)}`,
    );
  }
  return conf;
}

/** Go's skel `validateConfig`: the network's name as Go decodes it (code 6 when not a string), then its characters (code 7). */
function networkName(conf: Record<string, unknown>): string {
  let name: string | undefined;
  try {
    name = goStringField([conf], "name", "the network configuration");
  } catch (err) {
    throw new CNIError(CNI_ERROR.DECODING_FAILURE, `error unmarshall network config: ${(err as Error).message}`);
  }
  checkNetworkName(name ?? "");
  return name ?? "";
}

/** Go's `version.ConfigDecoder`: `cniVersion` as Go decodes it (code 6 when not a string); none or `""` is 0.1.0. */
function decodeVersion(conf: Record<string, unknown>): string {
  let version: string | undefined;
  try {
    version = goStringField([conf], "cniVersion", "the network configuration");
  } catch (err) {
    throw new CNIError(CNI_ERROR.DECODING_FAILURE, `decoding version from network config: ${(err as Error).message}`);
  }
  return version === undefined || version === "" ? "0.1.0" : version;
}

/**
 * What every plugin needs of its configuration (code 7 otherwise): a string
 * `type`, an object `prevResult`, an object `runtimeConfig`; given to the
 * handler with the values Go's decoder reads under their exact keys.
 */
function checkNetConf(conf: Record<string, unknown>, name: string, cniVersion: string): CNINetConf {
  const bad = (err: unknown) => new CNIError(CNI_ERROR.INVALID_NETWORK_CONFIG, "invalid network configuration", (err as Error).message);
  const what = "the network configuration";
  const out: Record<string, unknown> = { ...conf, cniVersion, name };
  try {
    const type = goStringField([conf], "type", what);
    if (type === undefined) throw new Error(`"type" must be a string, got ${describe(conf.type)}`);
    out.type = type;
    // A Go map (prevResult) starts over at null; a struct (runtimeConfig) ignores it.
    let prevResult: Record<string, unknown> | undefined;
    for (const [key, value] of goFieldEntries([conf], "prevResult")) {
      if (value === null) prevResult = undefined;
      else if (isObject(value)) prevResult = prevResult === undefined ? value : { ...prevResult, ...value };
      else throw new Error(`"${key}" must be an object, got ${describe(value)}`);
    }
    if (prevResult === undefined) delete out.prevResult;
    else out.prevResult = prevResult;
    const runtimeConfig = goStructParts([conf], "runtimeConfig", what);
    if (runtimeConfig.length === 1) out.runtimeConfig = runtimeConfig[0];
    else if (runtimeConfig.length > 1) out.runtimeConfig = Object.assign({}, ...runtimeConfig);
  } catch (err) {
    throw bad(err);
  }
  return out as unknown as CNINetConf;
}

// Branded, not `instanceof`: a handler may throw the CNIError of another copy of the package.
function toCNIError(err: unknown, cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
  if (isCNIError(err)) return oneLine(cniVersion, err.code, err.message, err.details);
  if (isDeviceInfoError(err)) {
    const code = err.code === "ERR_DEVINFO_IO" ? CNI_ERROR.IO_FAILURE : CNI_ERROR.DEVICE_INFO;
    return oneLine(cniVersion, code, err.message, err.path === undefined ? err.code : `${err.code} ${err.path}`);
  }
  return oneLine(cniVersion, CNI_ERROR.UNEXPECTED, err instanceof Error ? err.message : String(err), undefined);
}

/**
 * A CNI error whose `msg` is one line, as runtimes log and show it (kubelet
 * events, `crictl` output): the message's first line; its other lines go
 * before `details`.
 */
function oneLine(
  cniVersion: string,
  code: number,
  message: string,
  details: string | undefined,
): { cniVersion: string; code: number; msg: string; details?: string } {
  const [msg = "", ...more] = message.split(/\r?\n/);
  const rest = more.join("\n").trim();
  const all = [rest, details ?? ""].filter((part) => part !== "").join("\n");
  return all === "" && details === undefined ? { cniVersion, code, msg } : { cniVersion, code, msg, details: all };
}
