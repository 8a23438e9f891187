/**
 * How commands name files: a device plugin file by resource and device, a CNI
 * file by an absolute path or by its name under `<base>/cni`, and, for
 * reading commands, by the NAME column of `devinfo ls`.
 */

import { dirname, isAbsolute, join, resolve } from "node:path";
import { DeviceInfoError } from "../errors.js";
import { getCNIDeviceInfoPath, getDPDeviceInfoPath } from "../files/paths.js";
import { DP_SUFFIX } from "./_names.js";
import { exists } from "./_scan.js";

/** A resolved file and what it is. */
export interface Target {
  readonly path: string;
  readonly kind: "dp" | "cni" | "file";
  /** For device plugin files named by resource and device. */
  readonly resourceName?: string;
  readonly deviceID?: string;
}

/** A device plugin file from its resource name and device ID (spec 4.1). */
export function dpTarget(resourceName: string, deviceID: string, baseDir: string): Target {
  return { path: getDPDeviceInfoPath(resourceName, deviceID, { baseDir }), kind: "dp", resourceName, deviceID };
}

/** A CNI file: an absolute path as given, anything else a file name under `<base>/cni` (spec 4.2, `/` becomes `-`). */
export function cniTarget(nameOrPath: string, baseDir: string): Target {
  return { path: isAbsolute(nameOrPath) ? nameOrPath : getCNIDeviceInfoPath(nameOrPath, { baseDir }), kind: "cni" };
}

/**
 * A file to read: a path (when the argument holds a `/`), or a NAME as
 * `devinfo ls` prints it, looked up in `cni/`, then `dp/`, then the current
 * directory.
 */
export function readTarget(arg: string, baseDir: string): Target {
  if (arg.includes("/")) return { path: resolve(arg), kind: kindOf(resolve(arg), baseDir) };
  const candidates: Target[] = [
    { path: join(baseDir, "cni", arg), kind: "cni" },
    { path: join(baseDir, "dp", arg), kind: "dp" },
    { path: join(baseDir, "dp", `${arg}${DP_SUFFIX}`), kind: "dp" },
    { path: resolve(arg), kind: "file" },
  ];
  const found = candidates.find((c) => arg !== "." && arg !== ".." && exists(c.path));
  if (found !== undefined) return found;
  throw new DeviceInfoError(
    "ERR_DEVINFO_NOT_FOUND",
    `no device-info file named ${JSON.stringify(arg)}: looked for ${candidates.map((c) => c.path).join(", ")}; "devinfo ls" lists the names`,
    { path: arg },
  );
}

function kindOf(path: string, baseDir: string): Target["kind"] {
  const dir = dirname(path);
  if (dir === join(baseDir, "dp")) return "dp";
  if (dir === join(baseDir, "cni")) return "cni";
  return "file";
}
