#!/usr/bin/env node
/**
 * The `devinfo` executable (the package's `bin`). All logic is in `cli.ts`;
 * this file only connects it to the process.
 */

import { main, processIO } from "./cli.js";

// `devinfo ls | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2), processIO());
