/**
 * The symbols the core kernel exports to modules: its kernel services
 * (printf, malloc, inb, module_*, ...) and data (hz, ticks, M_DEVBUF, ...).
 * This is the contract a kernel image's static modules are linked against:
 * kconfig (src/config/check_symbols.ts) refuses an image whose modules
 * leave a symbol undefined that neither this list nor another static module
 * supplies, as ld refused a FreeBSD kernel.
 *
 * A list, not a boot of the kernel, so kconfig loads no kernel code (the
 * layer rules in .ci/dependency-cruiser.cjs).  test/image/core_symbols.test.ts
 * boots a core kernel and compares its symbol table with this list, so a new
 * kernel service that is not added here fails the tests by name.
 * FreeBSD counterpart: none as a file; there the kernel's objects are
 * linked together and ld sees every symbol.
 */
export const CORE_KERNEL_SYMBOLS: ReadonlySet<string> = new Set([
  "DELAY", "M_CACHE", "M_DEVBUF", "M_TEMP", "bcmp", "bcopy", "bootverbose",
  "bzero", "copystr", "eventhandler_deregister", "eventhandler_register",
  "ffs", "fls", "free", "hz", "inb", "index", "inl", "inw", "log", "malloc",
  "malloc_init", "malloc_uninit", "memchr", "memcmp", "memcpy", "memmove",
  "memset", "module_getid", "module_getname", "module_register_init",
  "module_setspecific", "outb", "outl", "outw", "panic", "panicstr",
  "printf", "realloc", "reallocf", "rindex", "snprintf", "sprintf",
  "strcasecmp", "strcat", "strchr", "strcmp", "strcpy", "strdup", "strlcat",
  "strlcpy", "strlen", "strncasecmp", "strncmp", "strncpy", "strnlen",
  "strrchr", "strstr", "strtol", "strtoul", "tick", "ticks", "uprintf",
  "vprintf", "vsnprintf", "vsprintf",
]);
