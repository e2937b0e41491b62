/**
 * A KernelEnv for service tests: a real WebAssembly.Memory of the kernel's
 * size, captured console and terminal text, a scratch allocator for
 * strings and varargs areas laid out per the wasm32 C ABI, and a way to
 * call a service by its C name.
 */
import { createKernelEnv, type KernelEnv } from "../../../src/kern/kernel_env.js";
import type { HostFunction } from "../../../src/kern/services/host_function.js";
import { kernelData, kernelServices } from "../../../src/kern/services/index.js";
import { MEMORY_BYTES, WASM_PAGE } from "../../../src/kern/vm_layout.js";

export type VarArg =
  | { readonly int: number }
  | { readonly ll: bigint }
  | { readonly str: string }
  | { readonly ptr: number };

export interface FakeKernel {
  readonly env: KernelEnv;
  readonly mem: () => Uint8Array;
  readonly console: string[];
  readonly terminal: string[];
  /** Scratch memory below the malloc arena; 16-byte aligned. */
  scratch(bytes: number): number;
  /** Put a NUL-terminated string (UTF-8, or a byte array) in scratch memory. */
  cstr(s: string | readonly number[]): number;
  /** Lay out a varargs area: 4-byte ints/pointers, 8-byte-aligned long longs. */
  varargs(args: readonly VarArg[]): number;
  /** Call service `name` with raw wasm arguments. */
  call(name: string, ...args: number[]): number;
  readString(addr: number): string;
  readI32(addr: number): number;
}

export function service(name: string): HostFunction<KernelEnv> {
  const f = kernelServices.find((s) => s.name === name);
  if (!f) throw new Error(`no service ${name}`);
  return f;
}

export function fakeKernel(): FakeKernel {
  const memory = new WebAssembly.Memory({
    initial: MEMORY_BYTES / WASM_PAGE,
    maximum: MEMORY_BYTES / WASM_PAGE,
  });
  const consoleOut: string[] = [];
  const terminal: string[] = [];
  const env = createKernelEnv(
    memory,
    (t) => consoleOut.push(t),
    (t) => terminal.push(t),
  );
  let next = 0x20000;
  const mem = (): Uint8Array => new Uint8Array(memory.buffer);
  const scratch = (bytes: number): number => {
    const a = next;
    next = (next + bytes + 15) & ~15;
    return a;
  };
  const cstr = (s: string | readonly number[]): number => {
    const bytes = typeof s === "string" ? new TextEncoder().encode(s) : Uint8Array.from(s);
    const a = scratch(bytes.length + 1);
    mem().set(bytes, a);
    mem()[a + bytes.length] = 0;
    return a;
  };
  const varargs = (args: readonly VarArg[]): number => {
    const ptrs = args.map((a) => ("str" in a ? cstr(a.str) : 0));
    const area = scratch(args.length * 8 + 8);
    const dv = new DataView(memory.buffer);
    let p = area;
    args.forEach((a, k) => {
      if ("ll" in a) {
        p = (p + 7) & ~7;
        dv.setBigInt64(p, a.ll, true);
        p += 8;
      } else {
        const v = "int" in a ? a.int : "ptr" in a ? a.ptr : (ptrs[k] as number);
        dv.setInt32(p, v | 0, true);
        p += 4;
      }
    });
    return area;
  };
  const call = (name: string, ...args: number[]): number => {
    const r = service(name).impl(env, ...args);
    return typeof r === "number" ? r | 0 : 0;
  };
  const readString = (addr: number): string => {
    const m = mem();
    let e = addr;
    while (m[e] !== 0) e++;
    return new TextDecoder().decode(m.subarray(addr, e));
  };
  const readI32 = (addr: number): number => new DataView(memory.buffer).getInt32(addr, true);
  return { env, mem, console: consoleOut, terminal, scratch, cstr, varargs, call, readString, readI32 };
}

/** Format with the kernel printf (through snprintf) and return the text. */
export function kformat(k: FakeKernel, fmt: string, args: readonly VarArg[] = []): string {
  const buf = k.scratch(4096);
  k.call("snprintf", buf, 4096, k.cstr(fmt), k.varargs(args));
  return k.readString(buf);
}

/** Lay out and initialise every kernel data symbol from 0x1000, as the kernel core does; name -> address. */
export function placeKernelData(k: FakeKernel): Map<string, number> {
  let addr = 0x1000;
  const placed = new Map<string, number>();
  for (const d of kernelData) {
    addr = Math.ceil(addr / d.align) * d.align;
    d.init?.(k.env, addr);
    placed.set(d.name, addr);
    addr += d.size;
  }
  return placed;
}
