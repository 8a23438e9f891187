/** `devinfo attributes`: the ResourceSlice device attributes of a device-info file, for a DRA driver or an operator. */

import { DeviceInfoError } from "../base/errors.js";
import type { DeviceInfoIssue } from "../base/issues.js";
import { DEFAULT_DEVICE_INFO_DOMAIN, deviceInfoToDeviceAttributes } from "../dra/attributes.js";
import type { DraWarning } from "../dra/limits.js";
import { loadDeviceInfoFromCNISync } from "../files/operations.js";
import { parseDeviceInfo } from "../format/parse.js";
import { BASE_DIR_OPTION, baseDirOf, type Command, type Context, JSON_OPTION, stringOption, UsageError } from "./_command.js";
import { DOCUMENT_INPUT, readInput } from "./_input.js";
import { RESOURCE_NAME_PATTERN } from "./_names.js";
import { formatJson, Table } from "./_output.js";
import { dpTarget, readTarget, refuseTwoFiles, type Target } from "./_target.js";

export const command: Command = {
  name: "attributes",
  summary: "Print the ResourceSlice device attributes (DRA) of a device-info file",
  description: `Print a device-info document as the attributes a DRA driver publishes for the device in a ResourceSlice
(resource.k8s.io/v1 Device.attributes): the PCI address as resource.kubernetes.io/pciBusID, the other fields under
--domain (default ${DEFAULT_DEVICE_INFO_DOMAIN}), and, for a device plugin file named by RESOURCE and DEVICE,
Multus's k8s.cni.cncf.io/resourceName and k8s.cni.cncf.io/deviceID, with which Multus finds the file of a
DRA-allocated device.

Name the file as for "devinfo show": a path, the NAME "devinfo ls" prints, RESOURCE DEVICE, or - for stdin.
A value the API would refuse (a string over 64 bytes, a version that is not semver, a key the spec does not
define) is left out and reported on stderr, never truncated.`,
  usage: ["attributes NAME|PATH|- [options]", "attributes RESOURCE DEVICE [options]"],
  examples: [
    {
      comment: "The attributes of a device plugin's device, with Multus's pair",
      command: "devinfo attributes intel.com/sriov 0000:af:06.0",
    },
    { comment: "As JSON, to paste under spec.devices[].attributes", command: "devinfo attributes ./info.json --json" },
    { comment: "Under your driver's own domain", command: "devinfo attributes ./info.json --domain sriov.example.com" },
  ],
  options: {
    "base-dir": BASE_DIR_OPTION,
    domain: { type: "string", default: DEFAULT_DEVICE_INFO_DOMAIN, help: "Domain of the device-info attributes (a DNS subdomain)." },
    "resource-name": { type: "string", help: "Publish k8s.cni.cncf.io/resourceName (default: RESOURCE when given)." },
    "device-id": { type: "string", help: "Publish k8s.cni.cncf.io/deviceID (default: DEVICE when given)." },
    json: { ...JSON_OPTION, help: "Print the attributes as a JSON object (qualified name → {string|version: value})." },
  },
  run,
};

async function run(ctx: Context): Promise<number> {
  const baseDir = baseDirOf(ctx);
  const [first, second, ...rest] = ctx.positionals;
  if (first === undefined || rest.length > 0)
    throw new UsageError("devinfo attributes needs a NAME, PATH or -, or a RESOURCE and a DEVICE");
  const issues: DeviceInfoIssue[] = [];
  const onWarning = (w: DeviceInfoIssue) => issues.push(w);
  let target: Target | undefined;
  let info: unknown;
  if (first === "-" && second === undefined) {
    const text = (await readInput("-", ctx.io.stdin, DOCUMENT_INPUT)).toString("utf8");
    if (text.trim() === "")
      throw new UsageError("stdin is empty; pipe a device-info document (JSON), or give a NAME, PATH, or RESOURCE and DEVICE");
    info = parseDeviceInfo(text, { onWarning });
  } else {
    if (second !== undefined) refuseTwoFiles(ctx.commandName, [first, second]);
    target = second === undefined ? readTarget(first, baseDir) : dpTarget(first, second, baseDir);
    info = loadDeviceInfoFromCNISync(target.path, { baseDir, onWarning });
    if (info === undefined)
      throw new DeviceInfoError("ERR_DEVINFO_NOT_FOUND", `no device-info file at ${target.path}`, { path: target.path });
  }
  const domain = stringOption(ctx.values, "domain") ?? DEFAULT_DEVICE_INFO_DOMAIN;
  const resourceFlag = stringOption(ctx.values, "resource-name");
  if (resourceFlag !== undefined && !RESOURCE_NAME_PATTERN.test(resourceFlag)) {
    throw new UsageError(
      `--resource-name: ${JSON.stringify(resourceFlag)} is not a resource name; write <domain>/<name>, e.g. intel.com/sriov`,
    );
  }
  const deviceFlag = stringOption(ctx.values, "device-id");
  // An empty value would silently drop the attribute; white space or control characters are never a device ID.
  if (deviceFlag !== undefined && !/^[^\s\p{Cc}]+$/u.test(deviceFlag)) {
    throw new UsageError(`--device-id: ${JSON.stringify(deviceFlag)} is not a device ID; give the device's ID, e.g. 0000:af:06.0`);
  }
  const resourceName = resourceFlag ?? target?.resourceName;
  const deviceID = deviceFlag ?? target?.deviceID;
  let result: ReturnType<typeof deviceInfoToDeviceAttributes>;
  try {
    result = deviceInfoToDeviceAttributes(info as Parameters<typeof deviceInfoToDeviceAttributes>[0], { domain, resourceName, deviceID });
  } catch (err) {
    if (err instanceof TypeError && (err as { code?: unknown }).code === "ERR_INVALID_ARG_VALUE")
      throw new UsageError(`--domain: ${err.message}`);
    throw err;
  }
  const where = target?.path ?? "<stdin>";
  // The reader's deviations come back in the mapping's warnings too: print each once.
  const warnings: DraWarning[] = result.warnings;
  if (ctx.values.json === true) ctx.out.write(`${formatJson(result.attributes)}\n`);
  else {
    const table = new Table(ctx.out, ["ATTRIBUTE", "KIND", "VALUE"]);
    for (const [name, value] of Object.entries(result.attributes)) {
      const kind = value.version !== undefined ? "version" : "string";
      table.add([name, kind, String(value[kind])]);
    }
    table.end();
  }
  for (const w of warnings) ctx.err.line(`${ctx.err.style.yellow("warning:")} ${where}: ${w.jsonPath ?? w.attribute ?? ""}: ${w.message}`);
  return 0;
}
