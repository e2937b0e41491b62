/**
 * Every kernel service and kernel data symbol the core kernel provides to
 * modules, as one list each.
 *
 * The kernel core (src/kern/kernel_core.ts) installs each HostFunction in
 * the kernel function table and each HostData in the core kernel's data
 * area, and enters both in linker file 1's symbol table.  In FreeBSD terms
 * these are the kernel's own symbols that a KLD links against.  Subsystems
 * written later (newbus, devfs, port I/O) add their own lists here.
 *
 * Functions: printf vprintf uprintf log sprintf vsprintf snprintf vsnprintf
 * panic (kern_printf.ts); malloc free realloc reallocf malloc_init
 * malloc_uninit (kern_malloc.ts); bcopy bzero memcpy memmove memset memcmp
 * bcmp memchr strlen strnlen strcmp strncmp strcasecmp strncasecmp strcpy
 * strncpy strlcpy strlcat strcat strchr index strrchr rindex strstr strdup
 * copystr ffs fls strtol strtoul (libkern.ts); DELAY (kern_clock.ts);
 * eventhandler_register eventhandler_deregister (../kern_eventhandler.ts);
 * inb inw inl outb outw outl (../kern_portio.ts).
 * Data: hz tick ticks bootverbose (kern_clock.ts); M_DEVBUF M_TEMP M_CACHE
 * (kern_malloc.ts); panicstr (below).
 *
 * Not here: module_register_init and the other module functions of
 * sys/module.h (kern_module.ts moduleServices), which init_main.ts bootLinker
 * installs in every kernel, with or without this list.
 */
import type { KernelEnv } from "../kernel_env.js";
import type { HostData, HostFunction } from "./host_function.js";
import { clockData, clockServices } from "./kern_clock.js";
import { mallocData, mallocServices } from "./kern_malloc.js";
import { printfServices } from "./kern_printf.js";
import { libkernServices } from "./libkern.js";
import { eventHandlerServices } from "../kern_eventhandler.js";
import { portServices } from "../kern_portio.js";

/**
 * panicstr: NULL while the kernel runs.  XXX: never set, because a panic
 * here unwinds into the host (KernelPanic) instead of continuing in C.
 */
const panicstr: HostData<KernelEnv> = { name: "panicstr", size: 4, align: 4 };

export const kernelServices: readonly HostFunction<KernelEnv>[] = [
  ...printfServices,
  ...libkernServices,
  ...mallocServices,
  ...clockServices,
  ...eventHandlerServices,
  ...portServices,
];

export const kernelData: readonly HostData<KernelEnv>[] = [...clockData, ...mallocData, panicstr];

export type { MallocTypeStats } from "./kern_malloc.js";
export { KernelPanic } from "./kern_shutdown.js";
