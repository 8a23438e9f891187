/** `devinfo status`: each pod interface with its device-info, from the network-status annotation. */

import { DeviceInfoError, isDeviceInfoError } from "../base/errors.js";
import type { DeviceInfoIssue } from "../base/issues.js";
import { DEVICE_METADATA_ROOT } from "../dra/metadata.js";
import type { DeviceInfo } from "../format/schema.js";
import { parseDownwardAPIAnnotations } from "../status/downward-api.js";
import { NETWORK_STATUS_ANNOTATION, OLD_NETWORK_STATUS_ANNOTATION, parseNetworkStatusAnnotation } from "../status/network-status.js";
import type { NetworkStatus } from "../status/schema.js";
import { DEFAULT_POD_ANNOTATIONS_PATH, readPodNetworkStatus } from "../status/workload.js";
import { type Command, type Context, EXIT_FAILURE, EXIT_OK, JSON_OPTION, stringOption, UsageError } from "./_command.js";
import { defaultStatuses, isMetadataArgument, metadataStatuses } from "./_dra-status.js";
import { ANNOTATIONS_INPUT, readInput } from "./_input.js";
import { formatJson, Table } from "./_output.js";
import { summarize } from "./_scan.js";

/** One line of `devinfo status --json`. Every key is always present. */
export interface StatusEntry {
  network: string | null;
  interface: string | null;
  default: boolean;
  ips: string[];
  mac: string | null;
  deviceInfo: DeviceInfo | null;
}

export const command: Command = {
  name: "status",
  summary: "Show each pod interface with its device-info, from the network-status annotation",
  description: `Show each interface of a pod with its device-info, as the workload sees it: from the ${NETWORK_STATUS_ANNOTATION}
annotation that the meta-plugin (Multus) writes (spec 6.1), and from the DRA device metadata files (KEP-5304) a
DRA driver mounts under ${DEVICE_METADATA_ROOT}: FILE may be one such *-metadata.json file or a mount root
directory; without FILE, both the annotation and the metadata files under the default roots are read.

FILE is a Downward API annotations file (one key="value" line per annotation, as the kubelet projects
metadata.annotations; the default is ${DEFAULT_POD_ANNOTATIONS_PATH}, where pods usually mount it), a file holding
only the annotation's value, or - for stdin (either form). The annotation is read leniently, as the library's
readers read it; deviations are printed on stderr, or are errors with --strict.`,
  usage: ["status [FILE|DIR|-] [options]"],
  examples: [
    { comment: "Inside a pod: the interfaces and their devices", command: "devinfo status" },
    {
      comment: "From outside: the annotation of a running pod",
      command: "kubectl get pod my-pod -o jsonpath='{.metadata.annotations.k8s\\.v1\\.cni\\.cncf\\.io/network-status}' | devinfo status -",
    },
    {
      comment: "The PCI address of net1, for a script",
      command: "devinfo status --interface net1 --json | jq -r '.[0].deviceInfo.pci[\"pci-address\"]'",
    },
  ],
  options: {
    network: { type: "string", help: 'Only the attachments of this network: "namespace/name", or "name" in any namespace.' },
    interface: { type: "string", help: "Only this interface, e.g. net1." },
    strict: { type: "boolean", default: "false", help: "Refuse deviations from the spec instead of printing them as warnings." },
    json: {
      ...JSON_OPTION,
      help: `Print a JSON array of {"network", "interface", "default", "ips", "mac", "deviceInfo"} (deviceInfo null when the interface has none). Exits 1, printing [], when --network or --interface matches no interface, as the text output does.`,
    },
  },
  run,
};

async function run(ctx: Context): Promise<number> {
  if (ctx.positionals.length > 1) throw new UsageError(`devinfo status takes one FILE at most; got ${JSON.stringify(ctx.positionals[1])}`);
  const file = ctx.positionals[0] ?? DEFAULT_POD_ANNOTATIONS_PATH;
  const strict = ctx.values.strict === true;
  const warnings: DeviceInfoIssue[] = [];
  const options = { strict, onWarning: (w: DeviceInfoIssue) => warnings.push(w) };
  const statuses =
    file === "-"
      ? await readInput("-", ctx.io.stdin, ANNOTATIONS_INPUT).then((bytes) => {
          // Nothing piped in is no input at all, not an annotation without interfaces.
          if (bytes.toString("utf8").trim() === "") {
            throw new UsageError(
              "stdin is empty; pipe the network-status annotation's value (a JSON array) or a Downward API annotations file",
            );
          }
          return labelled(STDIN, async () => fromText(bytes.toString("utf8"), options));
        })
      : ctx.positionals[0] === undefined
        ? await defaultStatuses(options) // DRA: device metadata files too
        : isMetadataArgument(file)
          ? await metadataStatuses(file)
          : await readPodNetworkStatus(file, options);
  for (const w of warnings) ctx.err.line(`${ctx.err.style.yellow("warning:")} ${file === "-" ? STDIN : file}: ${w.jsonPath}: ${w.message}`);

  const network = stringOption(ctx.values, "network");
  const ifName = stringOption(ctx.values, "interface");
  // Empty is an unset shell variable: it would match no interface and read as "not there".
  for (const [flag, value] of [
    ["--network", network],
    ["--interface", ifName],
  ] as const) {
    if (value === "") throw new UsageError(`${flag} needs a non-empty value`);
  }
  const entries = statuses
    .map(toEntry)
    .filter(
      (e) =>
        (network === undefined || e.network === network || (!network.includes("/") && (e.network ?? "").endsWith(`/${network}`))) &&
        (ifName === undefined || e.interface === ifName),
    );

  if (ctx.values.json === true) {
    ctx.out.write(`${formatJson(entries)}\n`);
    // As in text: a filter that matches nothing fails (a script must not read [] as "no interface there").
    return entries.length === 0 && (network !== undefined || ifName !== undefined) ? EXIT_FAILURE : EXIT_OK;
  }
  if (entries.length === 0) {
    const given = [network === undefined ? "" : `--network ${network}`, ifName === undefined ? "" : `--interface ${ifName}`].filter(
      (g) => g !== "",
    );
    ctx.err.line(statuses.length === 0 ? "The network status lists no interface." : `No interface matches ${given.join(" and ")}.`);
    return given.length === 0 ? EXIT_OK : EXIT_FAILURE;
  }
  const table = new Table(ctx.out, ["INTERFACE", "NETWORK", "IPS", "MAC", "TYPE", "DEVICE"]);
  for (const e of entries) {
    const summary = e.deviceInfo === null ? undefined : summarize(e.deviceInfo);
    table.add([
      `${e.interface ?? "-"}${e.default ? ctx.out.style.dim(" (default)") : ""}`,
      e.network ?? "-",
      e.ips.length === 0 ? "-" : e.ips.join(","),
      e.mac ?? "-",
      summary?.type ?? "-",
      summary === undefined ? "-" : (summary.address ?? "-"),
    ]);
  }
  table.end();
  return EXIT_OK;
}

const STDIN = "<stdin>";

/** Runs `read`, naming `label` in its DeviceInfoError as a path is named: `<stdin>: message`. */
async function labelled<T>(label: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!isDeviceInfoError(err)) throw err;
    throw new DeviceInfoError(err.code, `${label}: ${err.message}`, { path: label, issues: err.issues, line: err.line, cause: err });
  }
}

/** Stdin holds either the annotation's value or a whole annotations file. */
function fromText(text: string, options: { strict: boolean; onWarning: (w: DeviceInfoIssue) => void }): NetworkStatus[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[") || trimmed.startsWith("null")) return parseNetworkStatusAnnotation(text, options);
  const annotations = parseDownwardAPIAnnotations(text);
  const value = annotations[NETWORK_STATUS_ANNOTATION] ?? annotations[OLD_NETWORK_STATUS_ANNOTATION];
  if (value === undefined) {
    throw new DeviceInfoError(
      "ERR_DEVINFO_NOT_FOUND",
      `it holds neither a network-status value (a JSON array) nor a ${NETWORK_STATUS_ANNOTATION} annotation`,
    );
  }
  return parseNetworkStatusAnnotation(value, options);
}

function toEntry(s: NetworkStatus): StatusEntry {
  return {
    network: typeof s.name === "string" ? s.name : null,
    interface: typeof s.interface === "string" && s.interface !== "" ? s.interface : null,
    default: s.default === true,
    ips: Array.isArray(s.ips) ? s.ips : [],
    mac: typeof s.mac === "string" && s.mac !== "" ? s.mac : null,
    deviceInfo: s["device-info"] ?? null,
  };
}
