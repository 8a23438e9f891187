/**
 * HPACK (RFC 7541), as much as one gRPC call needs: a decoder for the header
 * blocks a server sends (the static and dynamic tables, every representation,
 * Huffman-coded strings), and an encoder of a request's few headers as
 * literals that never touch the server's dynamic table (no Huffman: the
 * request headers are a few dozen bytes).
 *
 * Names and values are read as Latin-1, one character per octet, so that a
 * dynamic table entry's size (RFC 7541 4.1: name + value + 32 octets) is its
 * string lengths; the headers a gRPC client reads are ASCII.
 *
 * @internal
 * @module
 */

/** A malformed header block (a COMPRESSION_ERROR, RFC 9113 4.3): the connection is unusable. */
export class HpackError extends Error {}

/** RFC 7541 Appendix A: the static table, index 1 to 61 (name, value). */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ...[
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "accept",
    "access-control-allow-origin",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-type",
    "cookie",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "link",
    "location",
    "max-forwards",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "refresh",
    "retry-after",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "user-agent",
    "vary",
    "via",
    "www-authenticate",
  ].map((name): [string, string] => [name, name === "accept-encoding" ? "gzip, deflate" : ""]),
];

/**
 * RFC 7541 Appendix B: the Huffman code's length in bits for each symbol 0–256
 * (256 is EOS), one letter each, `a` = 5 bits … `z` = 30 bits. The code is
 * canonical (codes of one length are consecutive, in symbol order, and
 * follow the shorter lengths' codes), so the lengths define it.
 */
const HUFFMAN_LENGTHS =
  "isxxxxxxxtzxxzxxxxxxxxzxxxxxxxxxbffhibdgffdgdbbbaaabbbbbbbcdkbhf" +
  "ibccccccccccccccccccccccdcdioijbkabababbbaccbbbabcbaabccccckgjix" +
  "prpprrrsrssssststtrstssssqrsrsstrqprrssqsrrtqrssqqrqsrssprrrsrrs" +
  "vvporsruvvvwwvtuoqvwwvwtqqvvxwwwptpqrqqsrruuttvsvwvvwwwwwxwwwwwv" +
  "z";
const EOS = 256;

/** Canonical decoding tables, built on first use: per length, the first code, the count, and the symbols in code order. */
let huffman: { first: Int32Array; count: Int32Array; offset: Int32Array; symbols: Uint16Array } | undefined;

function huffmanTables(): NonNullable<typeof huffman> {
  if (huffman !== undefined) return huffman;
  const count = new Int32Array(31);
  for (let s = 0; s <= EOS; s++) {
    const len = HUFFMAN_LENGTHS.charCodeAt(s) - 92;
    count[len] = (count[len] as number) + 1;
  }
  const first = new Int32Array(31);
  const offset = new Int32Array(31);
  let code = 0;
  let index = 0;
  for (let len = 1; len <= 30; len++) {
    code = (code + (count[len - 1] as number)) << 1;
    first[len] = code;
    offset[len] = index;
    index += count[len] as number;
  }
  // Symbols in (length, symbol) order: the order their codes count up in.
  const symbols = new Uint16Array(EOS + 1);
  const next = Int32Array.from(offset);
  for (let s = 0; s <= EOS; s++) {
    const len = HUFFMAN_LENGTHS.charCodeAt(s) - 92;
    symbols[next[len] as number] = s;
    next[len] = (next[len] as number) + 1;
  }
  huffman = { first, count, offset, symbols };
  return huffman;
}

/** RFC 7541 5.2: a Huffman-coded string; the padding must be under 8 bits, all ones (a prefix of EOS). */
function huffmanDecode(bytes: Uint8Array, start: number, end: number): string {
  const { first, count, offset, symbols } = huffmanTables();
  let out = "";
  let code = 0;
  let len = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number;
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const k = code - (first[len] as number);
      if (k >= 0 && k < (count[len] as number)) {
        const symbol = symbols[(offset[len] as number) + k] as number;
        if (symbol === EOS) throw new HpackError("a Huffman-coded string holds EOS");
        out += String.fromCharCode(symbol);
        code = 0;
        len = 0;
      } else if (len === 30) {
        throw new HpackError("an invalid Huffman code");
      }
    }
  }
  if (len > 7 || code !== (1 << len) - 1) throw new HpackError("invalid Huffman padding");
  return out;
}

/** One header field, name and value as Latin-1 strings. */
export type HeaderField = readonly [name: string, value: string];

/**
 * The decoding side of one connection's HPACK context: its dynamic table
 * persists from one header block to the next.
 */
export class HpackDecoder {
  /** Newest first: index 62 is `table[0]`. */
  private readonly table: HeaderField[] = [];
  private size = 0;
  private maxSize: number;

  /**
   * @param limit The SETTINGS_HEADER_TABLE_SIZE this end announced (default
   *   4096): the largest dynamic table the server may ask for.
   * @param maxListBytes The largest header list accepted, in octets as
   *   SETTINGS_MAX_HEADER_LIST_SIZE counts them (name + value + 32 each).
   */
  constructor(
    private readonly limit = 4096,
    private readonly maxListBytes = 64 * 1024,
  ) {
    this.maxSize = limit;
  }

  /** Decodes one complete header block (HEADERS + CONTINUATION fragments joined). Throws {@link HpackError}. */
  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    const cursor = { pos: 0 };
    let listBytes = 0;
    while (cursor.pos < block.length) {
      const byte = block[cursor.pos] as number;
      let field: HeaderField;
      if (byte & 0x80) {
        // 6.1 Indexed Header Field.
        const index = readInteger(block, cursor, 7);
        if (index === 0) throw new HpackError("index 0");
        field = this.entry(index);
      } else if (byte & 0x40) {
        // 6.2.1 Literal Header Field with Incremental Indexing.
        field = this.literal(block, cursor, 6);
        this.add(field);
      } else if (byte & 0x20) {
        // 6.3 Dynamic Table Size Update (only at the start of a block, RFC 7541 4.2).
        if (fields.length > 0) throw new HpackError("a dynamic table size update after a header field");
        const size = readInteger(block, cursor, 5);
        if (size > this.limit) throw new HpackError(`a dynamic table size of ${size} over the ${this.limit} allowed`);
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        // 6.2.2 Literal Header Field without Indexing, 6.2.3 Never Indexed.
        field = this.literal(block, cursor, 4);
      }
      listBytes += field[0].length + field[1].length + 32;
      if (listBytes > this.maxListBytes) throw new HpackError(`a header list over ${this.maxListBytes} octets`);
      fields.push(field);
    }
    return fields;
  }

  private entry(index: number): HeaderField {
    const field = index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1] : this.table[index - STATIC_TABLE.length - 1];
    if (field === undefined) throw new HpackError(`index ${index} is in neither table`);
    return field;
  }

  private literal(block: Uint8Array, cursor: { pos: number }, prefix: number): HeaderField {
    const index = readInteger(block, cursor, prefix);
    const name = index === 0 ? readString(block, cursor) : (this.entry(index)[0] as string);
    return [name, readString(block, cursor)];
  }

  private add(field: HeaderField): void {
    const size = field[0].length + field[1].length + 32;
    // An entry larger than the table empties it and is not added (RFC 7541 4.4).
    this.evict(size);
    if (size <= this.maxSize) {
      this.table.unshift(field);
      this.size += size;
    }
  }

  /** Evicts the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.table.length > 0 && this.size + room > this.maxSize) {
      const old = this.table.pop() as HeaderField;
      this.size -= old[0].length + old[1].length + 32;
    }
  }
}

/** RFC 7541 5.1: an integer with an `n`-bit prefix (capped at 2^28: no header needs more). */
function readInteger(block: Uint8Array, cursor: { pos: number }, n: number): number {
  if (cursor.pos >= block.length) throw new HpackError("a truncated integer");
  const max = (1 << n) - 1;
  let value = (block[cursor.pos++] as number) & max;
  if (value < max) return value;
  let shift = 0;
  for (;;) {
    if (cursor.pos >= block.length) throw new HpackError("a truncated integer");
    const byte = block[cursor.pos++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if (value > 2 ** 28) throw new HpackError("an integer over 2^28");
    if (byte < 0x80) return value;
    shift += 7;
  }
}

/** RFC 7541 5.2: a string literal, Huffman-coded or raw. */
function readString(block: Uint8Array, cursor: { pos: number }): string {
  if (cursor.pos >= block.length) throw new HpackError("a truncated string");
  const huffmanCoded = ((block[cursor.pos] as number) & 0x80) !== 0;
  const length = readInteger(block, cursor, 7);
  const end = cursor.pos + length;
  if (end > block.length) throw new HpackError("a string runs past the end of the block");
  const start = cursor.pos;
  cursor.pos = end;
  if (huffmanCoded) return huffmanDecode(block, start, end);
  let out = "";
  for (let i = start; i < end; i++) out += String.fromCharCode(block[i] as number);
  return out;
}

/** The static table's index of each name a request sends, for "literal with indexed name". */
const REQUEST_NAME_INDEX: Readonly<Record<string, number>> = { ":authority": 1, ":path": 4, "content-type": 31, "user-agent": 58 };

/**
 * A request's header block: `:method POST` and `:scheme http` as static
 * indices, every other field as a literal without indexing (RFC 7541 6.2.2),
 * raw octets (values must be ASCII).
 */
export function encodeRequestHeaders(fields: readonly HeaderField[]): Uint8Array {
  const out: number[] = [0x83, 0x86]; // :method POST (3), :scheme http (6)
  for (const [name, value] of fields) {
    const index = REQUEST_NAME_INDEX[name];
    if (index === undefined) {
      out.push(0x00);
      pushString(out, name);
    } else {
      pushInteger(out, 0x00, 4, index);
    }
    pushString(out, value);
  }
  return Uint8Array.from(out);
}

function pushInteger(out: number[], flags: number, n: number, value: number): void {
  const max = (1 << n) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  let rest = value - max;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
}

function pushString(out: number[], value: string): void {
  pushInteger(out, 0x00, 7, value.length);
  for (let i = 0; i < value.length; i++) out.push(value.charCodeAt(i) & 0xff);
}
