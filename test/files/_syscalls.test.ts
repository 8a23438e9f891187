import fs from "node:fs";
import { describe, expect, it } from "vitest";
import * as sys from "../../src/files/_syscalls.js";
import { useTempDir } from "../helpers/temp-dir.js";

function* sample(dir: string) {
  yield* sys.mkdir(`${dir}/d`, 0o755);
  const fd = yield* sys.open(`${dir}/d/f`, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
  yield* sys.write(fd, Buffer.from("hello"));
  const size = (yield* sys.fstat(fd)).size;
  yield* sys.close(fd);
  let missing = "";
  try {
    yield* sys.lstat(`${dir}/nothing`);
  } catch (err) {
    missing = (err as NodeJS.ErrnoException).code ?? "";
  }
  yield* sys.sleep(1);
  return { size, missing };
}

describe("runSync and runAsync", () => {
  const tmp = useTempDir();

  it("perform the same system calls with the same results", async () => {
    fs.mkdirSync(tmp.join("a"));
    fs.mkdirSync(tmp.join("b"));
    expect(sys.runSync(sample(tmp.join("a")))).toEqual({ size: 5, missing: "ENOENT" });
    expect(await sys.runAsync(sample(tmp.join("b")))).toEqual({ size: 5, missing: "ENOENT" });
  });

  it("write all of a large buffer", async () => {
    const data = Buffer.alloc(8 << 20, 7);
    for (const run of [sys.runSync, sys.runAsync] as const) {
      const file = tmp.join(`big-${run.name}`);
      await run(
        (function* () {
          const fd = yield* sys.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644);
          yield* sys.write(fd, data);
          yield* sys.close(fd);
        })(),
      );
      expect(fs.statSync(file).size).toBe(data.length);
    }
  });

  it("reject (not crash, not hang) when fs throws synchronously after the first call", async () => {
    function* bad() {
      yield* sys.lstat("/");
      yield* sys.open("/tmp/a\0b", fs.constants.O_RDONLY);
    }
    expect(() => sys.runSync(bad())).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    await expect(sys.runAsync(bad())).rejects.toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
  });

  it("hand a synchronous fs error to the generator, which may recover", async () => {
    function* recovering() {
      yield* sys.lstat("/");
      try {
        yield* sys.open("/tmp/a\0b", fs.constants.O_RDONLY);
      } catch {
        return "recovered";
      }
      return "opened";
    }
    expect(sys.runSync(recovering())).toBe("recovered");
    expect(await sys.runAsync(recovering())).toBe("recovered");
  });

  it("reject with what the generator throws", async () => {
    function* throwing(): sys.Gen<never> {
      yield* sys.lstat("/");
      throw new Error("mine");
    }
    expect(() => sys.runSync(throwing())).toThrow("mine");
    await expect(sys.runAsync(throwing())).rejects.toThrow("mine");
  });
});
