/**
 * Kernel state is per kernel: two kernels built in one process (with no
 * global set-up) share no clock, port space, malloc arena, event handler
 * list or module list, because each subsystem's state is an object its
 * kernel's env owns (kernel_env.ts).
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { bootLinker, type LinkerSubsystem } from "../../src/kern/init_main.js";
import { kernelData, kernelServices } from "../../src/kern/services/index.js";

const HELLO = resolve(import.meta.dirname, "../../src/sys/modules/hello/hello.ko");

function kernel(): LinkerSubsystem & { log: string[] } {
  const log: string[] = [];
  return { ...bootLinker((t) => log.push(t), { services: kernelServices, data: kernelData, modulePath: [] }), log };
}

/** Call a kernel service by its C name, as module code would. */
function call(k: LinkerSubsystem, name: string, ...args: number[]): number {
  const fn = k.core.symbols.get(name)?.fn as ((...a: number[]) => number) | undefined;
  if (!fn) throw new Error(`no service ${name}`);
  return fn(...args) ?? 0;
}

function dataAt(k: LinkerSubsystem, name: string): number {
  return k.core.readI32(k.core.symbols.get(name)!.address);
}

describe("two kernels in one process", () => {
  it("share no clock, ports, malloc arena, event handlers or modules", () => {
    const a = kernel();
    const b = kernel();

    a.core.env.clock.setHz(100);
    expect(dataAt(a, "hz")).toBe(100);
    expect(dataAt(b, "hz")).toBe(1000);

    a.core.env.ports.attach({ inb: () => 0x42, outb: () => {}, inw: () => 0, outw: () => {}, inl: () => 0, outl: () => {} });
    expect(call(a, "inb", 0x3f8)).toBe(0x42);
    expect(call(b, "inb", 0x3f8)).toBe(0xff);

    const mTemp = a.core.symbols.get("M_TEMP")!.address;
    const name = call(a, "malloc", 16, mTemp, 0) >>> 0;
    expect(name).not.toBe(0);
    new Uint8Array(a.core.memory.buffer).set(new TextEncoder().encode("shutdown_final\0"), name);
    const temp = (k: LinkerSubsystem) => k.core.env.malloc.stats().find((t) => t.type === "temp")?.inUse;
    expect(temp(a)).toBe(1);
    expect(temp(b)).toBe(0);

    expect(call(a, "eventhandler_register", 0, name, 1, 0, 0)).toBe(1);
    expect(a.core.env.eventhandlers.list().map((h) => h.name)).toEqual(["shutdown_final"]);
    expect(b.core.env.eventhandlers.list()).toEqual([]);

    a.linker.load(HELLO);
    expect(a.linker.modules.all().map((m) => m.name)).toEqual(["hello"]);
    expect(b.linker.modules.all()).toEqual([]);
    expect(b.linker.files.map((f) => f.filename)).toEqual(["kernel"]);
  });
});
