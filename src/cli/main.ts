#!/usr/bin/env node
/**
 * The `devinfo` executable (the package's `bin`). All logic is in `cli.ts`;
 * this file only connects it to the process.
 */

import { EXIT_FAILURE, internalErrorReport, main, processIO } from "./cli.js";

// `devinfo ls | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// main() reports every error it sees; one that escapes it (an event handler's) is a bug. Node's own report
// would print the source line that threw, which in a minified bundle is a screenful: print ours instead.
const crash = (error: unknown) => {
  process.stderr.write(internalErrorReport(error));
  process.exit(EXIT_FAILURE);
};
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

process.exitCode = await main(process.argv.slice(2), processIO());
