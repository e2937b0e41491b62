/**
 * linkObject: resolve, relocate, copy data, emit, compile and instantiate one
 * validated object at the base the kernel allocated for it.
 *
 * Called by the kernel's wasm linker class (src/kern/link_wasm_obj.ts) after
 * readObject and layoutData and the page allocation; it is the body of
 * FreeBSD's link_elf_obj.c relocate_file() + link_elf_fix_link_set() +
 * the final "make the code runnable" step, which for us is compiling and
 * instantiating a wasm module (wasm-linking.md §2, the proven recipe).
 *
 * link() names the stages in order (resolveImports, resolveSymbols,
 * publishSymbols, relocateCode, reserveDataRelocationSlots, emit,
 * instantiate, copyAndRelocateData, finish); ObjectLink holds what they
 * share.  The order is part of the behaviour: table slots are allocated in
 * it, so a file's function addresses do not depend on how the code is cut.
 *
 * The kernel supplies a LinkEnv: the shared memory, table and stack pointer,
 * its symbol lookup (symbol zones and references are its business) and its
 * table allocator.  One exit path unwinds what this function did (the table
 * slots it allocated) when anything fails; data written into the caller's
 * pages is the caller's to free with the pages.
 *
 * Errors (KernelError, subject = the object's filename):
 *   ENOENT   an undefined strong symbol (`symbol bar undefined`);
 *   ENOEXEC  anything the kernel cannot provide (an unknown global import),
 *            and V8's CompileError/LinkError (a prototype mismatch between
 *            files: "imported function does not match the expected type").
 */
import { KernelError } from "../../errno/kernel_error.js";
import { IMPORT_MODULE, emitModule, type EmittedModule } from "./emit.js";
import { layoutData } from "../../wasmobj/layout.js";
import {
  RelocType,
  SymFlag,
  type DataSymbol,
  type InitFunc,
  type LinkEnv,
  type LinkedObject,
  type LinkedSymbol,
  type Relocation,
  type ResolvedFunc,
  type WasmObject,
} from "../../wasmobj/object_types.js";
import { isTableIndexReloc, patchField } from "../../wasmobj/relocate.js";
import { segmentAt } from "../../wasmobj/wasm_object.js";

/** Per-signature trapping functions for weak undefined functions (wasm-ld's undefined_weak: stubs). */
const stubCache = new Map<string, Function>();

function trapStub(params: readonly number[], results: readonly number[]): Function {
  const key = `${params.join(",")}:${results.join(",")}`;
  const hit = stubCache.get(key);
  if (hit) return hit;
  const type = [0x60, params.length, ...params, results.length, ...results];
  const body = [0x00, 0x00, 0x0b]; // no locals; unreachable; end
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, type.length + 1, 1, ...type,
    0x03, 2, 1, 0,
    0x07, 8, 1, 4, 0x73, 0x74, 0x75, 0x62, 0x00, 0,
    0x0a, body.length + 2, 1, body.length, ...body,
  ]);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  const fn = inst.exports["stub"] as Function;
  stubCache.set(key, fn);
  return fn;
}

/** A LinkEnv failure mode: the error to throw, after the unwind. */
function undefinedSymbol(file: string, name: string): KernelError {
  return new KernelError("ENOENT", file, `symbol ${name} undefined`);
}

/**
 * Link `obj` into the running kernel.  See the file comment for the errors.
 * On success the caller owns `tableSlots` (free them on unload) and must
 * record each published function's slot under its identity, so that later
 * files taking its address (tableSlotFor) get the same slot.
 */
export function linkObject(obj: WasmObject, env: LinkEnv, timings?: LinkTimings): LinkedObject {
  const allocated: number[] = [];
  try {
    return link(obj, env, allocated, timings);
  } catch (e) {
    // The one unwind path: give back every slot this link took.
    for (let i = allocated.length - 1; i >= 0; i--) env.freeTableSlot(allocated[i]!);
    throw e;
  }
}

/** Optional breakdown of one linkObject call, in milliseconds (the benchmark reads it). */
export interface LinkTimings {
  compileMs: number;
  instantiateMs: number;
}

/**
 * DESIGN §3 stages 5 and 6 for one object, in order.  Stage 1 (read and
 * validate) is readObject's, stages 2-3 (layout, pages) the caller's;
 * ObjectLink recomputes the layout to place the segments at env.dataBase.
 */
function link(obj: WasmObject, env: LinkEnv, allocated: number[], timings?: LinkTimings): LinkedObject {
  const l = new ObjectLink(obj, env, allocated);
  l.resolveImports();
  l.resolveSymbols();
  l.publishSymbols();
  const code = l.relocateCode();
  l.reserveDataRelocationSlots();
  const emitted = l.emit(code);
  const instance = l.instantiate(emitted, timings);
  l.copyAndRelocateData();
  return l.finish(instance, emitted);
}

/** The state of one link, stage by stage: see link() for the order. */
class ObjectLink {
  readonly file: string;
  readonly base: number;
  readonly size: number;
  /** Absolute address of each data segment. */
  readonly segAddr: readonly number[];
  /** Linker sets: the bounds of each set_* group (laid out contiguously). */
  readonly sets = new Map<string, { start: number; stop: number }>();
  /** Each symbol's value: data address, or function/global/table index. */
  readonly symValue: number[];
  /** Function index -> resolved import (undefined = unresolved weak). */
  readonly importFn: (ResolvedFunc | undefined)[];
  /** Function index -> the first undefined symbol naming that import. */
  readonly importFnSymbol: string[];
  readonly totalFuncs: number;
  /** Function index -> its table slot (0 = none yet). */
  private readonly ownSlot: Int32Array;
  private maxSlot = 0;
  /** (slot, function index) pairs the module's ELEM section places. */
  private readonly elems: [number, number][] = [];
  private readonly slotValue: number[];
  private readonly slotDone: Uint8Array;
  /** Exported function indices (a flag array, so the export list comes out sorted). */
  private readonly exportFuncs: Uint8Array;
  /** Function symbols to publish once the instance exists: name, index, binding, slot. */
  private readonly pendingFuncs: [string, number, "global" | "weak", number][] = [];
  readonly published = new Map<string, LinkedSymbol>();
  readonly initOrder: InitFunc[];
  /** Function index -> position in the export list, -1 if not exported. */
  private exportPos: Int32Array = new Int32Array(0);
  private functionNames: string[] = [];

  constructor(
    readonly obj: WasmObject,
    readonly env: LinkEnv,
    private readonly allocated: number[],
  ) {
    this.file = obj.filename;
    const layout = layoutData(obj);
    this.base = env.dataBase;
    this.size = layout.size;
    if (this.base < 0 || this.base + this.size > env.memory.buffer.byteLength) {
      throw new KernelError("ENOMEM", this.file, `data base 0x${this.base.toString(16)} + ${this.size} bytes lies outside kernel memory`);
    }
    this.segAddr = layout.segmentAddressOffset.map((o) => this.base + o);
    this.findSets();
    const n = obj.symbols.length;
    this.symValue = new Array<number>(n).fill(0);
    this.slotValue = new Array<number>(n).fill(0);
    this.slotDone = new Uint8Array(n);
    this.importFn = new Array<ResolvedFunc | undefined>(obj.numImportedFuncs);
    this.importFnSymbol = new Array<string>(obj.numImportedFuncs);
    this.totalFuncs = obj.numImportedFuncs + obj.functions.length;
    this.ownSlot = new Int32Array(this.totalFuncs);
    this.exportFuncs = new Uint8Array(this.totalFuncs);
    this.initOrder = [...obj.initFuncs].sort((a, b) => a.priority - b.priority);
  }

  private findSets(): void {
    this.obj.dataSegments.forEach((seg, i) => {
      if (!seg.name.startsWith("set_")) return;
      const key = seg.name.slice(4);
      const start = this.segAddr[i]!;
      const stop = start + seg.size;
      const cur = this.sets.get(key);
      if (!cur) this.sets.set(key, { start, stop });
      else this.sets.set(key, { start: Math.min(cur.start, start), stop: Math.max(cur.stop, stop) });
    });
  }

  private dataAddress(s: DataSymbol): number {
    return s.segment < 0 ? s.offset : this.segAddr[s.segment]! + s.offset;
  }

  /** Stage 5 for functions: each import through the kernel's lookup; a weak one may stay unresolved. */
  resolveImports(): void {
    const { obj } = this;
    const weakOnly = new Array<boolean>(obj.numImportedFuncs).fill(true);
    for (const s of obj.symbols) {
      if (s.kind === "func" && s.undefined) {
        this.importFnSymbol[s.elementIndex] ??= s.name;
        if (s.binding !== "weak") weakOnly[s.elementIndex] = false;
      }
    }
    for (let f = 0; f < obj.numImportedFuncs; f++) {
      const name = this.importFnSymbol[f] ?? importField(obj, f);
      const r = this.env.resolve(name, "func");
      if (r === undefined) {
        if (!weakOnly[f] || this.importFnSymbol[f] === undefined) throw undefinedSymbol(this.file, name);
        continue;
      }
      if (r.kind !== "func") {
        throw new KernelError("ENOEXEC", this.file, `symbol ${name} is data in the kernel but called as a function here`);
      }
      this.importFn[f] = r;
    }
  }

  /** Stage 5 for every symbol: its value (data symbols: file zone, then the kernel's lookup). */
  resolveSymbols(): void {
    // Own defined data, for undefined names the object defines itself (file zone first).
    const ownData = new Map<string, number>();
    for (const s of this.obj.symbols) {
      if (s.kind === "data" && !s.undefined && s.binding !== "local") ownData.set(s.name, this.dataAddress(s));
    }
    for (const s of this.obj.symbols) {
      if (s.kind === "func" || s.kind === "global" || s.kind === "table") this.symValue[s.index] = s.elementIndex;
      else if (s.kind === "data") this.symValue[s.index] = s.undefined ? this.undefinedDataValue(s, ownData) : this.dataAddress(s);
    }
  }

  private undefinedDataValue(s: DataSymbol, ownData: ReadonlyMap<string, number>): number {
    const m = /^__(start|stop)_set_(.+)$/.exec(s.name);
    if (m) {
      // link_elf_fix_link_set: this file's own set; an absent set is empty.
      const set = this.sets.get(m[2]!);
      return set ? (m[1] === "start" ? set.start : set.stop) : this.base;
    }
    const own = ownData.get(s.name);
    if (own !== undefined) return own;
    const r = this.env.resolve(s.name, "data");
    if (r === undefined) {
      if (s.binding === "weak") return 0; // weak undefined: address 0
      throw undefinedSymbol(this.file, s.name);
    }
    if (r.kind !== "data") {
      throw new KernelError("ENOEXEC", this.file, `symbol ${s.name} is a function in the kernel but used as data here`);
    }
    return r.address;
  }

  /**
   * A defined function's slot, allocated on first use.  Defined functions
   * get a slot when their address is taken or when they are published (the
   * symbol's address is its slot).
   */
  private slotForDefined(funcIndex: number): number {
    let slot = this.ownSlot[funcIndex]!;
    if (slot === 0) {
      slot = this.env.allocTableSlot();
      this.allocated.push(slot);
      if (slot <= 0) throw new KernelError("ENOEXEC", this.file, `table allocator returned slot ${slot}`);
      if (slot > this.maxSlot) this.maxSlot = slot;
      this.ownSlot[funcIndex] = slot;
      this.elems.push([slot, funcIndex]);
    }
    return slot;
  }

  /** A function symbol's table slot: its own, or the one its foreign identity already has. */
  tableSlotOf(symIndex: number): number {
    if (this.slotDone[symIndex]) return this.slotValue[symIndex]!;
    const s = this.obj.symbols[symIndex]!;
    let slot = 0;
    if (s.kind === "func") {
      if (!s.undefined) slot = this.slotForDefined(s.elementIndex);
      else {
        const r = this.importFn[s.elementIndex];
        slot = r ? this.env.tableSlotFor(r) : 0; // unresolved weak: NULL
      }
    }
    this.slotDone[symIndex] = 1;
    this.slotValue[symIndex] = slot;
    return slot;
  }

  /** Choose what the file publishes: global data now, functions (with slots) once instantiated. */
  publishSymbols(): void {
    for (const s of this.obj.symbols) {
      if (s.undefined || s.binding === "local") continue;
      if (s.kind === "func") {
        const slot = this.tableSlotOf(s.index);
        this.exportFuncs[s.elementIndex] = 1;
        this.pendingFuncs.push([s.name, s.elementIndex, s.binding, slot]);
      } else if (s.kind === "data") {
        this.published.set(s.name, { kind: "data", binding: s.binding, address: this.symValue[s.index]!, size: s.size });
      }
    }
    for (const f of this.initOrder) {
      const s = this.obj.symbols[f.symbol]!;
      if (s.kind === "func" && !s.undefined) this.exportFuncs[s.elementIndex] = 1;
    }
  }

  /** The value a relocation writes. */
  valueOf(r: Relocation): number {
    if (r.type === RelocType.TYPE_INDEX_LEB) return r.index;
    if (isTableIndexReloc(r.type)) return this.tableSlotOf(r.index);
    return this.symValue[r.index]! + r.addend;
  }

  /** Stage 6: a relocated copy of the CODE payload. */
  relocateCode(): Uint8Array | undefined {
    const { obj } = this;
    if (!obj.codeSection) return undefined;
    const code = obj.bytes.slice(obj.codeSection.start, obj.codeSection.end);
    for (const r of obj.codeRelocations) patchField(code, r.offset, r.type, this.valueOf(r));
    return code;
  }

  /**
   * Data relocations are applied after instantiation, but their slots must
   * be in this module's ELEM section: allocate them now.
   */
  reserveDataRelocationSlots(): void {
    for (const r of this.obj.dataRelocations) if (isTableIndexReloc(r.type)) this.tableSlotOf(r.index);
    // (Checked once: Table.length is a call into the engine.)
    if (this.maxSlot >= this.env.table.length) {
      throw new KernelError("ENOEXEC", this.file, `table allocator returned slot ${this.maxSlot} outside the table (length ${this.env.table.length})`);
    }
  }

  /** Stage 6: the final module (emit.ts). */
  emit(code: Uint8Array | undefined): EmittedModule {
    this.functionNames = functionNameList(this.obj);
    const exportList: number[] = [];
    this.exportPos = new Int32Array(this.totalFuncs).fill(-1);
    for (let f = 0; f < this.totalFuncs; f++) {
      if (this.exportFuncs[f]) {
        this.exportPos[f] = exportList.length;
        exportList.push(f);
      }
    }
    return emitModule({
      obj: this.obj,
      code,
      sharedMemory: typeof SharedArrayBuffer !== "undefined" && this.env.memory.buffer instanceof SharedArrayBuffer,
      needTable: this.elems.length > 0,
      exportFuncs: exportList,
      elems: this.elems.sort((a, b) => a[0] - b[0]),
      functionNames: this.functionNames,
    });
  }

  /** The import object: resolved functions (trap stubs for unresolved weak ones), memory, table, stack pointer. */
  private importObject(emitted: EmittedModule): Record<string, WebAssembly.ImportValue> {
    const { obj, env } = this;
    const imports: Record<string, WebAssembly.ImportValue> = {};
    let fi = 0;
    obj.imports.forEach((im, i) => {
      const field = emitted.fields[i]!;
      switch (im.kind) {
        case "func": {
          const r = this.importFn[fi++];
          const t = obj.types[im.typeIndex]!;
          imports[field] = (r ? r.fn : trapStub(t.params, t.results)) as WebAssembly.ImportValue;
          break;
        }
        case "memory":
          imports[field] = env.memory;
          break;
        case "table":
          imports[field] = env.table;
          break;
        case "global":
          if (im.field !== "__stack_pointer" || im.valType !== 0x7f || !im.mutable) {
            throw new KernelError("ENOEXEC", this.file, `unsupported global import ${im.module}.${im.field}`);
          }
          imports[field] = env.stackPointer;
          break;
      }
    });
    if (emitted.memoryField === "memory") imports["memory"] = env.memory;
    if (emitted.tableField === "table") imports["table"] = env.table;
    return imports;
  }

  /** Stage 6: compile and instantiate; V8's CompileError/LinkError become ENOEXEC. */
  instantiate(emitted: EmittedModule, timings?: LinkTimings): WebAssembly.Instance {
    const imports = this.importObject(emitted);
    try {
      const t0 = timings ? performance.now() : 0;
      const mod = new WebAssembly.Module(emitted.bytes);
      const t1 = timings ? performance.now() : 0;
      const instance = new WebAssembly.Instance(mod, { [IMPORT_MODULE]: imports });
      if (timings) {
        timings.compileMs += t1 - t0;
        timings.instantiateMs += performance.now() - t1;
      }
      return instance;
    } catch (e) {
      throw new KernelError("ENOEXEC", this.file, engineError(e, this.obj, this.importFnSymbol));
    }
  }

  /** Copy the data into kernel memory (bss zeroed), then relocate it in place. */
  copyAndRelocateData(): void {
    const { obj } = this;
    const mem = new Uint8Array(this.env.memory.buffer);
    mem.fill(0, this.base, this.base + this.size);
    const ds = obj.dataSection;
    if (!ds) return;
    obj.dataSegments.forEach((seg, i) => {
      const from = ds.start + seg.offsetInSection;
      mem.set(obj.bytes.subarray(from, from + seg.size), this.segAddr[i]!);
    });
    for (const r of obj.dataRelocations) {
      const seg = segmentAt(obj.dataSegments, r.offset);
      const at = this.segAddr[seg]! + (r.offset - obj.dataSegments[seg]!.offsetInSection);
      let v = this.valueOf(r);
      if (r.type === RelocType.MEMORY_ADDR_LOCREL_I32) v -= at;
      patchField(mem, at, r.type, v);
    }
  }

  /** Publish the functions (now callable) and hand the caller the linked object. */
  finish(instance: WebAssembly.Instance, emitted: EmittedModule): LinkedObject {
    const { obj } = this;
    // The exports object lists the exports in section order: index it by
    // position instead of building 2,000 "f<n>" keys.
    const exported = Object.values(instance.exports) as Function[];
    // A function's size is its code body's, as nm -S reports for ELF.
    const firstDefined = obj.numImportedFuncs;
    for (const [name, idx, binding, slot] of this.pendingFuncs) {
      const fn = exported[this.exportPos[idx]!]!;
      const size = obj.functionBodies[idx - firstDefined]?.size ?? 0;
      this.published.set(name, { kind: "func", binding, address: slot, size, fn, identity: `${this.file}:${name}` });
    }
    const { initOrder, importFn, exportPos } = this;
    return {
      instance,
      symbols: this.published,
      localFunctionNames: this.functionNames,
      tableSlots: this.allocated.slice(),
      sets: this.sets,
      moduleBytes: emitted.bytes,
      runInitFunctions(): void {
        for (const f of initOrder) {
          const s = obj.symbols[f.symbol]!;
          if (s.kind !== "func") continue;
          if (s.undefined) {
            const r = importFn[s.elementIndex];
            if (r) (r.fn as () => unknown)();
            continue;
          }
          (exported[exportPos[s.elementIndex]!] as () => unknown)();
        }
      },
    };
  }
}

/** The field name of function import number `f`. */
function importField(obj: WasmObject, f: number): string {
  let k = 0;
  for (const im of obj.imports) {
    if (im.kind !== "func") continue;
    if (k++ === f) return im.field;
  }
  return `function ${f}`;
}

/** A C name for every function index: the first global symbol, else any symbol. */
function functionNameList(obj: WasmObject): string[] {
  const total = obj.numImportedFuncs + obj.functions.length;
  const names = new Array<string>(total).fill("");
  for (const s of obj.symbols) {
    if (s.kind !== "func") continue;
    if (names[s.elementIndex] === "" || (s.flags & SymFlag.BINDING_LOCAL) === 0) names[s.elementIndex] = s.name;
  }
  for (let i = 0; i < total; i++) if (names[i] === "") names[i] = `${obj.filename}#${i}`;
  return names;
}

/** V8's CompileError/LinkError message, with import numbers turned into symbol names. */
function engineError(e: unknown, obj: WasmObject, importFnSymbol: readonly string[]): string {
  const msg = e instanceof Error ? e.message : String(e);
  const m = /Import #(\d+)[^:]*: (.*)$/.exec(msg);
  if (m) {
    const idx = Number(m[1]);
    const im = obj.imports[idx];
    if (im?.kind === "func") {
      let f = 0;
      for (let i = 0; i < idx; i++) if (obj.imports[i]!.kind === "func") f++;
      const name = importFnSymbol[f] ?? im.field;
      return `symbol ${name}: ${m[2]} (prototype mismatch between files?)`;
    }
    return `import ${im ? `${im.module}.${im.field}` : idx}: ${m[2]}`;
  }
  const short = msg.replace(/^WebAssembly\.(Module|Instance)\(\): /, "");
  return e instanceof WebAssembly.CompileError ? `invalid code: ${short}` : short;
}
