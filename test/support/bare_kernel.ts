/**
 * Test helper: a standalone kernel for linkObject — one memory, one table
 * (slot 0 null), a stack pointer, a bump allocator for data, a first-fit
 * slot allocator, and a global symbol table fed by each linked object.
 */
import { layoutData } from "../../src/wasmobj/layout.js";
import { linkObject } from "../../src/kern/linker/link_object.js";
import type { LinkEnv, LinkedObject, Resolved, ResolvedFunc, WasmObject } from "../../src/wasmobj/object_types.js";

export class BareKernel {
  readonly memory: WebAssembly.Memory;
  readonly table = new WebAssembly.Table({ element: "anyfunc", initial: 1 });
  readonly stackPointer = new WebAssembly.Global({ value: "i32", mutable: true }, 0x10000);
  readonly host = new Map<string, Function>();
  readonly hostData = new Map<string, number>();
  readonly symbols = new Map<string, Resolved>();
  readonly slotOf = new Map<string, number>();
  readonly freeSlots: number[] = [];
  next = 0x20000;
  output: string[] = [];

  constructor(opts: { shared?: boolean } = {}) {
    this.memory = opts.shared
      ? new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true })
      : new WebAssembly.Memory({ initial: 64 });
    this.host.set("kputs", (p: number) => {
      this.output.push(this.cstr(p));
      return 0;
    });
  }

  cstr(p: number): string {
    const m = new Uint8Array(this.memory.buffer);
    let e = p;
    while (m[e] !== 0) e++;
    return Buffer.from(m.subarray(p, e)).toString("latin1");
  }

  u32(addr: number): number {
    return new DataView(this.memory.buffer).getUint32(addr, true);
  }

  env(base: number): LinkEnv {
    return {
      dataBase: base,
      memory: this.memory,
      table: this.table,
      stackPointer: this.stackPointer,
      resolve: (name, kind) => {
        const s = this.symbols.get(name);
        if (s) return s;
        if (kind === "func") {
          const h = this.host.get(name);
          if (h) return { kind: "func", fn: h, identity: `kernel:${name}` };
        }
        const d = this.hostData.get(name);
        if (d !== undefined) return { kind: "data", address: d };
        return undefined;
      },
      tableSlotFor: (fn: ResolvedFunc) => {
        let s = this.slotOf.get(fn.identity);
        if (s === undefined) {
          // A host function: the real kernel installs those through a
          // trampoline at boot; here the slot just stays null.
          this.table.grow(1);
          s = this.table.length - 1;
          this.slotOf.set(fn.identity, s);
        }
        return s;
      },
      allocTableSlot: () => {
        const s = this.freeSlots.pop();
        if (s !== undefined) return s;
        this.table.grow(1);
        return this.table.length - 1;
      },
      freeTableSlot: (slot) => {
        this.table.set(slot, null);
        this.freeSlots.push(slot);
      },
    };
  }

  load(obj: WasmObject): LinkedObject {
    const lay = layoutData(obj);
    const base = Math.ceil(this.next / 4096) * 4096;
    const linked = linkObject(obj, this.env(base));
    this.next = base + lay.size;
    for (const [name, s] of linked.symbols) {
      if (s.kind === "func") {
        this.symbols.set(name, { kind: "func", fn: s.fn!, identity: s.identity! });
        this.slotOf.set(s.identity!, s.address);
      } else {
        this.symbols.set(name, { kind: "data", address: s.address });
      }
    }
    return linked;
  }

  call(linked: LinkedObject, name: string, ...args: number[]): number {
    const s = linked.symbols.get(name);
    if (!s?.fn) throw new Error(`no function ${name}`);
    return (s.fn as (...a: number[]) => number)(...args);
  }
}
