/**
 * The CLI never tells its reader to pass a library option: every message
 * literal in src/ (outside the CLI) that names an option is reworded by
 * toCliWords, which this test checks over the sources themselves, so that
 * a new library message cannot slip through.
 */

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { toCliWords } from "../../src/cli/_messages.js";
import { DOCS, devinfo, put, REPO_ROOT, useTempDir } from "./_helpers.js";

/** Option names of the library's functions, and the object spelling of its boolean options. */
const OPTION = /\b(maxBytes|lockStaleMs|lockTimeoutMs|timeoutMs|baseDir|onWarning)\b|\{ ?(strict|overwrite|durable) ?:/;

/** Messages the CLI cannot print: API misuse of functions it calls with fixed, valid values. */
const UNREACHABLE = [/^timeoutMs must be a number/];

function* sources(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== "cli") yield* sources(file);
    else if (entry.isFile() && entry.name.endsWith(".ts")) yield file;
  }
}

/** String and template literals on code lines (not comments), with `${…}` taken out. */
function messageLiterals(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const code = line.trim();
    if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) continue;
    for (const match of code.matchAll(/`((?:[^`\\]|\\.)*)`|"((?:[^"\\]|\\.)*)"/g)) {
      const literal = (match[1] ?? match[2] ?? "").replace(/\$\{[^}]*\}/g, "X");
      // Misuse messages name the argument (`options.maxBytes`); the CLI's calls are fixed and valid.
      if (literal.includes(" ") && !literal.includes("options.")) out.push(literal);
    }
  }
  return out;
}

describe("library messages, as the CLI prints them", () => {
  const found = [...sources(path.join(REPO_ROOT, "src"))].flatMap((file) =>
    messageLiterals(fs.readFileSync(file, "utf8"))
      .filter((m) => OPTION.test(m) && !UNREACHABLE.some((u) => u.test(m)))
      .map((message) => ({ file: path.relative(REPO_ROOT, file), message })),
  );

  it("the scan finds the messages it is meant to find", () => {
    expect(found.map((f) => f.message).join("\n")).toContain("pass { overwrite: true }");
    expect(found.map((f) => f.message).join("\n")).toContain("maxBytes");
  });

  it.each(found)("$file: $message", ({ message }) => {
    expect(toCliWords(message)).not.toMatch(OPTION);
  });

  const tmp = useTempDir();
  it("show on a 10 MB file: the limit, and no option the CLI lacks", () => {
    put(tmp.join("cni", "big"), `{"type":"pci","x":"${"a".repeat(10_000_000)}"}`);
    const run = devinfo(["show", "--base-dir", tmp.path, "big"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^devinfo: .*big is \d+ bytes, over the \d+-byte limit.*; is this the right file\?\n$/);
    expect(run.stderr).not.toMatch(OPTION);
  });

  it("write over an existing file names --overwrite", () => {
    put(tmp.join("cni", "x"), DOCS.pci);
    const run = devinfo([
      "write",
      "cni",
      "x",
      "--base-dir",
      tmp.path,
      "--type",
      "memif",
      "--role",
      "master",
      "--path",
      "/m",
      "--mode",
      "ip",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("pass --overwrite to replace it");
  });
});
