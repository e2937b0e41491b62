/**
 * Kernel malloc(9): the arena allocator, malloc types and their statistics.
 *
 * Corresponds to FreeBSD sys/kern/kern_malloc.c (malloc, free, realloc,
 * reallocf, malloc_init, malloc_uninit and the per-type statistics that
 * vmstat -m prints).  The arena is kernel memory from MALLOC_BASE to the
 * end of memory (src/kern/vm_layout.ts).
 *
 * Allocator: first fit over an address-ordered list of free extents, every
 * block a multiple of 16 bytes and 16-byte aligned; free() coalesces a
 * block with both neighbours.  The block headers ("boundary tags") live in
 * the host, in a map from address to block, not in kernel memory in front
 * of each block: a module that overruns its buffer corrupts its neighbour's
 * data, as on FreeBSD, but never the allocator, and every free() is checked
 * exactly: a pointer that is not the start of a live block panics
 * ("free: address 0x... has not been allocated"), and one that lies in a
 * free extent is reported as a duplicate free.  As with INVARIANTS, a new
 * block without M_ZERO and a freed block are filled with 0xdeadc0de, so
 * use of uninitialised or freed memory shows.
 *
 * Malloc types are keyed by the address of their struct malloc_type
 * (sys/malloc.h: ks_next, ks_magic, ks_shortdesc, ks_handle); the name is
 * read from ks_shortdesc.  A type is registered by malloc_init (the
 * SYSINIT of MALLOC_DEFINE) or on first use; malloc_uninit (its SYSUNINIT)
 * reports what is still allocated as FreeBSD does
 *   Warning: memory type X leaked memory on destroy (N allocations, M bytes leaked).
 * and frees it.  MemUse counts whole 16-byte blocks, like FreeBSD's bucket
 * sizes.
 *
 * State: one KernelMalloc per kernel (env.malloc, kernel_env.ts).
 * Callers: index.ts (services and the M_TEMP/M_DEVBUF/M_CACHE data); the
 * kernel (`kld malloc`) through env.malloc.stats(); kernel-internal code
 * through env.malloc.allocate()/release().
 */
import { MALLOC_BASE, MEMORY_BYTES } from "../vm_layout.js";
import type { HostData, HostFunction, ServiceEnv } from "./host_function.js";
import { checkRange, cString, memBytes, readU32, u32 } from "./kernel_memory.js";
import { panic } from "./kern_shutdown.js";
import { M_MAGIC, M_NOWAIT, M_ZERO, STRUCT_MALLOC_TYPE } from "../../sys/sys_constants.js";

export const MALLOC_ALIGN = 16;
/** sizeof(struct malloc_type) on wasm32. */
export const MALLOC_TYPE_SIZE = STRUCT_MALLOC_TYPE.size;
const KS_MAGIC = STRUCT_MALLOC_TYPE.ks_magic;
const KS_SHORTDESC = STRUCT_MALLOC_TYPE.ks_shortdesc;

/** One row of `kld malloc` (vmstat -m): Type InUse MemUse Requests. */
export interface MallocTypeStats {
  /** Address of the struct malloc_type. */
  readonly address: number;
  /** ks_shortdesc. */
  readonly type: string;
  /** Allocations outstanding. */
  readonly inUse: number;
  /** Bytes outstanding (whole blocks). */
  readonly memUse: number;
  /** malloc() calls ever made with this type. */
  readonly requests: number;
}

/** The arena as a whole, for diagnostics and `kld vm`-style views. */
export interface ArenaStats {
  readonly base: number;
  readonly end: number;
  readonly bytesAllocated: number;
  readonly bytesFree: number;
  readonly largestFree: number;
  readonly freeExtents: number;
}

interface Block {
  readonly size: number; // rounded to MALLOC_ALIGN
  readonly requested: number;
  readonly type: number;
}

interface TypeState {
  readonly address: number;
  readonly shortdesc: string;
  inUse: number;
  memUse: number;
  requests: number;
}

interface Extent {
  start: number;
  size: number;
}

function roundUp(n: number): number {
  return Math.max(MALLOC_ALIGN, Math.ceil(n / MALLOC_ALIGN) * MALLOC_ALIGN);
}

function hex(n: number): string {
  return `0x${u32(n).toString(16)}`;
}

/** Fill with the INVARIANTS junk pattern 0xdeadc0de (little-endian words). */
function trash(mem: Uint8Array, addr: number, size: number): void {
  const pat = [0xde, 0xc0, 0xad, 0xde];
  for (let k = 0; k < size; k++) mem[addr + k] = pat[k & 3] as number;
}

export class KernelMalloc {
  /** Free extents, sorted by address, never adjacent (always coalesced). */
  private readonly free: Extent[];
  private readonly live = new Map<number, Block>();
  private readonly types = new Map<number, TypeState>();
  private allocated = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    readonly base = MALLOC_BASE,
    readonly end = MEMORY_BYTES,
  ) {
    if (base % MALLOC_ALIGN !== 0 || end <= base) {
      throw new RangeError(`bad malloc arena [${hex(base)}, ${hex(end)})`);
    }
    this.free = [{ start: base, size: end - base }];
  }

  /**
   * Register the malloc type at `typeAddr` (malloc_init).  Panics when the
   * struct does not carry M_MAGIC.  Registering twice is harmless.
   */
  initType(env: ServiceEnv, typeAddr: number): void {
    this.typeFor(env, typeAddr, "malloc_init");
  }

  /**
   * Tear down the type at `typeAddr` (malloc_uninit): print FreeBSD's leak
   * warning if allocations remain, free them, forget the type.
   */
  uninitType(env: ServiceEnv, typeAddr: number): void {
    const t = this.types.get(u32(typeAddr));
    if (!t) return;
    if (t.inUse > 0) {
      env.console(
        `Warning: memory type ${t.shortdesc} leaked memory on destroy ` +
          `(${t.inUse} allocations, ${t.memUse} bytes leaked).\n`,
      );
      for (const [addr, b] of [...this.live]) {
        if (b.type === t.address) this.releaseBlock(addr, b);
      }
    }
    this.types.delete(t.address);
  }

  /**
   * malloc(size, type, flags).  Returns the address, or 0 when out of
   * memory with M_NOWAIT.  Panics when out of memory otherwise (M_WAITOK
   * cannot sleep here: nobody would ever free memory for it) and on a bad
   * malloc type.
   */
  allocate(env: ServiceEnv, size: number, typeAddr: number, flags: number): number {
    const t = this.typeFor(env, typeAddr, "malloc");
    const requested = u32(size);
    const rsize = roundUp(requested);
    const addr = this.carve(rsize);
    if (addr === 0) {
      if (flags & M_NOWAIT) return 0;
      return panic(
        env,
        `kmem_malloc(${requested}): kmem_map too small: ${this.allocated} total allocated`,
      );
    }
    this.live.set(addr, { size: rsize, requested, type: t.address });
    this.allocated += rsize;
    t.inUse++;
    t.memUse += rsize;
    t.requests++;
    const mem = memBytes(this.memory);
    if (flags & M_ZERO) mem.fill(0, addr, addr + rsize);
    else trash(mem, addr, rsize);
    return addr;
  }

  /**
   * free(addr, type).  free(NULL) does nothing.  Panics on a pointer that
   * is not a live allocation (never allocated, or already freed).  The
   * block is charged back to the type it was allocated with; a different
   * `type` argument is reported on the console.
   */
  release(env: ServiceEnv, addr: number, typeAddr: number): void {
    const a = u32(addr);
    if (a === 0) return;
    const b = this.live.get(a);
    if (!b) {
      if (this.inFreeExtent(a)) {
        return panic(env, `free: duplicate free of ${hex(a)} (type ${this.typeName(typeAddr)})`);
      }
      return panic(env, `free: address ${hex(a)} has not been allocated`);
    }
    if (u32(typeAddr) !== b.type) {
      env.console(
        `free: ${hex(a)} allocated as type ${this.typeName(b.type)} ` +
          `freed as type ${this.typeName(typeAddr)}\n`,
      );
    }
    this.releaseBlock(a, b);
  }

  /**
   * realloc(addr, size, type, flags): a block that still fits is kept in
   * place; otherwise a new one is allocated, the old contents copied and the
   * old block freed.  Returns 0 (old block intact) when M_NOWAIT fails.
   */
  reallocate(env: ServiceEnv, addr: number, size: number, typeAddr: number, flags: number): number {
    const a = u32(addr);
    if (a === 0) return this.allocate(env, size, typeAddr, flags);
    const b = this.live.get(a);
    if (!b) return panic(env, `realloc: address ${hex(a)} has not been allocated`);
    const requested = u32(size);
    if (roundUp(requested) <= b.size && roundUp(requested) * 2 > b.size) {
      this.live.set(a, { ...b, requested });
      return a;
    }
    const n = this.allocate(env, requested, b.type, flags & ~M_ZERO);
    if (n === 0) return 0;
    const mem = memBytes(this.memory);
    mem.copyWithin(n, a, a + Math.min(b.requested, requested));
    this.releaseBlock(a, b);
    return n;
  }

  /** Per-type statistics, in registration order. */
  stats(): MallocTypeStats[] {
    return [...this.types.values()].map((t) => ({
      address: t.address,
      type: t.shortdesc,
      inUse: t.inUse,
      memUse: t.memUse,
      requests: t.requests,
    }));
  }

  arena(): ArenaStats {
    let bytesFree = 0;
    let largestFree = 0;
    for (const e of this.free) {
      bytesFree += e.size;
      largestFree = Math.max(largestFree, e.size);
    }
    return {
      base: this.base,
      end: this.end,
      bytesAllocated: this.allocated,
      bytesFree,
      largestFree,
      freeExtents: this.free.length,
    };
  }

  private typeName(typeAddr: number): string {
    return this.types.get(u32(typeAddr))?.shortdesc ?? hex(typeAddr);
  }

  private typeFor(env: ServiceEnv, typeAddr: number, who: string): TypeState {
    const a = u32(typeAddr);
    const known = this.types.get(a);
    if (known) return known;
    const mem = memBytes(this.memory);
    if (a === 0 || a + MALLOC_TYPE_SIZE > mem.length) {
      return panic(env, `${who}: bad malloc type pointer ${hex(a)}`);
    }
    if (readU32(mem, a + KS_MAGIC) !== M_MAGIC) {
      return panic(env, `${who}: bad malloc type magic at ${hex(a)}`);
    }
    const descAddr = readU32(mem, a + KS_SHORTDESC);
    let shortdesc: string;
    try {
      shortdesc = descAddr === 0 ? hex(a) : cString(mem, descAddr, 64, "ks_shortdesc");
    } catch {
      return panic(env, `${who}: malloc type at ${hex(a)} has a bad ks_shortdesc ${hex(descAddr)}`);
    }
    const t: TypeState = { address: a, shortdesc, inUse: 0, memUse: 0, requests: 0 };
    this.types.set(a, t);
    return t;
  }

  /** First fit: take `size` bytes from the lowest extent that has them; 0 if none. */
  private carve(size: number): number {
    for (let k = 0; k < this.free.length; k++) {
      const e = this.free[k] as Extent;
      if (e.size < size) continue;
      const addr = e.start;
      if (e.size === size) this.free.splice(k, 1);
      else {
        e.start += size;
        e.size -= size;
      }
      return addr;
    }
    return 0;
  }

  private releaseBlock(addr: number, b: Block): void {
    this.live.delete(addr);
    this.allocated -= b.size;
    const t = this.types.get(b.type);
    if (t) {
      t.inUse--;
      t.memUse -= b.size;
    }
    trash(memBytes(this.memory), addr, b.size);
    this.insertFree(addr, b.size);
  }

  /** Index of the first extent starting after `addr` (binary search). */
  private upperBound(addr: number): number {
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.free[mid] as Extent).start <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private inFreeExtent(addr: number): boolean {
    const prev = this.free[this.upperBound(addr) - 1];
    return prev !== undefined && addr >= prev.start && addr < prev.start + prev.size;
  }

  /** Return [addr, addr+size) to the free list, merging with its neighbours. */
  private insertFree(addr: number, size: number): void {
    const k = this.upperBound(addr);
    const prev = this.free[k - 1];
    const next = this.free[k];
    const joinsPrev = prev !== undefined && prev.start + prev.size === addr;
    const joinsNext = next !== undefined && addr + size === next.start;
    if (joinsPrev && joinsNext) {
      prev.size += size + next.size;
      this.free.splice(k, 1);
    } else if (joinsPrev) {
      prev.size += size;
    } else if (joinsNext) {
      next.start = addr;
      next.size += size;
    } else {
      this.free.splice(k, 0, { start: addr, size });
    }
  }
}

/** What the malloc services need of the kernel. */
export type MallocEnv = ServiceEnv & { readonly malloc: KernelMalloc };

const I32 = "i32" as const;

export const mallocServices: readonly HostFunction<MallocEnv>[] = [
  {
    name: "malloc",
    params: [I32, I32, I32],
    results: [I32],
    impl: (env, size, type, flags) => env.malloc.allocate(env, size, type, flags),
  },
  {
    name: "free",
    params: [I32, I32],
    results: [],
    impl: (env, addr, type) => env.malloc.release(env, addr, type),
  },
  {
    name: "realloc",
    params: [I32, I32, I32, I32],
    results: [I32],
    impl: (env, addr, size, type, flags) =>
      env.malloc.reallocate(env, addr, size, type, flags),
  },
  {
    // reallocf: like realloc, but frees the old block when it fails.
    name: "reallocf",
    params: [I32, I32, I32, I32],
    results: [I32],
    impl: (env, addr, size, type, flags) => {
      const km = env.malloc;
      const n = km.reallocate(env, addr, size, type, flags);
      if (n === 0) km.release(env, addr, type);
      return n;
    },
  },
  {
    name: "malloc_init",
    params: [I32],
    results: [],
    impl: (env, type) => env.malloc.initType(env, type),
  },
  {
    name: "malloc_uninit",
    params: [I32],
    results: [],
    impl: (env, type) => env.malloc.uninitType(env, type),
  },
];

/**
 * A malloc type the core kernel defines (MALLOC_DEFINE in kern_malloc.c /
 * vfs_bio.c): the struct followed by its short description.
 */
function kernelMallocType(name: string, shortdesc: string): HostData<MallocEnv> {
  const desc = new TextEncoder().encode(shortdesc);
  return {
    name,
    size: MALLOC_TYPE_SIZE + desc.length + 1,
    align: 4,
    init(env, addr) {
      const mem = memBytes(env.memory);
      checkRange(mem, addr, MALLOC_TYPE_SIZE + desc.length + 1, name);
      const dv = new DataView(mem.buffer);
      dv.setUint32(addr + STRUCT_MALLOC_TYPE.ks_next, 0, true);
      dv.setUint32(addr + KS_MAGIC, M_MAGIC, true);
      dv.setUint32(addr + KS_SHORTDESC, addr + MALLOC_TYPE_SIZE, true);
      dv.setUint32(addr + STRUCT_MALLOC_TYPE.ks_handle, 0, true);
      mem.set(desc, addr + MALLOC_TYPE_SIZE);
      mem[addr + MALLOC_TYPE_SIZE + desc.length] = 0;
      env.malloc.initType(env, addr);
    },
  };
}

export const mallocData: readonly HostData<MallocEnv>[] = [
  kernelMallocType("M_DEVBUF", "devbuf"),
  kernelMallocType("M_TEMP", "temp"),
  kernelMallocType("M_CACHE", "cache"),
];

