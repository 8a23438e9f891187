/**
 * The HTTP/2 PodResources client against a real @grpc/grpc-js server on a
 * real unix socket, side by side with the @grpc/grpc-js client it replaces:
 * the same answers, the same gRPC status codes for the same failures, and no
 * connection left open by any outcome.
 */

import fs from "node:fs";
import net from "node:net";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { callUnary, type GrpcStatusError, type Method } from "../../src/kubelet/_h2.js";
import { callWithGrpcJs, type FakeKubelet, type FakeKubeletOptions, pod, serveFakeKubelet } from "../helpers/kubelet.js";
import { useTempDir } from "../helpers/temp-dir.js";

const SRIOV = "intel.com/sriov_netdevice";
const PODS = [
  pod("default", "sriov-pod", { app: { [SRIOV]: ["0000:d8:02.0", "0000:af:06.1"] }, sidecar: { [SRIOV]: ["0000:af:06.0"] } }),
  pod("default", "ünïcode-ñame", { web: {} }),
];

const tmp = useTempDir("devinfo-h2-");
// grpc-js and protobufjs load on first use: not inside a call's deadline.
beforeAll(() => callWithGrpcJs("/nonexistent.sock", "List", {}, Date.now() + 1).catch(() => undefined));
let kubelet: FakeKubelet | undefined;
const servers: net.Server[] = [];
afterEach(async () => {
  await kubelet?.close();
  kubelet = undefined;
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
});

const REQUESTS: Record<Method, { fields: Record<number, string>; object: Record<string, string> }> = {
  Get: { fields: { 1: "sriov-pod", 2: "default" }, object: { pod_name: "sriov-pod", pod_namespace: "default" } },
  List: { fields: {}, object: {} },
  GetAllocatableResources: { fields: {}, object: {} },
};

type Outcome = { value: unknown } | { code: number; details: string };

async function both(socket: string, method: Method, timeoutMs = 2_000, request = REQUESTS[method]): Promise<[Outcome, Outcome]> {
  const settle = (p: Promise<unknown>): Promise<Outcome> =>
    p.then(
      (value) => ({ value }),
      (err: GrpcStatusError) => ({ code: err.code, details: err.details }),
    );
  const deadline = Date.now() + timeoutMs;
  return Promise.all([
    settle(callUnary({ socket, method, request: request.fields, deadline })),
    // biome-ignore lint/suspicious/noExplicitAny: the grpc-js client's request type is per method
    settle(callWithGrpcJs(socket, method, request.object as any, deadline)),
  ]);
}

/** The same answer as plain JSON (protobufjs' objects carry their message class). */
function withoutDynamic(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

describe("callUnary answers as @grpc/grpc-js does", () => {
  it.each<[string, FakeKubeletOptions, Method]>([
    ["Get", {}, "Get"],
    ["List", {}, "List"],
    ["GetAllocatableResources", { allocatable: { [SRIOV]: ["0000:af:06.0", "0000:af:06.1"] } }, "GetAllocatableResources"],
    ["Get of an unknown pod (UNKNOWN, a plain Go error)", { pods: [] }, "Get"],
    ["Get disabled", { getDisabled: true }, "Get"],
    ["a kubelet without Get (UNIMPLEMENTED)", { without: ["Get"] }, "Get"],
    ["a kubelet without the v1 service (UNIMPLEMENTED)", { without: ["Get", "List", "GetAllocatableResources"] }, "List"],
    ["a slow kubelet (DEADLINE_EXCEEDED)", { delayMs: 1_000 }, "Get"],
  ])("%s", async (_, options, method) => {
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: PODS, ...options });
    const [ours, theirs] = await both(kubelet.socket, method, options.delayMs === undefined ? 5_000 : 300);
    if ("value" in ours) expect(withoutDynamic(ours.value)).toEqual(withoutDynamic((theirs as { value: unknown }).value));
    else expect(ours.code).toBe((theirs as { code: number }).code);
    if (method === "Get" && options.pods === undefined && options.without === undefined && !options.getDisabled && !options.delayMs) {
      expect(ours).toMatchObject({ value: { pod_resources: { name: "sriov-pod", namespace: "default" } } });
    }
  });

  it.each<[string, (socket: string) => Promise<void> | void]>([
    ["no socket file (ENOENT)", () => undefined],
    [
      "a socket file nobody listens on (ECONNREFUSED)",
      async (socket) => {
        const server = net.createServer();
        await new Promise<void>((resolve) => server.listen(socket, resolve));
        await new Promise((resolve) => server.close(resolve));
        fs.writeFileSync(`${socket}.keep`, "");
        // close() unlinks the socket; a stale one is what a stopped kubelet leaves: make one again.
        const stale = net.createServer();
        await new Promise<void>((resolve) => stale.listen(socket, resolve));
        (stale as unknown as { _handle: { close(): void } })._handle.close();
      },
    ],
  ])("%s: UNAVAILABLE naming the errno, as grpc-js", async (_, setup) => {
    const socket = tmp.join("kubelet.sock");
    await setup(socket);
    const [ours, theirs] = await both(socket, "Get", 1_000);
    expect(ours).toMatchObject({ code: 14 });
    expect(theirs).toMatchObject({ code: 14 });
    const errno = /\b(ECONNREFUSED|ENOENT)\b/.exec((theirs as { details: string }).details)?.[1];
    expect(errno).toBeDefined();
    expect((ours as { details: string }).details).toContain(errno);
  });

  it("a List of 30,000 pods arrives whole (HTTP/2 flow control), equal to grpc-js's", async () => {
    const pods = Array.from({ length: 30_000 }, (_, i) =>
      pod(`ns-${i % 50}`, `pod-${i}`, { app: { [SRIOV]: [`0000:af:${(i % 256).toString(16).padStart(2, "0")}.${i % 8}`] } }),
    );
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods });
    const [ours, theirs] = await both(kubelet.socket, "List", 30_000);
    expect("value" in ours).toBe(true);
    expect(withoutDynamic((ours as { value: { pod_resources: unknown[] } }).value)).toEqual(
      withoutDynamic((theirs as { value: unknown }).value),
    );
    expect((ours as { value: { pod_resources: unknown[] } }).value.pod_resources).toHaveLength(30_000);
  });

  it("an answer over the receive limit is RESOURCE_EXHAUSTED, read no further", async () => {
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: PODS });
    await expect(
      callUnary({ socket: kubelet.socket, method: "List", request: {}, deadline: Date.now() + 2_000, maxMessageBytes: 50 }),
    ).rejects.toMatchObject({
      code: 8,
      details: expect.stringMatching(/^Received message larger than max \(\d+ vs\. 50\)$/),
    });
  });

  it("an aborted call rejects with the signal's reason", async () => {
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: PODS, delayMs: 5_000 });
    const controller = new AbortController();
    const call = callUnary({
      socket: kubelet.socket,
      method: "Get",
      request: REQUESTS.Get.fields,
      deadline: Date.now() + 10_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("stop")), 50);
    await expect(call).rejects.toThrow("stop");
    await expect(
      callUnary({
        socket: kubelet.socket,
        method: "Get",
        request: {},
        deadline: Date.now() + 10_000,
        signal: AbortSignal.abort(new Error("before")),
      }),
    ).rejects.toThrow("before");
  });
});

describe("no connection outlives its call", () => {
  /** A unix socket server that accepts and never answers, counting connections still open. */
  async function silentServer(socket: string): Promise<{ open: () => number; accepted: () => number }> {
    let open = 0;
    let accepted = 0;
    const server = net.createServer((conn) => {
      open++;
      accepted++;
      conn.on("close", () => open--);
      conn.on("error", () => undefined);
      conn.resume(); // read what comes, as a kubelet does (a paused socket never sees the client's close)
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    return { open: () => open, accepted: () => accepted };
  }

  it("20 calls that time out against a socket that never answers leave no connection open", async () => {
    const socket = tmp.join("silent.sock");
    const server = await silentServer(socket);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => callUnary({ socket, method: "Get", request: REQUESTS.Get.fields, deadline: Date.now() + 100 })),
    );
    expect(outcomes.map((o) => (o.status === "rejected" ? (o.reason as GrpcStatusError).code : "ok"))).toEqual(Array(20).fill(4));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.accepted()).toBe(20);
    expect(server.open()).toBe(0);
  });

  it.each<[string, FakeKubeletOptions, Method]>([
    ["an answer", {}, "Get"],
    ["an error status", { pods: [] }, "Get"],
    ["UNIMPLEMENTED", { without: ["Get"] }, "Get"],
  ])("after %s, the kubelet sees the connection closed", async (_, options, method) => {
    // Count the connections through a proxy socket in front of the grpc-js server.
    kubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods: PODS, ...options });
    let open = 0;
    const proxy = net.createServer((conn) => {
      open++;
      const upstream = net.connect((kubelet as FakeKubelet).socket);
      conn.pipe(upstream).pipe(conn);
      conn.on("close", () => {
        open--;
        upstream.destroy();
      });
      conn.on("error", () => undefined);
      upstream.on("error", () => undefined);
    });
    servers.push(proxy);
    const socket = tmp.join("proxy.sock");
    await new Promise<void>((resolve) => proxy.listen(socket, resolve));
    await callUnary({ socket, method, request: REQUESTS[method].fields, deadline: Date.now() + 2_000 }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(open).toBe(0);
  });
});
