/**
 * A device-info document to and from a file's bytes: validated and encoded
 * for writing, decoded and validated after reading, with the file named in
 * every error. Shared by every operation of `files/`.
 *
 * @internal
 * @module
 */

import { Buffer } from "node:buffer";
import { DeviceInfoError } from "../base/errors.js";
import { encodeConforming, parseConforming } from "../format/_fast.js";
import { invalidDeviceInfo } from "../format/_invalid.js";
import { parseDocument, type ValidationOptions } from "../format/parse.js";
import type { DeviceInfo } from "../format/schema.js";
import { serializeDeviceInfo } from "../format/serialize.js";
import { checkDeviceInfo } from "../format/validate.js";
import { tooLarge } from "./_atomic.js";

/** What encoding and decoding need of a call's settings. */
export interface DocumentSettings extends ValidationOptions {
  readonly maxBytes: number;
}

/** Validates a document to write (`strict` as given, else `strictDefault`), reporting its warnings. */
export function checkValue(info: unknown, path: string, options: ValidationOptions, strictDefault: boolean): DeviceInfo {
  const checked = checkDeviceInfo(info, options.strict ?? strictDefault);
  if (checked.value === undefined) throw invalidDeviceInfo(checked.errors, { action: "write", path, strict: options.strict });
  if (options.onWarning !== undefined) for (const warning of checked.warnings) options.onWarning(warning);
  return checked.value;
}

/** The UTF-8 bytes of a file's text, refused over `maxBytes`. */
export function toBytes(text: string, path: string, maxBytes: number): Buffer {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.byteLength > maxBytes) throw tooLarge(path, bytes.byteLength, maxBytes);
  return bytes;
}

/** Validates (strictly unless told otherwise) and encodes a document for writing; `warn` false: its warnings are not reported. */
export function encode(info: DeviceInfo, path: string, settings: DocumentSettings, strictDefault: boolean, warn = true): Buffer {
  // A conforming document has nothing to report: one pass does both (format/_fast.ts).
  const text =
    encodeConforming(info) ??
    serializeFor(checkValue(info, path, warn ? settings : { strict: settings.strict, onWarning: undefined }, strictDefault), path);
  return toBytes(text, path, settings.maxBytes);
}

/** Decodes and validates a file's bytes (leniently unless told otherwise). */
export function decode(bytes: Buffer, options: ValidationOptions, path: string): DeviceInfo {
  return parseConforming(bytes) ?? parseDocument(bytes, options, path);
}

/** serializeDeviceInfo, with the file named in its error (a value JSON cannot encode: BigInt, cycle, deep nesting). */
export function serializeFor(info: DeviceInfo, path: string): string {
  try {
    return serializeDeviceInfo(info);
  } catch (err) {
    if (!(err instanceof DeviceInfoError) || err.path !== undefined) throw err;
    throw new DeviceInfoError(err.code, `refusing to write ${path}: ${err.message}`, { path, issues: err.issues, cause: err.cause });
  }
}
