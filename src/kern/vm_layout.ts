/**
 * The kernel address space: one WebAssembly.Memory shared by the core
 * kernel and every linked module (i386's KVA, flattened).
 *
 *   0x00000000  null page — never handed out, so a NULL dereference reads
 *               zeros instead of someone's data
 *   0x00001000  core kernel data: ticks, hz, bootverbose, static buffers
 *   0x00010000  kernel stack (grows down from KSTACK_TOP; __stack_pointer)
 *   0x00100000  kernel map: linker files' data and bss, in PAGE_SIZE pages,
 *               first fit (kmem.ts); `kld vm` draws it
 *   KMEM_END    malloc arena (kern_malloc.ts) up to the end of memory
 *
 * Function pointers are not addresses here: they are indices into the one
 * kernel function table; slot 0 is NULL.
 */
export const PAGE_SIZE = 4096;
export const KERNEL_DATA_BASE = 0x0000_1000;
export const KERNEL_DATA_END = 0x0001_0000;
export const KSTACK_BASE = 0x0001_0000;
export const KSTACK_TOP = 0x0004_0000;
export const KMEM_BASE = 0x0010_0000;
export const KMEM_END = 0x0100_0000;
export const MALLOC_BASE = KMEM_END;
/** Total memory: 64 MiB, fixed (never grown, so views of memory.buffer stay valid). */
export const MEMORY_BYTES = 0x0400_0000;
export const WASM_PAGE = 65536;
