/**
 * readObject: parse a wasm relocatable object and validate all of it.
 *
 * The first stage of a load (kern_linker's linker_load_file -> the wasm
 * linker class in src/kern/link_wasm_obj.ts), also used by `ld -r`
 * (link_relocatable.ts).  The counterpart of the header and section checks in
 * FreeBSD's link_elf_obj.c (link_elf_load_file): a file that is not wasm at
 * all is "not my format" (isWasmObject() is false; the class answers ENOENT so
 * the next class may try); a wasm file that is broken or that we cannot load
 * (no `linking` section, PIC, TLS, memory64, a start section, an unknown
 * relocation type...) is ENOEXEC with a detail naming exactly what is wrong.
 *
 * Every LEB, count, index and offset is checked, so that later stages may
 * index without checks.  Function bodies are not decoded: V8 validates the
 * final module (link_object.ts turns its CompileError into ENOEXEC).
 * Format: WebAssembly/tool-conventions Linking.md, version 2.
 */
import { KernelError } from "../errno/kernel_error.js";
import { ObjectFormatError, WasmReader } from "./wasm_reader.js";
import {
  LINKING_VERSION,
  LinkingSubsection,
  RELOC_TYPE_NAMES,
  RelocType,
  SectionId,
  SegFlag,
  SymFlag,
  SymbolKindCode,
  type Comdat,
  type DataSegment,
  type ExportEntry,
  type FuncType,
  type FunctionBody,
  type Import,
  type InitFunc,
  type Limits,
  type RelocSection,
  type Relocation,
  type SectionInfo,
  type TargetFeature,
  type WasmObject,
  type WasmSymbol,
} from "./object_types.js";

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
const WASM_VERSION = [0x01, 0x00, 0x00, 0x00] as const;

const SECTION_NAMES: readonly string[] = [
  "custom", "TYPE", "IMPORT", "FUNCTION", "TABLE", "MEMORY", "GLOBAL", "EXPORT", "START",
  "ELEM", "CODE", "DATA", "DATACOUNT", "TAG",
];

/** Canonical order of the core sections (DATACOUNT sits before CODE, TAG after MEMORY). */
const SECTION_ORDER: Readonly<Record<number, number>> = {
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13,
};

/** Features Node 20's V8 runs; a `+feature` outside this list is refused by name. */
const SUPPORTED_FEATURES: ReadonlySet<string> = new Set([
  "atomics", "bulk-memory", "bulk-memory-opt", "call-indirect-overlong", "extended-const",
  "multivalue", "mutable-globals", "nontrapping-fptoint", "reference-types", "sign-ext",
  "simd128", "tail-call",
]);

const VALTYPES: ReadonlySet<number> = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);
const REFTYPES: ReadonlySet<number> = new Set([0x70, 0x6f]);

/** Relocation types the loader applies in CODE and in DATA; others are refused there. */
const CODE_RELOCS: ReadonlySet<number> = new Set<number>([
  RelocType.FUNCTION_INDEX_LEB, RelocType.TABLE_INDEX_SLEB, RelocType.MEMORY_ADDR_LEB,
  RelocType.MEMORY_ADDR_SLEB, RelocType.TYPE_INDEX_LEB, RelocType.GLOBAL_INDEX_LEB,
  RelocType.TABLE_NUMBER_LEB,
]);
const DATA_RELOCS: ReadonlySet<number> = new Set<number>([
  RelocType.TABLE_INDEX_I32, RelocType.MEMORY_ADDR_I32, RelocType.MEMORY_ADDR_LOCREL_I32,
]);

/** Width in bytes of the field each relocation type patches (wasm32 types only). */
export function relocWidth(type: number): number {
  switch (type) {
    case RelocType.TABLE_INDEX_I32:
    case RelocType.MEMORY_ADDR_I32:
    case RelocType.FUNCTION_OFFSET_I32:
    case RelocType.SECTION_OFFSET_I32:
    case RelocType.GLOBAL_INDEX_I32:
    case RelocType.MEMORY_ADDR_LOCREL_I32:
    case RelocType.FUNCTION_INDEX_I32:
      return 4;
    default:
      return 5;
  }
}

/** Relocation types that carry an addend. */
function hasAddend(type: number): boolean {
  switch (type) {
    case RelocType.MEMORY_ADDR_LEB:
    case RelocType.MEMORY_ADDR_SLEB:
    case RelocType.MEMORY_ADDR_I32:
    case RelocType.MEMORY_ADDR_REL_SLEB:
    case RelocType.MEMORY_ADDR_LEB64:
    case RelocType.MEMORY_ADDR_SLEB64:
    case RelocType.MEMORY_ADDR_I64:
    case RelocType.MEMORY_ADDR_REL_SLEB64:
    case RelocType.MEMORY_ADDR_TLS_SLEB:
    case RelocType.MEMORY_ADDR_TLS_SLEB64:
    case RelocType.MEMORY_ADDR_LOCREL_I32:
    case RelocType.MEMORY_ADDR_LOCREL_I64:
    case RelocType.FUNCTION_OFFSET_I32:
    case RelocType.FUNCTION_OFFSET_I64:
    case RelocType.SECTION_OFFSET_I32:
      return true;
    default:
      return false;
  }
}

/** The symbol kind a relocation type must reference, or why the type is refused. */
function relocTarget(type: number): { kind?: WasmSymbol["kind"]; refuse?: string } {
  const name = RELOC_TYPE_NAMES[type];
  switch (type) {
    case RelocType.FUNCTION_INDEX_LEB:
    case RelocType.TABLE_INDEX_SLEB:
    case RelocType.TABLE_INDEX_I32:
    case RelocType.FUNCTION_OFFSET_I32:
    case RelocType.FUNCTION_INDEX_I32:
      return { kind: "func" };
    case RelocType.MEMORY_ADDR_LEB:
    case RelocType.MEMORY_ADDR_SLEB:
    case RelocType.MEMORY_ADDR_I32:
    case RelocType.MEMORY_ADDR_LOCREL_I32:
      return { kind: "data" };
    case RelocType.TYPE_INDEX_LEB:
      return {};
    case RelocType.GLOBAL_INDEX_LEB:
    case RelocType.GLOBAL_INDEX_I32:
      return { kind: "global" };
    case RelocType.SECTION_OFFSET_I32:
      return { kind: "section" };
    case RelocType.TABLE_NUMBER_LEB:
      return { kind: "table" };
    case RelocType.MEMORY_ADDR_REL_SLEB:
    case RelocType.TABLE_INDEX_REL_SLEB:
      return { refuse: `position-independent code (relocation ${name}); rebuild without -fPIC` };
    case RelocType.MEMORY_ADDR_TLS_SLEB:
      return { refuse: `thread-local storage (relocation ${name}) is not supported` };
    case RelocType.TAG_INDEX_LEB:
      return { refuse: `exception handling (relocation ${name}) is not supported` };
    default:
      if (name !== undefined) return { refuse: `wasm64 relocation ${name} is not supported` };
      return { refuse: `unknown relocation type ${type}` };
  }
}

const RELOC_TARGETS = Array.from({ length: RELOC_TYPE_NAMES.length }, (_, t) => relocTarget(t));

/** True if the bytes start with the wasm magic: this linker class's format. */
export function isWasmObject(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && WASM_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Parse and validate a relocatable wasm object.
 * @throws KernelError ENOEXEC (subject = filename) for anything malformed or
 *   unsupported, EFTYPE when the file is not wasm at all.
 */
export function readObject(bytes: Uint8Array, filename: string): WasmObject {
  if (!isWasmObject(bytes)) {
    throw new KernelError(
      "EFTYPE",
      filename,
      bytes.length === 0 ? "empty file" : "not a wasm object (bad magic number)",
    );
  }
  try {
    return parse(bytes, filename);
  } catch (e) {
    if (e instanceof ObjectFormatError) throw new KernelError("ENOEXEC", filename, e.detail);
    throw e;
  }
}

function fail(detail: string): never {
  throw new ObjectFormatError(detail);
}

function readLimits(r: WasmReader, what: string): Limits {
  const flags = r.u8(`${what} limits flags`);
  if (flags & 0x04) fail(`${what} is a 64-bit memory (memory64), which is not supported`);
  if (flags & ~0x03) fail(`${what} has unknown limits flags 0x${flags.toString(16)}`);
  const min = r.u32(`${what} minimum`);
  const max = flags & 0x01 ? r.u32(`${what} maximum`) : undefined;
  if (max !== undefined && max < min) fail(`${what} maximum ${max} is below its minimum ${min}`);
  return { min, max, shared: (flags & 0x02) !== 0 };
}

/** A constant expression: i32.const/i64.const/f32/f64/global.get/ref.null/ref.func, then end. */
function skipConstExpr(r: WasmReader, what: string): number | undefined {
  const op = r.u8(`${what} opcode`);
  let value: number | undefined;
  switch (op) {
    case 0x41:
      value = r.s32(`${what} i32.const`);
      break;
    case 0x42:
      r.skipS64(`${what} i64.const`);
      break;
    case 0x43:
      r.skip(4, `${what} f32.const`);
      break;
    case 0x44:
      r.skip(8, `${what} f64.const`);
      break;
    case 0x23:
      r.u32(`${what} global.get`);
      break;
    case 0xd0:
      r.u8(`${what} ref.null`);
      break;
    case 0xd2:
      r.u32(`${what} ref.func`);
      break;
    default:
      fail(`${what} is not a supported constant expression (opcode 0x${op.toString(16)})`);
  }
  if (r.u8(`${what} end`) !== 0x0b) fail(`${what} is not a single-instruction constant expression`);
  return value;
}

function parse(bytes: Uint8Array, filename: string): WasmObject {
  const hdr = new WasmReader(bytes, 0, bytes.length, "the file");
  hdr.skip(4, "magic");
  const ver = hdr.take(4, "version");
  if (!WASM_VERSION.every((b, i) => ver[i] === b)) {
    fail(`unsupported wasm binary version ${ver[0]! | (ver[1]! << 8) | (ver[2]! << 16) | (ver[3]! << 24)}`);
  }

  // Pass 1: section headers.
  const sections: SectionInfo[] = [];
  const seen = new Set<number>();
  let lastOrder = 0;
  while (!hdr.atEnd) {
    const at = hdr.pos;
    const id = hdr.u8("section id");
    const size = hdr.u32(`size of section ${sections.length}`);
    if (size > bytes.length - hdr.pos) {
      fail(`section ${sections.length} (${SECTION_NAMES[id] ?? `id ${id}`}) at offset ${at} declares ${size} bytes but only ${bytes.length - hdr.pos} remain in the file`);
    }
    const end = hdr.pos + size;
    if (id === SectionId.CUSTOM) {
      const sr = new WasmReader(bytes, hdr.pos, end, `custom section ${sections.length}`);
      const name = sr.name("section name");
      sections.push({ id, name, start: sr.pos, end });
    } else {
      const order = SECTION_ORDER[id];
      if (order === undefined) fail(`unknown section id ${id} at offset ${at}`);
      const name = SECTION_NAMES[id]!;
      if (seen.has(id)) fail(`duplicate ${name} section`);
      if (order < lastOrder) fail(`${name} section is out of order`);
      seen.add(id);
      lastOrder = order;
      sections.push({ id, name, start: hdr.pos, end });
    }
    hdr.pos = end;
  }

  const find = (id: number): SectionInfo | undefined => sections.find((s) => s.id === id);
  const reader = (s: SectionInfo, what = `${s.name} section`) => new WasmReader(bytes, s.start, s.end, what);

  if (find(SectionId.START)) fail("the object has a start section, which kernel modules may not have");
  if (find(SectionId.TAG)) fail("the object uses exception handling (TAG section), which is not supported");
  const linkingIdx = sections.findIndex((s) => s.id === 0 && s.name === "linking");
  if (linkingIdx < 0) fail("not a relocatable object (no linking section); build with clang -c");
  if (sections.filter((s) => s.id === 0 && s.name === "linking").length > 1) fail("more than one linking section");
  if (sections.some((s) => s.id === 0 && s.name === "dylink.0")) {
    fail("a shared library (dylink.0 section), not a relocatable object; rebuild with clang -c and without -fPIC");
  }

  // target_features first: an unknown `+` feature may change how the rest is encoded.
  const targetFeatures: TargetFeature[] = [];
  const tf = sections.find((s) => s.id === 0 && s.name === "target_features");
  if (tf) {
    const r = reader(tf, "target_features section");
    const n = r.count("feature", 2);
    for (let i = 0; i < n; i++) {
      const p = r.u8("feature prefix");
      if (p !== 0x2b && p !== 0x2d && p !== 0x3d) fail(`target_features entry ${i} has an invalid prefix 0x${p.toString(16)}`);
      const name = r.name("feature name");
      const prefix = String.fromCharCode(p) as TargetFeature["prefix"];
      if (prefix !== "-" && !SUPPORTED_FEATURES.has(name)) {
        fail(`the object uses wasm feature ${name}, which this kernel does not support`);
      }
      targetFeatures.push({ prefix, name });
    }
    r.expectEnd();
  }

  // TYPE
  const types: FuncType[] = [];
  const typeSec = find(SectionId.TYPE);
  if (typeSec) {
    const r = reader(typeSec);
    const n = r.count("type", 3);
    for (let i = 0; i < n; i++) {
      const form = r.u8("type form");
      if (form !== 0x60) fail(`TYPE section: type ${i} is not a function type (form 0x${form.toString(16)})`);
      const vec = (what: string): number[] => {
        const k = r.count(what);
        const out: number[] = [];
        for (let j = 0; j < k; j++) {
          const t = r.u8(what);
          if (!VALTYPES.has(t)) fail(`TYPE section: type ${i} has an unknown value type 0x${t.toString(16)}`);
          out.push(t);
        }
        return out;
      };
      const params = vec("parameter");
      types.push({ params, results: vec("result") });
    }
    r.expectEnd();
  }

  // IMPORT
  const imports: Import[] = [];
  let numImportedFuncs = 0;
  let numImportedGlobals = 0;
  let numImportedTables = 0;
  let memory: Limits | undefined;
  let memoryImported = false;
  const importSec = find(SectionId.IMPORT);
  if (importSec) {
    const r = reader(importSec);
    const n = r.count("import", 4);
    for (let i = 0; i < n; i++) {
      const module = r.name("import module");
      const field = r.name("import field");
      const what = `import ${i} (${module}.${field})`;
      if (module === "GOT.mem" || module === "GOT.func" || field === "__memory_base" || field === "__table_base") {
        fail(`position-independent code (imports ${module}.${field}); rebuild without -fPIC`);
      }
      if (field === "__tls_base" || field === "__tls_size" || field === "__tls_align") {
        fail(`thread-local storage (imports ${module}.${field}) is not supported`);
      }
      const kind = r.u8("import kind");
      switch (kind) {
        case 0: {
          const typeIndex = r.u32("import type index");
          if (typeIndex >= types.length) fail(`${what} has type index ${typeIndex} but the object has ${types.length} types`);
          imports.push({ module, field, kind: "func", typeIndex });
          numImportedFuncs++;
          break;
        }
        case 1: {
          const refType = r.u8("table element type");
          if (!REFTYPES.has(refType)) fail(`${what} has an unknown element type 0x${refType.toString(16)}`);
          imports.push({ module, field, kind: "table", refType, limits: readLimits(r, what) });
          numImportedTables++;
          break;
        }
        case 2: {
          if (memory) fail("the object uses more than one memory (multi-memory), which is not supported");
          memory = readLimits(r, what);
          memoryImported = true;
          imports.push({ module, field, kind: "memory", limits: memory });
          break;
        }
        case 3: {
          const valType = r.u8("global type");
          if (!VALTYPES.has(valType)) fail(`${what} has an unknown value type 0x${valType.toString(16)}`);
          const mut = r.u8("global mutability");
          if (mut > 1) fail(`${what} has an invalid mutability ${mut}`);
          imports.push({ module, field, kind: "global", valType, mutable: mut === 1 });
          numImportedGlobals++;
          break;
        }
        case 4:
          fail(`${what} is a tag: exception handling is not supported`);
        default:
          fail(`${what} has an unknown import kind ${kind}`);
      }
    }
    r.expectEnd();
  }

  // FUNCTION
  const functions: number[] = [];
  const funcSec = find(SectionId.FUNCTION);
  if (funcSec) {
    const r = reader(funcSec);
    const n = r.count("function");
    for (let i = 0; i < n; i++) {
      const t = r.u32("function type index");
      if (t >= types.length) fail(`FUNCTION section: function ${numImportedFuncs + i} has type index ${t} but the object has ${types.length} types`);
      functions.push(t);
    }
    r.expectEnd();
  }
  const numFuncs = numImportedFuncs + functions.length;

  // TABLE (only imports are allowed: the kernel's table is table 0)
  const tableSec = find(SectionId.TABLE);
  if (tableSec) {
    const r = reader(tableSec);
    if (r.count("table") > 0) fail("the object defines its own table; kernel modules use the kernel's function table");
    r.expectEnd();
  }
  if (numImportedTables > 1) fail("the object imports more than one table, which is not supported");

  // MEMORY (ld -r output defines its memory)
  const memSec = find(SectionId.MEMORY);
  if (memSec) {
    const r = reader(memSec);
    const n = r.count("memory");
    if (n + (memory ? 1 : 0) > 1) fail("the object uses more than one memory (multi-memory), which is not supported");
    if (n === 1) memory = readLimits(r, "MEMORY section: memory 0");
    r.expectEnd();
  }

  // GLOBAL
  let numDefinedGlobals = 0;
  const globalSec = find(SectionId.GLOBAL);
  if (globalSec) {
    const r = reader(globalSec);
    numDefinedGlobals = r.count("global", 3);
    for (let i = 0; i < numDefinedGlobals; i++) {
      const t = r.u8("global type");
      if (!VALTYPES.has(t)) fail(`GLOBAL section: global ${i} has an unknown value type 0x${t.toString(16)}`);
      if (r.u8("global mutability") > 1) fail(`GLOBAL section: global ${i} has an invalid mutability`);
      skipConstExpr(r, `GLOBAL section: global ${i} initializer`);
    }
    r.expectEnd();
  }
  const numGlobals = numImportedGlobals + numDefinedGlobals;

  // EXPORT
  const exports: ExportEntry[] = [];
  const exportSec = find(SectionId.EXPORT);
  if (exportSec) {
    const r = reader(exportSec);
    const n = r.count("export", 3);
    for (let i = 0; i < n; i++) {
      const name = r.name("export name");
      const kind = r.u8("export kind");
      const index = r.u32("export index");
      const limit = [numFuncs, numImportedTables, memory ? 1 : 0, numGlobals][kind];
      if (limit === undefined) fail(`export ${name} has an unknown kind ${kind}`);
      if (index >= limit) fail(`export ${name} refers to index ${index}, out of range`);
      exports.push({ name, kind, index });
    }
    r.expectEnd();
  }

  // ELEM: one active segment of function indices, object-relative (dropped by the loader).
  const elemFunctions: number[] = [];
  const elemSec = find(SectionId.ELEM);
  if (elemSec) {
    const r = reader(elemSec);
    const n = r.count("element segment", 3);
    for (let i = 0; i < n; i++) {
      const flags = r.u32("element segment flags");
      if (flags !== 0 && flags !== 2) fail(`ELEM section: segment ${i} has unsupported flags ${flags} (passive or expression segments)`);
      if (flags === 2) {
        if (r.u32("element table index") !== 0) fail(`ELEM section: segment ${i} is for a table other than table 0`);
      }
      skipConstExpr(r, `ELEM section: segment ${i} offset`);
      if (flags === 2 && r.u8("element kind") !== 0) fail(`ELEM section: segment ${i} has an unknown element kind`);
      const k = r.count("element");
      for (let j = 0; j < k; j++) {
        const f = r.u32("element function index");
        if (f >= numFuncs) fail(`ELEM section: segment ${i} lists function ${f} but the object has ${numFuncs} functions`);
        elemFunctions.push(f);
      }
    }
    r.expectEnd();
  }

  // DATACOUNT
  let dataCount: number | undefined;
  const dcSec = find(SectionId.DATACOUNT);
  if (dcSec) {
    const r = reader(dcSec);
    dataCount = r.u32("data count");
    r.expectEnd();
  }

  // CODE: only the body boundaries; bodies are copied, never decoded.
  const codeSection = find(SectionId.CODE);
  const functionBodies: FunctionBody[] = [];
  if (codeSection) {
    const r = reader(codeSection);
    const n = r.count("function body");
    if (n !== functions.length) fail(`CODE section has ${n} function bodies but the FUNCTION section declares ${functions.length} functions`);
    for (let i = 0; i < n; i++) {
      const offset = r.pos - codeSection.start;
      const size = r.u32("size of a function body");
      const bodyStart = r.pos - codeSection.start;
      if (size === 0) fail(`CODE section: function body ${numImportedFuncs + i} is empty`);
      if (size > r.end - r.pos) fail(`CODE section is truncated: function body ${numImportedFuncs + i} runs past its end`);
      r.pos += size;
      functionBodies.push({ offset, bodyStart, size });
    }
    r.expectEnd();
  } else if (functions.length > 0) {
    fail(`the FUNCTION section declares ${functions.length} functions but there is no CODE section`);
  }

  // DATA
  const dataSection = find(SectionId.DATA);
  const rawSegments: { offsetInSection: number; size: number; objectOffset: number }[] = [];
  if (dataSection) {
    const r = reader(dataSection);
    const n = r.count("data segment", 3);
    for (let i = 0; i < n; i++) {
      const flags = r.u32("data segment flags");
      if (flags === 1) fail(`DATA section: segment ${i} is passive, which is not supported`);
      if (flags === 2 && r.u32("data segment memory index") !== 0) fail(`DATA section: segment ${i} is for a memory other than memory 0`);
      if (flags > 2) fail(`DATA section: segment ${i} has unknown flags ${flags}`);
      const objectOffset = skipConstExpr(r, "DATA section: a segment offset");
      if (objectOffset === undefined) fail(`DATA section: segment ${i} offset is not an i32.const`);
      const size = r.u32("size of a data segment");
      const offsetInSection = r.pos - dataSection.start;
      if (size > r.end - r.pos) fail(`DATA section is truncated: segment ${i} runs past its end`);
      r.pos += size;
      rawSegments.push({ offsetInSection, size, objectOffset: objectOffset >>> 0 });
    }
    r.expectEnd();
  }
  if (dataCount !== undefined && dataCount !== rawSegments.length) {
    fail(`DATACOUNT says ${dataCount} segments but the DATA section has ${rawSegments.length}`);
  }
  if (rawSegments.length > 0 && !memory) fail("the object has data segments but no memory");

  // Overlapping or oversized segments in the object's own address space.
  {
    const memBytes = memory ? memory.min * 65536 : 0;
    const byOffset = rawSegments.map((s, i) => ({ ...s, i })).sort((a, b) => a.objectOffset - b.objectOffset);
    for (let k = 0; k < byOffset.length; k++) {
      const s = byOffset[k]!;
      if (s.objectOffset + s.size > memBytes) {
        fail(`data segment ${s.i} (offset ${s.objectOffset}, ${s.size} bytes) extends past the object's memory of ${memBytes} bytes`);
      }
      const next = byOffset[k + 1];
      if (next && s.objectOffset + s.size > next.objectOffset) {
        fail(`data segments ${s.i} and ${next.i} overlap`);
      }
    }
  }

  // linking
  const linking = sections[linkingIdx]!;
  const lr = reader(linking, "linking section");
  const version = lr.u32("linking version");
  if (version !== LINKING_VERSION) fail(`unsupported linking section version ${version}`);
  const symbols: WasmSymbol[] = [];
  let segmentInfo: { name: string; p2align: number; flags: number }[] | undefined;
  const initFuncs: InitFunc[] = [];
  const comdats: Comdat[] = [];
  let sawSymtab = false;
  while (!lr.atEnd) {
    const type = lr.u8("linking subsection type");
    const len = lr.u32("linking subsection size");
    if (len > lr.end - lr.pos) fail(`linking subsection ${type} declares ${len} bytes but only ${lr.end - lr.pos} remain in the section`);
    const sub = new WasmReader(bytes, lr.pos, lr.pos + len, `linking subsection ${type}`);
    lr.pos += len;
    switch (type) {
      case LinkingSubsection.SEGMENT_INFO: {
        if (segmentInfo) fail("duplicate WASM_SEGMENT_INFO subsection");
        const n = sub.count("segment", 3);
        if (n !== rawSegments.length) fail(`WASM_SEGMENT_INFO describes ${n} segments but the DATA section has ${rawSegments.length}`);
        segmentInfo = [];
        for (let i = 0; i < n; i++) {
          const name = sub.name("segment name");
          const p2align = sub.u32("segment alignment");
          if (p2align > 12) fail(`data segment ${name} wants alignment 2^${p2align}, more than a page`);
          const flags = sub.u32("segment flags");
          if (flags & SegFlag.TLS) fail(`thread-local storage (segment ${name}) is not supported`);
          segmentInfo.push({ name, p2align, flags });
        }
        break;
      }
      case LinkingSubsection.INIT_FUNCS: {
        const n = sub.count("init function", 2);
        for (let i = 0; i < n; i++) {
          const priority = sub.u32("init function priority");
          const symbol = sub.u32("init function symbol");
          initFuncs.push({ priority, symbol });
        }
        break;
      }
      case LinkingSubsection.COMDAT_INFO: {
        const n = sub.count("comdat", 3);
        for (let i = 0; i < n; i++) {
          const name = sub.name("comdat name");
          if (sub.u32("comdat flags") !== 0) fail(`comdat ${name} has non-zero flags`);
          const k = sub.count("comdat member", 2);
          const members: { kind: number; index: number }[] = [];
          for (let j = 0; j < k; j++) {
            const kind = sub.u8("comdat member kind");
            if (kind > 5) fail(`comdat ${name} has a member of unknown kind ${kind}`);
            members.push({ kind, index: sub.u32("comdat member index") });
          }
          comdats.push({ name, members });
        }
        break;
      }
      case LinkingSubsection.SYMBOL_TABLE: {
        if (sawSymtab) fail("duplicate WASM_SYMBOL_TABLE subsection");
        sawSymtab = true;
        const n = sub.count("symbol", 2);
        for (let i = 0; i < n; i++) symbols.push(readSymbol(sub, i));
        break;
      }
      default:
        if (type < 5) fail(`linking subsection type ${type} is from the obsolete pre-2018 format`);
        fail(`unknown linking subsection type ${type}`);
    }
    sub.expectEnd();
  }
  if (!segmentInfo) {
    if (rawSegments.length > 0) fail("the linking section has no WASM_SEGMENT_INFO for the data segments");
    segmentInfo = [];
  }
  const dataSegments: DataSegment[] = rawSegments.map((s, i) => ({ ...segmentInfo![i]!, ...s }));

  // Symbol checks that need the whole object.
  const importsByKind: Record<string, Import[]> = { func: [], global: [], table: [], memory: [] };
  for (const imp of imports) importsByKind[imp.kind]!.push(imp);
  const named: WasmSymbol[] = symbols.map((s) => {
    if (s.flags & SymFlag.TLS) fail(`thread-local storage (symbol ${s.name || s.index}) is not supported`);
    switch (s.kind) {
      case "event":
        fail(`symbol ${s.index} is an exception-handling tag, which is not supported`);
      case "section":
        if (s.section >= sections.length) fail(`symbol ${s.index} refers to section ${s.section} but the object has ${sections.length} sections`);
        return s;
      case "data":
        if (!s.undefined && s.segment >= 0) {
          const seg = dataSegments[s.segment];
          if (!seg) fail(`symbol ${s.name} refers to data segment ${s.segment} but the object has ${dataSegments.length} segments`);
          if (s.offset + s.size > seg.size) fail(`symbol ${s.name} (offset ${s.offset}, size ${s.size}) extends past the end of segment ${seg.name} (${seg.size} bytes)`);
        }
        return s;
      default: {
        const nImported = s.kind === "func" ? numImportedFuncs : s.kind === "global" ? numImportedGlobals : numImportedTables;
        const total = s.kind === "func" ? numFuncs : s.kind === "global" ? numGlobals : numImportedTables;
        if (s.elementIndex >= total || s.undefined !== s.elementIndex < nImported) {
          const label = s.name ? `symbol ${s.name}` : `symbol ${s.index}`;
          if (s.elementIndex >= total) fail(`${label} refers to ${s.kind} ${s.elementIndex} but the object has ${total}`);
          fail(`${label} is ${s.undefined ? "undefined but names a defined" : "defined but names an imported"} ${s.kind}`);
        }
        if (s.name === "") {
          // An undefined symbol without EXPLICIT_NAME is named after its import field.
          const imp = importsByKind[s.kind]![s.elementIndex];
          if (!imp) fail(`symbol ${s.index} has no name`);
          return { ...s, name: imp.field };
        }
        return s;
      }
    }
  });
  for (const f of initFuncs) {
    const s = named[f.symbol];
    if (!s) fail(`init function symbol ${f.symbol} is out of range (${named.length} symbols)`);
    if (s.kind !== "func") fail(`init function symbol ${s.name} is not a function`);
  }
  for (const c of comdats) {
    for (const m of c.members) {
      const limit = [dataSegments.length, numFuncs, numGlobals, 0, numImportedTables, sections.length][m.kind]!;
      if (m.index >= limit) fail(`comdat ${c.name} member ${m.index} of kind ${m.kind} is out of range`);
    }
  }

  // Relocation sections.
  const relocations: RelocSection[] = [];
  let codeRelocations: Relocation[] = [];
  let dataRelocations: Relocation[] = [];
  sections.forEach((s, secIdx) => {
    if (s.id !== 0 || !s.name.startsWith("reloc.")) return;
    if (secIdx < linkingIdx) fail(`relocation section ${s.name} comes before the linking section`);
    const r = reader(s, `${s.name} section`);
    const target = r.u32("relocation target section");
    const ts = sections[target];
    if (!ts) fail(`${s.name} targets section ${target} but the object has ${sections.length} sections`);
    if (target >= secIdx) fail(`${s.name} targets section ${target}, which does not precede it`);
    const targetName = ts.name;
    // Code, data and custom sections such as .debug_info; never the linker's own metadata.
    if ((ts.id !== SectionId.CODE && ts.id !== SectionId.DATA && ts.id !== 0) || ts.name === "linking" || ts.name.startsWith("reloc.")) {
      fail(`${s.name} targets the ${ts.name} section, which cannot be relocated`);
    }
    if (relocations.some((x) => x.target === target)) fail(`section ${targetName} has two relocation sections`);
    const n = r.count("relocation", 3);
    const entries: Relocation[] = new Array(n);
    const payload = ts.end - ts.start;
    // Segments are sorted by offsetInSection: a cursor finds each data reloc's segment.
    for (let i = 0; i < n; i++) {
      const type = r.u8("relocation type");
      const offset = r.u32("relocation offset");
      const index = r.u32("relocation index");
      const addend = hasAddend(type) ? r.s32("relocation addend") : 0;
      const tgt = RELOC_TARGETS[type] ?? relocTarget(type);
      if (tgt.refuse) fail(`relocation ${i} in ${targetName}: ${tgt.refuse}`);
      const width = relocWidth(type);
      if (offset + width > payload) fail(`relocation ${i} in ${targetName} points past the end of the section`);
      if (type === RelocType.TYPE_INDEX_LEB) {
        if (index >= types.length) fail(`relocation ${i} in ${targetName} refers to type ${index} but the object has ${types.length} types`);
      } else {
        const sym = named[index];
        if (!sym) fail(`relocation ${i} in ${targetName} refers to symbol ${index} but the object has ${named.length} symbols`);
        if (sym.kind !== tgt.kind) fail(`relocation ${i} in ${targetName} (${RELOC_TYPE_NAMES[type]}) refers to ${sym.kind} symbol ${sym.name}`);
      }
      if (ts.id === SectionId.CODE) {
        if (!CODE_RELOCS.has(type)) fail(`relocation ${i} in CODE has type ${RELOC_TYPE_NAMES[type]}, which does not belong in code`);
        // inside one body: a patch across a body's end would overwrite the next body's size
        const body = spanAt(functionBodies, offset, (b) => b.bodyStart);
        if (body < 0 || offset + width > functionBodies[body]!.bodyStart + functionBodies[body]!.size) fail(`relocation ${i} in CODE is not inside a function body`);
      } else if (ts.id === SectionId.DATA) {
        if (!DATA_RELOCS.has(type)) fail(`relocation ${i} in DATA has type ${RELOC_TYPE_NAMES[type]}, which does not belong in data`);
        const seg = segmentAt(dataSegments, offset);
        if (seg < 0 || offset + width > dataSegments[seg]!.offsetInSection + dataSegments[seg]!.size) fail(`relocation ${i} in DATA is not inside a data segment`);
      }
      entries[i] = { type, offset, index, addend };
    }
    r.expectEnd();
    relocations.push({ targetName, target, entries });
    if (ts.id === SectionId.CODE) codeRelocations = entries;
    else if (ts.id === SectionId.DATA) dataRelocations = entries;
  });

  // A symbol table only lists undefined symbols and compiler temporaries
  // (.L*) because relocations use them.  One that nothing references means a
  // relocation section is missing: the file was cut at a section boundary.
  const referenced = new Uint8Array(named.length);
  for (const rs of relocations) {
    for (const r of rs.entries) if (r.type !== RelocType.TYPE_INDEX_LEB) referenced[r.index] = 1;
  }
  for (const f of initFuncs) referenced[f.symbol] = 1;
  for (const s of named) {
    // (wasm-ld -r adds an unreferenced __indirect_function_table symbol: tables and globals are exempt.)
    if (referenced[s.index] || (s.kind !== "func" && s.kind !== "data")) continue;
    if (s.undefined || (s.binding === "local" && s.name.startsWith(".L"))) {
      fail(`symbol ${s.name} is not referenced by any relocation (is a relocation section missing?)`);
    }
  }
  const namedImports = new Uint8Array(numFuncs);
  for (const s of named) if (s.kind === "func" && s.undefined) namedImports[s.elementIndex] = 1;
  for (let f = 0; f < numImportedFuncs; f++) {
    if (!namedImports[f]) fail(`function import ${f} has no symbol`);
  }

  return {
    filename,
    bytes,
    sections,
    types,
    imports,
    numImportedFuncs,
    numImportedGlobals,
    numImportedTables,
    functions,
    memory,
    memoryImported,
    numDefinedGlobals,
    globalSection: globalSec,
    exports,
    elemFunctions,
    codeSection,
    functionBodies,
    dataSection,
    dataSegments,
    symbols: named,
    relocations,
    codeRelocations,
    dataRelocations,
    initFuncs,
    comdats,
    targetFeatures,
  };
}

/** Index of the data segment holding section offset `off`, or -1 (segments are sorted and disjoint). */
export function segmentAt(segs: readonly DataSegment[], off: number): number {
  return spanAt(segs, off, (s) => s.offsetInSection);
}

/** Binary search of sorted, disjoint spans [start(t), start(t) + t.size) for the one holding `off`; -1 if none. */
function spanAt<T extends { readonly size: number }>(spans: readonly T[], off: number, start: (t: T) => number): number {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = spans[mid]!;
    const at = start(t);
    if (off < at) hi = mid - 1;
    else if (off >= at + t.size) lo = mid + 1;
    else return mid;
  }
  return -1;
}

function readSymbol(r: WasmReader, i: number): WasmSymbol {
  const kindCode = r.u8("symbol kind");
  const flags = r.u32("symbol flags");
  const undef = (flags & SymFlag.UNDEFINED) !== 0;
  if ((flags & SymFlag.BINDING_LOCAL) && (flags & SymFlag.BINDING_WEAK)) fail(`symbol ${i} is both local and weak`);
  const binding = flags & SymFlag.BINDING_LOCAL ? "local" : flags & SymFlag.BINDING_WEAK ? "weak" : "global";
  switch (kindCode) {
    case SymbolKindCode.FUNCTION:
    case SymbolKindCode.GLOBAL:
    case SymbolKindCode.EVENT:
    case SymbolKindCode.TABLE: {
      const kind = INDEXED_KINDS[kindCode]!;
      const elementIndex = r.u32("symbol index");
      const hasName = !undef || (flags & SymFlag.EXPLICIT_NAME) !== 0;
      const name = hasName ? r.name("symbol name") : "";
      if (hasName && name === "") fail(`symbol ${i} has an empty name`);
      return { index: i, flags, binding, undefined: undef, kind, elementIndex, name };
    }
    case SymbolKindCode.DATA: {
      const name = r.name("symbol name");
      if (name === "") fail(`symbol ${i} has an empty name`);
      if (undef) return { index: i, flags, binding, undefined: undef, kind: "data", name, segment: -1, offset: 0, size: 0 };
      const segment = r.u32("symbol segment");
      const offset = r.u32("symbol offset");
      const size = r.u32("symbol size");
      return {
        index: i, flags, binding, undefined: undef, kind: "data", name,
        segment: flags & SymFlag.ABSOLUTE ? -1 : segment, offset, size,
      };
    }
    case SymbolKindCode.SECTION: {
      const section = r.u32("symbol section");
      return { index: i, flags, binding, undefined: undef, kind: "section", name: "", section };
    }
    default:
      fail(`symbol ${i} has unknown kind ${kindCode}`);
  }
}

const INDEXED_KINDS: readonly ("func" | "global" | "event" | "table" | undefined)[] = [
  "func", undefined, "global", undefined, "event", "table",
];
