import { describe, expect, it } from "vitest";
import { formatAge, Output, Progress, Table, useColor } from "../../src/cli/_output.js";

/** A stream that records each write. */
function sink(isTTY = false): { writes: string[]; readonly text: string; write(chunk: string): void; isTTY: boolean } {
  const writes: string[] = [];
  return {
    writes,
    isTTY,
    get text() {
      return writes.join("");
    },
    write(chunk: string) {
      writes.push(chunk);
    },
  };
}

describe("useColor: NO_COLOR, then FORCE_COLOR, then a terminal that is not dumb", () => {
  it.each([
    { tty: true, env: {}, color: true },
    { tty: false, env: {}, color: false },
    { tty: true, env: { TERM: "dumb" }, color: false },
    { tty: true, env: { NO_COLOR: "1" }, color: false },
    { tty: true, env: { NO_COLOR: "" }, color: true },
    { tty: false, env: { FORCE_COLOR: "1" }, color: true },
    { tty: false, env: { FORCE_COLOR: "0" }, color: false },
    { tty: true, env: { NO_COLOR: "1", FORCE_COLOR: "1" }, color: false },
  ])("tty=$tty env=$env: $color", ({ tty, env, color }) => {
    expect(useColor({ write: () => undefined, isTTY: tty }, env)).toBe(color);
  });
});

describe("Output", () => {
  it("buffers lines until flushed, then writes them in one chunk", () => {
    const stream = sink();
    const out = new Output(stream, false);
    out.line("a");
    out.write("b");
    out.line();
    expect(stream.writes).toEqual([]);
    out.flush();
    expect(stream.writes).toEqual(["a\nb\n"]);
    out.flush();
    expect(stream.writes).toHaveLength(1);
  });

  it("flushes by itself past 64 KiB, and direct() writes after what is buffered", () => {
    const stream = sink();
    const out = new Output(stream, false);
    out.line("x".repeat(70_000));
    expect(stream.writes).toHaveLength(1);
    out.line("queued");
    out.direct("now");
    expect(stream.writes.slice(1)).toEqual(["queued\n", "now"]);
  });

  it.each([
    ["bold", "\u001b[1mx\u001b[22m"],
    ["dim", "\u001b[2mx\u001b[22m"],
    ["red", "\u001b[31mx\u001b[39m"],
    ["yellow", "\u001b[33mx\u001b[39m"],
    ["green", "\u001b[32mx\u001b[39m"],
    ["cyan", "\u001b[36mx\u001b[39m"],
  ] as const)("style %s: ANSI with colour, the text itself without", (name, ansi) => {
    expect(new Output(sink(), true).style[name]("x")).toBe(ansi);
    expect(new Output(sink(), false).style[name]("x")).toBe("x");
  });
});

describe("Table", () => {
  it("sizes columns from the rows, three spaces apart, sorted at the end", () => {
    const stream = sink();
    const out = new Output(stream, false);
    const table = new Table(out, ["NAME", "AGE"]);
    table.add(["zeta", "5s"]);
    table.add(["a", "12m"]);
    table.end((x, y) => ((x[0] ?? "") < (y[0] ?? "") ? -1 : 1));
    out.flush();
    expect(stream.text).toBe("NAME   AGE\na      12m\nzeta   5s\n");
  });

  it("past its limit the widths are fixed and rows stream in arrival order; a wider value shifts its line", () => {
    const stream = sink();
    const out = new Output(stream, false);
    const table = new Table(out, ["N", "V"], 2);
    table.add(["b", "1"]);
    expect(table.streaming).toBe(false);
    table.add(["a", "2"]);
    expect(table.streaming).toBe(true);
    table.add(["longer", "3"]);
    table.end((x, y) => ((x[0] ?? "") < (y[0] ?? "") ? -1 : 1));
    out.flush();
    expect(stream.text).toBe("N   V\nb   1\na   2\nlonger   3\n");
  });

  it("ignores colour codes when sizing", () => {
    const stream = sink();
    const out = new Output(stream, true);
    const table = new Table(out, ["A", "B"]);
    table.add([out.style.red("x"), "y"]);
    table.end();
    out.flush();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is removed
    expect(stream.text.replace(/\u001b\[[0-9;]*m/g, "")).toBe("A   B\nx   y\n");
  });
});

describe("formatAge, as kubectl prints ages", () => {
  it.each([
    [-5, "0s"],
    [0, "0s"],
    [119_999, "119s"],
    [120_000, "2m"],
    [7_199_999, "119m"],
    [7_200_000, "2h"],
    [48 * 3_600_000, "2d"],
    [730 * 86_400_000, "2y"],
  ])("%d ms: %s", (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe("Progress", () => {
  it("draws nothing when stderr is not a terminal", () => {
    const err = sink(false);
    const progress = new Progress(new Output(err, false), "scan", undefined, 0);
    for (let i = 0; i < 5_000; i++) progress.tick();
    progress.done();
    expect(err.writes).toEqual([]);
  });

  it("on a terminal: past the threshold, one line rewritten in place, erased at the end and before the listing", () => {
    const err = sink(true);
    const outStream = sink(true);
    const out = new Output(outStream, false);
    const progress = new Progress(new Output(err, false), "scan", out, 256);
    for (let i = 0; i < 256; i++) progress.tick();
    expect(err.writes).toEqual(["\r\u001b[Kscan: 256 entries…"]);
    out.line("row");
    out.flush();
    expect(err.writes.at(-1)).toBe("\r\u001b[K");
    progress.done();
    expect(err.writes).toHaveLength(2);
  });
});
