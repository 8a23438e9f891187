import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { validateRBACObject } from "../dra/k8s-api.js";
import { devinfo } from "./_helpers.js";

const DRIVER = "sriovnetwork.k8snetworkplumbingwg.io";
const ROLE = `${DRIVER}:resourceclaim-status-writer`;
const rules = (scope: string) => [
  { apiGroups: ["resource.k8s.io"], resources: ["resourceclaims/status"], verbs: ["update", "patch"] },
  {
    apiGroups: ["resource.k8s.io"],
    resources: ["resourceclaims/driver"],
    resourceNames: [DRIVER],
    verbs: [`${scope}:update`, `${scope}:patch`],
  },
];
const objects = (scope: string) => [
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: ROLE }, rules: rules(scope) },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: ROLE },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: ROLE },
    subjects: [{ kind: "ServiceAccount", name: "sriov-dra", namespace: "kube-system" }],
  },
];

describe("devinfo rbac", () => {
  it.each([
    ["the default scope, associated-node (a node-local writer with a bound token)", [], "associated-node"],
    ["--scope associated-node", ["--scope", "associated-node"], "associated-node"],
    ["--scope arbitrary-node (a host meta-plugin with a static kubeconfig)", ["--scope", "arbitrary-node"], "arbitrary-node"],
  ])("prints YAML documents kubectl applies, with %s", (_what, args, scope) => {
    const run = devinfo(["rbac", "--driver", DRIVER, "--service-account", "kube-system/sriov-dra", ...args]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS() as Record<string, unknown>);
    expect(docs).toStrictEqual(objects(scope));
    for (const doc of docs) validateRBACObject(doc);
  });

  it("--json prints one v1 List of the same objects", () => {
    const run = devinfo(["rbac", "--driver", DRIVER, "--service-account", "kube-system/sriov-dra", "--json"]);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { apiVersion: string; kind: string; items: Record<string, unknown>[] };
    expect(list).toStrictEqual({ apiVersion: "v1", kind: "List", metadata: {}, items: objects("associated-node") });
    for (const item of list.items) validateRBACObject(item);
    // the YAML and the JSON say the same
    const yaml = devinfo(["rbac", "--driver", DRIVER, "--service-account", "kube-system/sriov-dra"]);
    expect(parseAllDocuments(yaml.stdout).map((d) => d.toJS())).toStrictEqual(list.items);
  });

  it("without --service-account prints the ClusterRole alone, and says so", () => {
    const run = devinfo(["rbac", "--driver", "sriov.example.com"]);
    expect(run.code).toBe(0);
    const role = parse(run.stdout) as Record<string, unknown>;
    expect(role.kind).toBe("ClusterRole");
    expect(run.stdout).not.toContain("---");
    validateRBACObject(role);
    expect(run.stderr).toMatch(/no --service-account given: only the ClusterRole is printed/);
  });

  it("quotes what YAML would read as something else", () => {
    const run = devinfo(["rbac", "--driver", "yes", "--service-account", "0/1"]);
    expect(run.code).toBe(0);
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS() as { subjects?: { name: unknown; namespace: unknown }[] });
    expect(docs[1]?.subjects).toStrictEqual([{ kind: "ServiceAccount", name: "1", namespace: "0" }]);
    expect((docs[0] as { rules: { resourceNames?: unknown[] }[] }).rules[1]?.resourceNames).toStrictEqual(["yes"]);
  });

  it.each([
    ["no --driver", [], /needs --driver NAME/],
    [
      "a driver that is no DNS subdomain",
      ["--driver", "Sriov_Example"],
      /--driver "Sriov_Example": a DRA driver's name is a DNS subdomain/,
    ],
    ["an unknown scope", ["--driver", DRIVER, "--scope", "any-node"], /--scope "any-node": give associated-node/],
    ["a service account without a namespace", ["--driver", DRIVER, "--service-account", "sriov-dra"], /give NAMESPACE\/NAME/],
    ["a service account with two slashes", ["--driver", DRIVER, "--service-account", "a/b/c"], /give NAMESPACE\/NAME/],
    ["an upper-case namespace", ["--driver", DRIVER, "--service-account", "Kube-System/x"], /give NAMESPACE\/NAME/],
    ["an argument", ["--driver", DRIVER, "extra"], /takes no arguments/],
  ])("refuses %s as a usage error (exit 2, nothing on stdout)", (_what, args, says) => {
    const run = devinfo(["rbac", ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(says);
  });

  it("is listed in the overview with its help", () => {
    expect(devinfo(["--help"]).stdout).toMatch(/rbac\s+Print the ClusterRole and ClusterRoleBinding a DRA claim-status writer needs/);
    const help = devinfo(["rbac", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--scope='associated-node':/);
  });
});
