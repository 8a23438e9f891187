/** `devinfo write dp|cni`: a device-info file from flags or from JSON. */

import type { Buffer } from "node:buffer";
import fs from "node:fs";
import { saveDeviceInfoForCNISync, saveDeviceInfoForDPSync } from "../files/operations.js";
import { DEVICE_FIELDS, DEVICE_TYPES, isDeviceKey, PCI_ADDRESS_PATTERN, SPEC_VERSION } from "../format/fields.js";
import { parseDocument } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, EXIT_OK, type OptionSpec, stringOption, UsageError } from "./_command.js";
import { DOCUMENT_INPUT, readInput } from "./_input.js";
import { escapeText, firstUnsafeCharacter } from "./_output.js";
import { cniTarget, dpTarget, NAME_RULE, type Target } from "./_target.js";

// One flag per sub-object field, named as the JSON key. `path` and `mode`
// exist in several types; each type takes the flags of its own fields.
const FIELD_FLAGS: readonly string[] = [...new Set(DEVICE_TYPES.flatMap((t) => DEVICE_FIELDS[t].map((f) => f.key)))];

const fieldOptions: Record<string, OptionSpec> = Object.fromEntries(
  FIELD_FLAGS.map((key) => {
    const types = DEVICE_TYPES.filter((t) => DEVICE_FIELDS[t].some((f) => f.key === key));
    return [key, { type: "string", help: `The "${key}" field (${types.join(", ")}).` } satisfies OptionSpec];
  }),
);

export const command: Command = {
  name: "write",
  summary: "Write a device plugin or CNI device-info file",
  description: `Write a device-info file, atomically, with the bytes the Go reference writes (mode 0444).

  devinfo write dp RESOURCE DEVICE   writes <base>/dp/<resource>-<device>-device.json, as a device plugin does
  devinfo write cni NAME|PATH        writes <base>/cni/NAME, or PATH, as a CNI plugin does

The document comes from flags (--type and one flag per field, named as the JSON key) or, with -f, from a JSON file
or stdin (stdin is also read when no flag is given and it is not a terminal). For a pci device plugin file,
--pci-address defaults to DEVICE when DEVICE is a PCI address.
Like the library's writers, it refuses to replace an existing file (use --overwrite) and validates strictly:
deviations from the spec are refused unless --lenient.

${NAME_RULE}`,
  usage: [
    "write dp RESOURCE DEVICE (--type TYPE --FIELD VALUE... | -f FILE) [options]",
    "write cni NAME|PATH (--type TYPE --FIELD VALUE... | -f FILE) [options]",
  ],
  examples: [
    {
      comment: "Publish an SR-IOV virtual function, as a device plugin does",
      command: "devinfo write dp intel.com/sriov 0000:af:06.0 --type pci --pf-pci-address 0000:af:00.0",
    },
    {
      comment: "Write the CNI file of a vhost-user attachment",
      command: "devinfo write cni net1-3f9a1c0d2e4b_net1 --type vhost-user --mode server --path /var/run/vhost/net1.sock",
    },
    {
      comment: "Write from JSON on stdin, replacing the file",
      command: "devinfo write dp example.com/memif m0 -f - --overwrite < memif.json",
    },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    type: { type: "string", help: `Device type: ${DEVICE_TYPES.join(", ")}.` },
    ...fieldOptions,
    "spec-version": { type: "string", default: SPEC_VERSION, help: `The "version" field written with --type.` },
    filename: { type: "string", short: "f", help: "Read the document from this JSON file (- for stdin) instead of flags." },
    overwrite: { type: "boolean", default: "false", help: "Replace an existing file (atomically)." },
    lenient: { type: "boolean", default: "false", help: "Write deviations from the spec (printed as warnings) instead of refusing them." },
    durable: { type: "boolean", default: "false", help: "fsync the file and its directory before returning." },
  },
  run,
};

/**
 * A name with a control, bidi or line-separator character would make a file
 * whose name prints as something else: refused before anything is written.
 */
function refuseControlCharacters(which: string | undefined, names: readonly string[]): void {
  const roles = which === "dp" ? ["RESOURCE", "DEVICE"] : ["NAME"];
  names.forEach((name, i) => {
    const unsafe = firstUnsafeCharacter(name);
    if (unsafe === undefined) return;
    throw new UsageError(
      `${roles[i] ?? "NAME"} "${escapeText(name)}" contains ${unsafe}, a control, bidi or line-separator character; type the name with printable characters only (a device ID such as 0000:af:06.0, a resource name such as intel.com/sriov, a CNI name such as net1-3f9a1c0d2e4b_net1)`,
    );
  });
}

async function run(ctx: Context): Promise<number> {
  const [which, ...rest] = ctx.positionals;
  const baseDir = baseDirOf(ctx);
  refuseControlCharacters(which, rest);
  let target: Target;
  if (which === "dp") {
    if (rest.length !== 2 || rest[0] === undefined || rest[1] === undefined)
      throw new UsageError("devinfo write dp needs RESOURCE and DEVICE");
    target = dpTarget(rest[0], rest[1], baseDir);
  } else if (which === "cni") {
    if (rest.length !== 1 || rest[0] === undefined) throw new UsageError("devinfo write cni needs one NAME or PATH");
    target = cniTarget(rest[0], baseDir);
  } else {
    throw new UsageError(`devinfo write needs "dp" or "cni" first${which === undefined ? "" : `, not ${JSON.stringify(which)}`}`);
  }

  const lenient = ctx.values.lenient === true;
  const warn = (w: { jsonPath: string; message: string }) =>
    ctx.err.line(`${ctx.err.style.yellow("warning:")} ${w.jsonPath}: ${w.message}`);
  const info = await documentFrom(ctx, target);
  const options = {
    baseDir,
    overwrite: ctx.values.overwrite === true,
    durable: ctx.values.durable === true,
    strict: !lenient,
    onWarning: warn,
  };
  const existed = options.overwrite && fs.existsSync(target.path);
  const path =
    target.kind === "dp" && target.resourceName !== undefined && target.deviceID !== undefined
      ? saveDeviceInfoForDPSync(target.resourceName, target.deviceID, info, options)
      : saveDeviceInfoForCNISync(target.path, info, options);
  ctx.out.line(`${existed ? "replaced" : "created"} ${path}`);
  return EXIT_OK;
}

const NO_DOCUMENT = "give --type and field flags, or JSON on stdin, or -f FILE";

/** An empty `-f` input is a missing document: said so, with what to give. */
function refuseEmpty(bytes: Buffer, source: string): Buffer {
  if (bytes.toString("utf8").trim() !== "") return bytes;
  throw new UsageError(
    `-f: ${source} is empty; it must hold the device-info document as JSON, e.g. {"type":"pci","version":"${SPEC_VERSION}","pci":{"pci-address":"0000:af:06.0"}}`,
  );
}

/**
 * Field flags without --type: every flag that is missing, named at once — --type,
 * and, when the flags belong to one type only, that type's required fields not given.
 */
function missingTypeMessage(fieldFlags: readonly string[]): string {
  const types = DEVICE_TYPES.filter((t) => fieldFlags.every((key) => DEVICE_FIELDS[t].some((f) => f.key === key)));
  if (types.length !== 1 || types[0] === undefined) {
    return `--type is required with field flags (one of ${DEVICE_TYPES.join(", ")})`;
  }
  const type = types[0];
  const missing = [
    "--type",
    ...DEVICE_FIELDS[type].filter((f) => f.required === true && !fieldFlags.includes(f.key)).map((f) => `--${f.key}`),
  ];
  const given = fieldFlags.map((key) => `--${key}`).join(" and ");
  const fields = missing.slice(1);
  return `${given} ${fieldFlags.length === 1 ? "is a field" : "are fields"} of type ${type}; missing: ${missing.join(", ")}. Add --type ${type}${fields.length === 0 ? "" : `, and ${fields.join(" and ")}, which ${type} requires (or --lenient to leave ${fields.length === 1 ? "it" : "them"} out)`}`;
}

async function documentFrom(ctx: Context, target: Target): Promise<DeviceInfo> {
  const file = stringOption(ctx.values, "filename");
  const type = stringOption(ctx.values, "type");
  const fieldFlags = FIELD_FLAGS.filter((key) => ctx.values[key] !== undefined);
  if (file !== undefined) {
    if (file === "") throw new UsageError("-f/--filename needs a file, or - for stdin");
    if (type !== undefined || fieldFlags.length > 0) throw new UsageError("give either -f or --type with field flags, not both");
    const bytes = refuseEmpty(await readInput(file, ctx.io.stdin, DOCUMENT_INPUT), file === "-" ? "stdin" : file);
    // Parsed leniently here: the writer applies --strict or --lenient and reports once.
    return parseDocument(bytes, {}, file === "-" ? "<stdin>" : file);
  }
  if (type === undefined) {
    if (fieldFlags.length > 0) throw new UsageError(missingTypeMessage(fieldFlags));
    // No flags at all: the document comes on stdin, unless that is a terminal (nobody types JSON there).
    if (ctx.io.stdin.isTTY === true) throw new UsageError(NO_DOCUMENT);
    const bytes = await readInput("-", ctx.io.stdin, DOCUMENT_INPUT);
    // Nothing on stdin (a closed or empty pipe, </dev/null): no document was given at all, not a malformed one.
    if (bytes.toString("utf8").trim() === "") throw new UsageError(`stdin is empty; ${NO_DOCUMENT}`);
    return parseDocument(bytes, {}, "<stdin>");
  }
  if (!isDeviceKey(type)) throw new UsageError(`--type must be one of ${DEVICE_TYPES.join(", ")}, not ${JSON.stringify(type)}`);
  const own = new Set(DEVICE_FIELDS[type].map((f) => f.key));
  const foreign = fieldFlags.filter((key) => !own.has(key));
  if (foreign.length > 0) {
    throw new UsageError(`--${foreign[0]} is not a field of type ${type}; its fields are ${[...own].map((k) => `--${k}`).join(", ")}`);
  }
  const sub: Record<string, string> = {};
  for (const key of own) {
    const value = stringOption(ctx.values, key);
    if (value !== undefined) sub[key] = value;
  }
  if (type === "pci" && sub["pci-address"] === undefined && target.deviceID !== undefined && PCI_ADDRESS_PATTERN.test(target.deviceID)) {
    sub["pci-address"] = target.deviceID;
  }
  // The library would name the JSON path of a missing field; on the command line it is a flag.
  const missing = DEVICE_FIELDS[type].filter((f) => f.required === true && sub[f.key] === undefined).map((f) => `--${f.key}`);
  if (missing.length > 0 && ctx.values.lenient !== true) {
    throw new UsageError(
      `--type ${type} needs ${missing.join(" and ")} (the spec requires ${missing.length === 1 ? "it" : "them"}); pass ${missing.length === 1 ? "it" : "them"}, or --lenient to write the file without`,
    );
  }
  return { type, version: stringOption(ctx.values, "spec-version") ?? SPEC_VERSION, [type]: sub } as unknown as DeviceInfo;
}
