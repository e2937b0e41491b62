/*
 * kldsim: log(9) priorities (FreeBSD sys/sys/syslog.h, the kernel part).
 *
 * log(level, fmt, ...) is declared in sys/systm.h; the level is accepted
 * and the text goes to the message buffer (src/kern/services/kern_printf.ts).
 */
#ifndef _SYS_SYSLOG_H_
#define	_SYS_SYSLOG_H_

#define	LOG_EMERG	0	/* the system cannot go on */
#define	LOG_ALERT	1	/* fix this now */
#define	LOG_CRIT	2	/* critical */
#define	LOG_ERR		3	/* an error */
#define	LOG_WARNING	4	/* a warning */
#define	LOG_NOTICE	5	/* worth noticing */
#define	LOG_INFO	6	/* for information */
#define	LOG_DEBUG	7	/* for debugging */

#define	LOG_PRIMASK	0x07	/* the priority bits */
#define	LOG_PRI(p)	((p) & LOG_PRIMASK)

#define	LOG_KERN	(0 << 3)	/* facility: the kernel */

#endif /* !_SYS_SYSLOG_H_ */
