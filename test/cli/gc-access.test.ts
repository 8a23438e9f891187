/**
 * `gc` without permission to remove, and `gc` runs that race each other:
 * no summary that suggests a finished run, the library's error with its
 * hint, and files removed by another run counted as gone, never as kept.
 */

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ago, CLI, containerID, DOCS, put, REPO_ROOT, useTempDir } from "./_helpers.js";

const MIN = 60_000;
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/**
 * Runs the built CLI as a user who may not remove the files: as root (CI, containers), uid/gid 65534 through
 * util-linux setpriv, as the hostile suite does; otherwise this user, after the test made the directory read-only.
 */
function gcWithoutPermission(args: readonly string[], input: string): { code: number | null; stdout: string; stderr: string } {
  const argv = [process.execPath, CLI, "gc", ...args];
  const [command, ...rest] = isRoot
    ? ["setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", ...argv]
    : (argv as [string, ...string[]]);
  const env = { ...process.env };
  for (const key of ["NO_COLOR", "FORCE_COLOR", "DEVINFO_BASE_DIR", "TERM", "NODE_OPTIONS"]) delete env[key];
  const result = spawnSync(command as string, rest, { input, env, cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
  if (result.error !== undefined) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("devinfo gc without permission to remove", () => {
  const tmp = useTempDir();
  const cni = (seed: number) => `default-sriov-net1-${containerID(seed)}_net1`;

  function node(cniMode: number): void {
    put(tmp.join("cni", cni(1)), DOCS.pci, ago(5 * MIN));
    put(tmp.join("cni", cni(2)), DOCS.pci, ago(5 * MIN));
    // Others (65534) must reach the files to be refused only the removal.
    fs.chmodSync(tmp.path, 0o755);
    fs.chmodSync(tmp.join("cni"), isRoot ? cniMode : 0o555);
  }

  it.each([
    ["text", []],
    ["--json", ["--json"]],
  ])("a directory it may not write: the error with its hint before any output (%s), nothing removed", (_what, extra) => {
    node(0o755);
    try {
      const run = gcWithoutPermission(["--base-dir", tmp.path, "--live-containers", "-", ...extra], containerID(1));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).not.toContain("Removed");
      expect(run.stderr).toContain(`cannot remove files in ${tmp.join("cni")}: permission denied (EACCES)`);
      expect(run.stderr).toContain("run as the user that owns the base directory (usually root) or fix its permissions");
      expect(fs.readdirSync(tmp.join("cni"))).toHaveLength(2);
    } finally {
      fs.chmodSync(tmp.join("cni"), 0o755);
    }
  });

  it.runIf(isRoot)(
    "a sticky directory (writable, but the files are another user's): stops at the first refusal, no summary, the error with its hint",
    () => {
      node(0o1777);
      const text = gcWithoutPermission(["--base-dir", tmp.path, "--live-containers", "-"], containerID(1));
      expect(text.code).toBe(1);
      expect(text.stdout).toBe("");
      expect(text.stderr).toMatch(
        /^devinfo: cannot remove \S+: permission denied \(EPERM\); run as the user that owns the base directory \(usually root\) or fix its permissions\n$/,
      );
      const json = gcWithoutPermission(["--base-dir", tmp.path, "--live-containers", "-", "--json"], containerID(1));
      expect(json.code).toBe(1);
      // A whole document (what was done, and why it stopped), and the error line of --json on stderr.
      expect(JSON.parse(json.stdout)).toMatchObject({ removed: [], errors: [{ message: expect.stringContaining("(EPERM)") }] });
      expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: "ERR_DEVINFO_IO", message: expect.stringContaining("EPERM") } });
      expect(fs.readdirSync(tmp.join("cni"))).toHaveLength(2);
    },
  );

  it("--dry-run needs no permission to remove", () => {
    node(0o755);
    try {
      const run = gcWithoutPermission(["--base-dir", tmp.path, "--live-containers", "-", "--dry-run"], containerID(1));
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("Would remove 1 file, kept 1 (dry run: nothing was removed).");
    } finally {
      fs.chmodSync(tmp.join("cni"), 0o755);
    }
  });
});

describe("concurrent gc runs", () => {
  const tmp = useTempDir();

  function gcAsync(args: readonly string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, "gc", ...args], { cwd: REPO_ROOT });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  it("a file another run removed is counted as gone, never as kept: kept is exactly the live files in each run", async () => {
    const total = 1_500;
    const live = 3;
    fs.mkdirSync(tmp.join("cni"), { recursive: true });
    const old = ago(5 * MIN);
    for (let i = 0; i < total; i++) put(tmp.join("cni", `default-net-${containerID(i + 1)}_net1`), DOCS.pci, old);
    const list = Array.from({ length: live }, (_, i) => containerID(i + 1)).join("\n");
    const args = ["--base-dir", tmp.path, "--live-containers", "-"];
    const runs = await Promise.all([gcAsync([...args, "--json"], list), gcAsync([...args, "--json"], list), gcAsync(args, list)]);
    const results = runs.map((run, i) => {
      expect(run.code).toBe(0);
      if (i < 2) return JSON.parse(run.stdout) as { removed: unknown[]; kept: number; gone: number; errors: unknown[] };
      // Text: "Removed N files, kept K, G already gone (removed meanwhile by another run)." (the last part only when G > 0)
      const summary = /^Removed (\d+) files?, kept (\d+)(?:, (\d+) already gone \(removed meanwhile by another run\))?\.$/m.exec(
        run.stdout,
      );
      expect(summary).not.toBeNull();
      const removed = Number(summary?.[1]);
      expect(run.stdout.split("\n").filter((l) => l.startsWith("removed cni/"))).toHaveLength(removed);
      return { removed: new Array(removed), kept: Number(summary?.[2]), gone: Number(summary?.[3] ?? 0), errors: [] };
    });
    for (const result of results) {
      expect(result.kept).toBe(live);
      expect(result.errors).toEqual([]);
      // A run that reads the directory after another emptied part of it never sees those files: at most the total.
      expect(result.removed.length + result.kept + result.gone).toBeLessThanOrEqual(total);
    }
    expect(results.reduce((sum, r) => sum + r.removed.length, 0)).toBe(total - live);
    expect(fs.readdirSync(tmp.join("cni"))).toHaveLength(live);
  });
});
