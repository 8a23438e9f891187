/** `devinfo gc`: removes what no one will ever remove otherwise. */

import fs from "node:fs";
import { join } from "node:path";
import type { DeviceInfoError } from "../base/errors.js";
import { breakStaleLockSync, ioError } from "../files/_io.js";
import {
  BASE_DIR_OPTION,
  baseDirOf,
  type Command,
  type Context,
  EXIT_FAILURE,
  EXIT_OK,
  JSON_OPTION,
  stringOption,
  UsageError,
} from "./_command.js";
import { type LiveLists, liveOptions, ORPHAN_RULES, orphanedCNI, orphanedDP, readLiveLists } from "./_live.js";
import { toCliWords } from "./_messages.js";
import { classifyName, lockFilePid, parseDuration, tempFilePid } from "./_names.js";
import { Progress } from "./_output.js";
import { asksKubelet } from "./_podresources.js";
import { isProcessAlive, notDeviceInfo, readSmallFile, requireBaseDir, scanBaseDir } from "./_scan.js";

/**
 * A temporary or lock file whose writer's pid is not running is removed only
 * after this long: the writer may live in another PID namespace (a device
 * plugin's container), where its pid means nothing here, and its writes take
 * milliseconds.
 */
export const WRITER_GRACE_MS = 10_000;
/** Default of `--older-than` when a live list is given. */
const LIVE_LIST_MIN_AGE = "1m";

/** One removal in `devinfo gc --json`. */
export interface Removal {
  kind: "dp" | "cni" | "temp" | "lock";
  name: string;
  path: string;
  reason: string;
}

const { sysfs: _sysfs, ...gcLiveOptions } = liveOptions;

export const command: Command = {
  name: "gc",
  summary: "Remove files of gone containers and devices, and leftovers of crashed writers",
  description: `Remove the device-info files nobody else will remove, and only on proof that their owner is gone:

${ORPHAN_RULES}
  * A temporary file (.devinfo-tmp-<pid>-*) or lock (.devinfo-lock-*, holding the pid) is left by a writer that
    crashed when its pid is not a running process and the file is over ${WRITER_GRACE_MS / 1000}s old (the writer may run in another PID
    namespace, where its pid means nothing here; writes take milliseconds), or, whatever the pid, when it is older
    than --stale-after (pids are reused). Neither holds committed data: a writer whose temporary file or lock is
    taken fails its write and says so, it never loses a file. A lock is broken the way the library's own waiters
    break one (taking turns, and only if it is still the same file).

An age alone never proves a pod or device gone: --older-than only guards a live list (a pod or a device may have
appeared after the list was taken; default ${LIVE_LIST_MIN_AGE}), and without a list it is refused. An empty list is refused
(it would make every file an orphan), and so is a list that is not what it should be (see above). Directories,
symbolic links, files with other names and files that do not read as device-info documents (a JSON object with a
device key such as "pci") are never touched.
Prints one line per removed file, then how many were removed, kept, and already gone (removed meanwhile by another
run or a plugin). Without permission to remove files, it fails before removing anything (nothing is counted).`,
  usage: ["gc [options]"],
  examples: [
    {
      comment: "Preview what would go, given the pods that exist",
      command: "crictl pods -q --no-trunc | devinfo gc --live-containers - --dry-run",
    },
    { comment: "Remove the CNI files of gone pods", command: "crictl pods -q --no-trunc | devinfo gc --live-containers -" },
    { comment: "Remove only the leftovers of crashed writers", command: "devinfo gc" },
    {
      comment: "Remove the files of an SR-IOV resource's devices that no longer exist",
      command: "ls /sys/bus/pci/devices | devinfo gc --resource intel.com/sriov --live-devices -",
    },
    {
      comment: "The same, keeping every device the kubelet still lists",
      command: "ls /sys/bus/pci/devices | devinfo gc --resource intel.com/sriov --live-devices - --kubelet",
    },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    ...gcLiveOptions,
    "older-than": {
      type: "string",
      help: `Only remove the files a live list proves orphaned when they are at least this old, e.g. 10m, 1h30m, 0s (default ${LIVE_LIST_MIN_AGE}). Needs a live list: an age alone proves nothing.`,
    },
    "stale-after": {
      type: "string",
      default: "10m",
      help: `Remove temporary and lock files this old even when a process with their pid runs; at least ${WRITER_GRACE_MS / 1000}s.`,
    },
    "dry-run": { type: "boolean", default: "false", help: "Print what would be removed, remove nothing." },
    json: {
      ...JSON_OPTION,
      help: `Print {"dryRun", "removed": [{"kind", "name", "path", "reason"}], "kept", "gone", "errors"} as JSON instead of text ("gone": files removed meanwhile by someone else).`,
    },
  },
  run,
};

function duration(ctx: Context, option: string, fallback?: string): number | undefined {
  const text = stringOption(ctx.values, option) ?? fallback;
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${option}: ${JSON.stringify(text)} is not a duration; write e.g. 30s, 10m, 2h or 7d`);
  return ms;
}

async function run(ctx: Context): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError(`devinfo gc takes no arguments; got ${JSON.stringify(ctx.positionals[0])}`);
  const baseDir = baseDirOf(ctx);
  const staleAfter = duration(ctx, "stale-after", "10m") ?? 0;
  if (staleAfter < WRITER_GRACE_MS) {
    throw new UsageError(
      `--stale-after must be at least ${WRITER_GRACE_MS / 1000}s: a younger temporary file or lock may be a write in progress`,
    );
  }
  const olderThan = duration(ctx, "older-than", LIVE_LIST_MIN_AGE) ?? 0;
  const hasListFlag =
    ["live-containers", "valid-attachments", "live-devices"].some((flag) => stringOption(ctx.values, flag) !== undefined) ||
    asksKubelet(ctx.values);
  const dryRun = ctx.values["dry-run"] === true;
  if (!hasListFlag && stringOption(ctx.values, "older-than") !== undefined) {
    throw new UsageError(
      "--older-than only guards a live list: an age alone never proves a pod or device gone; give --live-containers, --valid-attachments, --live-devices or --kubelet (temporary files and locks go by --stale-after)",
    );
  }
  const lists = await readLiveLists(ctx, baseDir);
  const json = ctx.values.json === true;
  const now = Date.now();
  const progress = new Progress(ctx.err, "devinfo gc: scanning", ctx.out);
  const errors: { path: string; message: string }[] = [];
  let removed = 0;
  let kept = 0;
  let gone = 0;

  requireBaseDir(baseDir); // before any output: --json must print nothing or a whole document
  if (!dryRun) requireRemovable(baseDir);
  for (const note of lists.notes) ctx.err.line(`${ctx.err.style.yellow("note:")} ${note}`);
  let fatal: DeviceInfoError | undefined;
  if (json) ctx.out.write(`{"dryRun":${dryRun},"removed":[`);
  const emit = ({ kind, name, path, reason }: Removal) => {
    const removal: Removal = { kind, name, path, reason };
    if (json) ctx.out.write(`${removed === 0 ? "\n  " : ",\n  "}${JSON.stringify(removal)}`);
    else {
      const where = `${removal.kind === "temp" || removal.kind === "lock" ? removal.path.split("/").at(-2) : removal.kind}/${removal.name}`;
      ctx.out.line(`${dryRun ? "would remove" : "removed"} ${where} ${ctx.out.style.dim(`(${removal.reason})`)}`);
    }
    removed++;
  };

  try {
    for await (const { kind, dir, dirent } of scanBaseDir(baseDir, progress)) {
      const path = join(dir, dirent.name);
      const decision = decide(kind, dirent, path, now, lists, { olderThan, staleAfter });
      if (decision === GONE) {
        gone++;
        continue;
      }
      if (decision === undefined) {
        kept++;
        continue;
      }
      if (!dryRun) {
        try {
          if (!remove(decision)) continue;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") {
            gone++; // removed by someone else meanwhile: the goal is met, but not by this run
            continue;
          }
          if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
            // Every other file of the directory would fail alike: stop, and say what to do instead of counting.
            fatal = ioError(err, path, "remove");
            break;
          }
          errors.push({ path, message: `cannot remove ${path}: ${code ?? (err as Error).message}` });
          continue;
        }
      }
      emit(decision);
    }
  } finally {
    progress.done();
  }

  if (fatal !== undefined) {
    // The lines above are true (those files are gone); a summary would suggest the run finished.
    if (json) {
      const all = [...errors, { path: fatal.path ?? "", message: toCliWords(fatal.message) }];
      ctx.out.write(`${removed === 0 ? "" : "\n"}],"kept":${kept},"gone":${gone},"errors":${JSON.stringify(all)}}\n`);
    }
    for (const error of errors) ctx.err.line(`${ctx.err.style.red("devinfo:")} ${error.message}`);
    throw fatal;
  }
  if (json) {
    ctx.out.write(`${removed === 0 ? "" : "\n"}],"kept":${kept},"gone":${gone},"errors":${JSON.stringify(errors)}}\n`);
  } else {
    const goneText = gone === 0 ? "" : `, ${gone} already gone (removed meanwhile by another run)`;
    ctx.out.line(
      `${dryRun ? "Would remove" : "Removed"} ${removed} file${removed === 1 ? "" : "s"}, kept ${kept}${goneText}${dryRun ? " (dry run: nothing was removed)" : ""}.`,
    );
  }
  for (const error of errors) ctx.err.line(`${ctx.err.style.red("devinfo:")} ${error.message}`);
  return errors.length > 0 ? EXIT_FAILURE : EXIT_OK;
}

/**
 * Fails before anything is removed or printed when this user cannot remove
 * files in `<base>/dp` or `<base>/cni` (permissions, a read-only mount): the
 * library's error, with what to do.
 */
function requireRemovable(baseDir: string): void {
  for (const kind of ["dp", "cni"]) {
    const dir = join(baseDir, kind);
    try {
      fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue; // nothing there to remove
      throw ioError(err, dir, "remove files in");
    }
  }
}

/** What gc does with one entry: the rules of the command's help, in code. */
function decide(
  kind: "dp" | "cni",
  dirent: fs.Dirent,
  path: string,
  now: number,
  lists: LiveLists,
  limits: { olderThan: number; staleAfter: number },
): Decision | typeof GONE | undefined {
  const nameKind = classifyName(kind, dirent.name);
  // Only regular files: a directory or a link here is someone's deliberate doing.
  const regular = isRegularFile(dirent, path);
  if (regular !== true) return regular === GONE ? GONE : undefined;
  if (nameKind === "temp" || nameKind === "lock") return decideLeftover(nameKind, dirent.name, path, now, limits.staleAfter);
  if (nameKind !== "device-info") return undefined;
  // Proof first: only a live list proves an owner gone.
  const verdict = kind === "cni" ? orphanedCNI(dirent.name, lists) : orphanedDP(dirent.name, undefined, lists, undefined);
  if (verdict.orphaned !== true) return undefined;
  // Then the guard: the list may predate the file's pod or device.
  const age = ageOf(path, now);
  if (age === undefined) return GONE;
  if (age < limits.olderThan) return undefined;
  // Last, the content: gc removes only what it recognises (a file named like ours may be someone else's).
  if (notDeviceInfo(path) !== undefined) return undefined;
  return { kind, name: dirent.name, path, reason: verdict.reason ?? "orphaned" };
}

/** A decision with what the removal needs; `stats` only for locks. */
type Decision = Removal & { readonly stats?: fs.Stats };

/**
 * Removes a file gc chose; `false` when it turned out not to be ours to
 * remove. A lock is never unlinked by name: another waiter may be breaking
 * it and a fresh lock take its place meanwhile. gc takes a turn through the
 * same protocol as the library's waiters, and unlinks only the very file it
 * judged (same inode and mtime).
 */
function remove(decision: Decision): boolean {
  if (decision.kind === "lock" && decision.stats !== undefined && !decision.name.endsWith(BREAK_SUFFIX)) {
    // A second try: the first may only have cleared a dead breaker's stale turn.
    const ourTurn =
      breakStaleLockSync(decision.path, decision.stats, WRITER_GRACE_MS) ||
      breakStaleLockSync(decision.path, decision.stats, WRITER_GRACE_MS);
    if (!ourTurn) return false; // a live breaker's turn: it removes the lock
    try {
      const now = fs.lstatSync(decision.path);
      return now.ino !== decision.stats.ino || now.mtimeMs !== decision.stats.mtimeMs;
    } catch {
      return true;
    }
  }
  fs.unlinkSync(decision.path);
  return true;
}

/** The lock protocol's turn files: `<lock>-break`. */
const BREAK_SUFFIX = "-break";

function decideLeftover(
  kind: "temp" | "lock",
  name: string,
  path: string,
  now: number,
  staleAfter: number,
): Decision | typeof GONE | undefined {
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(path);
  } catch {
    return GONE;
  }
  const age = now - stats.mtimeMs;
  const decided = (reason: string): Decision => (kind === "lock" ? { kind, name, path, reason, stats } : { kind, name, path, reason });
  if (age >= staleAfter) return decided(`older than ${Math.floor(staleAfter / 1000)}s`);
  if (age < WRITER_GRACE_MS) return undefined;
  let pid: number | undefined;
  if (kind === "temp") pid = tempFilePid(name);
  else {
    const read = readSmallFile(path, 64);
    pid = read.ok ? lockFilePid(read.bytes.toString("latin1")) : undefined;
  }
  if (pid !== undefined && isProcessAlive(pid)) return undefined;
  return decided(pid === undefined ? "no writer pid recorded" : `writer pid ${pid} is gone`);
}

/** Whether the entry is a regular file; {@link GONE} when it no longer exists. */
function isRegularFile(dirent: fs.Dirent, path: string): boolean | typeof GONE {
  if (dirent.isFile()) return true;
  const known =
    dirent.isDirectory() ||
    dirent.isSymbolicLink() ||
    dirent.isFIFO() ||
    dirent.isSocket() ||
    dirent.isBlockDevice() ||
    dirent.isCharacterDevice();
  if (known) return false;
  // The file system gave no type (DT_UNKNOWN): ask.
  try {
    return fs.lstatSync(path).isFile();
  } catch {
    return GONE;
  }
}

/** A file that was listed and is gone by the time gc looks at it: removed meanwhile by someone else (another gc, a plugin). */
const GONE = Symbol("gone");

function ageOf(path: string, now: number): number | undefined {
  try {
    return now - fs.lstatSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
