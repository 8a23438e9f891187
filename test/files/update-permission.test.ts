// An update that may not create its lock file (a directory the caller cannot
// write) fails for the document the caller named: `path` is the document,
// the message names it first and the lock file after it, `errno` is EACCES
// and the system error (naming the lock) is the cause. A real EACCES: as
// root the child runs under setpriv without CAP_DAC_OVERRIDE, so the
// directory's mode refuses it as it refuses any user.

import { spawn } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { lockPathFor } from "../../src/files/_atomic.js";
import { packageUrl } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";

function runChild(script: string): Promise<{ stdout: string; stderr: string }> {
  const node = [process.execPath, "--input-type=module", "-e", script];
  const [command, ...args] = process.getuid?.() === 0 ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", ...node] : node;
  return new Promise((resolve) => {
    const child = spawn(command as string, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", () => resolve({ stdout, stderr }));
  });
}

const PCI = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0"}}';

describe("an update in a directory the caller may not write", () => {
  const tmp = useTempDir();

  it.each([
    ["updateDeviceInfoForCNI", "await m.updateDeviceInfoForCNI(file, (c) => ({ ...c, pci: { ...c.pci, 'rdma-device': 'mlx5_1' } }))"],
    ["updateDeviceInfoForCNISync", "m.updateDeviceInfoForCNISync(file, (c) => ({ ...c, pci: { ...c.pci, 'rdma-device': 'mlx5_1' } }))"],
    ["addDeviceInfoFields", "await m.addDeviceInfoFields(file, { pci: { 'representor-device': 'pf0vf3' } })"],
    ["addDeviceInfoFieldsSync", "m.addDeviceInfoFieldsSync(file, { pci: { 'representor-device': 'pf0vf3' } })"],
    ["saveDeviceInfoIfAbsent", `await m.saveDeviceInfoIfAbsent(file, JSON.parse(${JSON.stringify(PCI)}))`],
  ])("%s: ERR_DEVINFO_IO for the document, EACCES, the lock file in the message and the cause", async (_name, call) => {
    const dir = tmp.join("cni");
    const file = tmp.join("cni", "net1-0123456789ab_net1");
    fs.mkdirSync(dir);
    fs.writeFileSync(file, PCI, { mode: 0o444 });
    fs.chmodSync(dir, 0o555);
    try {
      const script = `
        const m = await import(${JSON.stringify(packageUrl())});
        const file = ${JSON.stringify(file)};
        try {
          ${call};
          console.log(JSON.stringify({ ok: true }));
        } catch (err) {
          console.log(JSON.stringify({ code: err.code, path: err.path, errno: err.errno, message: err.message, cause: err.cause?.path }));
        }`;
      const { stdout, stderr } = await runChild(script);
      const outcome = JSON.parse(stdout || stderr) as Record<string, string>;
      const lock = lockPathFor(file);
      expect(outcome).toEqual({
        code: "ERR_DEVINFO_IO",
        path: file,
        errno: "EACCES",
        message: `cannot update ${file} (its lock file ${lock}): permission denied (EACCES); run as the user that owns the base directory (usually root) or fix its permissions`,
        cause: lock,
      });
      expect(fs.readFileSync(file, "utf8")).toBe(PCI);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });
});
