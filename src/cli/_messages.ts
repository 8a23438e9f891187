/**
 * The library's messages say what to pass to its functions; on the command
 * line the reader can only type flags. Every library message the CLI prints
 * goes through {@link toCliWords}, and a test walks every message literal in
 * src/ so that a new one naming an option cannot slip through.
 */

/** Library advice → command-line advice. */
const REWORDINGS: readonly (readonly [RegExp, string])[] = [
  // The CLI's reading limit is the spec-sized one, and has no flag.
  [/; pass a larger maxBytes if this (?:is intended|file is really that large)/g, "; is this the right file?"],
  [/pass \{ strict: false \}/g, "pass --lenient"],
  [/read with \{ strict: false \}/g, "read without --strict"],
  [/pass \{ overwrite: true \}/g, "pass --overwrite"],
  [/ \(or raise lockStaleMs\)/g, ""],
  [/Retry, or pass a larger timeoutMs/g, "Retry, or pass a larger --kubelet-timeout"],
  [/check the path given in options\.socket/g, "check --kubelet-socket"],
];

/** The message with every library option it names replaced by what the CLI offers. */
export function toCliWords(message: string): string {
  let out = message;
  for (const [pattern, replacement] of REWORDINGS) out = out.replace(pattern, replacement);
  return out;
}
