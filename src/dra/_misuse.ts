/**
 * API misuse checks for the DRA helpers, following Node's own convention
 * (as `node:fs` does): a `TypeError` with `code: "ERR_INVALID_ARG_TYPE"` or
 * `"ERR_INVALID_ARG_VALUE"`, or a `RangeError` with `"ERR_OUT_OF_RANGE"`,
 * naming the argument. Kept small and local so that it can be switched to
 * the package-wide helpers without touching the callers' logic.
 */

function received(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `function ${value.name || "<anonymous>"}`;
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return Array.isArray(value) ? "an array" : name !== undefined && name !== "Object" ? `an instance of ${name}` : "an object";
  }
  if (typeof value === "string") return `type string (${JSON.stringify(value.length > 28 ? `${value.slice(0, 25)}...` : value)})`;
  return `type ${typeof value} (${String(value)})`;
}

function withCode<E extends Error>(error: E, code: string): E {
  Object.defineProperty(error, "code", { value: code, enumerable: true, writable: true, configurable: true });
  return error;
}

/** `ERR_INVALID_ARG_TYPE`: `name` must be `expected`. */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError {
  return withCode(new TypeError(`The "${name}" argument must be ${expected}. Received ${received(value)}`), "ERR_INVALID_ARG_TYPE");
}

/** `ERR_INVALID_ARG_VALUE`: `name` has the right type but a value that cannot work. */
export function invalidArgValue(name: string, reason: string, value: unknown): TypeError {
  return withCode(new TypeError(`The argument "${name}" ${reason}. Received ${received(value)}`), "ERR_INVALID_ARG_VALUE");
}

/** `ERR_OUT_OF_RANGE`. */
export function outOfRange(name: string, range: string, value: unknown): RangeError {
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${received(value)}`),
    "ERR_OUT_OF_RANGE",
  );
}

/** A plain object (`{}` literal, `Object.create(null)`, JSON). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `undefined` means "no options"; anything else must be a plain object. */
export function checkOptions<T extends object>(name: string, options: T | undefined): T | Record<string, never> {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw invalidArgType(name, "of type object", options);
  return options;
}

/** An optional string option. */
export function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  return value;
}

/** An optional boolean option. */
export function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalidArgType(name, "of type boolean", value);
  return value;
}

/** An optional integer option within `[min, max]`. */
export function optionalInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(name, `an integer >= ${min}${max === Number.MAX_SAFE_INTEGER ? "" : ` and <= ${max}`}`, value);
  }
  return value;
}

/** An optional function option. */
export function optionalFunction<F>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") throw invalidArgType(name, "of type function", value);
  return value as F;
}
