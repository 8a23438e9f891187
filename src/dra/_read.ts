/**
 * Reading a small file a workload was given (a device metadata file): through
 * symlinks, as the kubelet's atomic updates need, but only a regular file,
 * opened non-blocking (a FIFO never hangs the reader), never beyond a cap
 * (refused after one `fstat`, and again if it grows while being read), and
 * decoded as every reader of the library decodes JSON text.
 */

import { Buffer } from "node:buffer";
import fs from "node:fs";
import { DeviceInfoError, isDeviceInfoError } from "../errors.js";
import { decodeUtf8, goSurrogates } from "../format/_go-text.js";

/** The file's text, decoded as Go's encoding/json reads it (invalid UTF-8 and lone surrogates as U+FFFD). */
export async function readCappedFile(path: string, maxBytes: number, what: string): Promise<string> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw fileError(err, path, what);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_IO",
        `cannot read ${path}: it is ${stats.isDirectory() ? "a directory" : "not a regular file"}; pass the path of ${what}`,
        { path },
      );
    }
    if (stats.size > maxBytes) throw tooLarge(path, stats.size, maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(Math.max(stats.size + 1, 4096), maxBytes + 1));
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, total, maxBytes);
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return goSurrogates(decodeUtf8(Buffer.concat(chunks, total)));
  } catch (err) {
    throw fileError(err, path, what);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function tooLarge(path: string, size: number, maxBytes: number): DeviceInfoError {
  return new DeviceInfoError(
    "ERR_DEVINFO_TOO_LARGE",
    `${path} is ${size} bytes, over the ${maxBytes}-byte limit; pass a larger maxBytes if this file is really that large`,
    { path },
  );
}

function fileError(err: unknown, path: string, what: string): DeviceInfoError {
  if (isDeviceInfoError(err)) return err;
  const e = err as NodeJS.ErrnoException;
  const details = { path, errno: e?.code, syscall: e?.syscall, cause: err };
  if (e?.code === "ENOENT" || e?.code === "ENOTDIR") {
    return new DeviceInfoError("ERR_DEVINFO_NOT_FOUND", `${path} does not exist: is ${what} mounted there?`, details);
  }
  return new DeviceInfoError("ERR_DEVINFO_IO", `cannot read ${path}: ${e?.message ?? String(err)}`, details);
}
