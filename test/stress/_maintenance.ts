/**
 * `devinfo ls` and `devinfo gc` as the stress suite uses them: through the
 * CLI's own `main`, in process (a process per call would triple the crash
 * scenario's run time and test nothing more).
 */

import fs from "node:fs";
import path from "node:path";
import { main } from "../../src/cli/cli.js";
import { WRITER_GRACE_MS } from "../../src/cli/gc.js";
import { LOCK_FILE_PREFIX, lockPathFor, TEMP_FILE_PREFIX } from "../../src/files/_atomic.js";

export const TEMP_PREFIX = TEMP_FILE_PREFIX;
export const LOCK_PREFIX = LOCK_FILE_PREFIX;

/** The lock file that serialises updates of a CNI file. */
export function lockFileOf(target: string): string {
  return lockPathFor(target);
}

export interface Maintenance {
  /** The paths `devinfo ls --json` lists, sorted. */
  ls(baseDir: string): Promise<string[]>;
  /**
   * Runs `devinfo gc`, as it would run once the dead writers' leftovers are
   * older than its grace period; returns how many files it removed.
   */
  gc(baseDir: string): Promise<number>;
}

async function run(argv: readonly string[]): Promise<string> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: (async function* () {})(),
    env: {},
  });
  if (code !== 0) throw new Error(`devinfo ${argv.join(" ")} exited ${code}: ${stderr}`);
  return stdout;
}

/** Ages the temporary and lock files under `baseDir` past gc's grace period (a crashed writer's files only get older). */
function ageLeftovers(baseDir: string): void {
  const past = new Date(Date.now() - WRITER_GRACE_MS - 1000);
  for (const sub of ["dp", "cni"]) {
    const dir = path.join(baseDir, sub);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      if (name.startsWith(TEMP_PREFIX) || name.startsWith(LOCK_PREFIX)) fs.utimesSync(path.join(dir, name), past, past);
    }
  }
}

export const cliMaintenance: Maintenance = {
  async ls(baseDir) {
    const entries = JSON.parse(await run(["ls", "--base-dir", baseDir, "--json"])) as { path: string }[];
    return entries.map((e) => e.path).sort();
  },
  async gc(baseDir) {
    ageLeftovers(baseDir);
    const report = JSON.parse(await run(["gc", "--base-dir", baseDir, "--json"])) as { removed: unknown[] };
    return report.removed.length;
  },
};
