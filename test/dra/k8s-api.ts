/**
 * Checks against the Kubernetes API itself, for the DRA tests: the
 * structural schema of `resource.k8s.io/v1` from `kubernetes-models` (the
 * OpenAPI schema, validated at run time), plus the rules the API server's
 * Go validation adds that OpenAPI does not carry (`pkg/apis/resource/validation`:
 * qualified names, value lengths, counts). Written here from the Go
 * validation, independently of src/dra, so that a bug there cannot hide.
 */

import { ResourceClaim, ResourceSlice } from "kubernetes-models/resource.k8s.io/v1";

const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** Problems the API server would report for a device's attributes (empty when it accepts them). */
export function attributeProblems(attributes: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const names = Object.keys(attributes);
  if (names.length > 32) problems.push(`${names.length} attributes, over 32`);
  for (const name of names) {
    const [domain, id] = name.includes("/") ? [name.slice(0, name.indexOf("/")), name.slice(name.indexOf("/") + 1)] : [undefined, name];
    if (domain !== undefined && (domain.length > 63 || !DNS_SUBDOMAIN.test(domain))) problems.push(`${name}: bad domain`);
    if (id.length > 32 || !C_IDENTIFIER.test(id)) problems.push(`${name}: bad identifier`);
    const value = attributes[name] as Record<string, unknown>;
    const set = Object.keys(value).filter((k) => value[k] !== undefined);
    if (set.length !== 1) problems.push(`${name}: ${set.length} values`);
    for (const k of ["string", "version"]) {
      const v = value[k];
      if (typeof v === "string" && bytes(v) > 64) problems.push(`${name}: ${k} over 64 bytes`);
    }
    // semver.org 2.0.0, as blang/semver parses it
    if (
      typeof value.version === "string" &&
      !/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(
        value.version,
      )
    ) {
      problems.push(`${name}: not semver`);
    }
  }
  return problems;
}

/** Throws unless a ResourceSlice with one device carrying `attributes` validates against the v1 schema. */
export function validateDeviceAttributes(attributes: Record<string, unknown>): void {
  new ResourceSlice({
    metadata: { name: "node-1-sriov" },
    spec: {
      driver: "sriov.example.com",
      pool: { name: "node-1", generation: 1, resourceSliceCount: 1 },
      nodeName: "node-1",
      // biome-ignore lint/suspicious/noExplicitAny: the model's attribute type is the API's; the value under test is ours
      devices: [{ name: "vf-0", attributes: attributes as any }],
    },
  }).validate();
  const problems = attributeProblems(attributes);
  if (problems.length > 0) throw new Error(`the API server would refuse these attributes: ${problems.join("; ")}`);
}

const CIDR4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/** Problems of one `AllocatedDeviceStatus` that the Go validation reports. */
export function deviceStatusProblems(status: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const net = status.networkData as { interfaceName?: string; ips?: string[]; hardwareAddress?: string } | undefined;
  if (net !== undefined) {
    if (net.interfaceName !== undefined && bytes(net.interfaceName) > 256) problems.push("interfaceName over 256 bytes");
    if (net.hardwareAddress !== undefined && bytes(net.hardwareAddress) > 128) problems.push("hardwareAddress over 128 bytes");
    const ips = net.ips ?? [];
    if (ips.length > 16) problems.push(`${ips.length} ips, over 16`);
    if (new Set(ips).size !== ips.length) problems.push("duplicate ips");
    for (const ip of ips) {
      // IsValidInterfaceAddress: an address with a prefix, in canonical form
      if (!CIDR4.test(ip) && !/^[0-9a-f:.]+\/(12[0-8]|1[01]\d|[1-9]?\d)$/.test(ip))
        problems.push(`${ip}: not an interface address in CIDR form`);
    }
  }
  if (status.data !== undefined) {
    const raw = JSON.stringify(status.data);
    if (bytes(raw) > 10 * 1024) problems.push("data over 10 KiB");
    if (typeof status.data !== "object" || status.data === null || Array.isArray(status.data)) problems.push("data not an object");
  }
  const conditions = (status.conditions ?? []) as { type: string }[];
  if (conditions.length > 8) problems.push("over 8 conditions");
  return problems;
}

/** Throws unless a ResourceClaim whose status lists `devices` validates against the v1 schema and the Go rules. */
export function validateDeviceStatuses(devices: Record<string, unknown>[]): void {
  new ResourceClaim({
    metadata: { name: "claim-1", namespace: "default" },
    spec: { devices: { requests: [] } },
    // biome-ignore lint/suspicious/noExplicitAny: the value under test is ours
    status: { devices: devices as any },
  }).validate();
  const problems = devices.flatMap(deviceStatusProblems);
  if (problems.length > 0) throw new Error(`the API server would refuse these device statuses: ${problems.join("; ")}`);
}
