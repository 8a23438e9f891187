/** `devinfo rbac`: the RBAC a ResourceClaim device-status writer needs (Kubernetes 1.36 and later). */

import { isAttributeDomain } from "../dra/limits.js";
import { type Command, type Context, EXIT_OK, JSON_OPTION, stringOption, UsageError } from "./_command.js";

const SCOPES = ["associated-node", "arbitrary-node"] as const;
type Scope = (typeof SCOPES)[number];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const command: Command = {
  name: "rbac",
  summary: "Print the ClusterRole and ClusterRoleBinding a DRA claim-status writer needs",
  description: `Print the RBAC objects a writer of ResourceClaim device status (status.devices, KEP-4817) needs today: a
ClusterRole that allows update and patch of resourceclaims/status, and, since Kubernetes 1.36
(DRAResourceClaimGranularStatusAuthorization, beta, on by default), the verbs <scope>:update and <scope>:patch on
resourceclaims/driver for the driver's name only (resourceNames: [DRIVER]); and a ClusterRoleBinding of it to the
service account.

--scope associated-node (the default) is for a node-local writer with a bound service-account token (a DRA
driver's kubelet plugin): it may write the status of claims allocated on its own node only. --scope
arbitrary-node is for a writer without one (a host meta-plugin with a static kubeconfig): it may write the status
of any node's claims for the driver, so grant it only where node-bound tokens are impossible.

Without --service-account only the ClusterRole is printed (and a note on stderr). The output is YAML documents
for kubectl apply -f -; --json prints one v1 List.`,
  usage: ["rbac --driver NAME [--service-account NAMESPACE/NAME] [--scope associated-node|arbitrary-node] [options]"],
  examples: [
    {
      comment: "For a DRA driver's kubelet plugin, applied at once",
      command: "devinfo rbac --driver sriovnetwork.k8snetworkplumbingwg.io --service-account kube-system/sriov-dra | kubectl apply -f -",
    },
    {
      comment: "For a meta-plugin on the host, which has no node-bound token",
      command: "devinfo rbac --driver sriov.example.com --service-account kube-system/multus --scope arbitrary-node",
    },
  ],
  options: {
    driver: { type: "string", help: "The DRA driver's name (a DNS subdomain): the only resourceNames the role allows. Required." },
    "service-account": { type: "string", help: "NAMESPACE/NAME of the service account to bind the role to." },
    scope: {
      type: "string",
      default: "associated-node",
      help: "associated-node (a writer with a node-bound token) or arbitrary-node (a writer without one).",
    },
    json: { ...JSON_OPTION, help: "Print one JSON document: a v1 List of the objects." },
  },
  run,
};

/** The objects, in the order kubectl should apply them (the role before its binding). */
export function statusWriterRBAC(
  driver: string,
  scope: Scope,
  serviceAccount?: { namespace: string; name: string },
): Record<string, unknown>[] {
  const name = `${driver}:resourceclaim-status-writer`;
  const role = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name },
    rules: [
      { apiGroups: ["resource.k8s.io"], resources: ["resourceclaims/status"], verbs: ["update", "patch"] },
      {
        apiGroups: ["resource.k8s.io"],
        resources: ["resourceclaims/driver"],
        resourceNames: [driver],
        verbs: [`${scope}:update`, `${scope}:patch`],
      },
    ],
  };
  if (serviceAccount === undefined) return [role];
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name: serviceAccount.name, namespace: serviceAccount.namespace }],
  };
  return [role, binding];
}

// A plain scalar only where YAML 1.1 and 1.2 readers agree it is that string; quoted (JSON is YAML) otherwise.
function scalar(text: string): string {
  if (/^[A-Za-z][A-Za-z0-9._/-]*(:[A-Za-z0-9._/-]+)*$/.test(text) && !/^(true|false|yes|no|on|off|null|y|n)$/i.test(text)) return text;
  return JSON.stringify(text);
}

function yaml(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    return value.flatMap((item) => {
      const lines = yaml(item, `${indent}  `);
      const first = (lines[0] as string).slice(indent.length + 2);
      return [`${indent}- ${first}`, ...lines.slice(1)];
    });
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${indent}{}`];
    return entries.flatMap(([key, item]) => {
      if (typeof item === "object" && item !== null && (Array.isArray(item) ? item.length > 0 : Object.keys(item).length > 0)) {
        return [`${indent}${scalar(key)}:`, ...yaml(item, `${indent}  `)];
      }
      return [`${indent}${scalar(key)}: ${yaml(item, "")[0]}`];
    });
  }
  return [`${indent}${scalar(String(value))}`];
}

function serviceAccountOf(text: string | undefined): { namespace: string; name: string } | undefined {
  if (text === undefined) return undefined;
  const [namespace, name, ...rest] = text.split("/");
  if (
    namespace === undefined ||
    name === undefined ||
    rest.length > 0 ||
    namespace.length > 63 ||
    !DNS_LABEL.test(namespace) ||
    name.length > 253 ||
    !DNS_SUBDOMAIN.test(name)
  ) {
    throw new UsageError(
      `--service-account ${JSON.stringify(text)}: give NAMESPACE/NAME, a namespace (a DNS label) and a service account name (a DNS subdomain), e.g. kube-system/sriov-dra`,
    );
  }
  return { namespace, name };
}

function run(ctx: Context): number {
  if (ctx.positionals.length > 0) throw new UsageError(`devinfo rbac takes no arguments, got ${JSON.stringify(ctx.positionals[0])}`);
  const driver = stringOption(ctx.values, "driver");
  if (driver === undefined) throw new UsageError("devinfo rbac needs --driver NAME, the DRA driver whose claims the writer reports on");
  if (!isAttributeDomain(driver)) {
    throw new UsageError(`--driver ${JSON.stringify(driver)}: a DRA driver's name is a DNS subdomain of at most 63 characters, lower case`);
  }
  const scope = stringOption(ctx.values, "scope") ?? "associated-node";
  if (!(SCOPES as readonly string[]).includes(scope)) {
    throw new UsageError(`--scope ${JSON.stringify(scope)}: give associated-node (a writer with a node-bound token) or arbitrary-node`);
  }
  const serviceAccount = serviceAccountOf(stringOption(ctx.values, "service-account"));
  const objects = statusWriterRBAC(driver, scope as Scope, serviceAccount);
  if (ctx.values.json === true) {
    ctx.out.write(`${JSON.stringify({ apiVersion: "v1", kind: "List", metadata: {}, items: objects }, null, 2)}\n`);
  } else {
    ctx.out.write(`${objects.map((o) => `${yaml(o, "").join("\n")}\n`).join("---\n")}`);
  }
  if (serviceAccount === undefined) {
    ctx.err.line("note: no --service-account given: only the ClusterRole is printed; bind it to the writer's service account");
  }
  return EXIT_OK;
}
