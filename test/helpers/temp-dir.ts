/**
 * Temporary directories for tests that touch the real filesystem.
 *
 * @example
 * ```ts
 * const tmp = useTempDir();
 * it("writes", () => {
 *   fs.writeFileSync(tmp.join("a.json"), "{}");
 * });
 * ```
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach } from "vitest";

/** A fresh directory per test (see {@link useTempDir}). */
export interface TempDir {
  /** The directory of the running test. Throws outside a test. */
  readonly path: string;
  /** `path.join(dir, ...parts)`. */
  join(...parts: string[]): string;
}

/**
 * Registers `beforeEach`/`afterEach` hooks that give every test of the
 * enclosing `describe` (or file) its own `fs.mkdtempSync` directory under
 * `os.tmpdir()`, removed after the test even when it left read-only files or
 * directories behind.
 */
export function useTempDir(prefix = "devinfo-"): TempDir {
  let current: string | undefined;
  beforeEach(() => {
    current = makeTempDir(prefix);
  });
  afterEach(() => {
    if (current !== undefined) removeTempDir(current);
    current = undefined;
  });
  return {
    get path() {
      if (current === undefined) throw new Error("useTempDir: the directory exists only while a test runs");
      return current;
    },
    join(...parts: string[]) {
      return path.join(this.path, ...parts);
    },
  };
}

/** Creates a temporary directory; remove it with {@link removeTempDir}. */
export function makeTempDir(prefix = "devinfo-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a directory tree, first making its directories writable (a non-root user cannot empty a 0555 directory). */
export function removeTempDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    makeWritable(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function makeWritable(dir: string): void {
  try {
    fs.chmodSync(dir, 0o755);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) makeWritable(path.join(dir, entry.name));
    }
  } catch {
    // best effort: rmSync reports what is left
  }
}

/** Entries of `dir` left by the package's temporary or lock files (for "nothing left behind" checks). */
export function leftovers(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((name) => name.startsWith(".devinfo-"));
}
