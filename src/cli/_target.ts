/**
 * How commands name files, one rule for every command (`NAME_RULE`): an
 * argument that starts with `/`, `./` or `../` is a PATH; anything else is a
 * NAME in the base directory. A device plugin file can also be named by its
 * resource and device.
 */

import { dirname, resolve } from "node:path";
import { DeviceInfoError } from "../base/errors.js";
import { getCNIDeviceInfoPath, getDPDeviceInfoPath } from "../files/paths.js";
import { UsageError } from "./_command.js";
import { DP_SUFFIX } from "./_names.js";
import { exists } from "./_scan.js";

/** The rule, as help texts and the README state it. */
export const NAME_RULE = `An argument that names a file is a PATH when it starts with "/", "./" or "../" (absolute, or relative to
the working directory), and a NAME otherwise: a file name in the base directory, as "devinfo ls" prints it
(cni/NAME, or dp/NAME for reading commands; a "/" in a NAME becomes "-", as in Multus's <namespace>/<network>
names). A NAME never starts with "." and never holds "." or ".." or an empty part between "/": such a name
would hide in the flattened file name, so it is refused (for a file in the working directory, write ./NAME).`;

/** A resolved file and what it is. */
export interface Target {
  readonly path: string;
  readonly kind: "dp" | "cni" | "file";
  /** For device plugin files named by resource and device. */
  readonly resourceName?: string;
  readonly deviceID?: string;
}

/** Whether an argument is a PATH (starts with `/`, `./` or `../`); anything else is a NAME. */
export function isPathArgument(arg: string): boolean {
  return arg.startsWith("/") || arg.startsWith("./") || arg.startsWith("../");
}

/**
 * Refuses a value that `/`-flattening would disguise in a file name: a
 * leading `.` (hidden, like the writers' temporary files; `..` climbs) or a
 * `.`, `..` or empty part between `/` (`a/../b` becomes `a-..-b`).
 */
export function checkFlattened(what: string, value: string, fileName: string, pathHint: boolean): void {
  if (value === "") throw new UsageError(`${what} is empty`);
  const parts = value.split("/");
  const bad = value.startsWith(".")
    ? `starts with "."`
    : parts.some((p) => p === "" || p === "." || p === "..")
      ? `holds an empty, "." or ".." part between "/"`
      : undefined;
  if (bad === undefined) return;
  const hint = pathHint
    ? `; for a file in the working directory write ./${value}`
    : what === "RESOURCE"
      ? "; a resource name is <domain>/<name>, e.g. intel.com/sriov"
      : "";
  throw new UsageError(`${what} ${JSON.stringify(value)} ${bad}, which would hide in the file name ${JSON.stringify(fileName)}${hint}`);
}

/**
 * Two arguments where a command reads one file, or a RESOURCE and a DEVICE:
 * when either is a PATH (or `-`), the user gave two files, not a resource and
 * a device; said so, instead of judging "./a" as a resource name.
 */
export function refuseTwoFiles(commandName: string, args: readonly string[]): void {
  const files = args.filter((arg) => isPathArgument(arg) || arg === "-");
  if (files.length === 0) return;
  throw new UsageError(
    `${commandName} reads one file: give one NAME or PATH (or a RESOURCE and a DEVICE), not ${args.map((a) => JSON.stringify(a)).join(" and ")}; run it once per file`,
  );
}

/** A device plugin file from its resource name and device ID (spec 4.1). */
export function dpTarget(resourceName: string, deviceID: string, baseDir: string): Target {
  const fileName = `${resourceName}-${deviceID}${DP_SUFFIX}`.replaceAll("/", "-");
  checkFlattened("RESOURCE", resourceName, fileName, false);
  checkFlattened("DEVICE", deviceID, fileName, false);
  return { path: getDPDeviceInfoPath(resourceName, deviceID, { baseDir }), kind: "dp", resourceName, deviceID };
}

/** A CNI file to write or remove: a PATH as given, or `<base>/cni/NAME` (spec 4.2, `/` becomes `-`). */
export function cniTarget(arg: string, baseDir: string): Target {
  if (isPathArgument(arg)) return { path: resolve(arg), kind: "cni" };
  checkFlattened("NAME", arg, arg.replaceAll("/", "-"), true);
  return { path: getCNIDeviceInfoPath(arg, { baseDir }), kind: "cni" };
}

/** A file to read: a PATH as given, or the NAME found in `<base>/cni` or `<base>/dp` (exactly one). */
export function readTarget(arg: string, baseDir: string): Target {
  if (isPathArgument(arg)) return { path: resolve(arg), kind: kindOf(resolve(arg), baseDir) };
  const name = arg.replaceAll("/", "-");
  checkFlattened("NAME", arg, name, true);
  const candidates: Target[] = [
    { path: resolve(baseDir, "cni", name), kind: "cni" },
    { path: resolve(baseDir, "dp", name), kind: "dp" },
  ];
  const found = candidates.filter((c) => exists(c.path));
  if (found.length === 1 && found[0] !== undefined) return found[0];
  if (found.length > 1) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `the NAME ${JSON.stringify(arg)} is both ${found.map((c) => c.path).join(" and ")}; give the one you mean as a PATH`,
      { path: arg },
    );
  }
  const suffixed = exists(resolve(baseDir, "dp", `${name}${DP_SUFFIX}`)) ? `; a NAME is the whole file name: ${name}${DP_SUFFIX}` : "";
  throw new DeviceInfoError(
    "ERR_DEVINFO_NOT_FOUND",
    `no device-info file named ${JSON.stringify(arg)} (looked for ${candidates.map((c) => c.path).join(" and ")})${suffixed}; "devinfo ls" lists the names, and a file in the working directory is ./${arg}`,
    { path: arg },
  );
}

function kindOf(path: string, baseDir: string): Target["kind"] {
  const dir = dirname(path);
  if (dir === resolve(baseDir, "dp")) return "dp";
  if (dir === resolve(baseDir, "cni")) return "cni";
  return "file";
}
