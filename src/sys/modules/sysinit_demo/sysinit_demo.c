/*
 * sysinit_demo: SYSINIT ordering, malloc(9) with a private type, and
 * function pointers in initialized data.
 *
 * The SYSINITs below are declared out of order on purpose; the kernel
 * sorts them by (subsystem, order) before running them, so the message
 * buffer shows steps 1..5 in order.  MALLOC_DEFINE adds two more: the
 * type is registered at (SI_SUB_KMEM, SI_ORDER_SECOND), before anything
 * here uses it, and torn down at (SI_SUB_KMEM, SI_ORDER_ANY) after every
 * SYSUNINIT of this file (they run in reverse order on unload), by which
 * time demo_free has given the memory back, so no leak is reported.
 * The module's own MOD_LOAD comes from DECLARE_MODULE's SYSINIT at
 * (SI_SUB_DRIVERS, SI_ORDER_MIDDLE).
 *
 * On load (kld load sysinit_demo.ko):
 *	sysinit_demo: step 1: allocate (subsystem 0x2000000, order 0)
 *	sysinit_demo: step 2: fill (subsystem 0x2000000, order 0x1)
 *	sysinit_demo: step 3: run the table (subsystem 0x3100000, order 0)
 *	sysinit_demo:   alpha -> 6
 *	sysinit_demo:   beta -> 9
 *	sysinit_demo:   gamma -> 27
 *	sysinit_demo: MOD_LOAD, buffer "alpha beta gamma"
 *	sysinit_demo: step 4: late (subsystem 0x3100000, order 0xfffffff)
 * On unload: MOD_UNLOAD, then "goodbye" and "free" in that order.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/malloc.h>

static MALLOC_DEFINE(M_SYSINITDEMO, "sysinit_demo", "sysinit_demo buffers");

#define	DEMO_BUFSIZE	64
#define	DEMO_NVALUES	16

static char *demo_buf;
static int *demo_values;
static int demo_step;

/* A table of named operations: function pointers in initialized data. */
struct demo_op {
	const char	*name;
	int		(*fn)(int);
};

static int
demo_double(int x)
{
	return (2 * x);
}

static int
demo_square(int x)
{
	return (x * x);
}

static int
demo_cube(int x)
{
	return (x * x * x);
}

static const struct demo_op demo_ops[] = {
	{ "alpha", demo_double },
	{ "beta", demo_square },
	{ "gamma", demo_cube },
};

static void
demo_announce(const char *what, int subsystem, int order)
{
	printf("sysinit_demo: step %d: %s (subsystem %#x, order %#x)\n",
	    ++demo_step, what, subsystem, order);
}

static void
demo_late(void *arg __unused)
{
	demo_announce("late", SI_SUB_DRIVERS, SI_ORDER_ANY);
}

static void
demo_run_table(void *arg __unused)
{
	const struct demo_op *op;
	size_t i;

	demo_announce("run the table", SI_SUB_DRIVERS, SI_ORDER_FIRST);
	for (i = 0; i < nitems(demo_ops); i++) {
		op = &demo_ops[i];
		demo_values[i] = op->fn(3);
		printf("sysinit_demo:   %s -> %d\n", op->name, demo_values[i]);
	}
}

static void
demo_fill(void *arg __unused)
{
	size_t i;

	demo_announce("fill", SI_SUB_KLD, SI_ORDER_SECOND);
	demo_buf[0] = '\0';
	for (i = 0; i < nitems(demo_ops); i++) {
		if (i > 0)
			strlcat(demo_buf, " ", DEMO_BUFSIZE);
		strlcat(demo_buf, demo_ops[i].name, DEMO_BUFSIZE);
	}
}

static void
demo_alloc(void *arg __unused)
{
	demo_announce("allocate", SI_SUB_KLD, SI_ORDER_FIRST);
	demo_buf = malloc(DEMO_BUFSIZE, M_SYSINITDEMO, M_WAITOK);
	demo_values = malloc(DEMO_NVALUES * sizeof(*demo_values),
	    M_SYSINITDEMO, M_WAITOK | M_ZERO);
}

static void
demo_goodbye(void *arg __unused)
{
	printf("sysinit_demo: goodbye\n");
}

static void
demo_free(void *arg __unused)
{
	printf("sysinit_demo: free\n");
	free(demo_values, M_SYSINITDEMO);
	free(demo_buf, M_SYSINITDEMO);
	demo_values = NULL;
	demo_buf = NULL;
}

/* Declared out of order: the kernel sorts them. */
SYSINIT(demo_late, SI_SUB_DRIVERS, SI_ORDER_ANY, demo_late, NULL);
SYSINIT(demo_run_table, SI_SUB_DRIVERS, SI_ORDER_FIRST, demo_run_table, NULL);
SYSINIT(demo_fill, SI_SUB_KLD, SI_ORDER_SECOND, demo_fill, NULL);
SYSINIT(demo_alloc, SI_SUB_KLD, SI_ORDER_FIRST, demo_alloc, NULL);
SYSUNINIT(demo_free, SI_SUB_KLD, SI_ORDER_FIRST, demo_free, NULL);
SYSUNINIT(demo_goodbye, SI_SUB_DRIVERS, SI_ORDER_ANY, demo_goodbye, NULL);

static int
sysinit_demo_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		printf("sysinit_demo: MOD_LOAD, buffer \"%s\"\n", demo_buf);
		return (0);
	case MOD_UNLOAD:
		printf("sysinit_demo: MOD_UNLOAD\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t sysinit_demo_mod = {
	"sysinit_demo",
	sysinit_demo_modevent,
	NULL
};

DECLARE_MODULE(sysinit_demo, sysinit_demo_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(sysinit_demo, 1);
