/**
 * Kernel services as host functions.
 *
 * A kernel service (printf, malloc, strlen, inb, bus_alloc_resource, ...)
 * is written in TypeScript and declared once as a HostFunction.  The kernel
 * core (src/kern/kernel_core.ts) gives every declared service a slot in the
 * kernel function table and an entry in linker file 1's symbol table, so a
 * module can call it directly (as a wasm import) or take its address (the
 * table index) like any kernel function.  Data symbols the core kernel owns
 * (`ticks`, `hz`, `bootverbose`) are HostData.
 *
 * Calling convention (wasm32 C ABI, tool-conventions BasicCABI.md): int,
 * long, pointers and size_t are i32; long long / intmax_t are i64; a C
 * variadic function receives its fixed arguments and then ONE extra i32: the
 * address of a buffer where the caller stored each variadic argument at its
 * natural alignment (4 for int/pointer, 8 for long long and double).
 * A va_list is that same address, so printf and vprintf share a signature.
 * i32 arguments arrive as signed JS numbers: services turn addresses and
 * sizes unsigned with `>>> 0`; i64 arguments arrive as BigInt.
 *
 * How a service fails (src/kern/services/):
 *  - a bad address (outside kernel memory) throws WebAssembly.RuntimeError
 *    "memory access out of bounds ...", the trap the module's own load or
 *    store would have raised (kernel_memory.ts);
 *  - a broken invariant (panic(9) called by C, a double free, M_WAITOK
 *    malloc out of memory) prints "panic: MESSAGE" through console() and
 *    throws KernelPanic (kern_shutdown.ts); the catcher must not print the
 *    panic line again.
 *
 * Per-kernel state of the services (the malloc arena, the clock, the port
 * space, the event handler lists) is an object the kernel owns and hands
 * over in the env (kernel_env.ts KernelEnv: env.malloc, env.clock,
 * env.ports, env.eventhandlers).  A service declares the part of the env
 * it needs (`HostFunction<MallocEnv>`), so this file knows none of them.
 */

export type WasmValType = "i32" | "i64" | "f32" | "f64";

/** What every service may touch of the running kernel. */
export interface ServiceEnv {
  /** Kernel memory (one WebAssembly.Memory, never grown). */
  readonly memory: WebAssembly.Memory;
  /** Append to the message buffer (and the console of a foreground daemon). */
  console(text: string): void;
  /** Text for the terminal of the CLI whose request is running (uprintf). */
  userTerminal(text: string): void;
}

export interface HostFunction<E extends ServiceEnv = ServiceEnv> {
  /** The C symbol name. */
  readonly name: string;
  readonly params: readonly WasmValType[];
  readonly results: readonly WasmValType[];
  readonly impl: (env: E, ...args: number[]) => number | bigint | void;
}

export interface HostData<E extends ServiceEnv = ServiceEnv> {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Write the initial value at `addr` in kernel memory. */
  init?(env: E, addr: number): void;
}
