/**
 * Real child processes for tests: races, umask, locks, crash safety.
 *
 * Children import the built package (`dist/`), so run `npm run build` first
 * (`npm test` does). {@link packageUrl} refuses a built module older than its
 * source, so that a test never silently exercises stale code.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runNode(
 *   `import { SPEC_VERSION } from ${JSON.stringify(packageUrl())}; console.log(SPEC_VERSION);`,
 * );
 * ```
 */

import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const checked = new Set<string>();

/**
 * `file:` URL of a built entry point (default the main one), for `import` in
 * child scripts. Throws when the entry is missing from `dist/` or older than
 * any source in `src/` (entries are bundles of the whole of `src/`).
 */
export function packageUrl(entry = "index.js"): string {
  const file = path.join(REPO_ROOT, "dist", entry);
  if (!checked.has(file)) {
    assertBuiltAfterSources(file);
    checked.add(file);
  }
  return pathToFileURL(file).href;
}

/** Throws unless `built` exists and is newer than every `.ts` file under `src/`. */
export function assertBuiltAfterSources(built: string): void {
  const builtTime = fs.existsSync(built) ? fs.statSync(built).mtimeMs : undefined;
  const src = path.join(REPO_ROOT, "src");
  for (const file of fs.readdirSync(src, { recursive: true, encoding: "utf8" })) {
    if (file.endsWith(".ts") && (builtTime === undefined || builtTime < fs.statSync(path.join(src, file)).mtimeMs)) {
      throw new Error(
        `${path.relative(REPO_ROOT, built)} is missing or older than src/${file}: run "npm run build" before the tests (npm test does)`,
      );
    }
  }
}

/** Options of {@link runNode}. */
export interface RunNodeOptions {
  /** Extra environment variables (added to the parent's). */
  env?: Record<string, string> | undefined;
  /** Written to the child's stdin, which is then closed. */
  input?: string | Uint8Array | undefined;
  /** Working directory (default the repository root). */
  cwd?: string | undefined;
  /** Kill the child (SIGKILL) after this long; default 60 s (CI machines can be slow). */
  timeoutMs?: number | undefined;
}

/** What a child did. */
export interface RunNodeResult {
  /** Exit code, or `null` when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script`, an ES module given as source text, in a fresh `node` process
 * (`node --input-type=module -e script ...args`; `process.argv.slice(1)` is
 * `args`). Resolves when the child exits, whatever its exit code.
 */
export function runNode(script: string, args: readonly string[] = [], options: RunNodeOptions = {}): Promise<RunNodeResult> {
  return new Promise((resolve, reject) => {
    const child = spawnNode(script, args, options);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin?.on("error", () => {}); // a child that exits early closes its stdin
    child.stdin?.end(options.input ?? "");
  });
}

/**
 * Starts `script` like {@link runNode} but returns the running child, with
 * piped stdio, for tests that talk to it line by line (see {@link lines}).
 */
export function spawnNode(
  script: string,
  args: readonly string[] = [],
  options: Omit<RunNodeOptions, "input" | "timeoutMs"> = {},
): ChildProcess {
  return spawn(process.execPath, ["--input-type=module", "-e", script, "--", ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/**
 * The lines a child writes to stdout, one promise per line: `next()` resolves
 * to the next line, or rejects when the child exits first (with its stderr).
 */
export function lines(child: ChildProcess): { next(): Promise<string> } {
  const queue: string[] = [];
  const waiters: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let buffered = "";
  let stderr = "";
  let closed: Error | undefined;
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    for (let i = buffered.indexOf("\n"); i >= 0; i = buffered.indexOf("\n")) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter.resolve(line);
      else queue.push(line);
    }
  });
  child.on("close", (code, signal) => {
    closed = new Error(`child exited (code ${code}, signal ${signal}) before writing a line; stderr:\n${stderr}`);
    for (const waiter of waiters.splice(0)) waiter.reject(closed);
  });
  return {
    next() {
      const line = queue.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (closed !== undefined) return Promise.reject(closed);
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
  };
}
