/**
 * FreeBSD errno numbers and their strerror(3) texts.
 *
 * The one place where kldsim spells errno constants (sys/sys/errno.h and
 * lib/libc/gen/errlst.c).  The C header src/sys/include/sys/errno.h carries
 * the same numbers; test/unit/errno/errno.test.ts checks that the two agree.
 * It lives outside src/kern so that the emulated machine (src/isa), kconfig
 * and the CLIs speak errnos without importing kernel code.
 * Node reports Linux errno names and texts; never show those to a user —
 * translate through this table.
 */

export interface ErrnoInfo {
  readonly name: string;
  readonly num: number;
  readonly text: string;
}

const TABLE: ReadonlyArray<readonly [string, number, string]> = [
  ["EPERM", 1, "Operation not permitted"],
  ["ENOENT", 2, "No such file or directory"],
  ["ESRCH", 3, "No such process"],
  ["EINTR", 4, "Interrupted system call"],
  ["EIO", 5, "Input/output error"],
  ["ENXIO", 6, "Device not configured"],
  ["E2BIG", 7, "Argument list too long"],
  ["ENOEXEC", 8, "Exec format error"],
  ["EBADF", 9, "Bad file descriptor"],
  ["ECHILD", 10, "No child processes"],
  ["EDEADLK", 11, "Resource deadlock avoided"],
  ["ENOMEM", 12, "Cannot allocate memory"],
  ["EACCES", 13, "Permission denied"],
  ["EFAULT", 14, "Bad address"],
  ["ENOTBLK", 15, "Block device required"],
  ["EBUSY", 16, "Device busy"],
  ["EEXIST", 17, "File exists"],
  ["EXDEV", 18, "Cross-device link"],
  ["ENODEV", 19, "Operation not supported by device"],
  ["ENOTDIR", 20, "Not a directory"],
  ["EISDIR", 21, "Is a directory"],
  ["EINVAL", 22, "Invalid argument"],
  ["ENFILE", 23, "Too many open files in system"],
  ["EMFILE", 24, "Too many open files"],
  ["ENOTTY", 25, "Inappropriate ioctl for device"],
  ["ETXTBSY", 26, "Text file busy"],
  ["EFBIG", 27, "File too large"],
  ["ENOSPC", 28, "No space left on device"],
  ["ESPIPE", 29, "Illegal seek"],
  ["EROFS", 30, "Read-only file system"],
  ["EMLINK", 31, "Too many links"],
  ["EPIPE", 32, "Broken pipe"],
  ["EDOM", 33, "Numerical argument out of domain"],
  ["ERANGE", 34, "Result too large"],
  ["EAGAIN", 35, "Resource temporarily unavailable"],
  ["EINPROGRESS", 36, "Operation now in progress"],
  ["EALREADY", 37, "Operation already in progress"],
  ["ENOTSOCK", 38, "Socket operation on non-socket"],
  ["EOPNOTSUPP", 45, "Operation not supported"],
  ["ETIMEDOUT", 60, "Operation timed out"],
  ["ECONNREFUSED", 61, "Connection refused"],
  ["ELOOP", 62, "Too many levels of symbolic links"],
  ["ENAMETOOLONG", 63, "File name too long"],
  ["ENOSYS", 78, "Function not implemented"],
  ["EFTYPE", 79, "Inappropriate file type or format"],
  ["EOVERFLOW", 84, "Value too large to be stored in data type"],
  ["ECANCELED", 85, "Operation canceled"],
  ["EILSEQ", 86, "Illegal byte sequence"],
  ["EDOOFUS", 88, "Programming error"],
  ["EPROTO", 92, "Protocol error"],
];

export type ErrnoName = (typeof TABLE)[number][0];

const byName = new Map<string, ErrnoInfo>();
const byNum = new Map<number, ErrnoInfo>();
for (const [name, num, text] of TABLE) {
  const info = { name, num, text };
  byName.set(name, info);
  byNum.set(num, info);
}

/** The errno named `name`; throws on a name the table lacks (a programming error). */
export function errno(name: string): ErrnoInfo {
  const info = byName.get(name);
  if (!info) throw new Error(`unknown errno name ${name}`);
  return info;
}

/** The errno named `name` (e.g. a Node error code), or undefined when FreeBSD has none by that name. */
export function errnoByName(name: string): ErrnoInfo | undefined {
  return byName.get(name);
}

/** The errno numbered `num`, or undefined. */
export function errnoByNumber(num: number): ErrnoInfo | undefined {
  return byNum.get(num);
}

/** strerror(3): FreeBSD's text for an errno number. */
export function strerror(num: number): string {
  return byNum.get(num)?.text ?? `Unknown error: ${num}`;
}

/** Every errno the table knows, for the header cross-check test. */
export function allErrnos(): readonly ErrnoInfo[] {
  return [...byNum.values()];
}
