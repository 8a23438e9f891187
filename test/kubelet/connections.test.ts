/**
 * Every kubelet call closes what it opened, on every way out: an answer, an
 * error status, the UNIMPLEMENTED and UNKNOWN fall-backs to List, a refused
 * or dropped connection, the deadline, an abort. Counted on both ends: the
 * client's unix-socket descriptors (/proc/self/fd) and the connections a
 * server still holds open.
 */

import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { getAllocatableDevices, getPodDevices, type KubeletOptions, listPodDevices } from "../../src/kubelet.js";
import { type FakeKubelet, type FakeKubeletOptions, pod, serveFakeKubelet } from "../helpers/kubelet.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("devinfo-kubelet-conn-");
const POD = { namespace: "default", name: "sriov-pod" };
const PODS = [pod("default", "sriov-pod", { app: { "intel.com/sriov": ["0000:af:06.0"] } })];

/** The socket descriptors this process holds. */
function socketFds(): number {
  let count = 0;
  for (const fd of fs.readdirSync("/proc/self/fd")) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) count++;
    } catch {
      // the directory's own descriptor, closed by now
    }
  }
  return count;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

/**
 * A server in another process (so its descriptors are not counted as ours)
 * that accepts, reads and never writes: a hung kubelet. `open()` asks it how
 * many connections it still has.
 */
interface SilentServer {
  readonly socket: string;
  open(): Promise<number>;
  stop(): Promise<void>;
}

let child: ChildProcess | undefined;
let kubelet: FakeKubelet | undefined;
afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  await kubelet?.close();
  kubelet = undefined;
});

async function silentServer(mode: "silent" | "drop" | "garbage" | "bytes" = "silent"): Promise<SilentServer> {
  const socket = tmp.join(`${mode}.sock`);
  const script = `
    const net = require("node:net");
    let open = 0;
    const server = net.createServer((s) => {
      open++;
      s.on("close", () => open--);
      s.on("error", () => {});
      s.resume();
      if (${JSON.stringify(mode)} === "drop") s.destroy();
      if (${JSON.stringify(mode)} === "garbage") s.write("HTTP/1.1 400 Bad Request\\r\\n\\r\\n");
      if (${JSON.stringify(mode)} === "bytes") s.write(Buffer.from("00010203040506070809fffefdfcfbfaf9f8f7f6", "hex"));
    });
    server.listen(${JSON.stringify(socket)}, () => process.stdout.write("ready\\n"));
    process.stdin.on("data", () => process.stdout.write(open + "\\n"));`;
  const proc = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  child = proc;
  const lines: string[] = [];
  let waiting: (() => void) | undefined;
  proc.stdout.setEncoding("utf8").on("data", (text: string) => {
    lines.push(...text.split("\n").filter((l) => l !== ""));
    waiting?.();
  });
  const next = () =>
    new Promise<string>((resolve) => {
      const check = () => {
        if (lines.length > 0) resolve(lines.shift() as string);
        else waiting = check;
      };
      check();
    });
  expect(await next()).toBe("ready");
  return {
    socket,
    open: async () => {
      proc.stdin.write("?\n");
      return Number(await next());
    },
    stop: async () => {
      proc.kill("SIGKILL");
      await new Promise((resolve) => proc.once("exit", resolve));
    },
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "ok",
    (err: unknown) => (err as { code?: string }).code ?? String(err),
  );
}

describe("a kubelet that accepts and never answers", () => {
  it("20 timed-out getPodDevices one after another: no socket left open on either end a second later", async () => {
    const server = await silentServer();
    const before = socketFds();
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) codes.push(await codeOf(getPodDevices(POD, { socket: server.socket, timeoutMs: 50 })));
    expect(new Set(codes)).toEqual(new Set(["ERR_DEVINFO_KUBELET_TIMEOUT"]));
    await settle();
    expect(socketFds() - before).toBeLessThanOrEqual(0); // (another test's socket may close meanwhile: never more than before)
    expect(await server.open()).toBe(0);
  });

  it.each<[string, (o: KubeletOptions) => Promise<unknown>]>([
    ["getPodDevices", (o) => getPodDevices(POD, o)],
    ["listPodDevices", (o) => listPodDevices(o)],
    ["getAllocatableDevices", (o) => getAllocatableDevices(o)],
  ])("20 timed-out %s at once: nothing left open", async (_, ask) => {
    const server = await silentServer();
    const before = socketFds();
    const codes = await Promise.all(Array.from({ length: 20 }, () => codeOf(ask({ socket: server.socket, timeoutMs: 100 }))));
    expect(new Set(codes)).toEqual(new Set(["ERR_DEVINFO_KUBELET_TIMEOUT"]));
    await settle();
    expect(socketFds() - before).toBeLessThanOrEqual(0); // (another test's socket may close meanwhile: never more than before)
    expect(await server.open()).toBe(0);
  });

  it("aborted calls: the signal's reason, nothing left open", async () => {
    const server = await silentServer();
    const before = socketFds();
    const reason = new Error("stop");
    const controller = new AbortController();
    const pending = Array.from({ length: 10 }, () =>
      getPodDevices(POD, { socket: server.socket, signal: controller.signal }).catch((e: unknown) => e),
    );
    setTimeout(() => controller.abort(reason), 100);
    expect(new Set(await Promise.all(pending))).toEqual(new Set([reason]));
    await settle();
    expect(socketFds() - before).toBeLessThanOrEqual(0); // (another test's socket may close meanwhile: never more than before)
    expect(await server.open()).toBe(0);
  });
});

describe("other failures close their connection too", () => {
  it.each([
    ["a server that drops every connection", "drop", "ERR_DEVINFO_KUBELET_UNAVAILABLE"],
    ["a server that answers HTTP/1.1", "garbage", "ERR_DEVINFO_KUBELET_UNAVAILABLE"],
  ] as const)("%s: nothing left open", async (_, mode, code) => {
    const server = await silentServer(mode);
    const before = socketFds();
    for (let i = 0; i < 10; i++) expect(await codeOf(getPodDevices(POD, { socket: server.socket, timeoutMs: 2_000 }))).toBe(code);
    await settle();
    expect(socketFds() - before).toBeLessThanOrEqual(0); // (another test's socket may close meanwhile: never more than before)
    expect(await server.open()).toBe(0);
  });

  // Something answered: the message must not say nothing does (the code stays, for callers handling "no kubelet").
  it.each([
    [
      "a server that answers HTTP/1.1",
      "garbage",
      /^something answered on the kubelet's PodResources socket .*garbage\.sock, but not as a gRPC PodResources server \(Get: Connection dropped: Protocol error\); is another program listening on this path\?/,
    ],
    [
      "a server that writes bytes of no protocol",
      "bytes",
      /^something answered on the kubelet's PodResources socket .*bytes\.sock, but not as a gRPC PodResources server \(Get: Connection dropped: Protocol error\)/,
    ],
    [
      "a server that accepts and closes",
      "drop",
      /^something on the kubelet's PodResources socket .*drop\.sock accepted the connection and closed it without answering \(Get: Connection dropped[^)]*\); is the kubelet restarting/,
    ],
  ] as const)("%s: ERR_DEVINFO_KUBELET_UNAVAILABLE saying something answered, not that nothing does", async (_, mode, message) => {
    const server = await silentServer(mode);
    const err = await getPodDevices(POD, { socket: server.socket, timeoutMs: 2_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "ERR_DEVINFO_KUBELET_UNAVAILABLE", path: server.socket, message: expect.stringMatching(message) });
    expect((err as Error).message).not.toMatch(/nothing answers|is the kubelet running/);
  });

  it("a socket nobody listens on (ECONNREFUSED): nothing left open", async () => {
    const socket = tmp.join("dead.sock");
    // A process that binds the socket and dies by SIGKILL leaves the file with no listener.
    const dead = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]);
    await new Promise((resolve) => dead.on("exit", resolve));
    expect(fs.statSync(socket).isSocket()).toBe(true);
    const before = socketFds();
    for (let i = 0; i < 10; i++) expect(await codeOf(getAllocatableDevices({ socket }))).toBe("ERR_DEVINFO_KUBELET_UNAVAILABLE");
    await settle();
    expect(socketFds() - before).toBeLessThanOrEqual(0); // (another test's socket may close meanwhile: never more than before)
  });

  it("an answer over the 16 MiB cap: ERR_DEVINFO_KUBELET_ERROR naming the limit, the connection closed", async () => {
    // 17 MiB of device IDs in one List answer.
    const ids = Array.from({ length: 560_000 }, (_, i) => `0000:af:${String(i).padStart(24, "0")}`);
    kubelet = await serveFakeKubelet(tmp.join("big.sock"), { pods: [pod("default", "big", { app: { r: ids } })] });
    const before = socketFds();
    const err = await listPodDevices({ socket: kubelet.socket, timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("ERR_DEVINFO_KUBELET_ERROR");
    expect((err as Error).message).toMatch(/larger than max/);
    await settle();
    expect(socketFds() - before).toBeLessThanOrEqual(0); // (another test's socket may close meanwhile: never more than before)
  }, 30_000);

  // In-process grpc-js kubelet: both ends are ours, so every socket descriptor
  // left would be a connection one end still holds.
  it.each<[string, FakeKubeletOptions, (o: KubeletOptions) => Promise<unknown>, string]>([
    ["answers", {}, (o) => getPodDevices(POD, o), "ok"],
    ["Get UNIMPLEMENTED, then List", { without: ["Get"] }, (o) => getPodDevices(POD, o), "ok"],
    ["Get refused (UNKNOWN), then List", { getDisabled: true }, (o) => getPodDevices(POD, o), "ok"],
    ["an unknown pod: Get fails, List has none", {}, (o) => getPodDevices({ namespace: "x", name: "y" }, o), "ok"],
    [
      "no v1 service at all (UNSUPPORTED)",
      { without: ["Get", "List", "GetAllocatableResources"] },
      (o) => getPodDevices(POD, o),
      "ERR_DEVINFO_KUBELET_UNSUPPORTED",
    ],
    [
      "GetAllocatableResources UNIMPLEMENTED",
      { without: ["GetAllocatableResources"] },
      (o) => getAllocatableDevices(o),
      "ERR_DEVINFO_KUBELET_UNSUPPORTED",
    ],
    ["slower than the deadline", { delayMs: 2_000 }, (o) => listPodDevices({ ...o, timeoutMs: 50 }), "ERR_DEVINFO_KUBELET_TIMEOUT"],
  ])("a kubelet that %s: no socket left open", async (_, options, ask, code) => {
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: PODS, ...options });
    const before = socketFds();
    for (let i = 0; i < 10; i++) expect(await codeOf(ask({ socket: (kubelet as FakeKubelet).socket }))).toBe(code);
    await settle();
    expect(socketFds() - before).toBeLessThanOrEqual(0); // (another test's socket may close meanwhile: never more than before)
  });
});
