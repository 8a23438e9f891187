/**
 * The kubelet is asked with a hand-written HTTP/2 client over node:net and a
 * hand-written codec: no package (neither @grpc/grpc-js nor protobufjs) is
 * ever loaded, node:http2 never (its load alone costs about 8 ms), and
 * node:net only when the kubelet's socket is asked — not by the root entry,
 * not by importing devinfo/kubelet, not by reading the checkpoint. Checked
 * in fresh processes on the built bundles.
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

/** The packages (by name) in the child's CommonJS module cache after `body` ran, and whether node:http2 and node:net were loaded. */
async function packagesLoadedBy(body: string): Promise<{ packages: string[]; http2: boolean; net: boolean }> {
  const { code, stdout, stderr } = await runNode(`
    import { createRequire } from "node:module";
    ${body}
    const names = Object.keys(createRequire(import.meta.url).cache)
      .map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file)?.[1])
      .filter((name) => name !== undefined);
    console.log(JSON.stringify({ packages: [...new Set(names)].sort(), http2: process.moduleLoadList.includes("NativeModule http2"), net: process.moduleLoadList.includes("NativeModule net") }));
  `);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return JSON.parse(stdout) as { packages: string[]; http2: boolean; net: boolean };
}

describe("the kubelet client stays off the start-up path", () => {
  it.each([
    ["the root entry", `await import(${JSON.stringify(packageUrl("index.js"))});`],
    ["devinfo/cni-plugin", `await import(${JSON.stringify(packageUrl("cni-plugin.js"))});`],
    ["devinfo/kubelet, imported", `await import(${JSON.stringify(packageUrl("kubelet.js"))});`],
    [
      "devinfo/kubelet, answering from the checkpoint",
      `const k = await import(${JSON.stringify(packageUrl("kubelet.js"))});
       await k.getAllocatableDevices({ socket: "/nonexistent/kubelet.sock", checkpoint: ${JSON.stringify(CHECKPOINT)} });`,
    ],
  ])("%s loads no package, neither node:http2 nor node:net", async (_, body) => {
    expect(await packagesLoadedBy(body)).toEqual({ packages: [], http2: false, net: false });
  });

  it("asking the socket loads node:net, not node:http2, and no package (neither @grpc/grpc-js nor protobufjs)", async () => {
    const loaded = await packagesLoadedBy(
      `const k = await import(${JSON.stringify(packageUrl("kubelet.js"))});
       const { resources } = await k.getAllocatableDevices({ socket: ${JSON.stringify(kubelet.socket)} });
       if (resources.r?.[0] !== "a") throw new Error("wrong answer");`,
    );
    expect(loaded).toEqual({ packages: [], http2: false, net: true });
  });
});
