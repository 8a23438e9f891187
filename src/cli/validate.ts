/** `devinfo validate FILE...`: every problem of every file, as `file: json.path: severity: message`. */

import type { Buffer } from "node:buffer";
import { isDeviceInfoError } from "../base/errors.js";
import type { DeviceInfoIssue } from "../base/issues.js";
import { tryReadGoJson } from "../format/_go-text.js";
import { checkReadDocument } from "../format/parse.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, EXIT_FAILURE, EXIT_OK, JSON_OPTION, UsageError } from "./_command.js";
import { DOCUMENT_INPUT, DOCUMENT_MAX_BYTES, readInput } from "./_input.js";
import { formatJson } from "./_output.js";
import { readSmallFile } from "./_scan.js";
import { NAME_RULE, readTarget } from "./_target.js";

/** One problem in `devinfo validate --json`. */
export interface ValidateProblem {
  severity: "error" | "warning";
  /** A `DeviceInfoIssueCode`, or `unreadable` / `not_json` for the file itself. */
  code: string;
  jsonPath: string;
  path: (string | number)[];
  message: string;
}

/** One file in `devinfo validate --json`. */
export interface ValidateResult {
  file: string;
  valid: boolean;
  errors: ValidateProblem[];
  warnings: ValidateProblem[];
}

const STDIN_LABEL = "<stdin>";

export const command: Command = {
  name: "validate",
  summary: "Check device-info files against the specification",
  description: `Check device-info files against the Device Information Specification v1.1.0 and print every problem as

  FILE: JSON.PATH: error|warning: MESSAGE

Errors make a file unusable: not JSON, not an object, a known field of the wrong JSON type. Warnings are
deviations from the spec that readers accept, as the Go reference does (a missing required field, an unknown
type, a malformed version or PCI address...). With --strict every deviation is an error, as this package's
writers treat them. A file with no problem prints "FILE: ok". The exit code is 1 when any file has an error.

FILE is a NAME or a PATH, as for every command:
${NAME_RULE}
Like every reader of this package, validate never follows a symbolic link: a link is an error, whatever it points to.`,
  usage: ["validate NAME|PATH... [options]", "validate - [options]    (read one document from stdin)"],
  examples: [
    { comment: "Check every file on this node", command: "devinfo validate /var/run/k8s.cni.cncf.io/devinfo/*/*" },
    {
      comment: "Check a document before a device plugin writes it, as strictly as the writers do",
      command: "devinfo validate --strict ./info.json",
    },
    {
      comment: "Check a document from a pipe",
      command: `echo '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}' | devinfo validate -`,
    },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    strict: { type: "boolean", default: "false", help: "Report deviations from the spec as errors instead of warnings." },
    json: {
      ...JSON_OPTION,
      help: `Print a JSON array of {"file", "valid", "errors", "warnings"}, each problem with "severity", "code", "jsonPath", "path" and "message".`,
    },
  },
  run,
};

async function run(ctx: Context): Promise<number> {
  if (ctx.positionals.length === 0) throw new UsageError("devinfo validate needs at least one FILE (or - for stdin)");
  if (ctx.positionals.filter((p) => p === "-").length > 1) throw new UsageError("stdin (-) can be given only once");
  const strict = ctx.values.strict === true;
  const baseDir = baseDirOf(ctx);
  const results: ValidateResult[] = [];
  for (const file of ctx.positionals) {
    const result = file === "-" ? await checkStdin(ctx, strict) : checkFile(file, baseDir, strict);
    results.push(result);
    if (ctx.values.json !== true) print(ctx, result);
  }
  if (ctx.values.json === true) ctx.out.write(`${formatJson(results)}\n`);
  return results.every((r) => r.valid) ? EXIT_OK : EXIT_FAILURE;
}

function fileProblem(file: string, code: string, message: string): ValidateResult {
  return { file, valid: false, errors: [{ severity: "error", code, jsonPath: "$", path: [], message }], warnings: [] };
}

/** Stdin, read up to the document cap: a larger input is one "unreadable" result, the rest of it never read. */
async function checkStdin(ctx: Context, strict: boolean): Promise<ValidateResult> {
  let bytes: Buffer;
  try {
    bytes = await readInput("-", ctx.io.stdin, DOCUMENT_INPUT);
  } catch (err) {
    if (isDeviceInfoError(err) && err.code === "ERR_DEVINFO_TOO_LARGE") {
      return fileProblem(STDIN_LABEL, "unreadable", `over the ${DOCUMENT_MAX_BYTES}-byte limit for device-info documents`);
    }
    throw err;
  }
  return checkBytes(STDIN_LABEL, bytes, strict);
}

function checkFile(label: string, baseDir: string, strict: boolean): ValidateResult {
  let path: string;
  try {
    path = readTarget(label, baseDir).path;
  } catch (err) {
    if (isDeviceInfoError(err)) return fileProblem(label, "unreadable", err.message);
    throw err;
  }
  // Never through a symbolic link, as ls, show and the library's readers.
  const read = readSmallFile(path, DOCUMENT_MAX_BYTES);
  if (!read.ok) return fileProblem(label, "unreadable", `cannot read the file: ${read.problem}`);
  return checkBytes(label, read.bytes, strict);
}

function checkBytes(file: string, bytes: Buffer, strict: boolean): ValidateResult {
  const text = bytes.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) {
    return fileProblem(file, "not_json", "starts with a byte order mark (BOM), which Go's reader rejects; save it as UTF-8 without a BOM");
  }
  // The library's reader: Go's UTF-8, depth limit and keys written twice.
  const read = tryReadGoJson(bytes);
  if (!read.ok) {
    return fileProblem(
      file,
      "not_json",
      text.trim() === ""
        ? "not JSON: the file is empty"
        : `not JSON (${read.detail}); a device-info file is one JSON object, e.g. {"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}: is this the right file?`,
    );
  }
  const checked = onePerPath(checkReadDocument(read.value, strict));
  return { file, valid: checked.valid, errors: checked.errors.map(toProblem), warnings: checked.warnings.map(toProblem) };
}

/**
 * One problem, one line: the validator can report one field twice (a number
 * where a string belongs is an error, and then the same field is "required");
 * the first issue of each JSON path, errors before warnings, is kept.
 */
export function onePerPath<T extends { readonly errors: readonly DeviceInfoIssue[]; readonly warnings: readonly DeviceInfoIssue[] }>(
  result: T,
): T {
  const seen = new Set<string>();
  const first = (issue: DeviceInfoIssue) => !seen.has(issue.jsonPath) && seen.add(issue.jsonPath) !== undefined;
  return { ...result, errors: result.errors.filter(first), warnings: result.warnings.filter(first) };
}

function toProblem(issue: DeviceInfoIssue): ValidateProblem {
  return { severity: issue.severity, code: issue.code, jsonPath: issue.jsonPath, path: [...issue.path], message: issue.message };
}

function print(ctx: Context, result: ValidateResult): void {
  const s = ctx.out.style;
  for (const p of [...result.errors, ...result.warnings]) {
    const severity = p.severity === "error" ? s.red("error") : s.yellow("warning");
    ctx.out.line(`${s.bold(result.file)}: ${p.jsonPath}: ${severity}: ${p.message}`);
  }
  if (result.errors.length === 0) {
    const n = result.warnings.length;
    ctx.out.line(`${s.bold(result.file)}: ${s.green("ok")}${n === 0 ? "" : ` (${n} warning${n === 1 ? "" : "s"})`}`);
  }
}
