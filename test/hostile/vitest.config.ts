// The hostile filesystem suite (`npm run test:hostile`): another user, read-only
// bind mounts, full file systems, device nodes. Needs root; `npm test` excludes it.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/hostile/**/*.test.ts"],
    // Mounts are per test; one file at a time keeps `mount` output readable when something fails.
    fileParallelism: false,
    testTimeout: 60_000,
  },
});
