/*
 * kdep_user: a module that depends on kdep_lib.
 *
 * MODULE_DEPEND(kdep_user, kdep_lib, 1, 2, 3) makes the kernel load
 * kdep_lib first and resolve this file's undefined symbols against it.
 * On MOD_LOAD it calls kdep_lib's functions directly and through function
 * pointers (one in its own initialized data, one in kdep_lib's), reads
 * kdep_lib's data through pointers stored in both files' data, and writes
 * kdep_lib's counter.  Expected message buffer lines:
 *
 *	kdep_user: kdep_lib_add(2, 3) = 5, twice = 10
 *	kdep_user: kdep_lib_op(4, 5) = 9
 *	kdep_user: greetings from kdep_lib / greetings from kdep_lib
 *	kdep_user: kdep_lib_counter = 102
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

#include "../kdep_lib/kdep_lib.h"

/* Pointers into kdep_lib, relocated when this file is linked. */
static int *counter_ptr = &kdep_lib_counter;
static int (*twice_fn)(int) = kdep_lib_twice;
static const char *greeting = kdep_lib_greeting;

static int
kdep_user_modevent(module_t mod __unused, int what, void *arg __unused)
{
	int sum, twice;

	switch (what) {
	case MOD_LOAD:
		sum = kdep_lib_add(2, 3);
		twice = twice_fn(sum);
		printf("kdep_user: kdep_lib_add(2, 3) = %d, twice = %d\n",
		    sum, twice);
		printf("kdep_user: kdep_lib_op(4, 5) = %d\n", kdep_lib_op(4, 5));
		printf("kdep_user: %s / %s\n", greeting, kdep_lib_greeting_ptr);
		*counter_ptr += 100;
		printf("kdep_user: kdep_lib_counter = %d\n", kdep_lib_counter);
		return (0);
	case MOD_UNLOAD:
		printf("kdep_user: unloaded\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t kdep_user_mod = {
	"kdep_user",
	kdep_user_modevent,
	NULL
};

DECLARE_MODULE(kdep_user, kdep_user_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
MODULE_DEPEND(kdep_user, kdep_lib, 1, KDEP_LIB_VERSION, 3);
MODULE_VERSION(kdep_user, 1);
