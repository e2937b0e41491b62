/*
 * kldsim: kernel modules (FreeBSD sys/sys/module.h, 8.3 shapes).
 *
 * A module is a named unit with an event handler inside a linker file.
 * DECLARE_MODULE leaves three things in the object: an MDT_DEPEND record
 * on "kernel", an MDT_MODULE record (both in linker set modmetadata_set)
 * and a SYSINIT that hands the moduledata_t to module_register_init(),
 * which the kernel (src/kern/kern_module.ts) implements: it registers the
 * module and sends it MOD_LOAD.  MODULE_VERSION and MODULE_DEPEND add
 * MDT_VERSION and MDT_DEPEND records the kernel linker reads before it
 * resolves symbols, to load dependencies and check version ranges.
 */
#ifndef _SYS_MODULE_H_
#define	_SYS_MODULE_H_

#include <sys/cdefs.h>
#include <sys/types.h>

/* Module metadata types (md_type). */
#define	MDT_DEPEND	1		/* md_data: struct mod_depend *, md_cval: module depended on */
#define	MDT_MODULE	2		/* md_data: moduledata_t *, md_cval: module name */
#define	MDT_VERSION	3		/* md_data: struct mod_version *, md_cval: module name */

#define	MDT_STRUCT_VERSION	1	/* version of struct mod_metadata */
#define	MDT_SETNAME	"modmetadata_set"

#define	MAXMODNAME	32

typedef enum modeventtype {
	MOD_LOAD,
	MOD_UNLOAD,
	MOD_SHUTDOWN,
	MOD_QUIESCE
} modeventtype_t;

typedef struct module *module_t;
typedef int (*modeventhand_t)(module_t, int /* modeventtype_t */, void *);

/* What DECLARE_MODULE registers. */
typedef struct moduledata {
	const char	*name;		/* module name */
	modeventhand_t	evhand;		/* event handler */
	void		*priv;		/* extra data, passed to evhand */
} moduledata_t;

/* Per-module data a module may publish (SYSCALL_MODULE's slot). */
typedef union modspecific {
	int		intval;
	u_int		uintval;
	long		longval;
	u_long		ulongval;
} modspecific_t;

/* Version range accepted for a dependency. */
struct mod_depend {
	int		md_ver_minimum;
	int		md_ver_preferred;
	int		md_ver_maximum;
};

/* Version of the interface a module provides. */
struct mod_version {
	int		mv_version;
};

struct mod_metadata {
	int		md_version;	/* MDT_STRUCT_VERSION */
	int		md_type;	/* MDT_* */
	const void	*md_data;	/* type-specific data */
	const char	*md_cval;	/* common string: a module name */
};

#ifdef _KERNEL

#include <sys/param.h>		/* __FreeBSD_version, roundup() */
#include <sys/linker_set.h>
#include <sys/kernel.h>

#define	MODULE_METADATA(uniquifier, type, data, cval)			\
	static struct mod_metadata _mod_metadata##uniquifier = {	\
		MDT_STRUCT_VERSION,					\
		type,							\
		data,							\
		cval							\
	};								\
	DATA_SET(modmetadata_set, _mod_metadata##uniquifier)

#define	MODULE_DEPEND(module, mdepend, vmin, vpref, vmax)		\
	static struct mod_depend _##module##_depend_on_##mdepend = {	\
		vmin,							\
		vpref,							\
		vmax							\
	};								\
	MODULE_METADATA(_md_##module##_on_##mdepend, MDT_DEPEND,	\
	    &_##module##_depend_on_##mdepend, #mdepend)

/*
 * Every module depends on the kernel it was built for: any release from
 * this one up to the end of its major version.
 */
#define	MODULE_KERNEL_MAXVER	(roundup(__FreeBSD_version, 100000) - 1)

#define	DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, maxver)	\
	MODULE_DEPEND(name, kernel, __FreeBSD_version,			\
	    __FreeBSD_version, maxver);					\
	MODULE_METADATA(_md_##name, MDT_MODULE, &data, #name);		\
	SYSINIT(name##module, sub, order, module_register_init, &data);	\
	struct __hack

#define	DECLARE_MODULE(name, data, sub, order)				\
	DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, MODULE_KERNEL_MAXVER)

/* A module that only loads into exactly the kernel it was built for. */
#define	DECLARE_MODULE_TIED(name, data, sub, order)			\
	DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, __FreeBSD_version)

#define	MODULE_VERSION(module, version)					\
	static struct mod_version _##module##_version = {		\
		version							\
	};								\
	MODULE_METADATA(_##module##_version, MDT_VERSION,		\
	    &_##module##_version, #module)

__BEGIN_DECLS
/* Implemented by the kernel (src/kern/kern_module.ts). */
void	module_register_init(const void *data);
int	module_getid(module_t mod);
const char *module_getname(module_t mod);
void	module_setspecific(module_t mod, modspecific_t *datap);
__END_DECLS

#endif /* _KERNEL */

#endif /* !_SYS_MODULE_H_ */
