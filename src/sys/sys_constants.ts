/**
 * C constants and struct layouts that TypeScript shares with the module
 * headers in src/sys/include.
 *
 * The one TS home of these numbers (STYLE.md: constants shared with C keep
 * their C spelling and live in exactly one TS file).  test/sys/
 * sys_constants.test.ts compiles a C file of _Static_asserts generated from
 * this file against the headers, so the two cannot drift apart.  It sits
 * beside the headers, below every layer, because the kernel, the object
 * library (module metadata) and kconfig (the kernel version a static
 * module may depend on) all read the modules' C ABI; it imports nothing.
 *
 * Sources: sys/sys/module.h, sys/kernel.h, sys/malloc.h, sys/param.h (the
 * 8.3 shapes, see /work/shared/reference/freebsd-api.md §1).  Layouts are
 * wasm32 (ILP32): byte offsets of the fields the kernel reads.
 *
 * Callers: kern_malloc.ts; the kernel linker (SYSINITs, module events,
 * the "kernel" module's version); src/wasmobj/mod_metadata.ts; kconfig.
 */

/** sys/param.h: the FreeBSD release whose kernel API we model (8.3-RELEASE). */
export const __FreeBSD_version = 803000;
/** MODULE_KERNEL_MAXVER: roundup(__FreeBSD_version, 100000) - 1. */
export const MODULE_KERNEL_MAXVER = Math.ceil(__FreeBSD_version / 100000) * 100000 - 1;

/* sys/module.h */
export const MOD_LOAD = 0;
export const MOD_UNLOAD = 1;
export const MOD_SHUTDOWN = 2;
export const MOD_QUIESCE = 3;
export const MDT_DEPEND = 1;
export const MDT_MODULE = 2;
export const MDT_VERSION = 3;
export const MDT_STRUCT_VERSION = 1;
export const MDT_SETNAME = "modmetadata_set";
export const MAXMODNAME = 32;

/* sys/malloc.h */
export const M_NOWAIT = 0x0001;
export const M_WAITOK = 0x0002;
export const M_ZERO = 0x0100;
export const M_NOVM = 0x0200;
export const M_USE_RESERVE = 0x0400;
export const M_MAGIC = 877983977;

/* sys/kernel.h: the subsystems and orders the kernel itself refers to. */
export const SI_SUB_DUMMY = 0x0000000;
export const SI_SUB_DONE = 0x0000001;
export const SI_SUB_TUNABLES = 0x0700000;
export const SI_SUB_COPYRIGHT = 0x0800001;
export const SI_SUB_VM = 0x1000000;
export const SI_SUB_KMEM = 0x1800000;
export const SI_SUB_LOCK = 0x1b00000;
export const SI_SUB_EVENTHANDLER = 0x1c00000;
export const SI_SUB_KLD = 0x2000000;
export const SI_SUB_CPU = 0x2100000;
export const SI_SUB_INTRINSIC = 0x2200000;
export const SI_SUB_INTR = 0x2800000;
export const SI_SUB_DEVFS = 0x2f00000;
export const SI_SUB_DRIVERS = 0x3100000;
export const SI_SUB_CONFIGURE = 0x3800000;
export const SI_SUB_VFS = 0x4000000;
export const SI_SUB_CLOCKS = 0x4800000;
export const SI_SUB_PSEUDO = 0x7000000;
export const SI_SUB_EXEC = 0x7400000;
export const SI_SUB_PROTO_BEGIN = 0x8000000;
export const SI_SUB_PROTO_END = 0x8ffffff;
export const SI_SUB_INT_CONFIG_HOOKS = 0xa800000;
export const SI_SUB_ROOT_CONF = 0xb000000;
export const SI_SUB_SYSCALLS = 0xd800000;
export const SI_SUB_SMP = 0xf000000;
export const SI_SUB_RUN_SCHEDULER = 0xfffffff;
export const SI_SUB_LAST = 0xfffffff;

export const SI_ORDER_FIRST = 0x0000000;
export const SI_ORDER_SECOND = 0x0000001;
export const SI_ORDER_THIRD = 0x0000002;
export const SI_ORDER_FOURTH = 0x0000003;
export const SI_ORDER_MIDDLE = 0x1000000;
export const SI_ORDER_ANY = 0xfffffff;

/** Linker set names (the wasm data segments are "set_" + name). */
export const SYSINIT_SET = "sysinit_set";
export const SYSUNINIT_SET = "sysuninit_set";

/**
 * Struct layouts on wasm32: [field, byte offset] and total size.  Every
 * field listed is 4 bytes (int, enum or pointer).
 */
export const STRUCT_SYSINIT = { subsystem: 0, order: 4, func: 8, udata: 12, size: 16 } as const;
export const STRUCT_MOD_METADATA = { md_version: 0, md_type: 4, md_data: 8, md_cval: 12, size: 16 } as const;
export const STRUCT_MODULEDATA = { name: 0, evhand: 4, priv: 8, size: 12 } as const;
export const STRUCT_MOD_DEPEND = { md_ver_minimum: 0, md_ver_preferred: 4, md_ver_maximum: 8, size: 12 } as const;
export const STRUCT_MOD_VERSION = { mv_version: 0, size: 4 } as const;
export const STRUCT_MALLOC_TYPE = { ks_next: 0, ks_magic: 4, ks_shortdesc: 8, ks_handle: 12, size: 16 } as const;
