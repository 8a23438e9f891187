/**
 * System calls per operation, with strace, compared with the Go reference
 * (fixtures/go-reference/behaviours.md: 5 file-system calls for save and for
 * load, 6 counting the epoll_ctl Go's os package tries on every file it opens).
 *
 * A worker process runs each operation `count` times between two marker
 * calls (`access("/devinfo-bench-marker/...")`) under `strace -f`; the calls
 * between the markers, divided by `count`, are the operation's. File-system
 * calls are told apart from the event loop's own (futex, epoll, the eventfd
 * the thread pool wakes the loop with) and from the garbage collector's
 * (mmap, madvise). A second pass, `strace -c -f` over whole runs of N and of
 * 0 full cycles, gives the totals per cycle the way `strace -c` counts them.
 */

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { places, SELF } from "./_env.js";
import { log, median, table, type Verdict } from "./_stats.js";
import { buildGoReference, PHASES, type Phase, type Variant, variants } from "./ops.js";

const MARKER = "/devinfo-bench-marker/";

function marker(label: string): void {
  try {
    fs.accessSync(MARKER + label);
  } catch {
    // ENOENT, as intended: the call is the marker.
  }
}

/** Worker: runs every operation of every variant `count` times, phase after phase, between markers. */
export async function syscallsWorker(dir: string, count: number): Promise<void> {
  const vs = variants(dir);
  for (const v of vs) v.prepare?.(count + 3);
  // Warm up every path (lazy loading, JIT, directories created) outside the markers.
  for (const v of vs) for (const phase of PHASES) for (let i = 0; i < 3; i++) await v.phases[phase](count + i);
  for (const v of vs) {
    for (const phase of PHASES) {
      const fn = v.phases[phase];
      marker(`begin/${v.key}/${encodeURIComponent(phase)}`);
      if (v.async) for (let i = 0; i < count; i++) await fn(i);
      else for (let i = 0; i < count; i++) fn(i);
      marker(`end/${v.key}/${encodeURIComponent(phase)}`);
    }
  }
}

/** Worker: `count` full cycles of a variant, nothing else (for strace -c). */
export async function cyclesWorker(dir: string, count: number, api: "sync" | "async"): Promise<void> {
  const v = variants(dir).find((candidate) => candidate.key === api) as Variant;
  for (const phase of PHASES) {
    const fn = v.phases[phase];
    for (let i = 0; i < count; i++) await fn(i);
  }
}

const FS_CALLS = new Set([
  "openat",
  "open",
  "close",
  "read",
  "pread64",
  "write",
  "pwrite64",
  "fstat",
  "newfstatat",
  "statx",
  "lstat",
  "stat",
  "linkat",
  "link",
  "unlinkat",
  "unlink",
  "renameat",
  "renameat2",
  "rename",
  "fchmod",
  "fchmodat",
  "fchmodat2",
  "chmod",
  "mkdirat",
  "mkdir",
  "fsync",
  "fdatasync",
  "lseek",
  "getdents64",
  "access",
  "faccessat",
  "faccessat2",
  "readlink",
  "readlinkat",
]);

interface Trace {
  /** Per operation key: file-system calls by name, summed over the window. */
  fs: Map<string, Map<string, number>>;
  /** Per operation key: every other call by name (event loop, thread pool, GC). */
  other: Map<string, Map<string, number>>;
  /** Per operation key: the file-system calls of the window, in order. */
  ordered: Map<string, string[]>;
}

const LINE = /^(\d+)\s+(?:<\.\.\. )?([a-z0-9_]+)(\(| resumed>)(.*)$/;

/** Parses `strace -f -o` output into the calls between markers. */
function parseTrace(text: string): Trace {
  const trace: Trace = { fs: new Map(), other: new Map(), ordered: new Map() };
  // The event loop's eventfds and epoll fds: reads and writes on them are wake-ups, not file I/O.
  const loopFds = new Set<string>();
  let current: string | undefined;
  for (const line of text.split("\n")) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const [, , name = "", kind, rest = ""] = m;
    if (kind === " resumed>") continue; // counted where it started
    if (/^(eventfd2|epoll_create1?)$/.test(name)) {
      const fd = /= (\d+)/.exec(rest)?.[1];
      if (fd !== undefined) loopFds.add(fd);
      continue;
    }
    const at = rest.indexOf(MARKER);
    if ((name === "access" || name.startsWith("faccessat")) && at >= 0) {
      const [edge, variant, phase] = rest.slice(at + MARKER.length, rest.indexOf('"', at)).split("/");
      current = edge === "begin" ? `${variant}:${decodeURIComponent(phase ?? "")}` : undefined;
      continue;
    }
    if (current === undefined) continue;
    const fd = /^(\d+),/.exec(rest)?.[1];
    const isFs = FS_CALLS.has(name) && !((name === "read" || name === "write") && fd !== undefined && loopFds.has(fd));
    const bucket = isFs ? trace.fs : trace.other;
    const counts = bucket.get(current) ?? new Map<string, number>();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    bucket.set(current, counts);
    if (isFs) trace.ordered.set(current, [...(trace.ordered.get(current) ?? []), name]);
  }
  return trace;
}

/** `strace -c -f` summary: calls by syscall name. */
function parseSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split("\n")) {
    const cells = line.trim().split(/\s+/);
    const name = cells[cells.length - 1] ?? "";
    if (cells.length < 5 || !/^[\d.]+$/.test(cells[0] ?? "") || name === "total") continue;
    calls.set(name, Number(cells[3]));
  }
  return calls;
}

const sum = (m: Map<string, number> | undefined) => [...(m?.values() ?? [])].reduce((a, b) => a + b, 0);

function strace(args: readonly string[], input = ""): void {
  const r = spawnSync("strace", args, { encoding: "utf8", env: { PATH: process.env.PATH ?? "" }, input });
  if (r.error !== undefined || r.status !== 0) throw new Error(`strace ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
}

/** What the Go reference does (fixtures/go-reference/behaviours.md), file-system calls per operation. */
const GO_RECORDED: Record<Phase, string> = {
  "save DP": "5: newfstatat(dir), newfstatat(path), openat(O_CREAT|O_TRUNC), write, close",
  "copy DP to CNI": "10: load + save",
  "load CNI": "5: openat, fstat, read, read, close",
  "clean CNI": "2: newfstatat, unlinkat",
  "clean DP": "2: newfstatat, unlinkat",
};

export async function benchSyscalls(options: { count: number; cycles: number }): Promise<{ report: string; verdicts: Verdict[] }> {
  if (spawnSync("strace", ["-V"]).status !== 0) {
    return {
      report: "strace is not installed (Debian: apt-get install strace): skipped.",
      verdicts: [{ figure: "syscalls per operation", value: "strace missing", budget: "-", ok: false }],
    };
  }
  const [where] = places(["tmpfs"]);
  if (where === undefined) throw new Error("no tmpfs place");
  try {
    const out = path.join(where.dir, "trace.txt");
    const work = fs.mkdtempSync(path.join(where.dir, "work-"));
    strace(["-f", "-o", out, process.execPath, SELF, "--worker=syscalls", `--count=${options.count}`, `--dir=${work}`]);
    const trace = parseTrace(await fsp.readFile(out, "utf8"));
    // The Go replica, traced the same way (its markers are access(2) calls too).
    const go = buildGoReference();
    if (go !== undefined) {
      const goDir = fs.mkdtempSync(path.join(where.dir, "go-"));
      fs.mkdirSync(path.join(goDir, "dp"));
      fs.mkdirSync(path.join(goDir, "cni"));
      const goOut = path.join(where.dir, "go-trace.txt");
      const warm = `batch ${goDir} 3\n`;
      strace(["-f", "-o", goOut, go], `${warm}trace ${goDir} ${options.count}\n`);
      const goTrace = parseTrace(await fsp.readFile(goOut, "utf8"));
      for (const bucket of ["fs", "other", "ordered"] as const)
        for (const [k, v] of goTrace[bucket]) (trace[bucket] as Map<string, unknown>).set(k, v);
    }
    log("syscalls: traced");
    const per = (key: string, bucket: Map<string, Map<string, number>>) => sum(bucket.get(key)) / options.count;
    const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
    const hasGo = trace.fs.has(`go:${PHASES[0]}`);
    const goCell = (key: string, bucket: "fs" | "other") => (hasGo ? fmt(per(key, trace[bucket])) : "-");
    const rows = PHASES.map((phase) => [
      phase,
      GO_RECORDED[phase],
      hasGo ? `${goCell(`go:${phase}`, "fs")} (+${goCell(`go:${phase}`, "other")} other)` : "-",
      fmt(per(`raw:${phase}`, trace.fs)),
      fmt(per(`sync:${phase}`, trace.fs)),
      `${fmt(per(`async:${phase}`, trace.fs))} (+${fmt(per(`async:${phase}`, trace.other))} other)`,
      `${fmt(per(`promises:${phase}`, trace.fs))} (+${fmt(per(`promises:${phase}`, trace.other))} other)`,
    ]);
    const total = (variant: string, bucket: Map<string, Map<string, number>>) =>
      PHASES.reduce((n, phase) => n + per(`${variant}:${phase}`, bucket), 0);
    rows.push([
      "**full cycle**",
      "24",
      hasGo ? `${fmt(total("go", trace.fs))} (+${fmt(total("go", trace.other))} other)` : "-",
      fmt(total("raw", trace.fs)),
      fmt(total("sync", trace.fs)),
      `${fmt(total("async", trace.fs))} (+${fmt(total("async", trace.other))} other)`,
      `${fmt(total("promises", trace.fs))} (+${fmt(total("promises", trace.other))} other)`,
    ]);
    const sequence = (key: string) => {
      const all = trace.ordered.get(key) ?? [];
      return all.slice(0, all.length / options.count).join(", ");
    };
    const sequenceRows = PHASES.map((phase) => [phase, sequence(`sync:${phase}`), hasGo ? sequence(`go:${phase}`) : "-"]);

    // strace -c -f over whole processes: N full cycles minus 0 full cycles.
    const summary = (api: "sync" | "async", count: number) => {
      const file = path.join(where.dir, `summary-${api}-${count}.txt`);
      const dir = fs.mkdtempSync(path.join(where.dir, "cycles-"));
      strace(["-c", "-f", "-o", file, process.execPath, SELF, "--worker=cycles", `--count=${count}`, `--dir=${dir}`, `--api=${api}`]);
      return parseSummary(fs.readFileSync(file, "utf8"));
    };
    const cRows: string[][] = [];
    const cPer: Record<string, number> = {};
    for (const api of ["sync", "async"] as const) {
      const runs = [0, 1, 2].map(() => {
        const n = summary(api, options.cycles);
        const zero = summary(api, 0);
        const diff = new Map<string, number>();
        for (const name of new Set([...n.keys(), ...zero.keys()]))
          diff.set(name, ((n.get(name) ?? 0) - (zero.get(name) ?? 0)) / options.cycles);
        return diff;
      });
      const names = new Set(runs.flatMap((r) => [...r.keys()]));
      const med = new Map([...names].map((name) => [name, median(runs.map((r) => r.get(name) ?? 0))]));
      cPer[api] = sum(med);
      cRows.push([
        api,
        fmt(Math.round(sum(med) * 10) / 10),
        [...med]
          .filter(([, n]) => n >= 0.5)
          .sort((a, b) => b[1] - a[1])
          .map(([name, n]) => `${name} ${fmt(Math.round(n * 10) / 10)}`)
          .join(", "),
      ]);
    }
    log("syscalls: strace -c done");
    const report = [
      `File-system system calls per operation (\`strace -f\`, ${options.count} operations of each kind between two marker calls, tmpfs).` +
        ` "Other" calls are the event loop's and the thread pool's (futex, epoll, eventfd wake-ups).` +
        ` The raw floor's read and write are Node's fast paths (readFileSync / writeFileSync with a string).`,
      "",
      table(
        [
          "operation",
          "Go reference (behaviours.md)",
          "Go replica (traced)",
          "raw node:fs",
          "devinfo sync",
          "devinfo async",
          "naive fs/promises",
        ],
        rows,
      ),
      "",
      "The sequences (devinfo sync; async makes the same calls, each from the thread pool; the Go replica's `epoll_ctl`," +
        " which fails with EPERM on every regular file Go opens, is among its other calls):",
      "",
      table(["operation", "devinfo", "Go replica"], sequenceRows),
      "",
      `\`strace -c -f\` over a process doing ${options.cycles} full cycles, minus one doing none (median of 3), per full cycle:`,
      "",
      table(["API", "all calls", "by name (≥ 0.5 per cycle)"], cRows),
      "",
      "`strace -c` cannot tell a read or write of a file from one of the event loop's eventfd: with the async API, every" +
        " thread-pool completion wakes the loop with one eventfd write and one read (about one per system call), and futex" +
        " and epoll_pwait calls hand the work to and from the pool.",
    ].join("\n");
    const save = per("sync:save DP", trace.fs);
    const load = per("sync:load CNI", trace.fs);
    return {
      report,
      verdicts: [
        {
          figure: "syscalls: save (saveDeviceInfoForDP, exclusive, atomic)",
          value: `${fmt(save)} file-system calls (${sequence("sync:save DP")})`,
          budget: "Go: 5 (6 with epoll_ctl)",
          ok: undefined,
        },
        {
          figure: "syscalls: load (loadDeviceInfoFromCNI)",
          value: `${fmt(load)} file-system calls (${sequence("sync:load CNI")})`,
          budget: "Go: 5 (6 with epoll_ctl)",
          ok: undefined,
        },
        {
          figure: "syscalls: full cycle, file-system calls (strace -f) / all calls (strace -c -f), sync; async",
          value: `${fmt(total("sync", trace.fs))} / ${fmt(Math.round((cPer.sync ?? Number.NaN) * 10) / 10)}; ${fmt(total("async", trace.fs))} / ${fmt(Math.round((cPer.async ?? Number.NaN) * 10) / 10)}`,
          budget: "Go: 24 file-system calls",
          ok: undefined,
        },
      ],
    };
  } finally {
    where.dispose();
  }
}
