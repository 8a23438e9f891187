#!/usr/bin/env node
// Prototype, not used by the package: the async API as "the sync operation,
// run on a worker thread", one round trip per operation instead of one
// thread-pool round trip per system call (bench/README.md, async budget).
// The worker waits in Atomics.wait; requests and replies travel through
// MessagePorts read with receiveMessageOnPort (no MessageEvent dispatch); the
// main thread is woken by Atomics.waitAsync. Compares, side by side, full
// cycles with the sync API, the async API and this executor.
//
// Usage: npm run build && node bench/prototypes/worker-executor.mjs

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, workerData } from "node:worker_threads";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const d = await import(pathToFileURL(path.join(root, "dist", "index.js")).href);

if (!isMainThread) {
  const { sab, requests, replies } = workerData;
  const flags = new Int32Array(sab);
  for (;;) {
    Atomics.wait(flags, 0, 0);
    Atomics.store(flags, 0, 0);
    for (let m = receiveMessageOnPort(requests); m !== undefined; m = receiveMessageOnPort(requests)) {
      const { id, fn, args } = m.message;
      try {
        replies.postMessage({ id, ok: true, value: d[fn](...args) });
      } catch (err) {
        replies.postMessage({ id, ok: false, error: { code: err.code, message: err.message } });
      }
    }
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
  }
} else {
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  const sab = new SharedArrayBuffer(8);
  const flags = new Int32Array(sab);
  const requests = new MessageChannel();
  const replies = new MessageChannel();
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { sab, requests: requests.port2, replies: replies.port2 },
    transferList: [requests.port2, replies.port2],
  });
  const pending = new Map();
  let seq = 0;
  let waiting = false;
  const drain = () => {
    for (let m = receiveMessageOnPort(replies.port1); m !== undefined; m = receiveMessageOnPort(replies.port1)) {
      const { id, ok, value, error } = m.message;
      const p = pending.get(id);
      pending.delete(id);
      if (ok) p.resolve(value);
      else p.reject(error);
    }
  };
  const wait = () => {
    if (waiting || pending.size === 0) return;
    waiting = true;
    const r = Atomics.waitAsync(flags, 1, 0);
    const woken = () => {
      waiting = false;
      Atomics.store(flags, 1, 0);
      drain();
      wait();
    };
    if (r.async) r.value.then(woken);
    else woken();
  };
  const call = (fn, ...args) =>
    new Promise((resolve, reject) => {
      const id = seq++;
      pending.set(id, { resolve, reject });
      requests.port1.postMessage({ id, fn, args });
      Atomics.store(flags, 0, 1);
      Atomics.notify(flags, 0);
      wait();
    });
  await call("getCNIDeviceInfoPath", "x");
  console.log(
    `worker ready after ${(performance.now() - started).toFixed(1)} ms, RSS +${((process.memoryUsage().rss - rss) / 1048576).toFixed(1)} MB`,
  );

  const dir = fs.mkdtempSync(path.join(fs.existsSync("/dev/shm") ? "/dev/shm" : "/tmp", "devinfo-proto-"));
  const info = { type: "pci", version: "1.1.0", pci: { "pci-address": "0000:af:06.3", "rdma-device": "mlx5_3" } };
  const resource = "bench.example.com/sriov";
  const id = (i) => `0000:af:${((i >> 3) & 31).toString(16).padStart(2, "0")}.${i & 7}`;
  const base = (key) => {
    const baseDir = path.join(dir, key);
    fs.mkdirSync(path.join(baseDir, "dp"), { recursive: true });
    fs.mkdirSync(path.join(baseDir, "cni"), { recursive: true });
    return { o: { baseDir }, cni: (i) => path.join(baseDir, "cni", `net1-${i.toString(16).padStart(64, "0")}_net1`) };
  };
  const [S, A, W] = [base("sync"), base("async"), base("worker")];
  const variants = {
    sync: async (i) => {
      d.saveDeviceInfoForDPSync(resource, id(i), info, S.o);
      d.copyDeviceInfoForCNIFromDPSync(S.cni(i), resource, id(i), S.o);
      d.loadDeviceInfoFromCNISync(S.cni(i), S.o);
      d.cleanDeviceInfoForCNISync(S.cni(i), S.o);
      d.cleanDeviceInfoForDPSync(resource, id(i), S.o);
    },
    async: async (i) => {
      await d.saveDeviceInfoForDP(resource, id(i), info, A.o);
      await d.copyDeviceInfoForCNIFromDP(A.cni(i), resource, id(i), A.o);
      await d.loadDeviceInfoFromCNI(A.cni(i), A.o);
      await d.cleanDeviceInfoForCNI(A.cni(i), A.o);
      await d.cleanDeviceInfoForDP(resource, id(i), A.o);
    },
    worker: async (i) => {
      await call("saveDeviceInfoForDPSync", resource, id(i), info, W.o);
      await call("copyDeviceInfoForCNIFromDPSync", W.cni(i), resource, id(i), W.o);
      await call("loadDeviceInfoFromCNISync", W.cni(i), W.o);
      await call("cleanDeviceInfoForCNISync", W.cni(i), W.o);
      await call("cleanDeviceInfoForDPSync", resource, id(i), W.o);
    },
  };
  const batch = 200;
  const samples = Object.fromEntries(Object.keys(variants).map((key) => [key, []]));
  for (let round = 0; round < 15; round++) {
    for (const [key, cycle] of Object.entries(variants)) {
      const start = performance.now();
      for (let i = 0; i < batch; i++) await cycle(i);
      if (round >= 3) samples[key].push(((performance.now() - start) * 1000) / batch);
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  for (const [key, values] of Object.entries(samples)) {
    console.log(
      `${key.padEnd(7)} full cycle ${median(values).toFixed(0)} µs (${(median(values) / median(samples.sync)).toFixed(2)}x sync)`,
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
  await worker.terminate();
}
