#!/usr/bin/env node
// A CNI plugin for the e2e suite that records the exact stdin the runtime gave
// it, to `<logDir>/<logAs>-<CNI_COMMAND>.json` (both from its configuration).
// ADD prints prevResult unchanged, or, first in a chain, one sandbox interface.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const command = process.env.CNI_COMMAND;
const stdin = fs.readFileSync(0);
if (command === "VERSION") {
  process.stdout.write(JSON.stringify({ cniVersion: "1.0.0", supportedVersions: ["0.4.0", "1.0.0"] }));
  process.exit(0);
}
const conf = JSON.parse(stdin.toString("utf8"));
fs.writeFileSync(path.join(conf.logDir, `${conf.logAs}-${command}.json`), stdin);
if (command === "ADD") {
  const own = { cniVersion: conf.cniVersion, interfaces: [{ name: process.env.CNI_IFNAME, sandbox: process.env.CNI_NETNS }], dns: {} };
  process.stdout.write(JSON.stringify(conf.prevResult ?? own));
}
