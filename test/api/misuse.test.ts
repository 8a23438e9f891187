// Issue 10 K1: every function exported by every package entry (package.json
// `exports`, from the built dist/), called with every wrong kind of argument
// in every position and in every option of every options object. Nothing here
// names a function: an entry or a function added later is walked as it is.
//
// The parameters and their declared types come from the entries' .d.ts files
// (the TypeScript checker), the calls go to the bundles users run. A call
// may succeed (the value was of an accepted kind) or fail with:
// - Node's misuse convention: a TypeError/RangeError with `code`
//   ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE or ERR_OUT_OF_RANGE. It MUST
//   be this when the value's kind is not one the parameter's declared type
//   accepts, and when a number parameter or option gets NaN or a negative;
// - a DeviceInfoError, for a value of an accepted kind that is bad data, and
//   for the DATA parameters below whatever their kind.
// Never an untyped error ("x is not a function", "Cannot read properties of
// null"), never a hang, never a file under the default base directory.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_OPTION_KEYS } from "../../src/base/args.js";

const ROOT = path.join(import.meta.dirname, "../..");
const DEFAULT_BASE = "/var/run/k8s.cni.cncf.io";
const MISUSE_CODES = new Set(["ERR_INVALID_ARG_TYPE", "ERR_INVALID_ARG_VALUE", "ERR_OUT_OF_RANGE"]);

/**
 * Parameters (and options) that carry data, which the package validates as
 * data whatever its type: a value of the wrong kind is a DeviceInfoError
 * (`ERR_DEVINFO_INVALID` / `ERR_DEVINFO_PARSE`) with issues, exactly as the
 * same value read from a file or from JSON text would be. Documented in the
 * README's Errors section.
 */
const DATA: Readonly<Record<string, string>> = {
  input: "parseDeviceInfo: JSON text, bytes or the parsed value",
  value: "validateDeviceInfo: any value, validated",
  info: "a device-info document (Go's reference refuses a nil document the same way: fixture null-devinfo)",
  deviceInfo: "a device-info document to embed",
  fields: "the sub-objects of a partial device-info document (addDeviceInfoFields)",
  cniResult: "a CNI result: JSON text or its parsed value",
  statuses: "network-status entries, as parsed from an annotation",
  existing: "network-status entries, as parsed from an annotation",
  updates: "network-status entries, as parsed from an annotation",
  text: "annotation or Downward API text",
  netConf: "a CNI network configuration: JSON text, bytes or the parsed value",
  pluginConf: "a CNI plugin configuration: the parsed value",
  prevResult: "a CNI result, passed on as given",
  claim: "devinfo/dra: a ResourceClaim as the API server returns it (its fields are data, read leniently)",
};

// One of each kind of value a caller can pass by mistake.
const WRONG: readonly [string, () => unknown][] = [
  ["a number", () => 5],
  ["NaN", () => Number.NaN],
  ["a negative number", () => -1],
  ["a string", () => "x"],
  ["null", () => null],
  ["an array", () => []],
  ["a function", () => () => undefined],
  ["an object", () => ({})],
];

type Kind = "string" | "number" | "boolean" | "null" | "undefined" | "function" | "array" | "object" | "bigint" | "symbol";
const ALL_KINDS: ReadonlySet<Kind> = new Set([
  "string",
  "number",
  "boolean",
  "null",
  "undefined",
  "function",
  "array",
  "object",
  "bigint",
  "symbol",
]);

function kindOf(value: unknown): Kind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as Kind;
}

interface Param {
  name: string;
  optional: boolean;
  kinds: ReadonlySet<Kind>;
  /** The properties of an options-like object parameter (T or T | undefined, T an object type with named properties). */
  props: readonly Param[];
}

interface Fn {
  entry: string;
  name: string;
  isClass: boolean;
  params: readonly Param[];
  fn: (...args: unknown[]) => unknown;
}

// ---------------------------------------------------------------------------
// Reading the declarations

function readDeclarations(): {
  entry: string;
  js: string;
  signatures: Map<string, { isClass: boolean; params: Param[] }>;
  nested: Map<string, string[]>;
}[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    exports: Record<string, string | { types: string; default: string }>;
  };
  const entries = Object.entries(pkg.exports)
    .filter((e): e is [string, { types: string; default: string }] => typeof e[1] === "object")
    .map(([entry, { types, default: js }]) => ({ entry, dts: path.join(ROOT, types), js: path.join(ROOT, js) }));
  const program = ts.createProgram(
    entries.map((e) => e.dts),
    {
      strict: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: true,
      noEmit: true,
      types: ["node"],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    },
  );
  const checker = program.getTypeChecker();

  function kinds(type: ts.Type, depth = 0): Set<Kind> {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return new Set(ALL_KINDS);
    if (type.isUnion()) return new Set(type.types.flatMap((t) => [...kinds(t, depth)]));
    const out = new Set<Kind>();
    if (f & ts.TypeFlags.StringLike) out.add("string");
    if (f & ts.TypeFlags.NumberLike) out.add("number");
    if (f & ts.TypeFlags.BooleanLike) out.add("boolean");
    if (f & ts.TypeFlags.BigIntLike) out.add("bigint");
    if (f & ts.TypeFlags.ESSymbolLike) out.add("symbol");
    if (f & ts.TypeFlags.Null) out.add("null");
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) out.add("undefined");
    if (f & ts.TypeFlags.NonPrimitive) for (const k of ["object", "array", "function"] as const) out.add(k);
    if (f & ts.TypeFlags.Object || type.isIntersection()) {
      if (checker.isArrayType(type) || checker.isTupleType(type)) out.add("array");
      else if (type.getCallSignatures().length > 0) out.add("function");
      else out.add("object");
    }
    return out;
  }

  function param(symbol: ts.Symbol, location: ts.Node, withProps: boolean): Param {
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const type = checker.getTypeOfSymbolAtLocation(symbol, decl ?? location);
    const optional =
      (decl !== undefined &&
        (ts.isParameter(decl) || ts.isPropertySignature(decl)) &&
        (decl.questionToken !== undefined || (ts.isParameter(decl) && decl.initializer !== undefined))) ||
      kinds(type).has("undefined");
    const k = kinds(type);
    let props: Param[] = [];
    if (withProps) {
      const objectPart = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
      const only = objectPart.length === 1 ? objectPart[0] : undefined;
      if (only !== undefined && kinds(only).size === 1 && kinds(only).has("object")) {
        props = checker.getPropertiesOfType(only).map((p) => param(p, location, false));
      }
    }
    return { name: symbol.getName(), optional, kinds: k, props };
  }

  return entries.map(({ entry, dts, js }) => {
    const source = program.getSourceFile(dts);
    if (source === undefined) throw new Error(`no declarations for ${entry}: ${dts} (run npm run build)`);
    const module = checker.getSymbolAtLocation(source);
    const signatures = new Map<string, { isClass: boolean; params: Param[] }>();
    for (const exported of module === undefined ? [] : checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & ts.SymbolFlags.Value)) continue;
      const type = checker.getTypeOfSymbolAtLocation(symbol, source);
      const isClass = (symbol.flags & ts.SymbolFlags.Class) !== 0;
      const sigs = isClass ? type.getConstructSignatures() : type.getCallSignatures();
      const longest = [...sigs].sort((a, b) => b.getParameters().length - a.getParameters().length)[0];
      if (longest === undefined) continue;
      signatures.set(exported.getName(), { isClass, params: longest.getParameters().map((p) => param(p, source, true)) });
    }
    // Nested options objects, named by their exported type.
    const nested = new Map<string, string[]>();
    for (const exported of module === undefined ? [] : checker.getExportsOfModule(module)) {
      if (!NESTED_OPTION_TYPES.includes(exported.getName())) continue;
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      nested.set(
        exported.getName(),
        checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)).map((p) => p.getName()),
      );
    }
    return { entry, js, signatures, nested };
  });
}

/** The parameters that are options-like objects, whose keys must all be known to the library (R4). */
const OPTION_PARAMS: ReadonlySet<string> = new Set(["options", "io", "selector", "details"]);
/** Options objects nested in options: `options.kubelet` (KubeletOptions), `options.ready` (ReadyCondition). */
const NESTED_OPTION_TYPES = ["KubeletOptions", "ReadyCondition"];

// ---------------------------------------------------------------------------
// Valid arguments: by parameter name where the name says more than the type.

let tmp: string;
const base = () => path.join(tmp, "base");

const PCI = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
const VALID_BY_NAME: Readonly<Record<string, () => unknown>> = {
  resourceName: () => "example.com/nic",
  deviceID: () => "0000:af:06.0",
  cniPath: () => path.join(tmp, "cni-file"),
  path: () => path.join(tmp, "annotations"),
  baseDir: () => base(),
  info: () => structuredClone(PCI),
  deviceInfo: () => structuredClone(PCI),
  fields: () => ({ pci: { "representor-device": "pf0vf3" } }),
  fn: () => () => undefined,
  attachment: () => ({ network: "n", containerID: "c", ifName: "net1" }),
  request: () => ({ network: "n", containerID: "c", ifName: "net1" }),
  prepared: () => ({ cniPath: undefined }),
  statuses: () => [{ name: "n", interface: "net1" }],
  existing: () => [],
  updates: () => [],
  target: () => ({ network: "n" }),
  networkName: () => "n",
  cniResult: () => ({ cniVersion: "1.0.0", interfaces: [{ name: "net1", sandbox: "/x" }] }),
  text: () => "[]",
  netConf: () => ({ cniVersion: "1.0.0", name: "n", type: "t" }),
  pluginConf: () => ({ type: "t" }),
  plugin: () => ({ add: () => ({}), del: () => undefined }),
  io: () => ({ env: {}, stdin: new Uint8Array(), stdout: () => undefined }),
  timeoutMs: () => 0,
  ifName: () => "net1",
  capability: () => "CNIDeviceInfoFile",
};

function validFor(p: Param): unknown {
  const byName = VALID_BY_NAME[p.name];
  if (p.props.length > 0 && (byName === undefined || p.name === "options")) {
    // An options-like object: its required properties, and baseDir when it has one (never the default base).
    const out: Record<string, unknown> = {};
    for (const prop of p.props) if (!prop.optional || prop.name === "baseDir") out[prop.name] = validFor(prop);
    return out;
  }
  if (byName !== undefined) return byName();
  if (p.optional) return undefined;
  const k = p.kinds;
  if (k.has("string")) return "x";
  if (k.has("number")) return 0;
  if (k.has("boolean")) return false;
  if (k.has("function")) return () => undefined;
  if (k.has("array")) return [];
  if (k.has("object")) return {};
  return undefined;
}

// ---------------------------------------------------------------------------
// Calling

type Outcome = { ok: true } | { ok: false; error: unknown };

async function call(f: Fn, args: unknown[]): Promise<Outcome> {
  try {
    const value = f.isClass ? new (f.fn as unknown as new (...a: unknown[]) => unknown)(...args) : f.fn(...args);
    if (value instanceof Promise) {
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("HANG: no answer in 10 s")), 10_000);
      });
      try {
        await Promise.race([value, hang]);
      } finally {
        clearTimeout(timer);
      }
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name} [${String((error as { code?: unknown }).code)}]: ${error.message}`;
  return String(error);
}

const isMisuse = (e: unknown) =>
  (e instanceof TypeError || e instanceof RangeError) && MISUSE_CODES.has(String((e as { code?: unknown }).code));
const isDataError = (e: unknown) =>
  typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[Symbol.for("devinfo.DeviceInfoError")] === true;

/** What the outcome must be for `wrong` given where it went. */
function verdict(outcome: Outcome, where: Param, wrong: unknown, dataParam: boolean): string | undefined {
  const mustBeMisuse =
    !dataParam &&
    (!where.kinds.has(kindOf(wrong)) ||
      // A declared number (not `unknown`) is a size, a count or a duration: never NaN or negative.
      (typeof wrong === "number" && where.kinds.has("number") && where.kinds.size < ALL_KINDS.size && !(wrong >= 0)));
  if (outcome.ok) return mustBeMisuse ? "accepted it" : undefined;
  const { error } = outcome;
  if (isMisuse(error)) {
    const message = (error as Error).message;
    // The message names the argument, what was expected and what was received.
    if (!message.includes(where.name) || !/ Received /.test(message)) return `a misuse error that does not name ${where.name}: ${message}`;
    return undefined;
  }
  if (mustBeMisuse) return `not Node's misuse error: ${describeError(error)}`;
  if (isDataError(error)) return undefined;
  return `an untyped error: ${describeError(error)}`;
}

// ---------------------------------------------------------------------------

const functions: Fn[] = [];
const declaredOptionKeys = new Set<string>();
let cwd: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-misuse-"));
  // Relative paths (a string where a base directory goes) land here, never in the test's directory.
  cwd = process.cwd();
  process.chdir(tmp);
  for (const { entry, js, signatures, nested } of readDeclarations()) {
    for (const keys of nested.values()) for (const key of keys) declaredOptionKeys.add(key);
    for (const { params } of signatures.values()) {
      for (const p of params)
        if (OPTION_PARAMS.has(p.name) && !p.kinds.has("string")) for (const prop of p.props) declaredOptionKeys.add(prop.name);
    }
    const module = (await import(pathToFileURL(js).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== "function") continue;
      const signature = signatures.get(name);
      if (signature === undefined) throw new Error(`${entry} exports ${name} but its declarations do not`);
      functions.push({ entry, name, isClass: signature.isClass, params: signature.params, fn: value as Fn["fn"] });
    }
  }
}, 60_000);

afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("API misuse: every exported function, every wrong kind of argument", () => {
  it("finds the functions of every entry", () => {
    const entries = new Set(functions.map((f) => f.entry));
    expect(entries.has(".")).toBe(true);
    expect(functions.filter((f) => f.entry === ".").length).toBeGreaterThanOrEqual(50);
  });

  it("never crashes untyped, always names the argument, never touches the default base directory", { timeout: 300_000 }, async () => {
    expect(fs.existsSync(DEFAULT_BASE)).toBe(false);
    const faults: string[] = [];
    let calls = 0;
    for (const f of functions) {
      const label = `${f.entry === "." ? "devinfo" : `devinfo/${f.entry.slice(2)}`} ${f.isClass ? "new " : ""}${f.name}`;
      for (const [position, p] of f.params.entries()) {
        const dataParam = Object.hasOwn(DATA, p.name);
        for (const [what, make] of WRONG) {
          const args = f.params.map(validFor);
          const wrong = make();
          // An object where an options object goes is valid options (defaults and all): not a wrong value.
          if (p.props.length > 0 && !dataParam && p.kinds.has(kindOf(wrong))) continue;
          args[position] = wrong;
          calls++;
          const problem = verdict(await call(f, args), p, wrong, dataParam);
          if (problem !== undefined) faults.push(`${label}: ${p.name} = ${what}: ${problem}`);
          if (fs.existsSync(DEFAULT_BASE)) throw new Error(`${label}: ${p.name} = ${what} created ${DEFAULT_BASE}`);
        }
        if (dataParam) continue;
        for (const prop of p.props) {
          const dataProp = Object.hasOwn(DATA, prop.name);
          for (const [what, make] of WRONG) {
            const args = f.params.map(validFor);
            const wrong = make();
            args[position] = { ...(args[position] as object), [prop.name]: wrong };
            calls++;
            const problem = verdict(await call(f, args), { ...prop, name: `${p.name}.${prop.name}` }, wrong, dataProp);
            if (problem !== undefined) faults.push(`${label}: ${p.name}.${prop.name} = ${what}: ${problem}`);
            if (fs.existsSync(DEFAULT_BASE)) throw new Error(`${label}: ${p.name}.${prop.name} = ${what} created ${DEFAULT_BASE}`);
          }
        }
      }
    }
    expect(fs.existsSync(DEFAULT_BASE)).toBe(false);
    expect(calls).toBeGreaterThan(1000);
    expect(faults).toEqual([]);
  });
});

// Issue 19 R4: a misspelt option (`basedir`, `overwirte`) never falls back to
// a default (the default base directory is production's): every function of
// every entry refuses a key no function knows, naming it and the known key it
// resembles, before reading or writing anything. A key the library knows but
// the function does not use stays accepted.
describe("API misuse: unknown option keys", () => {
  it("the library's list of option keys is exactly what the declarations give its options objects", () => {
    expect(declaredOptionKeys.size).toBeGreaterThan(40);
    expect([...KNOWN_OPTION_KEYS].filter((k) => !declaredOptionKeys.has(k)).sort()).toEqual([]);
    expect([...declaredOptionKeys].filter((k) => !KNOWN_OPTION_KEYS.has(k)).sort()).toEqual([]);
  });

  const MISSPELT: readonly [key: string, value: unknown, suggestion: string | undefined][] = [
    ["basedir", "BASE", "baseDir"],
    ["overwirte", true, "overwrite"],
    ["BaseDir", "BASE", "baseDir"],
    ["timeout", 5, "timeoutMs"],
    ["onwarning", () => undefined, "onWarning"],
    ["sockett", "/x.sock", "socket"],
    ["zzzzqq", 1, undefined],
    ["constructor", "x", undefined],
  ];

  it.each(MISSPELT)(
    "every options object refuses %s, names it, and touches nothing",
    { timeout: 300_000 },
    async (key, value, suggestion) => {
      const faults: string[] = [];
      let calls = 0;
      const mine = path.join(tmp, `mine-${key}`);
      for (const f of functions) {
        for (const [position, p] of f.params.entries()) {
          // (CNIError's `details` is a string: only object-typed parameters are options.)
          if (!OPTION_PARAMS.has(p.name) || p.kinds.has("string")) continue;
          const args = f.params.map(validFor);
          args[position] = { ...((args[position] as object | undefined) ?? {}), [key]: value === "BASE" ? mine : value };
          calls++;
          const outcome = await call(f, args);
          const label = `${f.entry} ${f.name}(${p.name}.${key})`;
          if (outcome.ok) {
            faults.push(`${label}: accepted`);
            continue;
          }
          const error = outcome.error as Error & { code?: unknown };
          if (!(error instanceof TypeError) || error.code !== "ERR_INVALID_ARG_VALUE") faults.push(`${label}: ${describeError(error)}`);
          else if (!error.message.includes(`'${p.name}.${key}'`)) faults.push(`${label}: does not name the key: ${error.message}`);
          else if (suggestion !== undefined && !error.message.includes(`did you mean '${suggestion}'`))
            faults.push(`${label}: no hint: ${error.message}`);
          if (fs.existsSync(mine) || fs.existsSync(DEFAULT_BASE)) throw new Error(`${label}: wrote a file`);
        }
      }
      expect(calls).toBeGreaterThan(60);
      expect(faults).toEqual([]);
    },
  );

  it("a key the library knows but the function does not use is accepted (one options object for every call)", {
    timeout: 300_000,
  }, async () => {
    const faults: string[] = [];
    for (const f of functions) {
      for (const [position, p] of f.params.entries()) {
        if (p.name !== "options") continue;
        const args = f.params.map(validFor);
        // Options with valid values that most functions do not use.
        args[position] = { durable: false, lockStaleMs: 10_000, unknownKeys: "keep", ...((args[position] as object | undefined) ?? {}) };
        const outcome = await call(f, args);
        if (!outcome.ok && /is not an option/.test(String((outcome.error as Error).message)))
          faults.push(`${f.entry} ${f.name}: ${describeError(outcome.error)}`);
      }
    }
    expect(faults).toEqual([]);
  });

  it.each<[string, () => object]>([
    ["inherited from a prototype", () => Object.create({ basedir: "/tmp/devinfo-never" }) as object],
    [
      "on a class instance",
      () =>
        new (class Options {
          basedir = "/tmp/devinfo-never";
        })(),
    ],
  ])("a misspelt key %s is refused too", async (_, make) => {
    const { getDPDeviceInfoPath } = (await import(pathToFileURL(path.join(ROOT, "dist/index.js")).href)) as {
      getDPDeviceInfoPath: (resourceName: string, deviceID: string, options: unknown) => string;
    };
    expect(() => getDPDeviceInfoPath("x.com/r", "a", make())).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("'options.basedir' is not an option") }),
    );
    // a correct key on the prototype is read (and accepted)
    expect(getDPDeviceInfoPath("x.com/r", "a", Object.create({ baseDir: base() }))).toBe(path.join(base(), "dp", "x.com-r-a-device.json"));
  });

  it.each([
    ["a Map", () => new Map([["baseDir", "/tmp/devinfo-never"]])],
    ["a Set", () => new Set(["baseDir"])],
  ])("%s is not an options object (its entries would be read as no options)", async (_, make) => {
    const { getDPDeviceInfoPath } = (await import(pathToFileURL(path.join(ROOT, "dist/index.js")).href)) as {
      getDPDeviceInfoPath: (resourceName: string, deviceID: string, options: unknown) => string;
    };
    expect(() => getDPDeviceInfoPath("x.com/r", "a", make())).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });

  it("a nested options object is checked too (options.kubelet of prepareDeviceInfo)", async () => {
    const { prepareDeviceInfo } = (await import(pathToFileURL(path.join(ROOT, "dist/index.js")).href)) as {
      prepareDeviceInfo: (request: unknown, options: unknown) => Promise<unknown>;
    };
    const request = { network: "n", containerID: "c", ifName: "net1" };
    await expect(prepareDeviceInfo(request, { baseDir: base(), kubelet: { sokcet: "/x.sock" } })).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_VALUE",
      message: expect.stringContaining("'options.kubelet.sokcet' is not an option of devinfo (did you mean 'socket'?)"),
    });
  });
});
