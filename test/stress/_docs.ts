/**
 * Self-checking device-info documents for the stress scenarios. Each document
 * carries a filler of one repeated character whose length is also stored in
 * the document, so a reader can tell a whole file from a torn, mixed or
 * truncated one without knowing which version it should see.
 */

import type { DeviceInfo } from "../../src/index.js";

/** Keys the stress documents add; unknown to the spec, kept by every reader. */
export const WRITER_KEY = "stress-writer";
export const SEQ_KEY = "stress-seq";
export const FILLER_KEY = "stress-filler";
export const LENGTH_KEY = "stress-length";
export const COUNTER_KEY = "stress-counter";

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A small deterministic PRNG (mulberry32), so that a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * A valid pci document of about `fillerLength` bytes more than the minimum,
 * identified by writer and sequence number.
 */
export function makeDoc(writer: number, seq: number, fillerLength: number): DeviceInfo {
  const char = ALPHABET[(writer * 7 + seq) % ALPHABET.length] ?? "x";
  const doc: Record<string, unknown> = {
    type: "pci",
    version: "1.1.0",
    pci: { "pci-address": `0000:af:${(writer % 32).toString(16).padStart(2, "0")}.${seq % 8}` },
    [WRITER_KEY]: writer,
    [SEQ_KEY]: seq,
    [FILLER_KEY]: char.repeat(fillerLength),
    [LENGTH_KEY]: fillerLength,
  };
  return doc as DeviceInfo;
}

/**
 * `undefined` when `doc` is a whole stress document, otherwise what is wrong
 * with it.
 */
export function checkDoc(doc: unknown): string | undefined {
  if (typeof doc !== "object" || doc === null) return `not an object: ${typeof doc}`;
  const record = doc as Record<string, unknown>;
  const filler = record[FILLER_KEY];
  const length = record[LENGTH_KEY];
  if (typeof filler !== "string" || typeof length !== "number") return "stress keys missing";
  if (filler.length !== length) return `filler is ${filler.length} characters, the document says ${length}`;
  const first = filler[0];
  for (let i = 1; i < filler.length; i++) if (filler[i] !== first) return `filler mixes "${first}" and "${filler[i]}" at ${i}`;
  if (record.type !== "pci" || typeof record.pci !== "object") return "not a pci document";
  return undefined;
}
