/** `devinfo schema`: the JSON Schema of the format, generated from the zod schemas. */

import { SPEC_VERSION } from "../format/fields.js";
import { type Command, type Context, EXIT_OK, UsageError } from "./_command.js";

export const command: Command = {
  name: "schema",
  summary: "Print the JSON Schema (draft 2020-12) of the device-info format",
  description: `Print the JSON Schema (draft 2020-12) of a device-info document conforming to the Device Information
Specification v${SPEC_VERSION}, generated from the zod schemas of "devinfo/schema", so that tools in other languages
can validate files. It describes what --strict accepts; keys the spec does not define are allowed.`,
  usage: ["schema [options]"],
  examples: [
    { comment: "Save the schema", command: "devinfo schema > device-info.schema.json" },
    {
      comment: "Validate a file with another validator, e.g. check-jsonschema (Python)",
      command: "check-jsonschema --schemafile device-info.schema.json info.json",
    },
  ],
  options: {},
  run,
};

async function run(ctx: Context): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError(`devinfo schema takes no arguments; got ${JSON.stringify(ctx.positionals[0])}`);
  // zod costs ~90 ms to load: only this command pays for it.
  const [{ toJSONSchema }, { DeviceInfoSchema }] = await Promise.all([import("zod"), import("../schema.js")]);
  const generated = toJSONSchema(DeviceInfoSchema, { target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  const schema = {
    $schema,
    title: "Device Information",
    description: `A device-info file of the Kubernetes Network Plumbing Working Group's Device Information Specification v${SPEC_VERSION}.`,
    ...rest,
  };
  ctx.out.write(`${JSON.stringify(schema, null, 2)}\n`);
  return EXIT_OK;
}
