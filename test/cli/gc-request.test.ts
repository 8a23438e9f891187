/**
 * One reader of a CNI GC request for `pluginMain` (a plugin's GC) and
 * `devinfo gc --valid-attachments`: the same keys accepted, the same
 * requests refused, with the same words, from both surfaces.
 */

import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { readGCAttachments } from "../../src/roles/_gc-request.js";
import { type CNIPlugin, pluginMain } from "../../src/roles/cni-skel.js";
import { ago, containerID, DOCS, devinfo, put, useTempDir } from "./_helpers.js";

const V11 = { cniVersion: "1.1.0", name: "multus-cni-network", type: "devinfo-test" };
const A = { containerID: containerID(1), ifname: "eth0" };

/** What pluginMain hands its GC handler, or the CNI error it prints. */
async function pluginGC(conf: Record<string, unknown>): Promise<{ code: number; attachments?: unknown; error?: unknown }> {
  let seen: unknown;
  let out = "";
  const plugin: CNIPlugin = {
    add: () => ({}),
    del: () => {},
    check: () => {},
    gc: (args) => {
      seen = args.validAttachments;
    },
  };
  const code = await pluginMain(plugin, {
    env: { CNI_COMMAND: "GC", CNI_PATH: "/opt/cni/bin" },
    stdin: new TextEncoder().encode(JSON.stringify(conf)),
    stdout: (text) => {
      out += text;
    },
  });
  return out === "" ? { code, attachments: seen } : { code, error: JSON.parse(out) };
}

const ACCEPTED = [
  ["cni.dev/valid-attachments", { "cni.dev/valid-attachments": [A] }, [A]],
  ["cni.dev/attachments (the spec text's key)", { "cni.dev/attachments": [A] }, [A]],
  ["both: cni.dev/valid-attachments wins", { "cni.dev/valid-attachments": [A], "cni.dev/attachments": [] }, [A]],
  ["an empty list", { "cni.dev/valid-attachments": [] }, []],
  ["null", { "cni.dev/attachments": null }, []],
] as const;

const REFUSED = [
  ["not an array", { "cni.dev/attachments": { containerID: "c" } }, '"cni.dev/attachments" must be an array, got an object'],
  [
    "an entry without ifname",
    { "cni.dev/valid-attachments": [{ containerID: "c" }] },
    '"cni.dev/valid-attachments"[0] must be an object with string "containerID" and "ifname", got an object',
  ],
  [
    "a number as containerID",
    { "cni.dev/attachments": [A, { containerID: 1, ifname: "eth0" }] },
    '"cni.dev/attachments"[1] must be an object with string "containerID" and "ifname"',
  ],
] as const;

describe("readGCAttachments", () => {
  it.each(ACCEPTED)("accepts %s", (_what, conf, attachments) => {
    expect(readGCAttachments(conf, (detail) => new Error(detail)).attachments).toEqual(attachments);
  });
  it.each(REFUSED)("refuses %s", (_what, conf, message) => {
    expect(() => readGCAttachments(conf, (detail) => new Error(detail))).toThrow(message);
  });
});

describe("pluginMain and devinfo gc read the same requests", () => {
  const tmp = useTempDir();
  const files = () => fs.readdirSync(tmp.join("cni")).sort();
  const cni = (seed: number) => `default-net-${containerID(seed)}_net1`;

  it.each(ACCEPTED)("both accept %s", async (_what, keys, attachments) => {
    const conf = { ...V11, ...keys };
    expect(await pluginGC(conf)).toEqual({ code: 0, attachments });
    put(tmp.join("cni", cni(1)), DOCS.pci, ago(5 * 60_000));
    put(tmp.join("cni", cni(2)), DOCS.pci, ago(5 * 60_000));
    const run = devinfo(["gc", "--base-dir", tmp.path, "--valid-attachments", "-"], { input: JSON.stringify(conf) });
    expect(run.code).toBe(0);
    // Attachments listed: the others' files go; none listed: it proves nothing, nothing goes.
    expect(files()).toEqual(attachments.length === 0 ? [cni(1), cni(2)] : [cni(1)]);
  });

  it.each(REFUSED)("both refuse %s, with the same words", async (_what, keys, message) => {
    const conf = { ...V11, ...keys };
    const plugin = await pluginGC(conf);
    expect(plugin.code).toBe(1);
    expect(plugin.error).toMatchObject({ code: 7, msg: "invalid network configuration", details: expect.stringContaining(message) });
    put(tmp.join("cni", cni(2)), DOCS.pci, ago(5 * 60_000));
    const run = devinfo(["gc", "--base-dir", tmp.path, "--valid-attachments", "-"], { input: JSON.stringify(conf) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`devinfo: --valid-attachments: ${message}`);
    expect(files()).toEqual([cni(2)]);
  });
});
