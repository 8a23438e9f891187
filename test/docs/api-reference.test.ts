// The API reference (docs/api, Markdown from typedoc-plugin-markdown) is committed so that the
// README can link it and GitHub and npm viewers render it. This test regenerates it into a temp
// directory with the repository's typedoc.json (warnings are errors there) and fails when the
// committed copy differs: run `npm run docs` and commit docs/api. It also checks what the
// reference is for: one module per package.json `exports` entry, type pages that list their
// fields, signatures that name the types, and no `any`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const COMMITTED = path.join(ROOT, "docs", "api");
let out = "";
let run: { status: number | null; output: string };

function files(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: "utf8" }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

const read = (...parts: string[]) => fs.readFileSync(path.join(out, ...parts), "utf8");

beforeAll(() => {
  // A worktree whose node_modules predates the plugin: say what to do rather than fail obscurely.
  if (!fs.existsSync(path.join(ROOT, "node_modules", "typedoc-plugin-markdown"))) {
    throw new Error("typedoc-plugin-markdown is not installed: run npm install (package.json's devDependencies changed)");
  }
  out = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-api-"));
  const result = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typedoc", "bin", "typedoc"), "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: 170_000,
  });
  run = { status: result.status, output: `${result.stdout}${result.stderr}` };
}, 180_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe("the API reference (docs/api)", () => {
  it("typedoc succeeds without a warning (TSDoc problems, broken links, unexported types)", () => {
    expect(run.output).not.toMatch(/\[warning\]|\[error\]/);
    expect(run.status).toBe(0);
  });

  it("the committed copy is what the sources generate (else: npm run docs, and commit docs/api)", () => {
    const generated = files(out);
    expect(files(COMMITTED)).toEqual(generated);
    const stale = generated.filter((f) => fs.readFileSync(path.join(COMMITTED, f), "utf8") !== read(f));
    expect(stale).toEqual([]);
  });

  it("the landing page links one module per package.json exports entry", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { exports: Record<string, unknown> };
    const modules = Object.keys(pkg.exports)
      .filter((k) => k !== "./package.json")
      .map((k) => (k === "." ? "devinfo" : `devinfo/${k.slice(2)}`));
    const landing = read("README.md");
    for (const name of modules) {
      expect(landing).toContain(`[${name}](${name === "devinfo" ? "devinfo" : `devinfo/${name.slice(8)}`}/README.md)`);
      expect(landing).toContain(`| \`${name}\` |`);
    }
    expect(files(out).filter((f) => /^devinfo\/(?:[^/]+\/)?README\.md$/.test(f))).toHaveLength(modules.length);
  });

  it.each([
    ["PciDeviceInfo", ["type", "version", "pci", "vdpa?", "vhost-user?", "memif?"]],
    ["PciDevice", ["pci-address", "vhost-net?", "rdma-device?", "pf-pci-address?", "representor-device?"]],
    ["VdpaDevice", ["parent-device", "driver", "path"]],
    ["NetworkStatus", ["name", "interface?", "ips?", "mac?", "mtu?", "default?", "dns?", "device-info?", "gateway?"]],
  ])("the %s page lists its fields, each documented", (name, fields) => {
    const page = read("devinfo", "interfaces", `${name}.md`);
    for (const field of fields) expect(page).toMatch(new RegExp(`### ${field.replace("?", "\\?")}\\n\\n> .*\\n\\n\\S`));
  });

  it("DeviceInfo is the union of the four named variants, not an inferred zod type", () => {
    const page = read("devinfo", "type-aliases", "DeviceInfo.md");
    expect(page).toContain(
      "> **DeviceInfo** = [`PciDeviceInfo`](../interfaces/PciDeviceInfo.md) \\| [`VdpaDeviceInfo`](../interfaces/VdpaDeviceInfo.md) \\| [`VhostUserDeviceInfo`](../interfaces/VhostUserDeviceInfo.md) \\| [`MemifDeviceInfo`](../interfaces/MemifDeviceInfo.md)",
    );
    expect(page).not.toMatch(/infer|Zod/);
  });

  it.each([
    ["saveDeviceInfoForDP", "info", "[`DeviceInfo`](../type-aliases/DeviceInfo.md)"],
    ["parseDeviceInfo", "Returns", "[`DeviceInfo`](../type-aliases/DeviceInfo.md)"],
    ["createNetworkStatus", "Returns", "[`NetworkStatus`](../interfaces/NetworkStatus.md)"],
  ])("%s's signature names the type (%s)", (fn, section, type) => {
    const page = read("devinfo", "functions", `${fn}.md`);
    expect(page.slice(page.indexOf(`## ${section === "Returns" ? "Returns" : `Parameters`}`))).toContain(type);
    // never the expanded union (about 3 KB) in a signature
    expect(page.split("\n").filter((l) => l.startsWith("> ") && l.includes("pci-address"))).toEqual([]);
  });

  it("no `any` in the public API", () => {
    const withAny = files(out).filter((f) => /`any`|\bany\[\]/.test(read(f)));
    expect(withAny).toEqual([]);
  });
});
