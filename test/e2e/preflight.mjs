#!/usr/bin/env node
// Can this machine run the e2e suite? Prints what is missing and exits 1 if
// anything is: the suite then FAILS, it is never skipped. Run by
// `npm run test:e2e` before vitest, and again by the suite's global setup.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const CNI_PLUGINS_DIR = "/usr/lib/cni";
export const GOPATH = "/usr/share/gocode";
const LIBCNI = path.join(GOPATH, "src/github.com/containernetworking/cni/libcni/api.go");
const INSTALL = "apt-get install -y containernetworking-plugins golang-go golang-github-appc-cni-dev iproute2";

function succeeds(command, args) {
  const r = spawnSync(command, args, { stdio: "ignore" });
  return r.error === undefined && r.status === 0;
}

/** What this machine lacks to run the suite, one line each, saying how to get it. */
export function missingPrerequisites() {
  const missing = [];
  const uid = process.getuid?.();
  if (uid !== 0)
    missing.push(`root: the suite creates network namespaces and bridges (running as uid ${uid}); run it as root, as .ci/run does`);
  if (!succeeds("ip", ["-V"])) missing.push("the ip command (Debian package iproute2)");
  for (const plugin of ["bridge", "host-local", "loopback"]) {
    const file = path.join(CNI_PLUGINS_DIR, plugin);
    if (!fs.existsSync(file)) missing.push(`the CNI plugin ${file} (Debian package containernetworking-plugins)`);
  }
  if (!succeeds("go", ["version"])) missing.push("the Go toolchain, to build the libcni runner (Debian package golang-go)");
  if (!fs.existsSync(LIBCNI)) missing.push(`the libcni library source ${LIBCNI} (Debian package golang-github-appc-cni-dev)`);
  if (missing.length === 0) {
    const probe = `devinfo-e2e-probe-${process.pid}`;
    const r = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
    if (r.status !== 0) missing.push(`network namespaces: "ip netns add" failed: ${r.stderr.trim()}`);
    else spawnSync("ip", ["netns", "del", probe]);
  }
  return missing;
}

/** The failure message for `missing`. */
export function describeMissing(missing) {
  return [
    "The e2e suite cannot run on this machine, so it FAILS (skipping is not passing). Missing:",
    ...missing.map((line) => `  - ${line}`),
    `Install the packages with: ${INSTALL}`,
  ].join("\n");
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    console.error(describeMissing(missing));
    process.exitCode = 1;
  }
}
