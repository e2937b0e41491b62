// modload(8) and modunload(8), the FreeBSD 2.x LKM commands, through the
// real binaries and a real daemon (core kernel, no image, so hello is not
// static): module ids, -v/-q, ignored ld(1) options, -p programs with 2.x's
// arguments, kernel refusals in err(3) form, usage errors and no kernel.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envFor, ROOT, run, tempSocketDir, type RunResult } from "../support/bin.js";
import { startDaemon, type Daemon } from "./kld_daemon.js";

const MOD = (n: string) => join(ROOT, "src", "sys", "modules", n, `${n}.ko`);
let d: Daemon;
const modload = (...args: string[]): Promise<RunResult> => run("modload", args, d.env);
const modunload = (...args: string[]): Promise<RunResult> => run("modunload", args, d.env);

/** The module id `kld stat -v` shows for `name`, or undefined. */
async function moduleId(name: string): Promise<number | undefined> {
  const files = JSON.parse((await d.kld("stat", "--json")).stdout)["kld-file-information"] as {
    modules?: { id: number; name: string }[];
  }[];
  for (const f of files) for (const m of f.modules ?? []) if (m.name === name) return m.id;
  return undefined;
}

/** A /bin/sh script that records its arguments in `out` and exits `status`. */
function hookScript(name: string, out: string, status: number): string {
  const path = join(d.dir, name);
  writeFileSync(path, `#!/bin/sh\necho "$@" > '${out}'\nexit ${status}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(async () => {
  d = await startDaemon("lkm");
});
afterAll(async () => {
  await d.stop();
});

describe("modload / modunload with the bundled hello", () => {
  it("modload -v names the file and prints the module id kld stat -v shows; modunload -n unloads it", async () => {
    const r = await modload("-v", MOD("hello"));
    expect(r.code).toBe(0);
    const id = await moduleId("hello");
    expect(id).toBeDefined();
    expect(r.stdout).toBe(`Loaded ${MOD("hello")}, file id=2\nModule loaded as ID ${id}\n`);
    expect(r.stderr).toBe("Hello, world! (hello KLD loaded)\n");
    const again = await modload(MOD("hello"));
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toMatch(new RegExp(`^modload: can't load ${MOD("hello")}: File exists\nmodload: .+\n$`));
    const u = await modunload("-n", "hello");
    expect(u).toEqual({ code: 0, stdout: "", stderr: "Goodbye, world! (hello KLD unloaded)\n" });
    expect(await moduleId("hello")).toBeUndefined();
  });

  it("without -v prints only the id line; modunload -i takes that id; a second -i finds nothing", async () => {
    const r = await modload(MOD("hello"));
    expect(r.code).toBe(0);
    const m = /^Module loaded as ID (\d+)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    const id = m![1]!;
    expect(await moduleId("hello")).toBe(Number(id));
    expect((await modunload("-i", id)).code).toBe(0);
    expect((await d.kld("stat", "-q", "-n", "hello.ko")).code).toBe(1);
    expect(await modunload(`-i${id}`)).toEqual({
      code: 1,
      stdout: "",
      stderr: `modunload: no such module\nmodunload: no module with id ${id}\n`,
    });
    expect(await modunload("-n", "hello")).toEqual({
      code: 1,
      stdout: "",
      stderr: "modunload: no such module\nmodunload: no module named hello\n",
    });
  });

  it("ld(1) options are accepted and named once on stderr as ignored; -q silences everything of ours", async () => {
    const r = await modload("-d", "-A", "/kernel", "-e", "hello_mod", "-o", "/tmp/hello.out", MOD("hello"));
    expect(r.code).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.startsWith("modload:"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^modload: ignoring -d, -A, -e, -o: FreeBSD 2\.x linked the object with ld\(1\) outside the kernel .*; kldsim links in the kernel$/);
    expect((await modunload("-n", "hello.ko")).code).toBe(0);
    const q = await modload("-q", "-A", "/kernel", MOD("hello"));
    expect(q).toEqual({ code: 0, stdout: "", stderr: "Hello, world! (hello KLD loaded)\n" });
    expect((await modunload("-n", "hello")).code).toBe(0);
  });

  it("-p runs the postinstall / postremove program with id, 0x5 and 0, and takes its exit status", async () => {
    const outIn = join(d.dir, "post-install.out");
    const outRm = join(d.dir, "post-remove.out");
    const r = await modload("-q", "-p", hookScript("postinstall", outIn, 0), MOD("hello"));
    expect(r.code).toBe(0);
    const id = await moduleId("hello");
    expect(readFileSync(outIn, "utf8")).toBe(`${id} 0x5 0\n`);
    const u = await modunload("-n", "hello", "-p", hookScript("postremove", outRm, 3));
    expect(u.code).toBe(3);
    expect(readFileSync(outRm, "utf8")).toBe(`${id} 0x5 0\n`);
    expect(await moduleId("hello")).toBeUndefined();
    // A program that cannot be run: the load stands, the failure is named.
    const bad = await modload("-q", "-p", join(d.dir, "no-such-program"), MOD("hello"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`modload: can't exec '${join(d.dir, "no-such-program")}': No such file or directory\n`);
    expect(await moduleId("hello")).toBeDefined();
    expect((await modunload("-n", "hello")).code).toBe(0);
  });

  it("a module another file depends on: the kernel's EBUSY in err(3) form with its reason", async () => {
    expect((await modload("-q", MOD("kdep_user"))).code).toBe(0);
    const busy = await modunload("-n", "kdep_lib");
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe("modunload: can't unload kdep_lib: Device busy\nmodunload: attempt to unload file that was loaded by the kernel\n");
    expect(await moduleId("kdep_lib")).toBeDefined();
    expect((await modunload("-n", "kdep_user")).code).toBe(0);
    expect(await moduleId("kdep_lib")).toBeUndefined();
  });
});

describe("modload refusals leave the kernel as it was", () => {
  it("a file that is not a module (ENOEXEC), a missing file, a bare word that is not a file in the cwd", async () => {
    const before = await d.fingerprint();
    const bad = join(d.dir, "bad.ko");
    writeFileSync(bad, "this is not a wasm object\n");
    const gone = join(d.dir, "gone.ko");
    // "hello" is a module in the module path for kld load; for modload it is ./hello.
    const [r, g, bare] = await Promise.all([modload(bad), modload(gone), modload("hello")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^modload: can't load ${bad}: Exec format error\nmodload: .+\n$`));
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(new RegExp(`^modload: can't load ${gone}: No such file or directory\n`));
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/^modload: can't load hello: No such file or directory\n/);
    expect(await d.fingerprint()).toEqual(before);
  });
});

describe.concurrent("usage errors exit 64 with the usage line", () => {
  const LOAD_USAGE = "usage: modload [-dquv] [-A kernel] [-e entry] [-p postinstall] [-o output_file] input_file\n";
  const UNLOAD_USAGE = "usage: modunload [-i id] [-n name] [-p postremove]\n";
  it.each([
    [[], "missing required argument"],
    [["-x", "a.ko"], "unknown option '-x'"],
    [["a.ko", "b.ko"], "too many arguments"],
    [["-A"], "argument missing"],
  ])("modload %j", async (args, what) => {
    const r = await modload(...args);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(what);
    expect(r.stderr.endsWith(LOAD_USAGE)).toBe(true);
  });
  it.each([
    [[], "give exactly one of -i id and -n name"],
    [["-i", "1", "-n", "hello"], "give exactly one of -i id and -n name"],
    [["-i", "x"], "invalid module id x"],
    [["-i", "-1"], "invalid module id -1"],
    [["-n", "hello", "extra"], "too many arguments"],
  ])("modunload %j", async (args, what) => {
    const r = await modunload(...args);
    expect(r.code).toBe(64);
    expect(r.stdout).toBe("");
    const [first, ...rest] = r.stderr.split("\n");
    expect(first).toMatch(/^modunload: /);
    expect(first).toContain(what);
    expect(rest.join("\n")).toBe(UNLOAD_USAGE);
  });
});

describe("no kernel", () => {
  it("both exit 69 and say how to start one", async () => {
    const tmp = tempSocketDir("lkmnk");
    try {
      const env = envFor(tmp.socket);
      const runs = await Promise.all([run("modload", [MOD("hello")], env), run("modunload", ["-i", "1"], env)]);
      for (const r of runs) {
        expect(r.code).toBe(69);
        expect(r.stderr).toMatch(/^mod(un)?load: kernel not running \(no socket at .+\); start it with 'kld boot'\n$/);
      }
    } finally {
      tmp.remove();
    }
  });
});
