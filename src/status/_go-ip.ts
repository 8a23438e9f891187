/**
 * Go's `net` package text forms of IP addresses, which the network-status
 * annotation carries: `net.ParseIP` / `net.ParseCIDR` to read a CNI result,
 * `net.IP.String()` to write the address (canonical RFC 5952 form, an
 * IPv4-mapped IPv6 address written as dotted IPv4, `"<nil>"` for no address).
 */

/** A parsed address: always 16 bytes (IPv4 as `::ffff:a.b.c.d`, as Go stores it). */
export type GoIP = Uint8Array;

const IPV4_FIELD = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_FIELD = /^[0-9a-fA-F]{1,4}$/;

function parseIPv4Bytes(text: string): number[] | undefined {
  const fields = text.split(".");
  if (fields.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const field of fields) {
    // Go (since 1.17) rejects leading zeros: they meant octal to some parsers.
    if (!IPV4_FIELD.test(field)) return undefined;
    const n = Number(field);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

function parseIPv6Bytes(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string, allowIPv4Tail: boolean): number[] | undefined => {
    if (part === "") return [];
    const groups = part.split(":");
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i] as string;
      if (allowIPv4Tail && i === groups.length - 1 && group.includes(".")) {
        const v4 = parseIPv4Bytes(group);
        if (v4 === undefined) return undefined;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!HEX_FIELD.test(group)) return undefined;
        out.push(Number.parseInt(group, 16));
      }
    }
    return out;
  };
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0] as string, false);
    const tail = parseGroups(halves[1] as string, true);
    if (head === undefined || tail === undefined) return undefined;
    // "::" stands for at least one zero group.
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    const all = parseGroups(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  }
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

/** `net.ParseIP`: an IPv4 or IPv6 address (no zone), or `undefined`. */
export function parseGoIP(text: string): GoIP | undefined {
  if (text.includes(":")) {
    const bytes = parseIPv6Bytes(text);
    return bytes === undefined ? undefined : Uint8Array.from(bytes);
  }
  const v4 = parseIPv4Bytes(text);
  return v4 === undefined ? undefined : Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4]);
}

/** `net.ParseCIDR` (the address part, unmasked, as CNI's `types.ParseCIDR` keeps it), or `undefined`. */
export function parseGoCIDR(text: string): GoIP | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const ip = parseGoIP(addressText);
  // Go reads the prefix length with its dtoi: decimal digits only, any number of leading zeros ("/000000024").
  if (ip === undefined || !/^[0-9]+$/.test(prefixText)) return undefined;
  const bits = addressText.includes(":") ? 128 : 32;
  return Number(prefixText) <= bits ? ip : undefined;
}

function isIPv4Mapped(ip: GoIP): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** Whether Go's `ip.Equal(net.IPv4zero) || ip.Equal(net.IPv6zero)` holds. */
export function isUnspecified(ip: GoIP): boolean {
  for (let i = 12; i < 16; i++) if (ip[i] !== 0) return false;
  if (isIPv4Mapped(ip)) return true;
  for (let i = 0; i < 12; i++) if (ip[i] !== 0) return false;
  return true;
}

/** `net.IP.String()`: `"<nil>"` for no address. */
export function formatGoIP(ip: GoIP | undefined): string {
  if (ip === undefined) return "<nil>";
  if (isIPv4Mapped(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i] as number) << 8) | (ip[i + 1] as number));
  // The longest run of two or more zero groups becomes "::" (the first, on a tie).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16));
  if (bestStart < 0) return hex(0, 8).join(":");
  return `${hex(0, bestStart).join(":")}::${hex(bestStart + bestLength, 8).join(":")}`;
}
