import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bootLinker } from "../../src/kern/init_main.js";
import { kernelData, kernelServices } from "../../src/kern/services/index.js";
import { KernelPanic } from "../../src/kern/services/kern_shutdown.js";
import { buildModule, CLANG, NO_CLANG_REASON, skeleton } from "../support/clang.js";
import { KernelCore } from "../../src/kern/kernel_core.js";
import { createKernelEnv } from "../../src/kern/kernel_env.js";
import { KERNEL_DATA_BASE, KSTACK_TOP, MEMORY_BYTES } from "../../src/kern/vm_layout.js";

function core(): KernelCore {
  return new KernelCore((memory) => createKernelEnv(memory, () => {}));
}

describe("kernel core", () => {
  it("one fixed memory, a table with slot 0 null, SP at the top of the kernel stack", () => {
    const c = core();
    expect(c.memory.buffer.byteLength).toBe(MEMORY_BYTES);
    expect(c.table.length).toBe(1);
    expect(c.table.get(0)).toBeNull();
    expect(c.stackPointer.value).toBe(KSTACK_TOP);
  });

  it("installs host functions into the table (i32 and i64) and data at aligned addresses", () => {
    const c = core();
    const seen: unknown[] = [];
    c.install(
      [
        { name: "add", params: ["i32", "i32"], results: ["i32"], impl: (_e, a, b) => Number(a) + Number(b) },
        { name: "wide", params: ["i64"], results: ["i64"], impl: (_e, a) => BigInt(a as unknown as bigint) * 2n },
        { name: "note", params: ["i32"], results: [], impl: (env, x) => void seen.push(x, env.memory === c.memory) },
      ],
      [
        { name: "ticks", size: 4, align: 4, init: (env, addr) => new DataView(env.memory.buffer).setInt32(addr, 7, true) },
        { name: "big", size: 8, align: 8 },
      ],
    );
    const add = c.symbols.get("add")!;
    expect(add).toMatchObject({ kind: "func", identity: "kernel:add" });
    expect(add.address).toBeGreaterThan(0);
    expect((c.table.get(add.address) as (a: number, b: number) => number)(2, 3)).toBe(5);
    expect((c.table.get(c.symbols.get("wide")!.address) as (a: bigint) => bigint)(21n)).toBe(42n);
    c.callPointer(c.symbols.get("note")!.address, "test", 9);
    expect(seen).toEqual([9, true]);
    const ticks = c.symbols.get("ticks")!;
    expect(ticks).toMatchObject({ kind: "data", address: KERNEL_DATA_BASE, size: 4 });
    expect(c.readI32(ticks.address)).toBe(7);
    expect(c.symbols.get("big")!.address % 8).toBe(0);
    expect(() => c.install([{ name: "add", params: [], results: [], impl: () => {} }], [])).toThrow(/duplicate/);
  });

  it("reuses freed slots, clears them, and restores SP after a throw", () => {
    const c = core();
    const s1 = c.allocTableSlot();
    const s2 = c.allocTableSlot();
    c.freeTableSlot(s1);
    expect(c.allocTableSlot()).toBe(s1);
    expect(c.tableSlotsInUse).toBe(2);
    expect(() => c.freeTableSlot(0)).toThrow();
    expect(() => c.callPointer(s2, "nothing there")).toThrow(/null function pointer/);
    expect(() =>
      c.enter("f", () => {
        c.stackPointer.value = 123;
        throw new WebAssembly.RuntimeError("unreachable");
      }),
    ).toThrow();
    expect(c.stackPointer.value).toBe(KSTACK_TOP);
    expect(c.lastTrapCall).toBe("f");
    expect(c.currentCall).toBeNull();
  });

  it("treats module code that returns with the stack pointer moved as a trap, and restores it", () => {
    const c = core();
    expect(() =>
      c.enter("bad.ko:smash(SYSINIT)", () => {
        c.stackPointer.value = 16;
        return 0;
      }),
    ).toThrow(/bad\.ko|stack pointer moved from 0x40000 to 0x10/);
    expect(c.stackPointer.value).toBe(KSTACK_TOP);
    // The next call runs on an intact stack.
    expect(c.enter("good.ko:f", () => c.stackPointer.value)).toBe(KSTACK_TOP);
  });
});

describe.skipIf(!CLANG)(`faults in module code panic the kernel (${CLANG ? "clang" : NO_CLANG_REASON})`, () => {
  function kernel() {
    const log: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), "kldsim-faults-"));
    const sys = bootLinker((t) => log.push(t), { services: kernelServices, data: kernelData, modulePath: [] });
    const hz = (): number => sys.core.readI32(sys.core.symbols.get("hz")!.address);
    return { ...sys, dir, hz, text: () => log.join("") };
  }
  const panicOf = (fn: () => unknown): KernelPanic => {
    try {
      fn();
    } catch (e) {
      if (e instanceof KernelPanic) return e;
      throw e;
    }
    throw new Error("expected a panic");
  };

  it("a module recursing without end panics with a kernel stack overflow, and kernel data is intact", () => {
    const k = kernel();
    const path = buildModule(k.dir, "rec", skeleton("rec", {
      body: `int rec_limit = 1 << 30;
static int depth(int n) { volatile char buf[256]; buf[0] = (char)n; if (n > rec_limit) return 0; return depth(n + 1) + buf[0]; }`,
      onLoad: "printf(\"rec: %d\\n\", depth(0));",
    }));
    const p = panicOf(() => k.linker.load(path));
    expect(p.panicMessage).toBe("kernel stack overflow in rec.ko:depth");
    expect(k.text()).toContain("panic: kernel stack overflow in rec.ko:depth\n");
    expect(k.hz()).toBe(1000);
    expect(k.core.stackPointer.value).toBe(KSTACK_TOP);
  });

  it("recursion that exhausts the engine's own stack is a kernel stack overflow too", () => {
    const k = kernel();
    const path = buildModule(k.dir, "deep", skeleton("deep", {
      body: `int deep_limit = 1 << 30;
static int deep(int n);
static int (*volatile deep_again)(int) = deep; /* an indirect call: no loop can replace it */
static int deep(int n) { if (n > deep_limit) return 0; return deep_again(n + 1) + 1; }`,
      onLoad: "printf(\"deep: %d\\n\", deep(0));",
    }));
    expect(panicOf(() => k.linker.load(path)).panicMessage).toMatch(/^kernel stack overflow in deep\.ko:/);
  });

  it("a write to the NULL page panics as a page fault naming the module function", () => {
    const k = kernel();
    const path = buildModule(k.dir, "nullw", skeleton("nullw", { onLoad: "*(volatile int *)0 = 42;" }));
    const p = panicOf(() => k.linker.load(path));
    expect(p.panicMessage).toBe("page fault in nullw.ko:nullw_loader(MOD_LOAD)");
    expect(k.text()).toContain(
      "Fatal trap 12: page fault while in kernel mode\nfault virtual address\t= 0x0\n" +
        "fault code\t\t= supervisor write data, page not present\ncurrent function\t= nullw.ko:nullw_loader(MOD_LOAD)\n" +
        "panic: page fault in nullw.ko:nullw_loader(MOD_LOAD)\n",
    );
  });
});
