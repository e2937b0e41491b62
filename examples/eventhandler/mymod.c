/*
 * mymod: the EVENTHANDLER(9) example.  On MOD_LOAD it registers a
 * shutdown_final handler, which prints one line into the shutdown log
 * when the kernel shuts down; on MOD_UNLOAD it takes the handler back.
 *
 *	kld build examples/eventhandler/mymod.c && kld load ./mymod.ko
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/eventhandler.h>

static eventhandler_tag tag;

static void
mymod_final(void *arg, int howto)
{
	printf("mymod: shutdown_final, howto %#x\n", howto);
}

static int
mymod_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		tag = EVENTHANDLER_REGISTER(shutdown_final, mymod_final,
		    NULL, SHUTDOWN_PRI_DEFAULT);
		return (0);
	case MOD_UNLOAD:
		EVENTHANDLER_DEREGISTER(shutdown_final, tag);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t mymod_mod = { "mymod", mymod_modevent, NULL };

DECLARE_MODULE(mymod, mymod_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
