/**
 * A scripted HTTP/2 server for the kubelet client's tests: a real unix socket
 * whose connections a test drives frame by frame (RFC 9113), to send what a
 * library server would not (GOAWAY before the call, padding, CONTINUATION,
 * PING, tiny windows, protocol violations) and to see what the client sends.
 */

import { Buffer } from "node:buffer";
import net from "node:net";

export interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

export const FRAME = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
};
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 };

/** One accepted connection: the client's frames as they come, and a way to write frames back. */
export interface Peer {
  readonly socket: net.Socket;
  /** The next frame from the client (after its preface); rejects if the connection closes first. */
  next(): Promise<Frame>;
  /** The next frame of `type`, skipping others (they stay in `seen`). */
  nextOf(type: number): Promise<Frame>;
  /** Every frame received so far. */
  readonly seen: Frame[];
  send(type: number, flags: number, stream: number, payload?: Uint8Array): void;
  /** Writes raw bytes. */
  write(bytes: Uint8Array): void;
  /** Resolves when the client has closed the connection. */
  readonly closed: Promise<void>;
}

export function encodeFrame(type: number, flags: number, stream: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(stream, 5);
  out.set(payload, 9);
  return out;
}

/** A SETTINGS payload from (identifier, value) pairs. */
export function settingsPayload(pairs: [number, number][] = []): Buffer {
  const out = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, value], i) => {
    out.writeUInt16BE(id, i * 6);
    out.writeUInt32BE(value, i * 6 + 2);
  });
  return out;
}

/** A header block of literals without indexing, new names, no Huffman (RFC 7541 6.2.2): the simplest valid encoding. */
export function literalBlock(fields: [string, string][]): Buffer {
  const bytes: number[] = [];
  const str = (s: string) => {
    const b = Buffer.from(s, "latin1");
    if (b.length >= 127) {
      bytes.push(127);
      let rest = b.length - 127;
      while (rest >= 128) {
        bytes.push((rest & 0x7f) | 0x80);
        rest >>>= 7;
      }
      bytes.push(rest);
    } else {
      bytes.push(b.length);
    }
    bytes.push(...b);
  };
  for (const [name, value] of fields) {
    bytes.push(0x00);
    str(name);
    str(value);
  }
  return Buffer.from(bytes);
}

/** A gRPC length-prefixed message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export const GRPC_HEADERS: [string, string][] = [
  [":status", "200"],
  ["content-type", "application/grpc"],
];

/** A scripted server on `path`: `script` runs for each connection. `open()` counts connections not yet closed. */
export async function scriptedServer(
  path: string,
  script: (peer: Peer) => Promise<void> | void,
): Promise<{ server: net.Server; open: () => number; accepted: () => number; close: () => Promise<void> }> {
  let open = 0;
  let accepted = 0;
  const server = net.createServer((socket) => {
    open++;
    accepted++;
    socket.on("error", () => undefined);
    const seen: Frame[] = [];
    const queue: Frame[] = [];
    let waiter: (() => void) | undefined;
    let ended = false;
    let input = Buffer.alloc(0);
    let prefaceLeft = 24;
    let closedResolve: () => void = () => undefined;
    const closed = new Promise<void>((resolve) => {
      closedResolve = resolve;
    });
    socket.on("close", () => {
      open--;
      ended = true;
      waiter?.();
      closedResolve();
    });
    socket.on("data", (chunk: Buffer) => {
      input = Buffer.concat([input, chunk]);
      if (prefaceLeft > 0) {
        const n = Math.min(prefaceLeft, input.length);
        input = input.subarray(n);
        prefaceLeft -= n;
      }
      while (input.length >= 9) {
        const length = input.readUIntBE(0, 3);
        if (input.length < 9 + length) break;
        const f = {
          type: input[3] as number,
          flags: input[4] as number,
          stream: input.readUInt32BE(5) & 0x7fffffff,
          payload: Buffer.from(input.subarray(9, 9 + length)),
        };
        input = input.subarray(9 + length);
        seen.push(f);
        queue.push(f);
      }
      waiter?.();
    });
    const next = (): Promise<Frame> =>
      new Promise((resolve, reject) => {
        const check = () => {
          const f = queue.shift();
          if (f !== undefined) resolve(f);
          else if (ended) reject(new Error("the client closed the connection"));
          else waiter = check;
        };
        check();
      });
    const peer: Peer = {
      socket,
      next,
      async nextOf(type) {
        for (;;) {
          const f = await next();
          if (f.type === type) return f;
        }
      },
      seen,
      send: (type, flags, stream, payload) => {
        if (!socket.destroyed) socket.write(encodeFrame(type, flags, stream, payload));
      },
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      closed,
    };
    Promise.resolve(script(peer)).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    server,
    open: () => open,
    accepted: () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
