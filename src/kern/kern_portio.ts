/**
 * Port I/O as kernel services: inb/inw/inl/outb/outw/outl (machine/cpufunc.h),
 * backed by the emulated machine the kernel owns (src/isa/machine.ts
 * ioFunctions()).  Without a machine (`kld boot -m none`) every read returns
 * all ones, as an ISA bus with nothing on it does, and writes vanish.
 *
 * State is per kernel memory (one machine per kernel).  Callers: the kernel
 * services list (src/kern/services/index.ts); kern_boot.ts attaches the
 * machine.  FreeBSD: sys/i386/include/cpufunc.h.
 */
import type { PortFunctions } from "../isa/machine.js";
import type { HostFunction } from "./services/host_function.js";


const NO_MACHINE: PortFunctions = {
  inb: () => 0xff,
  outb: () => {},
  inw: () => 0xffff,
  outw: () => {},
  inl: () => 0xffffffff,
  outl: () => {},
};

const attached = new WeakMap<WebAssembly.Memory, PortFunctions>();

/** Connect (or with undefined disconnect) the machine's port space. */
export function attachPorts(memory: WebAssembly.Memory, io: PortFunctions | undefined): void {
  if (io) attached.set(memory, io);
  else attached.delete(memory);
}

const io = (memory: WebAssembly.Memory): PortFunctions => attached.get(memory) ?? NO_MACHINE;
const port = (p: number): number => p & 0xffff;

export const portServices: readonly HostFunction[] = [
  { name: "inb", params: ["i32"], results: ["i32"], impl: (env, p) => io(env.memory).inb(port(p)) & 0xff },
  { name: "inw", params: ["i32"], results: ["i32"], impl: (env, p) => io(env.memory).inw(port(p)) & 0xffff },
  { name: "inl", params: ["i32"], results: ["i32"], impl: (env, p) => io(env.memory).inl(port(p)) | 0 },
  { name: "outb", params: ["i32", "i32"], results: [], impl: (env, p, v) => io(env.memory).outb(port(p), v & 0xff) },
  { name: "outw", params: ["i32", "i32"], results: [], impl: (env, p, v) => io(env.memory).outw(port(p), v & 0xffff) },
  { name: "outl", params: ["i32", "i32"], results: [], impl: (env, p, v) => io(env.memory).outl(port(p), v >>> 0) },
];
