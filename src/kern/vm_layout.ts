/**
 * The kernel address space: one WebAssembly.Memory shared by the core
 * kernel and every linked module (i386's KVA, flattened), laid out
 * stack-first, as wasm-ld's --stack-first does, so that running off the
 * end of the kernel stack leaves memory (a trap) instead of overwriting
 * kernel data:
 *
 *   0x00000000  NULL page — never handed out; it must stay zeros, and the
 *               kernel checks it after every call into module code (a write
 *               there panics as a page fault, kernel_core.ts)
 *   0x00001000  stack guard page — never used; a write there is the stack
 *               running past KSTACK_BASE (panic: kernel stack overflow)
 *   0x00002000  kernel stack, grows down from KSTACK_TOP (__stack_pointer);
 *               below the guard and the NULL page is address -1: a trap
 *   0x00040000  core kernel data: ticks, hz, bootverbose, static buffers
 *   0x00100000  kernel map: linker files' data and bss, in PAGE_SIZE pages,
 *               first fit (kmem.ts); `kld vm` draws it
 *   KMEM_END    malloc arena (kern_malloc.ts) up to the end of memory
 *
 * Linker file 1 (`kernel`) spans KERNEL_FILE_BASE..KMEM_BASE: guard page,
 * stack and core data.  Function pointers are not addresses here: they are
 * indices into the one kernel function table; slot 0 is NULL.
 */
export const PAGE_SIZE = 4096;
export const NULL_PAGE_END = 0x0000_1000;
export const KSTACK_GUARD = 0x0000_1000;
export const KSTACK_BASE = 0x0000_2000;
export const KSTACK_TOP = 0x0004_0000;
export const KERNEL_DATA_BASE = 0x0004_0000;
export const KERNEL_DATA_END = 0x0005_0000;
/** Where linker file 1 starts: everything between the NULL page and the kernel map. */
export const KERNEL_FILE_BASE = 0x0000_1000;
export const KMEM_BASE = 0x0010_0000;
export const KMEM_END = 0x0100_0000;
export const MALLOC_BASE = KMEM_END;
/** Total memory: 64 MiB, fixed (never grown, so views of memory.buffer stay valid). */
export const MEMORY_BYTES = 0x0400_0000;
export const WASM_PAGE = 65536;
