/*
 * kldsim: the kernel's <stddef.h> (FreeBSD sys/sys/stddef.h): NULL,
 * offsetof, ptrdiff_t and size_t, all from sys/types.h.
 */
#ifndef _SYS_STDDEF_H_
#define	_SYS_STDDEF_H_

#include <sys/types.h>

#endif /* !_SYS_STDDEF_H_ */
