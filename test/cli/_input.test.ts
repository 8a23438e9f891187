import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { DOCUMENT_INPUT, type InputKind, readInput } from "../../src/cli/_input.js";
import { put, useTempDir } from "./_helpers.js";

const SMALL: InputKind = { what: "the --live-x list", maxBytes: 10, hint: "is this the right list?" };

/** An endless stream that counts how many chunks were pulled from it. */
function endless(chunk: string) {
  const state = { pulled: 0 };
  async function* stream() {
    for (;;) {
      state.pulled++;
      yield Buffer.from(chunk);
    }
  }
  return { state, stream: stream() };
}

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<string | Buffer> {
  for (const part of parts) yield part;
}

describe("readInput: stdin or a file, never past its cap", () => {
  const tmp = useTempDir();

  it("reads stdin (strings and buffers) and files whole when under the cap", async () => {
    expect((await readInput("-", chunks("ab", Buffer.from("cd")), SMALL)).toString()).toBe("abcd");
    expect((await readInput(put(tmp.join("l"), "a\nb\n"), chunks(), SMALL)).toString()).toBe("a\nb\n");
    expect((await readInput("-", chunks("0123456789"), SMALL)).toString()).toBe("0123456789");
  });

  it("stops pulling from stdin once past the cap: ERR_DEVINFO_TOO_LARGE on <stdin>, with the limit and the hint", async () => {
    const { state, stream } = endless("0123");
    const error = await readInput("-", stream, SMALL).catch((e: unknown) => e);
    expect(isDeviceInfoError(error) && [error.code, error.path, error.message]).toEqual([
      "ERR_DEVINFO_TOO_LARGE",
      "<stdin>",
      "<stdin>: the --live-x list is over the 10-byte limit; is this the right list?",
    ]);
    expect(state.pulled).toBe(3);
  });

  it("a file over the cap: ERR_DEVINFO_TOO_LARGE with the file's path", async () => {
    const file = put(tmp.join("big"), "x".repeat(DOCUMENT_INPUT.maxBytes + 1));
    const error = await readInput(file, chunks(), DOCUMENT_INPUT).catch((e: unknown) => e);
    expect(isDeviceInfoError(error) && [error.code, error.path]).toEqual(["ERR_DEVINFO_TOO_LARGE", file]);
    expect((error as Error).message).toMatch(/^\S+big: the device-info document is over the 65536-byte limit \(64 KiB\)/);
  });

  it.each([
    { what: "a missing file", make: (p: string) => p, code: "ERR_DEVINFO_NOT_FOUND", says: "no such file" },
    {
      what: "a directory",
      make: (p: string) => {
        fs.mkdirSync(p);
        return p;
      },
      code: "ERR_DEVINFO_IO",
      says: "it is a directory",
    },
  ])("$what: $code naming the input", async ({ make, code, says }) => {
    const path = make(tmp.join("x"));
    const error = await readInput(path, chunks(), SMALL).catch((e: unknown) => e);
    expect(isDeviceInfoError(error) && [error.code, error.path, error.message]).toEqual([
      code,
      path,
      `cannot read the --live-x list ${path}: ${says}`,
    ]);
  });
});
