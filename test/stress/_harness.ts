/**
 * Process plumbing for the stress scenarios: bundling the worker from the
 * sources, forking workers, and waiting for their replies.
 */

import { type ChildProcess, fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Command, Reply } from "./_protocol.js";

/** The repository root: the nearest directory up from the current one whose package.json is devinfo's. */
export function repoRoot(): string {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "devinfo") return dir;
    if (path.dirname(dir) === dir) throw new Error("run the stress suite from the devinfo checkout");
  }
}

/**
 * Bundles `test/<entry>` (`stress/_worker.ts`, say) and the sources it imports
 * into `outDir`; returns the bundle's path. Bundling from the sources means a
 * child process always runs the code under test, never a stale `dist/`.
 */
export async function bundle(entry: string, outDir: string): Promise<string> {
  const { build } = await import("esbuild");
  const outfile = path.join(outDir, `${path.basename(entry, ".ts")}.mjs`);
  await build({
    entryPoints: [path.join(repoRoot(), "test", entry)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

/** A temporary directory for one run, removed by `dispose`. */
export function scratch(prefix = "devinfo-stress-"): { dir: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

type Waiter = { kind: Reply["kind"]; resolve: (reply: Reply) => void; reject: (err: Error) => void };

/** One forked worker process and the replies it has sent. */
export class Worker {
  readonly child: ChildProcess;
  readonly errors: string[] = [];
  private readonly inbox: Reply[] = [];
  private readonly waiters: Waiter[] = [];
  private exited = false;
  private stderr = "";
  onProgress: ((ops: number) => void) | undefined;

  constructor(script: string) {
    this.child = fork(script, [], { stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "json" });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => {
      if (this.stderr.length < 4000) this.stderr += chunk;
    });
    this.child.on("message", (reply: Reply) => this.receive(reply));
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      const err = new Error(`worker ${this.child.pid} exited (${signal ?? code}) while awaited${this.stderr ? `: ${this.stderr}` : ""}`);
      for (const waiter of this.waiters.splice(0)) waiter.reject(err);
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private receive(reply: Reply): void {
    if (reply.kind === "error") {
      this.errors.push(reply.message);
      return;
    }
    if (reply.kind === "progress") {
      this.onProgress?.(reply.ops);
      return;
    }
    const index = this.waiters.findIndex((w) => w.kind === reply.kind);
    if (index >= 0) this.waiters.splice(index, 1)[0]?.resolve(reply);
    else this.inbox.push(reply);
  }

  send(command: Command): void {
    this.child.send(command);
  }

  /** The next reply of `kind` (already received or still to come). */
  next<K extends Reply["kind"]>(kind: K): Promise<Extract<Reply, { kind: K }>> {
    const index = this.inbox.findIndex((r) => r.kind === kind);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0] as Extract<Reply, { kind: K }>);
    if (this.exited) return Promise.reject(new Error(`worker ${this.pid} has exited${this.stderr ? `: ${this.stderr}` : ""}`));
    return new Promise((resolve, reject) => {
      this.waiters.push({ kind, resolve: resolve as (reply: Reply) => void, reject });
    });
  }

  /** Kills with `signal` and resolves once the process is gone. */
  kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill(signal);
    });
  }

  /** Asks the worker to exit by closing its IPC channel. */
  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.disconnect();
    });
  }
}

/** Starts `count` workers and waits until each has loaded the library. */
export async function startWorkers(script: string, count: number): Promise<Worker[]> {
  const workers = Array.from({ length: count }, () => new Worker(script));
  await Promise.all(workers.map((w) => w.next("ready")));
  return workers;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
