/*
 * kldsim: kernel data types (FreeBSD sys/sys/types.h, with the parts of
 * sys/_stdint.h and sys/stddef.h a kernel module expects to get from it).
 */
#ifndef _SYS_TYPES_H_
#define	_SYS_TYPES_H_

#include <sys/cdefs.h>
#include <sys/_types.h>

typedef	unsigned char	u_char;
typedef	unsigned short	u_short;
typedef	unsigned int	u_int;
typedef	unsigned long	u_long;
typedef	unsigned short	ushort;		/* Sys V compatibility */
typedef	unsigned int	uint;		/* Sys V compatibility */

#ifndef _SYS__STDINT_H_
#define	_SYS__STDINT_H_
typedef	__int8_t	int8_t;
typedef	__int16_t	int16_t;
typedef	__int32_t	int32_t;
typedef	__int64_t	int64_t;
typedef	__uint8_t	uint8_t;
typedef	__uint16_t	uint16_t;
typedef	__uint32_t	uint32_t;
typedef	__uint64_t	uint64_t;
typedef	__intptr_t	intptr_t;
typedef	__uintptr_t	uintptr_t;
typedef	__intmax_t	intmax_t;
typedef	__uintmax_t	uintmax_t;
#endif

typedef	__uint8_t	u_int8_t;
typedef	__uint16_t	u_int16_t;
typedef	__uint32_t	u_int32_t;
typedef	__uint64_t	u_int64_t;
typedef	__int64_t	quad_t;
typedef	__uint64_t	u_quad_t;
typedef	quad_t		*qaddr_t;

typedef	char		*caddr_t;
typedef	const char	*c_caddr_t;
typedef	volatile char	*v_caddr_t;

typedef	__size_t	size_t;
typedef	__ssize_t	ssize_t;
typedef	__ptrdiff_t	ptrdiff_t;
typedef	__off_t		off_t;
typedef	__time_t	time_t;
typedef	__pid_t		pid_t;
typedef	__uid_t		uid_t;
typedef	__gid_t		gid_t;
typedef	__mode_t	mode_t;
typedef	__dev_t		dev_t;
typedef	__register_t	register_t;
typedef	__u_register_t	u_register_t;
typedef	__vm_offset_t	vm_offset_t;
typedef	__vm_size_t	vm_size_t;
typedef	__vm_paddr_t	vm_paddr_t;
typedef	__uint32_t	fixpt_t;

#if !defined(__bool_true_false_are_defined) && !defined(__cplusplus)
#define	__bool_true_false_are_defined	1
#define	false	0
#define	true	1
typedef	_Bool	bool;
#endif

#ifndef NULL
#define	NULL	((void *)0)
#endif

#ifndef offsetof
#define	offsetof(type, field)	__offsetof(type, field)
#endif

#endif /* !_SYS_TYPES_H_ */
