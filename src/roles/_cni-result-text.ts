/**
 * The ADD result as a plugin prints it: the handler's object, checked as
 * libcni reads it, written as JSON with exact integers; a handler's mistake
 * as a CNI error (Go's `ErrInternal`).
 *
 * @internal
 */

import { CNIError, isCNIError } from "../base/errors.js";
import { rawNumberOf } from "../format/_go-text.js";
import { isObject } from "../format/validate.js";
import { CNI_ERROR } from "./_cni-errors.js";
import { describe } from "./_netconf.js";

/** The ADD handler's mistake, as a CNI error: a bug in the plugin, Go's `ErrInternal`. */
export function handlerMistake(what: string, details?: string): CNIError {
  return new CNIError(CNI_ERROR.UNEXPECTED, `the plugin's ADD handler ${what}`, details);
}

/**
 * The ADD result as printed: the handler's object with the configuration's
 * `cniVersion` when it has none, as JSON whose integers are exact (a `bigint`,
 * or a number read from stdin beyond 2^53, as written there), checked as
 * libcni reads it (`create.Create` of the version it names).
 */
export async function resultText(result: unknown, confVersion: string): Promise<string> {
  if (!isObject(result)) {
    throw handlerMistake(
      `returned ${describe(result)} instead of a CNI result; return the result object (a chained plugin returns netConf.prevResult, possibly amended)`,
    );
  }
  const { cniVersion: own, ...rest } = result;
  if (own !== undefined && typeof own !== "string") {
    throw handlerMistake(
      `returned a CNI result whose "cniVersion" is ${describe(own)}; leave it out or give the configuration's, "${confVersion}"`,
    );
  }
  const text = encodeResult({ cniVersion: own === undefined || own === "" ? confVersion : own, ...rest });
  const { readCNIResult } = await import("../status/cni-result.js");
  let version: string;
  try {
    version = readCNIResult(text, { confVersion }).version;
  } catch (err) {
    throw handlerMistake(`returned an invalid CNI result: ${(err as Error).message}`);
  }
  if (version !== confVersion) {
    throw handlerMistake(
      `returned a CNI result of version "${version}" for a configuration of version "${confVersion}"; return a result of the configuration's version (pluginMain does not convert results)`,
    );
  }
  return text;
}

const SAFE_INTEGER_LITERAL = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * JSON.stringify of a result, refusing what JSON cannot hold (a function, a
 * symbol, a number that is not finite, a cycle) instead of dropping or
 * changing it, and writing integers exactly: a `bigint` in digits, a number
 * read from stdin beyond 2^53 (`prevResult`) as its literal.
 */
function encodeResult(value: object): string {
  let nonce: string | undefined;
  const exact: string[] = [];
  const mark = (digits: string) => {
    nonce ??= `devinfo-integer-${globalThis.crypto.randomUUID()}-`;
    exact.push(digits);
    return `${nonce}${exact.length - 1}`;
  };
  let text: string;
  try {
    text = JSON.stringify(value, function (this: object, key: string, item: unknown) {
      switch (typeof item) {
        case "bigint":
          return mark(item.toString());
        case "number": {
          if (!Number.isFinite(item)) throw handlerMistake(`returned a CNI result holding ${item} (at "${key}"), which JSON cannot hold`);
          const literal = rawNumberOf(this, Array.isArray(this) ? Number(key) : key);
          return literal !== undefined && SAFE_INTEGER_LITERAL.test(literal) && Number(literal) === item ? mark(literal) : item;
        }
        case "function":
        case "symbol":
          throw handlerMistake(`returned a CNI result holding a ${typeof item} (at "${key}"), which JSON cannot hold`);
        default:
          return item;
      }
    });
  } catch (err) {
    if (isCNIError(err)) throw err;
    // V8 describes a cycle over several lines ("--> starting at object with constructor 'Object'", ...): the
    // message names it in one line, V8's path around the cycle goes to details.
    const [first, ...more] = String((err as Error).message).split("\n");
    if (/circular/i.test(first ?? "")) {
      throw handlerMistake(
        "returned a CNI result that refers back to itself (a cycle), which JSON cannot hold",
        more.length === 0 ? undefined : more.map((line) => line.trim()).join("\n"),
      );
    }
    throw handlerMistake(`returned a CNI result that cannot be written as JSON: ${first}`);
  }
  if (nonce === undefined) return text;
  const marker = new RegExp(`"${nonce}([0-9]+)"`, "g");
  return text.replace(marker, (_m, i: string) => exact[Number(i)] as string);
}
