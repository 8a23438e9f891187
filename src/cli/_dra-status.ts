/**
 * `devinfo status` for DRA pods: the network-status entries of KEP-5304
 * device metadata files, read as the annotation is read, so that one table
 * (and one `--json` shape) shows both.
 */

import fs from "node:fs";
import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import { DEVICE_METADATA_ROOT, findDeviceMetadata, networkStatusFromDeviceMetadata, readDeviceMetadata } from "../dra/metadata.js";
import type { ValidationOptions } from "../format/parse.js";
import type { NetworkStatus } from "../status/schema.js";
import { DEFAULT_POD_ANNOTATIONS_PATH, readPodNetworkStatus } from "../status/workload.js";

/** Whether FILE names device metadata rather than the annotation: a `*-metadata.json` file, or a directory (a mount root). */
export function isMetadataArgument(file: string): boolean {
  if (file.endsWith("-metadata.json")) return true;
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The entries of one metadata file, or of every file under a root directory.
 * A directory without metadata files, or with only empty ones (a driver
 * mounts them empty and fills them once the interface exists), holds no
 * network status: `ERR_DEVINFO_NOT_FOUND`, never an empty answer.
 */
export async function metadataStatuses(file: string | undefined): Promise<NetworkStatus[]> {
  const files = file?.endsWith("-metadata.json") ? [file] : findDeviceMetadata(file === undefined ? {} : { root: file }).map((f) => f.path);
  if (file === undefined) return (await statusesOf(files)).statuses;
  if (files.length === 0) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `no network status under ${file}: it holds no device metadata file (<claim>/<request>/<driver>-metadata.json); give the directory a DRA driver mounts (${DEVICE_METADATA_ROOT}), one *-metadata.json file, or an annotations file`,
      { path: file },
    );
  }
  const { statuses, filled } = await statusesOf(files);
  if (filled === 0) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `no network status in ${file} yet: its device metadata ${files.length === 1 ? "file is" : "files are"} empty (a driver fills ${files.length === 1 ? "it" : "them"} once the interface exists); retry later`,
      { path: file },
    );
  }
  return statuses;
}

async function statusesOf(files: readonly string[]): Promise<{ statuses: NetworkStatus[]; filled: number }> {
  const statuses: NetworkStatus[] = [];
  let filled = 0;
  for (const path of files) {
    const metadata = await readDeviceMetadata(path);
    if (metadata === undefined) continue;
    filled++;
    statuses.push(...networkStatusFromDeviceMetadata(metadata));
  }
  return { statuses, filled };
}

/**
 * No FILE: the annotation at its default path, then the device metadata
 * files under the default mount roots; an error only when the pod has neither.
 */
export async function defaultStatuses(options: ValidationOptions): Promise<NetworkStatus[]> {
  let statuses: NetworkStatus[] = [];
  let missing: unknown;
  try {
    statuses = await readPodNetworkStatus(DEFAULT_POD_ANNOTATIONS_PATH, options);
  } catch (err) {
    if (!isDeviceInfoError(err) || err.code !== "ERR_DEVINFO_NOT_FOUND") throw err;
    missing = err;
  }
  const fromMetadata = await metadataStatuses(undefined);
  if (missing !== undefined && fromMetadata.length === 0) throw missing;
  return [...statuses, ...fromMetadata];
}
