/**
 * Read-modify-write of a CNI file under a lock (`updateDeviceInfoForCNI` and
 * its sync twin): the lock, the read, the caller's function, the plan (write
 * or not, which warnings, which deviations refuse it) and the commit.
 */

import type { Buffer } from "node:buffer";
import { checkFunction, checkString } from "../base/args.js";
import { DeviceInfoError } from "../base/errors.js";
import { type DeviceInfoIssue, makeIssue } from "../base/issues.js";
import { invalidDeviceInfo } from "../format/_invalid.js";
import { SPEC_VERSION } from "../format/fields.js";
import { cloneJson } from "../format/go-json.js";
import type { ValidationOptions } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { checkDeviceInfo } from "../format/validate.js";
import { acquireLock, checkDirectory, type HeldLock, readFileBytes, releaseLock, writeWhileLocked } from "./_atomic.js";
import { checkValue, decode, serializeFor, toBytes } from "./_document.js";
import { type Gen, runAsync, runSync } from "./_syscalls.js";
import { type FileSettings, type UpdateOptions, updateSettings } from "./options.js";
import { cniPathGuard } from "./paths.js";

/** The function given to {@link updateDeviceInfoForCNI}. */
export type DeviceInfoUpdater = (current: DeviceInfo | undefined) => DeviceInfo | undefined | Promise<DeviceInfo | undefined>;
/** The function given to {@link updateDeviceInfoForCNISync}. */
export type DeviceInfoUpdaterSync = (current: DeviceInfo | undefined) => DeviceInfo | undefined;

/**
 * Read-modify-write of a CNI file, for a CNI plugin that adds its own fields
 * to the document the meta-plugin copied (e.g. `representor-device`).
 *
 * `fn` receives the current document (`undefined` when there is no file) and
 * returns the new one, or `undefined` to leave the file as it is. A document
 * equal to the current one is not rewritten. Otherwise content at version
 * `1.0.0` is written back as `1.1.0`, the file is replaced atomically, and the
 * promise resolves to the value written (or the unchanged current one).
 *
 * Concurrent updates of the same file are serialised with a lock file next to
 * it, so no update is silently lost; waiting longer than `lockTimeoutMs` fails
 * with `ERR_DEVINFO_CONFLICT`.
 *
 * An update never adds a deviation from the spec unless asked to. By
 * default the new document may keep the deviations the file already had
 * (it usually comes from a device plugin, whose mistakes are not the
 * caller's): they are reported through `onWarning`. A deviation the file did
 * not have (same kind at the same place, e.g. a `pci` object without its
 * `pci-address` added to a vhost-user document) refuses the update with
 * `ERR_DEVINFO_INVALID` whose `issues` list the new deviations, and the file
 * is left untouched. `strict: false` writes every deviation, as warnings;
 * `strict: true` refuses every deviation, old ones included.
 *
 * Keep `fn` short: the lock is held while it runs, and a lock older than
 * `lockStaleMs` is taken to be left by a dead process and broken; an update
 * that outlasts it writes nothing and fails with `ERR_DEVINFO_CONFLICT`
 * (another process may have changed the file meanwhile).
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_INVALID` for a document the
 *   rules above refuse, `ERR_DEVINFO_CONFLICT`, `ERR_DEVINFO_TOO_LARGE`, and
 *   the readers' and writers' errors for the file itself.
 *
 * @example
 * ```ts
 * await updateDeviceInfoForCNI(cniPath, (info) =>
 *   info?.type === "pci" ? { ...info, pci: { ...info.pci, "representor-device": "pf0vf3" } } : info,
 * );
 * ```
 */
export async function updateDeviceInfoForCNI(
  cniPath: string,
  fn: DeviceInfoUpdater,
  options: UpdateOptions = {},
): Promise<DeviceInfo | undefined> {
  return updateAsync(cniPath, fn, checkUpdateArgs(cniPath, fn, options));
}

/** {@link updateDeviceInfoForCNI} with its options resolved (`settings`). @internal */
export async function updateAsync(cniPath: string, fn: DeviceInfoUpdater, settings: FileSettings): Promise<DeviceInfo | undefined> {
  const lock = await runAsync(lockFor(cniPath, cniPathGuard(cniPath, settings.baseDir), settings));
  try {
    const state = await runAsync(readForUpdate(cniPath, settings));
    const next = await fn(state.current === undefined ? undefined : cloneJson(state.current));
    return await runAsync(commitUpdate(lock, cniPath, state, next, settings));
  } finally {
    await runAsync(releaseLock(lock));
  }
}

/** Synchronous twin of {@link updateDeviceInfoForCNI}. */
export function updateDeviceInfoForCNISync(
  cniPath: string,
  fn: DeviceInfoUpdaterSync,
  options: UpdateOptions = {},
): DeviceInfo | undefined {
  return updateSync(cniPath, fn, checkUpdateArgs(cniPath, fn, options));
}

/** {@link updateDeviceInfoForCNISync} with its options resolved (`settings`). @internal */
export function updateSync(cniPath: string, fn: DeviceInfoUpdaterSync, settings: FileSettings): DeviceInfo | undefined {
  const lock = runSync(lockFor(cniPath, cniPathGuard(cniPath, settings.baseDir), settings));
  try {
    const state = runSync(readForUpdate(cniPath, settings));
    const next = fn(state.current === undefined ? undefined : cloneJson(state.current));
    if (isPromise(next)) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_INVALID",
        `updateDeviceInfoForCNISync: the update function for ${cniPath} returned a promise; use updateDeviceInfoForCNI for async functions`,
        { path: cniPath },
      );
    }
    return runSync(commitUpdate(lock, cniPath, state, next, settings));
  } finally {
    runSync(releaseLock(lock));
  }
}

function checkUpdateArgs(cniPath: unknown, fn: unknown, options: UpdateOptions): FileSettings {
  checkString(cniPath, "cniPath");
  checkFunction(fn, "fn");
  return updateSettings(options);
}

/** The file's document as an update found it, its encoding, and its warnings. */
interface UpdateState {
  readonly current: DeviceInfo | undefined;
  readonly before: string | undefined;
  readonly loaded: readonly DeviceInfoIssue[];
}

function* readForUpdate(cniPath: string, settings: FileSettings): Gen<UpdateState> {
  const loaded: DeviceInfoIssue[] = [];
  const bytes = yield* readFileBytes(cniPath, settings.maxBytes);
  const current = bytes === undefined ? undefined : decode(bytes, collecting(settings, loaded), cniPath);
  return { current, before: current === undefined ? undefined : serializeFor(current, cniPath), loaded };
}

/** Writes the new document (while the lock is still ours) unless nothing changed; resolves to the document left in the file. */
function* commitUpdate(
  lock: HeldLock,
  cniPath: string,
  state: UpdateState,
  next: DeviceInfo | undefined,
  settings: FileSettings,
): Gen<DeviceInfo | undefined> {
  const plan = planUpdate(cniPath, state.current, state.before, next, state.loaded, settings);
  if (plan.write) {
    const write = { overwrite: state.current !== undefined, durable: settings.durable };
    yield* writeWhileLocked(lock, cniPath, plan.bytes, write, settings.lockStaleMs);
  }
  report(plan.warnings, settings);
  return plan.value;
}

function* lockFor(cniPath: string, guarded: string | undefined, settings: FileSettings): Gen<HeldLock> {
  if (guarded !== undefined) yield* checkDirectory(guarded);
  return yield* acquireLock(cniPath, { timeoutMs: settings.lockTimeoutMs, staleMs: settings.lockStaleMs });
}

// The warnings an update reports are those of the document left in the file:
// the one written, or the current one when nothing is written. Reporting both
// would repeat every warning the function did not fix.
type UpdatePlan = { value: DeviceInfo | undefined; warnings: readonly DeviceInfoIssue[] } & (
  | { write: true; bytes: Buffer }
  | { write: false }
);

function planUpdate(
  path: string,
  current: DeviceInfo | undefined,
  before: string | undefined,
  next: DeviceInfo | undefined,
  loaded: readonly DeviceInfoIssue[],
  settings: FileSettings,
): UpdatePlan {
  if (next === undefined) return { write: false, value: current, warnings: loaded };
  const warnings: DeviceInfoIssue[] = [];
  const checked = checkValue(next, path, collecting(settings, warnings), false);
  if (before !== undefined && serializeFor(checked, path) === before) return { write: false, value: current, warnings: loaded };
  if (settings.strict === undefined && warnings.length > 0) refuseAddedDeviations(path, current, warnings);
  const value = checked.version === "1.0.0" ? ({ ...checked, version: SPEC_VERSION } as DeviceInfo) : checked;
  return { write: true, bytes: toBytes(serializeFor(value, path), path, settings.maxBytes), value, warnings };
}

/**
 * An update never adds a deviation from the spec unless told to: with
 * `strict` not given, a deviation of the new document that the current one
 * does not have (same kind, same place) refuses the update. Those the file
 * already had stay warnings: a plugin adding its field to a device plugin's
 * document must not fail for the device plugin's mistakes. Compared on the
 * documents as decoded (case-variant keys folded, nulls dropped), so that a
 * deviation the file had under another spelling is the same one.
 */
function refuseAddedDeviations(path: string, current: DeviceInfo | undefined, warnings: readonly DeviceInfoIssue[]): void {
  const had = new Set(current === undefined ? [] : checkDeviceInfo(current, false).warnings.map(deviationKey));
  const added = warnings.filter((w) => !had.has(deviationKey(w)));
  if (added.length === 0) return;
  throw invalidDeviceInfo(
    added.map((w) => makeIssue("error", w.code, w.path, w.message)),
    { action: "write", path, strict: undefined, reason: "the update adds deviations from the spec that the file did not have" },
  );
}

function deviationKey(issue: DeviceInfoIssue): string {
  return `${issue.code} ${issue.jsonPath}`;
}

function collecting<T extends ValidationOptions>(options: T, into: DeviceInfoIssue[]): T {
  return { ...options, onWarning: (warning: DeviceInfoIssue) => into.push(warning) };
}

function report(warnings: readonly DeviceInfoIssue[], options: ValidationOptions): void {
  if (options.onWarning !== undefined) for (const warning of warnings) options.onWarning(warning);
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
