/*
 * kldsim: compiler glue for kernel sources (FreeBSD sys/sys/cdefs.h).
 *
 * Every other kldsim header includes this one first.  The target is
 * clang --target=wasm32 (ILP32, like i386), so only the clang spellings
 * of FreeBSD's attribute macros are provided.  Our headers are kernel
 * headers: _KERNEL is defined here when the build did not define it, as
 * FreeBSD's kmod.mk would (-D_KERNEL -DKLD_MODULE).
 */
#ifndef _SYS_CDEFS_H_
#define	_SYS_CDEFS_H_

#ifndef _KERNEL
#define	_KERNEL	1
#endif

#if defined(__cplusplus)
#define	__BEGIN_DECLS	extern "C" {
#define	__END_DECLS	}
#else
#define	__BEGIN_DECLS
#define	__END_DECLS
#endif

#define	__P(protos)	protos		/* K&R prototypes of 2.x/3.x sources */
#define	__CONCAT1(x,y)	x ## y
#define	__CONCAT(x,y)	__CONCAT1(x,y)
#define	__STRING(x)	#x
#define	__XSTRING(x)	__STRING(x)

#define	__const		const
#define	__signed	signed
#define	__volatile	volatile
#define	__inline	inline
#define	__restrict	restrict

#define	__dead2		__attribute__((__noreturn__))
#define	__pure2		__attribute__((__const__))
#define	__unused	__attribute__((__unused__))
#define	__used		__attribute__((__used__))
#define	__packed	__attribute__((__packed__))
#define	__aligned(x)	__attribute__((__aligned__(x)))
#define	__section(x)	__attribute__((__section__(x)))
#define	__weak_symbol	__attribute__((__weak__))
#define	__always_inline	__attribute__((__always_inline__))
#define	__noinline	__attribute__((__noinline__))
#define	__nonnull(x)	__attribute__((__nonnull__ x))
#define	__malloc_like	__attribute__((__malloc__))
#define	__result_use_check __attribute__((__warn_unused_result__))
#define	__unreachable()	__builtin_unreachable()

/*
 * The kernel printf understands %b and %D; clang checks those with its
 * freebsd_kprintf format (FreeBSD's kern.mk does -D__printf__=__freebsd_kprintf__).
 */
#define	__printflike(fmtarg, firstvararg) \
	__attribute__((__format__(__freebsd_kprintf__, fmtarg, firstvararg)))
#define	__printf0like(fmtarg, firstvararg) \
	__attribute__((__format__(__freebsd_kprintf__, fmtarg, firstvararg)))
#define	__scanflike(fmtarg, firstvararg) \
	__attribute__((__format__(__scanf__, fmtarg, firstvararg)))

#define	__predict_true(exp)	__builtin_expect((exp), 1)
#define	__predict_false(exp)	__builtin_expect((exp), 0)

#define	__offsetof(type, field)	__builtin_offsetof(type, field)
#define	__containerof(x, s, m) \
	((s *)(void *)((char *)(x) - __offsetof(s, m)))

#define	__DECONST(type, var)	((type)(__UINTPTR_TYPE__)(const void *)(var))
#define	__DEVOLATILE(type, var)	((type)(__UINTPTR_TYPE__)(volatile void *)(var))
#define	__DEQUALIFY(type, var)	((type)(__UINTPTR_TYPE__)(const volatile void *)(var))

/* Source identification strings: kept out of the object. */
#define	__FBSDID(s)	struct __hack
#define	__RCSID(s)	struct __hack
#define	__IDSTRING(name, string) struct __hack

#endif /* !_SYS_CDEFS_H_ */
