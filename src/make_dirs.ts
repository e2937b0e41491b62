/**
 * mkdir -p: create `dir` and its missing parents, each with `mode`.  Not
 * mkdirSync's `recursive` option: on Node 20 it never returns for a path
 * under /proc.  A directory that appears meanwhile (another process) is fine.
 * Callers: kconfig's image writer (DESTDIR) and the daemon's socket
 * directory (mode 0700).  A leaf module.
 * @throws Node's ENOENT/EACCES/ENOTDIR/EROFS errors from stat(2) and mkdir(2)
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

export function makeDirs(dir: string, mode = 0o777): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      statSync(d);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || dirname(d) === d) throw e;
      missing.unshift(d);
    }
  }
  for (const d of missing) {
    try {
      mkdirSync(d, { mode });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}
