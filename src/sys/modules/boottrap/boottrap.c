/*
 * boottrap: a module whose SYSINIT traps (a call through a NULL function
 * pointer), for the boot tests.  In a kernel image it is reported and the
 * boot continues without it; its module, registered but never loaded, is
 * dropped without a MOD_UNLOAD.  Loaded with kld load, the load fails and
 * unwinds.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

static void (*volatile boottrap_hook)(void);

static void
boottrap_init(void *arg __unused)
{
	printf("boottrap: calling a NULL hook\n");
	boottrap_hook();
}
SYSINIT(boottrap_init, SI_SUB_KLD, SI_ORDER_MIDDLE, boottrap_init, NULL);

static int
boottrap_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		printf("boottrap: MOD_LOAD\n");
		return (0);
	case MOD_UNLOAD:
		printf("boottrap: MOD_UNLOAD\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t boottrap_mod = {
	"boottrap",
	boottrap_modevent,
	NULL
};

DECLARE_MODULE(boottrap, boottrap_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
