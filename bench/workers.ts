/** The worker modes of the bench bundle, run in child processes by the suites. */

import { asyncCyclesChild, workerStartChild } from "./async-worker.js";
import { fsCallsChild } from "./event-loop.js";
import { publishWorker } from "./scale.js";
import { cyclesWorker, syscallsWorker } from "./syscalls.js";

export interface WorkerOptions {
  count: number;
  dir: string;
  api: "sync" | "async";
}

export async function worker(name: string, options: WorkerOptions): Promise<void> {
  switch (name) {
    case "publish":
      return publishWorker(options.dir, options.count, options.api);
    case "syscalls":
      return syscallsWorker(options.dir, options.count);
    case "cycles":
      return cyclesWorker(options.dir, options.count, options.api);
    case "worker-start":
      return workerStartChild(options.dir);
    case "async-cycles":
      return asyncCyclesChild(options.dir, options.count);
    case "fs-calls":
      return fsCallsChild(options.dir, options.count);
    default:
      throw new Error(`unknown worker ${name}`);
  }
}
