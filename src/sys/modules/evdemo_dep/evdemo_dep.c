/*
 * evdemo_dep: a module of a MORE fundamental subsystem (SI_SUB_DRIVERS)
 * that depends on evdemo (SI_SUB_PSEUDO).  At shutdown a module hears
 * before anything it depends on, whatever the subsystems, so evdemo_dep's
 * MOD_SHUTDOWN comes before evdemo's.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

static int
evdemo_dep_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		printf("evdemo_dep: MOD_LOAD\n");
		return (0);
	case MOD_SHUTDOWN:
		printf("evdemo_dep: MOD_SHUTDOWN\n");
		return (0);
	case MOD_UNLOAD:
		printf("evdemo_dep: MOD_UNLOAD\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t evdemo_dep_mod = {
	"evdemo_dep",
	evdemo_dep_modevent,
	NULL
};

DECLARE_MODULE(evdemo_dep, evdemo_dep_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_DEPEND(evdemo_dep, evdemo, 1, 1, 1);
MODULE_VERSION(evdemo_dep, 1);
