/**
 * The small frame every command is built on: options declared once (for
 * `node:util` parseArgs and for the help text), usage errors that map to exit
 * code 2, and help rendered in the layout kubectl and other Kubernetes tools use.
 */

import { parseArgs } from "node:util";
import { DEFAULT_BASE_DIR, resolveBaseDir } from "../files/paths.js";
import type { CliIO } from "./_io.js";
import type { Output } from "./_output.js";

/** Exit code of a command that did what it was asked. */
export const EXIT_OK = 0;
/** Exit code of a command that failed: a file problem, an I/O error, something not found. */
export const EXIT_FAILURE = 1;
/** Exit code of a bad command line (a {@link UsageError}). */
export const EXIT_USAGE = 2;

// The streams live in _io.ts: _output.ts needs them, and this module needs _output.ts's Output.
export type { CliIO, InStream, OutStream } from "./_io.js";

/** A bad command line: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** One option, for parseArgs and for the help text. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
  /** Shown in help as `--name=<default>`. */
  readonly default?: string;
  readonly help: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` receives. */
export interface Context {
  readonly io: CliIO;
  readonly out: Output;
  readonly err: Output;
  readonly values: Values;
  readonly positionals: readonly string[];
  /** The full command name, e.g. `devinfo gc`, for messages. */
  readonly commandName: string;
}

/** A command: its help and its action. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly description: string;
  readonly usage: readonly string[];
  readonly examples: readonly { readonly comment: string; readonly command: string }[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(ctx: Context): Promise<number> | number;
}

/** `--base-dir`, shared by every command that touches device-info files. */
export const BASE_DIR_OPTION: OptionSpec = {
  type: "string",
  default: DEFAULT_BASE_DIR,
  help: "Base directory of the device-info files (dp/ and cni/ live under it). Defaults to $DEVINFO_BASE_DIR when set.",
};

/** `--json`, for every command whose output is data. */
export const JSON_OPTION: OptionSpec = {
  type: "boolean",
  default: "false",
  help: "Print machine-readable JSON on stdout instead of text. The fields are stable.",
};

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", default: "false", help: `Show this help.` };

/** Parses `argv` for `command`; throws {@link UsageError} for anything parseArgs rejects. */
export function parseCommandLine(command: Command, argv: readonly string[]): { values: Values; positionals: string[]; help: boolean } {
  const specs: Record<string, OptionSpec> = { ...command.options, help: HELP_OPTION };
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type };
    if (spec.short !== undefined) options[name].short = spec.short;
    if (spec.multiple === true) options[name].multiple = true;
  }
  const { args, booleans } = takeBooleanValues(argv, specs);
  try {
    const { values, positionals, tokens } = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
    // parseArgs keeps the last of a repeated option: for a single-valued one that silently drops the first.
    const seen = new Set<string>();
    for (const token of tokens) {
      if (token.kind !== "option" || specs[token.name]?.type !== "string" || specs[token.name]?.multiple === true) continue;
      if (seen.has(token.name)) {
        throw new UsageError(`option --${token.name} is given more than once; give it once (it takes a single value)`);
      }
      seen.add(token.name);
    }
    for (const [name, value] of booleans) {
      if (value) values[name] = true;
      else delete values[name];
    }
    const help = values.help === true;
    delete values.help;
    return { values: values as Values, positionals, help };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(rewordParseError(err));
  }
}

/**
 * Help shows a boolean flag as `--json=false`, so `--json=true` and
 * `--json=false` are accepted as well as `--json` (parseArgs refuses any
 * value for a boolean). Takes every spelling of the boolean flags out of
 * `argv`, the last one of a flag winning; a string option's value is skipped,
 * whatever it looks like, and everything after `--` is left alone.
 */
function takeBooleanValues(
  argv: readonly string[],
  specs: Readonly<Record<string, OptionSpec>>,
): { args: string[]; booleans: Map<string, boolean> } {
  const shorts = new Map(Object.entries(specs).flatMap(([name, spec]) => (spec.short === undefined ? [] : [[spec.short, name] as const])));
  const args: string[] = [];
  const booleans = new Map<string, boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      args.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)(?:=([\s\S]*))?$/.exec(arg);
    const name = long?.[1] ?? (/^-[^-]$/.test(arg) ? shorts.get(arg.slice(1)) : undefined);
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec?.type !== "boolean") {
      args.push(arg);
      if (spec?.type === "string" && long?.[2] === undefined && i + 1 < argv.length) args.push(argv[++i] as string);
      continue;
    }
    const value = long?.[2];
    if (value === undefined || value === "true") booleans.set(name, true);
    else if (value === "false") booleans.set(name, false);
    else throw new UsageError(`option --${name} takes no value, or =true or =false; got ${JSON.stringify(value)}`);
  }
  return { args, booleans };
}

function rewordParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  // parseArgs's messages are written for JavaScript programmers; keep the facts, drop the advice.
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const match = /'([^']+)'/.exec(message);
    return `unknown option ${match?.[1] ?? message}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const missing = /^Option '(-\S+)(?:, )?(-\S*)? <value>' argument missing/.exec(message);
    if (missing !== null) return `option ${missing[2] ?? missing[1]} needs a value`;
    const noArg = /^Option '(-[^']+)' does not take an argument/.exec(message);
    if (noArg !== null) return `option ${noArg[1]} does not take a value`;
    const ambiguous = /^Option '(-[^']+)' argument is ambiguous/.exec(message);
    if (ambiguous !== null) return `option ${ambiguous[1]} needs a value (write ${ambiguous[1]}=VALUE for a value that starts with "-")`;
  }
  return message.split("\n")[0] ?? message;
}

/** The base directory from `--base-dir`, else `$DEVINFO_BASE_DIR` (set but empty is a usage error), else the production default. */
export function baseDirOf(ctx: Context): string {
  const flag = ctx.values["base-dir"];
  const fromEnv = ctx.io.env.DEVINFO_BASE_DIR;
  // Set but empty is a mistake (an unset shell variable), never a request for the production directory.
  if (typeof flag !== "string" && fromEnv === "") {
    throw new UsageError(
      `DEVINFO_BASE_DIR is set but empty; set it to a directory, or unset it (unset DEVINFO_BASE_DIR) to use ${DEFAULT_BASE_DIR}`,
    );
  }
  const chosen = typeof flag === "string" ? flag : (fromEnv ?? DEFAULT_BASE_DIR);
  if (chosen === "") throw new UsageError("--base-dir needs a non-empty directory");
  return resolveBaseDir({ baseDir: chosen });
}

/** A string option's value, or `undefined`. */
export function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** Exactly `count` positionals, or a usage error naming what is missing. */
export function expectPositionals(ctx: Context, names: readonly string[], extra: "none" | "many" = "none"): string[] {
  const got = ctx.positionals;
  if (got.length < names.length) {
    throw new UsageError(`${ctx.commandName} needs ${names.join(" ")}; missing ${names.slice(got.length).join(" ")}`);
  }
  if (extra === "none" && got.length > names.length) {
    throw new UsageError(`${ctx.commandName}: unexpected argument ${JSON.stringify(got[names.length])}`);
  }
  return [...got];
}

/** Help in the layout of kubectl: description, examples, options, usage. */
export function renderHelp(command: Command, parent = "devinfo"): string {
  const lines: string[] = [command.description.trimEnd(), ""];
  if (command.examples.length > 0) {
    lines.push("Examples:");
    command.examples.forEach((example, i) => {
      if (i > 0) lines.push("");
      lines.push(`  # ${example.comment}`, `  ${example.command}`);
    });
    lines.push("");
  }
  const entries = Object.entries({ ...command.options, help: HELP_OPTION });
  lines.push("Options:");
  for (const [name, spec] of entries) {
    const flag = spec.short === undefined ? `--${name}` : `-${spec.short}, --${name}`;
    const value = spec.default === undefined ? (spec.type === "string" ? "" : "=false") : `=${quoteDefault(spec)}`;
    lines.push(`    ${flag}${value}:`, ...wrap(spec.help, 100).map((l) => `\t${l}`), "");
  }
  lines.push("Usage:", ...command.usage.map((u) => `  ${parent} ${u}`), "");
  lines.push(`Use "devinfo --help" for the list of commands.`);
  return `${lines.join("\n")}\n`;
}

function quoteDefault(spec: OptionSpec): string {
  return spec.type === "string" ? `'${spec.default}'` : String(spec.default);
}

/** Wraps text at word boundaries. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      if (line !== "" && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === "" ? word : `${line} ${word}`;
    }
    out.push(line);
  }
  return out;
}
