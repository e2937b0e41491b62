/*
 * evdemo: EVENTHANDLER(9) shutdown handlers, port I/O and the clock.
 *
 * At MOD_LOAD it registers one handler on each shutdown event
 * (shutdown_pre_sync, shutdown_post_sync, shutdown_final), reads the line
 * status register of COM1 (0x3fd: 0x60 on an idle 16550A, 0xff with no
 * machine), waits with DELAY() and prints hz and ticks (MOD_UNLOAD prints
 * ticks again: the kernel brings it up to date before each request).  Its SYSINITs sit at
 * SI_SUB_KLD and SI_SUB_CONFIGURE, so in a kernel image they interleave
 * with other static modules' by subsystem.  MOD_UNLOAD deregisters the
 * pre_sync handler only; the other two go with the file when it is
 * unloaded (the kernel logs that).  Provides interface evdemo 1, which
 * evdemo_dep depends on.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/eventhandler.h>
#include <machine/cpufunc.h>

static eventhandler_tag evdemo_pre_tag;

static void
evdemo_pre_sync(void *arg __unused, int howto)
{
	printf("evdemo: shutdown_pre_sync (howto %#x)\n", howto);
}

static void
evdemo_post_sync(void *arg __unused, int howto)
{
	printf("evdemo: shutdown_post_sync (howto %#x)\n", howto);
}

static void
evdemo_final(void *arg, int howto)
{
	printf("evdemo: shutdown_final (howto %#x, arg %s)\n", howto,
	    (const char *)arg);
}

static void
evdemo_early(void *arg __unused)
{
	printf("evdemo: SYSINIT at SI_SUB_KLD\n");
}
SYSINIT(evdemo_early, SI_SUB_KLD, SI_ORDER_ANY, evdemo_early, NULL);

static void
evdemo_late(void *arg __unused)
{
	printf("evdemo: SYSINIT at SI_SUB_CONFIGURE\n");
}
SYSINIT(evdemo_late, SI_SUB_CONFIGURE, SI_ORDER_FIRST, evdemo_late, NULL);

static int
evdemo_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		evdemo_pre_tag = EVENTHANDLER_REGISTER(shutdown_pre_sync,
		    evdemo_pre_sync, NULL, SHUTDOWN_PRI_DEFAULT);
		EVENTHANDLER_REGISTER(shutdown_post_sync, evdemo_post_sync,
		    NULL, SHUTDOWN_PRI_DEFAULT);
		EVENTHANDLER_REGISTER(shutdown_final, evdemo_final,
		    "evdemo", SHUTDOWN_PRI_LAST);
		DELAY(1000);
		printf("evdemo: MOD_LOAD, COM1 LSR %#x, hz %d, ticks %d\n",
		    inb(0x3fd), hz, ticks);
		return (0);
	case MOD_SHUTDOWN:
		printf("evdemo: MOD_SHUTDOWN\n");
		return (0);
	case MOD_UNLOAD:
		EVENTHANDLER_DEREGISTER(shutdown_pre_sync, evdemo_pre_tag);
		printf("evdemo: MOD_UNLOAD (ticks %d)\n", ticks);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t evdemo_mod = {
	"evdemo",
	evdemo_modevent,
	NULL
};

DECLARE_MODULE(evdemo, evdemo_mod, SI_SUB_PSEUDO, SI_ORDER_MIDDLE);
MODULE_VERSION(evdemo, 1);
