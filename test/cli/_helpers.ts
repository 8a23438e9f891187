/**
 * Running the built `devinfo` executable as a child process, against real
 * temporary directories, the way operators run it.
 */

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach } from "vitest";
import { assertBuiltAfterSources } from "../helpers/run-node.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The built bin (package.json `bin.devinfo`). */
export const CLI = path.join(REPO_ROOT, "dist", "cli", "main.js");

let fresh = false;
function assertFreshBuild(): void {
  if (fresh) return;
  assertBuiltAfterSources(CLI);
  fresh = true;
}

/** What a run of the CLI did. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link devinfo}. */
export interface RunOptions {
  /** Written to stdin, which is then closed (stdin is always a closed pipe otherwise). */
  input?: string | Buffer;
  /** Environment added to a clean one (no NO_COLOR, FORCE_COLOR, DEVINFO_BASE_DIR, TERM). */
  env?: Record<string, string>;
  cwd?: string;
  /** Node options before the script, e.g. `--import`. */
  nodeArgs?: string[];
}

const CLEARED = ["NO_COLOR", "FORCE_COLOR", "DEVINFO_BASE_DIR", "TERM", "NODE_OPTIONS"];

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of CLEARED) delete env[key];
  return { ...env, ...extra };
}

/** Runs `node dist/cli/main.js ...args` and waits for it. */
export function devinfo(args: readonly string[], options: RunOptions = {}): Run {
  assertFreshBuild();
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    input: options.input ?? "",
    env: baseEnv(options.env),
    cwd: options.cwd ?? REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error !== undefined) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SCRIPT = "/usr/bin/script";

/**
 * Runs the CLI with a pseudo-terminal as stdin, stdout and stderr, through
 * util-linux `script` (in Debian's essential set). The terminal merges both
 * streams into `stdout`. Fails loudly when `script` is missing.
 */
export function devinfoInTerminal(args: readonly string[], env: Record<string, string> = {}): Run {
  assertFreshBuild();
  if (!fs.existsSync(SCRIPT)) throw new Error(`${SCRIPT} (util-linux) is needed for terminal tests: apt-get install bsdutils`);
  const command = [process.execPath, CLI, ...args].map(shellQuote).join(" ");
  const result = spawnSync(SCRIPT, ["-qefc", command, "/dev/null"], {
    env: baseEnv({ TERM: "xterm", ...env }),
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 60_000,
    input: "",
  });
  if (result.error !== undefined) throw result.error;
  return { code: result.status, stdout: result.stdout.replaceAll("\r\n", "\n"), stderr: result.stderr };
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A fresh temporary directory per test, removed afterwards. */
export function useTempDir(): { readonly path: string; join(...parts: string[]): string } {
  let current: string | undefined;
  beforeEach(() => {
    current = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-cli-"));
  });
  afterEach(() => {
    if (current !== undefined) fs.rmSync(current, { recursive: true, force: true });
    current = undefined;
  });
  return {
    get path() {
      if (current === undefined) throw new Error("the temporary directory exists only while a test runs");
      return current;
    },
    join(...parts: string[]) {
      return path.join(this.path, ...parts);
    },
  };
}

/** Writes a file with exact bytes, creating its directory. */
export function put(file: string, content: string | Buffer, mtime?: Date): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  if (mtime !== undefined) fs.utimesSync(file, mtime, mtime);
  return file;
}

/** A date `ms` milliseconds ago. */
export function ago(ms: number): Date {
  return new Date(Date.now() - ms);
}

/** A 64-digit hex container ID made from a seed, like containerd's. */
export function containerID(seed: number): string {
  return seed.toString(16).padStart(8, "0").repeat(8);
}

/** Valid documents of each type, as text. */
export const DOCS = {
  pci: '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","pf-pci-address":"0000:af:00.0"}}',
  vdpa: '{"type":"vdpa","version":"1.1.0","vdpa":{"parent-device":"vdpa0","driver":"vhost","path":"/dev/vhost-vdpa-0"}}',
  vhostUser: '{"type":"vhost-user","version":"1.1.0","vhost-user":{"mode":"server","path":"/var/run/vhost/net1.sock"}}',
  memif: '{"type":"memif","version":"1.1.0","memif":{"role":"master","path":"/run/memif/m0.sock","mode":"ethernet"}}',
} as const;

/** The process id of a process that has exited (so is not alive, at least until reused). */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}
