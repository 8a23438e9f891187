// One sandbox per test: a temporary directory (device-info base, CNI bin
// directory, libcni cache, host-local data, sockets, stdin logs), a network
// namespace of its own, and a bridge name and subnet nobody else uses.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CNI_PLUGINS_DIR, type E2EContext } from "./setup.js";

let counter = 0;

export interface CNIRun {
  status: number | null;
  /** stdout parsed: the result after ADD, the error report after a failure, undefined when empty. */
  out: Record<string, unknown> | undefined;
  stderr: string;
}

export interface Sandbox {
  readonly dir: string;
  /** The device-info base directory (instead of /var/run/k8s.cni.cncf.io/devinfo). */
  readonly base: string;
  readonly bin: string;
  readonly cache: string;
  readonly ipam: string;
  readonly logs: string;
  readonly sockets: string;
  readonly netns: string;
  readonly netnsPath: string;
  readonly bridge: string;
  /** A /24 of 10.252.0.0/16 for this sandbox. */
  readonly subnet: string;
  readonly containerID: string;
  /** Writes a configuration file and returns its path. */
  writeConf(name: string, conf: object): string;
  /** Runs the libcni runner. */
  cni(command: "add" | "check" | "del", confFile: string, ifName: string, capabilityArgs?: object): CNIRun;
  /** `ip -j` inside the namespace; [] when the device does not exist. */
  ip(...args: string[]): Record<string, unknown>[];
  /** Every file (and socket) left in the state directories, relative to `dir`. */
  stateFiles(): string[];
  dispose(): void;
}

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function listFiles(root: string, under: string): string[] {
  const dir = path.join(root, under);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
}

export function createSandbox(e2e: E2EContext): Sandbox {
  counter += 1;
  const id = `${process.pid % 10000}${counter}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devinfo-e2e-"));
  const sub = (name: string) => {
    const p = path.join(dir, name);
    fs.mkdirSync(p, { recursive: true });
    return p;
  };
  const bin = sub("bin");
  for (const plugin of ["bridge", "host-local", "loopback"]) fs.symlinkSync(path.join(CNI_PLUGINS_DIR, plugin), path.join(bin, plugin));
  for (const [type, file] of Object.entries(e2e.examples)) fs.symlinkSync(file, path.join(bin, type));
  fs.symlinkSync(e2e.logger, path.join(bin, "devinfo-stdin-logger"));
  const netns = `devinfo-e2e-${id}`;
  const added = run("ip", ["netns", "add", netns]);
  if (added.status !== 0) throw new Error(`ip netns add ${netns}: ${added.stderr}`);
  const bridge = `dvi${id}`.slice(0, 15);
  const sandbox: Sandbox = {
    dir,
    base: sub("devinfo"),
    bin,
    cache: sub("cache"),
    ipam: sub("ipam"),
    logs: sub("logs"),
    sockets: sub("sockets"),
    netns,
    netnsPath: `/var/run/netns/${netns}`,
    bridge,
    subnet: `10.252.${(Number(id) % 250) + 1}`,
    containerID: `e2e${id}${"0".repeat(32)}`.slice(0, 32),
    writeConf(name, conf) {
      const file = path.join(sub("conf"), name);
      fs.writeFileSync(file, JSON.stringify(conf, null, 2));
      return file;
    },
    cni(command, confFile, ifName, capabilityArgs = {}) {
      const r = run(e2e.runner, [
        "-conf",
        confFile,
        "-netns",
        sandbox.netnsPath,
        "-container-id",
        sandbox.containerID,
        "-ifname",
        ifName,
        "-cni-path",
        bin,
        "-cache-dir",
        sandbox.cache,
        "-cap-args",
        JSON.stringify(capabilityArgs),
        command,
      ]);
      return { status: r.status, out: r.stdout.trim() === "" ? undefined : JSON.parse(r.stdout), stderr: r.stderr };
    },
    ip(...args) {
      const r = run("ip", ["-n", netns, "-j", ...args]);
      return r.status === 0 && r.stdout.trim() !== "" ? JSON.parse(r.stdout) : [];
    },
    stateFiles() {
      return ["devinfo", "cache", "ipam", "sockets"].flatMap((under) => listFiles(dir, under)).sort();
    },
    dispose() {
      run("ip", ["netns", "del", netns]);
      run("ip", ["link", "del", bridge]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return sandbox;
}
