/**
 * The one way kldsim reads a file the user names: bounded in size, a regular
 * file only, and with FreeBSD's errno on failure (never Node's wording).
 * Every reader of the project goes through here — configuration files and
 * their includes and hints (src/config), loader.conf and kernel images
 * (src/kern, src/image), module objects and linker.hints (src/kern/linker),
 * machine files (src/isa), the CLIs' own checks (src/cli) — so that
 * `include "/dev/zero"`, `kld boot -l /dev/zero` or a FIFO fail at once
 * instead of reading for ever.
 *
 * It also holds `quoteForMessage`, the one way an error quotes a piece of a
 * file the user gave (a bad line or word): short, with non-printables
 * escaped, and only from a file that read as text (`readHostText` refuses
 * binary files before any parser sees them).
 *
 * Lives in src/errno (the lowest layer, beside hostFileError) so that
 * src/isa may use it too.  FreeBSD counterpart: none as such; the errnos are
 * those its tools give for the same cases (EFBIG for a file over a limit,
 * EFTYPE for a file of the wrong type, EISDIR, EACCES, ENOENT).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from "node:fs";
import { KernelError, hostFileError } from "./kernel_error.js";

/**
 * Size limits of the files kldsim reads, in bytes.  Each man page of a file
 * format states its limit (kconfig(5), loader.conf(5), machine(5), kld(4)).
 */
export const FILE_LIMITS = {
  /** A kernel configuration file, an included file, a hints file: kconfig(5). */
  config: 1024 * 1024,
  /** loader.conf(5). */
  loaderConf: 256 * 1024,
  /** A machine file: machine(5). */
  machine: 1024 * 1024,
  /** A kernel image built by kconfig. */
  image: 256 * 1024 * 1024,
  /** A module object (.ko, .o): kld(4). */
  module: 64 * 1024 * 1024,
  /** A linker.hints file. */
  linkerHints: 16 * 1024 * 1024,
  /** A command script of `kld machine`: kld(8). */
  script: 1024 * 1024,
} as const;

export type FileKind = keyof typeof FILE_LIMITS;

const WHAT: Record<FileKind, string> = {
  config: "configuration file",
  loaderConf: "loader.conf file",
  machine: "machine file",
  image: "kernel image",
  module: "module file",
  linkerHints: "linker.hints file",
  script: "machine script",
};

/** The size limit of a kind of file, in words (`1 MiB`), for messages and man pages. */
export function limitText(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Read the whole regular file at `path`, at most FILE_LIMITS[kind] bytes.
 * Opened without blocking (a FIFO cannot hang the open) and checked on the
 * open descriptor (no race between the check and the read); a file that
 * grows while being read past its limit is refused too.
 * @throws KernelError with `path` as subject: ENOENT, EACCES, ENOTDIR,
 *   ELOOP, ... as the host says; EISDIR for a directory; EFTYPE for any
 *   other non-regular file (a device, FIFO or socket); EFBIG over the limit.
 */
export function readHostFile(path: string, kind: FileKind): Uint8Array {
  return withCheckedFile(path, kind, (fd, size) => readAll(fd, path, kind, size));
}

/** The checks of readHostFile without the read: what `kld boot` does before it starts a daemon. */
export function checkHostFile(path: string, kind: FileKind): void {
  withCheckedFile(path, kind, () => undefined);
}

function withCheckedFile<T>(path: string, kind: FileKind, use: (fd: number, size: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    // open(2) of a Unix-domain socket fails with ENXIO: say what it is
    if ((e as NodeJS.ErrnoException).code === "ENXIO" && isSocketPath(path)) {
      throw new KernelError("EFTYPE", path, `a ${WHAT[kind]} must be a regular file, not a socket`);
    }
    throw hostFileError(e, path, undefined, "ENOENT");
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new KernelError("EISDIR", path, `a ${WHAT[kind]} must be a regular file, not a directory`);
    if (!st.isFile()) throw new KernelError("EFTYPE", path, `a ${WHAT[kind]} must be a regular file, not ${fileType(st)}`);
    if (st.size > FILE_LIMITS[kind]) throw tooBig(path, kind, st.size);
    return use(fd, st.size);
  } finally {
    closeSync(fd);
  }
}

function tooBig(path: string, kind: FileKind, size: number | undefined): KernelError {
  const limit = FILE_LIMITS[kind];
  const is = size === undefined ? "more than that" : `${size} bytes`;
  return new KernelError("EFBIG", path, `a ${WHAT[kind]} may hold at most ${limitText(limit)} (${limit} bytes); this one is ${is}`);
}

/** Read to end of file, never more than the limit plus one byte. */
function readAll(fd: number, path: string, kind: FileKind, size: number): Uint8Array {
  const limit = FILE_LIMITS[kind];
  let buf = new Uint8Array(Math.min(limit + 1, Math.max(size + 1, 4096)));
  let used = 0;
  for (;;) {
    if (used === buf.length) {
      if (buf.length > limit) throw tooBig(path, kind, undefined);
      const bigger = new Uint8Array(Math.min(limit + 1, buf.length * 2));
      bigger.set(buf);
      buf = bigger;
    }
    let n: number;
    try {
      n = readSync(fd, buf, used, buf.length - used, null);
    } catch (e) {
      throw hostFileError(e, path, `cannot read ${WHAT[kind]}`);
    }
    if (n === 0) break;
    used += n;
  }
  if (used > limit) throw tooBig(path, kind, undefined);
  return buf.subarray(0, used);
}

function isSocketPath(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function fileType(st: import("node:fs").Stats): string {
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "a special file";
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Read a text file (readHostFile, then UTF-8).  A file with a NUL byte or
 * invalid UTF-8 is not text: EFTYPE, and no line of it is ever quoted.
 */
export function readHostText(path: string, kind: FileKind): string {
  return bytesToText(readHostFile(path, kind), path, kind);
}

/** The text check of readHostText, for bytes already in hand. */
export function bytesToText(bytes: Uint8Array, path: string, kind: FileKind): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new KernelError("EFTYPE", path, `not a ${WHAT[kind]}: binary data (a NUL byte at offset ${nul})`);
  try {
    return decoder.decode(bytes);
  } catch {
    throw new KernelError("EFTYPE", path, `not a ${WHAT[kind]}: not UTF-8 text`);
  }
}

/** How much of a file's content an error message may quote. */
export const QUOTE_MAX = 40;

/**
 * A piece of a user's file as an error quotes it: at most `max` characters
 * (then `...`), control characters, DEL and non-ASCII as \xNN / \u{N}
 * escapes, backslash doubled.  Never the whole of a long line.
 */
export function quoteForMessage(s: string, max = QUOTE_MAX): string {
  let out = "";
  let n = 0;
  for (const ch of s) {
    if (n === max) return out + "...";
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (ch === "\t") out += "\\t";
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += `\\u{${c.toString(16)}}`;
    n++;
  }
  return out;
}
