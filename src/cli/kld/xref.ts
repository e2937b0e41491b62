/**
 * `kld xref [-v] DIR...`: write DIR/linker.hints from the modules found in
 * each directory (kldxref(8)); runs here, without the kernel.  Every `.ko`
 * is read and validated; its MODULE_VERSION records (MDT_VERSION) and
 * DECLARE_MODULE names (MDT_MODULE) become hint records in FreeBSD's
 * binary format (src/kern/linker_hints.ts).  A directory with no records
 * gets no hints file, and a stale one is removed.  -v lists each file's
 * records as kldxref -d does.  A broken `.ko` is reported and skipped.
 * Caller: src/cli/kld.ts.  FreeBSD: usr.sbin/kldxref/kldxref.c.
 */
import type { Command } from "commander";
import { EX_FAILURE } from "../cli_error.js";

export function register(program: Command): void {
  program
    .command("xref")
    .description("write linker.hints for the modules in each directory (kldxref)")
    .usage("[-v] [--json] dir ...")
    .option("-v", "list the records of each file")
    .option("--json", "print each directory's files and records as JSON (kldsim extension)")
    .argument("<dir...>", "directories holding .ko files")
    .action(async (dirs: string[], opts: { v?: boolean; json?: boolean }) => {
      const { printError, toCliError } = await import("../diagnostics.js");
      const { xrefDirectory } = await import("../../build/kldxref.js");
      let failed = false;
      const indexed: Array<{ dir: string; files: unknown }> = [];
      for (const dir of dirs) {
        try {
          const r = xrefDirectory(dir);
          for (const w of r.warnings) process.stderr.write(`kld: ${w}\n`);
          if (opts.json) indexed.push({ dir, files: r.files });
          else if (opts.v) {
            for (const f of r.files) {
              process.stdout.write(`${f.file}:\n`);
              for (const rec of f.records) {
                process.stdout.write(rec.type === "version" ? `  interface ${rec.name}.${rec.version}\n` : `  module ${rec.name}\n`);
              }
              for (const d of f.depends) process.stdout.write(`  depends on ${d.name}.${d.pref} (${d.min},${d.max})\n`);
            }
          }
        } catch (e) {
          printError("kld", toCliError(e, `can't index ${dir}`));
          failed = true;
        }
      }
      if (opts.json) (await import("../output.js")).printJson("kldsim.kldxref/1", { directories: indexed });
      if (failed) process.exitCode = EX_FAILURE;
    });
}
