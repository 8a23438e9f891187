// Issue 21, "Dependencies point one way": every import in src/ (static,
// `import type`, `export ... from`, `import()` expressions and `import("x")`
// types) goes to the module's own layer or a lower one, and no two modules
// import each other, directly or through others. The checker is run on the
// real tree and, to show it can fail, on small graphs that break each rule.

import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  type ImportEdge,
  importCycles,
  importGraph,
  importsOf,
  type Layer,
  type LayerException,
  layerViolations,
  sourceFiles,
} from "./_imports.js";

const ROOT = path.join(import.meta.dirname, "../..");

/**
 * The layers, lowest first. A module imports only from its own layer or a
 * lower one; `kubelet/` and `dra/` share a rank as peers and import nothing
 * of each other. The entry files (`src/*.ts`) sit above `roles/`, the CLI on top.
 */
const LAYERS: readonly (readonly [folder: string, rank: number])[] = [
  ["base", 0], // argument checks, errors, issues, the wait loop
  ["format", 1], // the device-info document: Go's JSON, validation, serialisation
  ["files", 2], // paths and the file protocol
  ["status", 3], // CNI results, network-status, the workload's readers
  ["kubelet", 4], // PodResources API and checkpoint
  ["dra", 4], // DRA device metadata and claims
  ["roles", 5], // device plugin, meta-plugin, CNI plugin
  ["entries", 6], // src/*.ts: the package entries
  ["cli", 7],
];

/**
 * The only imports against the layer order, each named with its reason. A
 * lazy load is the only kind allowed: its module is not loaded until called.
 */
const EXCEPTIONS: readonly LayerException[] = [
  {
    from: "src/roles/meta-plugin.ts",
    to: "src/kubelet.ts",
    kind: "dynamic",
    why: "prepareDeviceInfo({ pod }) loads devinfo/kubelet (and gRPC) only when asked; the build keeps it a sibling bundle",
  },
];

function layerOf(file: string): Layer {
  const match = /^src\/([^/]+)\//.exec(file);
  const name = match === null ? "entries" : (match[1] as string);
  const layer = LAYERS.find(([folder]) => folder === name);
  if (layer === undefined) throw new Error(`${file}: folder src/${name}/ is in no layer; add it to LAYERS`);
  return { name, rank: layer[1] };
}

const files = sourceFiles(ROOT, "src");
const edges = importGraph(ROOT, files);

describe("the import graph of src/", () => {
  it("is read: every module, every import form", () => {
    expect(files.length).toBeGreaterThan(50);
    const kinds = new Set(edges.map((e) => e.kind));
    // The tree uses each form; if one disappears, the parser is still checked by the synthetic cases below.
    for (const kind of ["static", "type", "export", "dynamic"] as const) expect(kinds).toContain(kind);
  });

  it("has no import against the layer order (base → format → files → status → kubelet | dra → roles → entries → cli)", () => {
    expect(layerViolations(edges, layerOf, EXCEPTIONS)).toEqual([]);
  });

  it("has no cycle between modules (type imports included)", () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it.each(EXCEPTIONS)("exception $from → $to ($kind) is still needed", (exception) => {
    expect(edges.some((e) => e.from === exception.from && e.to === exception.to && e.kind === exception.kind)).toBe(true);
  });
});

describe("the checker catches what it must", () => {
  it("reads every import form, type-only ones included", () => {
    const text = [
      'import { a } from "./a.js";',
      'import type { B } from "./b.js";',
      'import { type C } from "./c.js";',
      'import { d, type D } from "./d.js";',
      'import "./e.js";',
      'export { f } from "./f.js";',
      'export type { G } from "./g.js";',
      'export * from "./h.js";',
      'const i = await import("./i.js");',
      'let j: import("./j.js").J;',
      'type K = typeof import("./k.js");',
      'import fs from "node:fs";',
    ].join("\n");
    expect(importsOf(text).map(({ specifier, kind }) => `${specifier} ${kind}`)).toEqual([
      "./a.js static",
      "./b.js type",
      "./c.js type",
      "./d.js static",
      "./e.js static",
      "./f.js export",
      "./g.js type",
      "./h.js export",
      "./i.js dynamic",
      "./j.js type-query",
      "./k.js type-query",
      "node:fs static",
    ]);
  });

  const edge = (from: string, to: string, kind: ImportEdge["kind"] = "static"): ImportEdge => ({ from, to, kind, line: 1 });

  it.each<[string, ImportEdge, boolean]>([
    ["lower layer", edge("src/files/x.ts", "src/format/y.ts"), true],
    ["same folder", edge("src/status/x.ts", "src/status/y.ts"), true],
    ["base from anywhere", edge("src/cli/x.ts", "src/base/args.ts"), true],
    ["a package", edge("src/base/x.ts", "zod"), true],
    ["upward (a type import)", edge("src/format/x.ts", "src/files/y.ts", "type"), false],
    ["upward (an import() type)", edge("src/base/x.ts", "src/status/y.ts", "type-query"), false],
    ["upward to an entry", edge("src/roles/x.ts", "src/kubelet.ts", "type"), false],
    ["peer kubelet → dra", edge("src/kubelet/x.ts", "src/dra/y.ts"), false],
    ["peer dra → kubelet", edge("src/dra/x.ts", "src/kubelet/y.ts", "type"), false],
    ["the named lazy load", edge("src/roles/meta-plugin.ts", "src/kubelet.ts", "dynamic"), true],
    ["the named module, not lazily", edge("src/roles/meta-plugin.ts", "src/kubelet.ts", "static"), false],
  ])("%s", (_name, e, allowed) => {
    expect(layerViolations([e], layerOf, EXCEPTIONS)).toEqual(allowed ? [] : [expect.stringContaining(e.to)]);
  });

  it("finds a cycle of type imports through several modules, and a module importing itself", () => {
    const graph = [
      edge("src/a.ts", "src/files/b.ts", "type"),
      edge("src/files/b.ts", "src/format/c.ts"),
      edge("src/format/c.ts", "src/a.ts", "type"),
      edge("src/format/c.ts", "src/base/d.ts"),
      edge("src/base/e.ts", "src/base/e.ts"),
    ];
    expect(importCycles(graph)).toEqual([["src/a.ts", "src/files/b.ts", "src/format/c.ts"], ["src/base/e.ts"]]);
    expect(importCycles(graph.slice(1))).toEqual([["src/base/e.ts"]]);
  });
});
