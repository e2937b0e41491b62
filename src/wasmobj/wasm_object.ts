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
 * index without checks.  parse() is a list of stages; each section is read
 * by its own reader, found in a table: CORE_SECTION_READERS by section id
 * (in canonical order, each with an optional check that runs whether or
 * not the section is present), CUSTOM_SECTION_READERS by name
 * (target_features, linking, reloc.*), LINKING_SUBSECTION_READERS by
 * subsection type.  The readers fill one ObjectDraft.  Function bodies are not decoded: V8 validates the
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
  type DataSymbol,
  type ExportEntry,
  type FuncType,
  type FunctionBody,
  type Import,
  type IndexedSymbol,
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

/** A data segment as the DATA section gives it, before WASM_SEGMENT_INFO names it. */
interface RawSegment {
  readonly offsetInSection: number;
  readonly size: number;
  readonly objectOffset: number;
}

type SegmentInfo = Pick<DataSegment, "name" | "p2align" | "flags">;

/**
 * What the section readers fill in, one stage after another; parse()
 * returns it as the WasmObject.  A reader may rely on every field an
 * earlier stage fills (IMPORT counts before FUNCTION, DATA before linking,
 * symbols before relocations).
 */
interface ObjectDraft {
  readonly bytes: Uint8Array;
  readonly filename: string;
  readonly sections: readonly SectionInfo[];
  /** Position of the linking section in `sections`. */
  readonly linkingIdx: number;
  readonly targetFeatures: TargetFeature[];
  readonly types: FuncType[];
  readonly imports: Import[];
  numImportedFuncs: number;
  numImportedGlobals: number;
  numImportedTables: number;
  memory: Limits | undefined;
  memoryImported: boolean;
  readonly functions: number[];
  numDefinedGlobals: number;
  globalSection: SectionInfo | undefined;
  readonly exports: ExportEntry[];
  readonly elemFunctions: number[];
  dataCount: number | undefined;
  codeSection: SectionInfo | undefined;
  readonly functionBodies: FunctionBody[];
  dataSection: SectionInfo | undefined;
  readonly rawSegments: RawSegment[];
  segmentInfo: SegmentInfo[] | undefined;
  dataSegments: DataSegment[];
  sawSymtab: boolean;
  /** Symbols as the table lists them; nameSymbols() replaces them with their final names. */
  symbols: WasmSymbol[];
  readonly initFuncs: InitFunc[];
  readonly comdats: Comdat[];
  readonly relocations: RelocSection[];
  codeRelocations: Relocation[];
  dataRelocations: Relocation[];
}

const numFuncs = (o: ObjectDraft): number => o.numImportedFuncs + o.functions.length;
const numGlobals = (o: ObjectDraft): number => o.numImportedGlobals + o.numDefinedGlobals;

/**
 * The stages of reading an object, in order.  Each section is read by the
 * reader its table entry names: core sections by id (CORE_SECTION_READERS),
 * custom ones by name (CUSTOM_SECTION_READERS).
 */
function parse(bytes: Uint8Array, filename: string): WasmObject {
  const sections = readSectionHeaders(bytes);
  const o = newDraft(bytes, filename, sections, checkObjectKind(sections));
  // target_features first: an unknown `+` feature may change how the rest is encoded.
  readCustomSections(o, "target_features");
  readCoreSections(o);
  readCustomSections(o, "linking");
  nameSymbols(o);
  checkInitFuncsAndComdats(o);
  readCustomSections(o, "reloc.");
  checkEverySymbolReferenced(o);
  return finishObject(o);
}

function checkVersion(hdr: WasmReader): void {
  hdr.skip(4, "magic");
  const ver = hdr.take(4, "version");
  if (!WASM_VERSION.every((b, i) => ver[i] === b)) {
    fail(`unsupported wasm binary version ${ver[0]! | (ver[1]! << 8) | (ver[2]! << 16) | (ver[3]! << 24)}`);
  }
}

/** Pass 1: every section's id, name and payload bounds; core sections once each, in canonical order. */
function readSectionHeaders(bytes: Uint8Array): SectionInfo[] {
  const hdr = new WasmReader(bytes, 0, bytes.length, "the file");
  checkVersion(hdr);
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
  return sections;
}

/** Refuse what is not a relocatable object we can load; returns the linking section's position. */
function checkObjectKind(sections: readonly SectionInfo[]): number {
  const custom = (name: string) => sections.filter((s) => s.id === SectionId.CUSTOM && s.name === name);
  if (sections.some((s) => s.id === SectionId.START)) fail("the object has a start section, which kernel modules may not have");
  if (sections.some((s) => s.id === SectionId.TAG)) fail("the object uses exception handling (TAG section), which is not supported");
  const linking = custom("linking");
  if (linking.length === 0) fail("not a relocatable object (no linking section); build with clang -c");
  if (linking.length > 1) fail("more than one linking section");
  if (custom("dylink.0").length > 0) {
    fail("a shared library (dylink.0 section), not a relocatable object; rebuild with clang -c and without -fPIC");
  }
  return sections.indexOf(linking[0]!);
}

function newDraft(bytes: Uint8Array, filename: string, sections: readonly SectionInfo[], linkingIdx: number): ObjectDraft {
  return {
    bytes, filename, sections, linkingIdx,
    targetFeatures: [], types: [], imports: [],
    numImportedFuncs: 0, numImportedGlobals: 0, numImportedTables: 0,
    memory: undefined, memoryImported: false,
    functions: [], numDefinedGlobals: 0, globalSection: undefined,
    exports: [], elemFunctions: [], dataCount: undefined,
    codeSection: undefined, functionBodies: [],
    dataSection: undefined, rawSegments: [], segmentInfo: undefined, dataSegments: [],
    sawSymtab: false, symbols: [], initFuncs: [], comdats: [],
    relocations: [], codeRelocations: [], dataRelocations: [],
  };
}

function sectionReader(o: ObjectDraft, s: SectionInfo, what = `${s.name} section`): WasmReader {
  return new WasmReader(o.bytes, s.start, s.end, what);
}

// ---- core sections ---------------------------------------------------------

/** A core section's reader; `after` runs whether or not the section is present. */
interface CoreSectionReader {
  read(r: WasmReader, o: ObjectDraft, s: SectionInfo): void;
  after?(o: ObjectDraft): void;
}

/** Read the core sections in canonical order, each by its entry in CORE_SECTION_READERS. */
function readCoreSections(o: ObjectDraft): void {
  const byId = new Map<number, SectionInfo>();
  for (const s of o.sections) if (s.id !== SectionId.CUSTOM) byId.set(s.id, s);
  for (const id of CORE_READ_ORDER) {
    const reader = CORE_SECTION_READERS[id]!;
    const s = byId.get(id);
    if (s) {
      const r = sectionReader(o, s);
      reader.read(r, o, s);
      r.expectEnd();
    }
    reader.after?.(o);
  }
}

function readTypeSection(r: WasmReader, o: ObjectDraft): void {
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
    o.types.push({ params, results: vec("result") });
  }
}

function readImportSection(r: WasmReader, o: ObjectDraft): void {
  const n = r.count("import", 4);
  for (let i = 0; i < n; i++) {
    const module = r.name("import module");
    const field = r.name("import field");
    if (module === "GOT.mem" || module === "GOT.func" || field === "__memory_base" || field === "__table_base") {
      fail(`position-independent code (imports ${module}.${field}); rebuild without -fPIC`);
    }
    if (field === "__tls_base" || field === "__tls_size" || field === "__tls_align") {
      fail(`thread-local storage (imports ${module}.${field}) is not supported`);
    }
    readImportDesc(r, o, module, field, `import ${i} (${module}.${field})`);
  }
}

/** One import's kind and description; counts it in its index space. */
function readImportDesc(r: WasmReader, o: ObjectDraft, module: string, field: string, what: string): void {
  const kind = r.u8("import kind");
  switch (kind) {
    case 0: {
      const typeIndex = r.u32("import type index");
      if (typeIndex >= o.types.length) fail(`${what} has type index ${typeIndex} but the object has ${o.types.length} types`);
      o.imports.push({ module, field, kind: "func", typeIndex });
      o.numImportedFuncs++;
      return;
    }
    case 1: {
      const refType = r.u8("table element type");
      if (!REFTYPES.has(refType)) fail(`${what} has an unknown element type 0x${refType.toString(16)}`);
      o.imports.push({ module, field, kind: "table", refType, limits: readLimits(r, what) });
      o.numImportedTables++;
      return;
    }
    case 2: {
      if (o.memory) fail("the object uses more than one memory (multi-memory), which is not supported");
      o.memory = readLimits(r, what);
      o.memoryImported = true;
      o.imports.push({ module, field, kind: "memory", limits: o.memory });
      return;
    }
    case 3: {
      const valType = r.u8("global type");
      if (!VALTYPES.has(valType)) fail(`${what} has an unknown value type 0x${valType.toString(16)}`);
      const mut = r.u8("global mutability");
      if (mut > 1) fail(`${what} has an invalid mutability ${mut}`);
      o.imports.push({ module, field, kind: "global", valType, mutable: mut === 1 });
      o.numImportedGlobals++;
      return;
    }
    case 4:
      fail(`${what} is a tag: exception handling is not supported`);
    default:
      fail(`${what} has an unknown import kind ${kind}`);
  }
}

function readFunctionSection(r: WasmReader, o: ObjectDraft): void {
  const n = r.count("function");
  for (let i = 0; i < n; i++) {
    const t = r.u32("function type index");
    if (t >= o.types.length) fail(`FUNCTION section: function ${o.numImportedFuncs + i} has type index ${t} but the object has ${o.types.length} types`);
    o.functions.push(t);
  }
}

/** Only imported tables are allowed: the kernel's table is table 0. */
function readTableSection(r: WasmReader): void {
  if (r.count("table") > 0) fail("the object defines its own table; kernel modules use the kernel's function table");
}

function checkOneTable(o: ObjectDraft): void {
  if (o.numImportedTables > 1) fail("the object imports more than one table, which is not supported");
}

/** ld -r output defines its memory. */
function readMemorySection(r: WasmReader, o: ObjectDraft): void {
  const n = r.count("memory");
  if (n + (o.memory ? 1 : 0) > 1) fail("the object uses more than one memory (multi-memory), which is not supported");
  if (n === 1) o.memory = readLimits(r, "MEMORY section: memory 0");
}

function readGlobalSection(r: WasmReader, o: ObjectDraft, s: SectionInfo): void {
  o.globalSection = s;
  o.numDefinedGlobals = r.count("global", 3);
  for (let i = 0; i < o.numDefinedGlobals; i++) {
    const t = r.u8("global type");
    if (!VALTYPES.has(t)) fail(`GLOBAL section: global ${i} has an unknown value type 0x${t.toString(16)}`);
    if (r.u8("global mutability") > 1) fail(`GLOBAL section: global ${i} has an invalid mutability`);
    skipConstExpr(r, `GLOBAL section: global ${i} initializer`);
  }
}

function readExportSection(r: WasmReader, o: ObjectDraft): void {
  const n = r.count("export", 3);
  for (let i = 0; i < n; i++) {
    const name = r.name("export name");
    const kind = r.u8("export kind");
    const index = r.u32("export index");
    const limit = [numFuncs(o), o.numImportedTables, o.memory ? 1 : 0, numGlobals(o)][kind];
    if (limit === undefined) fail(`export ${name} has an unknown kind ${kind}`);
    if (index >= limit) fail(`export ${name} refers to index ${index}, out of range`);
    o.exports.push({ name, kind, index });
  }
}

/** One active segment of function indices, object-relative (the loader drops it). */
function readElemSection(r: WasmReader, o: ObjectDraft): void {
  const n = r.count("element segment", 3);
  const total = numFuncs(o);
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
      if (f >= total) fail(`ELEM section: segment ${i} lists function ${f} but the object has ${total} functions`);
      o.elemFunctions.push(f);
    }
  }
}

function readDataCountSection(r: WasmReader, o: ObjectDraft): void {
  o.dataCount = r.u32("data count");
}

/** Only the body boundaries: bodies are copied, never decoded. */
function readCodeSection(r: WasmReader, o: ObjectDraft, s: SectionInfo): void {
  o.codeSection = s;
  const n = r.count("function body");
  if (n !== o.functions.length) fail(`CODE section has ${n} function bodies but the FUNCTION section declares ${o.functions.length} functions`);
  for (let i = 0; i < n; i++) {
    const offset = r.pos - s.start;
    const size = r.u32("size of a function body");
    const bodyStart = r.pos - s.start;
    if (size === 0) fail(`CODE section: function body ${o.numImportedFuncs + i} is empty`);
    if (size > r.end - r.pos) fail(`CODE section is truncated: function body ${o.numImportedFuncs + i} runs past its end`);
    r.pos += size;
    o.functionBodies.push({ offset, bodyStart, size });
  }
}

function checkCodeSectionPresent(o: ObjectDraft): void {
  if (!o.codeSection && o.functions.length > 0) {
    fail(`the FUNCTION section declares ${o.functions.length} functions but there is no CODE section`);
  }
}

function readDataSection(r: WasmReader, o: ObjectDraft, s: SectionInfo): void {
  o.dataSection = s;
  const n = r.count("data segment", 3);
  for (let i = 0; i < n; i++) {
    const flags = r.u32("data segment flags");
    if (flags === 1) fail(`DATA section: segment ${i} is passive, which is not supported`);
    if (flags === 2 && r.u32("data segment memory index") !== 0) fail(`DATA section: segment ${i} is for a memory other than memory 0`);
    if (flags > 2) fail(`DATA section: segment ${i} has unknown flags ${flags}`);
    const objectOffset = skipConstExpr(r, "DATA section: a segment offset");
    if (objectOffset === undefined) fail(`DATA section: segment ${i} offset is not an i32.const`);
    const size = r.u32("size of a data segment");
    const offsetInSection = r.pos - s.start;
    if (size > r.end - r.pos) fail(`DATA section is truncated: segment ${i} runs past its end`);
    r.pos += size;
    o.rawSegments.push({ offsetInSection, size, objectOffset: objectOffset >>> 0 });
  }
}

/** DATACOUNT agrees; segments have a memory and neither overlap nor run past it. */
function checkDataSegments(o: ObjectDraft): void {
  const segs = o.rawSegments;
  if (o.dataCount !== undefined && o.dataCount !== segs.length) {
    fail(`DATACOUNT says ${o.dataCount} segments but the DATA section has ${segs.length}`);
  }
  if (segs.length > 0 && !o.memory) fail("the object has data segments but no memory");
  const memBytes = o.memory ? o.memory.min * 65536 : 0;
  const byOffset = segs.map((s, i) => ({ ...s, i })).sort((a, b) => a.objectOffset - b.objectOffset);
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

/** Core section readers by section id. */
const CORE_SECTION_READERS: Readonly<Record<number, CoreSectionReader>> = {
  [SectionId.TYPE]: { read: readTypeSection },
  [SectionId.IMPORT]: { read: readImportSection },
  [SectionId.FUNCTION]: { read: readFunctionSection },
  [SectionId.TABLE]: { read: readTableSection, after: checkOneTable },
  [SectionId.MEMORY]: { read: readMemorySection },
  [SectionId.GLOBAL]: { read: readGlobalSection },
  [SectionId.EXPORT]: { read: readExportSection },
  [SectionId.ELEM]: { read: readElemSection },
  [SectionId.DATACOUNT]: { read: readDataCountSection },
  [SectionId.CODE]: { read: readCodeSection, after: checkCodeSectionPresent },
  [SectionId.DATA]: { read: readDataSection, after: checkDataSegments },
};

/** The readers' ids in canonical section order, which readSectionHeaders enforced on the file. */
const CORE_READ_ORDER: readonly number[] = Object.keys(CORE_SECTION_READERS)
  .map(Number)
  .sort((a, b) => SECTION_ORDER[a]! - SECTION_ORDER[b]!);

// ---- custom sections -------------------------------------------------------

type CustomSectionReader = (r: WasmReader, o: ObjectDraft, s: SectionInfo, index: number) => void;

/**
 * Read the custom sections `key` selects, each through CUSTOM_SECTION_READERS:
 * a key ending in "." selects every section whose name starts with it
 * (reloc.CODE, reloc.DATA, reloc..debug_info), any other key the first
 * section of that name.
 */
function readCustomSections(o: ObjectDraft, key: string): void {
  const read = CUSTOM_SECTION_READERS[key]!;
  const prefix = key.endsWith(".");
  for (let i = 0; i < o.sections.length; i++) {
    const s = o.sections[i]!;
    if (s.id !== SectionId.CUSTOM || (prefix ? !s.name.startsWith(key) : s.name !== key)) continue;
    const r = sectionReader(o, s);
    read(r, o, s, i);
    r.expectEnd();
    if (!prefix) return;
  }
}

function readTargetFeatures(r: WasmReader, o: ObjectDraft): void {
  const n = r.count("feature", 2);
  for (let i = 0; i < n; i++) {
    const p = r.u8("feature prefix");
    if (p !== 0x2b && p !== 0x2d && p !== 0x3d) fail(`target_features entry ${i} has an invalid prefix 0x${p.toString(16)}`);
    const name = r.name("feature name");
    const prefix = String.fromCharCode(p) as TargetFeature["prefix"];
    if (prefix !== "-" && !SUPPORTED_FEATURES.has(name)) {
      fail(`the object uses wasm feature ${name}, which this kernel does not support`);
    }
    o.targetFeatures.push({ prefix, name });
  }
}

/** The linking section: a version, then subsections, each read by LINKING_SUBSECTION_READERS. */
function readLinkingSection(lr: WasmReader, o: ObjectDraft): void {
  const version = lr.u32("linking version");
  if (version !== LINKING_VERSION) fail(`unsupported linking section version ${version}`);
  while (!lr.atEnd) {
    const type = lr.u8("linking subsection type");
    const len = lr.u32("linking subsection size");
    if (len > lr.end - lr.pos) fail(`linking subsection ${type} declares ${len} bytes but only ${lr.end - lr.pos} remain in the section`);
    const sub = new WasmReader(o.bytes, lr.pos, lr.pos + len, `linking subsection ${type}`);
    lr.pos += len;
    const read = LINKING_SUBSECTION_READERS[type];
    if (!read) {
      if (type < 5) fail(`linking subsection type ${type} is from the obsolete pre-2018 format`);
      fail(`unknown linking subsection type ${type}`);
    }
    read(sub, o);
    sub.expectEnd();
  }
  if (!o.segmentInfo && o.rawSegments.length > 0) fail("the linking section has no WASM_SEGMENT_INFO for the data segments");
  const info = o.segmentInfo ?? [];
  o.dataSegments = o.rawSegments.map((s, i) => ({ ...info[i]!, ...s }));
}

function readSegmentInfo(sub: WasmReader, o: ObjectDraft): void {
  if (o.segmentInfo) fail("duplicate WASM_SEGMENT_INFO subsection");
  const n = sub.count("segment", 3);
  if (n !== o.rawSegments.length) fail(`WASM_SEGMENT_INFO describes ${n} segments but the DATA section has ${o.rawSegments.length}`);
  const info: SegmentInfo[] = [];
  for (let i = 0; i < n; i++) {
    const name = sub.name("segment name");
    const p2align = sub.u32("segment alignment");
    if (p2align > 12) fail(`data segment ${name} wants alignment 2^${p2align}, more than a page`);
    const flags = sub.u32("segment flags");
    if (flags & SegFlag.TLS) fail(`thread-local storage (segment ${name}) is not supported`);
    info.push({ name, p2align, flags });
  }
  o.segmentInfo = info;
}

function readInitFuncs(sub: WasmReader, o: ObjectDraft): void {
  const n = sub.count("init function", 2);
  for (let i = 0; i < n; i++) {
    const priority = sub.u32("init function priority");
    const symbol = sub.u32("init function symbol");
    o.initFuncs.push({ priority, symbol });
  }
}

function readComdatInfo(sub: WasmReader, o: ObjectDraft): void {
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
    o.comdats.push({ name, members });
  }
}

function readSymbolTable(sub: WasmReader, o: ObjectDraft): void {
  if (o.sawSymtab) fail("duplicate WASM_SYMBOL_TABLE subsection");
  o.sawSymtab = true;
  const n = sub.count("symbol", 2);
  for (let i = 0; i < n; i++) o.symbols.push(readSymbol(sub, i));
}

/** Linking subsection readers by subsection type (WASM_SEGMENT_INFO...). */
const LINKING_SUBSECTION_READERS: Readonly<Record<number, (sub: WasmReader, o: ObjectDraft) => void>> = {
  [LinkingSubsection.SEGMENT_INFO]: readSegmentInfo,
  [LinkingSubsection.INIT_FUNCS]: readInitFuncs,
  [LinkingSubsection.COMDAT_INFO]: readComdatInfo,
  [LinkingSubsection.SYMBOL_TABLE]: readSymbolTable,
};

/** One reloc.* section: entries checked against their target section and the symbol table. */
function readRelocSection(r: WasmReader, o: ObjectDraft, s: SectionInfo, secIdx: number): void {
  const sections = o.sections;
  if (secIdx < o.linkingIdx) fail(`relocation section ${s.name} comes before the linking section`);
  const target = r.u32("relocation target section");
  const ts = sections[target];
  if (!ts) fail(`${s.name} targets section ${target} but the object has ${sections.length} sections`);
  if (target >= secIdx) fail(`${s.name} targets section ${target}, which does not precede it`);
  // Code, data and custom sections such as .debug_info; never the linker's own metadata.
  if ((ts.id !== SectionId.CODE && ts.id !== SectionId.DATA && ts.id !== 0) || ts.name === "linking" || ts.name.startsWith("reloc.")) {
    fail(`${s.name} targets the ${ts.name} section, which cannot be relocated`);
  }
  if (o.relocations.some((x) => x.target === target)) fail(`section ${ts.name} has two relocation sections`);
  const n = r.count("relocation", 3);
  const entries: Relocation[] = new Array(n);
  for (let i = 0; i < n; i++) entries[i] = readRelocation(r, o, ts, i);
  o.relocations.push({ targetName: ts.name, target, entries });
  if (ts.id === SectionId.CODE) o.codeRelocations = entries;
  else if (ts.id === SectionId.DATA) o.dataRelocations = entries;
}

/** Relocation `i` of a section patching `ts`: its type, target symbol kind and place. */
function readRelocation(r: WasmReader, o: ObjectDraft, ts: SectionInfo, i: number): Relocation {
  const targetName = ts.name;
  const type = r.u8("relocation type");
  const offset = r.u32("relocation offset");
  const index = r.u32("relocation index");
  const addend = hasAddend(type) ? r.s32("relocation addend") : 0;
  const tgt = RELOC_TARGETS[type] ?? relocTarget(type);
  if (tgt.refuse) fail(`relocation ${i} in ${targetName}: ${tgt.refuse}`);
  const width = relocWidth(type);
  if (offset + width > ts.end - ts.start) fail(`relocation ${i} in ${targetName} points past the end of the section`);
  if (type === RelocType.TYPE_INDEX_LEB) {
    if (index >= o.types.length) fail(`relocation ${i} in ${targetName} refers to type ${index} but the object has ${o.types.length} types`);
  } else {
    const sym = o.symbols[index];
    if (!sym) fail(`relocation ${i} in ${targetName} refers to symbol ${index} but the object has ${o.symbols.length} symbols`);
    if (sym.kind !== tgt.kind) fail(`relocation ${i} in ${targetName} (${RELOC_TYPE_NAMES[type]}) refers to ${sym.kind} symbol ${sym.name}`);
  }
  if (ts.id === SectionId.CODE) {
    if (!CODE_RELOCS.has(type)) fail(`relocation ${i} in CODE has type ${RELOC_TYPE_NAMES[type]}, which does not belong in code`);
    // inside one body: a patch across a body's end would overwrite the next body's size
    const bodies = o.functionBodies;
    const body = spanAt(bodies, offset, (b) => b.bodyStart);
    if (body < 0 || offset + width > bodies[body]!.bodyStart + bodies[body]!.size) fail(`relocation ${i} in CODE is not inside a function body`);
  } else if (ts.id === SectionId.DATA) {
    if (!DATA_RELOCS.has(type)) fail(`relocation ${i} in DATA has type ${RELOC_TYPE_NAMES[type]}, which does not belong in data`);
    const segs = o.dataSegments;
    const seg = segmentAt(segs, offset);
    if (seg < 0 || offset + width > segs[seg]!.offsetInSection + segs[seg]!.size) fail(`relocation ${i} in DATA is not inside a data segment`);
  }
  return { type, offset, index, addend };
}

/** Custom section readers by section name ("reloc." for every relocation section). */
const CUSTOM_SECTION_READERS: Readonly<Record<string, CustomSectionReader>> = {
  target_features: readTargetFeatures,
  linking: readLinkingSection,
  "reloc.": readRelocSection,
};

// ---- checks that need the whole object -----------------------------------------

/**
 * Check each symbol against the index space it names, and name undefined
 * symbols without EXPLICIT_NAME after their import's field.
 */
function nameSymbols(o: ObjectDraft): void {
  const importsByKind: Record<string, Import[]> = { func: [], global: [], table: [], memory: [] };
  for (const imp of o.imports) importsByKind[imp.kind]!.push(imp);
  o.symbols = o.symbols.map((s) => {
    if (s.flags & SymFlag.TLS) fail(`thread-local storage (symbol ${s.name || s.index}) is not supported`);
    switch (s.kind) {
      case "event":
        fail(`symbol ${s.index} is an exception-handling tag, which is not supported`);
      case "section":
        if (s.section >= o.sections.length) fail(`symbol ${s.index} refers to section ${s.section} but the object has ${o.sections.length} sections`);
        return s;
      case "data":
        checkDataSymbol(s, o.dataSegments);
        return s;
      default:
        return checkIndexedSymbol(s, o, importsByKind[s.kind]!);
    }
  });
}

function checkDataSymbol(s: DataSymbol, segs: readonly DataSegment[]): void {
  if (s.undefined || s.segment < 0) return;
  const seg = segs[s.segment];
  if (!seg) fail(`symbol ${s.name} refers to data segment ${s.segment} but the object has ${segs.length} segments`);
  if (s.offset + s.size > seg.size) fail(`symbol ${s.name} (offset ${s.offset}, size ${s.size}) extends past the end of segment ${seg.name} (${seg.size} bytes)`);
}

function checkIndexedSymbol(s: IndexedSymbol, o: ObjectDraft, imports: readonly Import[]): WasmSymbol {
  const nImported = s.kind === "func" ? o.numImportedFuncs : s.kind === "global" ? o.numImportedGlobals : o.numImportedTables;
  const total = s.kind === "func" ? numFuncs(o) : s.kind === "global" ? numGlobals(o) : o.numImportedTables;
  if (s.elementIndex >= total || s.undefined !== s.elementIndex < nImported) {
    const label = s.name ? `symbol ${s.name}` : `symbol ${s.index}`;
    if (s.elementIndex >= total) fail(`${label} refers to ${s.kind} ${s.elementIndex} but the object has ${total}`);
    fail(`${label} is ${s.undefined ? "undefined but names a defined" : "defined but names an imported"} ${s.kind}`);
  }
  if (s.name !== "") return s;
  // An undefined symbol without EXPLICIT_NAME is named after its import field.
  const imp = imports[s.elementIndex];
  if (!imp) fail(`symbol ${s.index} has no name`);
  return { ...s, name: imp.field };
}

function checkInitFuncsAndComdats(o: ObjectDraft): void {
  for (const f of o.initFuncs) {
    const s = o.symbols[f.symbol];
    if (!s) fail(`init function symbol ${f.symbol} is out of range (${o.symbols.length} symbols)`);
    if (s.kind !== "func") fail(`init function symbol ${s.name} is not a function`);
  }
  const limits = [o.dataSegments.length, numFuncs(o), numGlobals(o), 0, o.numImportedTables, o.sections.length];
  for (const c of o.comdats) {
    for (const m of c.members) {
      if (m.index >= limits[m.kind]!) fail(`comdat ${c.name} member ${m.index} of kind ${m.kind} is out of range`);
    }
  }
}

/**
 * A symbol table only lists undefined symbols and compiler temporaries
 * (.L*) because relocations use them.  One that nothing references means a
 * relocation section is missing: the file was cut at a section boundary.
 */
function checkEverySymbolReferenced(o: ObjectDraft): void {
  const named = o.symbols;
  const referenced = new Uint8Array(named.length);
  for (const rs of o.relocations) {
    for (const r of rs.entries) if (r.type !== RelocType.TYPE_INDEX_LEB) referenced[r.index] = 1;
  }
  for (const f of o.initFuncs) referenced[f.symbol] = 1;
  for (const s of named) {
    // (wasm-ld -r adds an unreferenced __indirect_function_table symbol: tables and globals are exempt.)
    if (referenced[s.index] || (s.kind !== "func" && s.kind !== "data")) continue;
    if (s.undefined || (s.binding === "local" && s.name.startsWith(".L"))) {
      fail(`symbol ${s.name} is not referenced by any relocation (is a relocation section missing?)`);
    }
  }
  const namedImports = new Uint8Array(numFuncs(o));
  for (const s of named) if (s.kind === "func" && s.undefined) namedImports[s.elementIndex] = 1;
  for (let f = 0; f < o.numImportedFuncs; f++) {
    if (!namedImports[f]) fail(`function import ${f} has no symbol`);
  }
}

function finishObject(o: ObjectDraft): WasmObject {
  return {
    filename: o.filename,
    bytes: o.bytes,
    sections: o.sections,
    types: o.types,
    imports: o.imports,
    numImportedFuncs: o.numImportedFuncs,
    numImportedGlobals: o.numImportedGlobals,
    numImportedTables: o.numImportedTables,
    functions: o.functions,
    memory: o.memory,
    memoryImported: o.memoryImported,
    numDefinedGlobals: o.numDefinedGlobals,
    globalSection: o.globalSection,
    exports: o.exports,
    elemFunctions: o.elemFunctions,
    codeSection: o.codeSection,
    functionBodies: o.functionBodies,
    dataSection: o.dataSection,
    dataSegments: o.dataSegments,
    symbols: o.symbols,
    relocations: o.relocations,
    codeRelocations: o.codeRelocations,
    dataRelocations: o.dataRelocations,
    initFuncs: o.initFuncs,
    comdats: o.comdats,
    targetFeatures: o.targetFeatures,
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
