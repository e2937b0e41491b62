/**
 * `kld stat`: list the linker files in the kernel, kldstat(8)'s columns
 * `Id Refs Address Size Name` (addresses are 32-bit kernel-memory addresses,
 * so pointers are 10 columns wide, as on i386), or --json.
 * Caller: src/cli/kld.ts.  FreeBSD: sbin/kldstat/kldstat.c (printfile).
 */
import type { Command } from "commander";
import type { LinkerFileStat } from "../../rpc/protocol.js";
import { hex, hex0x, printJson, printLines, right } from "../output.js";

/** 2 * sizeof(void *) + 2 for wasm32, as kldstat's POINTER_WIDTH. */
export const POINTER_WIDTH = 10;

export function statHeader(): string {
  return `Id Refs Address${" ".repeat(POINTER_WIDTH - 7)} ${right("Size", 8)} Name`;
}

/** One row: "%2d %4d %*p %8zx %s". */
export function statRow(f: LinkerFileStat): string {
  return `${right(f.id, 2)} ${right(f.refs, 4)} ${right(hex0x(f.address), POINTER_WIDTH)} ${right(hex(f.size), 8)} ${f.name}`;
}

export function register(program: Command): void {
  program
    .command("stat")
    .description("list the files loaded in the kernel (kldstat)")
    .usage("[-q] [-v] [-i id] [-n filename] [-m modname] [--json]")
    .option("-q", "print nothing; only the exit status says whether it is loaded")
    .option("-v", "also list the modules each file contains")
    .option("-i <id>", "only the file with this id")
    .option("-n <filename>", "only the file with this name")
    .option("-m <modname>", "only the module with this name")
    .option("--json", "machine-readable output (kldsim extension)")
    .action(async (opts: { json?: boolean } & import("./stat_select.js").StatSelectOpts) => {
      const { files: all } = await (await import("../client.js")).withKernel((k) => k.call("kernel.stat", {}));
      const sel = opts.q || opts.v || opts.i || opts.n || opts.m ? (await import("./stat_select.js")) : null;
      let chosen: import("./stat_select.js").StatSelection;
      try {
        chosen = sel ? sel.selectStat(all, opts) : { files: all };
      } catch (e) {
        // -q: a quiet check, the exit status alone answers (kldstat -q -m foo || kldload foo).
        if (opts.q && e instanceof Error && (e as { exitCode?: number }).exitCode === 1) {
          process.exitCode = 1;
          return;
        }
        throw e;
      }
      const files = chosen.files;
      if (opts.json) {
        printJson("kldsim.kldstat/1", { "kld-file-information": files });
        return;
      }
      if (opts.q) return;
      if (chosen.moduleLines) return printLines(chosen.moduleLines);
      printLines([statHeader(), ...files.flatMap((f) => (sel && opts.v ? sel.verboseRows(f, statRow(f)) : [statRow(f)]))]);
    });
}
