/*
 * kldsim: variable arguments (FreeBSD sys/x86/include/stdarg.h).
 *
 * On wasm32 a va_list is a pointer into the caller's argument area (see
 * src/kern/services/host_function.ts); clang's builtins do the walking.
 */
#ifndef _MACHINE_STDARG_H_
#define	_MACHINE_STDARG_H_

#include <sys/_types.h>

#ifndef _VA_LIST_DECLARED
#define	_VA_LIST_DECLARED
typedef	__va_list	va_list;
#endif

/* The compiler's <stdarg.h> may have defined these already: same builtins. */
#ifndef va_start
#define	va_start(ap, last)	__builtin_va_start(ap, last)
#endif
#ifndef va_arg
#define	va_arg(ap, type)	__builtin_va_arg(ap, type)
#endif
#ifndef va_copy
#define	va_copy(dest, src)	__builtin_va_copy(dest, src)
#endif
#ifndef __va_copy
#define	__va_copy(dest, src)	__builtin_va_copy(dest, src)
#endif
#ifndef va_end
#define	va_end(ap)		__builtin_va_end(ap)
#endif

#endif /* !_MACHINE_STDARG_H_ */
