/**
 * The Go reference's recorded behaviour (`fixtures/go-reference/`), loaded
 * for table-driven tests. See `fixtures/README.md` for what each file holds.
 */

import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./run-node.js";

/** `fixtures/go-reference`. */
export const GO_REFERENCE_DIR = path.join(REPO_ROOT, "fixtures", "go-reference");

/** One `write/NAME.input.json` with what Go wrote for it (`undefined` when Go refused it). */
export interface WriteFixture {
  readonly name: string;
  /** The raw input text. */
  readonly input: string;
  /** Go's exact output bytes, as text. */
  readonly goOutput: string | undefined;
}

/** One case of `read.json`. */
export interface ReadFixture {
  readonly name: string;
  /** The file's exact bytes. */
  readonly bytes: Buffer;
  readonly result: "ok" | "error";
  /** `ok`: json.Marshal of what Go loaded; `error`: Go's error text. */
  readonly output: string;
}

/** One case of `paths.json`. */
export type PathFixture =
  | { readonly kind: "dp"; readonly resourceName: string; readonly deviceID: string; readonly path: string }
  | { readonly kind: "cni"; readonly name: string; readonly path: string };

/** Every `write/*.input.json`, sorted by name. */
export function writeFixtures(): WriteFixture[] {
  const dir = path.join(GO_REFERENCE_DIR, "write");
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".input.json"))
    .sort()
    .map((file) => {
      const name = file.slice(0, -".input.json".length);
      const out = path.join(dir, `${name}.go-output.json`);
      return {
        name,
        input: fs.readFileSync(path.join(dir, file), "utf8"),
        goOutput: fs.existsSync(out) ? fs.readFileSync(out, "utf8") : undefined,
      };
    });
}

/** Every case of `read.json`. */
export function readFixtures(): ReadFixture[] {
  const cases = JSON.parse(fs.readFileSync(path.join(GO_REFERENCE_DIR, "read.json"), "utf8")) as {
    name: string;
    file: string;
    result: "ok" | "error";
    output: string;
  }[];
  return cases.map((c) => ({
    name: c.name,
    bytes: fs.readFileSync(path.join(GO_REFERENCE_DIR, c.file)),
    result: c.result,
    output: c.output,
  }));
}

/** Every case of `paths.json` (computed by Go with the production base directory). */
export function pathFixtures(): PathFixture[] {
  return JSON.parse(fs.readFileSync(path.join(GO_REFERENCE_DIR, "paths.json"), "utf8")) as PathFixture[];
}

/**
 * Go 1.19 writes `\b` and `\f` as `\u0008` and `\u000c`, Go 1.22 and later as
 * `\b` and `\f`: both are Go's output. Normalises to the short form.
 */
export function normaliseGoControlEscapes(json: string): string {
  return json.replace(/\\(\\|u0008|u000c)/g, (match, name: string) => (name === "u0008" ? "\\b" : name === "u000c" ? "\\f" : match));
}
