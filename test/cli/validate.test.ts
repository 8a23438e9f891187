import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { validateDeviceInfo } from "../../src/format/validate.js";
import { DOCS, devinfo, put, REPO_ROOT, useTempDir } from "./_helpers.js";

// `file: json.path: severity: message`, the format the help promises.
const PROBLEM = /^(.+?): (\$\S*): (error|warning): (.+)$/;

function problems(stdout: string): { file: string; jsonPath: string; severity: string }[] {
  return stdout
    .split("\n")
    .map((line) => PROBLEM.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ file: m[1] ?? "", jsonPath: m[2] ?? "", severity: m[3] ?? "" }));
}

describe("devinfo validate", () => {
  const tmp = useTempDir();

  it.each(Object.entries(DOCS))("a valid %s document prints FILE: ok and exits 0", (name, doc) => {
    const file = put(tmp.join(`${name}.json`), doc);
    const run = devinfo(["validate", file]);
    expect(run).toEqual({ code: 0, stdout: `${file}: ok\n`, stderr: "" });
  });

  // Each case: the document, and the problems the library's validator reports for it, which the CLI must print one per line.
  it.each([
    { name: "prefixed version", doc: { type: "pci", version: "v1.1.0", pci: { "pci-address": "0000:af:06.0" } } },
    { name: "missing required field", doc: { type: "vdpa", version: "1.1.0", vdpa: { driver: "vhost" } } },
    { name: "unknown type", doc: { type: "nvme", version: "1.1.0" } },
    {
      name: "bad PCI address and punt",
      doc: { type: "memif", version: "1.1.0", memif: { role: "master", path: "/x", mode: "punt" }, pci: { "pci-address": "af:06.0" } },
    },
    { name: "wrong JSON type", doc: { type: "pci", version: 1, pci: { "pci-address": 5 } } },
    { name: "not an object", doc: ["pci"] },
  ])("$name: every issue as `file: json.path: severity: message`", ({ name, doc }) => {
    const file = put(tmp.join(`${name.replaceAll(" ", "-")}.json`), JSON.stringify(doc));
    const expected = validateDeviceInfo(doc);
    const run = devinfo(["validate", file]);
    const printed = problems(run.stdout);
    // One problem, one line: the first issue of each JSON path, errors first.
    const seen = new Set<string>();
    const first = (i: { jsonPath: string }) => !seen.has(i.jsonPath) && seen.add(i.jsonPath) !== undefined;
    expect(printed).toEqual([
      ...expected.errors.filter(first).map((i) => ({ file, jsonPath: i.jsonPath, severity: "error" })),
      ...expected.warnings.filter(first).map((i) => ({ file, jsonPath: i.jsonPath, severity: "warning" })),
    ]);
    expect(new Set(printed.map((p) => p.jsonPath)).size).toBe(printed.length);
    expect(printed.length).toBeGreaterThan(0);
    expect(run.code).toBe(expected.valid ? 0 : 1);
    // A file with warnings only still ends with its verdict.
    if (expected.valid)
      expect(run.stdout).toMatch(new RegExp(`\\n${escapeRegExp(file)}: ok \\(${expected.warnings.length} warnings?\\)\\n$`));
    else expect(run.stdout).not.toContain(": ok");
  });

  it("--strict turns every warning into an error, and fails", () => {
    const file = put(tmp.join("v.json"), '{"type":"pci","version":"v1.1.0","pci":{}}');
    const lenient = problems(devinfo(["validate", file]).stdout);
    const strict = devinfo(["validate", "--strict", file]);
    expect(lenient.map((p) => p.severity)).toEqual(["warning", "warning"]);
    expect(problems(strict.stdout)).toEqual(lenient.map((p) => ({ ...p, severity: "error" })));
    expect(strict.code).toBe(1);
  });

  it.each([
    { name: "empty", content: "", message: "not JSON: the file is empty" },
    { name: "truncated", content: '{"type":"pci"', message: "not JSON (" },
    { name: "bom", content: `\ufeff${DOCS.pci}`, message: "byte order mark" },
    { name: "big", content: `{"type":"pci","x":"${"a".repeat(70_000)}"}`, message: "over the 65536-byte limit" },
  ])("$name file: one error at $", ({ name, content, message }) => {
    const file = put(tmp.join(name), content);
    const run = devinfo(["validate", file]);
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n")[0]).toMatch(new RegExp(`^${escapeRegExp(file)}: \\$: error: .*${escapeRegExp(message)}`));
  });

  it("a missing file is an error line too, and the other files are still checked", () => {
    const good = put(tmp.join("good.json"), DOCS.memif);
    const missing = tmp.join("missing.json");
    const run = devinfo(["validate", missing, good]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`${missing}: $: error: cannot read the file: no such file\n${good}: ok\n`);
  });

  it("the issue's document: one wrong type, one line each, nothing else", () => {
    const run = devinfo(["validate", "-"], { input: '{"type":"pci","version":1,"pci":{"pci-address":5}}' });
    expect(run.stdout).toBe(
      "<stdin>: $['version']: error: \"version\" must be a string, got a number\n<stdin>: $['pci']['pci-address']: error: \"pci-address\" must be a string, got a number\n",
    );
  });

  it("a symbolic link is refused whatever it points to, as ls, show and the library refuse it", () => {
    const target = put(tmp.join("base", "dp", "intel.com-sriov-0000:af:06.0-device.json"), DOCS.pci);
    fs.mkdirSync(tmp.join("base", "cni"));
    fs.symlinkSync(target, tmp.join("base", "cni", "link"));
    const base = ["--base-dir", tmp.join("base")];
    const validate = devinfo(["validate", ...base, "link", tmp.join("base", "cni", "link")]);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toBe(
      `link: $: error: cannot read the file: symbolic link (never followed)\n${tmp.join("base", "cni", "link")}: $: error: cannot read the file: symbolic link (never followed)\n`,
    );
    expect(devinfo(["show", ...base, "link"]).stderr).toContain("symbolic link");
    expect(devinfo(["show", ...base, "link"]).code).toBe(1);
    const [entry] = (JSON.parse(devinfo(["ls", ...base, "--json"]).stdout) as { name: string; problem: string }[]).filter(
      (e) => e.name === "link",
    );
    expect(entry?.problem).toBe("symbolic link (never followed)");
  });

  it("FILE follows the NAME|PATH rule: a bare word is a NAME in the base directory, ./word a file here", () => {
    put(tmp.join("base", "cni", "net-abc_net1"), DOCS.pci);
    put(tmp.join("info.json"), DOCS.memif);
    const base = ["--base-dir", tmp.join("base")];
    expect(devinfo(["validate", ...base, "net-abc_net1"], { cwd: tmp.path }).stdout).toBe("net-abc_net1: ok\n");
    expect(devinfo(["validate", ...base, "./info.json"], { cwd: tmp.path }).stdout).toBe("./info.json: ok\n");
    const bare = devinfo(["validate", ...base, "info.json"], { cwd: tmp.path });
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain("a file in the working directory is ./info.json");
  });

  it("reads stdin for -", () => {
    expect(devinfo(["validate", "-"], { input: DOCS.vdpa })).toEqual({ code: 0, stdout: "<stdin>: ok\n", stderr: "" });
    expect(devinfo(["validate", "-"], { input: "{}" }).stdout).toContain("<stdin>: $['type']: warning:");
  });

  it("--json: one entry per file, problems with code, jsonPath, path and message", () => {
    const bad = put(tmp.join("bad.json"), '{"type":"pci","version":"1.1.0","pci":{"pci-address":7}}');
    const good = put(tmp.join("good.json"), DOCS.pci);
    const run = devinfo(["validate", "--json", bad, good]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        file: bad,
        valid: false,
        errors: [
          {
            severity: "error",
            code: "wrong_type",
            jsonPath: "$['pci']['pci-address']",
            path: ["pci", "pci-address"],
            message: expect.any(String),
          },
        ],
        // The validator also calls the field "required"; one problem, one entry.
        warnings: [],
      },
      { file: good, valid: true, errors: [], warnings: [] },
    ]);
  });

  it("agrees with the Go reference's recorded reads: every file Go loads has no error (except `null`, on purpose)", () => {
    const cases = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "fixtures/go-reference/read.json"), "utf8")) as {
      name: string;
      file: string;
      result: "ok" | "error";
    }[];
    const files = cases.map((c) => path.join(REPO_ROOT, "fixtures/go-reference", c.file));
    const run = devinfo(["validate", "--json", ...files]);
    const results = JSON.parse(run.stdout) as { file: string; valid: boolean }[];
    expect(results).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      // Go silently reads the document `null` as `{}`; the library refuses it (README, "Go differences").
      if (c.name === "null") expect(results[i]?.valid).toBe(false);
      else if (c.result === "ok") expect({ name: c.name, valid: results[i]?.valid }).toEqual({ name: c.name, valid: true });
    });
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
