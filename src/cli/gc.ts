/** `devinfo gc`: removes what no one will ever remove otherwise. */

import fs from "node:fs";
import { join } from "node:path";
import { DeviceInfoError } from "../errors.js";
import { breakStaleLockSync } from "../files/_io.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, JSON_OPTION, stringOption, UsageError } from "./_command.js";
import { type LiveLists, liveOptions, orphanedCNI, orphanedDP, readLiveLists } from "./_live.js";
import { classifyName, lockFilePid, parseDuration, tempFilePid } from "./_names.js";
import { Progress } from "./_output.js";
import { isProcessAlive, readSmallFile, scanBaseDir } from "./_scan.js";

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
  description: `Remove the device-info files nobody else will remove:

  * CNI files (cni/) of pods that are gone. Give the pod sandboxes that exist with --live-containers (Multus names
    the files <network>-<containerID>_<ifName>, as do the meta-plugin helpers of this package; their rare fallback
    names, devinfo-<uuid>, say nothing about the container and only go by age), or an age with --older-than, or
    both (then a file must satisfy both).
  * Device plugin files (dp/) of devices that are gone, given the devices that exist with --live-devices.
  * Temporary files (.devinfo-tmp-<pid>-*) and lock files (.devinfo-lock-*, holding the pid) left by writers that
    crashed. Such a file is removed when its writer is gone: its pid is not a running process and the file is
    over ${WRITER_GRACE_MS / 1000}s old (the writer may run in another PID namespace, where its pid means nothing here; writes
    take milliseconds), or, whatever the pid, when it is older than --stale-after (pids are reused). A lock is
    broken the way the library's own waiters break one (taking turns, and only if it is still the same file), so
    gc never removes a lock that a live process has just taken.

Files younger than --older-than are never removed on the strength of a live list: a pod or a device may have
appeared after the list was taken. With a live list, --older-than defaults to ${LIVE_LIST_MIN_AGE}.
An empty live list is refused (it would remove everything; use --older-than alone for that). Directories,
symbolic links and files with other names are never touched. Prints one line per removed file.`,
  usage: ["gc [options]"],
  examples: [
    { comment: "Preview what would go, given the pods that exist", command: "crictl pods -q | devinfo gc --live-containers - --dry-run" },
    { comment: "Remove the CNI files of gone pods", command: "crictl pods -q | devinfo gc --live-containers -" },
    { comment: "Remove every CNI file older than a day, and the leftovers of crashed writers", command: "devinfo gc --older-than 24h" },
    {
      comment: "Remove the files of an SR-IOV resource's devices that no longer exist",
      command: "ls /sys/bus/pci/devices | devinfo gc --resource intel.com/sriov --live-devices -",
    },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    ...gcLiveOptions,
    "older-than": {
      type: "string",
      help: `Only remove CNI files (and, with --live-devices, device plugin files) at least this old, e.g. 10m, 1h30m, 0s. Alone, it selects every CNI file that old. Default ${LIVE_LIST_MIN_AGE} when a live list is given.`,
    },
    "stale-after": {
      type: "string",
      default: "10m",
      help: "Remove temporary and lock files this old even when a process with their pid runs.",
    },
    "dry-run": { type: "boolean", default: "false", help: "Print what would be removed, remove nothing." },
    json: {
      ...JSON_OPTION,
      help: `Print {"dryRun", "removed": [{"kind", "name", "path", "reason"}], "kept", "errors"} as JSON instead of text.`,
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
  const lists = await readLiveLists(ctx);
  const hasList = lists.containers !== undefined || lists.devices !== undefined;
  // Alone, --older-than selects CNI files by age; with a live list it is also a guard, defaulting to 1m.
  const ageSelects = stringOption(ctx.values, "older-than") !== undefined;
  const olderThan = duration(ctx, "older-than", hasList ? LIVE_LIST_MIN_AGE : undefined);
  refuseEmptyLists(lists);
  const dryRun = ctx.values["dry-run"] === true;
  const json = ctx.values.json === true;
  const now = Date.now();
  const progress = new Progress(ctx.err, "devinfo gc: scanning", ctx.out);
  const errors: { path: string; message: string }[] = [];
  let removed = 0;
  let kept = 0;

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
      const decision = decide(kind, dirent, path, now, lists, { olderThan, ageSelects, staleAfter });
      if (decision === undefined) {
        kept++;
        continue;
      }
      if (!dryRun) {
        try {
          if (!remove(decision)) continue;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") continue; // removed by someone else meanwhile: the goal is met
          errors.push({ path, message: `cannot remove ${path}: ${code ?? (err as Error).message}` });
          continue;
        }
      }
      emit(decision);
    }
  } finally {
    progress.done();
  }

  if (json) {
    ctx.out.line(`${removed === 0 ? "" : "\n"}],"kept":${kept},"errors":${JSON.stringify(errors)}}`);
  } else {
    ctx.out.line(
      `${dryRun ? "Would remove" : "Removed"} ${removed} file${removed === 1 ? "" : "s"}, kept ${kept}${dryRun ? " (dry run: nothing was removed)" : ""}.`,
    );
  }
  for (const error of errors) ctx.err.line(`${ctx.err.style.red("devinfo:")} ${error.message}`);
  return errors.length > 0 ? 1 : 0;
}

function refuseEmptyLists(lists: LiveLists): void {
  if (lists.containers !== undefined && lists.containers.size === 0) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      "the --live-containers list is empty, which would make every CNI file an orphan; check the command that produced it, or use --older-than alone if no pod runs on this node",
    );
  }
  if (lists.devices !== undefined && lists.devices.size === 0 && lists.resources.length === 0) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_INVALID",
      "the --live-devices list is empty, which would make every device plugin file an orphan; give --resource to clear one resource's files",
    );
  }
}

function decide(
  kind: "dp" | "cni",
  dirent: fs.Dirent,
  path: string,
  now: number,
  lists: LiveLists,
  limits: { olderThan: number | undefined; ageSelects: boolean; staleAfter: number },
): Decision | undefined {
  const { olderThan, ageSelects, staleAfter } = limits;
  const nameKind = classifyName(kind, dirent.name);
  // Only regular files: a directory or a link here is someone's deliberate doing.
  if (!isRegularFile(dirent, path)) return undefined;
  if (nameKind === "temp" || nameKind === "lock") return decideLeftover(nameKind, dirent.name, path, now, staleAfter);
  if (nameKind !== "device-info") return undefined;

  let reason: string;
  if (kind === "cni") {
    if (lists.containers === undefined && !ageSelects) return undefined;
    const verdict = orphanedCNI(dirent.name, lists);
    if (lists.containers !== undefined && verdict.orphaned !== true) return undefined;
    reason = verdict.reason ?? "";
  } else {
    if (lists.devices === undefined) return undefined;
    const verdict = orphanedDP(dirent.name, undefined, lists, undefined);
    if (verdict.orphaned !== true) return undefined;
    reason = verdict.reason ?? "";
  }
  if (olderThan !== undefined) {
    const age = ageOf(path, now);
    if (age === undefined || age < olderThan) return undefined;
    if (reason === "") reason = `${Math.floor(age / 1000)}s old`;
  }
  return { kind, name: dirent.name, path, reason };
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

function decideLeftover(kind: "temp" | "lock", name: string, path: string, now: number, staleAfter: number): Decision | undefined {
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(path);
  } catch {
    return undefined;
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

function isRegularFile(dirent: fs.Dirent, path: string): boolean {
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
    return false;
  }
}

function ageOf(path: string, now: number): number | undefined {
  try {
    return now - fs.lstatSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
