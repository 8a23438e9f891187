import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import {
  DEFAULT_DEVICE_INFO_DOMAIN,
  decodeDeviceMetadataStream,
  deviceInfoFromDeviceAttributes,
  deviceInfoToDeviceAttributes,
  resourceClaimDeviceStatus,
} from "../../src/dra.js";
import type { DeviceInfo } from "../../src/format/schema.js";
import { parseDeviceInfo, validateDeviceInfo } from "../../src/index.js";
import { FC_SEED, fromEntries, jsonValue, text, validDocument } from "../helpers/arbitraries.js";
import { attributeProblems, deviceStatusProblems } from "./k8s-api.js";

const params = { seed: FC_SEED, numRuns: 300 };
const D = DEFAULT_DEVICE_INFO_DOMAIN;

describe("DRA properties", () => {
  it("a conforming document: attributes the API server accepts, and every one reads back to its field", () => {
    fc.assert(
      fc.property(validDocument(), (doc) => {
        const { attributes } = deviceInfoToDeviceAttributes(doc as DeviceInfo);
        expect(attributeProblems(attributes)).toStrictEqual([]);
        const back = deviceInfoFromDeviceAttributes(attributes).deviceInfo as Record<string, Record<string, unknown>>;
        const original = parseDeviceInfo(doc) as unknown as Record<string, Record<string, unknown>>;
        expect(back.type).toBe(original.type);
        for (const name of Object.keys(attributes)) {
          if (!name.startsWith(`${D}/`) || name.endsWith("/type") || name.endsWith("/version")) continue;
          // every published field comes back with its value
          const value = attributes[name]?.string;
          expect(Object.values(back).some((sub) => typeof sub === "object" && Object.values(sub).includes(value))).toBe(true);
        }
        if (attributes[`${D}/version`] !== undefined) expect(back.version).toBe(original.version);
      }),
      params,
    );
  });

  it("any attributes: the reader never throws, and any document it gives is one the library reads", () => {
    const attribute = fc.oneof(
      fc.record({ string: text() }),
      fc.record({ version: text() }),
      fc.record({ int: fc.integer() }),
      fc.record({ bool: fc.boolean() }),
      jsonValue,
    );
    const name = fc.oneof(
      fc.constantFrom(
        "resource.kubernetes.io/pciBusID",
        "k8s.cni.cncf.io/resourceName",
        "k8s.cni.cncf.io/deviceID",
        `${D}/type`,
        `${D}/version`,
      ),
      fc.constantFrom("pciPfPciAddress", "vdpaDriver", "vhostUserPath", "memifMode", "nope").map((id) => `${D}/${id}`),
      text({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, attribute), { selector: ([n]) => n, maxLength: 8 }), (entries) => {
        const result = deviceInfoFromDeviceAttributes(fromEntries(entries) as never);
        if (result.deviceInfo !== undefined) expect(validateDeviceInfo(result.deviceInfo).valid).toBe(true);
        for (const w of result.warnings) expect(typeof w.code).toBe("string");
      }),
      params,
    );
  });

  it("any text as a metadata stream: a DeviceInfoError or a result, nothing else", () => {
    const piece = fc.oneof(
      text({ maxLength: 30 }),
      fc.constantFrom(
        "{",
        "}",
        '"',
        "\\",
        "[",
        "]",
        "\n",
        '{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMetadata"}',
        '{"apiVersion":"x/v9","kind":"K"}',
      ),
      jsonValue.map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        try {
          decodeDeviceMetadataStream(pieces.join(""));
        } catch (err) {
          expect(isDeviceInfoError(err)).toBe(true);
        }
      }),
      params,
    );
  });

  it("any addresses and names: a device status within the API's limits", () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const v4 = fc.tuple(octet, octet, octet, octet, fc.integer({ min: 0, max: 32 })).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}/${p}`);
    const v6 = fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([ip, p]) => `${ip}/${p}`);
    fc.assert(
      fc.property(fc.array(fc.oneof(v4, v6), { maxLength: 24 }), text({ maxLength: 300 }), text({ maxLength: 140 }), (ips, name, mac) => {
        const cniResult = {
          cniVersion: "1.0.0",
          interfaces: [{ name, mac, sandbox: "/x" }],
          ips: ips.map((address) => ({ interface: 0, address })),
        };
        let status: Record<string, unknown>;
        try {
          status = resourceClaimDeviceStatus({ driver: "d.example.com", pool: "p", device: "dev" }, { cniResult });
        } catch (err) {
          // fast-check's IPv6 forms include ones Go's parser refuses (zones, IPv4 tails with leading zeros)
          expect(isDeviceInfoError(err) && err.code).toBe("ERR_DEVINFO_INVALID");
          return;
        }
        expect(deviceStatusProblems(status)).toStrictEqual([]);
        // canonical, by an independent oracle: the WHATWG URL parser's RFC 5952 form of IPv6
        for (const ip of (status.networkData as { ips?: string[] } | undefined)?.ips ?? []) {
          const address = ip.slice(0, ip.lastIndexOf("/"));
          if (address.includes(":")) expect(new URL(`http://[${address}]/`).hostname).toBe(`[${address}]`);
        }
      }),
      params,
    );
  });
});
