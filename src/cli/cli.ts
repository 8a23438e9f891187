/**
 * The `devinfo` command line: `main(argv, io)` parses, dispatches to one
 * command module (loaded on demand, so `devinfo validate` never pays for the
 * demo or for zod) and returns the exit code: 0 success, 1 failure, 2 usage.
 */

import { inspect } from "node:util";
import { isDeviceInfoError } from "../base/errors.js";
import { SPEC_VERSION } from "../format/fields.js";
import {
  type CliIO,
  type Command,
  type Context,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  parseCommandLine,
  renderHelp,
  UsageError,
} from "./_command.js";
import { toCliWords } from "./_messages.js";
import { Output, useColor } from "./_output.js";

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./_command.js";

interface Entry {
  readonly name: string;
  readonly group: string;
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

// Summaries live here (not in the modules) so that the overview loads nothing.
const COMMANDS: readonly Entry[] = [
  {
    name: "demo",
    group: "Getting started",
    summary: "Run the whole protocol in a temporary directory, step by step",
    load: async () => (await import("./demo.js")).command,
  },
  {
    name: "ls",
    group: "Inspecting",
    summary: "List the device plugin and CNI device-info files",
    load: async () => (await import("./ls.js")).command,
  },
  { name: "show", group: "Inspecting", summary: "Show one device-info file", load: async () => (await import("./show.js")).command },
  {
    name: "validate",
    group: "Inspecting",
    summary: "Check device-info files against the specification",
    load: async () => (await import("./validate.js")).command,
  },
  {
    name: "status",
    group: "Inspecting",
    summary: "Show each pod interface with its device-info, from the network-status annotation",
    load: async () => (await import("./status.js")).command,
  },
  {
    name: "attributes",
    group: "Inspecting",
    summary: "Print the ResourceSlice device attributes (DRA) of a device-info file",
    load: async () => (await import("./attributes.js")).command,
  },
  {
    name: "rbac",
    group: "Inspecting",
    summary: "Print the ClusterRole and ClusterRoleBinding a DRA claim-status writer needs",
    load: async () => (await import("./rbac.js")).command,
  },
  {
    name: "schema",
    group: "Inspecting",
    summary: "Print the JSON Schema (draft 2020-12) of the device-info format",
    load: async () => (await import("./schema.js")).command,
  },
  {
    name: "write",
    group: "Managing",
    summary: "Write a device plugin or CNI device-info file",
    load: async () => (await import("./write.js")).command,
  },
  {
    name: "copy",
    group: "Managing",
    summary: "Copy a device plugin file to a CNI file, as a meta-plugin does",
    load: async () => (await import("./copy.js")).command,
  },
  { name: "rm", group: "Managing", summary: "Remove device-info files", load: async () => (await import("./rm.js")).command },
  {
    name: "gc",
    group: "Managing",
    summary: "Remove files of gone containers and devices, and leftovers of crashed writers",
    load: async () => (await import("./gc.js")).command,
  },
  { name: "version", group: "Other", summary: "Print the version", load: async () => (await import("./version.js")).command },
];

/** The process's own streams and environment. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/**
 * Runs the `devinfo` command line and returns its exit code; never calls
 * `process.exit` and never throws.
 *
 * @param argv - The arguments after the program name.
 * @param io - Streams and environment; the process's own by default.
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const out = new Output(io.stdout, useColor(io.stdout, io.env));
  const err = new Output(io.stderr, useColor(io.stderr, io.env));
  try {
    return await dispatch(argv, io, out, err);
  } catch (error) {
    out.flush();
    return report(error, err, argv);
  } finally {
    out.flush();
    err.flush();
  }
}

async function dispatch(argv: readonly string[], io: CliIO, out: Output, err: Output): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    // A script that lost its command must not pass: the overview goes to stderr, as a usage error.
    err.line(`${err.style.red("devinfo:")} no command given; choose one below`);
    err.write(overview());
    return EXIT_USAGE;
  }
  if (first === "-h" || first === "--help") {
    out.write(overview());
    return EXIT_OK;
  }
  if (first === "--version") return dispatch(["version", ...rest], io, out, err);
  if (first === "help") {
    if (rest[0] === undefined) {
      out.write(overview());
      return EXIT_OK;
    }
    return dispatch([rest[0], "--help"], io, out, err);
  }
  const entry = COMMANDS.find((c) => c.name === first);
  if (entry === undefined) {
    const hint = first.startsWith("-") ? `options come after the command` : suggest(first);
    throw new UsageError(`unknown command ${JSON.stringify(first)}${hint === "" ? "" : `; ${hint}`}`);
  }
  const command = await entry.load();
  const { values, positionals, help } = parseCommandLine(command, rest);
  if (help) {
    out.write(renderHelp(command));
    return EXIT_OK;
  }
  const ctx: Context = { io, out, err, values, positionals, commandName: `devinfo ${command.name}` };
  return await command.run(ctx);
}

function suggest(name: string): string {
  const close = COMMANDS.filter((c) => c.name.startsWith(name.slice(0, 2)) || distance(c.name, name) <= 2).map((c) => c.name);
  return close.length > 0 ? `did you mean ${close.map((c) => JSON.stringify(c)).join(" or ")}?` : "";
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] ?? 0;
      row[j] = Math.min(cur + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * Whether the command line asks for `--json` (the last of `--json`,
 * `--json=true`, `--json=false` before `--` wins, as the parser decides).
 */
function wantsJson(argv: readonly string[]): boolean {
  // Without a command ("devinfo --json") there is no --json to honour: a usage error in text.
  if (argv[0] === undefined || argv[0].startsWith("-")) return false;
  let json = false;
  for (const arg of argv.slice(1)) {
    if (arg === "--") break;
    if (arg === "--json" || arg === "--json=true") json = true;
    else if (arg === "--json=false") json = false;
  }
  return json;
}

/**
 * With `--json`, an error is one JSON line on stderr:
 * `{"error":{"code","message","path"?}}`, `code` being the library's stable
 * `ERR_DEVINFO_*` code or `ERR_DEVINFO_USAGE` for a bad command line.
 */
function reportJson(error: unknown, err: Output, argv: readonly string[]): number | undefined {
  if (!wantsJson(argv)) return undefined;
  if (error instanceof UsageError) {
    err.line(JSON.stringify({ error: { code: "ERR_DEVINFO_USAGE", message: error.message } }));
    return EXIT_USAGE;
  }
  if (isDeviceInfoError(error)) {
    const path = error.path === undefined ? {} : { path: error.path };
    err.line(JSON.stringify({ error: { code: error.code, message: toCliWords(error.message), ...path } }));
    return EXIT_FAILURE;
  }
  return undefined; // a bug: the readable report below, with its stack
}

function report(error: unknown, err: Output, argv: readonly string[]): number {
  const asJson = reportJson(error, err, argv);
  if (asJson !== undefined) return asJson;
  const tag = err.style.red("devinfo:");
  if (error instanceof UsageError) {
    const command = COMMANDS.find((c) => c.name === argv[0]);
    err.line(`${tag} ${error.message}`);
    err.line(`See '${command === undefined ? "devinfo --help" : `devinfo ${command.name} --help`}' for usage.`);
    return EXIT_USAGE;
  }
  if (isDeviceInfoError(error)) {
    // The library's advice names its options; on the command line they are flags.
    err.line(`${tag} ${toCliWords(error.message)}`);
    return EXIT_FAILURE;
  }
  // Not ours: a bug. Say so, and keep the stack for the report.
  err.write(internalErrorReport(error, tag));
  return EXIT_FAILURE;
}

/**
 * The report of an error that is not the user's doing (a bug): its class,
 * code, message and stack, readable (Node's own report of an uncaught error
 * starts with the source line that threw, which in a minified bundle would
 * be a screenful), with how to get lines in src/.
 */
export function internalErrorReport(error: unknown, tag = "devinfo:"): string {
  const body = error instanceof Error ? inspect(error, { depth: 2, breakLength: 100 }) : `thrown: ${inspect(error)}`;
  return `${tag} internal error, please report it with this output:\n${body}\n(node --enable-source-maps ${process.argv[1] ?? "devinfo"} ... gives the lines in src/)\n`;
}

function overview(): string {
  const lines = [
    `devinfo reads, writes, checks and cleans the device-info files of the Kubernetes`,
    `Network Plumbing Working Group's Device Information Specification v${SPEC_VERSION}.`,
    "",
  ];
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  for (const group of [...new Set(COMMANDS.map((c) => c.group))]) {
    lines.push(`${group}:`);
    for (const c of COMMANDS.filter((e) => e.group === group)) lines.push(`  ${c.name.padEnd(width)}${c.summary}`);
    lines.push("");
  }
  lines.push(
    "Usage:",
    "  devinfo <command> [options]",
    "",
    `Use "devinfo <command> --help" for more information about a given command.`,
    `Every command that touches files takes --base-dir (default $DEVINFO_BASE_DIR, else /var/run/k8s.cni.cncf.io/devinfo).`,
  );
  return `${lines.join("\n")}\n`;
}
