/**
 * The LKM tools' hook programs: modload's `-p postinstall` and modunload's
 * `-p postremove`.  FreeBSD 2.x handed the program three arguments taken
 * from LMSTAT: the module id in decimal, the LKM type in hex (`0x5` for
 * LM_MISC) and the type's table offset (cdevsw major, syscall slot, or 0).
 * modload execl(3)'d it in place of itself, so its exit status became
 * modload's; Node cannot exec, so we run it with our stdio and exit with its
 * status.  Like execl(3) there is no PATH search: a name without `/` is a
 * file in the current directory.
 * Callers: src/cli/modload.ts, src/cli/modunload.ts.
 * FreeBSD: sbin/modload/modload.c (the `if (post)` block), sys/sys/lkm.h.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { resolve } from "node:path";
import { errnoByName } from "../errno/errno.js";
import { CliError } from "./cli_error.js";

/** sys/lkm.h MODTYPE LM_MISC: a module that wires itself in; every KLD module is one. */
export const LM_MISC = 5;

/** The three arguments FreeBSD 2.x passed to a post-install or post-remove program. */
export function postArgs(moduleId: number, type: number = LM_MISC, offset = 0): readonly string[] {
  return [String(moduleId), `0x${type.toString(16)}`, String(offset)];
}

/**
 * Run `program` with `args`, stdio inherited, and resolve to the exit status
 * the calling tool should take: the program's own, or 128+signal number
 * when it was killed (the shell's convention).
 * @throws CliError `can't exec 'PROG': <strerror>` when it cannot be started (ENOENT, EACCES).
 */
export function runPostProgram(program: string, args: readonly string[]): Promise<number> {
  const path = resolve(program);
  return new Promise((res, rej) => {
    const child = spawn(path, [...args], { stdio: "inherit" });
    child.once("error", (e: NodeJS.ErrnoException) => {
      rej(new CliError(`can't exec '${program}': ${errnoByName(e.code ?? "EIO")?.text ?? e.code ?? "unknown error"}`));
    });
    child.once("exit", (code, signal) => {
      if (code !== null) res(code);
      else res(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

