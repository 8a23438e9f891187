/** `devinfo show`: one device-info file, described for a person or printed as JSON. */

import fs from "node:fs";
import { basename } from "node:path";
import { DeviceInfoError } from "../base/errors.js";
import type { DeviceInfoIssue } from "../base/issues.js";
import { loadDeviceInfoFromCNISync } from "../files/operations.js";
import { DEVICE_FIELDS, DEVICE_TYPES, isDeviceKey } from "../format/fields.js";
import { goJsonStringify, writeJson } from "../format/go-json.js";
import type { DeviceInfo } from "../format/schema.js";
import { toGoOrder } from "../format/serialize.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, EXIT_OK, JSON_OPTION, UsageError } from "./_command.js";
import { splitDPName } from "./_names.js";
import { formatAge, jsonIndent } from "./_output.js";
import { dpTarget, NAME_RULE, readTarget, refuseTwoFiles, type Target } from "./_target.js";

export const command: Command = {
  name: "show",
  summary: "Show one device-info file",
  description: `Show one device-info file: where it is, what it describes, and any deviation from the spec.

Name the file by a PATH, by the NAME that "devinfo ls" prints (in cni/ or dp/), or, for a device plugin file, by
its resource name and device ID. A file named by NAME or PATH shows the resource and device derived from its name:
the spec writes "/" as "-" and joins them with "-", so the split can be ambiguous.

${NAME_RULE}

 The file is read as the library's readers read it: leniently,
never through a symbolic link. With --json, the document itself is printed (fields in the Go reference's order,
unknown keys kept), ready for jq; deviations then go to stderr.`,
  usage: ["show NAME|PATH [options]", "show RESOURCE DEVICE [options]"],
  examples: [
    { comment: "Show the device plugin file of one device", command: "devinfo show intel.com/sriov 0000:af:06.0" },
    { comment: "Show a CNI file by the name devinfo ls prints", command: "devinfo show default-sriov-net1-3f9a1c0d2e4b_net1" },
    { comment: "Print the PCI address only", command: "devinfo show ./info.json --json | jq -r '.pci[\"pci-address\"]'" },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    json: { ...JSON_OPTION, help: "Print the document as JSON (Go field order; 2-space indent, one line past 32 levels of nesting)." },
  },
  run,
};

function run(ctx: Context): number {
  const baseDir = baseDirOf(ctx);
  let target: Target;
  if (ctx.positionals.length === 1 && ctx.positionals[0] !== undefined) target = readTarget(ctx.positionals[0], baseDir);
  else if (ctx.positionals.length === 2 && ctx.positionals[0] !== undefined && ctx.positionals[1] !== undefined) {
    refuseTwoFiles(ctx.commandName, ctx.positionals);
    target = dpTarget(ctx.positionals[0], ctx.positionals[1], baseDir);
  } else throw new UsageError(`devinfo show needs one NAME or PATH, or a RESOURCE and a DEVICE; got ${ctx.positionals.length} arguments`);

  const warnings: DeviceInfoIssue[] = [];
  // The CNI reader takes any absolute path: it refuses symlinks and oversized files, and is lenient.
  const info = loadDeviceInfoFromCNISync(target.path, { baseDir, onWarning: (w) => warnings.push(w) });
  if (info === undefined) {
    const hint = target.kind === "dp" ? `; is the device plugin running with this base directory (${baseDir})?` : "";
    throw new DeviceInfoError("ERR_DEVINFO_NOT_FOUND", `no device-info file at ${target.path}${hint}`, { path: target.path });
  }
  if (ctx.values.json === true) {
    const document = toGoOrder(info, true);
    ctx.out.write(`${goJsonStringify(document, jsonIndent(info))}\n`);
    for (const w of warnings) ctx.err.line(`${ctx.err.style.yellow("warning:")} ${target.path}: ${w.jsonPath}: ${w.message}`);
    return EXIT_OK;
  }
  describe(ctx, target, info, warnings);
  return EXIT_OK;
}

function describe(ctx: Context, target: Target, info: DeviceInfo, warnings: readonly DeviceInfoIssue[]): void {
  const s = ctx.out.style;
  const rows: [string, string][] = [["Path", target.path]];
  const name = basename(target.path);
  if (target.kind === "dp") {
    if (target.resourceName !== undefined && target.deviceID !== undefined) {
      rows.push(["Kind", `device plugin file (resource ${target.resourceName}, device ${target.deviceID})`]);
    } else {
      // The name is <resource>-<device> with every "/" made "-": the split is a guess, never a fact.
      const split = splitDPName(
        name,
        info.type === "pci" && typeof info.pci?.["pci-address"] === "string" ? [info.pci["pci-address"]] : [],
      );
      rows.push([
        "Kind",
        `device plugin file${split === undefined ? "" : ` (derived from the file name, which may be ambiguous: resource ${split.resource} with "/" written as "-", device ${split.device})`}`,
      ]);
    }
  } else if (target.kind === "cni") rows.push(["Kind", "CNI file (one network attachment)"]);
  try {
    const stats = fs.lstatSync(target.path);
    rows.push(["Modified", `${new Date(stats.mtimeMs).toISOString()} (${formatAge(Date.now() - stats.mtimeMs)} ago)`]);
  } catch {
    // Removed since it was read: the content shown is still what was there.
  }
  rows.push(["Type", info.type ?? "-"], ["Version", info.version ?? "-"]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  for (const [key, value] of rows) ctx.out.line(`${s.bold(`${key}:`.padEnd(width))}${value}`);

  const record = info as unknown as Record<string, unknown>;
  for (const device of DEVICE_TYPES) {
    const sub = record[device];
    if (typeof sub !== "object" || sub === null) continue;
    ctx.out.line(`${s.bold(`${device}:`)}${device === info.type ? "" : s.dim("  (not the declared type)")}`);
    const fields = Object.entries(sub as Record<string, unknown>);
    const known = new Set(DEVICE_FIELDS[device].map((f) => f.key));
    const w = Math.max(0, ...fields.map(([k]) => k.length)) + 2;
    for (const [key, value] of fields) {
      ctx.out.line(
        `  ${`${key}:`.padEnd(w)}${typeof value === "string" ? value : writeJson(value, "", 0)}${known.has(key) ? "" : s.dim("  (not in the spec)")}`,
      );
    }
  }
  const other = Object.keys(record).filter((k) => k !== "type" && k !== "version" && !isDeviceKey(k));
  if (other.length > 0) {
    ctx.out.line(s.bold("Other keys:"));
    for (const key of other) ctx.out.line(`  ${key}: ${writeJson(record[key], "", 0)}`);
  }
  if (warnings.length > 0) {
    ctx.out.line(s.bold("Warnings:"));
    for (const w of warnings) ctx.out.line(`  ${s.yellow(w.jsonPath)}: ${w.message}`);
  }
}
