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
 * mergeWasmObjects lists these as steps, methods of RelocatableLink.
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
import { isMemoryReloc, isTableIndexReloc, patchField } from "./relocate.js";
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
  const m = new RelocatableLink(objs);
  m.mergeTypes();
  m.mergeImports();
  m.numberFunctions();
  m.mergeSegments();
  m.mergeSymbols();
  const code = m.concatenateCode();
  const data = m.writeDataPayload();
  const relocs = m.moveRelocations(code, data);
  return m.write(code.bytes, data.bytes, relocs);
}

interface MergedImport { module: string; field: string; typeIndex: number; name: string; flags: number; file: string; type: FuncType }

/** The state of one `ld -r`, step by step: see mergeWasmObjects for the order. */
class RelocatableLink {
  /** The winning definition of each global name. */
  readonly defs: Map<string, { k: number; sym: WasmSymbol }>;
  /** typeBase[k]: where input k's types start in the merged TYPE section. */
  readonly typeBase: number[] = [];
  private readonly typeBytes = new WasmWriter();
  numTypes = 0;
  /** Function imports that stay undefined, one per symbol name. */
  readonly funcImports: MergedImport[] = [];
  private readonly funcImportByName = new Map<string, number>();
  readonly globalImports: { module: string; field: string; valType: number; mutable: boolean }[] = [];
  private readonly globalImportByKey = new Map<string, number>();
  needTable = false;
  tableRefType = 0x70;
  /** importSymName[k][f]: the symbol naming input k's function import f. */
  private readonly importSym: WasmSymbol[][];
  private readonly importSymName: string[][];
  /** funcBase[k]: the merged index of input k's first defined function. */
  private readonly funcBase: number[] = [];
  nFuncs = 0;
  readonly segs: OutSegment[] = [];
  /** segMap[k][j] = [output segment, offset inside it] */
  private segMap: [number, number][][] = [];
  memEnd = 0;
  readonly out: OutSymbol[] = [];
  readonly symMap: number[][];

  constructor(readonly objs: readonly WasmObject[]) {
    this.defs = resolveDefinitions(objs);
    this.importSym = objs.map((o) => {
      const syms: WasmSymbol[] = [];
      for (const s of o.symbols) if (s.kind === "func" && s.undefined) syms[s.elementIndex] ??= s;
      return syms;
    });
    this.importSymName = this.importSym.map((syms) => syms.map((s) => s.name));
    this.symMap = objs.map((o) => new Array<number>(o.symbols.length).fill(-1));
  }

  /** Types are concatenated: input k's type i becomes typeBase[k] + i. */
  mergeTypes(): void {
    for (const o of this.objs) {
      this.typeBase.push(this.numTypes);
      this.numTypes += o.types.length;
      for (const t of o.types) {
        this.typeBytes.u8(0x60).u32(t.params.length);
        for (const p of t.params) this.typeBytes.u8(p);
        this.typeBytes.u32(t.results.length);
        for (const r of t.results) this.typeBytes.u8(r);
      }
    }
  }

  /** The imports still undefined after merging: functions by symbol name, globals by import name, one table. */
  mergeImports(): void {
    this.objs.forEach((o, k) => {
      let f = 0;
      for (const im of o.imports) {
        if (im.kind === "func") this.mergeFuncImport(k, f++, im.module, im.field, im.typeIndex);
        else if (im.kind === "global") {
          const key = `${im.module}\0${im.field}`;
          if (!this.globalImportByKey.has(key)) {
            this.globalImportByKey.set(key, this.globalImports.length);
            this.globalImports.push(im);
          }
        } else if (im.kind === "table") {
          this.needTable = true;
          this.tableRefType = im.refType;
        }
      }
    });
  }

  /** Input k's function import f: bound to another input's definition, or kept (once per name). */
  private mergeFuncImport(k: number, f: number, module: string, field: string, typeIndex: number): void {
    const o = this.objs[k]!;
    const name = this.importSymName[k]![f] ?? field;
    const def = this.defs.get(name);
    const myType = o.types[typeIndex]!;
    if (def) {
      if (def.sym.kind !== "func") throw new KernelError("ENOEXEC", o.filename, `symbol ${name} is called as a function but ${this.objs[def.k]!.filename} defines it as ${def.sym.kind}`);
      const d = this.objs[def.k]!;
      const defType = d.types[d.functions[def.sym.elementIndex - d.numImportedFuncs]!]!;
      if (!sameType(myType, defType)) throw prototypeMismatch(name, o.filename, d.filename);
      return;
    }
    const seen = this.funcImportByName.get(name);
    if (seen === undefined) {
      const sym = this.importSym[k]![f];
      this.funcImportByName.set(name, this.funcImports.length);
      this.funcImports.push({ module, field, typeIndex: this.typeBase[k]! + typeIndex, name, flags: sym?.flags ?? SymFlag.UNDEFINED, file: o.filename, type: myType });
    } else if (!sameType(myType, this.funcImports[seen]!.type)) {
      throw prototypeMismatch(name, o.filename, this.funcImports[seen]!.file);
    }
  }

  /** The function index space: the kept imports, then every input's defined functions in input order. */
  numberFunctions(): void {
    this.nFuncs = this.funcImports.length;
    for (const o of this.objs) {
      this.funcBase.push(this.nFuncs);
      this.nFuncs += o.functions.length;
    }
  }

  /** Input k's function index f in the merged object (an import another input defines becomes that definition). */
  mapFunc(k: number, f: number): number {
    const o = this.objs[k]!;
    if (f >= o.numImportedFuncs) return this.funcBase[k]! + f - o.numImportedFuncs;
    const name = this.importSymName[k]![f] ?? importFieldOf(o, "func", f);
    const def = this.defs.get(name);
    if (def && def.sym.kind === "func") return this.mapFunc(def.k, def.sym.elementIndex);
    return this.funcImportByName.get(name)!;
  }

  private mapGlobal(k: number, g: number): number {
    let i = 0;
    for (const im of this.objs[k]!.imports) {
      if (im.kind !== "global") continue;
      if (i++ === g) return this.globalImportByKey.get(`${im.module}\0${im.field}`)!;
    }
    return g; // unreachable: readObject checked the index
  }

  /** Data segments are kept, except that all same-named set_X segments become one. */
  mergeSegments(): void {
    const setSeg = new Map<string, number>();
    this.segMap = this.objs.map((o) =>
      o.dataSegments.map((s) => {
        const bytes = o.bytes.subarray(o.dataSection!.start + s.offsetInSection, o.dataSection!.start + s.offsetInSection + s.size);
        let idx = s.name.startsWith("set_") ? setSeg.get(s.name) : undefined;
        if (idx === undefined) {
          idx = this.segs.length;
          this.segs.push({ name: s.name, p2align: s.p2align, flags: s.flags, parts: [], size: 0, objectOffset: 0 });
          if (s.name.startsWith("set_")) setSeg.set(s.name, idx);
        }
        const out = this.segs[idx]!;
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
    for (const s of this.segs) {
      const a = 2 ** s.p2align;
      s.objectOffset = Math.ceil(this.memEnd / a) * a;
      this.memEnd = s.objectOffset + s.size;
    }
  }

  /** Input k's symbol s, renumbered into the merged index spaces. */
  private place(k: number, s: WasmSymbol): OutSymbol {
    const file = this.objs[k]!.filename;
    if (s.kind === "data") {
      if (s.undefined || s.segment < 0) return { kind: "data", name: s.name, flags: s.flags, index: -1, offset: s.offset, size: s.size, file };
      const [seg, at] = this.segMap[k]![s.segment]!;
      return { kind: "data", name: s.name, flags: s.flags, index: seg, offset: at + s.offset, size: s.size, file };
    }
    if (s.kind === "section") return { kind: "section", name: "", flags: s.flags, index: 0, offset: 0, size: 0, file };
    const index = s.kind === "func" ? this.mapFunc(k, s.elementIndex) : s.kind === "global" ? this.mapGlobal(k, s.elementIndex) : 0;
    return { kind: s.kind, name: s.name, flags: s.flags, index, offset: 0, size: 0, file };
  }

  /**
   * The merged symbol table: locals kept per input, one entry per global
   * name (the winning definition), one per undefined name.
   */
  mergeSymbols(): void {
    const defIndex = new Map<string, number>();
    // Pass 1: locals and winning definitions, in input order.
    this.objs.forEach((o, k) => {
      for (const s of o.symbols) {
        if (s.kind === "section" || s.undefined) continue;
        if (s.binding === "local") {
          this.symMap[k]![s.index] = this.out.length;
          this.out.push(this.place(k, s));
          continue;
        }
        const def = this.defs.get(s.name)!;
        if (def.k === k && def.sym.index === s.index) {
          defIndex.set(s.name, this.out.length);
          this.symMap[k]![s.index] = this.out.length;
          this.out.push(this.place(k, s));
        }
      }
    });
    // Pass 2: losing definitions and undefined references.
    const undefIndex = new Map<string, number>();
    this.objs.forEach((o, k) => {
      for (const s of o.symbols) {
        if (s.kind === "section" || this.symMap[k]![s.index]! >= 0) continue;
        const d = defIndex.get(s.name);
        if (d !== undefined && this.out[d]!.kind === s.kind) {
          this.symMap[k]![s.index] = d;
          continue;
        }
        if (!s.undefined) continue; // a local section-less oddity; readObject prevents it
        const key = `${s.kind}\0${s.name}`;
        const u = undefIndex.get(key);
        if (u !== undefined) {
          // Undefined stays weak only if every reference is weak.
          if (s.binding !== "weak") this.out[u]!.flags &= ~SymFlag.BINDING_WEAK;
          this.symMap[k]![s.index] = u;
          continue;
        }
        undefIndex.set(key, this.out.length);
        this.symMap[k]![s.index] = this.out.length;
        this.out.push(this.place(k, s));
      }
    });
  }

  /** The CODE payload: every input's bodies in order; codeDelta[k] moves input k's offsets. */
  concatenateCode(): { bytes: Uint8Array<ArrayBuffer>; codeDelta: number[] } {
    const code = new WasmWriter();
    code.u32(this.nFuncs - this.funcImports.length);
    const codeDelta: number[] = [];
    for (const o of this.objs) {
      const first = o.functionBodies[0];
      if (!first || !o.codeSection) {
        codeDelta.push(0);
        continue;
      }
      codeDelta.push(code.len - first.offset);
      code.bytes(o.bytes.subarray(o.codeSection.start + first.offset, o.codeSection.end));
    }
    return { bytes: code.finish(), codeDelta };
  }

  /** The DATA payload; segDataStart[i]: where merged segment i's bytes start in it. */
  writeDataPayload(): { bytes: Uint8Array<ArrayBuffer>; segDataStart: number[] } {
    const data = new WasmWriter();
    data.u32(this.segs.length);
    const segDataStart: number[] = [];
    for (const s of this.segs) {
      data.u32(0).u8(0x41).s32(s.objectOffset).u8(0x0b).u32(s.size);
      segDataStart.push(data.len);
      for (const p of s.parts) data.bytes(p);
    }
    return { bytes: data.finish(), segDataStart };
  }

  /** A merged symbol's value in the merged object's own address space. */
  private symValue(i: number, addend: number): number {
    const s = this.out[i]!;
    if (s.kind !== "data") return s.index;
    if (s.index >= 0) return this.segs[s.index]!.objectOffset + s.offset + addend;
    return s.flags & SymFlag.UNDEFINED ? 0 : s.offset + addend;
  }

  /**
   * Renumber every relocation and move it with its bytes, then rewrite the
   * placeholders with the merged object's own indices and addresses, so
   * that the output is also a valid wasm module.
   */
  moveRelocations(
    code: { bytes: Uint8Array; codeDelta: readonly number[] },
    data: { bytes: Uint8Array; segDataStart: readonly number[] },
  ): { code: Relocation[]; data: Relocation[] } {
    const codeRelocs: Relocation[] = [];
    const dataRelocs: Relocation[] = [];
    this.objs.forEach((o, k) => {
      for (const r of o.codeRelocations) {
        const index = r.type === RelocType.TYPE_INDEX_LEB ? this.typeBase[k]! + r.index : this.symMap[k]![r.index]!;
        if (index < 0) throw new KernelError("ENOEXEC", o.filename, `relocation in CODE refers to a section symbol`);
        codeRelocs.push({ type: r.type, offset: r.offset + code.codeDelta[k]!, index, addend: r.addend });
      }
      for (const r of o.dataRelocations) {
        const j = segmentAt(o.dataSegments, r.offset);
        const [seg, at] = this.segMap[k]![j]!;
        const index = this.symMap[k]![r.index]!;
        if (index < 0) throw new KernelError("ENOEXEC", o.filename, `relocation in DATA refers to a section symbol`);
        const offset = data.segDataStart[seg]! + at + (r.offset - o.dataSegments[j]!.offsetInSection);
        dataRelocs.push({ type: r.type, offset, index, addend: r.addend });
      }
    });
    dataRelocs.sort((a, b) => a.offset - b.offset);
    for (const r of codeRelocs) {
      if (isTableIndexReloc(r.type)) continue;
      patchField(code.bytes, r.offset, r.type, r.type === RelocType.TYPE_INDEX_LEB ? r.index : this.symValue(r.index, r.addend));
    }
    for (const r of dataRelocs) {
      if (!isMemoryReloc(r.type) || r.type === RelocType.MEMORY_ADDR_LOCREL_I32) continue;
      patchField(data.bytes, r.offset, r.type, this.symValue(r.index, r.addend));
    }
    return { code: codeRelocs, data: dataRelocs };
  }

  /** Address-taken functions (ELEM), like clang's own objects list them. */
  private elemFunctions(): number[] {
    const elemSet = new Set<number>();
    this.objs.forEach((o, k) => o.elemFunctions.forEach((f) => elemSet.add(this.mapFunc(k, f))));
    return [...elemSet].sort((a, b) => a - b);
  }

  /** The merged object: core sections, linking, reloc.CODE, reloc.DATA, target_features. */
  write(codeBytes: Uint8Array, dataBytes: Uint8Array, relocs: { code: Relocation[]; data: Relocation[] }): Uint8Array {
    const elems = this.elemFunctions();
    if (elems.length > 0) this.needTable = true;
    const w = new WasmWriter(codeBytes.length + dataBytes.length + 4096);
    w.bytes(WASM_HEADER);
    let sectionCount = 0;
    const section = (id: number, p: WasmWriter | Uint8Array): number => {
      w.section(id, p);
      return sectionCount++;
    };
    const nDefined = this.nFuncs - this.funcImports.length;
    if (this.numTypes > 0) section(SectionId.TYPE, new WasmWriter().u32(this.numTypes).bytes(this.typeBytes.finish()));
    const imp = this.importSection(elems.length);
    if (imp) section(SectionId.IMPORT, imp);
    if (nDefined > 0) {
      const fs = new WasmWriter().u32(nDefined);
      this.objs.forEach((o, k) => o.functions.forEach((t) => fs.u32(this.typeBase[k]! + t)));
      section(SectionId.FUNCTION, fs);
    }
    if (elems.length > 0) {
      const el = new WasmWriter().u32(1).u32(0).u8(0x41).s32(1).u8(0x0b).u32(elems.length);
      for (const f of elems) el.u32(f);
      section(SectionId.ELEM, el);
    }
    if (this.segs.length > 0) section(SectionId.DATACOUNT, new WasmWriter().u32(this.segs.length));
    const codeIdx = nDefined > 0 ? section(SectionId.CODE, codeBytes) : -1;
    const dataIdx = this.segs.length > 0 ? section(SectionId.DATA, dataBytes) : -1;
    w.custom("linking", this.linkingSection());
    writeRelocSection(w, "reloc.CODE", codeIdx, relocs.code);
    writeRelocSection(w, "reloc.DATA", dataIdx, relocs.data);
    this.writeTargetFeatures(w);
    return w.finish().slice();
  }

  /** IMPORT: memory, globals, functions, table; undefined when there is none. */
  private importSection(nElems: number): WasmWriter | undefined {
    const needMemory = this.segs.length > 0 || this.objs.some((o) => o.memory !== undefined);
    const imp = new WasmWriter();
    const nImports = (needMemory ? 1 : 0) + this.globalImports.length + this.funcImports.length + (this.needTable ? 1 : 0);
    if (nImports === 0) return undefined;
    imp.u32(nImports);
    if (needMemory) imp.name("env").name("__linear_memory").u8(2).u8(0).u32(Math.max(1, Math.ceil(this.memEnd / 65536)));
    for (const g of this.globalImports) imp.name(g.module).name(g.field).u8(3).u8(g.valType).u8(g.mutable ? 1 : 0);
    for (const f of this.funcImports) imp.name(f.module).name(f.field).u8(0).u32(f.typeIndex);
    if (this.needTable) imp.name("env").name("__indirect_function_table").u8(1).u8(this.tableRefType).u8(0).u32(nElems + 1);
    return imp;
  }

  /** linking: WASM_SEGMENT_INFO, WASM_INIT_FUNCS, WASM_SYMBOL_TABLE. */
  private linkingSection(): WasmWriter {
    const link = new WasmWriter();
    link.u32(LINKING_VERSION);
    const sub = (type: number, p: WasmWriter): void => {
      const b = p.finish();
      link.u8(type).u32(b.length).bytes(b);
    };
    if (this.segs.length > 0) {
      const si = new WasmWriter().u32(this.segs.length);
      for (const s of this.segs) si.name(s.name).u32(s.p2align).u32(s.flags);
      sub(LinkingSubsection.SEGMENT_INFO, si);
    }
    const inits: [number, number][] = [];
    this.objs.forEach((o, k) => o.initFuncs.forEach((f) => inits.push([f.priority, this.symMap[k]![f.symbol]!])));
    if (inits.length > 0) {
      const ii = new WasmWriter().u32(inits.length);
      for (const [p, s] of inits) ii.u32(p).u32(s);
      sub(LinkingSubsection.INIT_FUNCS, ii);
    }
    const st = new WasmWriter().u32(this.out.length);
    for (const s of this.out) {
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
    return link;
  }

  /** target_features: the union of the inputs', sorted. */
  private writeTargetFeatures(w: WasmWriter): void {
    const feats = new Map<string, string>();
    for (const o of this.objs) for (const f of o.targetFeatures) feats.set(`${f.prefix}${f.name}`, f.prefix);
    if (feats.size === 0) return;
    const tf = new WasmWriter().u32(feats.size);
    for (const key of [...feats.keys()].sort()) tf.u8(key.charCodeAt(0)).name(key.slice(1));
    w.custom("target_features", tf);
  }
}

/** One definition per global name: strong beats weak; two strong ones are an error naming both files. */
function resolveDefinitions(objs: readonly WasmObject[]): Map<string, { k: number; sym: WasmSymbol }> {
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
  return defs;
}

function writeRelocSection(w: WasmWriter, name: string, target: number, rs: readonly Relocation[]): void {
  if (target < 0 || rs.length === 0) return;
  const rw = new WasmWriter(rs.length * 12).u32(target).u32(rs.length);
  for (const r of rs) {
    rw.u8(r.type).u32(r.offset).u32(r.index);
    if (isMemoryReloc(r.type)) rw.s32(r.addend);
  }
  w.custom(name, rw);
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
