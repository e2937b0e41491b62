/*
 * kldsim: exact-width integer types and their limits (FreeBSD
 * sys/sys/stdint.h with sys/x86/include/_stdint.h's limits, ILP32).
 */
#ifndef _SYS_STDINT_H_
#define	_SYS_STDINT_H_

#include <sys/types.h>

/*
 * The limits may already come from the compiler's own <stdint.h> (a module
 * may include both); the values are the same, so keep theirs.
 */
#if !defined(__CLANG_STDINT_H) && !defined(_STDINT_H)

#define	INT8_MIN	(-0x7f - 1)
#define	INT16_MIN	(-0x7fff - 1)
#define	INT32_MIN	(-0x7fffffff - 1)
#define	INT64_MIN	(-0x7fffffffffffffffLL - 1)
#define	INT8_MAX	0x7f
#define	INT16_MAX	0x7fff
#define	INT32_MAX	0x7fffffff
#define	INT64_MAX	0x7fffffffffffffffLL
#define	UINT8_MAX	0xff
#define	UINT16_MAX	0xffff
#define	UINT32_MAX	0xffffffffU
#define	UINT64_MAX	0xffffffffffffffffULL
#define	INTPTR_MIN	INT32_MIN
#define	INTPTR_MAX	INT32_MAX
#define	UINTPTR_MAX	UINT32_MAX
#define	INTMAX_MIN	INT64_MIN
#define	INTMAX_MAX	INT64_MAX
#define	UINTMAX_MAX	UINT64_MAX
#define	SIZE_MAX	UINT32_MAX
#define	PTRDIFF_MIN	INT32_MIN
#define	PTRDIFF_MAX	INT32_MAX

#define	INT8_C(c)	(c)
#define	INT16_C(c)	(c)
#define	INT32_C(c)	(c)
#define	INT64_C(c)	(c ## LL)
#define	UINT8_C(c)	(c)
#define	UINT16_C(c)	(c)
#define	UINT32_C(c)	(c ## U)
#define	UINT64_C(c)	(c ## ULL)
#define	INTMAX_C(c)	INT64_C(c)
#define	UINTMAX_C(c)	UINT64_C(c)

#endif /* !__CLANG_STDINT_H && !_STDINT_H */

#endif /* !_SYS_STDINT_H_ */
