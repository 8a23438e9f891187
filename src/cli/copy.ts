/** `devinfo copy`: what a meta-plugin does for a network with a resourceName (spec 4.2.1). */

import { copyDeviceInfoForCNIFromDPSync } from "../files/operations.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, EXIT_OK, expectPositionals } from "./_command.js";
import { cniTarget, dpTarget, NAME_RULE } from "./_target.js";

export const command: Command = {
  name: "copy",
  summary: "Copy a device plugin file to a CNI file, as a meta-plugin does",
  description: `Copy the device plugin file of RESOURCE and DEVICE to a CNI file, as a meta-plugin such as Multus does before it
calls the CNI plugin of a network whose NetworkAttachmentDefinition has a resourceName (spec 4.2.1).

The source is read leniently and written with the Go reference's encoding, unknown keys kept. The CNI file is
named by a NAME (<base>/cni/NAME) or a PATH; an existing one is left untouched unless --overwrite.

${NAME_RULE}`,
  usage: ["copy RESOURCE DEVICE NAME|PATH [options]"],
  examples: [
    {
      comment: "Hand device 0000:af:06.0 to the attachment net1 of a pod sandbox",
      command: "devinfo copy intel.com/sriov 0000:af:06.0 default-sriov-net-3f9a1c0d2e4b_net1",
    },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    overwrite: { type: "boolean", default: "false", help: "Replace an existing CNI file (atomically)." },
  },
  run,
};

function run(ctx: Context): number {
  const [resource, device, name] = expectPositionals(ctx, ["RESOURCE", "DEVICE", "NAME|PATH"]) as [string, string, string];
  const baseDir = baseDirOf(ctx);
  const source = dpTarget(resource, device, baseDir);
  const target = cniTarget(name, baseDir);
  copyDeviceInfoForCNIFromDPSync(target.path, resource, device, {
    baseDir,
    overwrite: ctx.values.overwrite === true,
    onWarning: (w) => ctx.err.line(`${ctx.err.style.yellow("warning:")} ${source.path}: ${w.jsonPath}: ${w.message}`),
  });
  ctx.out.line(`copied ${source.path} to ${target.path}`);
  return EXIT_OK;
}
