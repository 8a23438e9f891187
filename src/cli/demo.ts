/** `devinfo demo` (placeholder until its building blocks land). */

import type { Command } from "./_command.js";

export const command: Command = {
  name: "demo",
  summary: "demo",
  description: "Not available yet.",
  usage: ["demo"],
  examples: [],
  options: {},
  run(ctx) {
    ctx.err.line("devinfo: demo is not available yet");
    return 1;
  },
};
