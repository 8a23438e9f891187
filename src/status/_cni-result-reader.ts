import { type DeviceInfoIssue, type DeviceInfoIssueCode, IssueCollector } from "../base/issues.js";
import { decodeGoInt, rawNumberOf } from "../format/_go-text.js";
import { describeType, isObject } from "../format/validate.js";
import { foldGoObject, goFieldMatcher } from "./_go-decode.js";
import { type GoIP, parseGoCIDR, parseGoIP } from "./_go-ip.js";

/** An interface after conversion: Go's zero values for what is missing. */
export interface GoInterface {
  readonly name: string;
  readonly mac: string;
  /** Go's int: a bigint beyond 2^53. */
  readonly mtu: number | bigint;
  readonly sandbox: string;
  readonly socketPath: string;
  readonly pciID: string;
}

/** An IP configuration after conversion. `undefined` is Go's nil. */
export interface GoIPConfig {
  /** Go's `*int`: a bigint beyond 2^53 (an index no interface has). */
  readonly interface: number | bigint | undefined;
  readonly address: GoIP | undefined;
  readonly gateway: GoIP | undefined;
}

/** A route after conversion. `hasDst: false` is a route without `dst`. */
export interface GoRoute {
  readonly hasDst: boolean;
  readonly dst: GoIP | undefined;
  readonly gw: GoIP | undefined;
}

/** A result converted to the 1.x structure, as `cni100.NewResultFromResult` returns it. */
export interface GoResult {
  readonly version: string;
  readonly interfaces: readonly GoInterface[];
  readonly ips: readonly GoIPConfig[];
  readonly routes: readonly GoRoute[];
  readonly dns: { nameservers: string[]; domain: string; search: string[]; options: string[] };
}

/** Why an integer was refused: JSON.parse rounded it (the message starts so). */
export const ROUNDED = "an integer beyond 2^53 loses its last digits in JSON.parse";
const ROUNDED_HINT =
  "pass the plugin's output as text (a string or bytes), which is read exactly (beyond 2^53 as a bigint), or put a bigint there";

type Path = readonly (string | number)[];

/**
 * A struct's fields by Go's key matching (exact, else case-insensitive).
 * Read from an object that {@link foldGoObject} has decoded as Go does, so
 * each field has at most one key; the rules below only matter for objects
 * read without it (the version-independent 1.1 fields).
 */
export class GoStruct {
  private readonly parts = new Map<string, { key: string; value: unknown }[]>();

  constructor(
    readonly raw: Record<string, unknown>,
    names: readonly string[],
  ) {
    const match = goFieldMatcher(names);
    for (const key of Object.keys(raw)) {
      const name = match(key);
      if (name === undefined) continue;
      const list = this.parts.get(name) ?? [];
      list.push({ key, value: raw[key] });
      this.parts.set(name, list);
    }
  }

  private chosen(name: string): { key: string; value: unknown } | undefined {
    const list = this.parts.get(name) ?? [];
    // null leaves a string, number or struct field as it was.
    return list.findLast((part) => part.value !== null) ?? list.at(-1);
  }

  /** What a non-pointer field decodes: the last non-null value. */
  value(name: string): unknown {
    return this.chosen(name)?.value;
  }

  /** The key as written (for issue paths). */
  key(name: string): string {
    return this.chosen(name)?.key ?? name;
  }

  /**
   * What a struct or pointer-to-struct field decodes: every object given for
   * it merged in order (Go decodes each into the same struct); for a pointer
   * (`resetOnNull`), null starts over.
   */
  merged(name: string, resetOnNull: boolean): unknown {
    let out: unknown;
    for (const { value } of this.parts.get(name) ?? []) {
      if (value === null) {
        if (resetOnNull) out = null;
      } else if (isObject(value) && isObject(out)) out = { ...out, ...value };
      else out = value;
    }
    return out;
  }
}

/** The issue collector with Go's decoding of each kind of field (every issue is an error: Go's decoder fails). */
export class Reader extends IssueCollector {
  constructor() {
    super(true);
  }

  get issues(): DeviceInfoIssue[] {
    return this.errors;
  }

  fail(code: DeviceInfoIssueCode, path: Path, message: string): void {
    this.error(code, path, message);
  }

  /** Field `name` of `s` with its path. */
  at(s: GoStruct, name: string, path: Path): [unknown, Path] {
    return [s.value(name), [...path, s.key(name)]];
  }

  /** Go decodes `null` into a string as "leave it empty". */
  string(value: unknown, path: Path): string {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    this.fail("wrong_type", path, `must be a string, got ${describeType(value)}`);
    return "";
  }

  /**
   * Go's `int` (int64): an integer literal (`1500.0` and `1.5e3` are type
   * errors for Go) within int64. Beyond 2^53 it is a bigint, kept exact.
   */
  integer(s: GoStruct, name: string, path: Path): number | bigint | undefined {
    const value = s.value(name);
    const at = [...path, s.key(name)];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" && typeof value !== "bigint") {
      this.fail("wrong_type", at, `must be an integer, got ${describeType(value)}`);
      return undefined;
    }
    const literal = rawNumberOf(s.raw, s.key(name));
    if (typeof value === "number" && literal === undefined && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      // Not Go's refusal: the caller's JSON.parse rounded the digits before they got here.
      this.fail("wrong_type", at, `${ROUNDED} (${value} is what is left); ${ROUNDED_HINT}`);
      return undefined;
    }
    const decoded = decodeGoInt(value, literal);
    if ("value" in decoded) return decoded.value;
    this.fail("wrong_type", at, decoded.error);
    return undefined;
  }

  stringList(value: unknown, path: Path): string[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail("wrong_type", path, `must be an array of strings, got ${describeType(value)}`);
      return [];
    }
    return value.map((item, i) => this.string(item, [...path, i]));
  }

  list(value: unknown, path: Path): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.fail("wrong_type", path, `must be an array, got ${describeType(value)}`);
    return [];
  }

  object(value: unknown, path: Path, names: readonly string[]): GoStruct | undefined {
    if (isObject(value)) return new GoStruct(value, names);
    this.fail("not_object", path, `must be an object, got ${describeType(value)}`);
    return undefined;
  }

  /** `net.IP` from JSON: `null` and `""` are nil. */
  ip(value: unknown, path: Path): GoIP | undefined {
    const text = this.string(value, path);
    if (text === "") return undefined;
    const ip = parseGoIP(text);
    if (ip === undefined) this.fail("invalid_ip", path, `"${text}" is not an IP address`);
    return ip;
  }

  /** CNI's `types.IPNet` from JSON: required to parse, `null` included (its UnmarshalJSON runs on null). */
  cidr(value: unknown, path: Path): GoIP | undefined {
    if (typeof value !== "string") {
      this.fail(
        value === null ? "invalid_ip" : "wrong_type",
        path,
        `must be a CIDR string such as "10.1.1.2/24", got ${describeType(value)}`,
      );
      return undefined;
    }
    const ip = parseGoCIDR(value);
    if (ip === undefined) this.fail("invalid_ip", path, `"${value}" is not an address with a prefix length, such as "10.1.1.2/24"`);
    return ip;
  }

  /**
   * CNI's `types.Route` (its UnmarshalJSON): `dst`, `gw` and the integer
   * fields `mtu`, `advmss`, `priority`, `table`, `scope`. A `null` route is
   * a zero Route (a default route without gateway) where the slice holds
   * values (0.1.0 and 0.2.0); where it holds pointers (0.3.0 and later) Go's
   * CreateNetworkStatus dereferences it and panics, so it is skipped here.
   */
  routes(value: unknown, path: Path, nullIsZero: boolean): GoRoute[] {
    const out: GoRoute[] = [];
    this.list(value, path).forEach((raw, i) => {
      if (raw === null) {
        if (nullIsZero) out.push({ hasDst: false, dst: undefined, gw: undefined });
        return;
      }
      const at = [...path, i];
      const route = this.object(raw, at, ROUTE_FIELDS);
      if (route === undefined) return;
      for (const name of ["mtu", "advmss", "priority", "table", "scope"]) this.integer(route, name, at);
      const hasDst = route.value("dst") !== undefined;
      const dst = hasDst ? this.cidr(...this.at(route, "dst", at)) : undefined;
      out.push({ hasDst, dst, gw: this.ip(...this.at(route, "gw", at)) });
    });
    return out;
  }

  dns(value: unknown, path: Path): GoResult["dns"] {
    const dns = { nameservers: [] as string[], domain: "", search: [] as string[], options: [] as string[] };
    if (value === undefined || value === null) return dns;
    const d = this.object(value, path, DNS_FIELDS);
    // (A merged dns object is a new object: string lists hold no numbers whose literal matters.)
    if (d === undefined) return dns;
    dns.nameservers = this.stringList(...this.at(d, "nameservers", path));
    dns.domain = this.string(...this.at(d, "domain", path));
    dns.search = this.stringList(...this.at(d, "search", path));
    dns.options = this.stringList(...this.at(d, "options", path));
    return dns;
  }
}

// The JSON fields of the Go structs (types020, types040, types100 and types).
export const RESULT_FIELDS = ["cniVersion", "interfaces", "ips", "routes", "dns", "ip4", "ip6"] as const;
export const LEGACY_IP_FIELDS = ["ip", "gateway", "routes"] as const;
export const INTERFACE_FIELDS = ["name", "mac", "mtu", "sandbox", "socketPath", "pciID"] as const;
export const IP_FIELDS = ["version", "interface", "address", "gateway"] as const;
export const ROUTE_FIELDS = ["dst", "gw", "mtu", "advmss", "priority", "table", "scope"] as const;
export const DNS_FIELDS = ["nameservers", "domain", "search", "options"] as const;
