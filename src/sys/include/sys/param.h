/*
 * kldsim: system parameters (FreeBSD sys/sys/param.h).
 *
 * __FreeBSD_version is the one FreeBSD release kldsim's kernel API models
 * (8.3-RELEASE, 803000); the core kernel's "kernel" module carries the same
 * version, which DECLARE_MODULE's implicit MODULE_DEPEND checks.  The TS
 * copy lives in src/sys/sys_constants.ts (test/sys checks both).
 */
#ifndef _SYS_PARAM_H_
#define	_SYS_PARAM_H_

#include <sys/cdefs.h>

#define	BSD	199506		/* System version (year & month). */
#define	BSD4_3	1
#define	BSD4_4	1

#undef __FreeBSD_version
#define	__FreeBSD_version	803000

#include <sys/types.h>
#include <sys/errno.h>
#include <machine/param.h>

#define	MAXCOMLEN	19		/* max command name remembered */
#define	MAXINTERP	PATH_MAX	/* max interpreter file name length */
#define	MAXLOGNAME	17		/* max login name length (incl. NUL) */
#define	MAXHOSTNAMELEN	256		/* max hostname size */
#define	SPECNAMELEN	63		/* max length of devicename */
#define	MAXPATHLEN	1024
#define	PATH_MAX	1024
#define	MAXSYMLINKS	32
#define	MAXBSIZE	65536
#define	NBBY		8		/* number of bits in a byte */
#define	NODEV		((dev_t)-1)

#ifndef NULL
#define	NULL	((void *)0)
#endif

/* Bit map related macros. */
#define	setbit(a, i)	(((unsigned char *)(a))[(i) / NBBY] |= 1 << ((i) % NBBY))
#define	clrbit(a, i)	(((unsigned char *)(a))[(i) / NBBY] &= ~(1 << ((i) % NBBY)))
#define	isset(a, i)	(((const unsigned char *)(a))[(i) / NBBY] & (1 << ((i) % NBBY)))
#define	isclr(a, i)	((((const unsigned char *)(a))[(i) / NBBY] & (1 << ((i) % NBBY))) == 0)

/* Macros for counting and rounding. */
#ifndef howmany
#define	howmany(x, y)	(((x) + ((y) - 1)) / (y))
#endif
#define	nitems(x)	(sizeof((x)) / sizeof((x)[0]))
#define	rounddown(x, y)	(((x) / (y)) * (y))
#define	rounddown2(x, y) ((x) & (~((y) - 1)))	/* y: power of two */
#define	roundup(x, y)	((((x) + ((y) - 1)) / (y)) * (y))
#define	roundup2(x, y)	(((x) + ((y) - 1)) & (~((y) - 1)))	/* y: power of two */
#define	powerof2(x)	((((x) - 1) & (x)) == 0)

/* Macros for min/max. */
#define	MIN(a, b)	(((a) < (b)) ? (a) : (b))
#define	MAX(a, b)	(((a) > (b)) ? (a) : (b))

#endif /* !_SYS_PARAM_H_ */
