/**
 * protobufjs is loaded only when the kubelet's socket is asked (the gRPC call
 * itself is node:http2; @grpc/grpc-js is never loaded):
 * not by the root entry, not by importing devinfo/kubelet, not by reading
 * the checkpoint. Checked in fresh processes on the built bundles.
 */

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeKubelet, serveFakeKubelet } from "../helpers/kubelet.js";
import { packageUrl, REPO_ROOT, runNode } from "../helpers/run-node.js";
import { makeTempDir, removeTempDir } from "../helpers/temp-dir.js";

const CHECKPOINT = path.join(REPO_ROOT, "fixtures/kubelet/checkpoint-numa.json");

let dir: string;
let kubelet: FakeKubelet;
beforeAll(async () => {
  dir = makeTempDir("devinfo-lazy-");
  kubelet = await serveFakeKubelet(path.join(dir, "kubelet.sock"), { allocatable: { r: ["a"] } });
});
afterAll(async () => {
  await kubelet.close();
  removeTempDir(dir);
});

/** The packages (by name) in the child's CommonJS module cache after `body` ran. */
async function packagesLoadedBy(body: string): Promise<string[]> {
  const { code, stdout, stderr } = await runNode(`
    import { createRequire } from "node:module";
    ${body}
    const names = Object.keys(createRequire(import.meta.url).cache)
      .map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1])
      .filter((name) => name !== undefined);
    // Node's own modules, as node:<name>
    for (const entry of process.moduleLoadList) if (entry === "NativeModule http2") names.push("node:http2");
    console.log(JSON.stringify([...new Set(names)].sort()));
  `);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return JSON.parse(stdout) as string[];
}

describe("gRPC stays off the start-up path", () => {
  it.each([
    ["the root entry", `await import(${JSON.stringify(packageUrl("index.js"))});`],
    ["devinfo/cni-plugin", `await import(${JSON.stringify(packageUrl("cni-plugin.js"))});`],
    ["devinfo/kubelet, imported", `await import(${JSON.stringify(packageUrl("kubelet.js"))});`],
    [
      "devinfo/kubelet, answering from the checkpoint",
      `const k = await import(${JSON.stringify(packageUrl("kubelet.js"))});
       await k.getAllocatableDevices({ socket: "/nonexistent/kubelet.sock", checkpoint: ${JSON.stringify(CHECKPOINT)} });`,
    ],
  ])("%s loads neither @grpc/grpc-js, protobufjs nor node:http2", async (_, body) => {
    const loaded = await packagesLoadedBy(body);
    expect(loaded).not.toContain("@grpc/grpc-js");
    expect(loaded).not.toContain("protobufjs");
    expect(loaded).not.toContain("node:http2");
  });

  it("asking the socket loads protobufjs, and no gRPC library (the call is node:http2)", async () => {
    const loaded = await packagesLoadedBy(
      `const k = await import(${JSON.stringify(packageUrl("kubelet.js"))});
       const { resources } = await k.getAllocatableDevices({ socket: ${JSON.stringify(kubelet.socket)} });
       if (resources.r?.[0] !== "a") throw new Error("wrong answer");`,
    );
    expect(loaded).toEqual(expect.arrayContaining(["protobufjs", "node:http2"]));
    expect(loaded).not.toContain("@grpc/grpc-js");
  });
});
