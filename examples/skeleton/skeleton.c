/*
 * skeleton: the smallest useful kernel module, in the shape the FreeBSD
 * Architecture Handbook teaches (one module event handler declared with
 * DECLARE_MODULE), written for kldsim's README tour.
 *
 * It answers MOD_LOAD and MOD_UNLOAD with a line on the terminal of the
 * user who ran kld load / kld unload (uprintf) and lets the kernel treat
 * every other event as EOPNOTSUPP, "no objection".
 *
 *	kld build examples/skeleton/skeleton.c	-> skeleton.ko
 *	kld load ./skeleton.ko			-> Skeleton KLD loaded.
 *	kld unload skeleton.ko			-> Skeleton KLD unloaded.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

static int
skeleton_event(struct module *mod __unused, int event, void *arg __unused)
{
	switch (event) {
	case MOD_LOAD:
		uprintf("Skeleton KLD loaded.\n");
		return (0);
	case MOD_UNLOAD:
		uprintf("Skeleton KLD unloaded.\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t skeleton_mod = {
	"skeleton",		/* the module's name, as kld stat -v shows it */
	skeleton_event,		/* its event handler */
	NULL			/* the handler's third argument */
};

DECLARE_MODULE(skeleton, skeleton_mod, SI_SUB_KLD, SI_ORDER_ANY);
