/**
 * SYSINIT / SYSUNINIT: read a linker file's `set_sysinit_set` and
 * `set_sysuninit_set`, order the entries, and run them.
 *
 * A linker set is an array of 4-byte pointers (already relocated to
 * absolute addresses) to `struct sysinit { subsystem; order; func; udata; }`
 * (sys/kernel.h: four i32 fields on wasm32; `func` is a table index).
 * Entries run in ascending (subsystem, order) with a STABLE sort, so equal
 * keys keep their set order, as FreeBSD's linker_file_sysinit bubble sort
 * does; SI_SUB_DUMMY entries are skipped.  SYSUNINITs run in the reverse of
 * that order (linker_file_sysuninit sorts descending).
 *
 * Called by kern_linker.ts after a file's modules are registered (load) and
 * before its pages are freed (unload).  FreeBSD: sys/kern/kern_linker.c
 * (linker_file_sysinit, linker_file_sysuninit) and sys/kernel.h.
 */
import type { KernelCore } from "./kernel_core.js";

export const SI_SUB_DUMMY = 0;
/** sizeof(struct sysinit) on wasm32. */
export const SYSINIT_SIZE = 16;

export interface SysinitEntry {
  /** Address of the struct sysinit. */
  readonly addr: number;
  readonly subsystem: number;
  readonly order: number;
  /** Table index of the function. */
  readonly func: number;
  readonly udata: number;
}

/** A set's bounds in kernel memory: [start, stop). */
export interface SetRange {
  readonly start: number;
  readonly stop: number;
}

/**
 * Read the entries of a sysinit-shaped set.  Pointers outside kernel memory
 * are a broken object; they throw RangeError, which the loader turns into a
 * load failure.
 */
export function readSysinitSet(core: KernelCore, set: SetRange | undefined): SysinitEntry[] {
  if (!set || set.stop <= set.start) return [];
  const out: SysinitEntry[] = [];
  const memSize = core.memory.buffer.byteLength;
  for (let p = set.start; p + 4 <= set.stop; p += 4) {
    const addr = core.readU32(p);
    if (addr === 0 || addr + SYSINIT_SIZE > memSize) {
      throw new RangeError(`sysinit set entry at 0x${p.toString(16)} points outside kernel memory (0x${addr.toString(16)})`);
    }
    out.push({
      addr,
      subsystem: core.readU32(addr),
      order: core.readU32(addr + 4),
      func: core.readU32(addr + 8),
      udata: core.readU32(addr + 12),
    });
  }
  return out;
}

/** The one SYSINIT order: ascending (subsystem, order). */
export function compareSysinits(a: Pick<SysinitEntry, "subsystem" | "order">, b: Pick<SysinitEntry, "subsystem" | "order">): number {
  return a.subsystem - b.subsystem || a.order - b.order;
}

/** Ascending (subsystem, order); Array.prototype.sort is stable. */
export function sortSysinits(entries: readonly SysinitEntry[]): SysinitEntry[] {
  return [...entries].sort(compareSysinits);
}

/** The name of the C function behind a table slot, for messages. */
export type FunctionNamer = (slot: number) => string;

/**
 * Run the entries in the given order (SI_SUB_DUMMY skipped).  The first
 * one that throws (a trap in module code) stops the run and the error
 * propagates; the caller unwinds the whole file.
 */
export function runSysinits(
  core: KernelCore,
  entries: readonly SysinitEntry[],
  fileName: string,
  nameOf: FunctionNamer,
): void {
  for (const e of entries) {
    if (e.subsystem === SI_SUB_DUMMY) continue;
    core.callPointer(e.func, `${fileName}:${nameOf(e.func)}`, e.udata);
  }
}
