/**
 * `modunload`: the FreeBSD 2.x LKM unloader's name.  It will unload a module
 * by name or id (like `kld unload`) once the kernel linker exists; until
 * then it only documents itself.
 * Caller: bin/modunload.js.  FreeBSD: sbin/modunload/modunload.c (2.x).
 */
import { runPending } from "./pending.js";

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  return runPending(
    {
      name: "modunload",
      description: "unload a kernel module (FreeBSD 2.x name for kldunload)",
      usage: "[-i id] [-n name]",
      awaits: "the kernel linker (issue 3)",
      configure: (p) => p.option("-i <id>", "module id").option("-n <name>", "module name"),
    },
    argv,
  );
}
