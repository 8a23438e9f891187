// Global setup of the e2e suite: check that the machine can run it (and fail,
// never skip, when it cannot), build the libcni runner and the example plugins.

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

const ROOT = path.resolve(import.meta.dirname, "../..");
export const CNI_PLUGINS_DIR = "/usr/lib/cni";
const GOPATH = "/usr/share/gocode";

/** Paths the tests receive through `inject("e2e")`. */
export interface E2EContext {
  /** The libcni runner built from test/e2e/runner. */
  runner: string;
  /** The bundled example plugins, by CNI type. */
  examples: Record<string, string>;
  /** The stdin-logger test plugin. */
  logger: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    e2e: E2EContext;
  }
}

export default function setup(project: TestProject): () => void {
  // The same check as `npm run test:e2e` runs first, for a direct `vitest -c test/e2e/vitest.config.ts`.
  const preflight = spawnSync(process.execPath, [path.join(ROOT, "test/e2e/preflight.mjs")], { encoding: "utf8" });
  if (preflight.status !== 0) throw new Error(preflight.stderr.trim() || `test/e2e/preflight.mjs failed (${preflight.status})`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-e2e-"));
  const runner = path.join(work, "devinfo-cni-runner");
  // Offline, against Debian's copy of libcni: GOPATH mode, no module download.
  execFileSync("go", ["build", "-o", runner, "./test/e2e/runner"], {
    cwd: ROOT,
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOPATH,
      GOFLAGS: "",
      GOCACHE: process.env.GOCACHE ?? path.join(os.homedir(), ".cache", "go-build"),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const examplesDir = path.join(work, "examples");
  execFileSync(process.execPath, [path.join(ROOT, "examples/build.mjs"), examplesDir], { stdio: ["ignore", "ignore", "inherit"] });
  project.provide("e2e", {
    runner,
    examples: {
      "devinfo-vhost-user": path.join(examplesDir, "devinfo-vhost-user"),
      "devinfo-pci-representor": path.join(examplesDir, "devinfo-pci-representor"),
    },
    logger: path.join(ROOT, "test/e2e/stdin-logger.cjs"),
  });
  return () => fs.rmSync(work, { recursive: true, force: true });
}
