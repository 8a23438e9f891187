#!/usr/bin/env node
// Why the async API's worker thread (src/files/_worker.ts) talks to the main
// thread the way it does: one round trip, with an `lstat`-sized payload, by
// each transport Node offers, next to one thread-pool round trip (`fs.lstat`).
// The worker either listens for messages (its event loop wakes it) or waits
// in Atomics.wait and reads requests with receiveMessageOnPort; the main
// thread either gets replies as messages or waits with Atomics.waitAsync.
// The library uses "worker in Atomics.wait, replies as messages".
//
// Usage: node bench/prototypes/round-trips.mjs

import fs from "node:fs";
import { isMainThread, MessageChannel, parentPort, receiveMessageOnPort, Worker, workerData } from "node:worker_threads";

const N = 20_000;
const REQUEST = { id: 1, op: "lstat", args: ["/dev/shm/devinfo/dp/intel.com-sriov-0000:af:06.0-device.json", 65536] };

if (!isMainThread) {
  const { mode, state, requests, replies } = workerData;
  if (mode === "messages") parentPort.on("message", (m) => parentPort.postMessage(m));
  else if (mode === "ports") requests.on("message", (m) => replies.postMessage(m));
  else {
    const flags = new Int32Array(state);
    for (;;) {
      Atomics.wait(flags, 0, 0);
      Atomics.store(flags, 0, 0);
      for (let m = receiveMessageOnPort(requests); m !== undefined; m = receiveMessageOnPort(requests)) replies.postMessage(m.message);
      if (mode === "atomics both ways") {
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
      }
    }
  }
} else {
  const time = async (label, once) => {
    await once();
    const runs = [];
    for (let r = 0; r < 5; r++) {
      const start = performance.now();
      for (let i = 0; i < N; i++) await once();
      runs.push(((performance.now() - start) * 1000) / N);
    }
    console.log(`${label.padEnd(52)} ${runs.sort((a, b) => a - b)[2].toFixed(1)} µs`);
  };
  await time("thread pool: fs.lstat callback", () => new Promise((resolve) => fs.lstat("/", resolve)));

  const start = (mode) => {
    const requests = new MessageChannel();
    const replies = new MessageChannel();
    const state = new SharedArrayBuffer(8);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { mode, state, requests: requests.port2, replies: replies.port2 },
      transferList: [requests.port2, replies.port2],
    });
    return { worker, requests: requests.port1, replies: replies.port1, flags: new Int32Array(state) };
  };
  {
    const { worker } = start("messages");
    await time(
      "worker.postMessage / parentPort, both ways",
      () =>
        new Promise((resolve) => {
          worker.once("message", resolve);
          worker.postMessage(REQUEST);
        }),
    );
    await worker.terminate();
  }
  {
    const { worker, requests, replies } = start("ports");
    let resolve;
    replies.on("message", (m) => resolve(m));
    await time(
      "MessageChannel ports, both ways",
      () =>
        new Promise((r) => {
          resolve = r;
          requests.postMessage(REQUEST);
        }),
    );
    replies.close();
    await worker.terminate();
  }
  for (const mode of ["atomics both ways", "worker in Atomics.wait, replies as messages"]) {
    const { worker, requests, replies, flags } = start(mode);
    const send = () => {
      requests.postMessage(REQUEST);
      Atomics.store(flags, 0, 1);
      Atomics.notify(flags, 0);
    };
    if (mode === "atomics both ways") {
      await time(
        "worker in Atomics.wait, main in Atomics.waitAsync",
        () =>
          new Promise((resolve) => {
            send();
            const wait = () => {
              const r = Atomics.waitAsync(flags, 1, 0);
              const woken = () => {
                Atomics.store(flags, 1, 0);
                const m = receiveMessageOnPort(replies);
                if (m === undefined) wait();
                else resolve(m.message);
              };
              if (r.async) r.value.then(woken);
              else woken();
            };
            wait();
          }),
      );
    } else {
      let resolve;
      replies.on("message", (m) => resolve(m));
      await time(
        mode,
        () =>
          new Promise((r) => {
            resolve = r;
            send();
          }),
      );
      replies.close();
    }
    await worker.terminate();
  }
}
