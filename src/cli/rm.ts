/** `devinfo rm`: removes device-info files, never directories. */

import fs from "node:fs";
import { cleanDeviceInfoForCNISync, cleanDeviceInfoForDPSync } from "../files/operations.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, EXIT_FAILURE, EXIT_OK, UsageError } from "./_command.js";
import { notDeviceInfo } from "./_scan.js";
import { cniTarget, dpTarget, NAME_RULE } from "./_target.js";

export const command: Command = {
  name: "rm",
  summary: "Remove device-info files",
  description: `Remove a device plugin file (as a device plugin does when it stops) or CNI files (as a meta-plugin does on CNI DEL).

A CNI file is named by a NAME (<base>/cni/NAME) or a PATH:
${NAME_RULE}
Directories are never removed. A symbolic link is never a file devinfo wrote: it is
refused unless --force, which removes the link itself, never its target. A file that does not exist is an error unless --ignore-not-found. A file that
does not read as a device-info document (a JSON object with a device key such as "pci", or an object its "type" names;
read leniently, as "devinfo show" reads) is refused unless --force: a mistyped PATH must not delete someone else's file.`,
  usage: ["rm dp RESOURCE DEVICE [options]", "rm cni NAME|PATH... [options]"],
  examples: [
    { comment: "Withdraw one device", command: "devinfo rm dp intel.com/sriov 0000:af:06.0" },
    {
      comment: "Remove the CNI files of one pod sandbox, if any",
      command: "devinfo rm cni --ignore-not-found sriov-net-3f9a1c0d2e4b_net1 sriov-net-3f9a1c0d2e4b_net2",
    },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    "ignore-not-found": { type: "boolean", default: "false", help: "Treat a file that does not exist as removed." },
    force: {
      type: "boolean",
      default: "false",
      help: "Remove a regular file even when it does not read as a device-info document, or a symbolic link (the link, never its target).",
    },
  },
  run,
};

function run(ctx: Context): number {
  const [which, ...rest] = ctx.positionals;
  const baseDir = baseDirOf(ctx);
  const ignore = ctx.values["ignore-not-found"] === true;
  const force = ctx.values.force === true;
  const done: { path: string; removed: boolean }[] = [];
  let refused = 0;
  // Every path is judged before anything is removed: a refusal leaves the whole command undone.
  const check = (path: string): void => {
    if (force) return;
    // devinfo never writes a link: one here is someone's doing, and what it points at is not the question.
    const problem = isSymbolicLink(path) ? "it is a symbolic link" : notDeviceInfo(path);
    if (problem === undefined) return;
    refused++;
    ctx.err.line(
      `${ctx.err.style.red("devinfo:")} ${path} does not read as a device-info file (${problem}); nothing removed. Check the path, or pass --force to remove it anyway`,
    );
  };
  if (which === "dp") {
    if (rest.length !== 2 || rest[0] === undefined || rest[1] === undefined)
      throw new UsageError("devinfo rm dp needs RESOURCE and DEVICE");
    const { path } = dpTarget(rest[0], rest[1], baseDir);
    check(path);
    if (refused > 0) return EXIT_FAILURE;
    done.push({ path, removed: cleanDeviceInfoForDPSync(rest[0], rest[1], { baseDir }) });
  } else if (which === "cni") {
    if (rest.length === 0) throw new UsageError("devinfo rm cni needs at least one NAME or PATH");
    const paths = rest.map((name) => cniTarget(name, baseDir).path);
    for (const path of paths) check(path);
    if (refused > 0) return EXIT_FAILURE;
    for (const path of paths) done.push({ path, removed: cleanDeviceInfoForCNISync(path, { baseDir }) });
  } else {
    throw new UsageError(`devinfo rm needs "dp" or "cni" first${which === undefined ? "" : `, not ${JSON.stringify(which)}`}`);
  }
  let missing = 0;
  for (const { path, removed } of done) {
    if (removed) ctx.out.line(`removed ${path}`);
    else if (!ignore) {
      missing++;
      ctx.err.line(
        `${ctx.err.style.red("devinfo:")} no device-info file at ${path}; nothing removed (--ignore-not-found makes this a success)`,
      );
    }
  }
  return missing > 0 ? EXIT_FAILURE : EXIT_OK;
}

/** Whether `path` itself is a symbolic link (a missing path is not: the not-found error says so). */
function isSymbolicLink(path: string): boolean {
  try {
    return fs.lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
