/** `devinfo ls`: every device-info file under the base directory, one line each. */

import { join } from "node:path";
import { tryReadGoJson } from "../format/_go-text.js";
import { checkReadDocument } from "../format/parse.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, EXIT_OK, JSON_OPTION, stringOption, UsageError } from "./_command.js";
import { type LiveLists, liveOptions, ORPHAN_RULES, orphanedCNI, orphanedDP, readLiveLists } from "./_live.js";
import { classifyName, DP_SUFFIX, parseCNIName, splitDPName } from "./_names.js";
import { formatAge, Progress, Table } from "./_output.js";
import { readSmallFile, scanBaseDir, summarize } from "./_scan.js";
import { onePerPath } from "./validate.js";

/** One line of `devinfo ls --json`. Every key is always present. */
export interface ListEntry {
  kind: "dp" | "cni";
  /** The file name. */
  name: string;
  path: string;
  /** Device plugin files: the resource and device as written in the name (`/` became `-`), when the split is certain. */
  resource: string | null;
  device: string | null;
  /** CNI files with a Multus-style name `<network>-<containerID>_<interface>` whose container ID is hexadecimal (any length), as `gc` reads it. */
  network: string | null;
  containerID: string | null;
  interface: string | null;
  type: string | null;
  version: string | null;
  /** The PCI address, vDPA path or socket path. */
  address: string | null;
  modified: string | null;
  ageSeconds: number | null;
  /** `null` when nothing says (see `--live-containers`, `--live-devices`, `--sysfs`). */
  orphaned: boolean | null;
  orphanedReason: string | null;
  /** Device plugin files, with `--kubelet`: whether the kubelet lists the device (it lists healthy devices only); otherwise `null`. */
  kubeletKnows: boolean | null;
  /** Device plugin files, with `--kubelet`: the pod holding the device (`namespace/name`, or its UID from the checkpoint). */
  pod: string | null;
  /** Spec deviations a lenient reader accepts (`devinfo validate` lists them). */
  warnings: number;
  /** Why the file is not usable device-info, or `null`. */
  problem: string | null;
}

export const command: Command = {
  name: "ls",
  summary: "List the device plugin and CNI device-info files",
  description: `List the device plugin files (dp/) and CNI files (cni/) under the base directory, one line per file:
its kind, name, device type, spec version, main address or path, age, and whether it looks orphaned.

NAME is the file name, as "--json" gives it and "devinfo show" and "devinfo validate" accept it. ORPHANED is "yes" or "no" only when something says so:
the live lists (the same rules as "devinfo gc", so "ls" previews it; gc also waits for --older-than), or, for PCI
device plugin files without --live-devices, whether the device still exists under --sysfs. Otherwise it is "-".
With --kubelet, two more columns for device plugin files: KUBELET, whether the kubelet lists the device ("listed"
or "not listed": it lists healthy devices only, so "not listed" may be an unhealthy device, never proof that it is
gone), and POD, the pod that holds it (namespace/name; its UID when only the kubelet's checkpoint could be read).

${ORPHAN_RULES}

Temporary and lock files of the library's writers (.devinfo-tmp-*, .devinfo-lock-*) are not listed; "devinfo gc"
removes them once their writer is gone. Directories are read one entry at a time: listings of more than 1000
files are printed as they are read (in directory order, not sorted), with progress on stderr when it is a terminal.`,
  usage: ["ls [options]"],
  examples: [
    { comment: "List every device-info file on this node", command: "devinfo ls" },
    {
      comment: "Which CNI files belong to no running pod? (crictl lists the pod sandboxes)",
      command: "crictl pods -q --no-trunc | devinfo ls --live-containers -",
    },
    { comment: "Only the orphans, with jq", command: "devinfo ls --json | jq '.[] | select(.orphaned)'" },
    {
      comment: "Which device plugin files' devices the kubelet lists as healthy, and which pod holds each",
      command: "devinfo ls --kubelet",
    },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    json: {
      ...JSON_OPTION,
      help: "Print a JSON array of entries instead of a table. Every entry has the same keys; unknown values are null.",
    },
    ...liveOptions,
  },
  run,
};

async function run(ctx: Context): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError(`devinfo ls takes no arguments; got ${JSON.stringify(ctx.positionals[0])}`);
  const baseDir = baseDirOf(ctx);
  // Empty is an unset shell variable, never a request to turn the sysfs check off.
  if (stringOption(ctx.values, "sysfs") === "")
    throw new UsageError("--sysfs needs a non-empty directory (where sysfs is mounted, e.g. /sys)");
  const lists = await readLiveLists(ctx, baseDir, { kubeletHolders: true });
  const json = ctx.values.json === true;
  const now = Date.now();
  const progress = new Progress(ctx.err, "devinfo ls: reading", ctx.out);
  for (const note of lists.notes) ctx.err.line(`${ctx.err.style.yellow("note:")} ${note}`);
  const sink = json ? new JsonSink(ctx) : new TableSink(ctx, lists.kubelet !== undefined);
  let hidden = 0;
  let total = 0;
  try {
    for await (const { kind, dir, dirent } of scanBaseDir(baseDir, progress)) {
      const nameKind = classifyName(kind, dirent.name);
      if (nameKind === "temp" || nameKind === "lock") {
        hidden++;
        continue;
      }
      const entry = describeEntry(kind, dir, dirent.name, now, lists, stringOption(ctx.values, "sysfs") ?? "/sys");
      if (entry === undefined) continue;
      total++;
      sink.add(entry);
    }
  } finally {
    progress.done();
  }
  sink.end();
  if (!json) {
    if (total === 0) ctx.err.line(`No device-info files under ${baseDir}.`);
    if (hidden > 0) {
      ctx.err.line(
        ctx.err.style.dim(
          `(${hidden} temporary or lock file${hidden === 1 ? "" : "s"} not listed; "devinfo gc" removes them once their writer is gone)`,
        ),
      );
    }
  }
  return EXIT_OK;
}

function describeEntry(kind: "dp" | "cni", dir: string, name: string, now: number, lists: LiveLists, sysfs: string): ListEntry | undefined {
  const path = join(dir, name);
  const read = readSmallFile(path);
  if (!read.ok && read.gone === true) return undefined;
  const entry: ListEntry = {
    kind,
    name,
    path,
    resource: null,
    device: null,
    network: null,
    containerID: null,
    interface: null,
    type: null,
    version: null,
    address: null,
    modified: read.stats === undefined ? null : new Date(read.stats.mtimeMs).toISOString(),
    ageSeconds: read.stats === undefined ? null : Math.max(0, Math.floor((now - read.stats.mtimeMs) / 1000)),
    orphaned: null,
    orphanedReason: null,
    kubeletKnows: null,
    pod: null,
    warnings: 0,
    problem: null,
  };
  let hints: readonly string[] = [];
  if (!read.ok) entry.problem = read.problem;
  else {
    const parsed = tryReadGoJson(read.bytes);
    if (!parsed.ok) entry.problem = read.bytes.byteLength === 0 ? "empty file" : "not JSON";
    else {
      const doc = parsed.value;
      const checked = onePerPath(checkReadDocument(doc, false));
      entry.warnings = checked.warnings.length;
      if (!checked.valid) entry.problem = `invalid: ${checked.errors[0]?.jsonPath}: ${checked.errors[0]?.message}`;
      const summary = summarize(doc);
      entry.type = summary.type ?? null;
      entry.version = summary.version ?? null;
      entry.address = summary.address ?? null;
      hints = summary.deviceHints;
    }
  }
  if (kind === "dp") {
    if (!name.endsWith(DP_SUFFIX)) entry.problem ??= `not a device plugin file name (no "${DP_SUFFIX}" suffix); readers never look at it`;
    const split = splitDPName(name, entry.type === "pci" && entry.address !== null ? [entry.address, ...hints] : hints);
    if (split !== undefined) {
      entry.resource = split.resource;
      entry.device = split.device;
    }
    const verdict = orphanedDP(name, entry, lists, sysfs);
    entry.orphaned = verdict.orphaned;
    entry.orphanedReason = verdict.reason;
    if (lists.kubelet !== undefined) {
      entry.kubeletKnows = lists.kubelet.list.files.has(name);
      entry.pod = lists.kubelet.holders?.get(name) ?? null;
    }
  } else {
    const parsed = parseCNIName(name);
    if (parsed !== undefined) {
      entry.network = parsed.network;
      entry.containerID = parsed.containerID;
      entry.interface = parsed.interface;
    }
    const verdict = orphanedCNI(name, lists);
    entry.orphaned = verdict.orphaned;
    entry.orphanedReason = verdict.reason;
    if (verdict.containerID !== undefined) entry.containerID = verdict.containerID;
  }
  return entry;
}

interface Sink {
  add(entry: ListEntry): void;
  end(): void;
}

class TableSink implements Sink {
  private readonly table: Table;
  constructor(
    private readonly ctx: Context,
    private readonly kubelet = false,
  ) {
    const columns = ["KIND", "NAME", "TYPE", "VERSION", "DEVICE", "AGE", "ORPHANED"];
    this.table = new Table(ctx.out, kubelet ? [...columns, "KUBELET", "POD"] : columns);
  }
  add(e: ListEntry): void {
    const s = this.ctx.out.style;
    const orphaned = e.orphaned === null ? "-" : e.orphaned ? s.yellow("yes") : "no";
    const type = e.problem === null ? (e.type ?? "-") : s.red("<invalid>");
    const device = e.problem === null ? (e.address ?? "-") : e.problem;
    this.table.add([
      e.kind,
      e.name,
      type,
      e.version ?? "-",
      device,
      e.ageSeconds === null ? "-" : formatAge(e.ageSeconds * 1000),
      orphaned,
      ...(this.kubelet ? [e.kubeletKnows === null ? "-" : e.kubeletKnows ? "listed" : s.yellow("not listed"), e.pod ?? "-"] : []),
    ]);
  }
  end(): void {
    this.table.end((a, b) => (a[0] === b[0] ? compare(a[1] ?? "", b[1] ?? "") : a[0] === "dp" ? -1 : 1));
  }
}

/** A JSON array written as entries arrive; the first 1000 are sorted like the table when they are all there is. */
class JsonSink implements Sink {
  private buffer: ListEntry[] | undefined = [];
  private first = true;
  constructor(private readonly ctx: Context) {}
  add(entry: ListEntry): void {
    if (this.buffer === undefined) {
      this.emit(entry);
      return;
    }
    this.buffer.push(entry);
    if (this.buffer.length >= 1000) this.drain();
  }
  end(): void {
    this.buffer?.sort((a, b) => (a.kind === b.kind ? compare(a.name, b.name) : a.kind === "dp" ? -1 : 1));
    this.drain();
    this.ctx.out.write(this.first ? "[]\n" : "\n]\n");
  }
  private drain(): void {
    const buffered = this.buffer ?? [];
    this.buffer = undefined;
    for (const entry of buffered) this.emit(entry);
  }
  private emit(entry: ListEntry): void {
    this.ctx.out.write(`${this.first ? "[\n  " : ",\n  "}${JSON.stringify(entry)}`);
    this.first = false;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
