// The import graph of src/ and the rules it must follow (issue 21,
// "Dependencies point one way"), as plain functions over a graph so that the
// test can run them on the real tree and on small synthetic graphs alike.

import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

/** How a module refers to another. */
export type ImportKind =
  | "static" // import ... from / import "x"
  | "type" // import type ... from, or every name of the clause `type`
  | "export" // export ... from
  | "dynamic" // import("x") as an expression
  | "type-query"; // import("x").T in a type position

/** One import of one module: `to` is resolved (a path relative to the root), or a bare specifier. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: ImportKind;
  readonly line: number;
}

/**
 * Every import of a TypeScript source text, of every form: static,
 * `import type`, `export ... from`, `import()` expressions and `import("x")`
 * types. Specifiers only, unresolved.
 */
export function importsOf(text: string, fileName = "module.ts"): { specifier: string; kind: ImportKind; line: number }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: { specifier: string; kind: ImportKind; line: number }[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, kind: ImportKind) => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return;
    found.push({ specifier: specifier.text, kind, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, typeOnly ? "type" : "static");
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly ? "type" : "export");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression, "static");
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], "dynamic");
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(node, arg.literal, "type-query");
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every `.ts` file under `dir`, as paths relative to `root` with `/` separators, sorted. */
export function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path.relative(root, full).split(path.sep).join("/"));
    }
  };
  walk(path.join(root, dir));
  return out.sort();
}

/** The import graph of the files: relative specifiers resolved to files (`./x.js` → `x.ts`), bare ones kept as written. */
export function importGraph(root: string, files: readonly string[]): ImportEdge[] {
  const known = new Set(files);
  const edges: ImportEdge[] = [];
  for (const from of files) {
    for (const { specifier, kind, line } of importsOf(fs.readFileSync(path.join(root, from), "utf8"), from)) {
      if (!specifier.startsWith(".")) {
        edges.push({ from, to: specifier, kind, line });
        continue;
      }
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
      const candidates = [target.replace(/\.js$/, ".ts"), `${target}.ts`, `${target}/index.ts`];
      const to = candidates.find((c) => known.has(c));
      if (to === undefined) throw new Error(`${from}:${line}: cannot resolve ${JSON.stringify(specifier)}`);
      edges.push({ from, to, kind, line });
    }
  }
  return edges;
}

/** A layer: a rank (imports go to the same or a lower rank) and a group (peers of one rank import nothing of each other). */
export interface Layer {
  readonly name: string;
  readonly rank: number;
}

/** An import allowed against the layer order, by name. */
export interface LayerException {
  readonly from: string;
  readonly to: string;
  readonly kind: ImportKind;
  readonly why: string;
}

/**
 * Imports against the layer order: to a higher rank, or to a peer of the same
 * rank in another layer. Bare specifiers (packages, `node:*`) are not layered.
 */
export function layerViolations(
  edges: readonly ImportEdge[],
  layerOf: (file: string) => Layer,
  exceptions: readonly LayerException[] = [],
): string[] {
  const out: string[] = [];
  for (const edge of edges) {
    if (!edge.to.startsWith("src/")) continue;
    const from = layerOf(edge.from);
    const to = layerOf(edge.to);
    const allowed = to.rank < from.rank || (to.rank === from.rank && to.name === from.name);
    if (allowed) continue;
    if (exceptions.some((e) => e.from === edge.from && e.to === edge.to && e.kind === edge.kind)) continue;
    out.push(`${edge.from}:${edge.line} (${from.name}) imports ${edge.to} (${to.name}) [${edge.kind}]`);
  }
  return out;
}

/**
 * The import cycles between modules (strongly connected components of more
 * than one module, or a module importing itself), each as its modules sorted.
 * Type imports count: a cycle of types is still two modules that cannot be
 * understood apart.
 */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    if (!to.startsWith("src/")) continue; // packages and node:* take no part in a cycle of ours
    const set = next.get(from) ?? new Set<string>();
    next.set(from, set);
    set.add(to);
  }
  // Tarjan's strongly connected components, iteratively deep enough for src/.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!indexOf.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, indexOf.get(w) as number));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)?.has(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!indexOf.has(v)) connect(v);
  return cycles;
}
