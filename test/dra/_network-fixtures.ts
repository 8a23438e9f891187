// The pods, claims and ResourceSlice of fixtures/dra/network, fresh on each call (tests mutate them).

import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import type { PodLike, ResourceClaimLike, ResourceSliceLike } from "../../src/dra.js";

const DIR = path.join(import.meta.dirname, "../../fixtures/dra/network");
const load = <T>(name: string): T => parse(fs.readFileSync(path.join(DIR, name), "utf8")) as T;

/** The SR-IOV DRA driver of the fixtures. */
export const DRIVER = "sriovnetwork.k8snetworkplumbingwg.io";
/** The ResourceClaim the scheduler made for the extended-resource pod. */
export const EXT_CLAIM = "sriov-ext-extended-resources-4sd7g";
/** The extended resource the fixtures' networks name. */
export const NIC = "openshift.io/intel_nic";

export const extPod = () => load<PodLike>("pod-extended-resource.yaml");
export const extClaim = () => load<ResourceClaimLike>("claim-extended-resource.yaml");
export const directPod = () => load<PodLike>("pod-direct-claim.yaml");
export const directClaim = () => load<ResourceClaimLike>("claim-direct.yaml");
export const templatePod = () => load<PodLike>("pod-template-claim.yaml");
export const slice = () => load<ResourceSliceLike>("resourceslice-worker-1.yaml");
export const staleSlice = () => load<ResourceSliceLike>("resourceslice-worker-1-stale.yaml");
