import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  checkAbortSignal,
  checkBoolean,
  checkFunction,
  checkInteger,
  checkNonEmptyString,
  checkNumber,
  checkObject,
  checkOneOf,
  checkOptions,
  checkString,
  describeReceived,
  invalidArgValue,
  isArgumentError,
} from "../../src/base/args.js";

// One of every kind of value a caller can pass by mistake.
const WRONG: [string, unknown][] = [
  ["a number", 5],
  ["NaN", Number.NaN],
  ["a negative number", -1],
  ["a string", "x"],
  ["a long string", "a".repeat(40)],
  ["null", null],
  ["undefined", undefined],
  ["an array", [1]],
  ["an object", { a: 1 }],
  ["a null-prototype object", Object.create(null)],
  ["a named function", function named() {}],
  [
    "an anonymous function",
    (
      () => () =>
        1
    )(),
  ],
  ["a bigint", 1n],
  ["a symbol", Symbol("s")],
  ["a boolean", true],
];

/** Node's own error for the same misuse: `util.promisify` checks its argument is a function. */
function nodeError(value: unknown): Error & { code?: string } {
  try {
    promisify(value as () => void);
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("promisify accepted a non-function");
}

function thrown(run: () => unknown): Error & { code?: string } {
  try {
    run();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("nothing was thrown");
}

describe("describeReceived", () => {
  it.each(WRONG.filter(([, v]) => typeof v !== "function"))("describes %s exactly as Node does", (_, value) => {
    const node = nodeError(value);
    expect(node.message).toBe(`The "original" argument must be of type function. Received ${describeReceived(value)}`);
  });
});

describe("checkFunction", () => {
  it.each(WRONG.filter(([, v]) => typeof v !== "function"))("refuses %s with Node's own error", (_, value) => {
    const ours = thrown(() => checkFunction(value, "original"));
    const node = nodeError(value);
    expect(ours).toBeInstanceOf(TypeError);
    expect({ code: ours.code, message: ours.message }).toEqual({ code: node.code, message: node.message });
  });

  it("accepts a function", () => {
    expect(() => checkFunction(() => 1, "f")).not.toThrow();
  });
});

type Check = (value: unknown, name: string) => void;

// [check, a good value, the expectation in the message]
const TYPE_CHECKS: [string, Check, unknown, string][] = [
  ["checkString", checkString, "", "of type string"],
  ["checkNonEmptyString", checkNonEmptyString, "x", "of type string"],
  ["checkBoolean", checkBoolean, false, "of type boolean"],
  ["checkObject", checkObject, {}, "of type object"],
  ["checkOptions", (v, n) => checkOptions(v as object, n), {}, "of type object"],
  ["checkNumber", checkNumber, 0, "of type number"],
  ["checkInteger", checkInteger, 0, "of type number"],
  ["checkOneOf", (v, n) => checkOneOf(v, n, ["keep", "drop"]), "keep", "of type string"],
  ["checkAbortSignal", checkAbortSignal, new AbortController().signal, "an instance of AbortSignal"],
];

// Each check's wrong-type cases: every WRONG value whose type differs from the good one.
const typeCases = TYPE_CHECKS.flatMap(([label, check, good, expected]) =>
  WRONG.filter(([, value]) => {
    if (label === "checkOptions" && value === undefined) return false; // no options
    if (typeof good === "object")
      return typeof value !== "object" || value === null || Array.isArray(value) || label === "checkAbortSignal";
    return typeof value !== typeof good;
  }).map(([what, value]) => [label, what, check, value, expected] as const),
);

describe("type checks", () => {
  it.each(typeCases)("%s refuses %s: TypeError ERR_INVALID_ARG_TYPE naming the argument", (_, __, check, value, expected) => {
    const error = thrown(() => check(value, "options.thing"));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(error.message).toBe(`The "options.thing" property must be ${expected}. Received ${describeReceived(value)}`);
    expect(isArgumentError(error)).toBe(true);
  });

  it.each(TYPE_CHECKS)("%s accepts its good value", (_, check, good) => {
    expect(() => check(good, "x")).not.toThrow();
  });

  it("says 'argument' for a plain name and 'property' for a dotted one", () => {
    expect(thrown(() => checkString(5, "deviceID")).message).toBe(
      'The "deviceID" argument must be of type string. Received type number (5)',
    );
    expect(thrown(() => checkString(5, "options.baseDir")).message).toMatch(/^The "options.baseDir" property /);
  });
});

describe("checkOptions", () => {
  it("returns undefined for no options and the object itself otherwise", () => {
    const options = { strict: true };
    expect(checkOptions(undefined)).toBeUndefined();
    expect(checkOptions(options)).toBe(options);
  });

  it.each([null, [], 5, "/tmp/mybase", () => 1])("refuses %o: never read as no options", (value) => {
    const error = thrown(() => checkOptions(value as object));
    expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(error.message).toMatch(/^The "options" argument must be of type object\. Received /);
  });
});

describe("value checks", () => {
  it.each<[string, () => unknown, string, string]>([
    [
      "an empty string",
      () => checkNonEmptyString("", "deviceID"),
      "ERR_INVALID_ARG_VALUE",
      "The argument 'deviceID' must be a non-empty string. Received ''",
    ],
    [
      "a value not in the set",
      () => checkOneOf("all", "options.unknownKeys", ["keep", "drop"]),
      "ERR_INVALID_ARG_VALUE",
      "The property 'options.unknownKeys' must be one of: 'keep', 'drop'. Received 'all'",
    ],
    [
      "a negative size",
      () => checkInteger(-1, "options.maxBytes"),
      "ERR_OUT_OF_RANGE",
      'The value of "options.maxBytes" is out of range. It must be >= 0 && <= 9007199254740991. Received -1',
    ],
    [
      "a NaN size",
      () => checkInteger(Number.NaN, "options.maxBytes"),
      "ERR_OUT_OF_RANGE",
      'The value of "options.maxBytes" is out of range. It must be an integer. Received NaN',
    ],
    [
      "a fractional size",
      () => checkInteger(1.5, "options.maxBytes"),
      "ERR_OUT_OF_RANGE",
      'The value of "options.maxBytes" is out of range. It must be an integer. Received 1.5',
    ],
    [
      "an infinite size",
      () => checkInteger(Number.POSITIVE_INFINITY, "options.maxBytes"),
      "ERR_OUT_OF_RANGE",
      'The value of "options.maxBytes" is out of range. It must be an integer. Received Infinity',
    ],
    [
      "a NaN duration",
      () => checkNumber(Number.NaN, "options.timeoutMs"),
      "ERR_OUT_OF_RANGE",
      'The value of "options.timeoutMs" is out of range. It must be >= 0 && <= 9007199254740991. Received NaN',
    ],
    [
      "a negative duration",
      () => checkNumber(-0.5, "options.timeoutMs"),
      "ERR_OUT_OF_RANGE",
      'The value of "options.timeoutMs" is out of range. It must be >= 0 && <= 9007199254740991. Received -0.5',
    ],
    [
      "a duration under a minimum",
      () => checkNumber(0, "options.intervalMs", 1, 60_000),
      "ERR_OUT_OF_RANGE",
      'The value of "options.intervalMs" is out of range. It must be >= 1 && <= 60000. Received 0',
    ],
  ])("refuses %s", (_, run, code, message) => {
    const error = thrown(run);
    expect(error).toBeInstanceOf(code === "ERR_OUT_OF_RANGE" ? RangeError : TypeError);
    expect({ code: error.code, message: error.message }).toEqual({ code, message });
  });

  it.each<[string, () => unknown]>([
    ["an integer at the bounds", () => [checkInteger(0, "n"), checkInteger(Number.MAX_SAFE_INTEGER, "n")]],
    ["a fractional duration", () => checkNumber(0.5, "ms")],
    ["a listed value", () => checkOneOf("drop", "k", ["keep", "drop"])],
  ])("accepts %s", (_, run) => {
    expect(run).not.toThrow();
  });

  it("cuts long values in ERR_INVALID_ARG_VALUE messages", () => {
    expect(invalidArgValue("x", "a".repeat(300)).message.length).toBeLessThan(200);
  });
});

describe("isArgumentError", () => {
  it.each<[string, unknown, boolean]>([
    ["our TypeError", thrown(() => checkString(1, "s")), true],
    ["Node's own", nodeError(5), true],
    ["a TypeError without a code", new TypeError("x"), false],
    ["an Error with the code", Object.assign(new Error("x"), { code: "ERR_INVALID_ARG_TYPE" }), false],
    ["a non-error", { code: "ERR_OUT_OF_RANGE" }, false],
  ])("%s → %s", (_, value, expected) => {
    expect(isArgumentError(value)).toBe(expected);
  });
});
