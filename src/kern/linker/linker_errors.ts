/**
 * How the kernel linker tells failures apart and words them: a panic(9)
 * (never caught as a load failure), an Error's message, a wasm trap's
 * message and the C functions on its stack.
 *
 * Used by kern_linker.ts and boot_inits.ts.  FreeBSD has no counterpart:
 * its traps arrive through trap(9), not as exceptions.
 */
import { KernelPanic } from "../services/kern_shutdown.js";

/** panic(9) unwinding (services' and the kernel's KernelPanic): never caught as a load failure. */
export function isPanic(e: unknown): boolean {
  return e instanceof KernelPanic;
}

export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A trap's message and the C function names on its stack (innermost
 * first), from V8's stack text (`at hello_loader (wasm://wasm/...)`).
 */
export function describeTrap(e: unknown): { message: string; backtrace: string[] } {
  const message = describeError(e);
  const stack = e instanceof Error ? (e.stack ?? "") : "";
  const backtrace: string[] = [];
  for (const line of stack.split("\n")) {
    const m = /^\s*at (\S+) \(wasm:\/\//.exec(line) ?? /^\s*at (\S+) \(.*wasm-function/.exec(line);
    if (m && m[1]) backtrace.push(m[1].replace(/^Object\./, ""));
  }
  return { message, backtrace };
}
