/*
 * counter: an example KLD for kldsim's tour (examples/tour.sh).
 *
 * It keeps a counter in memory from its own malloc type, bumps it from a
 * SYSINIT and from MOD_LOAD, and reports on unload.  Build and load it:
 *
 *	kld build -o counter.ko counter.c
 *	kld load ./counter.ko
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/malloc.h>

static MALLOC_DEFINE(M_COUNTER, "counter", "example counter");

/* Global, so `kld sym counter_value` finds it. */
int *counter_value;

static void
counter_setup(void *arg __unused)
{
	counter_value = malloc(sizeof(*counter_value), M_COUNTER, M_WAITOK | M_ZERO);
	*counter_value = 40;
	printf("counter: set up at %p\n", counter_value);
}
SYSINIT(counter_setup, SI_SUB_DRIVERS, SI_ORDER_FIRST, counter_setup, NULL);

static int
counter_event(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		*counter_value += 2;
		uprintf("counter loaded: %d\n", *counter_value);
		return (0);
	case MOD_UNLOAD:
		uprintf("counter unloaded at %d\n", *counter_value);
		free(counter_value, M_COUNTER);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t counter_mod = { "counter", counter_event, NULL };
DECLARE_MODULE(counter, counter_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(counter, 1);
