/**
 * The wasm relocatable object, as the kernel linker sees it.
 *
 * Types and constants of the WebAssembly object format (tool-conventions
 * Linking.md, linking metadata version 2): symbols, relocations, data
 * segments, init functions.  wasm_object.ts fills a WasmObject from bytes and
 * validates it; layout.ts, link_object.ts and link_relocatable.ts consume it;
 * the kernel's wasm linker class (src/kern/link_wasm_obj.ts) calls through
 * them.  This file plays the part of FreeBSD's sys/sys/elf_common.h (the
 * R_* and STB_* constants) for our object format; the numbers follow LLVM's
 * llvm/BinaryFormat/WasmRelocs.def and Wasm.h.
 */

/** Section ids of the core wasm binary format. */
export const SectionId = {
  CUSTOM: 0,
  TYPE: 1,
  IMPORT: 2,
  FUNCTION: 3,
  TABLE: 4,
  MEMORY: 5,
  GLOBAL: 6,
  EXPORT: 7,
  START: 8,
  ELEM: 9,
  CODE: 10,
  DATA: 11,
  DATACOUNT: 12,
  TAG: 13,
} as const;

/** Relocation types (R_WASM_*), numbered as in WasmRelocs.def. */
export const RelocType = {
  FUNCTION_INDEX_LEB: 0,
  TABLE_INDEX_SLEB: 1,
  TABLE_INDEX_I32: 2,
  MEMORY_ADDR_LEB: 3,
  MEMORY_ADDR_SLEB: 4,
  MEMORY_ADDR_I32: 5,
  TYPE_INDEX_LEB: 6,
  GLOBAL_INDEX_LEB: 7,
  FUNCTION_OFFSET_I32: 8,
  SECTION_OFFSET_I32: 9,
  TAG_INDEX_LEB: 10,
  MEMORY_ADDR_REL_SLEB: 11,
  TABLE_INDEX_REL_SLEB: 12,
  GLOBAL_INDEX_I32: 13,
  MEMORY_ADDR_LEB64: 14,
  MEMORY_ADDR_SLEB64: 15,
  MEMORY_ADDR_I64: 16,
  MEMORY_ADDR_REL_SLEB64: 17,
  TABLE_INDEX_SLEB64: 18,
  TABLE_INDEX_I64: 19,
  TABLE_NUMBER_LEB: 20,
  MEMORY_ADDR_TLS_SLEB: 21,
  FUNCTION_OFFSET_I64: 22,
  MEMORY_ADDR_LOCREL_I32: 23,
  TABLE_INDEX_REL_SLEB64: 24,
  MEMORY_ADDR_TLS_SLEB64: 25,
  FUNCTION_INDEX_I32: 26,
  MEMORY_ADDR_LOCREL_I64: 27,
} as const;

/** R_WASM_ names by number, for error messages. */
export const RELOC_TYPE_NAMES: readonly string[] = Object.entries(RelocType)
  .sort((a, b) => a[1] - b[1])
  .map(([name]) => `R_WASM_${name}`);

/** Symbol table entry kinds (SYMTAB_*). */
export const SymbolKindCode = {
  FUNCTION: 0,
  DATA: 1,
  GLOBAL: 2,
  SECTION: 3,
  EVENT: 4,
  TABLE: 5,
} as const;

export type SymbolKind = "func" | "data" | "global" | "section" | "event" | "table";

/** Symbol flags (WASM_SYM_*). */
export const SymFlag = {
  BINDING_WEAK: 0x1,
  BINDING_LOCAL: 0x2,
  VISIBILITY_HIDDEN: 0x4,
  UNDEFINED: 0x10,
  EXPORTED: 0x20,
  EXPLICIT_NAME: 0x40,
  NO_STRIP: 0x80,
  TLS: 0x100,
  ABSOLUTE: 0x200,
} as const;

/** Data segment flags (WASM_SEG_FLAG_*). */
export const SegFlag = { STRINGS: 0x1, TLS: 0x2, RETAIN: 0x4 } as const;

/** linking section subsection types. */
export const LinkingSubsection = {
  SEGMENT_INFO: 5,
  INIT_FUNCS: 6,
  COMDAT_INFO: 7,
  SYMBOL_TABLE: 8,
} as const;

export const LINKING_VERSION = 2;

export type Binding = "global" | "weak" | "local";

interface SymbolBase {
  /** Position in the object's symbol table. */
  readonly index: number;
  readonly name: string;
  /** Raw WASM_SYM_* flags. */
  readonly flags: number;
  readonly binding: Binding;
  readonly undefined: boolean;
}

/** FUNCTION, GLOBAL, EVENT and TABLE symbols name an entry of that kind's index space. */
export interface IndexedSymbol extends SymbolBase {
  readonly kind: "func" | "global" | "event" | "table";
  /** Index in the kind's own index space (imports first); for an undefined symbol, an import. */
  readonly elementIndex: number;
}

export interface DataSymbol extends SymbolBase {
  readonly kind: "data";
  /** Defining segment, or -1 when undefined or ABSOLUTE. */
  readonly segment: number;
  /** Offset in the segment (or the absolute address with ABSOLUTE). */
  readonly offset: number;
  readonly size: number;
}

export interface SectionSymbol extends SymbolBase {
  readonly kind: "section";
  /** Section index in file order (custom sections counted). */
  readonly section: number;
}

export type WasmSymbol = IndexedSymbol | DataSymbol | SectionSymbol;

export interface Relocation {
  readonly type: number;
  /** Offset from the start of the target section's payload. */
  readonly offset: number;
  /** Symbol index (a type index for TYPE_INDEX_LEB). */
  readonly index: number;
  readonly addend: number;
}

/** A relocation section, already bound to the section it patches. */
export interface RelocSection {
  /** "CODE", "DATA" or a custom section's name (e.g. ".debug_info"). */
  readonly targetName: string;
  /** Index (file order) of the patched section. */
  readonly target: number;
  readonly entries: readonly Relocation[];
}

export interface SectionInfo {
  readonly id: number;
  /** Custom section name, or the core section's name ("CODE"). */
  readonly name: string;
  /** Byte offset of the payload (after the id, size and, for custom sections, the name). */
  readonly start: number;
  /** One past the payload's last byte. */
  readonly end: number;
}

export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface Limits {
  readonly min: number;
  readonly max: number | undefined;
  readonly shared: boolean;
}

export type ImportDesc =
  | { readonly kind: "func"; readonly typeIndex: number }
  | { readonly kind: "table"; readonly refType: number; readonly limits: Limits }
  | { readonly kind: "memory"; readonly limits: Limits }
  | { readonly kind: "global"; readonly valType: number; readonly mutable: boolean };

export type Import = { readonly module: string; readonly field: string } & ImportDesc;

export interface FunctionBody {
  /** Offset of the body's size LEB in the CODE payload. */
  readonly offset: number;
  /** Offset of the body's first byte (locals) in the CODE payload. */
  readonly bodyStart: number;
  readonly size: number;
}

export interface DataSegment {
  readonly name: string;
  /** log2 of the alignment. */
  readonly p2align: number;
  /** WASM_SEG_FLAG_* */
  readonly flags: number;
  readonly size: number;
  /** Where the segment's bytes start, as an offset in the DATA section payload. */
  readonly offsetInSection: number;
  /** The object-relative address in the segment's i32.const (ignored by the loader). */
  readonly objectOffset: number;
}

export interface InitFunc {
  readonly priority: number;
  /** A function symbol index. */
  readonly symbol: number;
}

export interface Comdat {
  readonly name: string;
  readonly members: readonly { readonly kind: number; readonly index: number }[];
}

export interface TargetFeature {
  readonly prefix: "+" | "-" | "=";
  readonly name: string;
}

export interface ExportEntry {
  readonly name: string;
  readonly kind: number;
  readonly index: number;
}

/** A parsed and validated relocatable wasm object. */
export interface WasmObject {
  readonly filename: string;
  /** The file as read; sections refer into it. */
  readonly bytes: Uint8Array;
  readonly sections: readonly SectionInfo[];
  readonly types: readonly FuncType[];
  readonly imports: readonly Import[];
  readonly numImportedFuncs: number;
  readonly numImportedGlobals: number;
  readonly numImportedTables: number;
  /** Type index of each defined function. */
  readonly functions: readonly number[];
  /** The memory: imported (`env.__linear_memory`) or defined (ld -r output). */
  readonly memory: Limits | undefined;
  readonly memoryImported: boolean;
  /** Defined globals: count and the raw GLOBAL section payload (copied verbatim). */
  readonly numDefinedGlobals: number;
  readonly globalSection: SectionInfo | undefined;
  readonly exports: readonly ExportEntry[];
  /** Function indices listed by the object's ELEM section (its address-taken functions). */
  readonly elemFunctions: readonly number[];
  readonly codeSection: SectionInfo | undefined;
  readonly functionBodies: readonly FunctionBody[];
  readonly dataSection: SectionInfo | undefined;
  readonly dataSegments: readonly DataSegment[];
  readonly symbols: readonly WasmSymbol[];
  readonly relocations: readonly RelocSection[];
  readonly codeRelocations: readonly Relocation[];
  readonly dataRelocations: readonly Relocation[];
  readonly initFuncs: readonly InitFunc[];
  readonly comdats: readonly Comdat[];
  /** Empty when the object has no target_features section (clang 14's MVP default). */
  readonly targetFeatures: readonly TargetFeature[];
}

/** What the caller's symbol lookup answers (kern_linker's zones: file, deps, kernel). */
export type Resolved = ResolvedFunc | ResolvedData;

export interface ResolvedFunc {
  readonly kind: "func";
  /** A wasm exported function (another file's) or a JS host function. */
  readonly fn: Function;
  /** One identity per function, the key of the caller's table allocator. */
  readonly identity: string;
}

export interface ResolvedData {
  readonly kind: "data";
  readonly address: number;
}

/** Everything linkObject needs from the kernel. */
export interface LinkEnv {
  /** The caller allocated layoutData(obj).size bytes here (page aligned). */
  readonly dataBase: number;
  readonly memory: WebAssembly.Memory;
  /** The kernel's funcref table; it must be the module's table 0. */
  readonly table: WebAssembly.Table;
  readonly stackPointer: WebAssembly.Global;
  /**
   * Look an undefined symbol up (the caller applies symbol zones and counts
   * references).  undefined = not found anywhere.
   */
  resolve(name: string, kind: "func" | "data"): Resolved | undefined;
  /**
   * The table slot already holding this (resolved, foreign) function: one
   * slot per identity, so &f is equal everywhere.  The caller guarantees it
   * is in the table (kernel services at boot, module functions when their
   * file was linked: LinkedObject.symbols[].address).
   */
  tableSlotFor(fn: ResolvedFunc): number;
  /** A free slot < table.length (the caller grows the table as needed). */
  allocTableSlot(): number;
  freeTableSlot(slot: number): void;
}

export interface LinkedSymbol {
  readonly kind: "func" | "data";
  readonly binding: "global" | "weak";
  /** Data: absolute address; function: table slot. */
  readonly address: number;
  readonly size: number;
  readonly fn?: Function;
  readonly identity?: string;
}

export interface LinkedObject {
  readonly instance: WebAssembly.Instance;
  /** Defined non-local symbols (HIDDEN ones included: they are linkable across files). */
  readonly symbols: ReadonlyMap<string, LinkedSymbol>;
  /** Names of all functions by function index (imports first), for backtraces. */
  readonly localFunctionNames: readonly string[];
  /** Slots this object allocated; the caller frees them on unload. */
  readonly tableSlots: readonly number[];
  /**
   * Linker sets by FreeBSD set name, as linker_file_lookup_set() takes it:
   * segment `set_sysinit_set` is key "sysinit_set".  [start, stop) absolute.
   */
  readonly sets: ReadonlyMap<string, { readonly start: number; readonly stop: number }>;
  /** The final module bytes (for tests and the benchmark). */
  readonly moduleBytes: Uint8Array<ArrayBuffer>;
  /** wasm INIT_FUNCS in priority order (C++-style ctors; rarely used in C). */
  runInitFunctions(): void;
}

export interface DataLayout {
  /** Bytes to allocate (bss included), a multiple of the largest alignment. */
  readonly size: number;
  readonly align: number;
  /** Offset of each data segment from the base. */
  readonly segmentAddressOffset: readonly number[];
}
