/**
 * panic(9): the kernel's reaction to a broken invariant.
 *
 * FreeBSD's panic() (sys/kern/kern_shutdown.c) prints "panic: <message>"
 * and stops the machine.  Here the message goes to the message buffer and
 * console through env.console, then a KernelPanic is thrown: it unwinds
 * out of the module code that called panic (or out of the host service
 * that detected the broken invariant: a double free, an exhausted
 * M_WAITOK malloc), and the kernel core decides what happens to the
 * kernel (src/kern/kernel_core.ts, src/kern/kern_linker.ts).  The message
 * has already been printed: whoever catches a KernelPanic must not print
 * "panic: ..." a second time.
 *
 * Callers: kern_printf.ts (the panic service), kern_malloc.ts, libkern.ts.
 */
import type { ServiceEnv } from "./host_function.js";

export class KernelPanic extends Error {
  /** The panic message without the "panic: " prefix. */
  readonly panicMessage: string;

  constructor(message: string) {
    super(`panic: ${message}`);
    this.name = "KernelPanic";
    this.panicMessage = message;
  }
}

/** Print "panic: MESSAGE" to the console and throw a KernelPanic. */
export function panic(env: ServiceEnv, message: string): never {
  env.console(`panic: ${message}\n`);
  throw new KernelPanic(message);
}
