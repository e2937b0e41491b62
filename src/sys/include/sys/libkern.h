/*
 * kldsim: the kernel's little C library (FreeBSD sys/sys/libkern.h).
 *
 * The min/max family are inline, as in FreeBSD; the string functions are
 * kernel services (src/kern/services/libkern.ts).
 */
#ifndef _SYS_LIBKERN_H_
#define	_SYS_LIBKERN_H_

#include <sys/cdefs.h>
#include <sys/types.h>

#ifdef _KERNEL

static __inline int imax(int a, int b) { return (a > b ? a : b); }
static __inline int imin(int a, int b) { return (a < b ? a : b); }
static __inline long lmax(long a, long b) { return (a > b ? a : b); }
static __inline long lmin(long a, long b) { return (a < b ? a : b); }
static __inline u_int max(u_int a, u_int b) { return (a > b ? a : b); }
static __inline u_int min(u_int a, u_int b) { return (a < b ? a : b); }
static __inline quad_t qmax(quad_t a, quad_t b) { return (a > b ? a : b); }
static __inline quad_t qmin(quad_t a, quad_t b) { return (a < b ? a : b); }
static __inline u_long ulmax(u_long a, u_long b) { return (a > b ? a : b); }
static __inline u_long ulmin(u_long a, u_long b) { return (a < b ? a : b); }
static __inline off_t omax(off_t a, off_t b) { return (a > b ? a : b); }
static __inline off_t omin(off_t a, off_t b) { return (a < b ? a : b); }
static __inline int abs(int a) { return (a < 0 ? -a : a); }
static __inline long labs(long a) { return (a < 0 ? -a : a); }

struct malloc_type;

__BEGIN_DECLS
int	bcmp(const void *, const void *, size_t);
int	ffs(int);
int	fls(int);
char	*index(const char *, int);
char	*rindex(const char *, int);
char	*strchr(const char *, int);
char	*strrchr(const char *, int);
char	*strcat(char *__restrict, const char *__restrict);
int	strcmp(const char *, const char *);
int	strncmp(const char *, const char *, size_t);
int	strcasecmp(const char *, const char *);
int	strncasecmp(const char *, const char *, size_t);
char	*strcpy(char *__restrict, const char *__restrict);
char	*strncpy(char *__restrict, const char *__restrict, size_t);
size_t	strlcpy(char *, const char *, size_t);
size_t	strlcat(char *, const char *, size_t);
size_t	strlen(const char *);
size_t	strnlen(const char *, size_t);
char	*strstr(const char *, const char *);
char	*strdup(const char *__restrict, struct malloc_type *);
void	*memchr(const void *, int, size_t);
long	strtol(const char *, char **, int);
u_long	strtoul(const char *, char **, int);
__END_DECLS

#endif /* _KERNEL */

#endif /* !_SYS_LIBKERN_H_ */
