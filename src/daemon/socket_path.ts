/**
 * Where the kernel daemon's socket lives, and whether something already
 * answers there.  `$KLD_SOCKET` wins; otherwise a per-user directory of mode
 * 0700 under `$XDG_RUNTIME_DIR` (kldsim/kld.sock) or the temp dir
 * (kldsim-UID/kld.sock).  Callers: the daemon (to claim the socket, replacing
 * a stale one left by a killed daemon) and every CLI command (to find it).
 * FreeBSD counterpart: none (kld*(2) are system calls); compare the
 * /var/run/*.pid conventions of pidfile(3).
 */
import { connect } from "node:net";
import { lstatSync, statSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { KernelError } from "../errno/kernel_error.js";
import { makeDirs } from "../make_dirs.js";

/** sun_path is 104 bytes on FreeBSD, 108 on Linux, both with the NUL. */
const SUN_PATH_MAX = process.platform === "linux" ? 107 : 103;

function uid(): number {
  return typeof process.getuid === "function" ? process.getuid() : 0;
}

/** The socket path the CLI and daemon use, from the environment. */
export function socketPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["KLD_SOCKET"];
  if (explicit) return explicit;
  const runtime = env["XDG_RUNTIME_DIR"];
  if (runtime) return join(runtime, "kldsim", "kld.sock");
  return join(tmpdir(), `kldsim-${uid()}`, "kld.sock");
}

/**
 * Make the socket's directory (mode 0700 when we create it).  For the
 * default location, refuse a directory another user owns or can enter:
 * someone could otherwise put a socket of their own there.
 * @throws KernelError ENAMETOOLONG, EPERM, ENOTDIR
 */
export function prepareSocketDir(path: string, explicit: boolean): void {
  if (Buffer.byteLength(path) > SUN_PATH_MAX) {
    throw new KernelError(
      "ENAMETOOLONG",
      path,
      `a Unix socket path may have at most ${SUN_PATH_MAX} bytes; set KLD_SOCKET to a shorter path`,
    );
  }
  const dir = dirname(path);
  makeDirs(dir, 0o700);
  const st = statSync(dir);
  if (!st.isDirectory()) throw new KernelError("ENOTDIR", dir);
  if (!explicit) checkPrivateDir(dir, st);
}

/** EPERM unless `dir` (the default socket directory) is ours and mode 0700. */
function checkPrivateDir(dir: string, st: Stats): void {
  const me = uid();
  if (st.uid !== me) {
    throw new KernelError(
      "EPERM",
      dir,
      `socket directory ${dir} is owned by uid ${st.uid}, not by you (uid ${me}): someone else may be listening there`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    throw new KernelError(
      "EPERM",
      dir,
      `socket directory ${dir} must have mode 0700 (it is ${(st.mode & 0o777).toString(8)}): others could replace the socket`,
    );
  }
}

/**
 * May the caller talk to the daemon at `path`?  Every client asks before it
 * connects, so that it never sends a file name or its working directory to
 * a socket someone else planted.  A default path's directory must be the
 * caller's with mode 0700; the socket itself (any path) must be the
 * caller's.  A missing directory or socket passes: connect(2) reports it.
 * @throws KernelError EPERM naming the path and its owner
 */
export function checkSocketOwner(path: string, explicit: boolean): void {
  if (!explicit) {
    const dir = dirname(path);
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st) checkPrivateDir(dir, st);
  }
  const sock = lstatSync(path, { throwIfNoEntry: false });
  if (sock && sock.uid !== uid()) {
    throw new KernelError(
      "EPERM",
      path,
      `socket ${path} is owned by uid ${sock.uid}, not by you (uid ${uid()}): refusing to talk to it`,
    );
  }
}

export type SocketProbe = "absent" | "live" | "stale" | "not-a-socket" | "forbidden";

/** Is a daemon listening at `path`? A refused connection means a stale file. */
export function probeSocket(path: string, timeoutMs = 2000): Promise<SocketProbe> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return Promise.resolve("absent");
  }
  if (!st.isSocket()) return Promise.resolve("not-a-socket");
  return new Promise((resolve) => {
    const s = connect(path);
    const timer = setTimeout(() => {
      s.destroy();
      resolve("live"); // accepted but silent: something holds it
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(timer);
      s.destroy();
      resolve("live");
    });
    s.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ECONNREFUSED") resolve("stale");
      else if (e.code === "ENOENT") resolve("absent");
      else if (e.code === "EACCES" || e.code === "EPERM") resolve("forbidden");
      else resolve("live");
    });
  });
}
