/**
 * Everything the CLI reads from stdin or from a file named on its command
 * line (`-f FILE`, `--live-containers FILE`, ...) goes through
 * {@link readInput}: it stops at a cap, so a runaway pipe (`cat big.log |
 * devinfo validate -`) costs at most the cap in memory, never the whole
 * stream. Files named on the command line may be pipes (`<(crictl pods -q)`,
 * `/dev/stdin`): they are read as streams, and symlinks are followed, as any
 * command-line tool does with its input files. (Device-info files in the base
 * directory are read by `_scan.ts` and the library, which never follow one.)
 */

import { Buffer } from "node:buffer";
import fs from "node:fs";
import { DeviceInfoError } from "../base/errors.js";
import { DEFAULT_MAX_BYTES } from "../files/_io.js";

/** The most bytes of a device-info document (`validate -`, `write -f`, `attributes -`): the library's own cap for device-info files. */
export const DOCUMENT_MAX_BYTES = DEFAULT_MAX_BYTES;
/** The most bytes of a network-status annotation or a Downward API annotations file (`status -`): 4 MiB, the library's cap for that file. */
export const ANNOTATIONS_MAX_BYTES = 4 * 1024 * 1024;
/**
 * The most bytes of a `--live-containers`, `--valid-attachments` or
 * `--live-devices` list: 8 MiB, over 100,000 container IDs (a node runs a
 * few hundred pods at most).
 */
export const LIST_MAX_BYTES = 8 * 1024 * 1024;

/** What is read, for the messages. */
export interface InputKind {
  /** What the bytes are, e.g. `"the --live-containers list"` or `"a device-info document"`. */
  readonly what: string;
  /** The cap, in bytes. */
  readonly maxBytes: number;
  /** Advice when the input is over the cap. */
  readonly hint: string;
}

/** The label of stdin in messages and in `DeviceInfoError.path`. */
export const STDIN_LABEL = "<stdin>";

/**
 * Reads `source` (a path, or `-` for `stdin`) up to `kind.maxBytes` bytes.
 *
 * @throws {@link DeviceInfoError} `ERR_DEVINFO_TOO_LARGE` as soon as the
 *   input passes the cap (the rest is never read), `ERR_DEVINFO_NOT_FOUND`
 *   for a missing file, `ERR_DEVINFO_IO` for any other failure; the path is
 *   the file or `<stdin>`.
 */
export async function readInput(source: string, stdin: AsyncIterable<unknown>, kind: InputKind): Promise<Buffer> {
  if (source === "-") return readCapped(stdin, STDIN_LABEL, kind);
  const stream = fs.createReadStream(source, { highWaterMark: 64 * 1024 });
  try {
    return await readCapped(stream, source, kind);
  } catch (err) {
    if (err instanceof DeviceInfoError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DeviceInfoError(
      code === "ENOENT" ? "ERR_DEVINFO_NOT_FOUND" : "ERR_DEVINFO_IO",
      `cannot read ${kind.what} ${source}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message}`,
      { path: source, errno: code, cause: err },
    );
  } finally {
    stream.destroy();
  }
}

/** Collects `stream`'s chunks; leaves the loop (which ends the stream's iteration) once past `kind.maxBytes`. */
async function readCapped(stream: AsyncIterable<unknown>, label: string, kind: InputKind): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.byteLength;
    if (size > kind.maxBytes) {
      throw new DeviceInfoError(
        "ERR_DEVINFO_TOO_LARGE",
        `${label}: ${kind.what} is over the ${kind.maxBytes}-byte limit${humanBytes(kind.maxBytes)}; ${kind.hint}`,
        { path: label },
      );
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}

/** ` (8 MiB)`, ` (64 KiB)`, or nothing for a count that is neither. */
function humanBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return ` (${n / (1024 * 1024)} MiB)`;
  return n % 1024 === 0 ? ` (${n / 1024} KiB)` : "";
}

/** A device-info document (a few hundred bytes in practice). */
export const DOCUMENT_INPUT: InputKind = {
  what: "the device-info document",
  maxBytes: DOCUMENT_MAX_BYTES,
  hint: "device-info documents are a few hundred bytes, as the library's readers allow; is this the right input?",
};

/** A network-status annotation or an annotations file. */
export const ANNOTATIONS_INPUT: InputKind = {
  what: "the network-status annotation",
  maxBytes: ANNOTATIONS_MAX_BYTES,
  hint: "Kubernetes caps a pod's annotations at 256 KiB; is this the right input?",
};

/** A `--live-*` list. */
export function listInput(flag: string): InputKind {
  return {
    what: `the ${flag} list`,
    maxBytes: LIST_MAX_BYTES,
    hint: `a node's lists are far smaller; is this the right input for ${flag}? Nothing was removed`,
  };
}
