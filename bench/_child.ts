/**
 * Measured child processes: wall time from the parent, and CPU time and peak
 * RSS reported by the child itself through a one-line `-r` preload (the same
 * for every process measured, `node -e 0` included).
 */

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { APP_DIR } from "./_env.js";

const MARK = "devinfo-bench-usage:";
const PRELOAD_SOURCE = `process.on("exit", () => {
  const u = process.cpuUsage();
  require("fs").writeSync(2, "\\n${MARK}" + (u.user + u.system) + " " + process.resourceUsage().maxRSS + "\\n");
});
`;

/** The preload's path (written on first use). */
export function preload(): string {
  const file = path.join(APP_DIR, "_usage.cjs");
  if (!fs.existsSync(file)) fs.writeFileSync(file, PRELOAD_SOURCE);
  return file;
}

export interface ChildRun {
  wallMs: number;
  /** User + system CPU time of every thread of the child. */
  cpuMs: number;
  /** Peak resident set size of the child, bytes. */
  maxRssBytes: number;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  input?: string | undefined;
  env?: Record<string, string> | undefined;
  cwd?: string | undefined;
  /** Send stdout to this file instead of collecting it (large outputs). */
  stdoutFile?: string | undefined;
}

/** Runs `node -r <preload> ...args`; throws when it fails or reports nothing. */
export function runChild(args: readonly string[], options: ChildOptions = {}): ChildRun {
  const out = options.stdoutFile === undefined ? "pipe" : fs.openSync(options.stdoutFile, "w");
  try {
    const start = performance.now();
    const child = spawnSync(process.execPath, ["-r", preload(), ...args], {
      input: options.input ?? "",
      env: { PATH: process.env.PATH ?? "", ...options.env },
      cwd: options.cwd ?? APP_DIR,
      stdio: ["pipe", out, "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
    const wallMs = performance.now() - start;
    const stdout = child.stdout?.toString() ?? "";
    const stderr = child.stderr?.toString() ?? "";
    const mark = stderr.lastIndexOf(MARK);
    if (child.status !== 0 || mark < 0) {
      throw new Error(
        `node ${args.join(" ")} failed (exit ${child.status}, ${child.signal ?? "no signal"}):\n${stdout.slice(0, 2000)}\n${stderr}`,
      );
    }
    const [cpuUs, rssKb] = stderr
      .slice(mark + MARK.length)
      .trim()
      .split(" ")
      .map(Number);
    return {
      wallMs,
      cpuMs: (cpuUs ?? Number.NaN) / 1000,
      maxRssBytes: (rssKb ?? Number.NaN) * 1024,
      stdout,
      stderr: stderr.slice(0, mark),
    };
  } finally {
    if (typeof out === "number") fs.closeSync(out);
  }
}
