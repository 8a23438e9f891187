/**
 * The options of the file operations, their rules, and the settings a public
 * call resolves from them once, where it comes in: the internal functions of
 * `files/` (and the roles that build on them) take the settings, never the
 * caller's options object, so each option is checked and read once per call.
 */

import { byteCount, checkOptionsWith, flag, milliseconds, type OptionRules } from "../base/args.js";
import type { DeviceInfoIssue } from "../base/issues.js";
import { VALIDATION_OPTION_RULES, type ValidationOptions } from "../format/parse.js";
import { DEFAULT_MAX_BYTES } from "./_atomic.js";
import { PATH_OPTION_RULES, type PathOptions } from "./paths.js";

/** Options of every reader. */
export interface LoadOptions extends PathOptions, ValidationOptions {
  /** Files larger than this are refused without being read. Default 65536 (64 KiB). */
  maxBytes?: number | undefined;
}

/** Options of every writer. */
export interface SaveOptions extends LoadOptions {
  /**
   * Replace an existing file atomically (default `false`: an existing file is
   * an `ERR_DEVINFO_EXISTS` error and is left untouched).
   */
  overwrite?: boolean | undefined;
  /**
   * fsync the file and its directory before resolving. Default `false`: the
   * production base directory is on a tmpfs, where it buys nothing.
   */
  durable?: boolean | undefined;
}

/** Options of {@link updateDeviceInfoForCNI}. */
export interface UpdateOptions extends LoadOptions {
  /** fsync before resolving (see {@link SaveOptions.durable}). */
  durable?: boolean | undefined;
  /**
   * How long to wait for another process's update of the same file before
   * failing with `ERR_DEVINFO_CONFLICT`. Default 10000 ms.
   */
  lockTimeoutMs?: number | undefined;
  /**
   * A lock older than this was left by a dead process and is broken. An
   * update whose function runs longer fails with `ERR_DEVINFO_CONFLICT` and
   * writes nothing. Default 5000 ms.
   */
  lockStaleMs?: number | undefined;
}

/** The rule of each {@link LoadOptions} option. @internal */
export const LOAD_OPTION_RULES: OptionRules<LoadOptions> = { ...PATH_OPTION_RULES, ...VALIDATION_OPTION_RULES, maxBytes: byteCount };
/** The rule of each {@link SaveOptions} option. @internal */
export const SAVE_OPTION_RULES: OptionRules<SaveOptions> = { ...LOAD_OPTION_RULES, overwrite: flag, durable: flag };
/** The rule of each {@link UpdateOptions} option. @internal */
export const UPDATE_OPTION_RULES: OptionRules<UpdateOptions> = {
  ...LOAD_OPTION_RULES,
  durable: flag,
  lockTimeoutMs: milliseconds,
  lockStaleMs: milliseconds,
};

/** Default of {@link UpdateOptions.lockTimeoutMs}. */
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
/** Default of {@link UpdateOptions.lockStaleMs}. */
const DEFAULT_LOCK_STALE_MS = 5_000;

/**
 * A file operation's options, checked and read once where the public call
 * comes in, defaults applied. The base directory stays as given: the call
 * resolves it (`dirsOf`) once, where the Go reference's order of checks
 * first needs it, and passes the directories down.
 *
 * @internal
 */
export interface FileSettings {
  /** `options.baseDir` as given. */
  readonly baseDir: string | undefined;
  /** `options.strict` as given: each operation has its own default. */
  readonly strict: boolean | undefined;
  readonly onWarning: ((warning: DeviceInfoIssue) => void) | undefined;
  readonly maxBytes: number;
  readonly overwrite: boolean;
  readonly durable: boolean;
  readonly lockTimeoutMs: number;
  readonly lockStaleMs: number;
}

/** The settings of options already checked (every field of every file operation's options, read once). @internal */
export function settingsOf(options: (SaveOptions & UpdateOptions) | undefined): FileSettings {
  const o = options ?? {};
  return {
    baseDir: o.baseDir,
    strict: o.strict,
    onWarning: o.onWarning,
    maxBytes: o.maxBytes ?? DEFAULT_MAX_BYTES,
    overwrite: o.overwrite === true,
    durable: o.durable === true,
    lockTimeoutMs: o.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    lockStaleMs: o.lockStaleMs ?? DEFAULT_LOCK_STALE_MS,
  };
}

/** `options` of every reader, checked, as settings. @internal */
export function loadSettings(options: LoadOptions | undefined): FileSettings {
  return settingsOf(checkOptionsWith(options, LOAD_OPTION_RULES));
}
/** `options` of every writer, checked, as settings. @internal */
export function saveSettings(options: SaveOptions | undefined): FileSettings {
  return settingsOf(checkOptionsWith(options, SAVE_OPTION_RULES));
}
/** `options` of the updates, checked, as settings. @internal */
export function updateSettings(options: UpdateOptions | undefined): FileSettings {
  return settingsOf(checkOptionsWith(options, UPDATE_OPTION_RULES));
}
/** `options` of the path-only operations (the removals), checked, as settings. @internal */
export function pathSettings(options: PathOptions | undefined): FileSettings {
  return settingsOf(checkOptionsWith(options, PATH_OPTION_RULES));
}
