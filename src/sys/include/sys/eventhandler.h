/*
 * kldsim sys/eventhandler.h: EVENTHANDLER(9).  The shapes follow FreeBSD:
 * EVENTHANDLER_DECLARE(name, type) declares a handler type, and
 * EVENTHANDLER_REGISTER(name, func, arg, priority) returns an
 * eventhandler_tag for EVENTHANDLER_DEREGISTER(name, tag).  Lists are found
 * by name inside the kernel (src/kern/kern_eventhandler.ts), so the list
 * argument of the functions is always NULL.  The kernel invokes the
 * shutdown events (shutdown_pre_sync, shutdown_post_sync, shutdown_final)
 * at shutdown; handlers of a file that is unloaded are removed with it.
 */
#ifndef _SYS_EVENTHANDLER_H_
#define	_SYS_EVENTHANDLER_H_

#include <sys/cdefs.h>
#include <sys/types.h>

struct eventhandler_entry;
struct eventhandler_list;
typedef struct eventhandler_entry *eventhandler_tag;

#define	EVENTHANDLER_PRI_FIRST	0
#define	EVENTHANDLER_PRI_ANY	10000
#define	EVENTHANDLER_PRI_LAST	20000

#define	SHUTDOWN_PRI_FIRST	EVENTHANDLER_PRI_FIRST
#define	SHUTDOWN_PRI_DEFAULT	EVENTHANDLER_PRI_ANY
#define	SHUTDOWN_PRI_LAST	EVENTHANDLER_PRI_LAST

__BEGIN_DECLS
eventhandler_tag eventhandler_register(struct eventhandler_list *list,
	    const char *name, void *func, void *arg, int priority);
void	eventhandler_deregister(struct eventhandler_list *list,
	    eventhandler_tag tag);
__END_DECLS

#define	EVENTHANDLER_DECLARE(name, type)				\
	struct eventhandler_entry_ ## name {				\
		type	eh_func;					\
		void	*ee_arg;					\
	};								\
	struct __hack

#define	EVENTHANDLER_REGISTER(name, func, arg, priority)		\
	eventhandler_register(NULL, #name, (void *)(func), (arg), (priority))

#define	EVENTHANDLER_DEREGISTER(name, tag)				\
	eventhandler_deregister(NULL, (tag))

/* Shutdown events: howto is the RB_* mask of reboot(2). */
typedef void (*shutdown_fn)(void *, int);
EVENTHANDLER_DECLARE(shutdown_pre_sync, shutdown_fn);
EVENTHANDLER_DECLARE(shutdown_post_sync, shutdown_fn);
EVENTHANDLER_DECLARE(shutdown_final, shutdown_fn);

#define	RB_AUTOBOOT	0
#define	RB_HALT		0x008
#define	RB_POWEROFF	0x4000

#endif /* !_SYS_EVENTHANDLER_H_ */
