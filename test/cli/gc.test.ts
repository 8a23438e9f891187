import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { Removal } from "../../src/cli/gc.js";
import { ago, containerID, DOCS, deadPid, devinfo, devinfoInTerminal, put, useTempDir } from "./_helpers.js";

const MIN = 60_000;

describe("devinfo gc", () => {
  const tmp = useTempDir();
  const gc = (args: string[], input?: string) => devinfo(["gc", "--base-dir", tmp.path, ...args], input === undefined ? {} : { input });
  const gcJson = (args: string[], input?: string) => {
    const run = gc(["--json", ...args], input);
    return { ...run, result: JSON.parse(run.stdout) as { dryRun: boolean; removed: Removal[]; kept: number; errors: unknown[] } };
  };
  const cniName = (id: string, ifName = "net1") => `default-sriov-net-${id}_${ifName}`;
  const files = (dir: "dp" | "cni") => (fs.existsSync(tmp.join(dir)) ? fs.readdirSync(tmp.join(dir)).sort() : []);

  /** Two pods' files (1 live, 2 gone), all old enough. */
  function pods(age = 5 * MIN): void {
    put(tmp.join("cni", cniName(containerID(1))), DOCS.pci, ago(age));
    put(tmp.join("cni", cniName(containerID(2))), DOCS.pci, ago(age));
    put(tmp.join("cni", cniName(containerID(2), "net2")), DOCS.vhostUser, ago(age));
  }

  it("without options it only looks at leftovers of writers, and says what it did", () => {
    pods();
    const run = gc([]);
    expect(run).toEqual({ code: 0, stdout: "Removed 0 files, kept 3.\n", stderr: "" });
    expect(files("cni")).toHaveLength(3);
  });

  it("--live-containers removes the CNI files of gone containers, one line each", () => {
    pods();
    put(tmp.join("cni", "hand-made-file"), DOCS.memif, ago(5 * MIN));
    const run = gc(["--live-containers", "-"], `${containerID(1)}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").sort()).toEqual(
      [
        "",
        `removed cni/${cniName(containerID(2))} (container ${containerID(2)} is gone)`,
        `removed cni/${cniName(containerID(2), "net2")} (container ${containerID(2)} is gone)`,
        "Removed 2 files, kept 2.",
      ].sort(),
    );
    expect(files("cni")).toEqual([cniName(containerID(1)), "hand-made-file"].sort());
  });

  it("--live-containers from a file; the meta-plugin's fallback names and unknown names are never judged", () => {
    pods();
    put(tmp.join("cni", "devinfo-6f1c2a7e-1b2c-5d3e-8f9a-0b1c2d3e4f5a"), DOCS.pci, ago(5 * MIN));
    const list = put(tmp.join("live.txt"), `# crictl pods -q\n${containerID(1)}\n`);
    const { result } = gcJson(["--live-containers", list]);
    expect(result.removed.map((r) => r.name).sort()).toEqual([cniName(containerID(2)), cniName(containerID(2), "net2")].sort());
    expect(files("cni")).toContain("devinfo-6f1c2a7e-1b2c-5d3e-8f9a-0b1c2d3e4f5a");
  });

  it("files younger than --older-than (default 1m with a live list) are kept: the pod may be starting", () => {
    pods(30_000);
    expect(gcJson(["--live-containers", "-"], containerID(1)).result.removed).toEqual([]);
    expect(gcJson(["--live-containers", "-", "--older-than", "10s"], containerID(1)).result.removed).toHaveLength(2);
  });

  it("a device list alone never touches CNI files (its 1m default guards, it does not select)", () => {
    pods();
    put(tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json"), DOCS.pci, ago(5 * MIN));
    expect(gcJson(["--live-devices", "-", "--resource", "intel.com/sriov"], "0000:af:06.0\n").result.removed).toEqual([]);
    expect(files("cni")).toHaveLength(3);
  });

  it("an age never proves a pod gone: the issue's command removes no CNI file, --older-than alone is refused", () => {
    pods();
    const run = gc(["--resource", "intel.com/sriov", "--live-devices", "-", "--older-than", "0s", "--json"], "0000:af:07.0\n");
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { removed: Removal[] }).removed).toEqual([]);
    expect(files("cni")).toHaveLength(3);
    const alone = gc(["--older-than", "0s"]);
    expect(alone).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "devinfo: --older-than only guards a live list: an age alone never proves a pod or device gone; give --live-containers, --valid-attachments, --live-devices or --kubelet (temporary files and locks go by --stale-after)\nSee 'devinfo gc --help' for usage.\n",
    });
    expect(files("cni")).toHaveLength(3);
  });

  it("--valid-attachments: the container IDs of a CNI GC request are the live pods", () => {
    pods();
    const request = {
      cniVersion: "1.1.0",
      name: "multus-cni-network",
      "cni.dev/valid-attachments": [{ containerID: containerID(1), ifname: "eth0" }],
    };
    const { result } = gcJson(["--valid-attachments", "-"], JSON.stringify(request));
    expect(result.removed.map((r) => r.name).sort()).toEqual([cniName(containerID(2)), cniName(containerID(2), "net2")].sort());
    expect(files("cni")).toEqual([cniName(containerID(1))]);
  });

  it.each([
    ["not JSON", "{", "not JSON"],
    [
      "no attachments key",
      '{"cniVersion":"1.1.0","name":"n"}',
      'neither "cni.dev/valid-attachments" nor "cni.dev/attachments" is there: this is not a GC request',
    ],
    [
      "an attachment without ifname",
      '{"cni.dev/valid-attachments":[{"containerID":"a b"}]}',
      '"cni.dev/valid-attachments"[0] must be an object with string "containerID" and "ifname", got an object',
    ],
    ["an array", "[]", "not a JSON object"],
    ["an empty input", "\n", "the input is empty"],
  ])("--valid-attachments refuses %s", (_what, input, message) => {
    pods();
    const run = gc(["--valid-attachments", "-"], input);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`devinfo: --valid-attachments: ${message}; give the CNI GC request`);
    expect(files("cni")).toHaveLength(3);
  });

  it.each([
    [["--stale-after", "9s"], "--stale-after must be at least 10s"],
    [
      ["--live-devices", "-"],
      'the line "0000:af:06.0" does not say whose device it is; give the resources the list covers with --resource',
    ],
    [["--live-containers", "-", "--valid-attachments", "-"], "only one of --live-containers and --valid-attachments can read stdin"],
  ])("%j is a usage error", (args, message) => {
    const run = gc(args, "0000:af:06.0\n");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("--dry-run removes nothing and says so", () => {
    pods();
    const run = gc(["--dry-run", "--live-containers", "-"], containerID(1));
    expect(run.stdout).toContain(`would remove cni/${cniName(containerID(2))} (`);
    expect(run.stdout).toMatch(/Would remove 2 files, kept 1 \(dry run: nothing was removed\)\.\n$/);
    expect(files("cni")).toHaveLength(3);
    expect(
      gcJson(["--dry-run", "--live-containers", "-", "--older-than", "0s", "--confirm-all-gone"], containerID(9)).result,
    ).toMatchObject({
      dryRun: true,
      kept: 0,
    });
    expect(files("cni")).toHaveLength(3);
  });

  it("refuses an empty live list, which would make everything an orphan", () => {
    pods();
    const run = gc(["--live-containers", "-"], "\n# nothing\n");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^devinfo: --live-containers: the list is empty/);
    expect(gc(["--live-devices", "-"], "").stderr).toMatch(/^devinfo: --live-devices: the list is empty/);
    expect(files("cni")).toHaveLength(3);
  });

  it("--live-devices removes device plugin files of gone devices, only of the resources the list speaks for", () => {
    const old = ago(5 * MIN);
    put(tmp.join("dp", "intel.com-sriov-0000:af:06.0-device.json"), DOCS.pci, old);
    put(tmp.join("dp", "intel.com-sriov-0000:af:06.1-device.json"), DOCS.pci, old);
    put(tmp.join("dp", "example.com-vdpa-vdpa0-device.json"), DOCS.vdpa, old);
    put(tmp.join("dp", "README"), "not ours", old);
    put(tmp.join("dp", "intel.com-sriov-dpdk-0000:af:07.0-device.json"), DOCS.pci, old); // another resource's file
    const limited = gcJson(["--live-devices", "-", "--resource", "intel.com/sriov"], "0000:af:06.0\n");
    expect(limited.result.removed.map((r) => [r.kind, r.name, r.reason])).toEqual([
      ["dp", "intel.com-sriov-0000:af:06.1-device.json", "device not in the --live-devices list"],
    ]);
    // "<resource> <device>" lines speak for their resources only: the vDPA file is of no resource named.
    expect(
      gcJson(["--live-devices", "-"], "intel.com/sriov 0000:af:06.0\nintel.com/sriov-dpdk 0000:af:07.1\n").result.removed.map(
        (r) => r.name,
      ),
    ).toEqual(["intel.com-sriov-dpdk-0000:af:07.0-device.json"]);
    expect(files("dp")).toEqual(["README", "example.com-vdpa-vdpa0-device.json", "intel.com-sriov-0000:af:06.0-device.json"]);
    // A resource with no device left: all its files go, and only its files (an empty list needs --confirm-all-gone).
    expect(
      gcJson(["--live-devices", "-", "--resource", "intel.com/sriov", "--confirm-all-gone"], "").result.removed.map((r) => r.name),
    ).toEqual(["intel.com-sriov-0000:af:06.0-device.json"]);
  });

  describe("temporary and lock files: removed once their writer is gone", () => {
    const stale = 20_000; // past the 10 s grace, short of --stale-after

    it.each([
      { what: "temp file of a dead writer", name: () => `.devinfo-tmp-${deadPid()}-abc`, content: "{", age: stale, removed: true },
      { what: "temp file of a live writer", name: () => `.devinfo-tmp-${process.pid}-abc`, content: "{", age: stale, removed: false },
      {
        what: "fresh temp file of a dead writer (grace)",
        name: () => `.devinfo-tmp-${deadPid()}-abc`,
        content: "{",
        age: 0,
        removed: false,
      },
      {
        what: "temp file past --stale-after, live pid",
        name: () => `.devinfo-tmp-${process.pid}-abc`,
        content: "",
        age: 11 * MIN,
        removed: true,
      },
      { what: "lock of a dead holder", name: () => ".devinfo-lock-00000000000000aa", content: `${deadPid()}\n`, age: stale, removed: true },
      {
        what: "lock of a live holder",
        name: () => ".devinfo-lock-00000000000000bb",
        content: `${process.pid}\n`,
        age: stale,
        removed: false,
      },
      { what: "lock without a pid", name: () => ".devinfo-lock-00000000000000cc", content: "", age: stale, removed: true },
    ])("$what: removed=$removed", ({ name, content, age, removed }) => {
      const file = name();
      for (const dir of ["dp", "cni"] as const) put(tmp.join(dir, file), content, ago(age));
      const { code, result } = gcJson([]);
      expect(code).toBe(0);
      expect(result.removed.map((r) => `${r.path.split("/").at(-2)}/${r.name}`).sort()).toEqual(
        removed ? [`cni/${file}`, `dp/${file}`] : [],
      );
      expect(files("dp")).toEqual(removed ? [] : [file]);
    });

    it("a stale lock that another waiter is breaking (its turn file is fresh) is left to that waiter", () => {
      const lock = tmp.join("cni", ".devinfo-lock-00000000000000dd");
      put(lock, `${deadPid()}\n`, ago(stale));
      put(`${lock}-break`, "");
      expect(gcJson([]).result.removed).toEqual([]);
      expect(fs.existsSync(lock)).toBe(true);
      // Once that waiter is gone too, its turn goes stale and both go.
      fs.utimesSync(`${lock}-break`, ago(stale), ago(stale));
      // (The turn file is listed too when the directory yields it before the lock.)
      expect(gcJson([]).result.removed.map((r) => r.name)).toContain(".devinfo-lock-00000000000000dd");
      expect(files("cni")).toEqual([]);
    });

    it("--stale-after changes the age limit", () => {
      put(tmp.join("cni", `.devinfo-tmp-${process.pid}-abc`), "", ago(2 * MIN));
      expect(gcJson([]).result.removed).toEqual([]);
      expect(gcJson(["--stale-after", "1m"]).result.removed.map((r) => r.reason)).toEqual(["older than 60s"]);
    });
  });

  it("never removes directories, symbolic links, or anything through a symlinked directory", () => {
    fs.mkdirSync(tmp.join("cni", `${cniName(containerID(2))}`), { recursive: true });
    put(tmp.join("target"), DOCS.pci, ago(5 * MIN));
    fs.symlinkSync(tmp.join("target"), tmp.join("cni", cniName(containerID(3))));
    expect(gcJson(["--live-containers", "-", "--older-than", "0s"], containerID(9)).result.removed).toEqual([]);
    expect(files("cni")).toHaveLength(2);
    expect(fs.existsSync(tmp.join("target"))).toBe(true);

    fs.mkdirSync(tmp.join("b2"));
    fs.symlinkSync(tmp.join("cni"), tmp.join("b2", "cni"));
    const run = devinfo(["gc", "--base-dir", tmp.join("b2")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is a symbolic link");
  });

  it("--json lists removals with kind, name, path and reason; kept counts the rest", () => {
    pods();
    const { code, result } = gcJson(["--live-containers", "-"], containerID(1));
    expect(code).toBe(0);
    expect(result).toEqual({
      dryRun: false,
      removed: expect.arrayContaining([
        { kind: "cni", name: cniName(containerID(2)), path: tmp.join("cni", cniName(containerID(2))), reason: expect.any(String) },
      ]),
      kept: 1,
      gone: 0,
      errors: [],
    });
    expect(result.removed).toHaveLength(2);
  });

  it("works through large directories with progress on a terminal only", () => {
    fs.mkdirSync(tmp.join("cni"), { recursive: true });
    for (let i = 0; i < 1_500; i++) fs.writeFileSync(tmp.join("cni", cniName(containerID(i))), DOCS.pci);
    put(tmp.join("live.txt"), containerID(99_999));
    const dry = gc(["--dry-run", "--live-containers", tmp.join("live.txt"), "--older-than", "0s", "--confirm-all-gone"]);
    expect(dry.stderr).toBe("");
    expect(dry.stdout.split("\n").filter((l) => l.startsWith("would remove "))).toHaveLength(1_500);
    const run = devinfoInTerminal([
      "gc",
      "--base-dir",
      tmp.path,
      "--live-containers",
      tmp.join("live.txt"),
      "--older-than",
      "0s",
      "--confirm-all-gone",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/devinfo gc: scanning: \d+ entries…/);
    expect(run.stdout).toContain("Removed 1500 files, kept 0.");
    expect(files("cni")).toEqual([]);
  });
});
