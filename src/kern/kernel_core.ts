/**
 * The kernel core: the address space every linked module shares, and linker
 * file 1's symbol table.
 *
 * One WebAssembly.Memory of MEMORY_BYTES (never grown), one funcref Table
 * whose slot 0 stays null (a NULL function pointer traps), and the
 * `__stack_pointer` Global starting at KSTACK_TOP (vm_layout.ts).  Every
 * call into module code goes through enter(), which restores the stack
 * pointer after a trap and panics on a kernel stack overflow or a write to
 * the NULL page.  Every kernel service (a HostFunction, src/kern/services)
 * gets a table slot at boot and an entry in the kernel's symbol table, so a
 * module may call it directly or take its address; every HostData gets an
 * address in the core kernel data area.
 *
 * Node 20 refuses plain JS functions in `Table.set`, so the services are
 * passed through a small generated "trampoline" wasm module that imports
 * each of them and re-exports it: the re-export is a wasm exported function,
 * which a table accepts, and which a module's import can take directly.
 *
 * Called by kern_linker.ts (table slots, kernel symbols, entering module
 * code) and link_wasm_obj.ts (memory/table/stack pointer for instantiation).
 * FreeBSD counterpart: the kernel's own linker_file (linker_kernel_file in
 * kern_linker.c) plus the parts of machdep that set up KVA and the stack.
 */
import type { HostData, HostFunction, WasmValType } from "./services/host_function.js";
import type { KernelEnv } from "./kernel_env.js";
import { cStringOrEmpty } from "./services/kernel_memory.js";
import { WASM_HEADER, WasmWriter } from "../wasmobj/wasm_writer.js";
import { KernelPanic, panic } from "./services/kern_shutdown.js";
import { describeTrap } from "./linker/linker_errors.js";
import {
  KERNEL_DATA_BASE,
  KERNEL_DATA_END,
  KSTACK_BASE,
  KSTACK_GUARD,
  KSTACK_TOP,
  MEMORY_BYTES,
  NULL_PAGE_END,
  WASM_PAGE,
} from "./vm_layout.js";

/** A symbol in linker file 1 (`kernel`). */
export interface KernelSymbol {
  readonly name: string;
  readonly kind: "func" | "data";
  /** Data: its address in kernel memory; func: its table slot. */
  readonly address: number;
  readonly size: number;
  /** Func: the callable (a wasm exported function from the trampoline). */
  readonly fn?: Function;
  /** Func: the identity used for table-slot sharing ("kernel:printf"). */
  readonly identity?: string;
}

/** What the NULL and guard pages must hold. */
const LOW_PAGES_CLEAN = Buffer.alloc(KSTACK_BASE);

const VALTYPE: Readonly<Record<WasmValType, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

export class KernelCore {
  readonly memory: WebAssembly.Memory;
  /** What every service call gets: memory, consoles, each subsystem's state (kernel_env.ts). */
  readonly env: KernelEnv;
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  /** Linker file 1's symbols by name. */
  readonly symbols = new Map<string, KernelSymbol>();
  private readonly freeSlots: number[] = [];
  /** End of the core kernel data allocated so far. */
  private dataTop = KERNEL_DATA_BASE;
  /** What module code is running (for the watchdog's panic message). */
  private callStack: string[] = [];
  private readonly onCurrentCall: ((what: string | null) => void) | undefined;
  /** The NULL page and the stack guard page, as words and bytes: both must stay zero. */
  private readonly lowPages: Uint32Array;
  private readonly lowBytes: Buffer;

  /**
   * @param makeEnv builds the KernelEnv handed to every service
   *   implementation, around this core's memory (createKernelEnv).
   * @param onCurrentCall told which module function is entered/left, so the
   *   worker can publish it for the daemon's watchdog.
   */
  constructor(
    makeEnv: (memory: WebAssembly.Memory) => KernelEnv,
    onCurrentCall?: (what: string | null) => void,
  ) {
    const pages = MEMORY_BYTES / WASM_PAGE;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.env = makeEnv(this.memory);
    this.lowPages = new Uint32Array(this.memory.buffer, 0, KSTACK_BASE / 4);
    this.lowBytes = Buffer.from(this.memory.buffer, 0, KSTACK_BASE);
    this.table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
    this.stackPointer = new WebAssembly.Global({ value: "i32", mutable: true }, KSTACK_TOP);
    this.onCurrentCall = onCurrentCall;
  }

  /**
   * Install kernel services and data into the table, memory and symbol
   * table.  Call once at boot, before any module is linked.
   * @throws Error on a duplicate name or an exhausted kernel data area
   *   (broken invariants of the service list, not user errors).
   */
  install(services: readonly HostFunction<KernelEnv>[], data: readonly HostData<KernelEnv>[]): void {
    const env = this.env;
    for (const d of data) {
      if (this.symbols.has(d.name)) throw new Error(`kernel_core: duplicate kernel symbol ${d.name}`);
      const align = Math.max(1, d.align);
      const addr = Math.ceil(this.dataTop / align) * align;
      if (addr + d.size > KERNEL_DATA_END) throw new Error(`kernel_core: kernel data area full at ${d.name}`);
      this.dataTop = addr + Math.max(d.size, 1);
      new Uint8Array(this.memory.buffer, addr, d.size).fill(0);
      d.init?.(env, addr);
      this.symbols.set(d.name, { name: d.name, kind: "data", address: addr, size: d.size });
    }
    if (services.length === 0) return;
    for (const s of services) {
      if (this.symbols.has(s.name)) throw new Error(`kernel_core: duplicate kernel symbol ${s.name}`);
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(trampolineModule(services)), {
      env: Object.fromEntries(services.map((s, i) => [`f${i}`, wrapService(s, env)])),
    });
    services.forEach((s, i) => {
      const fn = instance.exports[`f${i}`] as Function;
      const identity = `kernel:${s.name}`;
      const slot = this.allocTableSlot();
      this.table.set(slot, fn);
      this.symbols.set(s.name, { name: s.name, kind: "func", address: slot, size: 0, fn, identity });
    });
  }

  /** Slots below this index have been handed out at least once. */
  private tableTop = 1;

  /**
   * A fresh table slot: a freed one if any, else the next never-used one.
   * The table grows geometrically (growing by one each time copies the
   * whole table: quadratic over many loads).
   */
  allocTableSlot(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.tableTop >= this.table.length) this.table.grow(Math.max(64, this.table.length));
    return this.tableTop++;
  }

  /** Return a slot; it is cleared so a stale function pointer traps. */
  freeTableSlot(slot: number): void {
    if (slot <= 0 || slot >= this.tableTop) throw new Error(`kernel_core: free of bad table slot ${slot}`);
    this.table.set(slot, null);
    this.freeSlots.push(slot);
  }

  /** Table slots in use (slot 0 excluded), for `kld vm`. */
  get tableSlotsInUse(): number {
    return this.tableTop - 1 - this.freeSlots.length;
  }

  private trapCall: string | null = null;
  /**
   * The innermost module function that was running when the last call from
   * the kernel into module code failed (null if it returned normally).
   */
  lastTrapCall: string | null = null;

  /** Name of the module function running now (innermost), or null. */
  get currentCall(): string | null {
    return this.callStack[this.callStack.length - 1] ?? null;
  }

  /**
   * Enter module code: record `what` for the watchdog, save the stack
   * pointer, run `fn`, and restore the stack pointer if it throws (a trap
   * leaves SP wherever the trapping frame had moved it).  A call that
   * returns with SP moved (corrupt or hostile code) is treated as a trap
   * too: otherwise every later call would run on a broken kernel stack.
   *
   * After the call, returning or trapping, the NULL page and the stack
   * guard page must still be zeros (vm_layout.ts): a stack that ran past
   * its end (SP below KSTACK_BASE, the guard page written, or V8's own
   * stack exhausted) panics `kernel stack overflow in FILE:FUNCTION`; a
   * write to the NULL page panics as i386's trap 12 does (page fault).
   * Both checks are one compare of 8 KB, done on every call into module code.
   */
  enter<T>(what: string, fn: () => T): T {
    const sp = this.stackPointer.value as number;
    this.callStack.push(what);
    this.onCurrentCall?.(what);
    try {
      const result = fn();
      this.checkLowPages(what, undefined, this.stackPointer.value as number);
      const after = this.stackPointer.value as number;
      if (after !== sp) {
        throw new WebAssembly.RuntimeError(
          `returned with the stack pointer moved from 0x${sp.toString(16)} to 0x${(after >>> 0).toString(16)} (stack restored)`,
        );
      }
      return result;
    } catch (e) {
      const trapSp = this.stackPointer.value as number;
      this.stackPointer.value = sp;
      // The innermost frame catches first: that is where the trap happened.
      if (this.trapCall === null) this.trapCall = what;
      if (!(e instanceof KernelPanic)) this.checkLowPages(what, e, trapSp);
      throw e;
    } finally {
      this.callStack.pop();
      this.onCurrentCall?.(this.currentCall);
      if (this.callStack.length === 0) {
        this.lastTrapCall = this.trapCall;
        this.trapCall = null;
      }
    }
  }

  /**
   * Panic if module code ran the stack past its end or wrote the NULL page.
   * @param trap what the call threw, if it did not return.
   * @param sp the stack pointer as the call left it.
   */
  private checkLowPages(what: string, trap: unknown, sp: number): void {
    const dirty = this.firstDirtyLowByte();
    const v8Overflow = trap instanceof RangeError && /Maximum call stack/.test(trap.message);
    if (v8Overflow || (trap !== undefined && (sp | 0) < KSTACK_BASE) || (dirty >= KSTACK_GUARD && dirty < KSTACK_BASE)) {
      const inner = trap === undefined ? undefined : describeTrap(trap).backtrace[0];
      const file = what.slice(0, what.indexOf(":"));
      panic(this.env, `kernel stack overflow in ${inner && file ? `${file}:${inner}` : what}`);
    }
    if (dirty >= 0 && dirty < NULL_PAGE_END) {
      this.env.console("Fatal trap 12: page fault while in kernel mode\n");
      this.env.console(`fault virtual address\t= 0x${dirty.toString(16)}\n`);
      this.env.console("fault code\t\t= supervisor write data, page not present\n");
      this.env.console(`current function\t= ${what}\n`);
      panic(this.env, `page fault in ${what}`);
    }
  }

  /** Address of the first nonzero byte of the NULL and guard pages, or -1. */
  private firstDirtyLowByte(): number {
    // The common case, all zeros, is one native compare (memcmp).
    if (this.lowBytes.equals(LOW_PAGES_CLEAN)) return -1;
    const w = this.lowPages;
    for (let i = 0; i < w.length; i++) {
      const v = w[i]!;
      if (v !== 0) return i * 4 + (v & 0xff ? 0 : v & 0xff00 ? 1 : v & 0xff0000 ? 2 : 3);
    }
    return -1;
  }

  /** Call a function through the table (a C function pointer). */
  callPointer(slot: number, what: string, ...args: number[]): number {
    const f = slot > 0 && slot < this.table.length ? this.table.get(slot) : null;
    if (typeof f !== "function") {
      throw new WebAssembly.RuntimeError(`null function pointer ${slot} called in ${what}`);
    }
    return this.enter(what, () => Number(f(...args) ?? 0));
  }

  /** Read a NUL-terminated string from kernel memory (at most `max` bytes). */
  readCString(addr: number, max = 1024): string {
    return cStringOrEmpty(new Uint8Array(this.memory.buffer), addr, max);
  }

  readU32(addr: number): number {
    return new DataView(this.memory.buffer).getUint32(addr, true);
  }

  readI32(addr: number): number {
    return new DataView(this.memory.buffer).getInt32(addr, true);
  }
}

/** Give the service its KernelEnv as first argument. */
function wrapService(s: HostFunction<KernelEnv>, env: KernelEnv): (...args: (number | bigint)[]) => number | bigint | undefined {
  const impl = s.impl as (env: KernelEnv, ...a: (number | bigint)[]) => number | bigint | void;
  return (...args) => {
    const r = impl(env, ...args);
    return r === undefined ? undefined : r;
  };
}

/**
 * A module that imports env.f<i> with each service's signature and exports
 * it again under the same name.
 */
function trampolineModule(services: readonly HostFunction<KernelEnv>[]): Uint8Array<ArrayBuffer> {
  const types = new WasmWriter();
  const typeKey = new Map<string, number>();
  const typeOf = services.map((s) => {
    const key = `${s.params.join(",")}:${s.results.join(",")}`;
    let t = typeKey.get(key);
    if (t === undefined) {
      t = typeKey.size;
      typeKey.set(key, t);
      types.u8(0x60).u32(s.params.length);
      for (const p of s.params) types.u8(VALTYPE[p]);
      types.u32(s.results.length);
      for (const r of s.results) types.u8(VALTYPE[r]);
    }
    return t;
  });
  const imports = new WasmWriter().u32(services.length);
  const exports = new WasmWriter().u32(services.length);
  services.forEach((_, i) => {
    imports.name("env").name(`f${i}`).u8(0x00).u32(typeOf[i]!);
    exports.name(`f${i}`).u8(0x00).u32(i);
  });
  const typeSec = new WasmWriter().u32(typeKey.size).bytes(types.finish());
  return new WasmWriter()
    .bytes(WASM_HEADER)
    .section(1, typeSec)
    .section(2, imports)
    .section(7, exports)
    .finish();
}
