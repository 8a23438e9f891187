/**
 * Every input the CLI reads from stdin stops at its cap: a flood piped into
 * the built `devinfo` fails with ERR_DEVINFO_TOO_LARGE's message, names the
 * flag or input, and the process's peak memory stays near an idle run's
 * (reading 200 MB whole, as before, took several hundred MB).
 */

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { ANNOTATIONS_MAX_BYTES, DOCUMENT_MAX_BYTES, LIST_MAX_BYTES } from "../../src/cli/_input.js";
import { flood } from "../helpers/flood.js";
import { CLI, devinfo, useTempDir } from "./_helpers.js";

const OFFER = 200 * 1024 * 1024;
/** Far under what reading the offer whole takes (the offer itself is 200 MiB), and above node plus the largest cap. */
const RSS_BOUND_MIB = 130;

describe("stdin inputs stop at their cap (real child processes, 200 MiB offered)", () => {
  const tmp = useTempDir();

  it.each([
    { args: ["gc", "--live-containers", "-"], line: "0123456789abcdef\n", limit: LIST_MAX_BYTES, says: "the --live-containers list" },
    { args: ["gc", "--valid-attachments", "-"], line: "                \n", limit: LIST_MAX_BYTES, says: "the --valid-attachments list" },
    {
      args: ["gc", "--live-devices", "-", "--resource", "a.b/c"],
      line: "0000:af:06.0\n",
      limit: LIST_MAX_BYTES,
      says: "the --live-devices list",
    },
    { args: ["ls", "--live-containers", "-"], line: "0123456789abcdef\n", limit: LIST_MAX_BYTES, says: "the --live-containers list" },
    { args: ["status", "-"], line: '[{"name":"x"},', limit: ANNOTATIONS_MAX_BYTES, says: "the network-status annotation" },
    {
      args: ["write", "cni", "net-1_eth0", "-f", "-"],
      line: '{"type":"pci",',
      limit: DOCUMENT_MAX_BYTES,
      says: "the device-info document",
    },
    { args: ["write", "cni", "net-1_eth0"], line: '{"type":"pci",', limit: DOCUMENT_MAX_BYTES, says: "the device-info document" },
    { args: ["attributes", "-"], line: '{"type":"pci",', limit: DOCUMENT_MAX_BYTES, says: "the device-info document" },
  ])("devinfo $args.0 $args.1 $args.2: exit 1, <stdin> over the $limit-byte limit, bounded memory", async ({ args, line, limit, says }) => {
    fs.mkdirSync(tmp.join("base"), { recursive: true });
    const base = args[0] === "status" ? [] : ["--base-dir", tmp.join("base")];
    const run = await flood(process.execPath, [CLI, ...args, ...base], line, OFFER);
    expect(run.stderr).toContain(`devinfo: <stdin>: ${says} is over the ${limit}-byte limit`);
    expect(run.code).toBe(1);
    expect(run.maxRssMiB).toBeLessThan(RSS_BOUND_MIB);
    expect(run.written).toBeLessThan(OFFER);
    // Nothing was written or removed.
    expect(fs.readdirSync(tmp.join("base"))).toEqual([]);
  });

  it("devinfo validate -: one 'unreadable' result naming the limit, exit 1, bounded memory", async () => {
    const run = await flood(process.execPath, [CLI, "validate", "-"], '{"type":"pci",', OFFER);
    expect([run.code, run.stdout]).toEqual([1, `<stdin>: $: error: over the ${DOCUMENT_MAX_BYTES}-byte limit for device-info documents\n`]);
    expect(run.maxRssMiB).toBeLessThan(RSS_BOUND_MIB);
  });

  it("just under the cap is read whole: a list of exactly LIST_MAX_BYTES bytes is accepted", () => {
    const id = "0123456789abcdef\n";
    const list = id.repeat(Math.floor(LIST_MAX_BYTES / id.length));
    fs.mkdirSync(tmp.join("b2"), { recursive: true });
    const run = devinfo(["gc", "--live-containers", "-", "--base-dir", tmp.join("b2")], {
      input: list + "a".repeat(LIST_MAX_BYTES - list.length),
    });
    expect([run.code, run.stderr]).toEqual([0, ""]);
  });

  it("a list FILE is capped too, and may be a pipe (process substitution) or a symlink", () => {
    fs.mkdirSync(tmp.join("b3"), { recursive: true });
    const big = tmp.join("big");
    fs.writeFileSync(big, Buffer.alloc(LIST_MAX_BYTES + 1, "a"));
    const over = devinfo(["gc", "--live-containers", big, "--base-dir", tmp.join("b3")]);
    expect([over.code, over.stderr]).toEqual([
      1,
      `devinfo: ${big}: the --live-containers list is over the ${LIST_MAX_BYTES}-byte limit (8 MiB); a node's lists are far smaller; is this the right input for --live-containers? Nothing was removed\n`,
    ]);
    fs.symlinkSync(big, tmp.join("link"));
    expect(devinfo(["gc", "--live-containers", tmp.join("link"), "--base-dir", tmp.join("b3")]).code).toBe(1);
    // A FIFO, as bash's <(crictl pods -q) gives: read as a stream, to its end.
    const fifo = tmp.join("fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", `printf 'abc\\n' > ${fifo}`]);
    const fromPipe = devinfo(["gc", "--live-containers", fifo, "--base-dir", tmp.join("b3")]);
    writer.kill();
    expect([fromPipe.code, fromPipe.stderr]).toEqual([0, ""]);
  });
});
