/**
 * `kld build [-o OUT.ko] [-I DIR]... [-D NAME[=V]]... [-O LEVEL] SRC.c...`:
 * compile a kernel module with the installed clang and link its objects
 * into one relocatable `.ko` (our own `ld -r`).  Needs no daemon.
 * Caller: src/cli/kld.ts.  FreeBSD counterpart: `make` with bsd.kmod.mk.
 */
import type { Command } from "commander";
import { CliError, EX_USAGE } from "../cli_error.js";

interface BuildCliOptions {
  readonly o?: string;
  readonly I: string[];
  readonly D: string[];
  readonly O?: string;
  readonly v?: boolean;
  readonly json?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function register(program: Command): void {
  program
    .command("build")
    .description("compile C sources into a loadable kernel module (.ko)")
    .usage("[-v] [--json] [-o OUT.ko] [-I DIR]... [-D NAME[=V]]... [-O LEVEL] SRC.c...")
    .option("-o <file>", "output module (default: first source's name with .ko)")
    .option("-I <dir>", "add an include directory (repeatable)", collect, [])
    .option("-D <name[=value]>", "define a macro (repeatable)", collect, [])
    .option("-O <level>", "optimisation level (0, 1, 2, s, z; default 2)")
    .option("-v", "print the output's name and size")
    .option("--json", "print the output's name, size and objects as JSON (kldsim extension)")
    .argument("<sources...>", "C sources (or .o objects) to link")
    .action(async (sources: string[], opts: BuildCliOptions) => {
      if (opts.O !== undefined && !/^(0|1|2|3|s|z|g)$/.test(opts.O)) {
        throw new CliError(`invalid optimisation level '${opts.O}'`, EX_USAGE);
      }
      const { buildModule } = await import("../../build/kld_build.js");
      try {
        const r = buildModule({
          sources,
          ...(opts.o !== undefined ? { output: opts.o } : {}),
          includeDirs: opts.I,
          defines: opts.D,
          ...(opts.O !== undefined ? { optimize: opts.O } : {}),
        });
        if (opts.json) (await import("../output.js")).printJson("kldsim.build/1", { output: r.output, bytes: r.bytes, objects: r.objects });
        else if (opts.v) process.stdout.write(`${r.output}: ${r.bytes} bytes from ${r.objects.join(", ")}\n`);
      } catch (e) {
        const { CompileError } = await import("../../build/cc.js");
        if (e instanceof CompileError) {
          // clang's own diagnostics first, verbatim, as make(1) shows them.
          if (e.diagnostics) process.stderr.write(e.diagnostics + "\n");
          throw new CliError(`can't build module: ${e.subject}: compilation failed`);
        }
        const { toCliError } = await import("../diagnostics.js");
        throw toCliError(e, "can't build module");
      }
    });
}
