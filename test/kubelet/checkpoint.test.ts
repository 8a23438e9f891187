import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { parseDeviceCheckpoint, readDeviceCheckpoint } from "../../src/kubelet/_checkpoint.js";
import { CHECKPOINT_DRA_NOTE, getAllocatableDevices, getPodDevices } from "../../src/kubelet.js";
import { REPO_ROOT } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";

const FIXTURES = path.join(REPO_ROOT, "fixtures/kubelet");
const fixture = (name: string) => path.join(FIXTURES, name);
const UID = "0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a";
const POD = { namespace: "default", name: "sriov-pod", uid: UID };

describe("getPodDevices from the checkpoint (no PodResources socket)", () => {
  const tmp = useTempDir();

  it.each(["checkpoint-numa.json", "checkpoint-v1.json", "checkpoint-wrong-checksum.json"])(
    "%s: the pod's devices, matched by uid",
    async (name) => {
      const devices = await getPodDevices(POD, { socket: tmp.join("absent.sock"), checkpoint: fixture(name) });
      expect(devices).toEqual({
        // Multus v4.3.1: the entries' containers in order, each container's devices sorted.
        resources: { "intel.com/sriov_netdevice": ["0000:af:06.1", "0000:d8:02.0", "0000:af:06.0"], "nvidia.com/gpu": ["GPU-5c8f"] },
        containers: {
          app: {
            "intel.com/sriov_netdevice":
              name === "checkpoint-v1.json" ? ["0000:d8:02.0", "0000:af:06.1"] : ["0000:af:06.1", "0000:d8:02.0"],
            "nvidia.com/gpu": ["GPU-5c8f"],
          },
          sidecar: { "intel.com/sriov_netdevice": ["0000:af:06.0"] },
        },
        orderedContainers: [
          { name: "app", resources: { "intel.com/sriov_netdevice": ["0000:af:06.1", "0000:d8:02.0"], "nvidia.com/gpu": ["GPU-5c8f"] } },
          { name: "sidecar", resources: { "intel.com/sriov_netdevice": ["0000:af:06.0"] } },
        ],
        dynamicResources: [],
        source: { type: "checkpoint", path: fixture(name), note: CHECKPOINT_DRA_NOTE },
      });
    },
  );

  it.each([
    ["another pod's uid", "checkpoint-numa.json", "7d1c2b3a-0000-4000-8000-00000000ffff"],
    ["a node with no allocation", "checkpoint-empty.json", UID],
  ])("%s: empty resources", async (_, name, uid) => {
    const devices = await getPodDevices({ ...POD, uid }, { socket: tmp.join("absent.sock"), checkpoint: fixture(name) });
    expect(devices).toEqual({
      resources: {},
      containers: {},
      orderedContainers: [],
      dynamicResources: [],
      source: { type: "checkpoint", path: fixture(name), note: CHECKPOINT_DRA_NOTE },
    });
  });

  it("without pod.uid the checkpoint cannot match: ERR_DEVINFO_KUBELET_UNAVAILABLE naming the socket", async () => {
    const socket = tmp.join("absent.sock");
    const err = await getPodDevices(
      { namespace: "default", name: "sriov-pod" },
      { socket, checkpoint: fixture("checkpoint-numa.json") },
    ).catch((e: unknown) => e);
    expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_KUBELET_UNAVAILABLE");
    expect(isDeviceInfoError(err) && err.path).toBe(socket);
    expect((err as Error).message).toMatch(/pod\.uid/);
  });

  it("neither socket nor checkpoint: ERR_DEVINFO_KUBELET_UNAVAILABLE naming both", async () => {
    const socket = tmp.join("absent.sock");
    const checkpoint = tmp.join("absent-checkpoint");
    for (const ask of [() => getPodDevices(POD, { socket, checkpoint }), () => getAllocatableDevices({ socket, checkpoint })]) {
      const err = await ask().catch((e: unknown) => e);
      expect(isDeviceInfoError(err) && [err.code, err.path, err.errno]).toEqual(["ERR_DEVINFO_KUBELET_UNAVAILABLE", socket, "ENOENT"]);
      expect((err as Error).message).toContain(checkpoint);
    }
  });

  it.each([
    [
      "checkpoint-numa.json",
      {
        "intel.com/sriov_netdevice": ["0000:af:06.0", "0000:af:06.1", "0000:af:06.2", "0000:af:06.3", "0000:d8:02.0"],
        "nvidia.com/gpu": ["GPU-5c8f"],
      },
    ],
    [
      "checkpoint-v1.json",
      {
        "intel.com/sriov_netdevice": ["0000:af:06.0", "0000:af:06.1", "0000:af:06.2", "0000:af:06.3", "0000:d8:02.0"],
        "nvidia.com/gpu": ["GPU-5c8f"],
      },
    ],
    ["checkpoint-empty.json", {}],
  ])("getAllocatableDevices: %s's RegisteredDevices", async (name, resources) => {
    const devices = await getAllocatableDevices({ socket: tmp.join("absent.sock"), checkpoint: fixture(name) });
    expect(devices).toEqual({ resources, source: { type: "checkpoint", path: fixture(name) } });
  });
});

describe("a checkpoint that is not the device manager's format is a typed error naming the file", () => {
  const tmp = useTempDir();

  it.each([
    ["truncated", fs.readFileSync(fixture("checkpoint-truncated.json"), "utf8"), "ERR_DEVINFO_PARSE", "$"],
    ["empty file", "", "ERR_DEVINFO_PARSE", "$"],
    ["not an object", "[]", "ERR_DEVINFO_INVALID", "$"],
    ["no Data", '{"Checksum":1}', "ERR_DEVINFO_INVALID", "$['Data']"],
    ["Data a string", '{"Data":"x"}', "ERR_DEVINFO_INVALID", "$['Data']"],
    ["entries an object", '{"Data":{"PodDeviceEntries":{}}}', "ERR_DEVINFO_INVALID", "$['Data']['PodDeviceEntries']"],
    ["an entry a string", '{"Data":{"PodDeviceEntries":["x"]}}', "ERR_DEVINFO_INVALID", "$['Data']['PodDeviceEntries'][0]"],
    [
      "PodUID a number",
      '{"Data":{"PodDeviceEntries":[{"PodUID":1}]}}',
      "ERR_DEVINFO_INVALID",
      "$['Data']['PodDeviceEntries'][0]['PodUID']",
    ],
    [
      "DeviceIDs a string",
      '{"Data":{"PodDeviceEntries":[{"DeviceIDs":"a"}]}}',
      "ERR_DEVINFO_INVALID",
      "$['Data']['PodDeviceEntries'][0]['DeviceIDs']",
    ],
    [
      "a NUMA node that is not a number",
      '{"Data":{"PodDeviceEntries":[{"DeviceIDs":{"x":["a"]}}]}}',
      "ERR_DEVINFO_INVALID",
      "$['Data']['PodDeviceEntries'][0]['DeviceIDs']['x']",
    ],
    [
      "a device ID a number",
      '{"Data":{"PodDeviceEntries":[{"DeviceIDs":{"0":[1]}}]}}',
      "ERR_DEVINFO_INVALID",
      "$['Data']['PodDeviceEntries'][0]['DeviceIDs']['0'][0]",
    ],
    [
      "AllocResp a number",
      '{"Data":{"PodDeviceEntries":[{"AllocResp":1}]}}',
      "ERR_DEVINFO_INVALID",
      "$['Data']['PodDeviceEntries'][0]['AllocResp']",
    ],
    ["RegisteredDevices a list", '{"Data":{"RegisteredDevices":[]}}', "ERR_DEVINFO_INVALID", "$['Data']['RegisteredDevices']"],
    [
      "a registered list a string",
      '{"Data":{"RegisteredDevices":{"r":"a"}}}',
      "ERR_DEVINFO_INVALID",
      "$['Data']['RegisteredDevices']['r']",
    ],
  ])("%s: %s at %s", async (_, text, code, jsonPath) => {
    const file = tmp.join("kubelet_internal_checkpoint");
    fs.writeFileSync(file, text);
    for (const ask of [
      () => getPodDevices(POD, { socket: tmp.join("absent.sock"), checkpoint: file }),
      () => getAllocatableDevices({ socket: tmp.join("absent.sock"), checkpoint: file }),
    ]) {
      const err = await ask().catch((e: unknown) => e);
      expect(isDeviceInfoError(err) && [err.code, err.path]).toEqual([code, file]);
      expect((err as Error).message).toContain(file);
      if (code === "ERR_DEVINFO_INVALID" && isDeviceInfoError(err)) expect(err.issues.map((i) => i.jsonPath)).toContain(jsonPath);
    }
  });

  it("reads as Go's decoder does: case-insensitive keys, null fields empty, the last duplicate key wins", () => {
    const text =
      '{"data":{"poddeviceentries":[{"PODUID":"u","ContainerName":null,"ResourceName":"r","DeviceIDs":{"1":["b"],"0":["a",null]}},null],"RegisteredDevices":null,"RegisteredDevices":{"r":["a","b"]}}}';
    expect(parseDeviceCheckpoint(text, "/x")).toEqual({
      entries: [{ podUID: "u", containerName: "", resourceName: "r", deviceIDs: ["a", "b"] }],
      registeredDevices: { r: ["a", "b"] },
    });
  });

  const entry = (fields: string) => `{"Data":{"PodDeviceEntries":[{${fields}}]}}`;
  const one = (podUID: string, containerName: string, resourceName: string, deviceIDs: string[]) => ({
    entries: [{ podUID, containerName, resourceName, deviceIDs }],
    registeredDevices: {},
  });
  it.each<[string, string, ReturnType<typeof parseDeviceCheckpoint>]>([
    [
      "a later case variant that is null leaves the string (the issue's example)",
      entry('"PodUID":"uid-1","poduid":null'),
      one("uid-1", "", "", []),
    ],
    ["the last non-null case variant wins", entry('"PodUID":"a","PODUID":"b","poduid":null'), one("b", "", "", [])],
    ["a null before the value changes nothing", entry('"poduid":null,"PodUID":"a","ContainerName":null'), one("a", "", "", [])],
    ["a Unicode fold (U+017F long s) matches", entry('"PodUID":"a","Re\u017fourceName":"r"'), one("a", "", "r", [])],
    ["null empties DeviceIDs (a map)", entry('"PodUID":"a","DeviceIDs":{"0":["x"]},"deviceids":null'), one("a", "", "", [])],
    ["DeviceIDs objects merge", entry('"PodUID":"a","DeviceIDs":{"1":["y"]},"deviceIDs":{"0":["x"]}'), one("a", "", "", ["x", "y"])],
    [
      "a NUMA node written twice (0 and +0): the last wins",
      entry('"PodUID":"a","DeviceIDs":{"0":["x"],"+0":["y"]}'),
      one("a", "", "", ["y"]),
    ],
    [
      "NUMA nodes in numeric order, negative first",
      entry('"PodUID":"a","DeviceIDs":{"10":["z"],"2":["y"],"-1":["x"]}'),
      one("a", "", "", ["x", "y", "z"]),
    ],
    ["a null device ID is no device", entry('"PodUID":"a","DeviceIDs":{"0":[null,"x",""]}'), one("a", "", "", ["x"])],
    [
      "Data twice: the structs merge",
      '{"Data":{"PodDeviceEntries":[{"PodUID":"a"}]},"data":{"RegisteredDevices":{"r":["x"]}},"DATA":null}',
      { entries: [{ podUID: "a", containerName: "", resourceName: "", deviceIDs: [] }], registeredDevices: { r: ["x"] } },
    ],
    [
      "RegisteredDevices twice: the maps merge; a null between empties the first",
      '{"Data":{"RegisteredDevices":{"a":["x"]},"registereddevices":{"b":["y"]},"Registereddevices":null,"REGISTEREDDEVICES":{"c":["z"]}}}',
      { entries: [], registeredDevices: { c: ["z"] } },
    ],
    [
      "RegisteredDevices twice without null: both",
      '{"Data":{"RegisteredDevices":{"a":["x"]},"registereddevices":{"b":["y"]}}}',
      { entries: [], registeredDevices: { a: ["x"], b: ["y"] } },
    ],
    [
      "PodDeviceEntries twice: Go decodes the second array into the first one's elements",
      '{"Data":{"PodDeviceEntries":[{"PodUID":"u","ResourceName":"r"}],"poddeviceentries":[{"ContainerName":"c","DeviceIDs":["x"]}]}}',
      one("u", "c", "r", ["x"]),
    ],
    [
      "PodDeviceEntries then null: none",
      '{"Data":{"PodDeviceEntries":[{"PodUID":"u"}],"PODDEVICEENTRIES":null}}',
      { entries: [], registeredDevices: {} },
    ],
    ["entries without a PodUID (null, {}) match no pod", '{"Data":{"PodDeviceEntries":[null,{},{"PodUID":"u"}]}}', one("u", "", "", [])],
  ])("Go's struct decoding: %s", (_, text, expected) => {
    expect(parseDeviceCheckpoint(text, "/x")).toEqual(expected);
  });

  it("the issue's example end to end: getPodDevices finds pod uid-1", async () => {
    const file = tmp.join("kubelet_internal_checkpoint");
    fs.writeFileSync(
      file,
      '{"Data":{"PodDeviceEntries":[{"PodUID":"uid-1","poduid":null,"ContainerName":"app","ResourceName":"r","DeviceIDs":{"0":["x"]}}]}}',
    );
    const devices = await getPodDevices({ ...POD, uid: "uid-1" }, { socket: tmp.join("absent.sock"), checkpoint: file });
    expect(devices.resources).toEqual({ r: ["x"] });
  });

  it.each([
    [
      "a NUMA node beyond int64",
      entry('"PodUID":"a","DeviceIDs":{"9223372036854775808":["x"]}'),
      "$['Data']['PodDeviceEntries'][0]['DeviceIDs']['9223372036854775808']",
    ],
    ["a case variant of the wrong type", entry('"PodUID":"a","poduid":5'), "$['Data']['PodDeviceEntries'][0]['poduid']"],
    ["a case variant of Data of the wrong type", '{"Data":{},"data":[]}', "$['data']"],
  ])("%s: ERR_DEVINFO_INVALID at %s", (_, text, jsonPath) => {
    const err = (() => {
      try {
        parseDeviceCheckpoint(text, "/x");
      } catch (e) {
        return e;
      }
    })();
    expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
    expect(isDeviceInfoError(err) && err.issues.map((i) => i.jsonPath)).toContain(jsonPath);
  });

  it("a resource named __proto__ is an own key, not a prototype", () => {
    const parsed = parseDeviceCheckpoint('{"Data":{"RegisteredDevices":{"__proto__":["a"]}}}', "/x");
    expect(Object.getOwnPropertyNames(parsed.registeredDevices)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(parsed.registeredDevices)).toBe(Object.prototype);
  });

  it.each([
    ["a directory", (file: string) => fs.mkdirSync(file), "ERR_DEVINFO_UNSAFE_PATH"],
    ["a FIFO (never blocks)", (file: string) => execFileSync("mkfifo", [file]), "ERR_DEVINFO_UNSAFE_PATH"],
    [
      "over 16 MiB (sparse: never read)",
      (file: string) => {
        fs.writeFileSync(file, "");
        fs.truncateSync(file, 16 * 1024 * 1024 + 1);
      },
      "ERR_DEVINFO_TOO_LARGE",
    ],
  ])("the checkpoint path is %s: %s", async (_, make, code) => {
    const file = tmp.join("kubelet_internal_checkpoint");
    make(file);
    const err = await readDeviceCheckpoint(file).catch((e: unknown) => e);
    expect(isDeviceInfoError(err) && [err.code, err.path]).toEqual([code, file]);
  });
});
