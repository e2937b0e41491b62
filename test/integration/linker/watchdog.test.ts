// Issue 3 §7: a module that loops forever in MOD_LOAD.  The daemon's
// watchdog ends the kernel; the panic names the module function that was
// running (the linker publishes it in the shared current-call word), every
// request is refused until `kld reboot`, which brings back a clean kernel.
// Faults that corrupt the kernel (a stack overflow, a NULL-page write) panic too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModule, CLANG, NO_CLANG_REASON, skeleton } from "../../support/clang.js";
import { startDaemon, type Daemon } from "../kld_daemon.js";

let d: Daemon;
beforeAll(async () => {
  d = await startDaemon("kldwd", ["-w", "1500"]);
});
afterAll(async () => {
  await d.stop();
});

describe.skipIf(!CLANG)(`watchdog (${CLANG ? "clang" : NO_CLANG_REASON})`, () => {
  it("names the looping module function, then recovers with kld reboot", async () => {
    const p = buildModule(d.dir, "spinner", skeleton("spinner", {
      body: "static volatile int spin_forever = 1;",
      onLoad: "while (spin_forever) continue;",
    }));
    const r = await d.kld("load", p);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("panic: watchdog timeout in spinner.ko:spinner_loader(MOD_LOAD)");
    const st = await d.kld("stat");
    expect(st.code).toBe(69);
    expect(st.stderr).toContain("watchdog timeout in spinner.ko:spinner_loader(MOD_LOAD)");
    expect((await d.kld("reboot")).code).toBe(0);
    const after = await d.kld("stat");
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^Id Refs Address +Size Name\n 1 +1 +0x1000 +[0-9a-f]+ kernel\n$/);
  });

  it("a module's panic() stops the kernel with its message, then kld reboot", async () => {
    const p = buildModule(d.dir, "panicky", skeleton("panicky", { onLoad: 'panic("panicky: bad state %d", 42);' }));
    const r = await d.kld("load", p);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("panic: panicky: bad state 42");
    const st = await d.kld("stat");
    expect(st.code).toBe(69);
    expect((await d.kld("reboot")).code).toBe(0);
    expect((await d.kld("stat")).code).toBe(0);
  });

  it("a NULL-page write panics as a page fault, so the next module never reads it (issue 13, defect 5)", async () => {
    const w = buildModule(d.dir, "nullw", skeleton("nullw", { onLoad: "*(volatile int *)0 = 42;" }));
    const r = await d.kld("load", w);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("panic: page fault in nullw.ko:nullw_loader(MOD_LOAD)");
    expect((await d.kld("stat")).code).toBe(69);
    expect((await d.kld("reboot")).code).toBe(0);
    const reader = buildModule(d.dir, "nullr", skeleton("nullr", { onLoad: 'printf("nullr: NULL holds %d\\n", *(volatile int *)0);' }));
    expect((await d.kld("load", reader)).code).toBe(0);
    expect((await d.kld("dmesg")).stdout).toContain("nullr: NULL holds 0");
  });

  it("a stack overflow panics naming the function and leaves kernel data alone (issue 13, defect 4)", async () => {
    const p = buildModule(d.dir, "rec", skeleton("rec", {
      body: `int rec_limit = 1 << 30;
static int depth(int n) { volatile char buf[256]; buf[0] = (char)n; if (n > rec_limit) return 0; return depth(n + 1) + buf[0]; }`,
      onLoad: 'printf("rec: %d\\n", depth(0));',
    }));
    const r = await d.kld("load", p);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("panic: kernel stack overflow in rec.ko:depth");
    expect((await d.kld("reboot")).code).toBe(0);
  });
});
