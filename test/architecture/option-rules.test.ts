// Issue 21, "each options interface has its rule table beside it": every
// options interface of src/ has an `OptionRules<T>` table (the mapped type
// makes a forgotten option a compile error), every option name has one rule
// wherever it appears, and every name is a known option key.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { KNOWN_OPTION_KEYS, type OptionRule } from "../../src/base/args.js";
import { sourceFiles } from "./_imports.js";

const ROOT = path.join(import.meta.dirname, "../..");
const files = sourceFiles(ROOT, "src");
const text = new Map(files.map((f) => [f, fs.readFileSync(path.join(ROOT, f), "utf8")]));

/** Options interfaces of the engines and encoders, never given by a caller of the package (not exported by an entry). */
const INTERNAL_OPTIONS: Readonly<Record<string, string>> = {
  WriteOptions: "files/_atomic.ts: the engines' write flags, built from SaveOptions",
  LockOptions: "files/_lock.ts: the lock's timing, built from UpdateOptions",
  ReadRegularOptions: "files/_io.ts: the mounted-file reader's flags",
  GoMarshalOptions: "format/go-json.ts: the Go encoder's settings, fixed by each caller",
  CallOptions: "kubelet/_podresources-call.ts: the resolved KubeletOptions of one PodResources call",
};

/**
 * Option names whose rule differs between tables, each with its reason. The
 * kubelet's deadline is bounded to a day (a CNI ADD must not hang); the
 * waiters' timeout is any duration >= 0. Both accept fractions.
 */
const DIFFERENT_RULES: Readonly<Record<string, string>> = {
  timeoutMs: "KubeletOptions: the deadline of a CNI ADD's gRPC calls, 1 ms to 1 day; the waiters': >= 0",
};

const declared = [...text].flatMap(([file, source]) =>
  [...source.matchAll(/^export interface (\w+Options)\b/gm)].map((m) => ({ file, name: m[1] as string })),
);
const tabled = new Set([...text.values()].flatMap((source) => [...source.matchAll(/OptionRules<(\w+)>/g)].map((m) => m[1])));

// Every table, from every module that exports one (`*_OPTION_RULES`), loaded as the tests load the sources.
const tables: { where: string; rules: Record<string, OptionRule> }[] = [];
for (const file of files) {
  if (!/export const \w+_OPTION_RULES\b/.test(text.get(file) as string)) continue;
  const module = (await import(pathToFileURL(path.join(ROOT, file)).href)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(module)) {
    if (name.endsWith("_OPTION_RULES")) tables.push({ where: `${file}#${name}`, rules: value as Record<string, OptionRule> });
  }
}

describe("option rule tables", () => {
  it("are found", () => {
    expect(declared.length).toBeGreaterThan(20);
    expect(tables.length).toBeGreaterThan(20);
  });

  it.each(declared.filter((d) => !Object.hasOwn(INTERNAL_OPTIONS, d.name)))("$name ($file) has a rule table", ({ name }) => {
    expect(tabled).toContain(name);
  });

  it("have one rule per option name, wherever it appears", () => {
    const rulesByName = new Map<string, Map<OptionRule, string[]>>();
    for (const { where, rules } of tables) {
      for (const [key, rule] of Object.entries(rules)) {
        const byRule = rulesByName.get(key) ?? new Map<OptionRule, string[]>();
        rulesByName.set(key, byRule);
        byRule.set(rule, [...(byRule.get(rule) ?? []), where]);
      }
    }
    const differing = [...rulesByName]
      .filter(([key, byRule]) => byRule.size > 1 && !Object.hasOwn(DIFFERENT_RULES, key))
      .map(([key, byRule]) => `${key}: ${[...byRule.values()].map((w) => w.join(", ")).join(" | ")}`);
    expect(differing).toEqual([]);
  });

  it.each(Object.keys(DIFFERENT_RULES))("the named difference for %s is still there", (key) => {
    const rules = new Set(tables.flatMap(({ rules }) => (Object.hasOwn(rules, key) ? [rules[key]] : [])));
    expect(rules.size).toBeGreaterThan(1);
  });

  it("name only known option keys", () => {
    const unknown = tables.flatMap(({ where, rules }) =>
      Object.keys(rules)
        .filter((k) => !KNOWN_OPTION_KEYS.has(k))
        .map((k) => `${where}: ${k}`),
    );
    expect(unknown).toEqual([]);
  });
});
