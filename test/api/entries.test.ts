// The per-role entries (devinfo/cni-plugin, device-plugin, meta-plugin,
// network-status, workload): each a subset of the root entry, the same
// functions under the same names, and as light as it (no zod, no gRPC).

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.join(import.meta.dirname, "../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  exports: Record<string, string | { types: string; default: string }>;
  files: string[];
};
const ROLES = ["./cni-plugin", "./device-plugin", "./meta-plugin", "./network-status", "./workload"];
const load = async (file: string) => (await import(pathToFileURL(path.join(ROOT, file)).href)) as Record<string, unknown>;
const entryOf = (key: string) => pkg.exports[key] as { types: string; default: string };

describe("per-role entries", () => {
  it.each(ROLES)("%s is listed with its types, shipped, and built", (key) => {
    const { types, default: js } = entryOf(key);
    expect(types).toBe(`./dist/${key.slice(2)}.d.ts`);
    expect(pkg.files).toContain(js.slice(2));
    expect(fs.existsSync(path.join(ROOT, js))).toBe(true);
    expect(fs.existsSync(path.join(ROOT, types))).toBe(true);
  });

  it.each(ROLES)("%s exports only names of the root entry, of the same kind", async (key) => {
    const root = await load(entryOf(".").default);
    const role = await load(entryOf(key).default);
    expect(Object.keys(role).length).toBeGreaterThan(3);
    for (const [name, value] of Object.entries(role)) {
      expect(Object.hasOwn(root, name), `${key} exports ${name}, which the root does not`).toBe(true);
      expect(typeof value).toBe(typeof root[name]);
      if (typeof value !== "function" && typeof value !== "object") expect(value).toEqual(root[name]);
    }
  });

  it.each(ROLES)("%s loads neither zod nor gRPC at import time", (key) => {
    const bundle = fs.readFileSync(path.join(ROOT, entryOf(key).default), "utf8");
    expect(bundle).not.toMatch(/from\s*"zod"|import\("zod"\)|@grpc\/grpc-js|protobufjs/);
  });
});

// Issue 21: each name is listed once among the entry files (src/*.ts); an entry that shares names with
// another re-exports a common list (src/_errors.ts, ...) with `export *`, and index.ts is the union.
describe("the entry files' lists", () => {
  const SRC = path.join(ROOT, "src");
  const lists = fs
    .readdirSync(SRC)
    .filter((f) => f.endsWith(".ts") && f !== "_options.ts")
    .map((f) => [f, fs.readFileSync(path.join(SRC, f), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "")] as const);

  it("name each export once, in one file", () => {
    const where = new Map<string, string[]>();
    for (const [file, text] of lists) {
      for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from/g)) {
        for (const item of (m[1] ?? "").split(",")) {
          const name = item
            .trim()
            .replace(/^type\s+/, "")
            .split(/\s+as\s+/)
            .pop();
          if (name) where.set(name, [...(where.get(name) ?? []), file]);
        }
      }
    }
    expect(where.size).toBeGreaterThan(150);
    expect([...where].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  it("make index.ts the union of the role entries", () => {
    const index = lists.find(([file]) => file === "index.ts")?.[1] ?? "";
    const statements = index
      .split(";")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    expect(statements).toEqual(ROLES.map((key) => `export * from "./${key.slice(2)}.js"`));
  });
});
