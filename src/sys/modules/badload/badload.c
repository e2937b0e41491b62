/*
 * badload: a module whose MOD_LOAD always fails (ENXIO), for the boot
 * tests: linked into a kernel image it is reported and the boot goes on
 * without it; badload_user, which depends on it, fails with it.  Its
 * SYSINIT at SI_SUB_KLD runs before MOD_LOAD, so its SYSUNINIT runs when
 * the module is dropped.  The SYSINIT also registers a shutdown_final
 * handler that nothing deregisters: the kernel removes it when the module
 * fails, so it is never called.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/eventhandler.h>

static void
badload_final(void *arg __unused, int howto __unused)
{
	printf("badload: shutdown_final (must not happen)\n");
}

static void
badload_init(void *arg __unused)
{
	printf("badload: SYSINIT\n");
	EVENTHANDLER_REGISTER(shutdown_final, badload_final, NULL,
	    SHUTDOWN_PRI_DEFAULT);
}
SYSINIT(badload_init, SI_SUB_KLD, SI_ORDER_FIRST, badload_init, NULL);

static void
badload_uninit(void *arg __unused)
{
	printf("badload: SYSUNINIT\n");
}
SYSUNINIT(badload_uninit, SI_SUB_KLD, SI_ORDER_FIRST, badload_uninit, NULL);

static int
badload_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		printf("badload: MOD_LOAD refuses (no device)\n");
		return (ENXIO);
	case MOD_UNLOAD:
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t badload_mod = {
	"badload",
	badload_modevent,
	NULL
};

DECLARE_MODULE(badload, badload_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(badload, 1);
