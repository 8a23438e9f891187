import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type DeviceInfoError, isDeviceInfoError } from "../../src/base/errors.js";
import type { DeviceInfoIssue } from "../../src/base/issues.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import {
  NETWORK_STATUS_ANNOTATION,
  OLD_NETWORK_STATUS_ANNOTATION,
  parseNetworkStatusAnnotation,
  serializeNetworkStatusAnnotation,
} from "../../src/status/network-status.js";
import type { NetworkStatus } from "../../src/status/schema.js";
import {
  DEFAULT_KUBEVIRT_NETWORK_INFO_PATH,
  DEFAULT_POD_ANNOTATIONS_PATH,
  deviceInfoFor,
  KUBEVIRT_NETWORK_INFO_ANNOTATION,
  readKubeVirtNetworkInfo,
  readPodNetworkStatus,
  waitForPodNetworkStatus,
} from "../../src/status/workload.js";
import { runNode, spawnNode } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";
import { formatDownwardAPIFile } from "./go-quote.js";

const DOWNWARD_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), "..", "..", "fixtures", "downward-api");
const fixtureText = (name: string) => fs.readFileSync(path.join(DOWNWARD_DIR, `${name}.annotations`), "utf8");
const fixtureMap = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(DOWNWARD_DIR, `${name}.map.json`), "utf8")) as Record<string, string>;

async function rejection(promise: Promise<unknown>): Promise<DeviceInfoError> {
  try {
    await promise;
  } catch (err) {
    if (isDeviceInfoError(err)) return err;
    throw err;
  }
  throw new Error("resolved without error");
}

const tmp = useTempDir();

/**
 * The layout the kubelet's AtomicWriter keeps in a Downward API volume:
 * `annotations -> ..data/annotations`, `..data -> ..<timestamp>`; an update
 * writes a new timestamped directory and renames a new `..data` link over the
 * old one.
 */
class DownwardVolume {
  private generation = 0;
  constructor(readonly dir: string) {}
  get annotations(): string {
    return path.join(this.dir, "annotations");
  }
  publish(content: string): void {
    const version = `..2026_11_27_17_00_00.${++this.generation}`;
    fs.mkdirSync(path.join(this.dir, version));
    fs.writeFileSync(path.join(this.dir, version, "annotations"), content);
    fs.symlinkSync(version, path.join(this.dir, "..data_tmp"));
    fs.renameSync(path.join(this.dir, "..data_tmp"), path.join(this.dir, "..data"));
    if (!fs.existsSync(this.annotations)) fs.symlinkSync(path.join("..data", "annotations"), this.annotations);
  }
}

describe("readPodNetworkStatus", () => {
  it.each(["multus-sriov", "all-fields-and-json-networks"])("reads the network status from the kubelet's %s file", async (name) => {
    const file = tmp.join("annotations");
    fs.writeFileSync(file, fixtureText(name));
    const statuses = await readPodNetworkStatus(file);
    expect(statuses).toStrictEqual(parseNetworkStatusAnnotation(fixtureMap(name)[NETWORK_STATUS_ANNOTATION] as string));
    expect(statuses.length).toBeGreaterThan(0);
  });

  it("follows the kubelet's ..data symlinks and sees an atomic update", async () => {
    const volume = new DownwardVolume(tmp.path);
    volume.publish(fixtureText("multus-sriov"));
    expect((await readPodNetworkStatus(volume.annotations)).map((s) => s.name)).toEqual(["cbr0", "default/sriov-net1"]);
    volume.publish(fixtureText("all-fields-and-json-networks"));
    expect((await readPodNetworkStatus(volume.annotations)).map((s) => s.name)).toEqual(["ns/net"]);
  });

  it("reads a file that holds only the annotation's value (fieldPath metadata.annotations['…'])", async () => {
    const value = fixtureMap("multus-sriov")[NETWORK_STATUS_ANNOTATION] as string;
    const file = tmp.join("network-status");
    fs.writeFileSync(file, value);
    expect(await readPodNetworkStatus(file)).toStrictEqual(parseNetworkStatusAnnotation(value));
    fs.writeFileSync(file, `\n  ${value}\n`);
    expect(await readPodNetworkStatus(file)).toStrictEqual(parseNetworkStatusAnnotation(value));
  });

  it("falls back to the older networks-status annotation, and prefers the current one", async () => {
    const old = '[{"name":"old","interface":"eth0"}]';
    const current = '[{"name":"current","interface":"eth0"}]';
    const file = tmp.join("annotations");
    fs.writeFileSync(file, formatDownwardAPIFile({ [OLD_NETWORK_STATUS_ANNOTATION]: old, a: "b" }));
    expect((await readPodNetworkStatus(file))[0]?.name).toBe("old");
    fs.writeFileSync(file, formatDownwardAPIFile({ [OLD_NETWORK_STATUS_ANNOTATION]: old, [NETWORK_STATUS_ANNOTATION]: current }));
    expect((await readPodNetworkStatus(file))[0]?.name).toBe("current");
  });

  it("passes strict and onWarning on to the annotation's reader", async () => {
    const file = tmp.join("annotations");
    fs.writeFileSync(file, formatDownwardAPIFile({ [NETWORK_STATUS_ANNOTATION]: '[{"name":"n","Interface":"net1"}]' }));
    const warnings: DeviceInfoIssue[] = [];
    expect(await readPodNetworkStatus(file, { onWarning: (w) => warnings.push(w) })).toStrictEqual([
      { name: "n", interface: "net1", dns: {} },
    ]);
    expect(warnings.map((w) => w.code)).toEqual(["key_case"]);
    const err = await rejection(readPodNetworkStatus(file, { strict: true }));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.path).toBe(file);
  });

  const failures: [string, (file: string) => void, string, RegExp][] = [
    [
      "no network-status annotation (yet)",
      (f) => fs.writeFileSync(f, fixtureText("no-network-status")),
      "ERR_DEVINFO_NOT_FOUND",
      /waitForPodNetworkStatus/,
    ],
    ["an empty file (no annotations, or an absent single annotation)", (f) => fs.writeFileSync(f, ""), "ERR_DEVINFO_NOT_FOUND", /holds no/],
    ["no file", () => {}, "ERR_DEVINFO_NOT_FOUND", /Downward API volume/],
    ["a directory", (f) => fs.mkdirSync(f), "ERR_DEVINFO_UNSAFE_PATH", /a directory/],
    ["a malformed line", (f) => fs.writeFileSync(f, 'a="1"\nb=2'), "ERR_DEVINFO_PARSE", /:2, column 3/],
    [
      "a malformed annotation",
      (f) => fs.writeFileSync(f, formatDownwardAPIFile({ [NETWORK_STATUS_ANNOTATION]: "[{" })),
      "ERR_DEVINFO_PARSE",
      /not valid JSON/,
    ],
    ["an annotation of the wrong shape", (f) => fs.writeFileSync(f, '[{"name":1}]'), "ERR_DEVINFO_INVALID", /\$\[0\]\['name'\]/],
  ];
  it.each(failures)("%s → %s", async (_name, setup, code, message) => {
    const file = tmp.join("annotations");
    setup(file);
    const err = await rejection(readPodNetworkStatus(file));
    expect(err.code).toBe(code);
    expect(err.path).toBe(file);
    expect(err.message).toMatch(message);
  });

  it("reports the line of a malformed annotations file", async () => {
    const file = tmp.join("annotations");
    fs.writeFileSync(file, 'a="1"\nb="2"\nc="\\q"');
    const err = await rejection(readPodNetworkStatus(file));
    expect(err.line).toBe(3);
  });

  it("refuses a file over maxBytes", async () => {
    const file = tmp.join("annotations");
    fs.writeFileSync(file, fixtureText("multus-sriov"));
    const err = await rejection(readPodNetworkStatus(file, { maxBytes: 100 }));
    expect(err.code).toBe("ERR_DEVINFO_TOO_LARGE");
  });

  it("does not hang on a FIFO", async () => {
    const fifo = tmp.join("annotations");
    execFileSync("mkfifo", [fifo]);
    const err = await rejection(readPodNetworkStatus(fifo));
    expect(err.code).toBe("ERR_DEVINFO_UNSAFE_PATH");
    expect(err.message).toContain("not a regular file");
  });

  it(`reads ${DEFAULT_POD_ANNOTATIONS_PATH} by default`, async () => {
    if (fs.existsSync(DEFAULT_POD_ANNOTATIONS_PATH)) {
      expect(Array.isArray(await readPodNetworkStatus())).toBe(true);
    } else {
      const err = await rejection(readPodNetworkStatus());
      expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
      expect(err.path).toBe(DEFAULT_POD_ANNOTATIONS_PATH);
    }
  });
});

describe("waitForPodNetworkStatus", () => {
  it("resolves when a child process publishes the annotation later (kubelet-style symlink swap)", async () => {
    const volume = new DownwardVolume(tmp.path);
    volume.publish(fixtureText("no-network-status"));
    const next = fixtureText("multus-sriov");
    // The child mimics the kubelet: new directory, new ..data link renamed over the old one.
    const child = runNode(
      `import fs from "node:fs";
       const [dir, content] = process.argv.slice(1);
       setTimeout(() => {
         fs.mkdirSync(dir + "/..later");
         fs.writeFileSync(dir + "/..later/annotations", content);
         fs.symlinkSync("..later", dir + "/..data_tmp");
         fs.renameSync(dir + "/..data_tmp", dir + "/..data");
       }, 300);`,
      [tmp.path, next],
    );
    const statuses = await waitForPodNetworkStatus(volume.annotations, { timeoutMs: 15_000, intervalMs: 20 });
    expect((await child).code).toBe(0);
    expect(statuses.map((s) => s.interface)).toEqual(["eth0", "net1"]);
  });

  it("resolves when the file itself appears later (a timer writes it)", async () => {
    const file = tmp.join("network-status");
    const value = fixtureMap("all-fields-and-json-networks")[NETWORK_STATUS_ANNOTATION] as string;
    const timer = setTimeout(() => {
      fs.writeFileSync(`${file}.tmp`, value);
      fs.renameSync(`${file}.tmp`, file);
    }, 100);
    try {
      const statuses = await waitForPodNetworkStatus(file, { timeoutMs: 15_000, intervalMs: 10 });
      expect(statuses).toStrictEqual(parseNetworkStatusAnnotation(value));
    } finally {
      clearTimeout(timer);
    }
  });

  it("waits until `until` accepts the status (the device-info is added later)", async () => {
    const file = tmp.join("network-status");
    const info: DeviceInfo = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.0" } };
    const bare: NetworkStatus[] = [{ name: "default/sriov-net1", interface: "net1", dns: {} }];
    fs.writeFileSync(file, serializeNetworkStatusAnnotation(bare));
    const child = spawnNode(
      `import fs from "node:fs";
       const [file, content] = process.argv.slice(1);
       process.stdin.once("data", () => { fs.writeFileSync(file + ".tmp", content); fs.renameSync(file + ".tmp", file); process.exit(0); });`,
      [file, serializeNetworkStatusAnnotation([{ ...bare[0], "device-info": info } as NetworkStatus])],
    );
    let reads = 0;
    const waiting = waitForPodNetworkStatus(file, {
      timeoutMs: 15_000,
      intervalMs: 10,
      until: (statuses) => {
        // Let the child write only once the waiter has seen the bare status.
        if (++reads === 2) child.stdin?.write("go\n");
        return deviceInfoFor(statuses, { interface: "net1" }) !== undefined;
      },
    });
    const statuses = await waiting;
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(deviceInfoFor(statuses, { network: "sriov-net1" })).toStrictEqual(info);
    child.kill();
  });

  it("times out with ERR_DEVINFO_NOT_FOUND when the annotation never comes", async () => {
    const file = tmp.join("annotations");
    fs.writeFileSync(file, fixtureText("no-network-status"));
    const err = await rejection(waitForPodNetworkStatus(file, { timeoutMs: 150, intervalMs: 20 }));
    expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(err.message).toMatch(/^timed out after 150 ms waiting for the pod's network status: .*holds no/);
    expect(err.path).toBe(file);
    expect(isDeviceInfoError(err.cause)).toBe(true);
  });

  // Issue 19, R10: the timeout says what to check, never to call the function that just timed out.
  it.each<[string, (file: string) => void, ((s: NetworkStatus[]) => boolean) | undefined, RegExp[]]>([
    [
      "no annotation: check the pod's annotation, then the kubelet's refresh and timeoutMs, then Multus",
      (f) => fs.writeFileSync(f, fixtureText("no-network-status")),
      undefined,
      [/holds no k8s\.v1\.cni\.cncf\.io\/network-status annotation/, /kubectl get pod NAME/, /sync period/, /longer timeout/, /Multus/],
    ],
    ["no file: check the Downward API volume and the path", () => {}, undefined, [/does not exist/, /Downward API volume/, /sync period/]],
    [
      "until never accepts: check what it looks for",
      (f) => fs.writeFileSync(f, "[]"),
      (s) => s.length > 0,
      [/until\(\) condition is not met/, /check what it looks for/, /device-info/],
    ],
  ])("the timeout message, %s", async (_what, setup, until, patterns) => {
    const file = tmp.join("annotations");
    setup(file);
    const err = await rejection(waitForPodNetworkStatus(file, { timeoutMs: 40, intervalMs: 10, until }));
    expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(err.message).toMatch(/^timed out after 40 ms waiting for the pod's network status: /);
    for (const pattern of patterns) expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain("waitForPodNetworkStatus");
  });

  it("times out when the file never appears, and when until never accepts", async () => {
    expect((await rejection(waitForPodNetworkStatus(tmp.join("missing"), { timeoutMs: 50, intervalMs: 10 }))).code).toBe(
      "ERR_DEVINFO_NOT_FOUND",
    );
    const file = tmp.join("network-status");
    fs.writeFileSync(file, "[]");
    const err = await rejection(waitForPodNetworkStatus(file, { timeoutMs: 50, intervalMs: 10, until: (s) => s.length > 0 }));
    expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(err.message).toContain("until()");
  });

  it("reports a malformed annotation at once instead of waiting it out", async () => {
    const file = tmp.join("annotations");
    fs.writeFileSync(file, 'a="unterminated');
    const err = await rejection(waitForPodNetworkStatus(file, { timeoutMs: 20_000 }));
    expect(err.code).toBe("ERR_DEVINFO_PARSE");
    expect(err.message).not.toContain("timed out");
  });

  it("stops when the signal aborts, with its reason", async () => {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    setTimeout(() => controller.abort(reason), 50);
    await expect(
      waitForPodNetworkStatus(tmp.join("missing"), { timeoutMs: 20_000, intervalMs: 10_000, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it.each([
    ["no options", undefined, "ERR_INVALID_ARG_TYPE", 'The "options" argument must be of type object. Received undefined'],
    ["no timeoutMs", {}, "ERR_INVALID_ARG_TYPE", 'The "options.timeoutMs" property must be of type number. Received undefined'],
    [
      "negative timeoutMs",
      { timeoutMs: -1 },
      "ERR_OUT_OF_RANGE",
      expect.stringMatching(/^The value of "options.timeoutMs" is out of range\./),
    ],
    [
      "NaN timeoutMs",
      { timeoutMs: Number.NaN },
      "ERR_OUT_OF_RANGE",
      expect.stringMatching(/^The value of "options.timeoutMs" is out of range\./),
    ],
    [
      "intervalMs 0",
      { timeoutMs: 10, intervalMs: 0 },
      "ERR_OUT_OF_RANGE",
      expect.stringMatching(/^The value of "options.intervalMs" is out of range\./),
    ],
  ])("rejects %s as misuse", async (_name, options, code, message) => {
    await expect(waitForPodNetworkStatus(tmp.join("x"), options as unknown as { timeoutMs: number })).rejects.toMatchObject({
      code,
      message,
    });
  });
});

describe("deviceInfoFor", () => {
  const statuses = parseNetworkStatusAnnotation(fixtureMap("multus-sriov")[NETWORK_STATUS_ANNOTATION] as string);

  it("compares device-info holding a caller's bigint without throwing", () => {
    const info = (n: bigint) =>
      ({ type: "pci", version: "1.1.0", pci: { "pci-address": "0000:00:01.0" }, extra: n }) as unknown as DeviceInfo;
    const two = (a: bigint, b: bigint): NetworkStatus[] => [
      { name: "ns/a", interface: "net1", "device-info": info(a) },
      { name: "ns/a", interface: "net2", "device-info": info(b) },
    ];
    expect(deviceInfoFor(two(1n, 1n), { network: "a" })).toEqual(info(1n));
    expect(() => deviceInfoFor(two(1n, 2n), { network: "a" })).toThrow(/different device-info/);
  });
  const pci = statuses[1]?.["device-info"];
  const vhost: DeviceInfo = { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "client", path: "/var/run/vhost/net2.sock" } };
  const more = [...statuses, { name: "other/sriov-net1", interface: "net2", dns: {}, "device-info": vhost }] as NetworkStatus[];

  it("the fixture has a device-info to find", () => {
    expect(pci?.type).toBe("pci");
  });

  const cases: [string, NetworkStatus[], Parameters<typeof deviceInfoFor>[1], DeviceInfo | undefined][] = [
    ["by interface", statuses, { interface: "net1" }, pci],
    ["by namespace/name", statuses, { network: "default/sriov-net1" }, pci],
    ["by name in any namespace", statuses, { network: "sriov-net1" }, pci],
    ["by network and interface", more, { network: "sriov-net1", interface: "net2" }, vhost],
    ["no selector: the only one there is", statuses, {}, pci],
    ["a network without device-info", statuses, { network: "cbr0" }, undefined],
    ["another namespace", statuses, { network: "other/sriov-net1" }, undefined],
    ["a namespaced name is not matched as a suffix", statuses, { network: "fault/sriov-net1" }, undefined],
    ["an interface name is not a network name", statuses, { network: "net1" }, undefined],
    ["no such interface", statuses, { interface: "net9" }, undefined],
    ["no entries", [], {}, undefined],
    [
      "several entries with the same device-info (Go's multi-interface entries)",
      [...statuses, { ...statuses[1], interface: "net1b" } as NetworkStatus],
      { network: "sriov-net1" },
      pci,
    ],
  ];
  it.each(cases)("%s", (_name, list, selector, expected) => {
    expect(deviceInfoFor(list, selector)).toStrictEqual(expected);
  });

  it("statuses that are not an array → ERR_DEVINFO_INVALID", () => {
    let err: unknown;
    try {
      deviceInfoFor("[]" as unknown as NetworkStatus[]);
    } catch (e) {
      err = e;
    }
    expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
  });

  it("several matches with different device-info → ERR_DEVINFO_INVALID asking for the interface", () => {
    let err: unknown;
    try {
      deviceInfoFor(more, { network: "sriov-net1" });
    } catch (e) {
      err = e;
    }
    expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
    expect((err as Error).message).toContain("interface");
  });
});

describe("readKubeVirtNetworkInfo", () => {
  const doc = {
    interfaces: [
      {
        network: "vhost-net",
        deviceInfo: { type: "vhost-user", version: "1.1.0", "vhost-user": { mode: "server", path: "/var/run/vhost/net1.sock" } },
        mac: "02:00:00:00:00:01",
        mtu: 9000,
        "x-extra": [1],
      },
      { network: "sriov", deviceInfo: { type: "pci", version: "1.0.0", pci: { "pci-address": "0000:65:00.4" } } },
    ],
  };

  it("reads the projected document", async () => {
    const file = tmp.join("network-info");
    fs.writeFileSync(file, JSON.stringify(doc));
    expect(await readKubeVirtNetworkInfo(file)).toStrictEqual(doc);
  });

  it("reads it from a whole-map annotations file too", async () => {
    const file = tmp.join("annotations");
    fs.writeFileSync(file, formatDownwardAPIFile({ [KUBEVIRT_NETWORK_INFO_ANNOTATION]: JSON.stringify(doc), other: "x" }));
    expect(await readKubeVirtNetworkInfo(file)).toStrictEqual(doc);
  });

  it("interfaces: null (Go's nil slice) reads as []", async () => {
    const file = tmp.join("network-info");
    fs.writeFileSync(file, '{"interfaces":null}');
    const warnings: DeviceInfoIssue[] = [];
    expect(await readKubeVirtNetworkInfo(file, { onWarning: (w) => warnings.push(w) })).toStrictEqual({ interfaces: [] });
    expect(warnings.map((w) => w.code)).toEqual(["null_field"]);
  });

  it("a device-info's deviations are warnings (errors with strict)", async () => {
    const file = tmp.join("network-info");
    fs.writeFileSync(
      file,
      '{"interfaces":[{"network":"a","deviceInfo":{"type":"pci","version":"v1.0.0","pci":{"pci-address":"0000:65:00.4"}}}]}',
    );
    const warnings: DeviceInfoIssue[] = [];
    await readKubeVirtNetworkInfo(file, { onWarning: (w) => warnings.push(w) });
    expect(warnings.map((w) => w.jsonPath)).toEqual(["$['interfaces'][0]['deviceInfo']['version']"]);
    expect((await rejection(readKubeVirtNetworkInfo(file, { strict: true }))).code).toBe("ERR_DEVINFO_INVALID");
  });

  const failures: [string, string | undefined, string, string | undefined][] = [
    ["no file", undefined, "ERR_DEVINFO_NOT_FOUND", undefined],
    ["an empty file (the annotation is not there yet)", "", "ERR_DEVINFO_NOT_FOUND", undefined],
    ["not JSON", "{", "ERR_DEVINFO_PARSE", undefined],
    ["not an object", "null", "ERR_DEVINFO_INVALID", "$"],
    ["interfaces not an array", '{"interfaces":{}}', "ERR_DEVINFO_INVALID", "$['interfaces']"],
    ["an interface without network", '{"interfaces":[{"mac":"x"}]}', "ERR_DEVINFO_INVALID", "$['interfaces'][0]['network']"],
    ["mtu a string", '{"interfaces":[{"network":"a","mtu":"1500"}]}', "ERR_DEVINFO_INVALID", "$['interfaces'][0]['mtu']"],
    [
      "deviceInfo a string",
      '{"interfaces":[{"network":"a","deviceInfo":"pci"}]}',
      "ERR_DEVINFO_INVALID",
      "$['interfaces'][0]['deviceInfo']",
    ],
  ];
  it.each(failures)("%s → %s", async (_name, content, code, jsonPath) => {
    const file = tmp.join("network-info");
    if (content !== undefined) fs.writeFileSync(file, content);
    const err = await rejection(readKubeVirtNetworkInfo(file));
    expect(err.code).toBe(code);
    expect(err.path).toBe(file);
    if (jsonPath !== undefined) expect(err.issues.map((i) => i.jsonPath)).toContain(jsonPath);
  });

  it("a missing file: the hint names KubeVirt's annotation and binding, not the pod's annotations volume", async () => {
    const err = await rejection(readKubeVirtNetworkInfo(tmp.join("network-info")));
    expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
    expect(err.message).toContain(`metadata.annotations['${KUBEVIRT_NETWORK_INFO_ANNOTATION}']`);
    expect(err.message).toContain("downwardAPI: device-info");
    const pod = await rejection(readPodNetworkStatus(tmp.join("annotations")));
    expect(pod.message).not.toContain(KUBEVIRT_NETWORK_INFO_ANNOTATION);
    expect(pod.message).toContain("fieldPath metadata.annotations)");
  });

  it("a directory at the path: the example is KubeVirt's file", async () => {
    fs.mkdirSync(tmp.join("podinfo"));
    const err = await rejection(readKubeVirtNetworkInfo(tmp.join("podinfo")));
    expect(err.code).toBe("ERR_DEVINFO_UNSAFE_PATH");
    expect(err.message).toContain(DEFAULT_KUBEVIRT_NETWORK_INFO_PATH);
  });

  // Go's decoder refuses a fraction or exponent for an int field; the reader used to accept 1500.0.
  it.each([
    ["1500.0", '{"interfaces":[{"network":"a","mtu":1500.0}]}'],
    ["1.5e3", '{"interfaces":[{"network":"a","mtu":1.5e3}]}'],
    ["beyond 2^53 (the type is a number)", '{"interfaces":[{"network":"a","mtu":9007199254740993}]}'],
  ])("mtu %s is refused as Go's int would be", async (_name, content) => {
    const file = tmp.join("network-info");
    fs.writeFileSync(file, content);
    const err = await rejection(readKubeVirtNetworkInfo(file));
    expect(err.code).toBe("ERR_DEVINFO_INVALID");
    expect(err.issues.map((i) => `${i.code} ${i.jsonPath}`)).toEqual(["wrong_type $['interfaces'][0]['mtu']"]);
  });

  it("keeps empty values as written, matches keys as Go does (the last one wins), nulls absent (a warning each)", async () => {
    const file = tmp.join("network-info");
    fs.writeFileSync(file, '{"interfaces":[{"Network":"x","network":"a","mac":"","mtu":0,"deviceInfo":null}]}');
    const warnings: DeviceInfoIssue[] = [];
    const info = await readKubeVirtNetworkInfo(file, { onWarning: (w) => warnings.push(w) });
    expect(info.interfaces).toStrictEqual([{ network: "a", mac: "", mtu: 0 }]);
    expect(warnings.map((w) => `${w.code} ${w.jsonPath}`)).toEqual([
      "key_case $['interfaces'][0]['Network']",
      "null_field $['interfaces'][0]['deviceInfo']",
    ]);
  });

  it(`reads ${DEFAULT_KUBEVIRT_NETWORK_INFO_PATH} by default`, async () => {
    if (fs.existsSync(DEFAULT_KUBEVIRT_NETWORK_INFO_PATH)) {
      expect(Array.isArray((await readKubeVirtNetworkInfo()).interfaces)).toBe(true);
    } else {
      const err = await rejection(readKubeVirtNetworkInfo());
      expect(err.code).toBe("ERR_DEVINFO_NOT_FOUND");
      expect(err.path).toBe(DEFAULT_KUBEVIRT_NETWORK_INFO_PATH);
    }
  });
});
