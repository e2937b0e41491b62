/**
 * Port I/O as kernel services: inb/inw/inl/outb/outw/outl (machine/cpufunc.h),
 * backed by the emulated machine the kernel owns (src/isa/machine.ts
 * ioFunctions()).  Without a machine (`kld boot -m none`) every read returns
 * all ones, as an ISA bus with nothing on it does, and writes vanish.
 *
 * State: one PortSpace per kernel (env.ports, kernel_env.ts).  Callers: the
 * kernel services list (src/kern/services/index.ts); init_main.ts attaches
 * the machine.  FreeBSD: sys/i386/include/cpufunc.h.
 */
import type { PortFunctions } from "../isa/machine.js";
import type { HostFunction, ServiceEnv } from "./services/host_function.js";

const NO_MACHINE: PortFunctions = {
  inb: () => 0xff,
  outb: () => {},
  inw: () => 0xffff,
  outw: () => {},
  inl: () => 0xffffffff,
  outl: () => {},
};

/** The kernel's I/O port space: the machine's, or an empty ISA bus. */
export class PortSpace {
  private current: PortFunctions = NO_MACHINE;

  /** Connect (or with undefined disconnect) the machine's port space. */
  attach(io: PortFunctions | undefined): void {
    this.current = io ?? NO_MACHINE;
  }

  get io(): PortFunctions {
    return this.current;
  }
}

/** What the port services need of the kernel. */
export type PortEnv = ServiceEnv & { readonly ports: PortSpace };

const port = (p: number): number => p & 0xffff;

export const portServices: readonly HostFunction<PortEnv>[] = [
  { name: "inb", params: ["i32"], results: ["i32"], impl: (env, p) => env.ports.io.inb(port(p)) & 0xff },
  { name: "inw", params: ["i32"], results: ["i32"], impl: (env, p) => env.ports.io.inw(port(p)) & 0xffff },
  { name: "inl", params: ["i32"], results: ["i32"], impl: (env, p) => env.ports.io.inl(port(p)) | 0 },
  { name: "outb", params: ["i32", "i32"], results: [], impl: (env, p, v) => env.ports.io.outb(port(p), v & 0xff) },
  { name: "outw", params: ["i32", "i32"], results: [], impl: (env, p, v) => env.ports.io.outw(port(p), v & 0xffff) },
  { name: "outl", params: ["i32", "i32"], results: [], impl: (env, p, v) => env.ports.io.outl(port(p), v >>> 0) },
];
