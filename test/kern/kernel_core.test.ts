import { describe, expect, it } from "vitest";
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
