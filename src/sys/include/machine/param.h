/*
 * kldsim: machine-dependent constants (FreeBSD sys/i386/include/param.h).
 *
 * Modules are wasm32 code running in one flat kernel address space whose
 * layout is src/kern/vm_layout.ts; PAGE_SIZE here equals PAGE_SIZE there.
 */
#ifndef _MACHINE_PARAM_H_
#define	_MACHINE_PARAM_H_

#ifndef MACHINE
#define	MACHINE		"wasm32"
#endif
#ifndef MACHINE_ARCH
#define	MACHINE_ARCH	"wasm32"
#endif
#define	MID_MACHINE	0

#define	MAXCPU		1
#define	CACHE_LINE_SIZE	64

#define	ALIGNBYTES	(sizeof(int) - 1)
#define	ALIGN(p)	(((unsigned)(p) + ALIGNBYTES) & ~ALIGNBYTES)
#define	ALIGNED_POINTER(p, t)	1

#define	PAGE_SHIFT	12
#define	PAGE_SIZE	(1 << PAGE_SHIFT)
#define	PAGE_MASK	(PAGE_SIZE - 1)
#define	NPTEPG		(PAGE_SIZE / 4)

#define	trunc_page(x)	((x) & ~PAGE_MASK)
#define	round_page(x)	(((x) + PAGE_MASK) & ~PAGE_MASK)
#define	atop(x)		((x) >> PAGE_SHIFT)
#define	ptoa(x)		((x) << PAGE_SHIFT)

#endif /* !_MACHINE_PARAM_H_ */
