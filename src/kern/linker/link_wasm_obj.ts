/**
 * The wasm linker class: kern_linker.ts's loader for wasm relocatable
 * objects (`.ko` files built by `kld build`), over the object-format
 * library in src/kern/linker/.
 *
 * It answers the linker-class contract of kern_linker.ts: "not my format"
 * (ENOENT, so another class may try) apart from "my format, but broken"
 * (ENOEXEC from the reader, with the reason); data layout for the page
 * allocation; the file's module metadata; then linking at the allocated
 * base against the symbol zones kern_linker supplies.
 *
 * Module metadata (set_modmetadata_set) is read BEFORE the file is linked,
 * because dependencies must be loaded before symbols can be resolved.  Like
 * link_elf_obj.c's link_elf_reloc_local(), we apply only the relocations
 * that point at the file's own data (MEMORY_ADDR_I32 against defined data
 * symbols) to a scratch copy of the data laid out at the real base, and read
 * the records from that copy.  The pointers we get (md_data of an
 * MDT_MODULE record, for instance) are therefore the absolute addresses the
 * data will have once linked.  (FreeBSD relocates the real image in place in
 * two passes; our object library links in one pass, hence the scratch copy.)
 *
 * FreeBSD: sys/kern/link_elf_obj.c (the class), linker_if.m (its methods).
 */
import { KernelError } from "../../errno/kernel_error.js";
import {
  isWasmObject,
  layoutData,
  linkObject,
  readObject,
  segmentAt,
  type DataLayout,
  type LinkEnv,
  type LinkedObject,
  type LinkedSymbol,
  type Resolved,
  type ResolvedFunc,
  type WasmObject,
} from "../../wasmobj/index.js";
import type { KernelCore } from "../kernel_core.js";

import { RelocType } from "../../wasmobj/object_types.js";
import { MDT_DEPEND, MDT_MODULE, MDT_STRUCT_VERSION, MDT_VERSION } from "../sys_constants.js";

/** `at`: the address of the struct mod_metadata (which module object it came from, in an image). */
export type ModMetadata = (
  | { readonly type: "depend"; readonly name: string; readonly min: number; readonly pref: number; readonly max: number }
  | { readonly type: "module"; readonly name: string; readonly data: number }
  | { readonly type: "version"; readonly name: string; readonly version: number }
) & { readonly at?: number };

/** Symbol zones and the table allocator, as kern_linker supplies them. */
export interface LinkZones {
  resolve(name: string, kind: "func" | "data"): Resolved | undefined;
  tableSlotFor(fn: ResolvedFunc): number;
}

/** A defined symbol of a linked file. */
export interface FileSymbol extends LinkedSymbol {
  readonly name: string;
}

/** A file after linking: what kern_linker keeps until unload. */
export interface LinkedImage {
  readonly symbols: ReadonlyMap<string, FileSymbol>;
  lookupSet(setName: string): { readonly start: number; readonly stop: number } | undefined;
  /** C name of the function a table slot holds, if it is one of this file's. */
  functionName(slot: number): string | undefined;
  runInitFunctions(): void;
  /** Give back table slots; the pages belong to kern_linker. */
  release(): void;
}

/** A file read and laid out, not yet linked. */
export interface SegmentPlacement {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface PreparedFile {
  readonly filename: string;
  /** Bytes of data and bss to allocate. */
  readonly size: number;
  /** The data segments in file order, each at `offset` from the base it is linked at (boot's static-module map). */
  segments(): SegmentPlacement[];
  metadata(base: number): ModMetadata[];
  link(base: number, zones: LinkZones): LinkedImage;
}

export interface LinkerClass {
  readonly name: string;
  /**
   * @throws KernelError ENOENT when the bytes are not this class's format,
   *   ENOEXEC when they are but the object is broken.
   */
  prepare(bytes: Uint8Array, filename: string): PreparedFile;
}

/** The wasm class for a kernel: `core` supplies memory, table and stack. */
export function wasmLinkerClass(core: KernelCore): LinkerClass {
  return {
    name: "wasm",
    prepare(bytes, filename) {
      if (!isWasmObject(bytes)) throw new KernelError("ENOENT", filename, "not a wasm object");
      const obj = readObject(bytes, filename);
      const layout = layoutData(obj);
      return {
        filename,
        size: layout.size,
        segments: () => obj.dataSegments.map((seg, i) => ({ name: seg.name, offset: layout.segmentAddressOffset[i]!, size: seg.size })),
        metadata: (base) => readModMetadata(obj, layout, base),
        link: (base, zones) => linkImage(core, obj, base, zones),
      };
    },
  };
}

function linkImage(core: KernelCore, obj: WasmObject, base: number, zones: LinkZones): LinkedImage {
  const env: LinkEnv = {
    dataBase: base,
    memory: core.memory,
    table: core.table,
    stackPointer: core.stackPointer,
    resolve: (name, kind) => zones.resolve(name, kind),
    tableSlotFor: (fn) => zones.tableSlotFor(fn),
    allocTableSlot: () => core.allocTableSlot(),
    freeTableSlot: (slot) => core.freeTableSlot(slot),
  };
  const linked: LinkedObject = linkObject(obj, env);
  const symbols = new Map<string, FileSymbol>();
  for (const [name, s] of linked.symbols) {
    symbols.set(name, {
      name,
      kind: s.kind,
      binding: s.binding,
      address: s.address,
      size: s.size,
      ...(s.fn !== undefined ? { fn: s.fn } : {}),
      ...(s.identity !== undefined ? { identity: s.identity } : {}),
    });
  }
  const ownSlots = new Set(linked.tableSlots);
  let released = false;
  return {
    symbols,
    lookupSet: (setName) => linked.sets.get(setName),
    functionName(slot) {
      if (!ownSlots.has(slot)) return undefined;
      // An exported wasm function's `name` is its function index (JS API spec).
      const f = core.table.get(slot) as Function | null;
      const idx = f ? Number(f.name) : NaN;
      return Number.isInteger(idx) ? linked.localFunctionNames[idx] : undefined;
    },
    runInitFunctions: () => linked.runInitFunctions(),
    release() {
      if (released) return;
      released = true;
      for (const slot of linked.tableSlots) core.freeTableSlot(slot);
    },
  };
}

/**
 * The data of `obj` as it will sit at `base`, with only file-local data
 * pointers relocated (link_elf_reloc_local).  Undefined-symbol pointers stay
 * 0; metadata never points outside its own file.
 */
function localImage(obj: WasmObject, layout: DataLayout, base: number): Uint8Array {
  const image = new Uint8Array(layout.size);
  const sec = obj.dataSection;
  if (!sec) return image;
  obj.dataSegments.forEach((seg, i) => {
    const off = layout.segmentAddressOffset[i]!;
    image.set(obj.bytes.subarray(sec.start + seg.offsetInSection, sec.start + seg.offsetInSection + seg.size), off);
  });
  const view = new DataView(image.buffer);
  for (const r of obj.dataRelocations) {
    if (r.type !== RelocType.MEMORY_ADDR_I32) continue;
    const sym = obj.symbols[r.index];
    if (!sym || sym.kind !== "data" || sym.undefined || sym.segment < 0) continue;
    // Which segment holds the relocated field?
    const segIdx = segmentAt(obj.dataSegments, r.offset);
    if (segIdx < 0) continue;
    const at = layout.segmentAddressOffset[segIdx]! + (r.offset - obj.dataSegments[segIdx]!.offsetInSection);
    if (at + 4 > image.length) continue;
    const value = base + layout.segmentAddressOffset[sym.segment]! + sym.offset + r.addend;
    view.setUint32(at, value >>> 0, true);
  }
  return image;
}

/**
 * The file's MDT_* records, with addresses as they will be at `base`.
 * @throws KernelError ENOEXEC when a record or a pointer in it is malformed.
 */
export function readModMetadata(obj: WasmObject, layout: DataLayout, base: number): ModMetadata[] {
  const segs = obj.dataSegments
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.name === "set_modmetadata_set");
  if (segs.length === 0) return [];
  const image = localImage(obj, layout, base);
  const view = new DataView(image.buffer);
  const bad = (what: string): never => {
    throw new KernelError("ENOEXEC", obj.filename, `set_modmetadata_set: ${what}`);
  };
  const u32 = (addr: number, what: string): number => {
    const off = addr - base;
    if (off < 0 || off + 4 > image.length) bad(`${what} points outside the file's data (0x${addr.toString(16)})`);
    return view.getUint32(off, true);
  };
  const i32 = (addr: number, what: string): number => u32(addr, what) | 0;
  const str = (addr: number, what: string): string => {
    const off = addr - base;
    if (off < 0 || off >= image.length) bad(`${what} points outside the file's data (0x${addr.toString(16)})`);
    const end = image.indexOf(0, off);
    if (end < 0) bad(`${what} is not NUL-terminated`);
    return new TextDecoder().decode(image.subarray(off, end));
  };
  const out: ModMetadata[] = [];
  for (const { s, i } of segs) {
    const start = base + layout.segmentAddressOffset[i]!;
    for (let p = start; p + 4 <= start + s.size; p += 4) {
      const md = u32(p, "entry");
      const version = i32(md, "mod_metadata");
      const type = i32(md + 4, "mod_metadata");
      const data = u32(md + 8, "md_data");
      const cval = str(u32(md + 12, "md_cval"), "md_cval");
      if (version !== MDT_STRUCT_VERSION) bad(`record ${cval} has md_version ${version}, expected ${MDT_STRUCT_VERSION}`);
      if (type === MDT_DEPEND) {
        out.push({
          type: "depend",
          at: md,
          name: cval,
          min: i32(data, "mod_depend"),
          pref: i32(data + 4, "mod_depend"),
          max: i32(data + 8, "mod_depend"),
        });
      } else if (type === MDT_MODULE) {
        const name = str(u32(data, "moduledata"), "moduledata name");
        out.push({ type: "module", at: md, name, data });
      } else if (type === MDT_VERSION) {
        out.push({ type: "version", at: md, name: cval, version: i32(data, "mod_version") });
      }
      // Other types (MDT_PNP_INFO) are ignored, as FreeBSD's linker does.
    }
  }
  return out;
}

/**
 * Metadata of a `.ko` without loading it (kldxref): laid out at base 0.
 * @throws KernelError ENOEXEC / ENOENT as readObject does.
 */
export function objectMetadata(bytes: Uint8Array, filename: string): ModMetadata[] {
  if (!isWasmObject(bytes)) throw new KernelError("ENOENT", filename, "not a wasm object");
  return metadataOf(readObject(bytes, filename));
}

/** objectMetadata of an object already read (kconfig). */
export function metadataOf(obj: WasmObject): ModMetadata[] {
  // Record addresses at base 0 mean nothing to kldxref or kconfig: leave them out.
  return readModMetadata(obj, layoutData(obj), 0).map(({ at: _at, ...m }) => m as ModMetadata);
}
