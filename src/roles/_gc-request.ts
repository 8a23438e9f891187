/**
 * The one reader of a CNI GC request's attachments (CNI spec 1.1, "GC: Clean
 * up any stale resources"), shared by `pluginMain` (a plugin's GC) and
 * `devinfo gc --valid-attachments`, so both accept and refuse the same
 * requests with the same words. Internal: not exported by any entry point.
 */

import { isObject } from "../format/validate.js";
import { describe } from "./_netconf.js";

/** The key libcni sends and Go's `types.PluginConf` reads (`ValidAttachments`). */
export const VALID_ATTACHMENTS_KEY = "cni.dev/valid-attachments";
/** The key the spec's text names; read when {@link VALID_ATTACHMENTS_KEY} is absent. */
export const ATTACHMENTS_KEY = "cni.dev/attachments";

/** One still-valid attachment (Go's `types.GCAttachment`). */
export interface GCAttachment {
  readonly containerID: string;
  readonly ifname: string;
}

/**
 * The attachments of a decoded GC request: `cni.dev/valid-attachments`, else
 * `cni.dev/attachments`; absent or `null` is none (an empty list is a valid
 * request: this network has no attachment left). Each entry must be an
 * object with string `containerID` and `ifname`.
 *
 * @param conf - The decoded network configuration (a JSON object).
 * @param fail - Makes the caller's error from a one-line description of
 *   what is wrong (`pluginMain`: a CNI error, code 7; the CLI: a usage error).
 * @returns The attachments, in order, and the key they were read from
 *   (`undefined` when neither key is present).
 */
export function readGCAttachments(
  conf: Readonly<Record<string, unknown>>,
  fail: (detail: string) => Error,
): { readonly attachments: GCAttachment[]; readonly key: string | undefined } {
  const key =
    conf[VALID_ATTACHMENTS_KEY] !== undefined ? VALID_ATTACHMENTS_KEY : conf[ATTACHMENTS_KEY] !== undefined ? ATTACHMENTS_KEY : undefined;
  const list = key === undefined ? undefined : conf[key];
  if (key === undefined || list === null || list === undefined) return { attachments: [], key };
  if (!Array.isArray(list)) throw fail(`${JSON.stringify(key)} must be an array, got ${describe(list)}`);
  const attachments = list.map((entry: unknown, i): GCAttachment => {
    if (!isObject(entry) || typeof entry.containerID !== "string" || typeof entry.ifname !== "string") {
      throw fail(`${JSON.stringify(key)}[${i}] must be an object with string "containerID" and "ifname", got ${describe(entry)}`);
    }
    return { containerID: entry.containerID, ifname: entry.ifname };
  });
  return { attachments, key };
}
