/** `devinfo status` (placeholder until its building blocks land). */

import type { Command } from "./_command.js";

export const command: Command = {
  name: "status",
  summary: "status",
  description: "Not available yet.",
  usage: ["status"],
  examples: [],
  options: {},
  run(ctx) {
    ctx.err.line("devinfo: status is not available yet");
    return 1;
  },
};
