/**
 * Piping more than a reader's cap into a real child process, and measuring
 * the child's peak memory with GNU time (`/usr/bin/time -f %M`, in Debian's
 * `time` package): a reader that stops at its cap exits with little memory
 * while the writer still has most of the flood to send.
 */

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const GNU_TIME = "/usr/bin/time";

/** What a flooded child did. */
export interface Flooded {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The child's peak resident set size, in MiB (GNU time's `%M`). */
  readonly maxRssMiB: number;
  /** How many bytes were handed to the pipe before the child closed it (or all of `offer`). */
  readonly written: number;
}

/**
 * Runs `command args` with `offer` bytes (the repeated `line`) on its stdin,
 * written as fast as the child reads; a child that closes stdin early ends
 * the flood (EPIPE is expected).
 */
export async function flood(
  command: string,
  args: readonly string[],
  line: string,
  offer: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Flooded> {
  if (!fs.existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} (GNU time) is needed: apt-get install time`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-flood-"));
  const rssFile = path.join(dir, "rss");
  try {
    const child = spawn(GNU_TIME, ["-f", "%M", "-o", rssFile, command, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const chunk = Buffer.from(line.repeat(Math.max(1, Math.floor((64 * 1024) / line.length))));
    let written = 0;
    await new Promise<void>((resolve) => {
      child.stdin.on("error", () => resolve()); // EPIPE: the reader stopped, as it should
      child.on("close", () => resolve());
      const pump = (): void => {
        while (written < offer) {
          written += chunk.length;
          if (!child.stdin.write(chunk)) {
            child.stdin.once("drain", pump);
            return;
          }
        }
        child.stdin.end();
        resolve();
      };
      pump();
    });
    const code = await exited;
    const maxRssKiB = Number(fs.readFileSync(rssFile, "utf8").trim().split("\n").pop());
    return { code, stdout, stderr, maxRssMiB: maxRssKiB / 1024, written };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
