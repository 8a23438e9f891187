/**
 * devinfo: the Kubernetes Network Plumbing Working Group's Device Information
 * Specification v1.1.0 for TypeScript device plugins, meta-plugins, CNI
 * plugins and workloads, compatible byte for byte with the Go reference.
 *
 * This entry point never loads zod (see `devinfo/schema` for the schemas).
 *
 * @packageDocumentation
 * @module devinfo
 */

// The union of the role entries: each name is listed once, in the entry of the role that uses it
// (names two roles share are in the src/_*.ts lists those entries re-export).
export * from "./cni-plugin.js";
export * from "./device-plugin.js";
export * from "./meta-plugin.js";
export * from "./network-status.js";
export * from "./workload.js";
