/**
 * Optional-option helpers for the DRA functions, on top of the package's
 * misuse checks (`src/_args.ts`, Node's `ERR_INVALID_ARG_TYPE` /
 * `ERR_INVALID_ARG_VALUE` / `ERR_OUT_OF_RANGE` convention).
 */

import {
  checkBoolean,
  checkFunction,
  checkInteger,
  checkObject,
  checkOptions as checkOptionsArg,
  checkString,
  invalidArgType,
} from "../_args.js";

export { checkAbortSignal, checkObject, checkString, invalidArgType, invalidArgValue } from "../_args.js";

/** A plain object (`{}` literal, `Object.create(null)`, JSON): what a record of attributes is. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `undefined` means "no options"; anything else must be an object. */
export function checkOptions<T extends object>(name: string, options: T | undefined): Partial<T> {
  return checkOptionsArg(options, name) ?? {};
}

/** An optional string option. */
export function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  checkString(value, name);
  return value;
}

/** An optional boolean option. */
export function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  checkBoolean(value, name);
  return value;
}

/** An optional integer option within `[min, max]`. */
export function optionalInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  checkInteger(value, name, min, max);
  return value;
}

/** An optional function option. */
export function optionalFunction<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  checkFunction(value, name);
  return value as F;
}

/** An optional object property of a data argument (`undefined` allowed, `null` is a wrong kind). */
export function optionalObject(name: string, value: unknown): void {
  if (value !== undefined) checkObject(value, name);
}

/** An optional list property of a data argument. */
export function optionalArray(name: string, value: unknown): void {
  if (value !== undefined && !Array.isArray(value)) throw invalidArgType(name, "an instance of Array", value);
}

/** A record of values by name: a plain object (not an array, a function or a class instance). */
export function checkRecord(name: string, value: unknown, expected: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw invalidArgType(name, expected, value);
}
