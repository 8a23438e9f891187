/** Where the benchmarks run: file systems, the machine, and the built package. */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (set by bench/bench.mjs; the bundle runs from node_modules/.cache/devinfo-bench). */
export const REPO_ROOT = process.env.DEVINFO_BENCH_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const FS_TYPES: Record<number, string> = {
  16914836: "tmpfs",
  61267: "ext4",
  1481003842: "xfs",
  2435016766: "btrfs",
  2035054128: "overlayfs",
  26985: "nfs",
  1702057286: "fuse",
};

/** The file system type of `dir`, e.g. "tmpfs" or "ext4". */
export function fsType(dir: string): string {
  const type = fs.statfsSync(dir).type;
  return FS_TYPES[type] ?? `0x${type.toString(16)}`;
}

/** A place to benchmark in: a fresh directory, removed by `dispose`. */
export interface Place {
  /** "tmpfs" or "disk". */
  name: "tmpfs" | "disk";
  /** The file system type found, e.g. "ext4". */
  type: string;
  dir: string;
  dispose(): void;
}

function place(name: Place["name"], parent: string): Place {
  const dir = fs.mkdtempSync(path.join(parent, "devinfo-bench-"));
  return { name, type: fsType(dir), dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * tmpfs (/dev/shm, where the production base directory /var/run lives too)
 * and a disk-backed directory (the OS temporary directory unless it is a
 * tmpfs, else node_modules/.cache in the repository).
 */
export function places(which: readonly Place["name"][] = ["tmpfs", "disk"]): Place[] {
  const result: Place[] = [];
  if (which.includes("tmpfs")) {
    const shm = "/dev/shm";
    result.push(place("tmpfs", fs.existsSync(shm) && fsType(shm) === "tmpfs" ? shm : os.tmpdir()));
  }
  if (which.includes("disk")) {
    const candidates = [os.tmpdir(), path.join(REPO_ROOT, "node_modules", ".cache")];
    const disk = candidates.find((dir) => fs.existsSync(dir) && fsType(dir) !== "tmpfs") ?? os.tmpdir();
    result.push(place("disk", disk));
  }
  return result;
}

/** One line about the machine and its load, printed with every run. */
export function machine(): string {
  const [l1, l5] = os.loadavg();
  return `Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "?"}), load average ${l1?.toFixed(2)} / ${l5?.toFixed(2)} (1 / 5 min), Linux ${os.release()}`;
}

/** The scratch app bench/bench.mjs prepared: the package as users install it, in its node_modules/devinfo. */
export const APP_DIR = process.env.DEVINFO_BENCH_APP ?? path.join(REPO_ROOT, "node_modules", ".cache", "devinfo-bench", "app");
/** The private build of the package (the bundles `npm run build` ships). */
export const PACKAGE_DIR = path.join(APP_DIR, "node_modules", "devinfo");
/** The `devinfo` executable of that build. */
export const CLI = path.join(PACKAGE_DIR, "dist", "cli", "main.js");
/** This benchmark bundle, for worker children. */
export const SELF = fileURLToPath(import.meta.url);
