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
import { IMPORT_MODULE, emitModule } from "./emit.js";
import { layoutData } from "../../wasmobj/layout.js";
import {
  RelocType,
  SymFlag,
  type DataSymbol,
  type LinkEnv,
  type LinkedObject,
  type LinkedSymbol,
  type Relocation,
  type ResolvedFunc,
  type WasmObject,
} from "../../wasmobj/object_types.js";
import { isTableIndexReloc, patchField } from "./relocate.js";
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

function link(obj: WasmObject, env: LinkEnv, allocated: number[], timings?: LinkTimings): LinkedObject {
  const file = obj.filename;
  const layout = layoutData(obj);
  const base = env.dataBase;
  const segAddr = layout.segmentAddressOffset.map((o) => base + o);
  const symbols = obj.symbols;
  if (base < 0 || base + layout.size > env.memory.buffer.byteLength) {
    throw new KernelError("ENOMEM", file, `data base 0x${base.toString(16)} + ${layout.size} bytes lies outside kernel memory`);
  }

  // Linker sets: the bounds of each set_* group (laid out contiguously).
  const sets = new Map<string, { start: number; stop: number }>();
  obj.dataSegments.forEach((seg, i) => {
    if (!seg.name.startsWith("set_")) return;
    const key = seg.name.slice(4);
    const start = segAddr[i]!;
    const stop = start + seg.size;
    const cur = sets.get(key);
    if (!cur) sets.set(key, { start, stop });
    else sets.set(key, { start: Math.min(cur.start, start), stop: Math.max(cur.stop, stop) });
  });

  // Own defined data, for undefined names the object defines itself (file zone first).
  const ownData = new Map<string, number>();
  const dataAddress = (s: DataSymbol): number =>
    s.segment < 0 ? s.offset : segAddr[s.segment]! + s.offset;
  for (const s of symbols) {
    if (s.kind === "data" && !s.undefined && s.binding !== "local") ownData.set(s.name, dataAddress(s));
  }

  // ---- resolve -------------------------------------------------------------
  const symValue = new Array<number>(symbols.length).fill(0);
  /** Function index -> resolved import (undefined = unresolved weak). */
  const importFn = new Array<ResolvedFunc | undefined>(obj.numImportedFuncs);
  const importFnSymbol = new Array<string>(obj.numImportedFuncs);
  const importWeakOnly = new Array<boolean>(obj.numImportedFuncs).fill(true);
  for (const s of symbols) {
    if (s.kind === "func" && s.undefined) {
      importFnSymbol[s.elementIndex] ??= s.name;
      if (s.binding !== "weak") importWeakOnly[s.elementIndex] = false;
    }
  }
  for (let f = 0; f < obj.numImportedFuncs; f++) {
    const name = importFnSymbol[f] ?? importField(obj, f);
    const r = env.resolve(name, "func");
    if (r === undefined) {
      if (!importWeakOnly[f] || importFnSymbol[f] === undefined) throw undefinedSymbol(file, name);
      continue;
    }
    if (r.kind !== "func") {
      throw new KernelError("ENOEXEC", file, `symbol ${name} is data in the kernel but called as a function here`);
    }
    importFn[f] = r;
  }

  for (const s of symbols) {
    switch (s.kind) {
      case "func":
      case "global":
      case "table":
        symValue[s.index] = s.elementIndex;
        break;
      case "data": {
        if (!s.undefined) {
          symValue[s.index] = dataAddress(s);
          break;
        }
        const m = /^__(start|stop)_set_(.+)$/.exec(s.name);
        if (m) {
          // link_elf_fix_link_set: this file's own set; an absent set is empty.
          const set = sets.get(m[2]!);
          const at = set ? (m[1] === "start" ? set.start : set.stop) : base;
          symValue[s.index] = at;
          break;
        }
        const own = ownData.get(s.name);
        if (own !== undefined) {
          symValue[s.index] = own;
          break;
        }
        const r = env.resolve(s.name, "data");
        if (r === undefined) {
          if (s.binding === "weak") break; // weak undefined: address 0
          throw undefinedSymbol(file, s.name);
        }
        if (r.kind !== "data") {
          throw new KernelError("ENOEXEC", file, `symbol ${s.name} is a function in the kernel but used as data here`);
        }
        symValue[s.index] = r.address;
        break;
      }
      default:
        break;
    }
  }

  // ---- table slots -----------------------------------------------------------
  // Defined functions get a slot when their address is taken or when they are
  // published (the symbol's address is its slot); foreign ones use the slot
  // their identity already has.
  const totalFuncs = obj.numImportedFuncs + obj.functions.length;
  const ownSlot = new Int32Array(totalFuncs); // function index -> slot (0 = none yet)
  let maxSlot = 0;
  const elems: [number, number][] = [];
  const slotForDefined = (funcIndex: number): number => {
    let slot = ownSlot[funcIndex]!;
    if (slot === 0) {
      slot = env.allocTableSlot();
      allocated.push(slot);
      if (slot <= 0) throw new KernelError("ENOEXEC", file, `table allocator returned slot ${slot}`);
      if (slot > maxSlot) maxSlot = slot;
      ownSlot[funcIndex] = slot;
      elems.push([slot, funcIndex]);
    }
    return slot;
  };
  const slotValue = new Array<number>(symbols.length).fill(0);
  const slotDone = new Uint8Array(symbols.length);
  const tableSlotOf = (symIndex: number): number => {
    if (slotDone[symIndex]) return slotValue[symIndex]!;
    const s = symbols[symIndex]!;
    let slot = 0;
    if (s.kind === "func") {
      if (!s.undefined) slot = slotForDefined(s.elementIndex);
      else {
        const r = importFn[s.elementIndex];
        slot = r ? env.tableSlotFor(r) : 0; // unresolved weak: NULL
      }
    }
    slotDone[symIndex] = 1;
    slotValue[symIndex] = slot;
    return slot;
  };

  // Exported function indices (a flag array, so the export list comes out sorted).
  const exportFuncs = new Uint8Array(totalFuncs);
  const published = new Map<string, LinkedSymbol>();
  /** Function symbols to publish once the instance exists: name, index, binding, slot. */
  const pendingFuncs: [string, number, "global" | "weak", number][] = [];
  for (const s of symbols) {
    if (s.undefined || s.binding === "local") continue;
    if (s.kind === "func") {
      const slot = tableSlotOf(s.index);
      exportFuncs[s.elementIndex] = 1;
      pendingFuncs.push([s.name, s.elementIndex, s.binding, slot]);
    } else if (s.kind === "data") {
      published.set(s.name, { kind: "data", binding: s.binding, address: symValue[s.index]!, size: s.size });
    }
  }
  const initOrder = [...obj.initFuncs].sort((a, b) => a.priority - b.priority);
  for (const f of initOrder) {
    const s = symbols[f.symbol]!;
    if (s.kind === "func" && !s.undefined) exportFuncs[s.elementIndex] = 1;
  }

  // ---- relocate CODE --------------------------------------------------------
  const valueOf = (r: Relocation): number => {
    if (r.type === RelocType.TYPE_INDEX_LEB) return r.index;
    if (isTableIndexReloc(r.type)) return tableSlotOf(r.index);
    return symValue[r.index]! + r.addend;
  };
  let code: Uint8Array | undefined;
  if (obj.codeSection) {
    code = obj.bytes.slice(obj.codeSection.start, obj.codeSection.end);
    for (const r of obj.codeRelocations) patchField(code, r.offset, r.type, valueOf(r));
  }

  // Data relocations are applied after instantiation, but their slots must be
  // in this module's ELEM section: allocate them now.
  for (const r of obj.dataRelocations) if (isTableIndexReloc(r.type)) tableSlotOf(r.index);

  // (Checked once: Table.length is a call into the engine.)
  if (maxSlot >= env.table.length) {
    throw new KernelError("ENOEXEC", file, `table allocator returned slot ${maxSlot} outside the table (length ${env.table.length})`);
  }

  // ---- emit, compile, instantiate ---------------------------------------------
  const functionNames = functionNameList(obj);
  const exportList: number[] = [];
  const exportPos = new Int32Array(totalFuncs).fill(-1);
  for (let f = 0; f < totalFuncs; f++) {
    if (exportFuncs[f]) {
      exportPos[f] = exportList.length;
      exportList.push(f);
    }
  }
  const emitted = emitModule({
    obj,
    code,
    sharedMemory: typeof SharedArrayBuffer !== "undefined" && env.memory.buffer instanceof SharedArrayBuffer,
    needTable: elems.length > 0,
    exportFuncs: exportList,
    elems: elems.sort((a, b) => a[0] - b[0]),
    functionNames,
  });
  const imports: Record<string, WebAssembly.ImportValue> = {};
  let fi = 0;
  obj.imports.forEach((im, i) => {
    const field = emitted.fields[i]!;
    switch (im.kind) {
      case "func": {
        const f = fi++;
        const r = importFn[f];
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
          throw new KernelError("ENOEXEC", file, `unsupported global import ${im.module}.${im.field}`);
        }
        imports[field] = env.stackPointer;
        break;
    }
  });
  if (emitted.memoryField === "memory") imports["memory"] = env.memory;
  if (emitted.tableField === "table") imports["table"] = env.table;

  let instance: WebAssembly.Instance;
  try {
    const t0 = timings ? performance.now() : 0;
    const mod = new WebAssembly.Module(emitted.bytes);
    const t1 = timings ? performance.now() : 0;
    instance = new WebAssembly.Instance(mod, { [IMPORT_MODULE]: imports });
    if (timings) {
      timings.compileMs += t1 - t0;
      timings.instantiateMs += performance.now() - t1;
    }
  } catch (e) {
    throw new KernelError("ENOEXEC", file, engineError(e, obj, importFnSymbol));
  }

  // ---- copy data into kernel memory, then relocate it in place -----------------
  const mem = new Uint8Array(env.memory.buffer);
  mem.fill(0, base, base + layout.size);
  const ds = obj.dataSection;
  if (ds) {
    obj.dataSegments.forEach((seg, i) => {
      const from = ds.start + seg.offsetInSection;
      mem.set(obj.bytes.subarray(from, from + seg.size), segAddr[i]!);
    });
    for (const r of obj.dataRelocations) {
      const seg = segmentAt(obj.dataSegments, r.offset);
      const at = segAddr[seg]! + (r.offset - obj.dataSegments[seg]!.offsetInSection);
      let v = valueOf(r);
      if (r.type === RelocType.MEMORY_ADDR_LOCREL_I32) v -= at;
      patchField(mem, at, r.type, v);
    }
  }

  // ---- publish ------------------------------------------------------------------
  // The exports object lists the exports in section order: index it by
  // position instead of building 2,000 "f<n>" keys.
  const exported = Object.values(instance.exports) as Function[];
  // A function's size is its code body's, as nm -S reports for ELF.
  const firstDefined = obj.numImportedFuncs;
  for (const [name, idx, binding, slot] of pendingFuncs) {
    const fn = exported[exportPos[idx]!]!;
    const size = obj.functionBodies[idx - firstDefined]?.size ?? 0;
    published.set(name, { kind: "func", binding, address: slot, size, fn, identity: `${file}:${name}` });
  }

  return {
    instance,
    symbols: published,
    localFunctionNames: functionNames,
    tableSlots: allocated.slice(),
    sets,
    moduleBytes: emitted.bytes,
    runInitFunctions(): void {
      for (const f of initOrder) {
        const s = symbols[f.symbol]!;
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
