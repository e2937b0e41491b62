/*
 * badload_user: depends on badload, whose MOD_LOAD always fails; in a
 * kernel image it fails with it, the chain named in the boot log.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

static void
badload_user_init(void *arg __unused)
{
	printf("badload_user: SYSINIT at SI_SUB_CONFIGURE\n");
}
SYSINIT(badload_user_init, SI_SUB_CONFIGURE, SI_ORDER_FIRST, badload_user_init, NULL);

static int
badload_user_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		printf("badload_user: MOD_LOAD\n");
		return (0);
	case MOD_UNLOAD:
		printf("badload_user: MOD_UNLOAD\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t badload_user_mod = {
	"badload_user",
	badload_user_modevent,
	NULL
};

DECLARE_MODULE(badload_user, badload_user_mod, SI_SUB_DRIVERS, SI_ORDER_ANY);
MODULE_DEPEND(badload_user, badload, 1, 1, 1);
