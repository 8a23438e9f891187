// The end-to-end suite (`npm run test:e2e`): real libcni, real CNI plugins, real
// network namespaces. Needs root and Debian's packages; `npm test` excludes it.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/e2e/setup.ts"],
    // Namespaces, bridges and host-local ranges are per test, but one file at a time keeps failures readable.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
