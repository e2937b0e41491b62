/**
 * The final-module writer: turns a relocated object into the wasm module the
 * kernel compiles and instantiates.
 *
 * Called by link_object.ts only.  Following the recipe of wasm-linking.md
 * §2.1 step 7, the import order (hence every function, global and table
 * index) is kept, so nothing but the relocated fields changes:
 *   TYPE, FUNCTION, GLOBAL  copied verbatim;
 *   IMPORT                  rewritten: every import renamed to ("k", "<n>"),
 *                           the memory and table become the kernel's
 *                           (a defined memory, from ld -r output, becomes an
 *                           import too);
 *   EXPORT                  "f<index>" for the functions others need;
 *   ELEM                    active segments placing functions at the table
 *                           slots the kernel allocated;
 *   CODE                    the relocated copy;
 *   name                    C function names, so traps show them in stacks.
 * No memory, table, start, data or datacount sections: data is copied into
 * kernel memory from JS.  FreeBSD has no counterpart (ELF code is used in
 * place); this is where our format differs.
 */
import { SectionId, type WasmObject } from "../../wasmobj/object_types.js";
import { WASM_HEADER, WasmWriter } from "../../wasmobj/wasm_writer.js";

/** Module name of every import in an emitted module. */
export const IMPORT_MODULE = "k";

export interface EmitPlan {
  readonly obj: WasmObject;
  /** The relocated CODE payload (function count + bodies). */
  readonly code: Uint8Array | undefined;
  /** Import the memory as shared (the kernel's memory is a SharedArrayBuffer). */
  readonly sharedMemory: boolean;
  /** Whether to import the table even if the object does not (ELEM needs it). */
  readonly needTable: boolean;
  /** Function indices to export as "f<index>". */
  readonly exportFuncs: readonly number[];
  /** (slot, function index) pairs to place in the table, sorted by slot. */
  readonly elems: readonly (readonly [number, number])[];
  /** A name for each function index (imports first). */
  readonly functionNames: readonly string[];
}

/**
 * The import field names of an emitted module, in import order: the caller
 * builds its import object from these.
 */
export interface EmittedModule {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Field of each object import (same order as obj.imports), then the added ones. */
  readonly fields: readonly string[];
  /** Field of the memory import ("" if none). */
  readonly memoryField: string;
  /** Field of the table import ("" if none). */
  readonly tableField: string;
}

/** Write the final module: the sections in order, each by its own writer below. */
export function emitModule(plan: EmitPlan): EmittedModule {
  const { obj } = plan;
  const out = new WasmWriter(Math.max(1024, (plan.code?.length ?? 0) + 4096));
  out.bytes(WASM_HEADER);
  const copy = (id: number): void => {
    const s = obj.sections.find((x) => x.id === id);
    if (s) out.section(id, obj.bytes.subarray(s.start, s.end));
  };
  copy(SectionId.TYPE);
  const imports = writeImports(out, plan);
  copy(SectionId.FUNCTION);
  copy(SectionId.GLOBAL);
  writeExports(out, plan.exportFuncs);
  writeElems(out, plan.elems);
  if (plan.code) out.section(SectionId.CODE, plan.code);
  writeNames(out, plan.functionNames);
  return { bytes: out.finish(), ...imports };
}

/**
 * IMPORT: every object import renamed to ("k", "<n>"); the memory (a
 * defined one too, from ld -r output) and the table become the kernel's.
 */
function writeImports(out: WasmWriter, plan: EmitPlan): Omit<EmittedModule, "bytes"> {
  const { obj } = plan;
  const imp = new WasmWriter(256 + obj.imports.length * 8);
  const fields: string[] = [];
  let memoryField = "";
  let tableField = "";
  const memLimits = (): void => {
    if (plan.sharedMemory) imp.u8(0x03).u32(0).u32(65536);
    else imp.u8(0x00).u32(0);
  };
  const addMemory = !obj.memoryImported && obj.memory !== undefined;
  const addTable = plan.needTable && obj.numImportedTables === 0;
  const count = obj.imports.length + (addMemory ? 1 : 0) + (addTable ? 1 : 0);
  imp.u32(count);
  obj.imports.forEach((im, i) => {
    const field = String(i);
    fields.push(field);
    imp.name(IMPORT_MODULE).name(field);
    switch (im.kind) {
      case "func":
        imp.u8(0).u32(im.typeIndex);
        break;
      case "table":
        tableField = field;
        imp.u8(1).u8(0x70).u8(0x00).u32(0);
        break;
      case "memory":
        memoryField = field;
        imp.u8(2);
        memLimits();
        break;
      case "global":
        imp.u8(3).u8(im.valType).u8(im.mutable ? 1 : 0);
        break;
    }
  });
  if (addMemory) {
    memoryField = "memory";
    fields.push(memoryField);
    imp.name(IMPORT_MODULE).name(memoryField).u8(2);
    memLimits();
  }
  if (addTable) {
    tableField = "table";
    fields.push(tableField);
    imp.name(IMPORT_MODULE).name(tableField).u8(1).u8(0x70).u8(0x00).u32(0);
  }
  if (count > 0) out.section(SectionId.IMPORT, imp);
  return { fields, memoryField, tableField };
}

/** EXPORT: "f<index>" for each function others need. */
function writeExports(out: WasmWriter, funcs: readonly number[]): void {
  if (funcs.length === 0) return;
  const ex = new WasmWriter(funcs.length * 10);
  ex.u32(funcs.length);
  for (const f of funcs) ex.name(`f${f}`).u8(0).u32(f);
  out.section(SectionId.EXPORT, ex);
}

/** ELEM: one active segment per run of consecutive slots. */
function writeElems(out: WasmWriter, elems: EmitPlan["elems"]): void {
  if (elems.length === 0) return;
  const runs: [number, number[]][] = [];
  for (const [slot, fn] of elems) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1].length === slot) last[1].push(fn);
    else runs.push([slot, [fn]]);
  }
  const el = new WasmWriter(elems.length * 4 + runs.length * 8);
  el.u32(runs.length);
  for (const [slot, fns] of runs) {
    el.u32(0).u8(0x41).s32(slot).u8(0x0b).u32(fns.length);
    for (const f of fns) el.u32(f);
  }
  out.section(SectionId.ELEM, el);
}

/** The name section's function names (subsection 1), so traps show C names. */
function writeNames(out: WasmWriter, functionNames: readonly string[]): void {
  const names = new WasmWriter(functionNames.length * 16);
  names.u32(functionNames.length);
  functionNames.forEach((n, i) => names.u32(i).name(n));
  const nameSec = new WasmWriter(names.len + 8);
  nameSec.u8(1).u32(names.len).bytes(names.finish());
  out.custom("name", nameSec);
}
