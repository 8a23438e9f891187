// Reading `strace -f -e trace=file,desc` output for test/files/engines.test.ts:
// the calls an operation made on its own files, one window per operation,
// in a form that does not depend on the run (paths relative to the case's
// directory, temporary names and descriptors numbered in order of use).

import type { Call } from "../../src/files/_protocol.js";

/** The driver's marker calls: `access("<MARKER><i>/begin")` opens the window of operation `i`. */
export const MARKER = "/devinfo-engine-marker/";

/** A temporary file's name (`.devinfo-tmp-<pid>-<counter><random>`). */
export const TEMP = /\.devinfo-tmp-\d+-[0-9a-z]+/g;

const PATH_CALLS: Record<string, Call> = {
  open: "open",
  openat: "open",
  mkdir: "mkdir",
  mkdirat: "mkdir",
  chmod: "chmod",
  fchmodat: "chmod",
  rmdir: "rmdir",
  link: "link",
  linkat: "link",
  rename: "rename",
  renameat: "rename",
  renameat2: "rename",
  unlink: "unlink",
  unlinkat: "unlink",
  lstat: "lstat",
  newfstatat: "lstat",
  statx: "lstat",
};
const FD_CALLS: Record<string, Call> = {
  close: "close",
  read: "read",
  pread64: "read",
  write: "write",
  pwrite64: "write",
  fstat: "fstat",
  fchmod: "fchmod",
  fsync: "fsync",
  fdatasync: "fsync",
};

/**
 * Cuts `strace -f` output into the windows between the driver's markers and
 * keeps, per window, the calls on the case's directory or on descriptors
 * opened there: `open <d>/dp/<temp1> O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW 0444
 * = fd:<d>/dp/<temp1>`, `fchmod fd:<d>/dp/<temp1> 0444`, `read fd:<d>/dp/x = 70`, `unlink <d>/x = ENOENT`...
 */
export function parseTrace(text: string, count: number, dirOf: (i: number) => string): string[][] {
  const windows: string[][] = Array.from({ length: count }, () => []);
  const pending = new Map<string, string>();
  let current: number | undefined;
  let temps = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const m = /^(\d+)\s+(.*)$/.exec(raw);
    if (m === null) continue;
    const pid = m[1] as string;
    let body = m[2] as string;
    if (body.endsWith("<unfinished ...>")) {
      pending.set(pid, body.slice(0, -"<unfinished ...>".length).trimEnd());
      continue;
    }
    const resumed = /^<\.\.\. ([a-z0-9_]+) resumed>\s?(.*)$/.exec(body);
    if (resumed !== null) {
      body = `${pending.get(pid) ?? `${resumed[1]}(`}${resumed[2]}`;
      pending.delete(pid);
    }
    const call = /^([a-z0-9_]+)\((.*)\)\s+=\s+(.*)$/.exec(body);
    if (call === null) continue;
    const [, name = "", args = "", ret = ""] = call;
    const marker = args.indexOf(MARKER);
    if (marker >= 0) {
      const [i, edge] = args.slice(marker + MARKER.length, args.indexOf('"', marker)).split("/");
      // A window lasts until the next one begins: a call that completes after
      // the operation's result (a read's close in the pool engine) is still its.
      if (edge === "begin") {
        current = Number(i);
        temps = new Map();
      }
      continue;
    }
    if (current === undefined) continue;
    const d = dirOf(current);
    const inCase = (s: string) => s === d || s.startsWith(`${d}/`);
    const result = /^-1 ([A-Z]+)/.exec(ret)?.[1] ?? (ret.startsWith("?") ? "?" : "ok");
    const strings = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((s) => s[1] as string);
    const naming = (p: string) =>
      p.replace(d, "<d>").replace(TEMP, (t) => {
        if (!temps.has(t)) temps.set(t, `<temp${temps.size + 1}>`);
        return temps.get(t) as string;
      });
    const rest = args.split(", ");
    let line: string | undefined;
    const mapped = PATH_CALLS[name];
    // `strace -y` prints each descriptor with its file, resolved when the call
    // is made: no bookkeeping of numbers, which overlapping calls reuse.
    const fdPath = /^\d+<([^>]*)>/.exec(args)?.[1]?.replace(/ \(deleted\)$/, "");
    if (mapped !== undefined && strings.some(inCase)) {
      const paths = strings.filter(inCase).map(naming);
      let kind: Call = mapped;
      if (name === "unlinkat" && args.includes("AT_REMOVEDIR")) kind = "rmdir";
      const flags =
        kind === "open"
          ? /\b(O_[A-Z|_]+)/
              .exec(args)?.[1]
              ?.split("|")
              .filter((f) => f !== "O_CLOEXEC" && f !== "O_LARGEFILE")
          : undefined;
      const mode = kind === "open" || kind === "mkdir" || kind === "chmod" ? /, (0[0-7]+)\b/.exec(args)?.[1] : undefined;
      line = [kind, ...paths, flags?.join("|"), mode].filter((x) => x !== undefined && x !== "").join(" ");
      if (kind === "open" && result === "ok") line += ` = fd:${naming(/^\d+<([^>]*)>/.exec(ret)?.[1] ?? "?")}`;
      else if (result !== "ok") line += ` = ${result}`;
    } else if (fdPath !== undefined && inCase(fdPath)) {
      // Named by its file, not by number: overlapping calls (the thread-pool engine) open and close in either order.
      const fd = `fd:${naming(fdPath)}`;
      const kind: Call | string = FD_CALLS[name] ?? (name === "statx" || name === "newfstatat" ? "fstat" : name);
      line = `${kind} ${fd}`;
      if (kind === "fchmod") line += ` ${rest[1]}`;
      if (kind === "read" && result === "ok") line += ` = ${ret.trim()}`;
      else if (result !== "ok") line += ` = ${result}`;
    }
    if (line !== undefined) windows[current]?.push(line);
  }
  return windows;
}
