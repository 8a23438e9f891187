import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/_command.js";
import { main } from "../../src/cli/cli.js";
import { DOCS, devinfo, devinfoInTerminal, put, useTempDir } from "./_helpers.js";

const COMMANDS = ["demo", "ls", "show", "validate", "status", "schema", "write", "copy", "rm", "gc", "version"] as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is looked for
const ANSI = /\u001b\[/;

describe("devinfo (no command, help)", () => {
  it("no command is a usage error: the overview on stderr, exit 2", () => {
    const run = devinfo([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.startsWith("devinfo: no command given; choose one below\n")).toBe(true);
    expect(run.stderr.slice(run.stderr.indexOf("\n") + 1)).toBe(devinfo(["--help"]).stdout);
  });

  it.each([[["--help"]], [["-h"]], [["help"]]])("%j prints the overview and exits 0", (args) => {
    const run = devinfo(args);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    for (const name of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
    expect(run.stdout).toContain('Use "devinfo <command> --help"');
  });

  it.each(COMMANDS)("%s --help prints kubectl-style help and exits 0", (name) => {
    const run = devinfo([name, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    // Description first, then the sections kubectl prints, in its order.
    const sections = ["Options:", "Usage:"].map((s) => run.stdout.indexOf(`\n${s}\n`));
    expect(sections.every((i) => i > 0)).toBe(true);
    expect(sections).toEqual([...sections].sort((a, b) => a - b));
    expect(run.stdout).toMatch(new RegExp(`^  devinfo ${name}\\b`, "m"));
    expect(run.stdout).toMatch(/^ {4}-h, --help=false:\n\tShow this help\.$/m);
    // The same text as `devinfo help <command>`.
    expect(devinfo(["help", name]).stdout).toBe(run.stdout);
  });

  it.each(["ls", "show", "write", "copy", "rm", "gc"])("%s documents --base-dir with its default", (name) => {
    expect(devinfo([name, "--help"]).stdout).toContain("--base-dir='/var/run/k8s.cni.cncf.io/devinfo':");
  });

  it("--version and version agree and name the spec version", () => {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const run = devinfo(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`devinfo ${pkg.version} (Device Information Specification 1.1.0`);
    expect(JSON.parse(devinfo(["version", "--json"]).stdout)).toMatchObject({ version: pkg.version, specVersion: "1.1.0" });
  });
});

describe("boolean flags take what help shows (--json=false)", () => {
  const tmp = useTempDir();
  it.each([
    { flags: ["--json"], json: true },
    { flags: ["--json=true"], json: true },
    { flags: ["--json=false"], json: false },
    { flags: ["--json", "--json=false"], json: false },
    { flags: ["--json=false", "--json"], json: true },
    { flags: [], json: false },
  ])("$flags", ({ flags, json }) => {
    put(tmp.join("cni", "x"), DOCS.pci);
    const run = devinfo(["ls", "--base-dir", tmp.path, ...flags]);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith(json ? "[" : "KIND")).toBe(true);
  });

  it("a string option's value and everything after -- are never taken for a flag", () => {
    put(tmp.join("cni", "--json=true"), DOCS.pci);
    const run = devinfo(["validate", "--base-dir", tmp.path, "--", "--json=true"]);
    expect(run).toEqual({ code: 0, stdout: "--json=true: ok\n", stderr: "" });
    expect(devinfo(["validate", "--strict=true", "-"], { input: '{"type":"pci","version":"1.1.0","pci":{}}' }).code).toBe(1);
    expect(devinfo(["validate", "--strict=false", "-"], { input: '{"type":"pci","version":"1.1.0","pci":{}}' }).code).toBe(0);
  });
});

describe("usage errors exit 2 with a pointer to the help", () => {
  it.each([
    { args: ["lss"], message: 'devinfo: unknown command "lss"; did you mean "ls"?', see: "devinfo --help" },
    { args: ["--json"], message: 'devinfo: unknown command "--json"; options come after the command', see: "devinfo --help" },
    { args: ["ls", "--bogus"], message: "devinfo: unknown option --bogus", see: "devinfo ls --help" },
    { args: ["ls", "--base-dir"], message: "devinfo: option --base-dir needs a value", see: "devinfo ls --help" },
    {
      args: ["ls", "--json=yes"],
      message: 'devinfo: option --json takes no value, or =true or =false; got "yes"',
      see: "devinfo ls --help",
    },
    { args: ["ls", "extra"], message: 'devinfo: devinfo ls takes no arguments; got "extra"', see: "devinfo ls --help" },
    { args: ["validate"], message: "devinfo: devinfo validate needs at least one FILE (or - for stdin)", see: "devinfo validate --help" },
    {
      args: ["copy", "a/b"],
      message: "devinfo: devinfo copy needs RESOURCE DEVICE NAME|PATH; missing DEVICE NAME|PATH",
      see: "devinfo copy --help",
    },
    {
      args: ["gc", "--older-than", "10"],
      message: 'devinfo: --older-than: "10" is not a duration; write e.g. 30s, 10m, 2h or 7d',
      see: "devinfo gc --help",
    },
  ])("$args", ({ args, message, see }) => {
    const run = devinfo(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`${message}\nSee '${see}' for usage.\n`);
  });
});

describe("failures exit 1 with `devinfo: <message>` on stderr", () => {
  const tmp = useTempDir();

  it("a missing file", () => {
    const run = devinfo(["show", "--base-dir", tmp.path, "nothing-here"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(
      /^devinfo: no device-info file named "nothing-here" \(looked for .*"devinfo ls" lists the names, and a file in the working directory is \.\/nothing-here\n$/,
    );
  });

  it("library advice is phrased as flags", () => {
    const args = ["write", "dp", "x/y", "dev0", "--base-dir", tmp.path, "--type", "pci", "--pci-address", "nonsense"];
    expect(devinfo(args).code).toBe(1); // not a PCI address: refused by the strict writer
    expect(devinfo(args).stderr).toContain("or pass --lenient to write deviations");
    expect(devinfo([...args, "--lenient"]).code).toBe(0);
    const again = devinfo([...args, "--lenient"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("or pass --overwrite to replace it");
    expect(again.stderr).not.toContain("{ ");
  });
});

describe("colour: only on a terminal, never with NO_COLOR", () => {
  const tmp = useTempDir();
  const bad = () => put(tmp.join("bad.json"), '{"type":"pci","version":"v1","pci":{}}');

  it("none when stdout is a pipe", () => {
    expect(devinfo(["validate", bad()]).stdout).not.toMatch(ANSI);
  });

  it("on a terminal", () => {
    const run = devinfoInTerminal(["validate", bad()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(ANSI);
    expect(run.stdout).toContain("\u001b[33mwarning\u001b[39m");
  });

  it.each([{ NO_COLOR: "1" }, { TERM: "dumb" }])("not on a terminal with %j", (env) => {
    const run = devinfoInTerminal(["validate", bad()], env);
    expect(run.stdout).toContain("warning");
    expect(run.stdout).not.toMatch(ANSI);
  });

  it("FORCE_COLOR forces it through a pipe, NO_COLOR still wins", () => {
    expect(devinfo(["validate", bad()], { env: { FORCE_COLOR: "1" } }).stdout).toMatch(ANSI);
    expect(devinfo(["validate", bad()], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }).stdout).not.toMatch(ANSI);
  });
});

describe("main(argv, io) in process", () => {
  function fakeIO(input = ""): { io: CliIO; stdout: () => string; stderr: () => string } {
    let out = "";
    let err = "";
    const io: CliIO = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      stdin: (async function* () {
        yield Buffer.from(input);
      })(),
      env: {},
    };
    return { io, stdout: () => out, stderr: () => err };
  }

  it("returns exit codes instead of exiting", async () => {
    const ok = fakeIO(DOCS.pci);
    expect(await main(["validate", "-"], ok.io)).toBe(0);
    expect(ok.stdout()).toBe("<stdin>: ok\n");
    const usage = fakeIO();
    expect(await main(["nope"], usage.io)).toBe(2);
    expect(usage.stderr()).toContain('unknown command "nope"');
    const failure = fakeIO("{");
    expect(await main(["validate", "-"], failure.io)).toBe(1);
  });
});

describe("start-up cost: heavy packages are loaded only where needed", () => {
  const tmp = useTempDir();
  // Logs every bare specifier the CLI resolves, through a module hook.
  const hook = `data:text/javascript,${encodeURIComponent(`
    import { register } from "node:module";
    register("data:text/javascript,${encodeURIComponent(
      `export async function resolve(s, c, next) { if (!s.startsWith(".") && !s.startsWith("node:") && !s.startsWith("file:") && !s.startsWith("data:")) process.stderr.write("RESOLVE " + s + "\\n"); return next(s, c); }`,
    )}");
  `)}`;
  const loaded = (args: string[]) =>
    devinfo(args, { nodeArgs: ["--import", hook], input: DOCS.pci })
      .stderr.split("\n")
      .filter((l) => l.startsWith("RESOLVE "))
      .map((l) => l.slice(8));

  it.each([["validate", "-"], ["ls"], ["gc", "--dry-run"], ["--help"]])("%s loads no package", (...args) => {
    expect(loaded([...args, ...(args[0] === "ls" || args[0] === "gc" ? ["--base-dir", tmp.path] : [])])).toEqual([]);
  });

  it("schema loads zod", () => {
    expect(loaded(["schema"])).toContain("zod");
  });
});
