/**
 * `modunload [-i id] [-n name] [-p postremove]`: the FreeBSD 2.x LKM
 * unloader, run on kldsim's KLD linker.  `-i` takes a module id (as modload
 * printed it and `kld stat -v` shows it), `-n` a module name (or, failing
 * that, a linker file name as `kld stat` shows it).  The module is mapped to
 * the linker file that holds it, and that file goes through kld.unload; the
 * file's other modules, if any, leave with it (2.x had one module per
 * object, so the question never arose).  Exactly one of -i and -n is
 * required.  Silent on success, as on 2.x; `-p` then runs the program with
 * the module id, type and offset.
 * Caller: bin/modunload.js.  FreeBSD: sbin/modunload/modunload.c (2.x).
 */
import type { LinkerFileStat, ModuleStat } from "../rpc/protocol.js";
import { CliError, EX_FAILURE, EX_USAGE } from "./cli_error.js";
import { createProgram, runProgram } from "./program.js";

interface ModunloadOpts {
  readonly i?: string;
  readonly n?: string;
  readonly p?: string;
}

/** A module and the linker file that holds it. */
export interface ModuleLocation {
  readonly module: ModuleStat;
  readonly file: LinkerFileStat;
}

/**
 * Find a module by id, or by module name then file name, in `kernel.stat`'s
 * file list.  A file matched by name answers with its first module.
 * @returns undefined when nothing matches.
 */
export function locateModule(files: readonly LinkerFileStat[], by: { readonly id: number } | { readonly name: string }): ModuleLocation | undefined {
  for (const file of files) {
    for (const module of file.modules ?? []) {
      if ("id" in by ? module.id === by.id : module.name === by.name) return { module, file };
    }
  }
  if ("name" in by) {
    const file = files.find((f) => f.name === by.name || f.name === `${by.name}.ko`);
    const module = file?.modules?.[0];
    if (file && module) return { module, file };
  }
  return undefined;
}

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const program = createProgram("modunload", "unload a kernel module (FreeBSD 2.x LKM interface, on the KLD linker)");
  program
    .usage("[-i id] [-n name] [-p postremove]")
    .option("-i <id>", "unload the module with this id")
    .option("-n <name>", "unload the module with this name")
    .option("-p <postremove>", "run this program after a successful unload: id, type, offset")
    .action(async (opts: ModunloadOpts) => {
      if ((opts.i === undefined) === (opts.n === undefined)) {
        program.error("give exactly one of -i id and -n name", { exitCode: EX_USAGE, code: "modunload.usage" });
      }
      let by: { readonly id: number } | { readonly name: string };
      if (opts.i !== undefined) {
        const id = Number(opts.i);
        if (!/^\d+$/.test(opts.i) || !Number.isSafeInteger(id)) {
          program.error(`invalid module id ${opts.i}`, { exitCode: EX_USAGE, code: "modunload.usage" });
        }
        by = { id };
      } else {
        by = { name: opts.n ?? "" };
      }
      const { withKernel } = await import("./client.js");
      const gone = await withKernel(async (k) => {
        const { files } = await k.call("kernel.stat", {});
        const where = locateModule(files, by);
        if (!where) {
          throw new CliError("no such module", EX_FAILURE, ["id" in by ? `no module with id ${by.id}` : `no module named ${by.name}`]);
        }
        try {
          await k.call("kld.unload", { id: where.file.id });
        } catch (e) {
          const { toCliError } = await import("./diagnostics.js");
          throw toCliError(e, `can't unload ${where.module.name}`);
        }
        return where;
      });
      if (opts.p !== undefined) {
        const { postArgs, runPostProgram } = await import("./lkm_post.js");
        process.exitCode = await runPostProgram(opts.p, postArgs(gone.module.id));
      }
    });
  return runProgram(program, argv);
}
