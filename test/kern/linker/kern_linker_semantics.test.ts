/**
 * The kernel linker's FreeBSD semantics with real C modules: dependencies,
 * symbol zones, versions, cycles, duplicates, events and vetoes, traps,
 * SYSINIT order, leak warnings, symbol lookup, the kernel map, file ids,
 * and that every failed load leaves nothing behind.
 */
import { describe, expect, it } from "vitest";
import { KernelError } from "../../../src/errno/kernel_error.js";
import type { Linker } from "../../../src/kern/linker/kern_linker.js";
import { buildModule, CLANG, NO_CLANG_REASON, skeleton } from "../../support/clang.js";
import { bootTestKernel, type TestKernel } from "../../support/kernel_fixture.js";
import { kernelErrorOf } from "../../support/kernel_error.js";

/** Everything a half-done load could leave behind. */
function snapshot(l: Linker) {
  return {
    files: l.files.map((f) => `${f.id}:${f.filename}:${f.refs}:${f.userrefs}`),
    modules: l.modules.all().map((m) => m.name),
    kmem: l.kmem.extents(),
    slots: l.core.tableSlotsInUse,
    sp: l.core.stackPointer.value as number,
  };
}

function failure(fn: () => unknown): KernelError {
  const e = kernelErrorOf(fn);
  if (!e) throw new Error("expected a KernelError");
  return e;
}

const LIB = skeleton("kdlib", {
  version: 1,
  body: `int lib_value = 42;
int *lib_ptr = &lib_value;
int lib_add(int a, int b) { return a + b + lib_value; }
static int lib_secret(void) { return 7; }
int (*lib_secret_ptr)(void) = lib_secret;`,
});

const USER = skeleton("kduser", {
  body: `extern int lib_value;
extern int *lib_ptr;
int lib_add(int, int);
static int (*addp)(int, int) = lib_add;
static int *valp = &lib_value;`,
  onLoad: `printf("kduser: add=%d ptr_ok=%d fp_ok=%d\\n", addp(1, 2), lib_ptr == valp, addp == lib_add); *valp = 50;`,
  deps: "MODULE_DEPEND(kduser, kdlib, 1, 1, 1);",
});

describe.skipIf(!CLANG)(`kernel linker semantics (${CLANG ? "clang" : NO_CLANG_REASON})`, () => {
  it("loads a dependency first, links across files, counts references, unloads both", () => {
    const k = bootTestKernel();
    buildModule(k.dir, "kdlib", LIB);
    const user = k.linker.load(buildModule(k.dir, "kduser", USER));
    expect(k.text()).toMatch(/kdlib: load\n[^]*kduser: add=45 ptr_ok=1 fp_ok=1\n/);
    const lib = k.linker.findFileByName("kdlib.ko")!;
    expect(user.id).toBe(2);
    expect(lib.id).toBe(3);
    expect(lib.refs).toBe(1);
    expect(lib.userrefs).toBe(0);
    expect(k.linker.kernelFile.refs).toBe(5);
    // kduser wrote through the pointer into kdlib's data.
    expect(k.linker.core.readI32(k.linker.lookupSymbol("lib_value").address)).toBe(50);
    // kdlib cannot be unloaded while kduser needs it, nor by itself at all.
    const busy = failure(() => k.linker.unload(lib, false));
    expect(busy.info.name).toBe("EBUSY");
    expect(busy.detail).toMatch(/loaded by the kernel/);
    lib.userrefs = 1; // as if the user had loaded it too
    expect(failure(() => k.linker.unload(lib, false)).detail).toBe("kdlib.ko is needed by kduser.ko");
    lib.userrefs = 0;
    k.linker.unload(user, false);
    expect(k.linker.files.map((f) => f.filename)).toEqual(["kernel"]);
    expect(k.text()).toMatch(/kduser: unload\n[^]*kdlib: unload\n/);
    expect(k.linker.kernelFile.refs).toBe(1);
  });

  it("symbol lookup is not transitive and locals are invisible", () => {
    const k = bootTestKernel();
    buildModule(k.dir, "zc", skeleton("zc", { version: 1, body: "int c_value = 3; static int c_local = 4; int *c_lp = &c_local;" }));
    buildModule(k.dir, "zb", skeleton("zb", { version: 1, deps: "MODULE_DEPEND(zb, zc, 1, 1, 1);" }));
    const before = snapshot(k.linker);
    const e = failure(() =>
      k.linker.load(
        buildModule(k.dir, "za", skeleton("za", {
          body: "extern int c_value;",
          onLoad: "printf(\"%d\\n\", c_value);",
          deps: "MODULE_DEPEND(za, zb, 1, 1, 1);",
        })),
      ),
    );
    expect(e.info.name).toBe("ENOENT");
    expect(e.detail).toBe("symbol c_value undefined");
    expect(snapshot(k.linker)).toEqual(before);
    // A local of zc is not visible even to a direct dependent.
    const e2 = failure(() =>
      k.linker.load(buildModule(k.dir, "zd", skeleton("zd", {
        body: "extern int c_local;", onLoad: "printf(\"%d\\n\", c_local);", deps: "MODULE_DEPEND(zd, zc, 1, 1, 1);",
      }))),
    );
    expect(e2.detail).toBe("symbol c_local undefined");
    expect(snapshot(k.linker)).toEqual(before);
    expect(failure(() => k.linker.lookupSymbol("c_local")).info.name).toBe("ENOENT");
  });

  it("refuses a version outside the dependency's range, loaded or on disk", () => {
    const k = bootTestKernel();
    buildModule(k.dir, "vlib", skeleton("vlib", { version: 1 }));
    const uses = buildModule(k.dir, "vuser", skeleton("vuser", { deps: "MODULE_DEPEND(vuser, vlib, 2, 2, 3);" }));
    const before = snapshot(k.linker);
    const e = failure(() => k.linker.load(uses));
    expect(e.info.name).toBe("ENOENT");
    expect(e.detail).toMatch(/vlib version 2 \(accepts 2\.\.3\), but vlib\.ko provides version 1/);
    expect(snapshot(k.linker)).toEqual(before);
    k.linker.load(`${k.dir}/vlib.ko`);
    const e2 = failure(() => k.linker.load(uses));
    expect(e2.detail).toMatch(/vlib version 2 \(accepts 2\.\.3\), but vlib\.ko provides version 1/);
  });

  it("names a dependency cycle and unwinds it", () => {
    const k = bootTestKernel();
    buildModule(k.dir, "cyb", skeleton("cyb", { version: 1, deps: "MODULE_DEPEND(cyb, cya, 1, 1, 1);" }));
    const a = buildModule(k.dir, "cya", skeleton("cya", { version: 1, deps: "MODULE_DEPEND(cya, cyb, 1, 1, 1);" }));
    const before = snapshot(k.linker);
    const e = failure(() => k.linker.load(a));
    expect(e.info.name).toBe("EDEADLK");
    expect(e.detail).toBe("dependency cycle: cya -> cyb -> cya");
    expect(snapshot(k.linker)).toEqual(before);
  });

  it("fails on a missing dependency, naming it", () => {
    const k = bootTestKernel();
    const e = failure(() => k.linker.load(buildModule(k.dir, "lonely", skeleton("lonely", { deps: "MODULE_DEPEND(lonely, nosuch, 1, 1, 1);" }))));
    expect(e.info.name).toBe("ENOENT");
    expect(e.detail).toBe("depends on nosuch - not available or version mismatch");
    expect(k.text()).toContain("KLD lonely.ko: depends on nosuch - not available or version mismatch\n");
    expect(k.linker.files).toHaveLength(1);
  });

  it("refuses a module name or a file already loaded with EEXIST", () => {
    const k = bootTestKernel();
    const p = buildModule(k.dir, "dup", skeleton("dup"));
    k.linker.load(p);
    expect(failure(() => k.linker.load(p)).info.name).toBe("EEXIST");
    const before = snapshot(k.linker);
    const other = buildModule(`${k.dir}/other`, "dup2", skeleton("dup2").replace(/"dup2"/, '"dup"'));
    const e = failure(() => k.linker.load(other));
    expect(e.info.name).toBe("EEXIST");
    expect(e.detail).toBe("module dup already loaded from dup.ko");
    expect(snapshot(k.linker)).toEqual(before);
    expect(failure(() => k.linker.load("dup")).info.name).toBe("EEXIST");
  });

  it("a MOD_LOAD error fails the load with ENOEXEC after MOD_UNLOAD", () => {
    const k = bootTestKernel();
    const before = snapshot(k.linker);
    const e = failure(() => k.linker.load(buildModule(k.dir, "nope", skeleton("nope", { onLoad: "return (ENXIO);" }))));
    expect(e.info.name).toBe("ENOEXEC");
    expect(e.detail).toBe("MOD_LOAD of module nope failed: Device not configured (error 6)");
    expect(k.text()).toMatch(/nope: load\nnope: unload\nmodule_register_init: MOD_LOAD \(nope, 0x[0-9a-f]+, 0x0\) error 6\n/);
    expect(snapshot(k.linker)).toEqual(before);
  });

  it("a trap in MOD_LOAD fails the load with a backtrace and restores the stack", () => {
    const k = bootTestKernel();
    const before = snapshot(k.linker);
    const e = failure(() =>
      k.linker.load(buildModule(k.dir, "trapper", skeleton("trapper", {
        body: "__attribute__((noinline)) static void deep(int x) { if (x) __builtin_trap(); }",
        onLoad: "deep(1);",
      }), "-O0")),
    );
    expect(e.info.name).toBe("ENOEXEC");
    expect(e.detail).toMatch(/^trap in trapper\.ko:trapper_loader\(MOD_LOAD\): unreachable/);
    expect(k.text()).toMatch(/backtrace:\n  #0 deep\n  #1 trapper_loader\n/);
    expect(snapshot(k.linker)).toEqual(before);
    // The kernel still works.
    k.linker.load(buildModule(k.dir, "after", skeleton("after")));
    expect(k.text()).toContain("after: load\n");
  });

  it("an out-of-bounds access in MOD_LOAD is EFAULT", () => {
    const k = bootTestKernel();
    const before = snapshot(k.linker);
    const e = failure(() =>
      k.linker.load(buildModule(k.dir, "oob", skeleton("oob", { onLoad: "*(volatile int *)0xfffffff0 = 1;" }))),
    );
    expect(e.info.name).toBe("EFAULT");
    expect(e.detail).toMatch(/memory access out of bounds/);
    expect(snapshot(k.linker)).toEqual(before);
  });

  it("MOD_QUIESCE vetoes unless forced; MOD_UNLOAD vetoes always", () => {
    const k = bootTestKernel();
    const q = k.linker.load(buildModule(k.dir, "quiet", skeleton("quiet", { onQuiesce: "return (EBUSY);" })));
    const e = failure(() => k.linker.unload(q, false));
    expect(e.info.name).toBe("EBUSY");
    expect(e.detail).toBe("module quiet vetoed MOD_QUIESCE (Device busy); use -f to force");
    expect(k.linker.files).toContain(q);
    k.linker.unload(q, true);
    expect(k.linker.files).not.toContain(q);

    const s = k.linker.load(buildModule(k.dir, "sticky", skeleton("sticky", { onUnload: "return (EBUSY);" })));
    expect(failure(() => k.linker.unload(s, true)).detail).toBe("module sticky refused MOD_UNLOAD (Device busy)");
    expect(k.linker.files).toContain(s);
  });

  it("runs SYSINITs sorted by (subsystem, order) and SYSUNINITs in reverse; reports leaks", () => {
    const k = bootTestKernel();
    const src = `#include <sys/param.h>
#include <sys/kernel.h>
#include <sys/systm.h>
#include <sys/malloc.h>
MALLOC_DEFINE(M_SIDEMO, "sidemo", "sysinit demo");
static void *keep;
static void say(const void *s) { printf("%s\\n", (const char *)s); }
static void grab(const void *s) { keep = malloc(100, M_SIDEMO, M_WAITOK); printf("%s\\n", (const char *)s); }
SYSINIT(c, SI_SUB_DRIVERS, SI_ORDER_SECOND, say, "init drivers second");
SYSINIT(a, SI_SUB_KLD, SI_ORDER_ANY, grab, "init kld any");
SYSINIT(b, SI_SUB_DRIVERS, SI_ORDER_FIRST, say, "init drivers first");
SYSUNINIT(c, SI_SUB_DRIVERS, SI_ORDER_SECOND, say, "uninit drivers second");
SYSUNINIT(b, SI_SUB_DRIVERS, SI_ORDER_FIRST, say, "uninit drivers first");
`;
    const f = k.linker.load(buildModule(k.dir, "sidemo", src));
    expect(k.text()).toMatch(/init kld any\ninit drivers first\ninit drivers second\n/);
    k.linker.unload(f, false);
    expect(k.text()).toMatch(/uninit drivers second\nuninit drivers first\n/);
    expect(k.text()).toContain("Warning: memory type sidemo leaked memory on destroy (1 allocations, 112 bytes leaked).");
  });

  it("kld sym finds globals in load order, or in one file", () => {
    const k = bootTestKernel();
    buildModule(k.dir, "kdlib", LIB);
    const lib = k.linker.load(`${k.dir}/kdlib.ko`);
    const s = k.linker.lookupSymbol("lib_value");
    expect(s).toMatchObject({ kind: "data", size: 4, file: "kdlib.ko", fileId: lib.id });
    expect(s.address).toBeGreaterThanOrEqual(lib.address);
    expect(s.address).toBeLessThan(lib.address + lib.size);
    expect(k.linker.lookupSymbol("lib_add")).toMatchObject({ kind: "func", file: "kdlib.ko" });
    expect(k.linker.lookupSymbol("printf")).toMatchObject({ kind: "func", file: "kernel", fileId: 1 });
    expect(failure(() => k.linker.lookupSymbol("printf", lib)).info.name).toBe("ENOENT");
    expect(failure(() => k.linker.lookupSymbol("lib_secret")).info.name).toBe("ENOENT");
  });

  it("first-fit kernel map reuses holes; file ids follow LINKER_GET_NEXT_FILE_ID", () => {
    const k = bootTestKernel();
    const big = (n: string, kb: number) => buildModule(k.dir, n, skeleton(n, { body: `char ${n}_buf[${kb * 1024}] = { 1 };` }));
    const a = k.linker.load(big("ma", 8));
    const b = k.linker.load(big("mb", 16));
    const c = k.linker.load(big("mc", 4));
    expect([a.id, b.id, c.id]).toEqual([2, 3, 4]);
    k.linker.unload(b, false);
    const d = k.linker.load(big("md", 4));
    expect(d.address).toBe(b.address); // first fit: b's hole
    expect(d.id).toBe(5);
    const st = k.linker.kmem.stats();
    expect(st.freeExtents.length).toBe(2);
    expect(st.fragmentation).toBeGreaterThan(0);
    k.linker.unload(d, false);
    const e = k.linker.load(big("me", 1));
    expect(e.id).toBe(5); // the last id is reused when its file is gone
  });

  it("an undefined weak function is NULL; an unresolved strong one names the symbol", () => {
    const k = bootTestKernel();
    k.linker.load(buildModule(k.dir, "weak", skeleton("weak", {
      body: "extern void maybe(void) __attribute__((weak));",
      onLoad: 'printf("weak=%d\\n", maybe == 0);',
    })));
    expect(k.text()).toContain("weak=1\n");
    const before = snapshot(k.linker);
    const e = failure(() => k.linker.load(buildModule(k.dir, "strong", skeleton("strong", {
      body: "void nowhere(void);", onLoad: "nowhere();",
    }))));
    expect(e.info.name).toBe("ENOENT");
    expect(e.detail).toBe("symbol nowhere undefined");
    expect(snapshot(k.linker)).toEqual(before);
  });

  it("loads a module by name through linker.hints or <name>.ko", () => {
    const k: TestKernel = bootTestKernel();
    buildModule(k.dir, "byname", skeleton("byname", { version: 3 }));
    const f = k.linker.load("byname");
    expect(f.filename).toBe("byname.ko");
    expect(failure(() => k.linker.load("nosuchmodule")).info.name).toBe("ENOENT");
  });
  it("module_getname/module_getid work on the handle a handler receives", () => {
    const k = bootTestKernel();
    k.linker.load(buildModule(k.dir, "named", skeleton("named", {
      onLoad: 'printf("name=%s id_ok=%d\\n", module_getname(m), module_getid(m) > 0);',
    })));
    expect(k.text()).toContain("name=named id_ok=1\n");
  });

  it("shutdown sends MOD_SHUTDOWN and unloads dependents before their dependencies", () => {
    const k = bootTestKernel();
    buildModule(k.dir, "kdlib", LIB);
    k.linker.load(buildModule(k.dir, "kduser", USER));
    const sd = buildModule(k.dir, "sdown", skeleton("sdown").replace("default:", 'case MOD_SHUTDOWN: printf("sdown: shutdown\\n"); return (0);\n\tdefault:'));
    k.linker.load(sd);
    const mark = k.log.length;
    k.linker.shutdown();
    const after = k.log.slice(mark).join("");
    expect(after).toMatch(/sdown: shutdown\n[^]*kduser: unload\n[^]*kdlib: unload\n/);
    expect(k.linker.files.map((f) => f.filename)).toEqual(["kernel"]);
    expect(k.linker.kmem.stats().usedPages).toBe(0);
  });
});
