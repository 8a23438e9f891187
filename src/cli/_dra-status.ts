/**
 * `devinfo status` for DRA pods: the network-status entries of KEP-5304
 * device metadata files, read as the annotation is read, so that one table
 * (and one `--json` shape) shows both.
 */

import fs from "node:fs";
import { findDeviceMetadata, networkStatusFromDeviceMetadata, readDeviceMetadata } from "../dra/metadata.js";
import { isDeviceInfoError } from "../errors.js";
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

/** The entries of one metadata file, or of every file under a root directory. */
export async function metadataStatuses(file: string | undefined): Promise<NetworkStatus[]> {
  if (file?.endsWith("-metadata.json")) return statusesOf([file]);
  return statusesOf(findDeviceMetadata(file === undefined ? {} : { root: file }).map((f) => f.path));
}

async function statusesOf(files: readonly string[]): Promise<NetworkStatus[]> {
  const statuses: NetworkStatus[] = [];
  for (const path of files) {
    const metadata = await readDeviceMetadata(path);
    if (metadata !== undefined) statuses.push(...networkStatusFromDeviceMetadata(metadata));
  }
  return statuses;
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
