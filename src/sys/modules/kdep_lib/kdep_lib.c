/*
 * kdep_lib: a library module that another module depends on.
 *
 * It exports functions and data for kdep_user: a counter, a string, a
 * pointer to that string and a function pointer to kdep_lib_add, both
 * stored in initialized data (so the kernel linker must relocate them to
 * where this file was loaded).  MODULE_VERSION publishes version 2 of the
 * "kdep_lib" interface; kdep_user asks for a version in [1, 3].
 *
 * Loading kdep_user loads kdep_lib first; kdep_lib cannot be unloaded while
 * kdep_user uses it.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

#include "kdep_lib.h"

int kdep_lib_counter = 0;
const char kdep_lib_greeting[] = "greetings from kdep_lib";
const char *kdep_lib_greeting_ptr = kdep_lib_greeting;
int (*kdep_lib_op)(int, int) = kdep_lib_add;

int
kdep_lib_add(int a, int b)
{
	kdep_lib_counter++;
	return (a + b);
}

int
kdep_lib_twice(int x)
{
	return (2 * x);
}

static int
kdep_lib_modevent(module_t mod __unused, int what, void *arg __unused)
{
	switch (what) {
	case MOD_LOAD:
		printf("kdep_lib: loaded, interface version %d\n",
		    KDEP_LIB_VERSION);
		return (0);
	case MOD_UNLOAD:
		printf("kdep_lib: unloaded after %d calls\n", kdep_lib_counter);
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t kdep_lib_mod = {
	"kdep_lib",
	kdep_lib_modevent,
	NULL
};

DECLARE_MODULE(kdep_lib, kdep_lib_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_VERSION(kdep_lib, KDEP_LIB_VERSION);
