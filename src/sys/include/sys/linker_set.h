/*
 * kldsim: linker sets (FreeBSD sys/sys/linker_set.h).
 *
 * A linker set is an array of pointers gathered from every object into one
 * section named "set_<name>".  clang --target=wasm32 turns the section
 * attribute into a named data segment (one per object, listed in the
 * linking section's segment info); kld build concatenates same-named
 * segments as ELF ld -r does, and the kernel linker finds a set by its
 * segment name (FreeBSD's link_elf_obj lookup_set), not by symbol.
 *
 * __start_set_X / __stop_set_X are what a module would use to walk a set
 * of its own (SET_FOREACH); they are undefined symbols the kernel linker
 * resolves to the bounds of that module's set.
 *
 * FreeBSD's header #errors without sys/cdefs.h first; ours includes it.
 */
#ifndef _SYS_LINKER_SET_H_
#define	_SYS_LINKER_SET_H_

#include <sys/cdefs.h>

#define	__MAKE_SET(set, sym)						\
	static void const * const __set_##set##_sym_##sym		\
	__section("set_" #set) __used = (const void *)&(sym)

#define	TEXT_SET(set, sym)	__MAKE_SET(set, sym)
#define	DATA_SET(set, sym)	__MAKE_SET(set, sym)
#define	DATA_WSET(set, sym)	__MAKE_SET(set, sym)
#define	BSS_SET(set, sym)	__MAKE_SET(set, sym)
#define	ABS_SET(set, sym)	__MAKE_SET(set, sym)
#define	SET_ENTRY(set, sym)	__MAKE_SET(set, sym)

#define	SET_DECLARE(set, ptype)						\
	extern ptype *__CONCAT(__start_set_, set);			\
	extern ptype *__CONCAT(__stop_set_, set)

#define	SET_BEGIN(set)		(&__CONCAT(__start_set_, set))
#define	SET_LIMIT(set)		(&__CONCAT(__stop_set_, set))

#define	SET_FOREACH(pvar, set)						\
	for (pvar = SET_BEGIN(set); pvar < SET_LIMIT(set); pvar++)

#define	SET_ITEM(set, i)	((SET_BEGIN(set))[i])
#define	SET_COUNT(set)		(SET_LIMIT(set) - SET_BEGIN(set))

#endif /* !_SYS_LINKER_SET_H_ */
