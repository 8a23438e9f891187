/**
 * The hand-written HTTP/2 client of `_h2.ts` against servers that do what a
 * grpc-js server seldom does, on real unix sockets: node:http2 servers (the
 * same nghttp2 a kubelet's peer library would be checked against) for
 * RST_STREAM codes, non-gRPC answers and flow control, and scripted servers
 * (test/helpers/h2-peer.ts) for GOAWAY, padding, CONTINUATION, PING, tiny
 * windows and protocol violations. Every failure is a gRPC status (or, through
 * getPodDevices, a typed DeviceInfoError), and no connection outlives its call.
 */

import { Buffer } from "node:buffer";
import http2 from "node:http2";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { callUnary, type GrpcStatusError } from "../../src/kubelet/_h2.js";
import { encodeRequestHeaders, HpackDecoder } from "../../src/kubelet/_hpack.js";
import { getAllocatableDevices, getPodDevices } from "../../src/kubelet.js";
import {
  encodeFrame,
  FLAG,
  FRAME,
  GRPC_HEADERS,
  grpcFrame,
  literalBlock,
  type Peer,
  scriptedServer,
  settingsPayload,
} from "../helpers/h2-peer.js";
import { callWithGrpcJs, type FakeKubelet, pod, serveFakeKubelet } from "../helpers/kubelet.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir("devinfo-h2c-");
beforeAll(() => callWithGrpcJs("/nonexistent.sock", "List", {}, Date.now() + 1).catch(() => undefined));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `GetAllocatableResources` answering `{ r: ["a"] }`, encoded by hand (field 1 devices: resource_name 1, device_ids 2). */
const ALLOCATABLE = Buffer.from([0x0a, 6, 0x0a, 1, 0x72, 0x12, 1, 0x61]);
const ALLOCATABLE_DECODED = { devices: [{ resource_name: "r", device_ids: ["a"] }] };

function ask(socket: string, timeoutMs = 2_000, extra: { windowBytes?: number; request?: Record<number, string> } = {}) {
  return callUnary({
    socket,
    method: "GetAllocatableResources",
    request: extra.request ?? {},
    deadline: Date.now() + timeoutMs,
    windowBytes: extra.windowBytes,
  });
}

function outcome(p: Promise<unknown>): Promise<{ value: unknown } | { code: number; details: string }> {
  return p.then(
    (value) => ({ value }),
    (err: GrpcStatusError) => ({ code: err.code, details: err.details }),
  );
}

/** A node:http2 server on a unix socket, answering each stream with `answer`. */
async function http2Server(answer: (stream: http2.ServerHttp2Stream, session: http2.ServerHttp2Session) => void): Promise<string> {
  const socket = tmp.join("h2.sock");
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
    s.on("error", () => undefined);
  });
  server.on("stream", (stream, _headers) => {
    stream.on("error", () => undefined);
    answer(stream, stream.session as http2.ServerHttp2Session);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  );
  return socket;
}

/** A scripted server, closed after the test; its count of open connections. */
async function scripted(script: (peer: Peer) => Promise<void> | void) {
  const s = await scriptedServer(tmp.join("scripted.sock"), script);
  cleanups.push(() => s.close());
  return { socket: tmp.join("scripted.sock"), ...s };
}

const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

/** The start of every scripted answer: the server's SETTINGS, and the client's request read. */
async function handshake(peer: Peer, settings: [number, number][] = []): Promise<void> {
  peer.send(FRAME.SETTINGS, 0, 0, settingsPayload(settings));
  await peer.nextOf(FRAME.HEADERS);
}

/** A whole gRPC answer: headers, the message, OK trailers. */
function answerOk(peer: Peer, message: Uint8Array = ALLOCATABLE): void {
  peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, literalBlock(GRPC_HEADERS));
  peer.send(FRAME.DATA, 0, 1, grpcFrame(message));
  peer.send(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, literalBlock([["grpc-status", "0"]]));
}

describe("answers that are not gRPC", () => {
  it.each<[string, number, string, number, RegExp]>([
    ["200 text/html", 200, "text/html", 13, /^Received a response with content-type "text\/html", not application\/grpc/],
    ["200 application/grpc-web", 200, "application/grpc-web", 13, /content-type "application\/grpc-web"/],
    ["200 application/json", 200, "application/json", 13, /content-type "application\/json"/],
    ["404 text/plain (as grpc-js: UNIMPLEMENTED)", 404, "text/plain", 12, /^Received HTTP status code 404$/],
    ["503 text/plain (as grpc-js: UNAVAILABLE)", 503, "text/plain", 14, /^Received HTTP status code 503$/],
  ])("%s: a gRPC status, the connection closed", async (_, status, contentType, code, details) => {
    let closed = 0;
    const socket = await http2Server((stream, session) => {
      session.once("close", () => closed++);
      stream.respond({ ":status": status, "content-type": contentType });
      stream.end("<html>not gRPC</html>");
    });
    expect(await outcome(ask(socket))).toMatchObject({ code, details: expect.stringMatching(details) });
    await settle();
    expect(closed).toBe(1);
  });

  it("application/grpc+proto and application/grpc; charset are gRPC", async () => {
    for (const contentType of ["application/grpc+proto", "application/grpc;charset=utf-8"]) {
      const server = await scripted(async (peer) => {
        await handshake(peer);
        peer.send(
          FRAME.HEADERS,
          FLAG.END_HEADERS,
          1,
          literalBlock([
            [":status", "200"],
            ["content-type", contentType],
          ]),
        );
        peer.send(FRAME.DATA, 0, 1, grpcFrame(ALLOCATABLE));
        peer.send(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, literalBlock([["grpc-status", "0"]]));
      });
      expect(await ask(server.socket)).toEqual(ALLOCATABLE_DECODED);
      await (cleanups.pop() as () => Promise<void>)();
    }
  });

  it("through getAllocatableDevices: ERR_DEVINFO_KUBELET_ERROR naming the content-type and the socket", async () => {
    const socket = await http2Server((stream) => {
      stream.respond({ ":status": 200, "content-type": "text/html" });
      stream.end("<html></html>");
    });
    await expect(getAllocatableDevices({ socket, timeoutMs: 2_000 })).rejects.toMatchObject({
      code: "ERR_DEVINFO_KUBELET_ERROR",
      path: socket,
      message: expect.stringContaining('content-type "text/html", not application/grpc'),
    });
  });
});

describe("RST_STREAM: the status grpc-js gives for each code", () => {
  it.each<[string, number, number]>([
    ["NO_ERROR before any status", 0x0, 13],
    ["PROTOCOL_ERROR", 0x1, 13],
    ["INTERNAL_ERROR", 0x2, 13],
    ["REFUSED_STREAM", 0x7, 14],
    ["CANCEL", 0x8, 1],
    ["ENHANCE_YOUR_CALM", 0xb, 8],
    ["INADEQUATE_SECURITY", 0xc, 7],
  ])("%s", async (_, rstCode, code) => {
    const socket = await http2Server((stream) => stream.close(rstCode));
    const ours = await outcome(ask(socket));
    const theirs = await outcome(callWithGrpcJs(socket, "GetAllocatableResources", {}, Date.now() + 2_000));
    expect(ours).toMatchObject({ code });
    expect(theirs).toMatchObject({ code });
  });

  it("a reset after the answer's headers, before a status", async () => {
    const server = await scripted(async (peer) => {
      await handshake(peer);
      peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, literalBlock(GRPC_HEADERS));
      peer.send(FRAME.RST_STREAM, 0, 1, Buffer.from([0, 0, 0, 2]));
    });
    expect(await outcome(ask(server.socket))).toEqual({ code: 13, details: "Received RST_STREAM with code 2 (Internal server error)" });
    await settle();
    expect(server.open()).toBe(0);
  });
});

describe("GOAWAY", () => {
  it("before the call (last stream 0): UNAVAILABLE with the server's code and reason, the connection closed", async () => {
    const server = await scripted(async (peer) => {
      peer.send(FRAME.SETTINGS, 0, 0, settingsPayload());
      peer.send(FRAME.GOAWAY, 0, 0, Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("shutting down")]));
      await peer.closed;
    });
    expect(await outcome(ask(server.socket))).toEqual({
      code: 14,
      details: 'Connection dropped: GOAWAY (error code 0, "shutting down") before the call',
    });
    await settle();
    expect(server.open()).toBe(0);
  });

  it("through getPodDevices: ERR_DEVINFO_KUBELET_UNAVAILABLE saying something accepted and closed", async () => {
    const server = await scripted(async (peer) => {
      peer.send(FRAME.SETTINGS, 0, 0, settingsPayload());
      peer.send(FRAME.GOAWAY, 0, 0, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
      await peer.closed;
    });
    await expect(getPodDevices({ namespace: "default", name: "p" }, { socket: server.socket, timeoutMs: 2_000 })).rejects.toMatchObject({
      code: "ERR_DEVINFO_KUBELET_UNAVAILABLE",
      message: expect.stringMatching(/accepted the connection and closed it without answering \(Get: Connection dropped: GOAWAY/),
    });
  });

  it("after taking the call (last stream 1): the answer still counts", async () => {
    const server = await scripted(async (peer) => {
      await handshake(peer);
      peer.send(FRAME.GOAWAY, 0, 0, Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]));
      answerOk(peer);
    });
    expect(await ask(server.socket)).toEqual(ALLOCATABLE_DECODED);
  });

  it("after taking the call, then the connection closed: UNAVAILABLE naming the GOAWAY", async () => {
    const server = await scripted(async (peer) => {
      await handshake(peer);
      peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, literalBlock(GRPC_HEADERS));
      peer.send(FRAME.GOAWAY, 0, 0, Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]));
      peer.socket.end();
    });
    expect(await outcome(ask(server.socket))).toEqual({
      code: 14,
      details: "Connection dropped after GOAWAY (error code 2) before the end of the answer",
    });
  });
});

describe("a server that never answers", () => {
  it.each<[string, (peer: Peer) => Promise<void>]>([
    ["after its SETTINGS", (peer) => handshake(peer)],
    [
      "after the answer's headers",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, literalBlock(GRPC_HEADERS));
      },
    ],
    [
      "in the middle of the message",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, literalBlock(GRPC_HEADERS));
        peer.send(FRAME.DATA, 0, 1, grpcFrame(ALLOCATABLE).subarray(0, 7));
      },
    ],
  ])("%s: DEADLINE_EXCEEDED at the deadline, the connection closed", async (_, script) => {
    const server = await scripted(script);
    const started = Date.now();
    expect(await outcome(ask(server.socket, 150))).toEqual({ code: 4, details: "Deadline exceeded" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await settle();
    expect(server.accepted()).toBe(1);
    expect(server.open()).toBe(0);
  });
});

describe("HTTP/2 framing a server may use", () => {
  it("padding, priority, CONTINUATION, a PING (answered), the message split over DATA frames, trailers-only of no interest", async () => {
    let pong: Buffer | undefined;
    const server = await scripted(async (peer) => {
      await handshake(peer, [[0x4, 1 << 20]]);
      const ping = Buffer.from("12345678");
      peer.send(FRAME.PING, 0, 0, ping);
      pong = (await peer.nextOf(FRAME.PING)).payload;
      const block = literalBlock(GRPC_HEADERS);
      // HEADERS padded, with priority fields, then two CONTINUATIONs.
      const first = Buffer.concat([Buffer.from([3]), Buffer.from([0, 0, 0, 0, 16]), block.subarray(0, 4), Buffer.alloc(3)]);
      peer.send(FRAME.HEADERS, FLAG.PADDED | FLAG.PRIORITY, 1, first);
      peer.send(FRAME.CONTINUATION, 0, 1, block.subarray(4, 10));
      peer.send(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, block.subarray(10));
      peer.send(FRAME.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 0, 16]));
      peer.send(0xfa, 0, 0, Buffer.from("an unknown frame type is ignored"));
      const message = grpcFrame(ALLOCATABLE);
      // The 5-byte prefix split in two, the last DATA padded.
      peer.send(FRAME.DATA, 0, 1, message.subarray(0, 2));
      peer.send(FRAME.DATA, 0, 1, message.subarray(2, 6));
      peer.send(FRAME.DATA, FLAG.PADDED, 1, Buffer.concat([Buffer.from([4]), message.subarray(6), Buffer.alloc(4)]));
      peer.send(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, literalBlock([["grpc-status", "0"]]));
    });
    expect(await ask(server.socket)).toEqual(ALLOCATABLE_DECODED);
    expect(pong?.toString()).toBe("12345678");
  });

  it("the client's preface, SETTINGS, window and request, in that order, before the server said anything", async () => {
    let frames: { type: number; flags: number; stream: number }[] = [];
    let headers: [string, string][] = [];
    const server = await scripted(async (peer) => {
      // Nothing sent yet: all of it arrives before the server's SETTINGS.
      await peer.nextOf(FRAME.DATA);
      frames = peer.seen.map(({ type, flags, stream }) => ({ type, flags, stream }));
      headers = new HpackDecoder().decode((peer.seen.find((f) => f.type === FRAME.HEADERS) as { payload: Buffer }).payload) as [
        string,
        string,
      ][];
      peer.send(FRAME.SETTINGS, 0, 0, settingsPayload());
      answerOk(peer);
    });
    expect(await ask(server.socket)).toEqual(ALLOCATABLE_DECODED);
    expect(frames).toEqual([
      { type: FRAME.SETTINGS, flags: 0, stream: 0 },
      { type: FRAME.WINDOW_UPDATE, flags: 0, stream: 0 },
      { type: FRAME.HEADERS, flags: FLAG.END_HEADERS, stream: 1 },
      { type: FRAME.DATA, flags: FLAG.END_STREAM, stream: 1 },
    ]);
    expect(headers).toEqual([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/v1.PodResourcesLister/GetAllocatableResources"],
      [":authority", "localhost"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
      ["grpc-timeout", expect.stringMatching(/^\d+m$/)],
    ]);
  });

  it("a request larger than the server's window waits for its WINDOW_UPDATE (the client's own flow control)", async () => {
    const name = "p".repeat(100_000);
    let beforeUpdate = 0;
    let total = 0;
    const server = await scripted(async (peer) => {
      peer.send(FRAME.SETTINGS, 0, 0, settingsPayload());
      for (;;) {
        const f = await peer.nextOf(FRAME.DATA);
        total += f.payload.length;
        if (total >= 65_535) break;
      }
      await settle(50);
      beforeUpdate = peer.seen.filter((f) => f.type === FRAME.DATA).reduce((n, f) => n + f.payload.length, 0);
      peer.send(FRAME.WINDOW_UPDATE, 0, 0, Buffer.from([0, 1, 0, 0]));
      peer.send(FRAME.WINDOW_UPDATE, 0, 1, Buffer.from([0, 1, 0, 0]));
      for (;;) {
        const f = await peer.nextOf(FRAME.DATA);
        total += f.payload.length;
        if (f.flags & FLAG.END_STREAM) break;
      }
      answerOk(peer);
    });
    expect(await ask(server.socket, 2_000, { request: { 1: name, 2: "default" } })).toEqual(ALLOCATABLE_DECODED);
    expect(beforeUpdate).toBe(65_535);
    // The gRPC prefix, field 1 (key, 3-byte length, the name), field 2 (key, length, "default").
    expect(total).toBe(5 + 1 + 3 + 100_000 + 1 + 1 + 7);
  });

  it("a large List with a 64 KiB receive window: the client gives credit back, the answer equals grpc-js's", async () => {
    const pods = Array.from({ length: 5_000 }, (_, i) => pod(`ns-${i % 50}`, `pod-${i}`, { app: { r: [`0000:af:${i}.0`] } }));
    const kubelet: FakeKubelet = await serveFakeKubelet(tmp.join("kubelet.sock"), { pods });
    cleanups.push(() => kubelet.close());
    const deadline = Date.now() + 20_000;
    const [ours, theirs] = await Promise.all([
      callUnary({ socket: kubelet.socket, method: "List", request: {}, deadline, windowBytes: 65_535 }),
      callWithGrpcJs(kubelet.socket, "List", {}, deadline),
    ]);
    expect((ours as { pod_resources: unknown[] }).pod_resources).toHaveLength(5_000);
    expect(JSON.parse(JSON.stringify(ours))).toEqual(JSON.parse(JSON.stringify(theirs)));
  });
});

describe("protocol violations: UNAVAILABLE, Protocol error, the connection closed", () => {
  it.each<[string, (peer: Peer) => void | Promise<void>, string]>([
    [
      "HTTP/1.1 instead of HTTP/2",
      (peer) => peer.write(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n")),
      "Connection dropped: Protocol error",
    ],
    ["a first frame other than SETTINGS", (peer) => peer.send(FRAME.PING, 0, 0, Buffer.alloc(8)), "Connection dropped: Protocol error"],
    [
      "a frame over 16 KiB",
      async (peer) => {
        await handshake(peer);
        peer.write(encodeFrame(FRAME.DATA, 0, 1, Buffer.alloc(16_385)));
      },
      "Connection dropped: Protocol error: a frame of 16385 bytes",
    ],
    [
      "DATA before the answer's headers",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.DATA, 0, 1, grpcFrame(ALLOCATABLE));
      },
      "Connection dropped: Protocol error: DATA before the answer's HEADERS",
    ],
    [
      "a PUSH_PROMISE",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.PUSH_PROMISE, FLAG.END_HEADERS, 1, Buffer.from([0, 0, 0, 2]));
      },
      "Connection dropped: Protocol error: a PUSH_PROMISE, with push disabled",
    ],
    [
      "HEADERS on a stream the client never opened",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 3, literalBlock(GRPC_HEADERS));
      },
      "Connection dropped: Protocol error: HEADERS on stream 3",
    ],
    [
      "a header block that is not HPACK (index 0)",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, Buffer.from([0x80]));
      },
      "Connection dropped: Protocol error: HPACK: index 0",
    ],
    [
      "a WINDOW_UPDATE of 0",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.WINDOW_UPDATE, 0, 0, Buffer.alloc(4));
      },
      "Connection dropped: Protocol error: a WINDOW_UPDATE of 0",
    ],
    [
      "a frame between HEADERS and its CONTINUATION",
      async (peer) => {
        await handshake(peer);
        peer.send(FRAME.HEADERS, 0, 1, literalBlock(GRPC_HEADERS));
        peer.send(FRAME.PING, 0, 0, Buffer.alloc(8));
      },
      "Connection dropped: Protocol error: a frame inside a header block",
    ],
  ])("%s", async (_, script, details) => {
    const server = await scripted(async (peer) => {
      await script(peer);
      await peer.closed;
    });
    expect(await outcome(ask(server.socket))).toEqual({ code: 14, details });
    await settle();
    expect(server.open()).toBe(0);
  });

  it.each<[string, Buffer, number, string]>([
    ["a compressed message", Buffer.from([1, 0, 0, 0, 0]), 13, "a compressed message, which this client did not ask for"],
    ["two messages", Buffer.concat([grpcFrame(ALLOCATABLE), grpcFrame(ALLOCATABLE)]), 13, "more than one message in a unary answer"],
    ["a truncated message", grpcFrame(ALLOCATABLE).subarray(0, 8), 13, "a truncated message"],
    ["no message", Buffer.alloc(0), 13, "No message received"],
  ])("%s, then OK: INTERNAL", async (_, body, code, details) => {
    const server = await scripted(async (peer) => {
      await handshake(peer);
      peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, literalBlock(GRPC_HEADERS));
      if (body.length > 0) peer.send(FRAME.DATA, 0, 1, body);
      peer.send(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, literalBlock([["grpc-status", "0"]]));
      await peer.closed;
    });
    expect(await outcome(ask(server.socket))).toEqual({ code, details });
  });

  it("an answer that ends without trailers: UNKNOWN, no valid grpc-status", async () => {
    const server = await scripted(async (peer) => {
      await handshake(peer);
      peer.send(FRAME.HEADERS, FLAG.END_HEADERS, 1, literalBlock(GRPC_HEADERS));
      peer.send(FRAME.DATA, FLAG.END_STREAM, 1, grpcFrame(ALLOCATABLE));
    });
    expect(await outcome(ask(server.socket))).toEqual({ code: 2, details: "an answer without a valid grpc-status" });
  });

  it("a percent-encoded grpc-message is decoded", async () => {
    const server = await scripted(async (peer) => {
      await handshake(peer);
      peer.send(
        FRAME.HEADERS,
        FLAG.END_HEADERS | FLAG.END_STREAM,
        1,
        literalBlock([...GRPC_HEADERS, ["grpc-status", "5"], ["grpc-message", "pod%20%C3%BC not found"]]),
      );
    });
    expect(await outcome(ask(server.socket))).toEqual({ code: 5, details: "pod ü not found" });
  });
});

// A server's first bytes are its SETTINGS frame's 9-byte header (RFC 9113 3.4): as soon as what has come
// cannot begin one, the peer is not HTTP/2, whether it then waits or closes; the same "Protocol error"
// as an HTTP/1.1 answer, never a wait until the deadline nor "closed it without answering".
const PROTOCOL_ERROR = { code: 14, details: "Connection dropped: Protocol error" };
const NOT_HTTP2: [string, Buffer][] = [
  ["hello", Buffer.from("hello")],
  ["one byte", Buffer.from("h")],
  ["a line ending", Buffer.from("\r\n")],
  ["a length over 16 KiB in 2 bytes", Buffer.from([0, 0x41])],
  ["a length of 16385 in 3 bytes", Buffer.from([0, 0x40, 0x01])],
  ["a HEADERS frame's first 4 bytes", Buffer.from([0, 0, 6, FRAME.HEADERS])],
  ["a SETTINGS header of 6 bytes on stream 1, no payload yet", Buffer.from([0, 0, 6, FRAME.SETTINGS, 0, 0, 0, 0, 1])],
  ["a SETTINGS header of 5 bytes, no payload yet", Buffer.from([0, 0, 5, FRAME.SETTINGS, 0, 0, 0, 0, 0])],
  ["a SETTINGS ACK header of 6 bytes, no payload yet", Buffer.from([0, 0, 6, FRAME.SETTINGS, FLAG.ACK, 0, 0, 0, 0])],
];

describe("a peer that is not HTTP/2", () => {
  it.each(NOT_HTTP2)("writes %s and keeps the connection open: Protocol error at once, not at the deadline", async (_, bytes) => {
    const server = await scripted(async (peer) => {
      peer.write(bytes);
      await peer.closed;
    });
    const started = Date.now();
    expect(await outcome(ask(server.socket, 5_000))).toEqual(PROTOCOL_ERROR);
    expect(Date.now() - started).toBeLessThan(2_000);
    await settle();
    expect(server.open()).toBe(0);
  });

  it.each<[string, Buffer]>([
    ...NOT_HTTP2,
    ["the first 2 bytes of a SETTINGS header", Buffer.from([0, 0])],
    ["a SETTINGS frame cut in its payload", encodeFrame(FRAME.SETTINGS, 0, 0, settingsPayload([[4, 65_535]])).subarray(0, 12)],
  ])("writes %s and closes: Protocol error, not closed without answering", async (_, bytes) => {
    const server = await scripted((peer) => {
      peer.socket.end(bytes);
    });
    expect(await outcome(ask(server.socket, 5_000))).toEqual(PROTOCOL_ERROR);
  });

  it("writes nothing and closes: still dropped before an answer", async () => {
    const server = await scripted((peer) => {
      peer.socket.end();
    });
    expect(await outcome(ask(server.socket, 5_000))).toEqual({ code: 14, details: "Connection dropped before an answer" });
  });

  it.each<[string, (peer: Peer) => void]>([
    ["keeps the connection open", () => undefined],
    ["closes", (peer) => peer.socket.end()],
  ])("writes hello and %s: through getPodDevices, something answered, not as gRPC", async (_, then) => {
    const server = await scripted(async (peer) => {
      peer.write(Buffer.from("hello"));
      then(peer);
      await peer.closed;
    });
    const started = Date.now();
    await expect(getPodDevices({ namespace: "default", name: "p" }, { socket: server.socket, timeoutMs: 5_000 })).rejects.toMatchObject({
      code: "ERR_DEVINFO_KUBELET_UNAVAILABLE",
      message: expect.stringContaining(
        `something answered on the kubelet's PodResources socket ${server.socket}, but not as a gRPC PodResources server (Get: Connection dropped: Protocol error)`,
      ),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each<[string, number[]]>([
    ["one byte at a time", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]],
    ["the header in two pieces, then the payload", [4, 5, 6]],
    ["the header's length, then the rest with a SETTINGS ACK", [3, 12, 9]],
  ])("a SETTINGS frame in pieces (%s) is still HTTP/2: the answer arrives", async (_, pieces) => {
    const preface = Buffer.concat([
      encodeFrame(FRAME.SETTINGS, 0, 0, settingsPayload([[4, 65_535]])),
      encodeFrame(FRAME.SETTINGS, FLAG.ACK, 0),
    ]);
    const server = await scripted(async (peer) => {
      let at = 0;
      for (const n of pieces) {
        peer.write(preface.subarray(at, at + n));
        at += n;
        await settle(15);
      }
      await peer.nextOf(FRAME.HEADERS);
      answerOk(peer);
      await peer.closed;
    });
    expect(await ask(server.socket)).toEqual(ALLOCATABLE_DECODED);
  });
});

describe("HPACK", () => {
  it("reads what node:http2 (nghttp2) writes: Huffman-coded values of every byte, dynamic table references across blocks", async () => {
    const values = [
      Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join(""),
      Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x80 + i)).join(""),
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "application/grpc",
      "0000:af:06.0",
    ];
    const socket = await http2Server((stream) => {
      const extra = Object.fromEntries(values.map((v, i) => [`x-${i}`, v]));
      stream.respond({ ":status": 200, "content-type": "application/grpc", ...extra }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", ...extra }));
      stream.end(grpcFrame(ALLOCATABLE));
    });
    // A raw HTTP/2 client that keeps the header blocks' bytes, decoded here with one HpackDecoder (one connection).
    const { default: net } = await import("node:net");
    const blocks = await new Promise<Buffer[]>((resolve, reject) => {
      const conn = net.connect(socket);
      const found: Buffer[] = [];
      let input = Buffer.alloc(0);
      conn.on("error", reject);
      conn.on("data", (chunk: Buffer) => {
        input = Buffer.concat([input, chunk]);
        while (input.length >= 9 && input.length >= 9 + input.readUIntBE(0, 3)) {
          const length = input.readUIntBE(0, 3);
          if (input[3] === FRAME.SETTINGS && !((input[4] as number) & FLAG.ACK)) conn.write(encodeFrame(FRAME.SETTINGS, FLAG.ACK, 0));
          if (input[3] === FRAME.HEADERS) found.push(Buffer.from(input.subarray(9, 9 + length)));
          input = input.subarray(9 + length);
          if (found.length === 2) {
            conn.destroy();
            resolve(found);
          }
        }
      });
      const request = encodeRequestHeaders([
        [":path", "/x"],
        [":authority", "localhost"],
      ]);
      conn.write(
        Buffer.concat([
          Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
          encodeFrame(FRAME.SETTINGS, 0, 0),
          encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 1, request),
        ]),
      );
    });
    const decoder = new HpackDecoder();
    const [headers, trailers] = blocks.map((b) => new Map(decoder.decode(b)));
    for (const [i, v] of values.entries()) {
      expect(headers?.get(`x-${i}`)).toBe(v);
      expect(trailers?.get(`x-${i}`)).toBe(v);
    }
    expect(headers?.get(":status")).toBe("200");
    expect(trailers?.get("grpc-status")).toBe("0");
    // nghttp2 indexed the values in the first block and referred to them in the second: much shorter.
    expect((blocks[1] as Buffer).length).toBeLessThan((blocks[0] as Buffer).length / 4);
    // ...and Huffman-coded them (the run of "a" is not there as it is).
    expect((blocks[0] as Buffer).includes("aaaaaaaaaa")).toBe(false);
  });

  it.each<[string, number[], RegExp]>([
    ["index 0", [0x80], /index 0/],
    ["an index in neither table", [0xbe], /index 62 is in neither table/],
    ["a truncated integer", [0x7f], /truncated integer/],
    ["a string past the end", [0x00, 0x05, 0x61], /past the end/],
    ["a table size over the limit", [0x3f, 0xe2, 0x1f], /dynamic table size of 4097/],
    ["a table size update after a field", [0x88, 0x20], /after a header field/],
    ["Huffman padding of zeros", [0x00, 0x81, 0x00, 0x81, 0x00], /Huffman padding|Huffman code/],
    ["Huffman EOS", [0x00, 0x01, 0x61, 0x84, 0xff, 0xff, 0xff, 0xff], /holds EOS/],
  ])("a malformed block: %s", (_, bytes, message) => {
    expect(() => new HpackDecoder().decode(Uint8Array.from(bytes))).toThrow(message);
  });

  it("the dynamic table: entries added, referred to newest first, evicted by size, emptied by a size update", () => {
    const d = new HpackDecoder(4096);
    const lit = (name: string, value: string) => [0x40, name.length, ...Buffer.from(name), value.length, ...Buffer.from(value)];
    expect(d.decode(Uint8Array.from([...lit("a", "1"), ...lit("b", "2")]))).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
    // 62 = newest (b), 63 = a.
    expect(d.decode(Uint8Array.from([0xbe, 0xbf]))).toEqual([
      ["b", "2"],
      ["a", "1"],
    ]);
    // A size of 34 keeps one 34-octet entry: the newest.
    expect(d.decode(Uint8Array.from([0x3f, 0x03, 0xbe]))).toEqual([["b", "2"]]);
    expect(() => d.decode(Uint8Array.from([0xbf]))).toThrow(/index 63/);
    // Size 0 empties the table.
    expect(() => d.decode(Uint8Array.from([0x20, 0xbe]))).toThrow(/index 62/);
  });
});
