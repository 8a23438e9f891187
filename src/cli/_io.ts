/**
 * Where a command reads and writes, as the CLI's frame (`_command.ts`) and its
 * output (`_output.ts`) both see it.
 *
 * @internal
 * @module
 */

/** Where a command reads and writes: the process, or a test's fakes. */
export interface CliIO {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: InStream;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The part of a writable stream the CLI uses. */
export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** The part of a readable stream the CLI uses. */
export interface InStream extends AsyncIterable<unknown> {
  readonly isTTY?: boolean | undefined;
}
