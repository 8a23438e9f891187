/** `devinfo version`. */

import fs from "node:fs";
import { SPEC_VERSION } from "../format/fields.js";
import { type Command, EXIT_OK, JSON_OPTION } from "./_command.js";

function packageVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

export const command: Command = {
  name: "version",
  summary: "Print the version",
  description: "Print the version of devinfo and of the Device Information Specification it implements.",
  usage: ["version [options]"],
  examples: [{ comment: "Print the versions as JSON", command: "devinfo version --json" }],
  options: { json: JSON_OPTION },
  run(ctx) {
    const version = packageVersion();
    if (ctx.values.json === true) ctx.out.line(JSON.stringify({ version, specVersion: SPEC_VERSION, node: process.versions.node }));
    else ctx.out.line(`devinfo ${version} (Device Information Specification ${SPEC_VERSION}, Node.js ${process.versions.node})`);
    return EXIT_OK;
  },
};
