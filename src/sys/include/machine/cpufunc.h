/*
 * kldsim machine/cpufunc.h: port I/O.  On i386 these are inline `in`/`out`
 * instructions; in kldsim they are kernel services backed by the emulated
 * ISA machine (src/kern/kern_portio.ts).  An absent port reads all ones.
 */
#ifndef _MACHINE_CPUFUNC_H_
#define	_MACHINE_CPUFUNC_H_

#include <sys/cdefs.h>
#include <sys/types.h>

__BEGIN_DECLS
u_char	inb(u_int port);
u_short	inw(u_int port);
u_int	inl(u_int port);
void	outb(u_int port, u_char data);
void	outw(u_int port, u_short data);
void	outl(u_int port, u_int data);
__END_DECLS

#endif /* !_MACHINE_CPUFUNC_H_ */
