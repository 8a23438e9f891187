/**
 * The CNI plugin side of the spec (section 5.1.2): find the CNI device-info
 * file's path in the plugin's stdin configuration, then do one of the three
 * things a plugin does with it: read the document the meta-plugin copied from
 * the device plugin ({@link loadDeviceInfoFromCNI}), add the plugin's own
 * fields to it ({@link addDeviceInfoFields}), or write the plugin's own
 * document when there is none ({@link saveDeviceInfoIfAbsent}).
 *
 * ```ts
 * const path = getCNIDeviceInfoFile(stdin);      // undefined: the runtime passed no file
 * if (path !== undefined) {
 *   await addDeviceInfoFields(path, { pci: { "representor-device": "pf0vf3" } }); // chained, after a device plugin
 *   // or
 *   await saveDeviceInfoIfAbsent(path, { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: sock } });
 * }
 * ```
 */

import { checkObject, checkString } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { type FileSettings, type UpdateOptions, updateSettings } from "../files/options.js";
import { updateAsync, updateSync } from "../files/update.js";
import { invalidDeviceInfo } from "../format/_invalid.js";
import { isDeviceKey } from "../format/fields.js";
import type { DeviceInfo, MemifDevice, PciDevice, VdpaDevice, VhostUserDevice } from "../format/schema.js";
import { checkDeviceInfo, isObject } from "../format/validate.js";
import { CNI_DEVICE_INFO_FILE_CAPABILITY, describe, goStringField, goStructParts, type NetConfInput, toNetConfObject } from "./_netconf.js";

/**
 * The CNI device-info file's path that the runtime passed to this plugin
 * (`runtimeConfig.CNIDeviceInfoFile`, spec 5.1.2), from the plugin's stdin
 * configuration: a single configuration or one plugin of a chain (with
 * `prevResult`), as JSON text, bytes or the parsed object. `undefined` when
 * the runtime passed none (the plugin does not declare the capability, or the
 * meta-plugin does not support it), or passed `null` or `""` (an empty path
 * is no file, as the Go plugins read it): the plugin then has no device-info
 * to read or write.
 *
 * Its look-alikes: `getCNIDeviceInfoPath(fileName)` builds a path under the
 * base directory from a file name, and `getCNIDeviceInfoFileName(attachment)`
 * computes that name; both are the meta-plugin's, this is the plugin's.
 *
 * Both keys are matched as a Go plugin decodes them into its configuration
 * struct: case-insensitively (`RuntimeConfig`, `cniDeviceInfoFile`), the
 * last value that is not `null` winning, case variants of `runtimeConfig`
 * read as one object.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_PARSE` for stdin that is not
 *   JSON; `ERR_DEVINFO_INVALID` when `runtimeConfig` is not an object or the
 *   value is not a string (Go's decoder fails on a value of the
 *   wrong type even when a later case variant is right).
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * const path = getCNIDeviceInfoFile(readFileSync(0)); // the plugin's stdin
 * ```
 */
export function getCNIDeviceInfoFile(netConf: NetConfInput): string | undefined {
  const conf = toNetConfObject(netConf, "plugin's network configuration");
  // As a Go plugin decodes them into its NetConf struct: both keys matched
  // case-insensitively, case variants of runtimeConfig decoded into one struct.
  const runtimeConfig = goStructParts([conf], "runtimeConfig", "the plugin's network configuration");
  const path = goStringField(runtimeConfig, CNI_DEVICE_INFO_FILE_CAPABILITY, "the plugin's runtimeConfig");
  // Go decodes "" as a plain string, and the Go plugins (sriov-cni's `if RuntimeConfig.CNIDeviceInfoFile != ""`)
  // read an empty path as no file: refusing it would fail ADD and, worse, DEL, which must not block teardown.
  return path === "" ? undefined : path;
}

/**
 * Fields to add to the sub-objects of a device-info document, by sub-object:
 * e.g. `{ pci: { "representor-device": "pf0vf3" } }`.
 */
export interface DeviceInfoFields {
  pci?: Partial<PciDevice>;
  vdpa?: Partial<VdpaDevice>;
  "vhost-user"?: Partial<VhostUserDevice>;
  memif?: Partial<MemifDevice>;
}

/**
 * Adds a plugin's own fields to the CNI device-info file the meta-plugin
 * copied from the device plugin (what the accelerated-bridge CNI does with
 * `representor-device`). Each sub-object of `fields` is merged into the
 * document's sub-object of that name (created if absent); fields the plugin
 * does not know, at any level, are kept; `undefined` values are ignored.
 *
 * A document at version `1.0.0` is written back as `1.1.0`; a document the
 * fields do not change is not rewritten. The update is atomic and serialised
 * against concurrent updates (see {@link updateDeviceInfoForCNI}).
 *
 * Resolves to the document now in the file, or `undefined` when there is no
 * file (no device plugin published one): nothing is written then.
 *
 * @example
 * ```ts
 * const path = getCNIDeviceInfoFile(stdin);
 * if (path) await addDeviceInfoFields(path, { pci: { "representor-device": "pf0vf3" } });
 * ```
 */
export async function addDeviceInfoFields(
  cniPath: string,
  fields: DeviceInfoFields,
  options: UpdateOptions = {},
): Promise<DeviceInfo | undefined> {
  const settings = checkAddArgs(cniPath, fields, options);
  return updateAsync(cniPath, merger(cniPath, fields), settings);
}

/** Synchronous twin of {@link addDeviceInfoFields}. */
export function addDeviceInfoFieldsSync(cniPath: string, fields: DeviceInfoFields, options: UpdateOptions = {}): DeviceInfo | undefined {
  const settings = checkAddArgs(cniPath, fields, options);
  return updateSync(cniPath, merger(cniPath, fields), settings);
}

/** What {@link saveDeviceInfoIfAbsent} found or did. */
export interface SaveIfAbsentResult {
  /** `true` when this call wrote `info`; `false` when a document was already there. */
  readonly written: boolean;
  /** The document now in the file: `info` as written, or the one that was there. */
  readonly info: DeviceInfo;
}

/**
 * Writes a plugin's own device-info (a vhost-user or memif plugin that
 * created a socket) when the file does not exist yet (spec 5.1.2). An
 * existing document, e.g. one copied from a device plugin, is left as it is
 * and returned, with `written: false`, for the plugin to decide.
 *
 * `info` is validated strictly (it is the plugin's own document); the write is
 * atomic and exclusive, and creates the directory if needed.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` when `info` does not
 *   follow the spec.
 *
 * @example
 * ```ts
 * const { written } = await saveDeviceInfoIfAbsent(path, {
 *   type: "vhost-user", version: SPEC_VERSION, "vhost-user": { mode: "client", path: "/var/run/vhost-user/net1.sock" },
 * });
 * ```
 */
export async function saveDeviceInfoIfAbsent(cniPath: string, info: DeviceInfo, options: UpdateOptions = {}): Promise<SaveIfAbsentResult> {
  checkString(cniPath, "cniPath");
  const settings = updateSettings(options);
  const own = ifAbsent(checkOwn(cniPath, info, settings));
  return own.result(await updateAsync(cniPath, own.update, { ...settings, strict: false }));
}

/** Synchronous twin of {@link saveDeviceInfoIfAbsent}. */
export function saveDeviceInfoIfAbsentSync(cniPath: string, info: DeviceInfo, options: UpdateOptions = {}): SaveIfAbsentResult {
  checkString(cniPath, "cniPath");
  const settings = updateSettings(options);
  const own = ifAbsent(checkOwn(cniPath, info, settings));
  return own.result(updateSync(cniPath, own.update, { ...settings, strict: false }));
}

/** The updater that writes `own` only where there is no document, and what it did. */
function ifAbsent(own: DeviceInfo): {
  update: (current: DeviceInfo | undefined) => DeviceInfo | undefined;
  result: (now: DeviceInfo | undefined) => SaveIfAbsentResult;
} {
  let written = false;
  return {
    update: (current) => {
      written = current === undefined;
      return written ? own : undefined;
    },
    result: (now) => ({ written, info: now ?? own }),
  };
}

// ---------------------------------------------------------------------------

/** The arguments of the adders: a path, the fields (an object) and update options. */
function checkAddArgs(cniPath: unknown, fields: unknown, options: UpdateOptions): FileSettings {
  checkString(cniPath, "cniPath");
  checkObject(fields, "fields");
  return updateSettings(options);
}

function merger(cniPath: string, fields: DeviceInfoFields): (current: DeviceInfo | undefined) => DeviceInfo | undefined {
  if (!isObject(fields)) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      `the fields to add must be an object such as { pci: { ... } }, got ${describe(fields)}`,
      {
        path: cniPath,
      },
    );
  }
  for (const key of Object.keys(fields)) {
    const value: unknown = fields[key as keyof DeviceInfoFields];
    if (value === undefined) continue;
    if (!isDeviceKey(key) || !isObject(value)) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_INVALID",
        `fields to add are given per sub-object ("pci", "vdpa", "vhost-user" or "memif") as an object; got ${JSON.stringify(key)}: ${describe(value)}`,
        { path: cniPath },
      );
    }
  }
  return (current) => {
    if (current === undefined) return undefined;
    const next: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const added = Object.fromEntries(Object.entries(value as object).filter(([, v]) => v !== undefined));
      const existing = next[key];
      next[key] = isObject(existing) ? { ...existing, ...added } : added;
    }
    return next as DeviceInfo;
  };
}

function checkOwn(cniPath: string, info: DeviceInfo, options: FileSettings): DeviceInfo {
  const checked = checkDeviceInfo(info, options.strict ?? true);
  if (checked.value === undefined) throw invalidDeviceInfo(checked.errors, { action: "write", path: cniPath, strict: options.strict });
  return checked.value;
}
