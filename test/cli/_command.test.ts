import { describe, expect, it } from "vitest";
import {
  baseDirOf,
  type Command,
  type Context,
  expectPositionals,
  parseCommandLine,
  renderHelp,
  stringOption,
  UsageError,
  wrap,
} from "../../src/cli/_command.js";

const COMMAND: Command = {
  name: "try",
  summary: "A command for the tests",
  description: "Try things.",
  usage: ["try [options] ARG..."],
  examples: [{ comment: "Try once", command: "devinfo try x" }],
  options: {
    json: { type: "boolean", default: "false", help: "JSON." },
    "base-dir": { type: "string", default: "/base", help: "Base." },
    file: { type: "string", short: "f", help: "A file." },
    tag: { type: "string", multiple: true, help: "Tags." },
  },
  run: () => 0,
};

const parse = (...argv: string[]) => parseCommandLine(COMMAND, argv);

describe("parseCommandLine", () => {
  it.each([
    { argv: [], values: {}, positionals: [] },
    { argv: ["--json"], values: { json: true }, positionals: [] },
    { argv: ["--json=true"], values: { json: true }, positionals: [] },
    { argv: ["--json=false"], values: {}, positionals: [] },
    { argv: ["--json", "--json=false"], values: {}, positionals: [] },
    {
      argv: ["a", "--file", "--json=true"],
      values: {},
      positionals: ["a"],
      error: 'option --file needs a value (write --file=VALUE for a value that starts with "-")',
    },
    { argv: ["--file=--json", "b"], values: { file: "--json" }, positionals: ["b"] },
    { argv: ["-f", "x.json", "--tag", "a", "--tag", "b"], values: { file: "x.json", tag: ["a", "b"] }, positionals: [] },
    { argv: ["--", "--json", "-f"], values: {}, positionals: ["--json", "-f"] },
  ])("$argv", ({ argv, values, positionals, error }) => {
    if (error !== undefined) {
      expect(() => parse(...argv)).toThrow(new UsageError(error));
      return;
    }
    expect(parse(...argv)).toEqual({ values, positionals, help: false });
  });

  it.each([
    [["--nope"], "unknown option --nope"],
    [["--file"], "option --file needs a value"],
    [["--json=yes"], 'option --json takes no value, or =true or =false; got "yes"'],
    [["--file", "-x"], 'option --file needs a value (write --file=VALUE for a value that starts with "-")'],
  ])("%j is a usage error: %s", (argv, message) => {
    expect(() => parse(...argv)).toThrow(new UsageError(message));
  });

  it("-h and --help ask for help and are not values", () => {
    expect(parse("-h").help).toBe(true);
    expect(parse("x", "--help=true")).toEqual({ values: {}, positionals: ["x"], help: true });
  });
});

describe("renderHelp", () => {
  it("description, examples, options with their defaults, usage, in kubectl's order", () => {
    expect(renderHelp(COMMAND)).toBe(
      [
        "Try things.",
        "",
        "Examples:",
        "  # Try once",
        "  devinfo try x",
        "",
        "Options:",
        "    --json=false:",
        "\tJSON.",
        "",
        "    --base-dir='/base':",
        "\tBase.",
        "",
        "    -f, --file:",
        "\tA file.",
        "",
        "    --tag:",
        "\tTags.",
        "",
        "    -h, --help=false:",
        "\tShow this help.",
        "",
        "Usage:",
        "  devinfo try [options] ARG...",
        "",
        'Use "devinfo --help" for the list of commands.',
        "",
      ].join("\n"),
    );
  });

  it("wrap breaks at word boundaries and keeps paragraphs", () => {
    expect(wrap("aa bb cc\ndd", 5)).toEqual(["aa bb", "cc", "dd"]);
    expect(wrap("averyveryverylongword x", 5)).toEqual(["averyveryverylongword", "x"]);
  });
});

function context(values: Record<string, string | boolean | string[] | undefined>, positionals: string[] = [], env = {}): Context {
  const stream = { write: () => undefined };
  return {
    io: { stdout: stream, stderr: stream, stdin: (async function* () {})(), env },
    out: undefined as never,
    err: undefined as never,
    values,
    positionals,
    commandName: "devinfo try",
  };
}

describe("baseDirOf: --base-dir, else $DEVINFO_BASE_DIR, else the production default", () => {
  it.each([
    { values: { "base-dir": "/flag" }, env: { DEVINFO_BASE_DIR: "/env" }, dir: "/flag" },
    { values: {}, env: { DEVINFO_BASE_DIR: "/env" }, dir: "/env" },
    { values: { "base-dir": "/flag" }, env: { DEVINFO_BASE_DIR: "" }, dir: "/flag" },
    { values: {}, env: {}, dir: "/var/run/k8s.cni.cncf.io/devinfo" },
  ])("$values $env: $dir", ({ values, env, dir }) => {
    expect(baseDirOf(context(values, [], env))).toBe(dir);
  });

  it("an empty --base-dir is a usage error", () => {
    expect(() => baseDirOf(context({ "base-dir": "" }))).toThrow(new UsageError("--base-dir needs a non-empty directory"));
  });

  it("an empty $DEVINFO_BASE_DIR is a usage error, never the production default", () => {
    expect(() => baseDirOf(context({}, [], { DEVINFO_BASE_DIR: "" }))).toThrow(UsageError);
    expect(() => baseDirOf(context({}, [], { DEVINFO_BASE_DIR: "" }))).toThrow(/^DEVINFO_BASE_DIR is set but empty/);
  });
});

describe("expectPositionals and stringOption", () => {
  it.each([
    { got: ["a", "b"], extra: "none" as const, result: ["a", "b"] },
    { got: ["a"], extra: "none" as const, error: "devinfo try needs X Y; missing Y" },
    { got: ["a", "b", "c"], extra: "none" as const, error: 'devinfo try: unexpected argument "c"' },
    { got: ["a", "b", "c"], extra: "many" as const, result: ["a", "b", "c"] },
  ])("$got ($extra)", ({ got, extra, result, error }) => {
    const run = () => expectPositionals(context({}, got), ["X", "Y"], extra);
    if (error !== undefined) expect(run).toThrow(new UsageError(error));
    else expect(run()).toEqual(result);
  });

  it("stringOption: strings only", () => {
    expect(stringOption({ a: "x", b: true, c: ["y"] }, "a")).toBe("x");
    expect(stringOption({ a: "x", b: true, c: ["y"] }, "b")).toBeUndefined();
    expect(stringOption({ a: "x", b: true, c: ["y"] }, "c")).toBeUndefined();
  });
});
