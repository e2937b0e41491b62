/*
 * kldsim: machine-dependent base types (FreeBSD sys/sys/_types.h and
 * sys/i386/include/_types.h).
 *
 * wasm32 is ILP32 like i386: int, long and pointers are 32 bits, long long
 * is 64.  The compiler's own __SIZE_TYPE__ etc. are used so that our
 * size_t is the very type clang's format checks and <stddef.h> expect.
 */
#ifndef _SYS__TYPES_H_
#define	_SYS__TYPES_H_

#include <sys/cdefs.h>

typedef	signed char		__int8_t;
typedef	unsigned char		__uint8_t;
typedef	short			__int16_t;
typedef	unsigned short		__uint16_t;
typedef	int			__int32_t;
typedef	unsigned int		__uint32_t;
typedef	long long		__int64_t;
typedef	unsigned long long	__uint64_t;

typedef	__INTPTR_TYPE__		__intptr_t;
typedef	__UINTPTR_TYPE__	__uintptr_t;
typedef	__INTMAX_TYPE__		__intmax_t;
typedef	__UINTMAX_TYPE__	__uintmax_t;
typedef	__SIZE_TYPE__		__size_t;
typedef	__PTRDIFF_TYPE__	__ptrdiff_t;
typedef	long			__ssize_t;	/* matches __SIZE_TYPE__ (unsigned long) */
typedef	__int32_t		__register_t;
typedef	__uint32_t		__u_register_t;
typedef	__uint32_t		__vm_offset_t;
typedef	__uint32_t		__vm_size_t;
typedef	__uint32_t		__vm_paddr_t;
typedef	__int64_t		__off_t;
typedef	__int32_t		__time_t;
typedef	__int32_t		__pid_t;
typedef	__uint32_t		__uid_t;
typedef	__uint32_t		__gid_t;
typedef	__uint16_t		__mode_t;
typedef	__uint32_t		__dev_t;
typedef	__builtin_va_list	__va_list;

#endif /* !_SYS__TYPES_H_ */
