/*
 * kldsim: SYSINIT/SYSUNINIT and the kernel's global clock variables
 * (FreeBSD sys/sys/kernel.h, 8.x-14.x values).
 *
 * A SYSINIT is a struct sysinit placed in linker set sysinit_set; the
 * kernel linker (src/kern/kern_sysinit.ts) reads the set of a newly linked
 * file, sorts it by (subsystem, order) with a stable sort and calls each
 * func(udata).  SYSUNINITs go to sysuninit_set and run in reverse order
 * when the file is unloaded.  The SI_SUB_* and SI_ORDER_* values are
 * FreeBSD's; src/sys/sys_constants.ts repeats the ones TS needs.
 */
#ifndef _SYS_KERNEL_H_
#define	_SYS_KERNEL_H_

#include <sys/cdefs.h>
#include <sys/types.h>
#include <sys/linker_set.h>

#ifdef _KERNEL
/* Global variables for the kernel (host data of the core kernel). */
extern int tick;			/* usec per tick (1000000 / hz) */
extern int hz;				/* system clock's frequency */
extern volatile int ticks;		/* ticks since boot */
#endif

/*
 * Startup subsystems, run in ascending order (the values only order
 * things; SI_SUB_RUN_SCHEDULER is 8.x's name for SI_SUB_LAST).
 */
enum sysinit_sub_id {
	SI_SUB_DUMMY		= 0x0000000,
	SI_SUB_DONE		= 0x0000001,
	SI_SUB_TUNABLES		= 0x0700000,
	SI_SUB_COPYRIGHT	= 0x0800001,
	SI_SUB_SETTINGS		= 0x0880000,
	SI_SUB_MTX_POOL_STATIC	= 0x0900000,
	SI_SUB_LOCKMGR		= 0x0980000,
	SI_SUB_VM		= 0x1000000,
	SI_SUB_KMEM		= 0x1800000,
	SI_SUB_KVM_RSRC		= 0x1a00000,
	SI_SUB_WITNESS		= 0x1a80000,
	SI_SUB_MTX_POOL_DYNAMIC	= 0x1ac0000,
	SI_SUB_LOCK		= 0x1b00000,
	SI_SUB_EVENTHANDLER	= 0x1c00000,
	SI_SUB_VNET_PRELINK	= 0x1e00000,
	SI_SUB_KLD		= 0x2000000,
	SI_SUB_CPU		= 0x2100000,
	SI_SUB_RACCT		= 0x2110000,
	SI_SUB_MAC		= 0x2180000,
	SI_SUB_MAC_POLICY	= 0x21c0000,
	SI_SUB_MAC_LATE		= 0x21d0000,
	SI_SUB_VNET		= 0x21e0000,
	SI_SUB_INTRINSIC	= 0x2200000,
	SI_SUB_VM_CONF		= 0x2300000,
	SI_SUB_DDB_SERVICES	= 0x2380000,
	SI_SUB_RUN_QUEUE	= 0x2400000,
	SI_SUB_KTRACE		= 0x2480000,
	SI_SUB_AUDIT		= 0x24c0000,
	SI_SUB_CREATE_INIT	= 0x2500000,
	SI_SUB_SCHED_IDLE	= 0x2600000,
	SI_SUB_MBUF		= 0x2700000,
	SI_SUB_INTR		= 0x2800000,
	SI_SUB_SOFTINTR		= 0x2800001,
	SI_SUB_DEVFS		= 0x2f00000,
	SI_SUB_INIT_IF		= 0x3000000,
	SI_SUB_NETGRAPH		= 0x3010000,
	SI_SUB_DRIVERS		= 0x3100000,
	SI_SUB_CONFIGURE	= 0x3800000,
	SI_SUB_VFS		= 0x4000000,
	SI_SUB_CLOCKS		= 0x4800000,
	SI_SUB_SYSV_SHM		= 0x6400000,
	SI_SUB_SYSV_SEM		= 0x6800000,
	SI_SUB_SYSV_MSG		= 0x6c00000,
	SI_SUB_P1003_1B		= 0x6e00000,
	SI_SUB_PSEUDO		= 0x7000000,
	SI_SUB_EXEC		= 0x7400000,
	SI_SUB_PROTO_BEGIN	= 0x8000000,
	SI_SUB_PROTO_IF		= 0x8400000,
	SI_SUB_PROTO_DOMAIN	= 0x8800000,
	SI_SUB_PROTO_END	= 0x8ffffff,
	SI_SUB_KPROF		= 0x9000000,
	SI_SUB_KICK_SCHEDULER	= 0xa000000,
	SI_SUB_INT_CONFIG_HOOKS	= 0xa800000,
	SI_SUB_ROOT_CONF	= 0xb000000,
	SI_SUB_INTRINSIC_POST	= 0xd000000,
	SI_SUB_SYSCALLS		= 0xd800000,
	SI_SUB_KTHREAD_INIT	= 0xe000000,
	SI_SUB_KTHREAD_PAGE	= 0xe400000,
	SI_SUB_KTHREAD_VM	= 0xe800000,
	SI_SUB_KTHREAD_BUF	= 0xea00000,
	SI_SUB_KTHREAD_UPDATE	= 0xec00000,
	SI_SUB_KTHREAD_IDLE	= 0xee00000,
	SI_SUB_SMP		= 0xf000000,
	SI_SUB_RUN_SCHEDULER	= 0xfffffff,
	SI_SUB_LAST		= 0xfffffff
};

/* Order within a subsystem; SI_ORDER_ANY runs last. */
enum sysinit_elem_order {
	SI_ORDER_FIRST		= 0x0000000,
	SI_ORDER_SECOND		= 0x0000001,
	SI_ORDER_THIRD		= 0x0000002,
	SI_ORDER_FOURTH		= 0x0000003,
	SI_ORDER_MIDDLE		= 0x1000000,
	SI_ORDER_ANY		= 0xfffffff
};

/*
 * One SYSINIT entry: func(udata) runs when the file is linked.  Declare
 * func as taking the pointer (void fn(void *)).  The kernel calls it from
 * the host, where a function declared (void) also works, but C code calling
 * through a function pointer of the wrong type traps in wasm ("function
 * signature mismatch") where native code would not.
 */
typedef void (*sysinit_nfunc_t)(void *);
typedef void (*sysinit_cfunc_t)(const void *);

struct sysinit {
	enum sysinit_sub_id	subsystem;
	enum sysinit_elem_order	order;
	sysinit_cfunc_t func;
	const void	*udata;			/* passed to func */
};

#define	C_SYSINIT(uniquifier, subsystem, order, func, ident)		\
	static struct sysinit uniquifier ## _sys_init = {		\
		subsystem,						\
		order,							\
		func,							\
		(ident)							\
	};								\
	DATA_SET(sysinit_set, uniquifier ## _sys_init)

#define	SYSINIT(uniquifier, subsystem, order, func, ident)		\
	C_SYSINIT(uniquifier, subsystem, order,				\
	(sysinit_cfunc_t)(sysinit_nfunc_t)func, (void *)(ident))

#define	C_SYSUNINIT(uniquifier, subsystem, order, func, ident)		\
	static struct sysinit uniquifier ## _sys_uninit = {		\
		subsystem,						\
		order,							\
		func,							\
		(ident)							\
	};								\
	DATA_SET(sysuninit_set, uniquifier ## _sys_uninit)

#define	SYSUNINIT(uniquifier, subsystem, order, func, ident)		\
	C_SYSUNINIT(uniquifier, subsystem, order,			\
	(sysinit_cfunc_t)(sysinit_nfunc_t)func, (void *)(ident))

#endif /* !_SYS_KERNEL_H_ */
