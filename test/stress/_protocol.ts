/** Messages between the stress coordinator and its worker processes. */

import type { DeviceInfo } from "../../src/index.js";

/** Which twin of the API a worker calls. */
export type Api = "sync" | "async";

/** A device-info file, addressed the way its users address it. */
export type Target =
  | { readonly kind: "dp"; readonly baseDir: string; readonly resource: string; readonly device: string }
  | { readonly kind: "cni"; readonly baseDir: string; readonly path: string };

export type Command =
  /** Save `info` at `target` exclusively, starting when the monotonic clock reaches `at` (ns). */
  | {
      readonly cmd: "race";
      readonly trial: number;
      readonly target: Target;
      readonly info: DeviceInfo;
      readonly api: Api;
      readonly at: string;
    }
  /**
   * Write in a loop until "stop": `replace` saves with `overwrite: true` (and,
   * for CNI targets, also updates); `save-clean` saves exclusively and cleans;
   * `naive` writes in place as the Go reference does (open with O_TRUNC,
   * write), the control that shows the readers can see a torn file.
   */
  | {
      readonly cmd: "write-loop";
      readonly mode: "replace" | "save-clean" | "naive";
      readonly targets: readonly Target[];
      readonly writer: number;
      readonly seed: number;
      readonly maxFiller: number;
    }
  /** Load every target in a loop until "stop"; a missing file is a failure unless `allowMissing`. */
  | { readonly cmd: "read-loop"; readonly targets: readonly Target[]; readonly allowMissing: boolean }
  | { readonly cmd: "stop" }
  /** Random writes of every kind until killed. */
  | { readonly cmd: "crash-loop"; readonly baseDir: string; readonly seed: number; readonly maxFiller: number }
  /** `count` read-modify-write updates of `path`, each adding one to the counter. */
  | { readonly cmd: "update-loop"; readonly path: string; readonly writer: number; readonly count: number; readonly seed: number }
  /** Take the update lock of `path` and keep it until killed. */
  | { readonly cmd: "hold-lock"; readonly path: string };

export type Reply =
  | { readonly kind: "ready" }
  | {
      readonly kind: "race";
      readonly trial: number;
      readonly ok: boolean;
      readonly code?: string | undefined;
      readonly message?: string | undefined;
      readonly start: string;
      readonly end: string;
    }
  | { readonly kind: "progress"; readonly ops: number }
  | {
      readonly kind: "loop-done";
      readonly ops: number;
      readonly counts: Readonly<Record<string, number>>;
      readonly samples: readonly string[];
    }
  | { readonly kind: "holding" }
  | { readonly kind: "error"; readonly message: string };

/** The file path of a target. */
export function targetPath(target: Target, dpPath: (resource: string, device: string, baseDir: string) => string): string {
  return target.kind === "cni" ? target.path : dpPath(target.resource, target.device, target.baseDir);
}
