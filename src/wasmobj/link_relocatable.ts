/**
 * mergeObjects: a relocatable link (`ld -r`) of several wasm objects into one
 * object that is relocatable again.
 *
 * Called by `kld build` (src/build/kld_build.ts) to make one `.ko` from the
 * objects of a module's sources, and by kconfig to link static modules into
 * a kernel image.  It is what FreeBSD's bsd.kmod.mk gets from `ld -r`
 * (and, like ELF ld -r, it concatenates same-named `set_*` sections so a
 * linker set stays one range; see freebsd-api.md §1.5).
 *
 * What it does:
 *   - types are concatenated (input k's type i becomes base_k + i);
 *   - the function index space is rebuilt: the imports still undefined after
 *     merging (one per symbol name), then every input's defined functions in
 *     input order; an import that another input defines becomes a direct
 *     reference to that definition (every function index in code carries a
 *     relocation, wasm-linking.md §2.4.1, so renumbering is safe);
 *   - one memory import, one table import, globals merged by import name;
 *   - data segments are kept, except that all `set_X` segments become one;
 *   - symbols: locals kept per input; one definition per global name (strong
 *     beats weak; two strong ones are an error naming both files); undefined
 *     references bind to a definition if any input has one;
 *   - relocations are renumbered and moved with their bytes, and the
 *     placeholders rewritten so that the output is also a valid wasm module;
 *   - debug sections, `producers` and `name` are dropped, so the output does
 *     not depend on paths, times or compiler builds.
 *
 * XXX: a `block (type N)` immediate carries no relocation, so a multi-value
 * block in a second or later input would point at the wrong type.  clang
 * emits such blocks only with the multivalue ABI, which no clang version
 * enables by default; the merged module would then fail V8 validation, not
 * run wrongly.
 *
 * Errors: KernelError ENOEXEC (subject = the input at fault) for a broken
 * input (whatever readObject reports), a duplicate definition, a symbol that
 * is a function in one file and data in another, or something ld -r does not
 * merge (COMDATs, defined wasm globals).
 */
import { KernelError } from "../errno/kernel_error.js";
import {
  LINKING_VERSION,
  LinkingSubsection,
  RelocType,
  SectionId,
  SegFlag,
  SymFlag,
  SymbolKindCode,
  type FuncType,
  type Relocation,
  type WasmObject,
  type WasmSymbol,
} from "./object_types.js";
import { isMemoryReloc, isTableIndexReloc, patchField } from "../kern/linker/relocate.js";
import { readObject, segmentAt } from "./wasm_object.js";
import { WASM_HEADER, WasmWriter } from "./wasm_writer.js";

export interface ObjectInput {
  readonly name: string;
  readonly bytes: Uint8Array;
}

interface OutSymbol {
  kind: WasmSymbol["kind"];
  name: string;
  flags: number;
  /** func/global/table: new index; data: new segment (-1 undefined/absolute). */
  index: number;
  offset: number;
  size: number;
  /** Which input defined it (for duplicate messages). */
  file: string;
}

interface OutSegment {
  name: string;
  p2align: number;
  flags: number;
  parts: Uint8Array[];
  size: number;
  objectOffset: number;
}

const KIND_CODE: Readonly<Record<WasmSymbol["kind"], number>> = {
  func: SymbolKindCode.FUNCTION,
  data: SymbolKindCode.DATA,
  global: SymbolKindCode.GLOBAL,
  section: SymbolKindCode.SECTION,
  event: SymbolKindCode.EVENT,
  table: SymbolKindCode.TABLE,
};

/**
 * Link `inputs` into one relocatable object.
 * @throws KernelError (see the file comment)
 */
export function mergeObjects(inputs: readonly ObjectInput[]): Uint8Array {
  return mergeWasmObjects(inputs.map((i) => readObject(i.bytes, i.name)));
}

/** mergeObjects for objects already read (kconfig reads each static module once). */
export function mergeWasmObjects(objs: readonly WasmObject[]): Uint8Array {
  if (objs.length === 0) throw new KernelError("EINVAL", "ld -r", "no input objects");
  for (const o of objs) {
    if (o.comdats.length > 0) throw new KernelError("ENOEXEC", o.filename, "COMDAT groups are not supported by kld's ld -r");
    if (o.numDefinedGlobals > 0) throw new KernelError("ENOEXEC", o.filename, "the object defines wasm globals, which kld's ld -r does not merge");
  }

  // ---- global symbol resolution ---------------------------------------------
  const defs = new Map<string, { k: number; sym: WasmSymbol }>();
  objs.forEach((o, k) => {
    for (const s of o.symbols) {
      if (s.undefined || s.binding === "local" || s.kind === "section") continue;
      const prev = defs.get(s.name);
      if (!prev) {
        defs.set(s.name, { k, sym: s });
        continue;
      }
      const prevFile = objs[prev.k]!.filename;
      if (prev.sym.kind !== s.kind) {
        throw new KernelError("ENOEXEC", o.filename, `symbol ${s.name} is ${s.kind} in ${o.filename} but ${prev.sym.kind} in ${prevFile}`);
      }
      if (prev.sym.binding === "weak" && s.binding !== "weak") defs.set(s.name, { k, sym: s });
      else if (prev.sym.binding !== "weak" && s.binding !== "weak") {
        throw new KernelError("ENOEXEC", o.filename, `duplicate symbol ${s.name}: defined in ${prevFile} and ${o.filename}`);
      }
    }
  });

  // ---- types -----------------------------------------------------------------
  const typeBase: number[] = [];
  const typeBytes = new WasmWriter();
  let numTypes = 0;
  for (const o of objs) {
    typeBase.push(numTypes);
    numTypes += o.types.length;
    for (const t of o.types) {
      typeBytes.u8(0x60).u32(t.params.length);
      for (const p of t.params) typeBytes.u8(p);
      typeBytes.u32(t.results.length);
      for (const r of t.results) typeBytes.u8(r);
    }
  }

  // ---- imports that stay undefined ------------------------------------------------
  interface MergedImport { module: string; field: string; typeIndex: number; name: string; flags: number; file: string; type: FuncType }
  const funcImports: MergedImport[] = [];
  const funcImportByName = new Map<string, number>();
  const globalImports: { module: string; field: string; valType: number; mutable: boolean }[] = [];
  const globalImportByKey = new Map<string, number>();
  let needTable = false;
  let tableRefType = 0x70;
  const importSym = objs.map((o) => {
    const syms: WasmSymbol[] = [];
    for (const s of o.symbols) if (s.kind === "func" && s.undefined) syms[s.elementIndex] ??= s;
    return syms;
  });
  const importSymName = importSym.map((syms) => syms.map((s) => s.name));
  objs.forEach((o, k) => {
    let f = 0;
    for (const im of o.imports) {
      if (im.kind === "func") {
        const name = importSymName[k]![f] ?? im.field;
        f++;
        const def = defs.get(name);
        const myType = o.types[im.typeIndex]!;
        if (def) {
          if (def.sym.kind !== "func") throw new KernelError("ENOEXEC", o.filename, `symbol ${name} is called as a function but ${objs[def.k]!.filename} defines it as ${def.sym.kind}`);
          const d = objs[def.k]!;
          const defType = d.types[d.functions[def.sym.elementIndex - d.numImportedFuncs]!]!;
          if (!sameType(myType, defType)) throw prototypeMismatch(name, o.filename, d.filename);
          continue;
        }
        const seen = funcImportByName.get(name);
        if (seen === undefined) {
          const sym = importSym[k]![f - 1];
          funcImportByName.set(name, funcImports.length);
          funcImports.push({ module: im.module, field: im.field, typeIndex: typeBase[k]! + im.typeIndex, name, flags: sym?.flags ?? SymFlag.UNDEFINED, file: o.filename, type: myType });
        } else if (!sameType(myType, funcImports[seen]!.type)) {
          throw prototypeMismatch(name, o.filename, funcImports[seen]!.file);
        }
      } else if (im.kind === "global") {
        const key = `${im.module}\0${im.field}`;
        if (!globalImportByKey.has(key)) {
          globalImportByKey.set(key, globalImports.length);
          globalImports.push(im);
        }
      } else if (im.kind === "table") {
        needTable = true;
        tableRefType = im.refType;
      }
    }
  });
  const nImportedFuncs = funcImports.length;

  // Function index maps, per input.
  const funcBase: number[] = [];
  let nFuncs = nImportedFuncs;
  for (const o of objs) {
    funcBase.push(nFuncs);
    nFuncs += o.functions.length;
  }
  const mapFunc = (k: number, f: number): number => {
    const o = objs[k]!;
    if (f >= o.numImportedFuncs) return funcBase[k]! + f - o.numImportedFuncs;
    const name = importSymName[k]![f] ?? importFieldOf(o, "func", f);
    const def = defs.get(name);
    if (def && def.sym.kind === "func") return mapFunc(def.k, def.sym.elementIndex);
    return funcImportByName.get(name)!;
  };
  const mapGlobal = (k: number, g: number): number => {
    const o = objs[k]!;
    let i = 0;
    for (const im of o.imports) {
      if (im.kind !== "global") continue;
      if (i++ === g) return globalImportByKey.get(`${im.module}\0${im.field}`)!;
    }
    return g; // unreachable: readObject checked the index
  };

  // ---- data segments -----------------------------------------------------------
  const segs: OutSegment[] = [];
  const setSeg = new Map<string, number>();
  /** segMap[k][j] = [output segment, offset inside it] */
  const segMap: [number, number][][] = objs.map((o) =>
    o.dataSegments.map((s) => {
      const bytes = o.bytes.subarray(o.dataSection!.start + s.offsetInSection, o.dataSection!.start + s.offsetInSection + s.size);
      let idx = s.name.startsWith("set_") ? setSeg.get(s.name) : undefined;
      if (idx === undefined) {
        idx = segs.length;
        segs.push({ name: s.name, p2align: s.p2align, flags: s.flags, parts: [], size: 0, objectOffset: 0 });
        if (s.name.startsWith("set_")) setSeg.set(s.name, idx);
      }
      const out = segs[idx]!;
      const a = 2 ** s.p2align;
      const at = Math.ceil(out.size / a) * a;
      if (at > out.size) out.parts.push(new Uint8Array(at - out.size));
      out.parts.push(bytes);
      out.size = at + s.size;
      out.p2align = Math.max(out.p2align, s.p2align);
      out.flags = (out.flags | (s.flags & SegFlag.RETAIN)) & (s.flags | ~SegFlag.STRINGS);
      return [idx, at];
    }),
  );
  let memEnd = 0;
  for (const s of segs) {
    const a = 2 ** s.p2align;
    s.objectOffset = Math.ceil(memEnd / a) * a;
    memEnd = s.objectOffset + s.size;
  }
  const needMemory = segs.length > 0 || objs.some((o) => o.memory !== undefined);

  // ---- symbols -------------------------------------------------------------------
  const out: OutSymbol[] = [];
  const symMap: number[][] = objs.map((o) => new Array<number>(o.symbols.length).fill(-1));
  const defIndex = new Map<string, number>();
  const undefIndex = new Map<string, number>();
  const place = (k: number, s: WasmSymbol): OutSymbol => {
    const file = objs[k]!.filename;
    if (s.kind === "data") {
      if (s.undefined || s.segment < 0) return { kind: "data", name: s.name, flags: s.flags, index: -1, offset: s.offset, size: s.size, file };
      const [seg, at] = segMap[k]![s.segment]!;
      return { kind: "data", name: s.name, flags: s.flags, index: seg, offset: at + s.offset, size: s.size, file };
    }
    if (s.kind === "section") return { kind: "section", name: "", flags: s.flags, index: 0, offset: 0, size: 0, file };
    const index = s.kind === "func" ? mapFunc(k, s.elementIndex) : s.kind === "global" ? mapGlobal(k, s.elementIndex) : 0;
    return { kind: s.kind, name: s.name, flags: s.flags, index, offset: 0, size: 0, file };
  };
  // Pass 1: locals and winning definitions, in input order.
  objs.forEach((o, k) => {
    for (const s of o.symbols) {
      if (s.kind === "section" || s.undefined) continue;
      if (s.binding === "local") {
        symMap[k]![s.index] = out.length;
        out.push(place(k, s));
        continue;
      }
      const def = defs.get(s.name)!;
      if (def.k === k && def.sym.index === s.index) {
        defIndex.set(s.name, out.length);
        symMap[k]![s.index] = out.length;
        out.push(place(k, s));
      }
    }
  });
  // Pass 2: losing definitions and undefined references.
  objs.forEach((o, k) => {
    for (const s of o.symbols) {
      if (s.kind === "section" || symMap[k]![s.index]! >= 0) continue;
      const d = defIndex.get(s.name);
      if (d !== undefined && out[d]!.kind === s.kind) {
        symMap[k]![s.index] = d;
        continue;
      }
      if (!s.undefined) continue; // a local section-less oddity; readObject prevents it
      const key = `${s.kind}\0${s.name}`;
      const u = undefIndex.get(key);
      if (u !== undefined) {
        // Undefined stays weak only if every reference is weak.
        if (s.binding !== "weak") out[u]!.flags &= ~SymFlag.BINDING_WEAK;
        symMap[k]![s.index] = u;
        continue;
      }
      undefIndex.set(key, out.length);
      symMap[k]![s.index] = out.length;
      out.push(place(k, s));
    }
  });

  // ---- code ----------------------------------------------------------------------
  const code = new WasmWriter();
  code.u32(nFuncs - nImportedFuncs);
  const codeDelta: number[] = [];
  objs.forEach((o) => {
    const first = o.functionBodies[0];
    if (!first || !o.codeSection) {
      codeDelta.push(0);
      return;
    }
    codeDelta.push(code.len - first.offset);
    code.bytes(o.bytes.subarray(o.codeSection.start + first.offset, o.codeSection.end));
  });
  const codeBytes = code.finish();

  // ---- data section ----------------------------------------------------------------
  const data = new WasmWriter();
  data.u32(segs.length);
  const segDataStart: number[] = [];
  for (const s of segs) {
    data.u32(0).u8(0x41).s32(s.objectOffset).u8(0x0b).u32(s.size);
    segDataStart.push(data.len);
    for (const p of s.parts) data.bytes(p);
  }
  const dataBytes = data.finish();

  // ---- relocations ----------------------------------------------------------------
  const symValue = (i: number, addend: number): number => {
    const s = out[i]!;
    if (s.kind === "data") return s.index < 0 ? (s.flags & SymFlag.UNDEFINED ? 0 : s.offset + addend) : segs[s.index]!.objectOffset + s.offset + addend;
    return s.index;
  };
  const codeRelocs: Relocation[] = [];
  const dataRelocs: Relocation[] = [];
  objs.forEach((o, k) => {
    for (const r of o.codeRelocations) {
      const index = r.type === RelocType.TYPE_INDEX_LEB ? typeBase[k]! + r.index : symMap[k]![r.index]!;
      if (index < 0) throw new KernelError("ENOEXEC", o.filename, `relocation in CODE refers to a section symbol`);
      codeRelocs.push({ type: r.type, offset: r.offset + codeDelta[k]!, index, addend: r.addend });
    }
    for (const r of o.dataRelocations) {
      const j = segmentAt(o.dataSegments, r.offset);
      const [seg, at] = segMap[k]![j]!;
      const index = symMap[k]![r.index]!;
      if (index < 0) throw new KernelError("ENOEXEC", o.filename, `relocation in DATA refers to a section symbol`);
      const offset = segDataStart[seg]! + at + (r.offset - o.dataSegments[j]!.offsetInSection);
      dataRelocs.push({ type: r.type, offset, index, addend: r.addend });
    }
  });
  dataRelocs.sort((a, b) => a.offset - b.offset);
  // Rewrite placeholders with the merged object's own indices and addresses.
  for (const r of codeRelocs) {
    if (isTableIndexReloc(r.type)) continue;
    patchField(codeBytes, r.offset, r.type, r.type === RelocType.TYPE_INDEX_LEB ? r.index : symValue(r.index, r.addend));
  }
  for (const r of dataRelocs) {
    if (!isMemoryReloc(r.type) || r.type === RelocType.MEMORY_ADDR_LOCREL_I32) continue;
    patchField(dataBytes, r.offset, r.type, symValue(r.index, r.addend));
  }

  // ---- elem (address-taken functions, like clang's own objects) ---------------------------
  const elemSet = new Set<number>();
  objs.forEach((o, k) => o.elemFunctions.forEach((f) => elemSet.add(mapFunc(k, f))));
  const elems = [...elemSet].sort((a, b) => a - b);
  if (elems.length > 0) needTable = true;

  // ---- write ------------------------------------------------------------------------
  const w = new WasmWriter(codeBytes.length + dataBytes.length + 4096);
  w.bytes(WASM_HEADER);
  let sectionCount = 0;
  const section = (id: number, p: WasmWriter | Uint8Array): number => {
    w.section(id, p);
    return sectionCount++;
  };
  if (numTypes > 0) section(SectionId.TYPE, new WasmWriter().u32(numTypes).bytes(typeBytes.finish()));
  const imp = new WasmWriter();
  const nImports = (needMemory ? 1 : 0) + globalImports.length + funcImports.length + (needTable ? 1 : 0);
  imp.u32(nImports);
  if (needMemory) imp.name("env").name("__linear_memory").u8(2).u8(0).u32(Math.max(1, Math.ceil(memEnd / 65536)));
  for (const g of globalImports) imp.name(g.module).name(g.field).u8(3).u8(g.valType).u8(g.mutable ? 1 : 0);
  for (const f of funcImports) imp.name(f.module).name(f.field).u8(0).u32(f.typeIndex);
  if (needTable) imp.name("env").name("__indirect_function_table").u8(1).u8(tableRefType).u8(0).u32(elems.length + 1);
  if (nImports > 0) section(SectionId.IMPORT, imp);
  if (nFuncs > nImportedFuncs) {
    const fs = new WasmWriter().u32(nFuncs - nImportedFuncs);
    objs.forEach((o, k) => o.functions.forEach((t) => fs.u32(typeBase[k]! + t)));
    section(SectionId.FUNCTION, fs);
  }
  if (elems.length > 0) {
    const el = new WasmWriter().u32(1).u32(0).u8(0x41).s32(1).u8(0x0b).u32(elems.length);
    for (const f of elems) el.u32(f);
    section(SectionId.ELEM, el);
  }
  if (segs.length > 0) section(SectionId.DATACOUNT, new WasmWriter().u32(segs.length));
  const codeIdx = nFuncs > nImportedFuncs ? section(SectionId.CODE, codeBytes) : -1;
  const dataIdx = segs.length > 0 ? section(SectionId.DATA, dataBytes) : -1;

  // linking
  const link = new WasmWriter();
  link.u32(LINKING_VERSION);
  const sub = (type: number, p: WasmWriter): void => {
    const b = p.finish();
    link.u8(type).u32(b.length).bytes(b);
  };
  if (segs.length > 0) {
    const si = new WasmWriter().u32(segs.length);
    for (const s of segs) si.name(s.name).u32(s.p2align).u32(s.flags);
    sub(LinkingSubsection.SEGMENT_INFO, si);
  }
  const inits: [number, number][] = [];
  objs.forEach((o, k) => o.initFuncs.forEach((f) => inits.push([f.priority, symMap[k]![f.symbol]!])));
  if (inits.length > 0) {
    const ii = new WasmWriter().u32(inits.length);
    for (const [p, s] of inits) ii.u32(p).u32(s);
    sub(LinkingSubsection.INIT_FUNCS, ii);
  }
  const st = new WasmWriter().u32(out.length);
  for (const s of out) {
    st.u8(KIND_CODE[s.kind]).u32(s.flags);
    const undef = (s.flags & SymFlag.UNDEFINED) !== 0;
    if (s.kind === "data") {
      st.name(s.name);
      if (!undef) st.u32(s.index < 0 ? 0 : s.index).u32(s.offset).u32(s.size);
    } else {
      st.u32(s.index);
      if (!undef || (s.flags & SymFlag.EXPLICIT_NAME)) st.name(s.name);
    }
  }
  sub(LinkingSubsection.SYMBOL_TABLE, st);
  w.custom("linking", link);
  sectionCount++;

  const relocSection = (name: string, target: number, rs: readonly Relocation[]): void => {
    if (target < 0 || rs.length === 0) return;
    const rw = new WasmWriter(rs.length * 12).u32(target).u32(rs.length);
    for (const r of rs) {
      rw.u8(r.type).u32(r.offset).u32(r.index);
      if (isMemoryReloc(r.type)) rw.s32(r.addend);
    }
    w.custom(name, rw);
    sectionCount++;
  };
  relocSection("reloc.CODE", codeIdx, codeRelocs);
  relocSection("reloc.DATA", dataIdx, dataRelocs);

  const feats = new Map<string, string>();
  for (const o of objs) for (const f of o.targetFeatures) feats.set(`${f.prefix}${f.name}`, f.prefix);
  if (feats.size > 0) {
    const tf = new WasmWriter().u32(feats.size);
    for (const key of [...feats.keys()].sort()) tf.u8(key.charCodeAt(0)).name(key.slice(1));
    w.custom("target_features", tf);
  }
  return w.finish().slice();
}

function sameType(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((p, i) => p === b.params[i]) &&
    a.results.every((r, i) => r === b.results[i])
  );
}

/** Two files disagree on a function's C prototype: wasm would refuse the call. */
function prototypeMismatch(name: string, file: string, other: string): KernelError {
  return new KernelError("ENOEXEC", file, `function ${name} has a different prototype in ${file} and ${other}`);
}

function importFieldOf(o: WasmObject, kind: "func", f: number): string {
  let i = 0;
  for (const im of o.imports) {
    if (im.kind !== kind) continue;
    if (i++ === f) return im.field;
  }
  return "";
}
