/*
 * kldsim: kernel memory allocation (FreeBSD sys/sys/malloc.h, 8.3 layout).
 *
 * malloc(9) types: each struct malloc_type is defined once by
 * MALLOC_DEFINE, registered by a SYSINIT at SI_SUB_KMEM (so before the
 * module's own MOD_LOAD) and torn down by a SYSUNINIT, which reports memory
 * still allocated as leaked.  The allocator is src/kern/services/
 * kern_malloc.ts; it keys its statistics (kld malloc, like vmstat -m) by
 * the address of the struct and names them by ks_shortdesc.
 */
#ifndef _SYS_MALLOC_H_
#define	_SYS_MALLOC_H_

#include <sys/cdefs.h>
#include <sys/types.h>

/* flags to malloc. */
#define	M_NOWAIT	0x0001		/* do not block; may return NULL */
#define	M_WAITOK	0x0002		/* ok to block; never returns NULL */
#define	M_ZERO		0x0100		/* bzero the allocation */
#define	M_NOVM		0x0200		/* don't ask VM for pages */
#define	M_USE_RESERVE	0x0400		/* can alloc out of reserve memory */

#define	M_MAGIC		877983977	/* ks_magic of a valid malloc_type */

struct malloc_type {
	struct malloc_type *ks_next;	/* next in list */
	u_long		 ks_magic;	/* M_MAGIC: a defined type */
	const char	*ks_shortdesc;	/* printable type name */
	void		*ks_handle;	/* kernel's private data */
};

#ifdef _KERNEL

#include <sys/kernel.h>

#define	MALLOC_DEFINE(type, shortdesc, longdesc)			\
	struct malloc_type type[1] = {					\
		{ NULL, M_MAGIC, shortdesc, NULL }			\
	};								\
	SYSINIT(type##_init, SI_SUB_KMEM, SI_ORDER_SECOND, malloc_init,	\
	    type);							\
	SYSUNINIT(type##_uninit, SI_SUB_KMEM, SI_ORDER_ANY,		\
	    malloc_uninit, type)

#define	MALLOC_DECLARE(type)						\
	extern struct malloc_type type[1]

/* Types the core kernel defines. */
MALLOC_DECLARE(M_CACHE);
MALLOC_DECLARE(M_DEVBUF);
MALLOC_DECLARE(M_TEMP);

/* Deprecated macro forms, still found in older drivers. */
#define	MALLOC(space, cast, size, type, flags) \
	((space) = (cast)malloc((u_long)(size), (type), (flags)))
#define	FREE(addr, type) free((addr), (type))

__BEGIN_DECLS
void	*malloc(unsigned long size, struct malloc_type *type, int flags)
	    __malloc_like;
void	 free(void *addr, struct malloc_type *type);
void	*realloc(void *addr, unsigned long size, struct malloc_type *type,
	    int flags);
void	*reallocf(void *addr, unsigned long size, struct malloc_type *type,
	    int flags);
void	 malloc_init(void *type);
void	 malloc_uninit(void *type);
__END_DECLS

#endif /* _KERNEL */

#endif /* !_SYS_MALLOC_H_ */
