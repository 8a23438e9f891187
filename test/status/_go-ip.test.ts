import net from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatGoIP, isUnspecified, parseGoCIDR, parseGoIP } from "../../src/status/_go-ip.js";
import { FC_SEED } from "../helpers/arbitraries.js";

describe("parseGoCIDR + formatGoIP: the address Go's net.IP.String() writes", () => {
  const cases: [string, string][] = [
    ["10.1.1.2/24", "10.1.1.2"],
    ["0.0.0.0/0", "0.0.0.0"],
    ["255.255.255.255/32", "255.255.255.255"],
    ["10.1.1.2/024", "10.1.1.2"], // Go's dtoi allows leading zeros in the prefix length
    ["fd00:250::2/64", "fd00:250::2"],
    ["FD00:0250:0000:0000:0000:0000:0000:0002/64", "fd00:250::2"],
    ["::1/128", "::1"],
    ["::/0", "::"],
    ["1::/16", "1::"],
    ["::ffff:10.0.0.1/128", "10.0.0.1"], // IPv4-mapped: written as IPv4
    ["::ffff:0a00:0001/104", "10.0.0.1"],
    ["::1.2.3.4/128", "::102:304"], // IPv4-compatible is not IPv4-mapped
    ["2001:db8:0:0:1:0:0:1/64", "2001:db8::1:0:0:1"], // two equal runs: the first is compressed
    ["2001:db8:0:1:1:1:1:1/64", "2001:db8:0:1:1:1:1:1"], // a single zero group is not
    ["1:0:0:2:0:0:0:3/64", "1:0:0:2::3"], // the longest run is
    ["1:2:3:4:5:6:7:8/64", "1:2:3:4:5:6:7:8"],
    ["1:2:3:4:5:6:1.2.3.4/64", "1:2:3:4:5:6:102:304"],
  ];
  it.each(cases)("%s → %s", (cidr, expected) => {
    expect(formatGoIP(parseGoCIDR(cidr))).toBe(expected);
  });

  const invalid = [
    "10.1.1.2",
    "10.1.1.2/33",
    "::1/129",
    "010.1.1.2/24",
    "256.1.1.1/8",
    "1.2.3/8",
    "1.2.3.4.5/8",
    "1::2::3/64",
    "fe80::1%eth0/64",
    "::12345/64",
    "1:2:3:4:5:6:7:8::/64",
    "1:2:3:4:5:6:7:8:9/64",
    ":1::2/64",
    "1:2:3:4:5:6:7/64",
    "1.2.3.4::/64",
    "/24",
    "10.1.1.2/",
    "10.1.1.2/+1",
    "10.1.1.2/ 1",
    " 10.1.1.2/24",
    "10.1.1.2/24 ",
    "",
  ];
  it.each(invalid)("rejects %j", (cidr) => {
    expect(parseGoCIDR(cidr)).toBeUndefined();
  });

  it("writes a missing address as <nil>", () => {
    expect(formatGoIP(undefined)).toBe("<nil>");
  });

  it("parseGoIP takes plain addresses, not CIDRs", () => {
    expect(formatGoIP(parseGoIP("192.0.2.1"))).toBe("192.0.2.1");
    expect(formatGoIP(parseGoIP("fd00::1"))).toBe("fd00::1");
    expect(parseGoIP("192.0.2.1/24")).toBeUndefined();
    expect(parseGoIP("")).toBeUndefined();
  });

  it.each([
    ["0.0.0.0", true],
    ["::", true],
    ["::ffff:0.0.0.0", true],
    ["0.0.0.1", false],
    ["::1", false],
    ["1::", false],
  ])("isUnspecified(%s) === %s (Go's Equal(IPv4zero) || Equal(IPv6zero))", (ip, expected) => {
    expect(isUnspecified(parseGoIP(ip) as Uint8Array)).toBe(expected);
  });
});

describe("properties (fixed seed)", () => {
  const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
  // Runs of zero groups are what compression is about: make them common.
  const sparse = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }).map((groups) => {
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      out[2 * i] = g >> 8;
      out[2 * i + 1] = g & 0xff;
    });
    return out;
  });
  const isMapped = (b: Uint8Array) => b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

  it("format then parse gives the same 16 bytes", () => {
    fc.assert(
      fc.property(fc.oneof(bytes16, sparse), (b) => {
        expect(parseGoIP(formatGoIP(b))).toStrictEqual(b);
      }),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it("IPv6 text is RFC 5952 canonical (the WHATWG URL serializer, an independent implementation, agrees)", () => {
    fc.assert(
      fc.property(
        fc.oneof(bytes16, sparse).filter((b) => !isMapped(b)),
        (b) => {
          const text = formatGoIP(b);
          expect(net.isIPv6(text)).toBe(true);
          expect(new URL(`http://[${text}]/`).hostname).toBe(`[${text}]`);
        },
      ),
      { seed: FC_SEED, numRuns: 2000 },
    );
  });

  it("IPv4 (and IPv4-mapped) text is dotted decimal", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (v4) => {
        const text = [...v4].join(".");
        expect(formatGoIP(parseGoIP(text))).toBe(text);
        expect(formatGoIP(parseGoIP(`::ffff:${text}`))).toBe(text);
        expect(net.isIPv4(text)).toBe(true);
      }),
      { seed: FC_SEED, numRuns: 500 },
    );
  });
});
