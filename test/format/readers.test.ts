/**
 * Every reader of the package decodes JSON text the same way, Go's way: the
 * same hostile bytes go to each of them (device-info from text and from a
 * file, the network-status annotation from text and from a Downward API
 * file, CNI results, CNI configurations and a plugin's stdin, KubeVirt's
 * network-info, the kubelet's device checkpoint, DRA device metadata and
 * the CNI result a DRA driver turns into a claim's device status) and must
 * come out the same.
 */

import { Buffer } from "node:buffer";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { isDeviceInfoError } from "../../src/base/errors.js";
import { resourceClaimDeviceStatus } from "../../src/dra/claim-status.js";
import { readDeviceMetadata } from "../../src/dra/metadata.js";
import { loadDeviceInfoFromDPSync } from "../../src/files/operations.js";
import { decodeUtf8, MAX_JSON_DEPTH } from "../../src/format/_go-text.js";
import { parseDeviceInfo } from "../../src/format/parse.js";
import { readDeviceCheckpoint } from "../../src/kubelet/_checkpoint.js";
import { getCNIDeviceInfoFile } from "../../src/roles/cni-plugin.js";
import { pluginMain } from "../../src/roles/cni-skel.js";
import { createNetworkStatus, parseNetworkStatusAnnotation } from "../../src/status/network-status.js";
import { readKubeVirtNetworkInfo, readPodNetworkStatus } from "../../src/status/workload.js";
import { useTempDir } from "../helpers/temp-dir.js";

const tmp = useTempDir();

type Outcome = { value: unknown } | { error: "parse" | "invalid" | string };

interface Reader {
  readonly name: string;
  /** The document with `value` (JSON text) in a string field the reader returns. */
  readonly inField: (value: Buffer) => Buffer;
  /** The document with `value` under a key the reader ignores or keeps, `levels` containers deep. */
  readonly inUnknown: (value: Buffer) => Buffer;
  readonly levels: number;
  readonly read: (bytes: Buffer) => Promise<unknown>;
  /** A stream of values (Go's json.Decoder): what follows the first understood one is not read, and empty text is none. */
  readonly stream?: true;
}

const b = (text: string) => Buffer.from(text, "utf8");
const join = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? b(p) : p)));

async function outcome(reader: Reader, bytes: Buffer): Promise<Outcome> {
  try {
    return { value: await reader.read(bytes) };
  } catch (err) {
    if (!isDeviceInfoError(err)) throw err;
    return { error: err.code === "ERR_DEVINFO_PARSE" ? "parse" : err.code === "ERR_DEVINFO_INVALID" ? "invalid" : err.code };
  }
}

const PCI_HEAD = '{"type":"pci","version":"1.1.0","pci":{"pci-address":"0000:af:06.0","representor-device":';

const READERS: Reader[] = [
  {
    name: "parseDeviceInfo (bytes)",
    inField: (v) => join(PCI_HEAD, v, "}}"),
    inUnknown: (v) => join('{"type":"pci","x":', v, "}"),
    levels: 1,
    read: async (bytes) => (parseDeviceInfo(bytes).pci as Record<string, unknown>)?.["representor-device"],
  },
  {
    name: "loadDeviceInfoFromDP (a device plugin file)",
    inField: (v) => join(PCI_HEAD, v, "}}"),
    inUnknown: (v) => join('{"type":"pci","x":', v, "}"),
    levels: 1,
    read: async (bytes) => {
      fs.mkdirSync(tmp.join("dp"), { recursive: true });
      fs.writeFileSync(tmp.join("dp", "r-d-device.json"), bytes);
      const info = loadDeviceInfoFromDPSync("r", "d", { baseDir: tmp.path, maxBytes: 1 << 20 });
      return (info?.pci as Record<string, unknown>)?.["representor-device"];
    },
  },
  {
    name: "parseNetworkStatusAnnotation",
    inField: (v) => join('[{"name":', v, "}]"),
    inUnknown: (v) => join('[{"name":"n","x":', v, "}]"),
    levels: 2,
    read: async (bytes) => parseNetworkStatusAnnotation(bytes)[0]?.name,
  },
  {
    name: "readPodNetworkStatus (a Downward API file holding the annotation)",
    inField: (v) => join('[{"name":', v, "}]"),
    inUnknown: (v) => join('[{"name":"n","x":', v, "}]"),
    levels: 2,
    read: async (bytes) => {
      fs.writeFileSync(tmp.join("annotations"), bytes);
      return (await readPodNetworkStatus(tmp.join("annotations"), { maxBytes: 1 << 20 }))[0]?.name;
    },
  },
  {
    name: "createNetworkStatus (a CNI result)",
    inField: (v) => join('{"cniVersion":"1.0.0","interfaces":[{"name":', v, ',"sandbox":"/x"}]}'),
    inUnknown: (v) => join('{"cniVersion":"1.0.0","x":', v, "}"),
    levels: 1,
    read: async (bytes) => createNetworkStatus(bytes, "n", false).interface,
  },
  {
    name: "getCNIDeviceInfoFile (a CNI configuration)",
    inField: (v) => join('{"cniVersion":"1.0.0","name":"n","type":"t","runtimeConfig":{"CNIDeviceInfoFile":', v, "}}"),
    inUnknown: (v) => join('{"cniVersion":"1.0.0","name":"n","type":"t","x":', v, "}"),
    levels: 1,
    read: async (bytes) => getCNIDeviceInfoFile(bytes),
  },
  {
    name: "pluginMain (a plugin's stdin)",
    // In "type": the network's name is checked as Go's skel checks it (ASCII letters, digits, "_.-").
    inField: (v) => join('{"cniVersion":"1.0.0","name":"n","type":', v, "}"),
    inUnknown: (v) => join('{"cniVersion":"1.0.0","name":"n","type":"t","x":', v, "}"),
    levels: 1,
    read: async (bytes) => {
      let name: unknown;
      let out = "";
      const code = await pluginMain(
        {
          add: (args) => {
            name = args.netConf.type;
            return {};
          },
          del: () => {},
        },
        {
          env: { CNI_COMMAND: "ADD", CNI_CONTAINERID: "c", CNI_NETNS: "/x", CNI_IFNAME: "eth0", CNI_PATH: "/" },
          stdin: bytes,
          stdout: (t) => (out += t),
        },
      );
      if (code === 0) return name;
      // CNI error 6 is the skel's "decoding failure": the JSON text was not read.
      const { code: cniCode } = JSON.parse(out) as { code: number };
      throw Object.assign(new Error(out), {
        [Symbol.for("devinfo.DeviceInfoError")]: true,
        code: cniCode === 6 ? "ERR_DEVINFO_PARSE" : `CNI ${cniCode}`,
      });
    },
  },
  {
    name: "readKubeVirtNetworkInfo",
    inField: (v) => join('{"interfaces":[{"network":', v, "}]}"),
    inUnknown: (v) => join('{"interfaces":[],"x":', v, "}"),
    levels: 1,
    read: async (bytes) => {
      fs.writeFileSync(tmp.join("network-info"), bytes);
      return (await readKubeVirtNetworkInfo(tmp.join("network-info"), { maxBytes: 1 << 20 })).interfaces[0]?.network;
    },
  },
  {
    name: "readDeviceCheckpoint (the kubelet's device manager checkpoint)",
    inField: (v) =>
      join('{"Data":{"PodDeviceEntries":[{"PodUID":', v, ',"ContainerName":"c","ResourceName":"r","DeviceIDs":{"0":["d"]}}]}}'),
    inUnknown: (v) => join('{"Data":{},"x":', v, "}"),
    levels: 1,
    read: async (bytes) => {
      fs.writeFileSync(tmp.join("kubelet_internal_checkpoint"), bytes);
      return (await readDeviceCheckpoint(tmp.join("kubelet_internal_checkpoint")))?.entries[0]?.podUID;
    },
  },
  {
    name: "readDeviceMetadata (a DRA device metadata file)",
    inField: (v) => join('{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMetadata","metadata":{"name":', v, "}}"),
    inUnknown: (v) => join('{"apiVersion":"metadata.resource.k8s.io/v1alpha1","kind":"DeviceMetadata","x":', v, "}"),
    levels: 1,
    stream: true,
    read: async (bytes) => {
      fs.writeFileSync(tmp.join("metadata.json"), bytes);
      return (await readDeviceMetadata(tmp.join("metadata.json")))?.metadata?.name;
    },
  },
  {
    // Takes text, not bytes: given the bytes as Go decodes them, so the escapes, the BOM and the depth are what is tested.
    name: "resourceClaimDeviceStatus (a CNI result as text)",
    inField: (v) => join('{"cniVersion":"1.0.0","interfaces":[{"name":', v, ',"sandbox":"/x"}]}'),
    inUnknown: (v) => join('{"cniVersion":"1.0.0","x":', v, "}"),
    levels: 1,
    read: async (bytes) =>
      resourceClaimDeviceStatus({ driver: "d", pool: "p", device: "x" }, { cniResult: decodeUtf8(bytes) }).networkData?.interfaceName,
  },
];

// A JSON string literal, as bytes, and the text every reader must decode it to (Go's).
const STRINGS: [what: string, literal: Buffer, decoded: string | "parse"][] = [
  ["plain text", b('"net1"'), "net1"],
  ["an invalid UTF-8 byte", join('"a', Buffer.from([0xff]), 'b"'), "a\ufffdb"],
  ["a truncated sequence: one U+FFFD per byte, as Go", join('"a', Buffer.from([0xe2, 0x82]), 'b"'), "a\ufffd\ufffdb"],
  ["an encoded surrogate (CESU-8)", join('"', Buffer.from([0xed, 0xa0, 0x80]), '"'), "\ufffd\ufffd\ufffd"],
  ["an overlong encoding", join('"', Buffer.from([0xc0, 0xaf]), '"'), "\ufffd\ufffd"],
  ["a lone surrogate escape", b('"x\\ud800y"'), "x\ufffdy"],
  ["a low surrogate then a high one", b('"\\udc00\\ud800"'), "\ufffd\ufffd"],
  ["a surrogate pair escape", b('"\\ud83d\\ude00"'), "😀"],
  ["an escaped backslash before ud800 (not an escape)", b('"\\\\ud800"'), "\\ud800"],
  ["an escaped NUL", b('"a\\u0000b"'), "a\u0000b"],
  ["a raw NUL byte (a control character: not JSON)", join('"a', Buffer.from([0]), 'b"'), "parse"],
  ["a raw newline (not JSON)", b('"a\nb"'), "parse"],
  ["HTML characters and line separators", b('"<&>\u2028\u2029"'), "<&>\u2028\u2029"],
];

describe.each(READERS)("$name", (reader) => {
  it.each(STRINGS)("decodes %s as Go does", async (_what, literal, decoded) => {
    const got = await outcome(reader, reader.inField(literal));
    expect(got).toEqual(decoded === "parse" ? { error: "parse" } : { value: decoded });
  });

  it.each<[string, (doc: Buffer) => Buffer]>([
    ["a UTF-8 byte order mark", (doc) => join(Buffer.from([0xef, 0xbb, 0xbf]), doc)],
    ...(reader.stream ? [] : [["trailing text", (doc: Buffer) => join(doc, " x")] as [string, (doc: Buffer) => Buffer]]),
  ])("refuses %s as Go does", async (_what, change) => {
    expect(await outcome(reader, change(reader.inField(b('"n"'))))).toEqual({ error: "parse" });
  });

  it("accepts whitespace around the document, as Go does", async () => {
    expect(await outcome(reader, join(" \n\t", reader.inField(b('"n"')), "\r\n "))).toEqual({ value: "n" });
  });

  it.each([
    ["huge numbers", "[1e400, -1e400, 123456789012345678901234567890, 1.5e3, -0.0]"],
    ["every kind of value", '{"a":[true,false,null,"s",{"k":{}}]}'],
  ])("accepts %s under an unknown key", async (_what, value) => {
    expect(await outcome(reader, reader.inUnknown(b(value)))).not.toHaveProperty("error");
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses one more, as Go does ("exceeded max depth")`, async () => {
    const nest = (n: number) => b(`${"[".repeat(n)}${"]".repeat(n)}`);
    expect(await outcome(reader, reader.inUnknown(nest(MAX_JSON_DEPTH - reader.levels)))).not.toHaveProperty("error");
    expect(await outcome(reader, reader.inUnknown(nest(MAX_JSON_DEPTH - reader.levels + 1)))).toEqual({ error: "parse" });
  });
});

describe.each(
  READERS.filter((r) => !r.stream && !r.name.startsWith("readPod") && !r.name.startsWith("readKubeVirt") && !r.name.startsWith("load")),
)("$name, given an empty text", (reader) => {
  it.each([
    ["empty", ""],
    ["only whitespace", " \n"],
  ])("refuses %s text", async (_what, text) => {
    expect(await outcome(reader, b(text))).toEqual({ error: "parse" });
  });
});
