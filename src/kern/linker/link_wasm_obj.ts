/**
 * The wasm linker class: kern_linker.ts's loader for wasm relocatable
 * objects (`.ko` files built by `kld build`), over the object-format
 * library in src/wasmobj/.
 *
 * It answers the linker-class contract of kern_linker.ts: "not my format"
 * (ENOENT, so another class may try) apart from "my format, but broken"
 * (ENOEXEC from the reader, with the reason); data layout for the page
 * allocation; the file's module metadata; then linking at the allocated
 * base against the symbol zones kern_linker supplies.
 *
 * Module metadata (set_modmetadata_set) is read BEFORE the file is linked,
 * because dependencies must be loaded before symbols can be resolved:
 * src/wasmobj/mod_metadata.ts reads it from a scratch copy of the data laid
 * out at the real base.  (FreeBSD relocates the real image in place in two
 * passes; our object library links in one pass, hence the scratch copy.)
 *
 * FreeBSD: sys/kern/link_elf_obj.c (the class), linker_if.m (its methods).
 */
import { KernelError } from "../../errno/kernel_error.js";
import {
  isWasmObject,
  layoutData,
  readObject,
  type LinkEnv,
  type LinkedObject,
  type LinkedSymbol,
  type Resolved,
  type ResolvedFunc,
  type WasmObject,
} from "../../wasmobj/index.js";
import type { KernelCore } from "../kernel_core.js";
import { linkObject } from "./link_object.js";
import { readModMetadata, type ModMetadata } from "../../wasmobj/mod_metadata.js";

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
