/*
 * kldsim: kernel interfaces every module uses (FreeBSD sys/sys/systm.h).
 *
 * The functions declared here are kernel services: host functions of the
 * core kernel written in TypeScript (src/kern/services/), which a module
 * calls like any function or takes the address of.  Variadic ones receive
 * a pointer to their argument area (wasm32 C ABI).
 */
#ifndef _SYS_SYSTM_H_
#define	_SYS_SYSTM_H_

#include <sys/cdefs.h>
#include <sys/types.h>
#include <sys/stdint.h>
#include <machine/stdarg.h>
#include <sys/libkern.h>

#ifdef _KERNEL

extern int bootverbose;		/* nonzero when booted with -v */
extern const char *panicstr;	/* panic message, NULL before any panic */

/*
 * KASSERT(exp, (fmt, args...)): the message is a parenthesised printf
 * argument list, used only under options INVARIANTS.
 */
#ifdef INVARIANTS
#define	KASSERT(exp, msg) do {						\
	if (__predict_false(!(exp)))					\
		panic msg;						\
} while (0)
#define	VNASSERT(exp, vp, msg)	KASSERT(exp, msg)
#else
#define	KASSERT(exp, msg) do {						\
} while (0)
#define	VNASSERT(exp, vp, msg) do {					\
} while (0)
#endif

/* Compile-time assertion. */
#define	CTASSERT(x)	_Static_assert(x, "compile-time assertion failed")

__BEGIN_DECLS

/* Console and message buffer (kern_printf.ts). */
int	printf(const char *, ...) __printflike(1, 2);
int	vprintf(const char *, __va_list) __printflike(1, 0);
int	uprintf(const char *, ...) __printflike(1, 2);
void	log(int, const char *, ...) __printflike(2, 3);
int	sprintf(char *buf, const char *, ...) __printflike(2, 3);
int	vsprintf(char *buf, const char *, __va_list) __printflike(2, 0);
int	snprintf(char *, size_t, const char *, ...) __printflike(3, 4);
int	vsnprintf(char *, size_t, const char *, __va_list) __printflike(3, 0);
void	panic(const char *, ...) __dead2 __printflike(1, 2);

/* Memory (libkern.ts). */
void	bcopy(const void *from, void *to, size_t len);
void	bzero(void *buf, size_t len);
void	*memcpy(void *to, const void *from, size_t len);
void	*memmove(void *dest, const void *src, size_t n);
void	*memset(void *b, int c, size_t len);
int	memcmp(const void *b1, const void *b2, size_t len);
int	copystr(const void *kfaddr, void *kdaddr, size_t len, size_t *lencopied);

/*
 * User memory.  XXX: kldsim has no user address space; these are declared
 * for source compatibility and are not provided by the kernel yet, so a
 * module that calls them fails to load naming the symbol.
 */
int	copyin(const void *udaddr, void *kaddr, size_t len);
int	copyout(const void *kaddr, void *udaddr, size_t len);
int	copyinstr(const void *udaddr, void *kaddr, size_t len, size_t *lencopied);

/* Time (kern_clock.ts): spin for usec microseconds of machine time. */
void	DELAY(int usec);

__END_DECLS

#endif /* _KERNEL */

#endif /* !_SYS_SYSTM_H_ */
