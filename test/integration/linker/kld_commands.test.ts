// The kernel linker through the real daemon and CLI, with the bundled
// modules: hello, kdep_user pulling in kdep_lib, sysinit_demo; kld stat's
// forms, sym, vm after fragmenting, malloc, config and xref.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLANG, NO_CLANG_REASON } from "../../support/clang.js";
import { ROOT } from "../../support/bin.js";
import { startDaemon, type Daemon } from "../kld_daemon.js";

const MOD = (n: string) => join(ROOT, "src", "sys", "modules", n, `${n}.ko`);
let d: Daemon;

beforeAll(async () => {
  d = await startDaemon("kldlk");
});
afterAll(async () => {
  await d.stop();
});

describe("kld load / stat / unload with the bundled modules", () => {
  it("hello: uprintf on the terminal, printf in dmesg, a stat row with true values", async () => {
    const r = await d.kld("load", "-v", MOD("hello"));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Loaded ${MOD("hello")}, id=2\n`);
    expect(r.stderr).toContain("Hello, world!");
    const st = await d.kld("stat");
    expect(st.stdout).toMatch(/^Id Refs Address        Size Name\n 1    3     0x1000 +[0-9a-f]+ kernel\n 2    1   0x100000 +[0-9a-f]+ hello\.ko\n$/);
    expect((await d.kld("dmesg")).stdout).toContain("hello: loaded\n");
    const v = await d.kld("stat", "-v", "-n", "hello.ko");
    expect(v.stdout).toContain("hello.ko (" + MOD("hello") + ")\n\tContains modules:\n\t\tId Name\n");
    expect(v.stdout).toMatch(/\t\t {0,1}\d+ hello\n/);
    expect((await d.kld("stat", "-m", "hello")).stdout).toMatch(/^Id  Refs Name\n +\d+ +1 hello\n$/);
    expect((await d.kld("stat", "-q", "-n", "hello")).code).toBe(0);
    const again = await d.kld("load", MOD("hello"));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^kld: can't load .*hello\.ko: File exists\n/);
    const failedBefore = (await d.kld("dmesg")).stdout.split("can't load").length;
    const n = await d.kld("load", "-n", MOD("hello"));
    expect(n.code).toBe(0);
    expect(n.stderr).toBe("");
    expect((await d.kld("load", "-n", "hello")).code).toBe(0);
    // -n does not even try: no new "can't load" in the message buffer.
    expect((await d.kld("dmesg")).stdout.split("can't load").length).toBe(failedBefore);
    const u = await d.kld("unload", "-v", "hello.ko");
    expect(u.code).toBe(0);
    expect(u.stdout).toBe("Unloading hello.ko, id=2\n");
    expect(u.stderr).toContain("Goodbye");
    const q = await d.kld("stat", "-q", "-n", "hello");
    expect(q.code).toBe(1);
    expect(q.stdout).toBe("");
    expect(q.stderr).toBe("");
    const badId = await d.kld("stat", "-i", "abc");
    expect(badId.code).toBe(64);
    expect((await d.kld("stat", "-n", "hello")).stderr).toBe("kld: can't find file hello: No such file or directory\n");
  });

  it("kdep_user pulls in kdep_lib; refs; EBUSY naming why; unload releases both", async () => {
    const r = await d.kld("load", MOD("kdep_user"));
    expect(r.code).toBe(0);
    const files = JSON.parse((await d.kld("stat", "--json")).stdout)["kld-file-information"];
    const byName = Object.fromEntries(files.map((f: { name: string; refs: number }) => [f.name, f]));
    expect(byName["kernel"].refs).toBe(5);
    expect(byName["kdep_user.ko"].refs).toBe(1);
    expect(byName["kdep_lib.ko"].refs).toBe(1);
    const dm = (await d.kld("dmesg")).stdout;
    expect(dm.indexOf("kdep_lib: loaded")).toBeLessThan(dm.indexOf("kdep_user:"));
    const busy = await d.kld("unload", "kdep_lib.ko");
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe("kld: can't unload file: Device busy\nkld: attempt to unload file that was loaded by the kernel\n");
    const sym = await d.kld("sym", "kdep_lib_counter");
    expect(sym.code).toBe(0);
    expect(sym.stdout).toMatch(/kdep_lib_counter 0x[0-9a-f]+ +4 data kdep_lib\.ko \(id \d+\)/);
    // A function's size is its code body's.
    const fsym = JSON.parse((await d.kld("sym", "--json", "kdep_lib_add")).stdout);
    expect(JSON.stringify(fsym)).toMatch(/"kind":"func"/);
    expect(JSON.stringify(fsym)).toMatch(/"size":[1-9]/);
    expect((await d.kld("unload", "kdep_user")).code).toBe(0);
    expect((await d.kld("stat", "-q", "-n", "kdep_lib.ko")).code).toBe(1);
    expect(JSON.parse((await d.kld("stat", "--json")).stdout)["kld-file-information"][0].refs).toBe(1);
  });

  it("sysinit_demo: SYSINITs in (subsystem, order) order, its malloc type in kld malloc", async () => {
    expect((await d.kld("load", MOD("sysinit_demo"))).code).toBe(0);
    const dm = (await d.kld("dmesg")).stdout;
    const steps = [...dm.matchAll(/sysinit_demo: step (\d)/g)].map((m) => m[1]);
    expect(steps).toEqual(["1", "2", "3", "4"]);
    const m = await d.kld("malloc");
    expect(m.stdout).toMatch(/^ +Type InUse MemUse Requests\n/);
    expect(m.stdout).toMatch(/sysinit_demo|sidemo|demo/);
    expect((await d.kld("unload", "sysinit_demo.ko")).code).toBe(0);
  });

  it("kld vm shows the holes left by unloading", async () => {
    for (const n of ["hello", "kdep_user", "sysinit_demo"]) expect((await d.kld("load", MOD(n))).code).toBe(0);
    expect((await d.kld("unload", "hello.ko")).code).toBe(0);
    const vm = JSON.parse((await d.kld("vm", "--json")).stdout).vm;
    const free = vm.extents.filter((e: { owner: string | null }) => e.owner === null);
    expect(free.length).toBe(2);
    expect(vm.fragmentation).toBeGreaterThan(0);
    const text = (await d.kld("vm")).stdout;
    expect(text).toMatch(/^0x100000 +1 +\(free\)$/m);
    expect(text).toMatch(/free extents: 2, largest free run: \d+ pages, fragmentation: \d+\.\d%/);
    for (const n of ["sysinit_demo.ko", "kdep_user.ko"]) expect((await d.kld("unload", n)).code).toBe(0);
  });

  it("kld config and kld xref: a module found by name through linker.hints", async () => {
    const dir = join(d.dir, "mods");
    mkdirSync(dir);
    copyFileSync(MOD("kdep_lib"), join(dir, "renamed_lib.ko"));
    const x = await d.kld("xref", "-v", dir);
    expect(x.code).toBe(0);
    expect(x.stdout).toMatch(/renamed_lib\.ko:\n(  \w+ [\w.]+\n)*  interface kdep_lib\.2\n/);
    expect(existsSync(join(dir, "linker.hints"))).toBe(true);
    expect((await d.kld("config", "-m", dir)).code).toBe(0);
    expect((await d.kld("config", "-r")).stdout.trim().split(";")).toContain(dir);
    // The bundled directory is in the path too: put ours first so the hint wins.
    const path = (await d.kld("config")).stdout.trim().split(";");
    expect((await d.kld("config", dir, ...path.filter((p) => p !== dir))).code).toBe(0);
    const r = await d.kld("load", "kdep_lib");
    expect(r.code).toBe(0);
    expect((await d.kld("stat", "-n", "renamed_lib.ko")).code).toBe(0);
    expect((await d.kld("unload", "renamed_lib.ko")).code).toBe(0);
    expect((await d.kld("config", "-d", dir)).code).toBe(0);
    expect((await d.kld("config")).stdout).not.toContain(dir);
  });

  it("loads a bundled module by name and unloads it by id", async () => {
    const r = await d.kld("load", "-v", "hello");
    expect(r.code).toBe(0);
    const id = /id=(\d+)/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    expect((await d.kld("stat", "-q", "-i", id!)).code).toBe(0);
    const u = await d.kld("unload", "-v", "-i", id!);
    expect(u.stdout).toBe(`Unloading hello.ko, id=${id}\n`);
    const gone = await d.kld("unload", "-i", id!);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`kld: can't find file id ${id}\n`);
    const nosym = await d.kld("sym", "no_such_symbol");
    expect(nosym.code).toBe(1);
    expect(nosym.stderr).toBe("kld: can't find symbol no_such_symbol: No such file or directory\nkld: symbol no_such_symbol not found\n");
  });

  // Issue 13, defect 1: this used to hang the kernel until the watchdog panicked it.
  it.skipIf(!CLANG)(`a module with no functions (int x = 1;) builds, loads and unloads${CLANG ? "" : ` (skipped: ${NO_CLANG_REASON})`}`, async () => {
    const src = join(d.dir, "e.c");
    writeFileSync(src, "int x = 1;\n");
    const ko = join(d.dir, "e.ko");
    expect((await d.kld("build", src, "-o", ko)).code).toBe(0);
    const r = await d.kld("load", "-v", ko);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Loaded .*e\.ko, id=\d+\n$/);
    expect((await d.kld("sym", "x")).stdout).toMatch(/\bx +0x[0-9a-f]+ +4 data e\.ko/);
    expect((await d.kld("unload", "e.ko")).code).toBe(0);
  });

  it("kld config refuses a directory that does not exist, or a file, unless -f (issue 13, defect 9)", async () => {
    const before = (await d.kld("config")).stdout;
    const missing = join(d.dir, "nonexistent");
    const r = await d.kld("config", missing);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kld: ${missing}: No such file or directory\n`);
    const file = await d.kld("config", "-a", MOD("hello"));
    expect(file.code).toBe(1);
    expect(file.stderr).toBe(`kld: ${MOD("hello")}: Not a directory\n`);
    expect((await d.kld("config")).stdout).toBe(before);
    const forced = await d.kld("config", "-f", "-m", missing);
    expect(forced.code).toBe(0);
    expect((await d.kld("config")).stdout.trim().split(";")).toContain(missing);
    expect((await d.kld("config", "-d", missing)).code).toBe(0);
    expect((await d.kld("config")).stdout).toBe(before);
  });

  it("usage errors exit 64", async () => {
    expect((await d.kld("unload")).code).toBe(64);
    expect((await d.kld("unload", "-i", "x")).code).toBe(64);
    expect((await d.kld("config", "-a", "-d", "/tmp")).code).toBe(64);
  });
});
