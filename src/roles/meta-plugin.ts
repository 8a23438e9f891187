/**
 * The meta-plugin (NPWG implementation, e.g. Multus) side of the spec
 * (sections 4.2.1, 5.1.1 and 6.1.1): per network attachment, a unique CNI
 * device-info file, the device plugin's file copied into it, the capability
 * arguments that carry its path to the plugins, the document collected for the
 * network-status annotation after the chain, and its removal on DEL.
 *
 * The flow, for one attachment:
 *
 * ```ts
 * const attachment = { network: "default/sriov-net1", containerID, ifName: "net1" };
 * // ADD
 * const prepared = await prepareDeviceInfo({ ...attachment, netConf, resourceName, deviceID });
 * const result = await runChain(netConf, prepared.capabilityArgs); // libcni's RuntimeConf.CapabilityArgs
 * const deviceInfo = await collectDeviceInfo(prepared);            // for the network-status entry
 * // DEL (also after an ADD that failed halfway)
 * await releaseDeviceInfo(attachment);
 * ```
 */

import { Buffer } from "node:buffer";
import {
  anyValue,
  byteCount,
  checkInteger,
  checkObject,
  checkOptionsWith,
  checkString,
  flag,
  invalidArgType,
  invalidArgValue,
  nestedOptions,
  type OptionRules,
  record,
} from "../base/args.js";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import type { DRAAttachment } from "../dra/attachment-device.js";
import type { DRANetworkDevice } from "../dra/network-devices.js";
import { ensureDirectory } from "../files/_io.js";
import { loadAtAsync, removeAsync, saveAt } from "../files/operations.js";
import { type FileSettings, LOAD_OPTION_RULES, type LoadOptions, loadSettings, pathSettings, settingsOf } from "../files/options.js";
import { cniFileName, cniPathGuard, dirsOf, dpFileName, MAX_FILE_NAME_BYTES, type PathOptions } from "../files/paths.js";
import type { DeviceInfo } from "../format/schema.js";
import type { KubeletOptions, PodDevices, PodReference } from "../kubelet/pod-resources.js";
import { attachmentDRA, checkSamePod } from "./_dra-step.js";
import {
  CNI_DEVICE_INFO_FILE_CAPABILITY,
  confListVersion,
  declaredCapabilities,
  describe,
  goMarshalSorted,
  goStringField,
  isConfList,
  type NetConfInput,
  pluginConfigs,
  toNetConfObject,
} from "./_netconf.js";

export type { DRAAttachment } from "../dra/attachment-device.js";
export { CNI_DEVICE_INFO_FILE_CAPABILITY, type NetConfInput } from "./_netconf.js";

/**
 * Namespace of the name-based (v5) UUIDs of {@link getCNIDeviceInfoFileName}'s
 * fallback: the v5 UUID of the URL
 * `https://github.com/k8snetworkplumbingwg/device-info-spec#CNIDeviceInfoFile`.
 * Fixed forever: DEL recomputes the name from it.
 */
export const CNI_DEVICE_INFO_UUID_NAMESPACE = "136c6b27-9337-5798-8322-0ab95b8b0c99";

/** One network attachment: what makes its CNI device-info file unique (spec 4.2.1). */
export interface Attachment {
  /**
   * The network's name as the meta-plugin knows it. Multus uses the
   * NetworkAttachmentDefinition's `<namespace>/<name>` (e.g. `default/sriov-net1`).
   */
  network: string;
  /** The container ID of the CNI call (`CNI_CONTAINERID`). */
  containerID: string;
  /** The interface name given to this network's plugins (`CNI_IFNAME`), e.g. `net1`. */
  ifName: string;
}

/** An attachment being added, with what decides whether and how its file is created. */
export interface AttachmentRequest extends Attachment {
  /**
   * The network's CNI configuration (a single configuration or a list with
   * `plugins`), to see whether a plugin declares the `CNIDeviceInfoFile`
   * capability. JSON text, bytes or the parsed object.
   */
  netConf?: NetConfInput | undefined;
  /** The network's resource (annotation `k8s.v1.cni.cncf.io/resourceName`), e.g. `intel.com/sriov`. */
  resourceName?: string | undefined;
  /** The device the kubelet allocated for that resource (from the Pod Resources API), e.g. `0000:af:06.0`. */
  deviceID?: string | undefined;
  /**
   * Instead of `deviceID`: the pod, whose device of `resourceName` is asked
   * from the kubelet (`getPodDevices` of `devinfo/kubelet`, loaded only then)
   * and assigned as Multus assigns it (`assignDeviceIDs`).
   */
  pod?: PodReference | undefined;
  /**
   * With `pod`: how many of the pod's networks with the same `resourceName`
   * come before this one in attachment order (Multus: the cluster network, the
   * default networks, then the `k8s.v1.cni.cncf.io/networks` annotation in
   * order). Default 0: the first device in Multus's order (the pod's
   * containers in the kubelet's order, each container's devices sorted; see
   * `PodDevices` of `devinfo/kubelet`).
   */
  deviceIndex?: number | undefined;
  /**
   * The pod's DRA side, for a network whose resource a DRA driver may serve
   * (a KEP-5004 extended resource, or a claim the pod names): the pod
   * object, and the node's ResourceSlices, the pod's ResourceClaims or the
   * claims' device metadata. With `pod` too, the kubelet's
   * `dynamicResources` are read as well. See {@link prepareDeviceInfo}.
   */
  dra?: DRAAttachment | undefined;
}

/**
 * Capability arguments for the plugins of the chain, to pass as libcni's
 * `RuntimeConf.CapabilityArgs` (or to {@link buildPluginStdin}): each plugin
 * receives, in `runtimeConfig`, only the keys its `capabilities` declare.
 */
export interface DeviceInfoCapabilityArgs {
  /** The CNI device-info file's absolute path (spec 5.1). */
  CNIDeviceInfoFile?: string;
  /** The allocated device, as Multus also passes it. */
  deviceID?: string;
}

/** What {@link prepareDeviceInfo} did for one attachment. */
export interface PreparedDeviceInfo {
  /**
   * The attachment's CNI device-info file, or `undefined` when the attachment
   * has none: no device was allocated and no plugin declares the capability.
   */
  readonly cniPath: string | undefined;
  /** The capability arguments to merge into the chain's `CapabilityArgs`. */
  readonly capabilityArgs: Readonly<DeviceInfoCapabilityArgs>;
  /** The device plugin's document copied into `cniPath`, if there was one (for a DRA device: its file, else the one its attributes give). */
  readonly copied: DeviceInfo | undefined;
  /** The DRA device that serves the network, when DRA serves it (see {@link prepareDeviceInfo}); absent otherwise. */
  readonly draDevice?: DRANetworkDevice | undefined;
  /**
   * Problems that do not stop the attachment, as Multus treats them: the
   * device plugin's file is missing (`ERR_DEVINFO_NOT_FOUND`) or unreadable,
   * or a stale file from an earlier ADD was replaced (`ERR_DEVINFO_EXISTS`).
   * Log them.
   */
  readonly warnings: readonly DeviceInfoError[];
}

/** Options of {@link prepareDeviceInfo}. */
export interface PrepareOptions extends LoadOptions {
  /** fsync the copied file and its directory (default `false`; the production base directory is a tmpfs). */
  durable?: boolean | undefined;
  /** With a `pod` in the request: where and how long to ask the kubelet (socket, checkpoint, timeoutMs, signal). */
  kubelet?: KubeletOptions | undefined;
}

/** The rule of each {@link PrepareOptions} option (the kubelet's own are checked where they are used). @internal */
export const PREPARE_OPTION_RULES: OptionRules<PrepareOptions> = { ...LOAD_OPTION_RULES, durable: flag, kubelet: nestedOptions };

/**
 * The unique file name of an attachment's CNI device-info file: Multus's
 * `<network>-<containerID>_<ifName>` (with every `/` replaced by `-` when it
 * becomes a path), so a node running both agrees on the names.
 *
 * When that name cannot be a file name (over 255 bytes, control characters,
 * unpaired surrogates), the name is `devinfo-<uuid>` instead, with the
 * name-based (v5) UUID of the three values: deterministic, so DEL finds the
 * file without a cache, and never equal to a Multus-style name (which always
 * holds a `_`). Only that rare path loads the `uuid` package.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_UNSAFE_PATH` when a value is
 *   empty; a `TypeError` (`ERR_INVALID_ARG_TYPE`) when one is not a string.
 *
 * @example
 * ```ts
 * await getCNIDeviceInfoFileName({ network: "default/sriov-net1", containerID: "3f9a1c", ifName: "net1" });
 * // "default/sriov-net1-3f9a1c_net1" (the file: <base>/cni/default-sriov-net1-3f9a1c_net1)
 * ```
 */
export async function getCNIDeviceInfoFileName(attachment: Attachment): Promise<string> {
  const { network, containerID, ifName } = checkAttachment(attachment);
  const name = `${network}-${containerID}_${ifName}`;
  if (isUsableFileName(name.replaceAll("/", "-"))) return name;
  const { v5 } = await import("uuid");
  return `devinfo-${v5(JSON.stringify([network, containerID, ifName]), CNI_DEVICE_INFO_UUID_NAMESPACE)}`;
}

/**
 * Whether a plugin of the network configuration (a single configuration or
 * any plugin of a list) declares `capability` as `true` in its `capabilities`.
 *
 * @example
 * ```ts
 * declaresCapability({ cniVersion: "1.0.0", name: "n", plugins: [{ type: "x", capabilities: { CNIDeviceInfoFile: true } }] });
 * // true
 * ```
 */
export function declaresCapability(netConf: NetConfInput, capability: string = CNI_DEVICE_INFO_FILE_CAPABILITY): boolean {
  checkString(capability, "capability");
  const conf = toNetConfObject(netConf, "network configuration");
  return pluginConfigs(conf, "network configuration").some((plugin) => declaredCapabilities(plugin).includes(capability));
}

/**
 * ADD, before the plugin chain runs. When the attachment has a device (a
 * `deviceID`) or a plugin of `netConf` declares the `CNIDeviceInfoFile`
 * capability, computes its unique file (see {@link getCNIDeviceInfoFileName}),
 * creates `<base>/cni` if needed (mode 0755, where plugins built on the Go
 * reference would create it with mode 0000), removes a stale file left by an
 * earlier ADD, and, when the network has a
 * `resourceName` and a `deviceID`, copies the device plugin's file into it.
 *
 * Multus creates the file only when a device was allocated, so device-info
 * that a plugin writes itself (vhost-user, memif) is lost; this creates it
 * whenever a plugin declares the capability, as spec 5.1.1 says.
 *
 * A missing or unreadable device-plugin file is a warning (in `warnings`),
 * not a failure, as in Multus. Failing to write the CNI file throws.
 *
 * Given a `pod` instead of a `deviceID`, asks the kubelet which device of
 * `resourceName` the pod has: the `deviceIndex`-th in the order Multus
 * v4.3.1 hands them out (the pod's containers in the kubelet's order, each
 * container's devices sorted in byte order), from the PodResources API or
 * the checkpoint alike; none is a warning (`ERR_DEVINFO_NOT_FOUND`) and the
 * attachment goes on without a device, as in Multus; the kubelet's errors
 * (`ERR_DEVINFO_KUBELET_*`) throw, as Multus fails the ADD.
 *
 * DRA: given `request.dra`, when its pod has claims (`spec.resourceClaims`,
 * or a KEP-5004 `status.extendedResourceClaimStatus`) or the kubelet lists
 * DRA allocations (`dynamicResources`), the network's device is the one
 * `findDRAAttachmentDevice` of `devinfo/dra` finds (`resolveDRANetworkDevices`;
 * that bundle is loaded only for a request with `dra`). Its device ID
 * (`k8s.cni.cncf.io/deviceID`, else its PCI address) goes into
 * `capabilityArgs.deviceID`; its device-info is the device plugin file the
 * driver wrote under that ID, else the one its attributes (ResourceSlice or
 * device metadata) describe; `draDevice` says which device it was. A network
 * DRA does not serve goes the device plugin way as before, with the same
 * kubelet answer (one call). Bad DRA data throws (`ERR_DEVINFO_INVALID`,
 * `ERR_DEVINFO_CONFLICT`) before any file is written. Without `dra`, the
 * kubelet listing DRA devices and no device plugin device of `resourceName`
 * is a warning (`ERR_DEVINFO_NOT_FOUND`): nothing names their resource.
 *
 * @example
 * ```ts
 * const prepared = await prepareDeviceInfo({
 *   network: "default/sriov-net1", containerID, ifName: "net1",
 *   netConf, resourceName: "intel.com/sriov", deviceID: "0000:af:06.0",
 * });
 * for (const warning of prepared.warnings) console.error(warning.message);
 * // run the chain with CapabilityArgs = { ...yours, ...prepared.capabilityArgs }
 * ```
 */
export async function prepareDeviceInfo(request: AttachmentRequest, options: PrepareOptions = {}): Promise<PreparedDeviceInfo> {
  const attachment = checkAttachment(request, "request");
  const resourceName = optionalString(request.resourceName, "request.resourceName");
  if (request.deviceIndex !== undefined) checkInteger(request.deviceIndex, "request.deviceIndex");
  if (request.pod !== undefined) checkObject(request.pod, "request.pod");
  if (request.dra !== undefined) checkObject(request.dra, "request.dra");
  if (request.dra !== undefined && request.pod !== undefined) checkSamePod(request.pod, request.dra.pod);
  // The options, checked and read once: everything below works on `settings`.
  const checked = checkOptionsWith(options, PREPARE_OPTION_RULES);
  const settings = settingsOf(checked);
  const warnings: DeviceInfoError[] = [];
  // DRA: the pod's claims (request.dra) or the kubelet's dynamicResources say a DRA driver may serve the network.
  const dra =
    resourceName === undefined || (request.dra === undefined && request.pod === undefined)
      ? undefined
      : await attachmentDRA(request, resourceName, await kubeletAnswer(request, checked?.kubelet), checked ?? {}, warnings);
  const draDevice = dra?.device === undefined ? {} : { draDevice: dra.device };
  const pluginWarnings: DeviceInfoError[] = [];
  const deviceID =
    dra?.device !== undefined
      ? dra.device.deviceID
      : request.pod === undefined
        ? optionalString(request.deviceID, "request.deviceID")
        : await podDeviceID(request, resourceName, checked?.kubelet, pluginWarnings, dra?.podDevices);
  // DRA serves the resource and said what it lacked: the device plugin, which has no device of it either, is not to blame.
  if (dra?.device !== undefined || deviceID !== undefined || (dra?.lacking?.length ?? 0) === 0) warnings.push(...pluginWarnings);
  const capabilityArgs: DeviceInfoCapabilityArgs = deviceID === undefined ? {} : { deviceID };
  const wanted =
    deviceID !== undefined || dra?.device !== undefined || (request.netConf !== undefined && declaresCapability(request.netConf));
  if (!wanted) return { cniPath: undefined, capabilityArgs, copied: undefined, warnings };

  const name = cniFileName(await getCNIDeviceInfoFileName(attachment));
  // The base directory, resolved once (here, where the file is first needed: not before the kubelet is asked).
  const dirs = dirsOf(settings.baseDir);
  // `<cni>/<name>`, one checked component: its guarded directory is `<cni>`.
  const cniPath = `${dirs.cni}/${name}`;
  // Created now, 0755: a plugin built on the Go reference would create it with mode 0000.
  await ensureDirectory(dirs.cni);
  if (await removeAsync(cniPath, dirs.cni)) {
    warnings.push(
      new DeviceInfoError("ERR_DEVINFO_EXISTS", `removed a stale device-info file left by an earlier ADD of this attachment: ${cniPath}`, {
        path: cniPath,
      }),
    );
  }

  let copied: DeviceInfo | undefined;
  if (dra?.device !== undefined) {
    if (dra.deviceInfo !== undefined) {
      await saveAt(cniPath, dirs.cni, dra.deviceInfo, { ...settings, strict: false, overwrite: false });
      copied = dra.deviceInfo;
    }
  } else if (resourceName !== undefined && deviceID !== undefined) {
    const source = await readDeviceInfoFromDP(resourceName, deviceID, dirs.dp, settings, warnings);
    if (source !== undefined) {
      await saveAt(cniPath, dirs.cni, source, { ...settings, strict: false, overwrite: false });
      copied = source;
    }
  }
  return { cniPath, capabilityArgs: { ...capabilityArgs, CNIDeviceInfoFile: cniPath }, copied, warnings, ...draDevice };
}

/**
 * ADD, after the plugin chain: the attachment's device-info as the chain left
 * it (copied from the device plugin, updated or written by a plugin), for the
 * `device-info` key of its network-status entry (spec 6.1.1). `undefined` when
 * the attachment has no file or nothing was written to it. Equivalent to
 * {@link loadDeviceInfoFromCNI}`(prepared.cniPath, options)` when there is a
 * path; named for its step of the meta-plugin's flow.
 *
 * Read leniently, like every reader of the package. Multus ignores a file it
 * cannot read; this throws the {@link DeviceInfoError} so you can choose.
 *
 * @example
 * ```ts
 * const deviceInfo = await collectDeviceInfo(prepared);
 * const statuses = createNetworkStatuses(result, "default/sriov-net1", false, deviceInfo);
 * ```
 */
export async function collectDeviceInfo(
  prepared: Pick<PreparedDeviceInfo, "cniPath">,
  options: LoadOptions = {},
): Promise<DeviceInfo | undefined> {
  checkObject(prepared, "prepared");
  if (prepared.cniPath !== undefined) checkString(prepared.cniPath, "prepared.cniPath");
  const settings = loadSettings(options);
  const cniPath = prepared.cniPath;
  if (cniPath === undefined) return undefined;
  return loadAtAsync(cniPath, cniPathGuard(cniPath, settings.baseDir), settings);
}

/**
 * DEL: removes the attachment's CNI device-info file (spec 4.2.1). The path is
 * recomputed from the attachment alone, so this needs neither a cache nor the
 * network configuration, and works after an ADD that failed halfway.
 * Idempotent: `true` when a file was removed, `false` when there was none.
 *
 * @example
 * ```ts
 * await releaseDeviceInfo({ network: "default/sriov-net1", containerID, ifName: "net1" });
 * ```
 */
export async function releaseDeviceInfo(attachment: Attachment, options: PathOptions = {}): Promise<boolean> {
  checkAttachment(attachment);
  const settings = pathSettings(options);
  const name = cniFileName(await getCNIDeviceInfoFileName(attachment));
  const cni = dirsOf(settings.baseDir).cni;
  // `<cni>/<name>`, one checked component: its guarded directory is `<cni>`.
  return removeAsync(`${cni}/${name}`, cni);
}

/**
 * libcni's runtime-configuration injection for one plugin configuration:
 * the keys of `capabilityArgs` that the plugin declares as `true` in its
 * `capabilities` go into its `runtimeConfig`, replacing any `runtimeConfig`
 * it had; a plugin that declares none of them is returned unchanged.
 * Returns a new object.
 *
 * @example
 * ```ts
 * injectRuntimeConfig({ type: "x", capabilities: { CNIDeviceInfoFile: true } }, { CNIDeviceInfoFile: path, deviceID });
 * // { type: "x", capabilities: {...}, runtimeConfig: { CNIDeviceInfoFile: path } }
 * ```
 */
export function injectRuntimeConfig(
  pluginConf: Readonly<Record<string, unknown>>,
  capabilityArgs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  checkObject(capabilityArgs, "capabilityArgs");
  const plugin = toNetConfObject(pluginConf, "plugin configuration");
  const runtimeConfig: Record<string, unknown> = {};
  for (const capability of declaredCapabilities(plugin)) {
    if (Object.hasOwn(capabilityArgs, capability) && capabilityArgs[capability] !== undefined) {
      runtimeConfig[capability] = capabilityArgs[capability];
    }
  }
  return Object.keys(runtimeConfig).length === 0 ? { ...plugin } : { ...plugin, runtimeConfig };
}

/** Options of {@link buildPluginStdin}. */
export interface BuildPluginStdinOptions {
  /** Which plugin of a configuration list (default 0). Ignored for a single configuration. */
  index?: number | undefined;
  /** The runtime's capability arguments (libcni's `RuntimeConf.CapabilityArgs`). */
  capabilityArgs?: Readonly<Record<string, unknown>> | undefined;
  /** The previous plugin's result (ADD) or the cached result (CHECK, DEL), as parsed JSON. */
  prevResult?: unknown;
}

/** The rule of each {@link BuildPluginStdinOptions} option. @internal */
export const STDIN_OPTION_RULES: OptionRules<BuildPluginStdinOptions> = { index: byteCount, capabilityArgs: record, prevResult: anyValue };

/**
 * The exact stdin libcni gives a plugin, for a TypeScript meta-plugin that
 * executes the plugins itself: the plugin's configuration with the network's
 * `name` and `cniVersion`, the `prevResult` if any, and `runtimeConfig` from
 * {@link injectRuntimeConfig}, encoded as Go encodes a decoded map (keys
 * sorted at every level, Go's escaping).
 *
 * Byte for byte what libcni sends, except for one detail: when no
 * `runtimeConfig` is injected, libcni writes `prevResult` in its Go struct's
 * field order rather than sorted (the same JSON value).
 *
 * The `cniVersion` written is libcni v1.3.0's: for a list with `cniVersions`
 * (CNI spec 1.1), the highest version among it and `cniVersion` that libcni
 * implements (1.1.0 or older; `2.0.0` is skipped); otherwise the list's
 * `cniVersion`. A single configuration's `name` and `cniVersion` are read as
 * Go decodes them (keys matched case-insensitively).
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` / `ERR_DEVINFO_INVALID`
 *   for a configuration that is not a JSON object, or an `index` outside the
 *   list; `ERR_DEVINFO_INVALID` where libcni refuses the configuration: a
 *   list without a string `name`, a `cniVersion` that is not a string,
 *   malformed `cniVersions` (not an array, an entry that is not a version
 *   string), or `cniVersions` with no version libcni implements (where libcni
 *   would send an empty or unsupported `cniVersion`).
 *
 * @example
 * ```ts
 * const stdin = buildPluginStdin(conflist, { index: 1, capabilityArgs: prepared.capabilityArgs, prevResult });
 * execFileSync(pluginPath, { input: stdin, env: { CNI_COMMAND: "ADD", ... } });
 * ```
 */
export function buildPluginStdin(netConf: NetConfInput, options: BuildPluginStdinOptions = {}): string {
  checkOptionsWith(options, STDIN_OPTION_RULES);
  const conf = toNetConfObject(netConf, "network configuration");
  const plugins = pluginConfigs(conf, "network configuration");
  const index = isConfList(conf) ? (options.index ?? 0) : 0;
  const plugin = plugins[index];
  if (plugin === undefined || !Number.isInteger(index)) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `plugin index ${index} is outside the configuration list, which has ${plugins.length} plugin(s)`,
    );
  }
  const { name, cniVersion } = networkNameAndVersion(conf);
  // libcni injects both into every plugin's configuration, even when absent (as "").
  const injected: Record<string, unknown> = { ...plugin, name, cniVersion };
  if (options.prevResult !== undefined && options.prevResult !== null) injected.prevResult = options.prevResult;
  return goMarshalSorted(injectRuntimeConfig(injected, options.capabilityArgs ?? {}));
}

// ---------------------------------------------------------------------------

/** The pod's device for this attachment, from the kubelet (`devinfo/kubelet` and gRPC loaded only here). */
async function podDeviceID(
  request: AttachmentRequest,
  resourceName: string | undefined,
  kubelet: KubeletOptions | undefined,
  warnings: DeviceInfoError[],
  fetched?: PodDevices,
): Promise<string | undefined> {
  if (request.deviceID !== undefined)
    throw invalidArgValue("request.deviceID", request.deviceID, "cannot be given together with request.pod");
  const deviceIndex = request.deviceIndex ?? 0;
  checkInteger(deviceIndex, "request.deviceIndex");
  const pod = request.pod as PodReference;
  checkObject(pod, "request.pod");
  // Multus asks the kubelet only for a network with a resourceName.
  if (resourceName === undefined) return undefined;
  const { assignDeviceIDs, getPodDevices } = await import("../kubelet.js");
  const { resources } = fetched ?? (await getPodDevices(pod, kubelet));
  const deviceID = assignDeviceIDs(
    resources,
    Array.from({ length: deviceIndex + 1 }, () => resourceName),
  )[deviceIndex];
  if (deviceID === undefined) {
    warnings.push(
      new DeviceInfoError(
        "ERR_DEVINFO_NOT_FOUND",
        `the kubelet allocated no device of resource "${resourceName}" to pod ${pod.namespace}/${pod.name} for this network (number ${deviceIndex} with that resource); the attachment goes on without a device (does the pod request enough ${resourceName}?)`,
      ),
    );
  }
  return deviceID;
}

/** The device plugin's document in `dpDir` (resolved by the caller), or `undefined` with a warning. */
/** The kubelet's answer for a request with a `pod` (and no `deviceID`): asked once, for the DRA step and the device plugin path. */
async function kubeletAnswer(request: AttachmentRequest, kubelet: KubeletOptions | undefined): Promise<PodDevices | undefined> {
  if (request.pod === undefined || optionalString(request.deviceID, "request.deviceID") !== undefined) return undefined;
  const { getPodDevices } = await import("../kubelet.js");
  return getPodDevices(request.pod, kubelet);
}

async function readDeviceInfoFromDP(
  resourceName: string,
  deviceID: string,
  dpDir: string,
  settings: FileSettings,
  warnings: DeviceInfoError[],
): Promise<DeviceInfo | undefined> {
  try {
    const path = `${dpDir}/${dpFileName(resourceName, deviceID)}`;
    const info = await loadAtAsync(path, dpDir, settings);
    if (info === undefined) {
      warnings.push(
        new DeviceInfoError(
          "ERR_DEVINFO_NOT_FOUND",
          `no device plugin file ${path} for resource "${resourceName}" device "${deviceID}"; the attachment goes on without its device-info (is the device plugin publishing device-info, with the same base directory?)`,
          { path },
        ),
      );
    }
    return info;
  } catch (err) {
    if (!isDeviceInfoError(err)) throw err;
    warnings.push(err);
    return undefined;
  }
}

/** The attachment's three names: misuse unless strings; an empty one is an unsafe file name. */
function checkAttachment(attachment: Attachment, name = "attachment"): Attachment {
  checkObject(attachment, name);
  for (const key of ["network", "containerID", "ifName"] as const) {
    const value: unknown = attachment[key];
    checkString(value, `${name}.${key}`);
    if (value === "") {
      throw new DeviceInfoError(
        "ERR_DEVINFO_UNSAFE_PATH",
        `the attachment's ${key} is empty, so it cannot name its device-info file; pass the network name, CNI_CONTAINERID and CNI_IFNAME`,
      );
    }
  }
  return { network: attachment.network, containerID: attachment.containerID, ifName: attachment.ifName };
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  return value;
}

/**
 * The network's name and version as libcni takes them: from a list as
 * `NetworkConfFromBytes` reads it (exact keys; `cniVersions` considered), from
 * a single configuration as Go decodes `types.PluginConf` (keys matched
 * case-insensitively; `cniVersions` is not a field of it).
 */
function networkNameAndVersion(conf: Record<string, unknown>): { name: string; cniVersion: string } {
  const what = "network configuration";
  if (!isConfList(conf)) {
    return {
      name: goStringField([conf], "name", `the ${what}`) ?? "",
      cniVersion: goStringField([conf], "cniVersion", `the ${what}`) ?? "",
    };
  }
  if (typeof conf.name !== "string") {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the ${what} list cannot be run as libcni runs it: "name" must be a string, got ${describe(conf.name)}`,
    );
  }
  return { name: conf.name, cniVersion: confListVersion(conf, `${what} list`) };
}

// Control characters are legal in Linux file names but break every tool that
// lists them; unpaired surrogates have no UTF-8 form, so two names would collide.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const UNUSABLE = /[\u0000-\u001f\u007f]/;

function isUsableFileName(name: string): boolean {
  return name.isWellFormed() && !UNUSABLE.test(name) && Buffer.byteLength(name) <= MAX_FILE_NAME_BYTES;
}
