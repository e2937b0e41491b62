/**
 * The linker owns boot: preloaded files' SYSINITs wait for the one boot
 * list, a preloaded file that fails at boot is undone by the same unwinder
 * as a failed kldload (its dependents first), and a kldload that fails
 * after registering an event handler leaves none behind.
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KernelError } from "../../../src/errno/kernel_error.js";
import { bootLinker } from "../../../src/kern/init_main.js";
import { kernelData, kernelServices } from "../../../src/kern/services/index.js";
import { buildModule, CLANG, NO_CLANG_REASON, skeleton } from "../../support/clang.js";
import { scratchDir } from "../../support/scratch.js";

function kernel() {
  const log: string[] = [];
  const dir = mkdtempSync(join(scratchDir("bootinits"), "bootinits-"));
  const sys = bootLinker((t) => log.push(t), { services: kernelServices, data: kernelData, modulePath: [dir] });
  return { ...sys, dir, text: () => log.join("") };
}

const EVENTS = "#include <sys/eventhandler.h>\n";

describe.skipIf(!CLANG)(`boot SYSINITs in the linker (${CLANG ? "clang" : NO_CLANG_REASON})`, () => {
  it("holds preloaded SYSINITs back, and unloads a file that traps at boot with the files depending on it", () => {
    const k = kernel();
    const pagesFree = k.linker.kmem.stats().freePages;
    buildModule(k.dir, "plib", skeleton("plib", {
      version: 1,
      body: `${EVENTS}static void fin(void *a, int h) { printf("plib: final (must not happen)\\n"); }
static void boom(void *a) { EVENTHANDLER_REGISTER(shutdown_final, fin, NULL, 0); printf("plib: SYSINIT\\n"); *(volatile int *)0x7ffffff0 = 1; }
SYSINIT(plib_boom, SI_SUB_KLD, SI_ORDER_ANY, boom, NULL);
static void unboom(void *a) { printf("plib: SYSUNINIT\\n"); }
SYSUNINIT(plib_unboom, SI_SUB_KLD, SI_ORDER_ANY, unboom, NULL);`,
    }));
    buildModule(k.dir, "puser", skeleton("puser", { deps: "MODULE_DEPEND(puser, plib, 1, 1, 1);" }));
    k.linker.preload("puser");
    expect(k.linker.files.map((f) => f.filename)).toEqual(["kernel", "plib.ko", "puser.ko"]);
    expect(k.text()).not.toContain("plib: SYSINIT");

    k.linker.runBootInits({ verbose: false });
    const text = k.text();
    expect(text).toContain("plib: SYSINIT");
    expect(text).toMatch(/kernel: trap in plib\.ko:boom: memory access out of bounds/);
    expect(text).toContain("loader: puser.ko: depends on plib.ko, which failed at boot; unloading it");
    expect(text).toContain("loader: plib.ko: failed at boot; unloading it");
    expect(text).toContain("plib: SYSUNINIT");
    expect(text).toContain("eventhandler: shutdown_final handler fin of plib.ko deregistered: file unloaded");
    expect(text).not.toContain("puser: load");
    expect(k.linker.files.map((f) => f.filename)).toEqual(["kernel"]);
    expect(k.linker.modules.all()).toEqual([]);
    expect(k.core.env.eventhandlers.list()).toEqual([]);
    expect(k.linker.kmem.stats().freePages).toBe(pagesFree);
  });

  it("refuses to preload or run the boot list once the kernel has booted", () => {
    const k = kernel();
    k.linker.runBootInits({ verbose: false });
    expect(() => k.linker.preload("anything")).toThrow(KernelError);
    expect(() => k.linker.runBootInits({ verbose: false })).toThrow(/boot SYSINITs have run/);
  });

  it("a kldload whose MOD_LOAD fails takes back the event handler its SYSINIT registered", () => {
    const k = kernel();
    const path = buildModule(k.dir, "evfail", skeleton("evfail", {
      body: `${EVENTS}static void fin(void *a, int h) { }
static void reg(void *a) { EVENTHANDLER_REGISTER(shutdown_final, fin, NULL, 0); }
SYSINIT(evfail_reg, SI_SUB_KLD, SI_ORDER_ANY, reg, NULL);`,
      onLoad: "return (ENXIO);",
    }));
    expect(() => k.linker.load(path)).toThrow(/MOD_LOAD of module evfail failed/);
    expect(k.text()).toContain("eventhandler: shutdown_final handler fin of evfail.ko deregistered: file unloaded");
    expect(k.core.env.eventhandlers.list()).toEqual([]);
  });
});
