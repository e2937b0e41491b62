/**
 * `modload`: the FreeBSD 2.x LKM loader's name, kept for those who remember
 * it.  It will load a module through the kernel linker (like `kld load`)
 * once the kernel linker exists; until then it only documents itself.
 * Caller: bin/modload.js.  FreeBSD: sbin/modload/modload.c (2.x).
 */
import { runPending } from "./pending.js";

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  return runPending(
    {
      name: "modload",
      description: "load a kernel module (FreeBSD 2.x name for kldload)",
      usage: "[-dquv] [-e entry] [-o output_file] input_file",
      awaits: "the kernel linker (issue 3)",
      configure: (p) =>
        p
          .argument("[input_file]")
          .option("-d", "debug")
          .option("-q", "quiet")
          .option("-u", "delete output file after loading")
          .option("-v", "verbose")
          .option("-e <entry>", "module entry point")
          .option("-o <output_file>", "output file"),
    },
    argv,
  );
}
