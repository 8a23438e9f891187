/** The Kubernetes checks the DRA tests rely on can fail: each refuses what the API server refuses. */

import { describe, expect, it } from "vitest";
import { validateDeviceAttributes, validateDeviceStatuses, validateOpenAPI } from "./k8s-api.js";

const STATUS = { driver: "sriov.example.com", pool: "node-1", device: "vf-0" };
const CONDITION = { type: "Ready", status: "True", reason: "Configured", message: "", lastTransitionTime: "2025-09-01T10:00:00Z" };

describe("the resource.k8s.io/v1 OpenAPI schemas (fixtures/k8s)", () => {
  it("accept a full device status and attributes", () => {
    expect(() =>
      validateDeviceStatuses([
        {
          ...STATUS,
          conditions: [{ ...CONDITION, observedGeneration: 3 }],
          data: { any: ["thing"] },
          networkData: { interfaceName: "net1", ips: ["10.0.0.2/24"], hardwareAddress: "9a:4e:1b:22:0c:3d" },
        },
      ]),
    ).not.toThrow();
    expect(() =>
      validateDeviceAttributes({ "dra.net/pci": { string: "0000:af:06.0" }, numa: { int: 1 }, rdma: { bool: true } }),
    ).not.toThrow();
  });

  it.each([
    ["an int attribute that is not an integer", { a: { int: 1.5 } }, /must be integer/],
    ["a string attribute that is a number", { a: { string: 5 } }, /must be string/],
    ["an unknown field (kubectl's strict field validation)", { a: { strng: "x" } }, /must NOT have additional properties/],
    ["two values", { a: { string: "x", bool: true } }, /2 values/],
  ])("refuse %s", (_what, attributes, says) => {
    expect(() => validateDeviceAttributes(attributes)).toThrow(says);
  });

  it.each([
    ["no pool", [{ driver: "d", device: "x" }], /must have required property 'pool'/],
    [
      "a condition without lastTransitionTime",
      [{ ...STATUS, conditions: [{ ...CONDITION, lastTransitionTime: undefined }] }],
      /lastTransitionTime/,
    ],
    [
      "a lastTransitionTime that is no date-time",
      [{ ...STATUS, conditions: [{ ...CONDITION, lastTransitionTime: "yesterday" }] }],
      /date-time/,
    ],
    ["ips that are not a list", [{ ...STATUS, networkData: { ips: "10.0.0.2/24" } }], /must be array/],
    ["data that is not an object", [{ ...STATUS, data: "x" }], /must be object/],
    ["the same device twice", [STATUS, STATUS], /duplicate/],
  ])("refuse a device status with %s", (_what, devices, says) => {
    expect(() => validateDeviceStatuses(devices as Record<string, unknown>[])).toThrow(says);
  });

  it("NetworkDeviceData alone", () => {
    expect(() => validateOpenAPI("io.k8s.api.resource.v1.NetworkDeviceData", { interfaceName: "net1" })).not.toThrow();
    expect(() => validateOpenAPI("io.k8s.api.resource.v1.NetworkDeviceData", { interfaceName: 1 })).toThrow(/interfaceName must be string/);
  });
});
