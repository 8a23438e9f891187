/**
 * getPodDevices / getAllocatableDevices against a PodResources server built
 * from the same .proto, on a real unix socket in a temp dir.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { assignDeviceIDs, CHECKPOINT_DRA_NOTE, getAllocatableDevices, getPodDevices, listPodDevices } from "../../src/kubelet.js";
import { type FakeKubelet, type FakeKubeletOptions, pod, serveFakeKubelet } from "../helpers/kubelet.js";
import { packageUrl, REPO_ROOT } from "../helpers/run-node.js";
import { useTempDir } from "../helpers/temp-dir.js";

const SRIOV = "intel.com/sriov_netdevice";
const PODS = [
  pod("default", "sriov-pod", {
    app: { [SRIOV]: ["0000:d8:02.0", "0000:af:06.1"], "nvidia.com/gpu": ["GPU-5c8f"] },
    sidecar: { [SRIOV]: ["0000:af:06.0"] },
  }),
  pod("default", "web", { web: {} }),
  pod("other", "sriov-pod", { app: { [SRIOV]: ["0000:af:06.2"] } }),
];
const SRIOV_POD = {
  // Multus v4.3.1: the containers in the kubelet's order, each container's devices sorted.
  resources: { [SRIOV]: ["0000:af:06.1", "0000:d8:02.0", "0000:af:06.0"], "nvidia.com/gpu": ["GPU-5c8f"] },
  containers: {
    app: { [SRIOV]: ["0000:d8:02.0", "0000:af:06.1"], "nvidia.com/gpu": ["GPU-5c8f"] },
    sidecar: { [SRIOV]: ["0000:af:06.0"] },
  },
  orderedContainers: [
    { name: "app", resources: { [SRIOV]: ["0000:af:06.1", "0000:d8:02.0"], "nvidia.com/gpu": ["GPU-5c8f"] } },
    { name: "sidecar", resources: { [SRIOV]: ["0000:af:06.0"] } },
  ],
  dynamicResources: [],
};
const CHECKPOINT = path.join(REPO_ROOT, "fixtures/kubelet/checkpoint-numa.json");

const tmp = useTempDir("devinfo-kubelet-");
let kubelet: FakeKubelet | undefined;
afterEach(async () => {
  await kubelet?.close();
  kubelet = undefined;
});

async function serve(options: FakeKubeletOptions = {}): Promise<FakeKubelet> {
  kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: PODS, ...options });
  return kubelet;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error(`expected a rejection, got ${JSON.stringify(err)}`);
  return err;
}

describe("getPodDevices over the PodResources API", () => {
  it.each<[string, FakeKubeletOptions, string[], "Get" | "List"]>([
    ["Get (1.27 and later)", {}, ["Get"], "Get"],
    ["a kubelet without Get (UNIMPLEMENTED, before 1.27): List", { without: ["Get"] }, ["List"], "List"],
    ["Get disabled by its feature gate (a plain error): List", { getDisabled: true }, ["Get", "List"], "List"],
  ])("%s", async (_, options, calls, method) => {
    const { socket, calls: made } = await serve(options);
    // The checkpoint says otherwise: it must not be read while the socket exists.
    const devices = await getPodDevices({ namespace: "default", name: "sriov-pod" }, { socket, checkpoint: CHECKPOINT });
    expect(devices).toEqual({ ...SRIOV_POD, source: { type: "podresources", method, path: socket } });
    expect(made).toEqual(calls);
  });

  it.each([
    ["an unknown pod", "default", "nobody"],
    ["a known name in another namespace", "kube-system", "web"],
  ])("%s: empty resources (Get fails, List does not have it)", async (_, namespace, name) => {
    const { socket, calls } = await serve();
    expect(await getPodDevices({ namespace, name }, { socket })).toEqual({
      resources: {},
      containers: {},
      orderedContainers: [],
      dynamicResources: [],
      source: { type: "podresources", method: "List", path: socket },
    });
    expect(calls).toEqual(["Get", "List"]);
  });

  it("a pod without devices: its containers, no resources", async () => {
    const { socket } = await serve();
    const devices = await getPodDevices({ namespace: "default", name: "web" }, { socket });
    expect([devices.resources, devices.containers, devices.orderedContainers]).toEqual([{}, { web: {} }, [{ name: "web", resources: {} }]]);
  });

  it("a kubelet before 1.20 (no v1 List either): ERR_DEVINFO_KUBELET_UNSUPPORTED naming the socket", async () => {
    const { socket } = await serve({ without: ["Get", "List", "GetAllocatableResources"] });
    const err = await rejection(getPodDevices({ namespace: "default", name: "sriov-pod" }, { socket }));
    expect(isDeviceInfoError(err) && [err.code, err.path]).toEqual(["ERR_DEVINFO_KUBELET_UNSUPPORTED", socket]);
    expect(err.message).toMatch(/too old.*1\.20/);
  });
});

describe("getAllocatableDevices over the PodResources API", () => {
  it("every device per resource, from GetAllocatableResources", async () => {
    const { socket, calls } = await serve({ allocatable: { [SRIOV]: ["0000:af:06.0", "0000:af:06.1"], "nvidia.com/gpu": ["GPU-5c8f"] } });
    expect(await getAllocatableDevices({ socket, checkpoint: CHECKPOINT })).toEqual({
      resources: { [SRIOV]: ["0000:af:06.0", "0000:af:06.1"], "nvidia.com/gpu": ["GPU-5c8f"] },
      source: { type: "podresources", method: "GetAllocatableResources", path: socket },
    });
    expect(calls).toEqual(["GetAllocatableResources"]);
  });

  it("a kubelet without GetAllocatableResources (before 1.23): ERR_DEVINFO_KUBELET_UNSUPPORTED", async () => {
    const { socket } = await serve({ without: ["GetAllocatableResources"] });
    const err = await rejection(getAllocatableDevices({ socket }));
    expect(isDeviceInfoError(err) && [err.code, err.path]).toEqual(["ERR_DEVINFO_KUBELET_UNSUPPORTED", socket]);
  });
});

describe("a slow, silent or dead socket", () => {
  it.each([
    ["getPodDevices", (socket: string) => getPodDevices({ namespace: "default", name: "sriov-pod" }, { socket, timeoutMs: 150 })],
    ["getAllocatableDevices", (socket: string) => getAllocatableDevices({ socket, timeoutMs: 150 })],
  ])("%s: a kubelet slower than timeoutMs: ERR_DEVINFO_KUBELET_TIMEOUT", async (_, ask) => {
    const { socket } = await serve({ delayMs: 5_000 });
    const err = await rejection(ask(socket));
    expect(isDeviceInfoError(err) && [err.code, err.path]).toEqual(["ERR_DEVINFO_KUBELET_TIMEOUT", socket]);
    expect(err.message).toMatch(/150 ms/);
  });

  it("a socket that accepts but never speaks HTTP/2: ERR_DEVINFO_KUBELET_TIMEOUT", async () => {
    const socket = tmp.join("silent.sock");
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      const err = await rejection(getAllocatableDevices({ socket, timeoutMs: 200 }));
      expect(isDeviceInfoError(err) && [err.code, err.path]).toEqual(["ERR_DEVINFO_KUBELET_TIMEOUT", socket]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a socket file left by a killed kubelet: ERR_DEVINFO_KUBELET_UNAVAILABLE (ECONNREFUSED), the checkpoint not read", async () => {
    const socket = tmp.join("dead.sock");
    // A process that binds the socket and dies by SIGKILL leaves the file with no listener.
    const child: ChildProcess = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]);
    await new Promise((resolve) => child.on("exit", resolve));
    expect(fs.statSync(socket).isSocket()).toBe(true);
    const err = await rejection(getPodDevices({ namespace: "default", name: "sriov-pod", uid: "x" }, { socket, checkpoint: CHECKPOINT }));
    expect(isDeviceInfoError(err) && [err.code, err.path, err.errno]).toEqual(["ERR_DEVINFO_KUBELET_UNAVAILABLE", socket, "ECONNREFUSED"]);
    expect(err.message).toMatch(/is the kubelet running/);
  });

  it.each([
    { what: "a regular file", make: (p: string) => fs.writeFileSync(p, ""), is: "a regular file, " },
    { what: "a directory", make: (p: string) => fs.mkdirSync(p), is: "a directory, " },
    { what: "a FIFO", make: (p: string) => execFileSync("mkfifo", [p]), is: "a FIFO, " },
  ])(
    "$what given as the socket: ERR_DEVINFO_KUBELET_UNAVAILABLE (ENOTSOCK) saying what it is, the checkpoint not read",
    async ({ make, is }) => {
      const socket = tmp.join("not-a-socket");
      make(socket);
      for (const ask of [
        () => getPodDevices({ namespace: "default", name: "sriov-pod", uid: "x" }, { socket, checkpoint: CHECKPOINT }),
        () => getAllocatableDevices({ socket, checkpoint: CHECKPOINT }),
        () => listPodDevices({ socket, checkpoint: CHECKPOINT }),
      ]) {
        const err = await rejection(ask());
        expect(isDeviceInfoError(err) && [err.code, err.path, err.errno, err.message]).toEqual([
          "ERR_DEVINFO_KUBELET_UNAVAILABLE",
          socket,
          "ENOTSOCK",
          `${socket} is ${is}not a unix socket, so it is not the kubelet's PodResources socket (/var/lib/kubelet/pod-resources/kubelet.sock by default); check the path given in options.socket`,
        ]);
      }
    },
  );

  it("an aborted signal rejects with its reason, before and during the call", async () => {
    const { socket } = await serve({ delayMs: 5_000 });
    const reason = new Error("stop");
    expect(await rejection(getPodDevices({ namespace: "default", name: "x" }, { socket, signal: AbortSignal.abort(reason) }))).toBe(reason);
    const controller = new AbortController();
    const pending = getAllocatableDevices({ socket, signal: controller.signal });
    setTimeout(() => controller.abort(reason), 100);
    expect(await rejection(pending)).toBe(reason);
  });
});

describe("permission denied: a real EACCES in a child without the power to override file modes", () => {
  // As root (CI), the child runs under setpriv with CAP_DAC_OVERRIDE and
  // CAP_DAC_READ_SEARCH dropped, so a mode-0 file refuses it as it refuses any user.
  function runChild(script: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
    const node = [process.execPath, "--input-type=module", "-e", script];
    const [command, ...args] = process.getuid?.() === 0 ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", ...node] : node;
    return new Promise((resolve) => {
      const child = spawn(command as string, args, { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => resolve({ stdout, stderr, code }));
    });
  }

  it.each([
    ["the socket (mode 0)", "socket"],
    ["the checkpoint (mode 0, no socket)", "checkpoint"],
    ["the socket's directory (mode 0)", "directory"],
  ])("%s: ERR_DEVINFO_KUBELET_PERMISSION with errno EACCES and the path", async (_, what) => {
    const dir = tmp.join("pod-resources");
    fs.mkdirSync(dir);
    const { socket } = await serveFakeKubelet(path.join(dir, "kubelet.sock"), { pods: PODS }).then((k) => (kubelet = k));
    const checkpoint = tmp.join("kubelet_internal_checkpoint");
    fs.copyFileSync(CHECKPOINT, checkpoint);
    let target = socket;
    let askSocket = socket;
    if (what === "socket") fs.chmodSync(socket, 0);
    if (what === "checkpoint") {
      fs.chmodSync(checkpoint, 0);
      askSocket = tmp.join("absent.sock");
      target = checkpoint;
    }
    if (what === "directory") fs.chmodSync(dir, 0);
    try {
      const script = `
        const { getPodDevices } = await import(${JSON.stringify(packageUrl("kubelet.js"))});
        try {
          await getPodDevices({ namespace: "default", name: "sriov-pod", uid: "${"0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a"}" }, { socket: ${JSON.stringify(askSocket)}, checkpoint: ${JSON.stringify(checkpoint)} });
          console.log(JSON.stringify({ ok: true }));
        } catch (err) {
          console.log(JSON.stringify({ code: err.code, path: err.path, errno: err.errno, message: err.message }));
        }`;
      const { stdout, stderr } = await runChild(script);
      const outcome = JSON.parse(stdout || stderr) as Record<string, string>;
      expect([outcome.code, outcome.path, outcome.errno]).toEqual(["ERR_DEVINFO_KUBELET_PERMISSION", target, "EACCES"]);
      expect(outcome.message).toMatch(/permission denied/);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });
});

describe("misuse is a TypeError / RangeError as in node:fs, before anything is touched", () => {
  it.each<[string, () => Promise<unknown>, string, string]>([
    ["pod null", () => getPodDevices(null as never), "ERR_INVALID_ARG_TYPE", "pod"],
    ["pod a string", () => getPodDevices("default/x" as never), "ERR_INVALID_ARG_TYPE", "pod"],
    ["pod.name missing", () => getPodDevices({ namespace: "default" } as never), "ERR_INVALID_ARG_TYPE", "pod.name"],
    ["pod.namespace empty", () => getPodDevices({ namespace: "", name: "x" }), "ERR_INVALID_ARG_VALUE", "pod.namespace"],
    ["pod.uid a number", () => getPodDevices({ namespace: "d", name: "x", uid: 1 as never }), "ERR_INVALID_ARG_TYPE", "pod.uid"],
    ["options null", () => getPodDevices({ namespace: "d", name: "x" }, null as never), "ERR_INVALID_ARG_TYPE", "options"],
    ["options a string", () => getAllocatableDevices("/sock" as never), "ERR_INVALID_ARG_TYPE", "options"],
    ["socket a number", () => getAllocatableDevices({ socket: 1 as never }), "ERR_INVALID_ARG_TYPE", "options.socket"],
    ["socket empty", () => getAllocatableDevices({ socket: "" }), "ERR_INVALID_ARG_VALUE", "options.socket"],
    ["checkpoint with NUL", () => getAllocatableDevices({ checkpoint: "/a\0b" }), "ERR_INVALID_ARG_VALUE", "options.checkpoint"],
    ["timeoutMs a string", () => getAllocatableDevices({ timeoutMs: "5" as never }), "ERR_INVALID_ARG_TYPE", "options.timeoutMs"],
    ["timeoutMs NaN", () => getAllocatableDevices({ timeoutMs: Number.NaN }), "ERR_OUT_OF_RANGE", "options.timeoutMs"],
    ["timeoutMs negative", () => getAllocatableDevices({ timeoutMs: -1 }), "ERR_OUT_OF_RANGE", "options.timeoutMs"],
    ["signal not a signal", () => getAllocatableDevices({ signal: {} as never }), "ERR_INVALID_ARG_TYPE", "options.signal"],
  ])("%s: %s naming %s", async (_, call, code, name) => {
    const err = await rejection(call());
    expect(err).toBeInstanceOf(code === "ERR_OUT_OF_RANGE" ? RangeError : TypeError);
    expect((err as Error & { code: string }).code).toBe(code);
    expect(err.message).toContain(name);
  });

  it.each<[string, () => unknown, string]>([
    ["resources null", () => assignDeviceIDs(null as never, []), "resources"],
    ["resourceNames not an array", () => assignDeviceIDs({}, "a" as never), "resourceNames"],
    ["a resource name a number", () => assignDeviceIDs({}, [1 as never]), "resourceNames[0]"],
  ])("assignDeviceIDs: %s throws synchronously", (_, call, name) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(name);
  });
});

describe("assignDeviceIDs: Multus's rule", () => {
  // As getPodDevices gives them: already in Multus's order, which assignDeviceIDs keeps.
  const resources = { [SRIOV]: ["0000:af:06.1", "0000:af:06.0", "0000:af:06.1"], "nvidia.com/gpu": ["GPU-b", "GPU-a"] };
  it.each<[string, (string | undefined)[], (string | undefined)[]]>([
    ["one network", [SRIOV], ["0000:af:06.1"]],
    [
      "networks in order, each the next unused device in the order given",
      [SRIOV, undefined, SRIOV],
      ["0000:af:06.1", undefined, "0000:af:06.0"],
    ],
    [
      "more networks than devices (a duplicate counts once): the rest get none",
      [SRIOV, SRIOV, SRIOV],
      ["0000:af:06.1", "0000:af:06.0", undefined],
    ],
    ["resources counted separately", ["nvidia.com/gpu", SRIOV, "nvidia.com/gpu"], ["GPU-b", "0000:af:06.1", "GPU-a"]],
    ["a resource the pod has no device of", ["example.com/none", ""], [undefined, undefined]],
  ])("%s", (_, names, expected) => {
    expect(assignDeviceIDs(resources, names)).toEqual(expected);
  });
});

describe("listPodDevices: every pod and its devices", () => {
  it("over the socket: List, pods by namespace and name", async () => {
    const { socket, calls } = await serve();
    const { pods, source } = await listPodDevices({ socket, checkpoint: CHECKPOINT });
    expect(source).toEqual({ type: "podresources", method: "List", path: socket });
    expect(calls).toEqual(["List"]);
    expect(pods).toEqual([
      { namespace: "default", name: "sriov-pod", uid: undefined, ...SRIOV_POD },
      {
        namespace: "default",
        name: "web",
        uid: undefined,
        resources: {},
        containers: { web: {} },
        orderedContainers: [{ name: "web", resources: {} }],
        dynamicResources: [],
      },
      {
        namespace: "other",
        name: "sriov-pod",
        uid: undefined,
        resources: { [SRIOV]: ["0000:af:06.2"] },
        containers: { app: { [SRIOV]: ["0000:af:06.2"] } },
        orderedContainers: [{ name: "app", resources: { [SRIOV]: ["0000:af:06.2"] } }],
        dynamicResources: [],
      },
    ]);
  });

  it("from the checkpoint: pods by uid", async () => {
    const { pods, source } = await listPodDevices({ socket: tmp.join("absent.sock"), checkpoint: CHECKPOINT });
    expect(source).toEqual({ type: "checkpoint", path: CHECKPOINT, note: CHECKPOINT_DRA_NOTE });
    expect(pods.every((p) => p.dynamicResources.length === 0)).toBe(true);
    expect(pods.map((p) => [p.uid, p.namespace, p.resources])).toEqual([
      ["0b5e3c9a-1f2d-4c6e-9a7b-3d2f1e0c9b8a", undefined, SRIOV_POD.resources],
      ["7d1c2b3a-0000-4000-8000-00000000beef", undefined, { [SRIOV]: ["0000:af:06.2"] }],
    ]);
  });

  it("a kubelet before 1.20: ERR_DEVINFO_KUBELET_UNSUPPORTED", async () => {
    const { socket } = await serve({ without: ["Get", "List", "GetAllocatableResources"] });
    const err = await rejection(listPodDevices({ socket }));
    expect(isDeviceInfoError(err) && [err.code, err.path]).toEqual(["ERR_DEVINFO_KUBELET_UNSUPPORTED", socket]);
  });
});
