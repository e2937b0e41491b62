/**
 * The kernel map: the part of the kernel address space from which linker
 * files get their data and bss, in whole PAGE_SIZE pages, first fit.
 *
 * kern_linker.ts asks for one contiguous run of pages per linker file (stage
 * 3 of a load) and gives it back on unload; `kld vm` draws the map (pages per
 * file, free extents, largest free run, fragmentation).  It corresponds to
 * the kernel_map/kmem_malloc part of FreeBSD's sys/vm/vm_kern.c, flattened:
 * there is no paging and no object behind an entry, only the address range.
 *
 * The map is kept as an address-sorted array of allocated extents; the free
 * extents are the gaps between them.  First fit walks the gaps in address
 * order, so a freed hole low in the map is reused before the tail grows and
 * the map can fragment the way a real kernel_map does.
 */
import { KernelError } from "../errno/kernel_error.js";
import { KMEM_BASE, KMEM_END, PAGE_SIZE } from "./vm_layout.js";

export interface KmemExtent {
  /** First address of the extent (page aligned). */
  readonly start: number;
  /** Length in pages. */
  readonly pages: number;
  /** The owner's name for an allocated extent (a linker file name), null for a free one. */
  readonly owner: string | null;
}

export interface KmemStats {
  readonly base: number;
  readonly end: number;
  readonly pageSize: number;
  readonly totalPages: number;
  readonly usedPages: number;
  readonly freePages: number;
  readonly largestFreeRun: number;
  /** Free extents in address order. */
  readonly freeExtents: readonly KmemExtent[];
  /**
   * External fragmentation, 0..1: 1 - largestFreeRun / freePages.  0 when all
   * free pages form one run (or nothing is free).
   */
  readonly fragmentation: number;
}

interface Allocation {
  start: number;
  pages: number;
  owner: string;
}

export class KernelMap {
  readonly base: number;
  readonly end: number;
  readonly pageSize: number;
  /** Allocated extents, sorted by start address. */
  private readonly allocs: Allocation[] = [];

  constructor(base = KMEM_BASE, end = KMEM_END, pageSize = PAGE_SIZE) {
    if (base % pageSize !== 0 || end % pageSize !== 0 || end <= base) {
      throw new RangeError(`kmem: bad map bounds 0x${base.toString(16)}-0x${end.toString(16)}`);
    }
    this.base = base;
    this.end = end;
    this.pageSize = pageSize;
  }

  /** Pages needed for `bytes` (at least one, so every file has a distinct address). */
  pagesFor(bytes: number): number {
    return Math.max(1, Math.ceil(bytes / this.pageSize));
  }

  /**
   * Allocate the first run of free pages large enough for `bytes`.
   * @returns the page-aligned start address.
   * @throws KernelError ENOMEM when no free run is long enough (the detail
   *   says how many pages were wanted and the largest run available).
   */
  allocate(bytes: number, owner: string): number {
    if (!Number.isFinite(bytes) || bytes < 0) {
      throw new KernelError("EINVAL", owner, `kmem: bad allocation size ${bytes}`);
    }
    const pages = this.pagesFor(bytes);
    const want = pages * this.pageSize;
    let cursor = this.base;
    for (let i = 0; i <= this.allocs.length; i++) {
      const next = this.allocs[i];
      const gapEnd = next ? next.start : this.end;
      if (gapEnd - cursor >= want) {
        this.allocs.splice(i, 0, { start: cursor, pages, owner });
        return cursor;
      }
      if (next) cursor = next.start + next.pages * this.pageSize;
    }
    throw new KernelError(
      "ENOMEM",
      owner,
      `kmem: no run of ${pages} free pages in the kernel map (largest free run ${this.stats().largestFreeRun} pages)`,
    );
  }

  /**
   * Give back the extent starting at `start`.  Freeing an address that is not
   * the start of an allocation is a broken invariant (the linker only frees
   * what it allocated), so it throws a plain Error.
   */
  free(start: number): void {
    const i = this.indexOf(start);
    if (i < 0) throw new Error(`kmem: free of unallocated address 0x${start.toString(16)}`);
    this.allocs.splice(i, 1);
  }

  /** The allocation starting at `start`, if any. */
  lookup(start: number): KmemExtent | undefined {
    const i = this.indexOf(start);
    const a = i >= 0 ? this.allocs[i] : undefined;
    return a ? { ...a } : undefined;
  }

  /** Every extent, allocated and free, in address order. */
  extents(): KmemExtent[] {
    const out: KmemExtent[] = [];
    let cursor = this.base;
    for (const a of this.allocs) {
      if (a.start > cursor) out.push({ start: cursor, pages: (a.start - cursor) / this.pageSize, owner: null });
      out.push({ start: a.start, pages: a.pages, owner: a.owner });
      cursor = a.start + a.pages * this.pageSize;
    }
    if (cursor < this.end) out.push({ start: cursor, pages: (this.end - cursor) / this.pageSize, owner: null });
    return out;
  }

  stats(): KmemStats {
    const totalPages = (this.end - this.base) / this.pageSize;
    const freeExtents = this.extents().filter((e) => e.owner === null);
    const freePages = freeExtents.reduce((n, e) => n + e.pages, 0);
    const largestFreeRun = freeExtents.reduce((n, e) => Math.max(n, e.pages), 0);
    return {
      base: this.base,
      end: this.end,
      pageSize: this.pageSize,
      totalPages,
      usedPages: totalPages - freePages,
      freePages,
      largestFreeRun,
      freeExtents,
      fragmentation: freePages === 0 ? 0 : 1 - largestFreeRun / freePages,
    };
  }

  /** Binary search for the allocation that starts exactly at `start`. */
  private indexOf(start: number): number {
    let lo = 0;
    let hi = this.allocs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const a = this.allocs[mid]!;
      if (a.start === start) return mid;
      if (a.start < start) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}
