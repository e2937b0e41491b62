/*
 * kdep_lib's interface, for the modules that MODULE_DEPEND on it
 * (kdep_user).  Version 2 of the interface; see kdep_lib.c.
 */
#ifndef _KDEP_LIB_H_
#define	_KDEP_LIB_H_

#define	KDEP_LIB_VERSION	2

extern int kdep_lib_counter;			/* calls to kdep_lib_add */
extern const char kdep_lib_greeting[];
extern const char *kdep_lib_greeting_ptr;	/* points at kdep_lib_greeting */
extern int (*kdep_lib_op)(int, int);		/* points at kdep_lib_add */

int	kdep_lib_add(int a, int b);
int	kdep_lib_twice(int x);

#endif /* !_KDEP_LIB_H_ */
