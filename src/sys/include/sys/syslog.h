/*
 * kldsim: log(9) priorities (FreeBSD sys/sys/syslog.h, the kernel part).
 *
 * log(level, fmt, ...) is declared in sys/systm.h; the level is accepted
 * and the text goes to the message buffer (src/kern/services/kern_printf.ts).
 */
#ifndef _SYS_SYSLOG_H_
#define	_SYS_SYSLOG_H_

#define	LOG_EMERG	0	/* system is unusable */
#define	LOG_ALERT	1	/* action must be taken immediately */
#define	LOG_CRIT	2	/* critical conditions */
#define	LOG_ERR		3	/* error conditions */
#define	LOG_WARNING	4	/* warning conditions */
#define	LOG_NOTICE	5	/* normal but significant condition */
#define	LOG_INFO	6	/* informational */
#define	LOG_DEBUG	7	/* debug-level messages */

#define	LOG_PRIMASK	0x07	/* mask to extract priority part */
#define	LOG_PRI(p)	((p) & LOG_PRIMASK)

#define	LOG_KERN	(0 << 3)	/* kernel messages */

#endif /* !_SYS_SYSLOG_H_ */
