// Every ```ts block of README.md compiles as written, as a consumer's strict TypeScript sees it:
// each block is its own module in a temp project whose node_modules/devinfo is this package, so
// `devinfo` and `devinfo/*` resolve through package.json `exports` to the built dist/*.d.ts.
// One tsc run over all blocks; a failure names the block (its heading and README line).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

interface Snippet {
  /** README line of the first code line (1-based). */
  line: number;
  heading: string;
  code: string;
}

function extractTsBlocks(markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const blocks: Snippet[] = [];
  let heading = "(top)";
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? "";
    if (/^#{1,6} /.test(text)) heading = text.replace(/^#+ /, "");
    if (!/^```ts\s*$/.test(text)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? "")) end++;
    blocks.push({ line: start + 1, heading, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return blocks;
}

const snippets = extractTsBlocks(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
let dir = "";

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-readme-"));
  fs.mkdirSync(path.join(dir, "node_modules", "@types"), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, "node_modules", "devinfo"), "dir");
  fs.symlinkSync(path.join(ROOT, "node_modules", "@types", "node"), path.join(dir, "node_modules", "@types", "node"), "dir");
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: "es2022",
    module: "nodenext",
    moduleResolution: "nodenext",
    types: ["node"],
    skipLibCheck: false,
  };
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["snippet-*.ts"] }));
  snippets.forEach((s, i) => {
    fs.writeFileSync(path.join(dir, snippetFile(i)), s.code);
  });
});

afterAll(() => {
  if (dir !== "") fs.rmSync(dir, { recursive: true, force: true });
});

const snippetFile = (i: number) => `snippet-${String(i).padStart(2, "0")}.ts`;

describe("README.md ts snippets", () => {
  it("has ts snippets to check", () => {
    expect(snippets.length).toBeGreaterThan(5);
  });

  it("every snippet typechecks under strict against the built package", () => {
    expect(fs.existsSync(path.join(ROOT, "dist", "index.d.ts")), "run `npm run build` first").toBe(true);
    let output = "";
    try {
      execFileSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir, "--pretty", "false"], {
        cwd: dir,
        encoding: "utf8",
        stdio: "pipe",
      });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // snippet-NN.ts(line,col): error TSxxxx: message  →  README.md:<line> (<heading>): message
    const problems = output
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => {
        const m = /^snippet-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(l);
        if (m === null) return l;
        const s = snippets[Number(m[1])];
        if (s === undefined) return l;
        return `README.md:${s.line + Number(m[2]) - 1}:${m[3]} (snippet under "${s.heading}", starting at line ${s.line}): ${m[4]}`;
      });
    if (problems.length > 0) throw new Error(`README ts snippets that do not compile:\n${problems.join("\n")}`);
  }, 120_000);
});
