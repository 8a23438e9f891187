/**
 * Checks against the Kubernetes API itself, for the DRA tests: the OpenAPI
 * schemas of `resource.k8s.io/v1` (an excerpt of Kubernetes' own OpenAPI v3
 * document, fixtures/k8s/, validated with Ajv), plus the rules the API
 * server's Go validation adds that OpenAPI does not carry
 * (`pkg/apis/resource/validation`: qualified names, value lengths, counts).
 * Written here from the Go validation, independently of src/dra, so that a
 * bug there cannot hide.
 */

import fs from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

const OPENAPI = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "../../fixtures/k8s/resource.k8s.io-v1.openapi.json"), "utf8"),
) as { components: { schemas: Record<string, Record<string, unknown>> } };

// kubectl's default field validation (Strict, since 1.27) refuses unknown
// fields: an object schema with properties accepts no others here either.
for (const schema of Object.values(OPENAPI.components.schemas)) {
  if (schema.properties !== undefined && schema.additionalProperties === undefined) schema.additionalProperties = false;
}

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
ajv.addSchema(OPENAPI, "k8s");

function schema(name: string): ValidateFunction {
  const validate = ajv.getSchema(`k8s#/components/schemas/${name}`);
  if (validate === undefined) throw new Error(`no schema ${name} in the OpenAPI excerpt`);
  return validate;
}

/** Throws with Ajv's report unless `value` is a valid `name` (e.g. `io.k8s.api.resource.v1.NetworkDeviceData`). */
export function validateOpenAPI(name: string, value: unknown): void {
  const validate = schema(name);
  if (!validate(value)) throw new Error(`not a valid ${name}: ${ajv.errorsText(validate.errors)}`);
}

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

/** Throws unless `attributes` is a valid `Device.attributes` (a map of DeviceAttribute) of a ResourceSlice, and the API server's Go rules accept it. */
export function validateDeviceAttributes(attributes: Record<string, unknown>): void {
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) throw new Error("attributes: not a map");
  for (const value of Object.values(attributes)) validateOpenAPI("io.k8s.api.resource.v1.DeviceAttribute", value ?? null);
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

/** Throws unless `devices` is a valid `ResourceClaimStatus.devices` (AllocatedDeviceStatus items, a list-map keyed by driver, pool and device) and the Go rules accept it. */
export function validateDeviceStatuses(devices: Record<string, unknown>[]): void {
  if (!Array.isArray(devices)) throw new Error("devices: not a list");
  for (const device of devices) validateOpenAPI("io.k8s.api.resource.v1.AllocatedDeviceStatus", device);
  const keys = devices.map((d) => JSON.stringify([d.driver, d.pool, d.device]));
  if (new Set(keys).size !== keys.length) throw new Error("devices: duplicate driver/pool/device entries in a list-map");
  const problems = devices.flatMap(deviceStatusProblems);
  if (problems.length > 0) throw new Error(`the API server would refuse these device statuses: ${problems.join("; ")}`);
}

/**
 * Problems with the values of Kubernetes' standard attributes, as the
 * upstream helpers define them (`deviceattribute`: `verifyPCIBDFFormat`,
 * `GetNUMANodeAttribute`). The API server does not check these; a
 * `matchAttribute` constraint compares them as published.
 */
export function standardAttributeProblems(attributes: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(attributes)) {
    const value = raw as Record<string, unknown>;
    if (name === "resource.kubernetes.io/pciBusID") {
      if (typeof value.string !== "string" || !/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$/.test(value.string))
        problems.push(`${name}: ${JSON.stringify(value)} is not a lower-case extended BDF`);
    } else if (name === "resource.kubernetes.io/numaNode") {
      const nodes = Array.isArray(value.ints) ? value.ints : [value.int];
      if (nodes.length === 0 || !nodes.every((n) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 1023))
        problems.push(`${name}: ${JSON.stringify(value)} is not a NUMA node from 0 to 1023`);
    }
  }
  return problems;
}

const RBAC = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, "../../fixtures/dra/rbac.authorization.k8s.io-v1.openapi.json"), "utf8"),
) as { components: { schemas: Record<string, Record<string, unknown>> } };
for (const schema of Object.values(RBAC.components.schemas)) {
  if (schema.properties !== undefined && schema.additionalProperties === undefined) schema.additionalProperties = false;
}
const rbacAjv = addFormats(new Ajv({ strict: false, allErrors: true }));
rbacAjv.addSchema(RBAC, "rbac");

/**
 * Throws unless `object` is a valid `rbac.authorization.k8s.io/v1` object of
 * its kind (ClusterRole, ClusterRoleBinding, …) by the API's OpenAPI schema,
 * and its name one the API server accepts (`path.ValidatePathSegmentName`:
 * not `.`/`..`, no `/` or `%`).
 */
export function validateRBACObject(object: Record<string, unknown>): void {
  if (object.apiVersion !== "rbac.authorization.k8s.io/v1")
    throw new Error(`not an rbac.authorization.k8s.io/v1 object: ${String(object.apiVersion)}`);
  const validate = rbacAjv.getSchema(`rbac#/components/schemas/io.k8s.api.rbac.v1.${String(object.kind)}`);
  if (validate === undefined) throw new Error(`no schema for kind ${String(object.kind)}`);
  if (!validate(object)) throw new Error(`not a valid ${String(object.kind)}: ${rbacAjv.errorsText(validate.errors)}`);
  const name = (object.metadata as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string" || name === "" || name === "." || name === ".." || /[/%]/.test(name))
    throw new Error(`bad name ${String(name)}`);
}
