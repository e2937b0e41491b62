/**
 * `kld sym [-f FILE] SYMBOL`: a symbol's address, size, kind and owning
 * file (kldsym(2); FreeBSD has no command for it).  Without -f the files
 * are searched in load order, the kernel first; locals are never visible.
 * A function's address is its slot in the kernel function table (function
 * pointers are table indices in kldsim).
 * Caller: src/cli/kld.ts.  FreeBSD: sys/kern/kern_linker.c sys_kldsym.
 */
import type { Command } from "commander";
import { hex0x, left, printJson, printLines, right } from "../output.js";

export function register(program: Command): void {
  program
    .command("sym")
    .description("look a symbol up: address, size, kind, owning file (kldsym)")
    .usage("[-f file] [--json] symbol")
    .option("-f <file>", "look only in this file (name or id)")
    .option("--json", "machine-readable output (kldsim extension)")
    .argument("<symbol>", "the C name")
    .action(async (symbol: string, opts: { f?: string; json?: boolean }) => {
      const { withKernel } = await import("../client.js");
      const { toCliError } = await import("../diagnostics.js");
      const r = await withKernel((k) =>
        k.call("kld.sym", { symbol, ...(opts.f !== undefined ? { file: opts.f } : {}) }).catch((e: unknown) => {
          throw toCliError(e, `can't find symbol ${symbol}`);
        }),
      );
      if (opts.json) {
        printJson("kldsim.kldsym/1", { symbol: r });
        return;
      }
      const w = Math.max(6, r.name.length);
      printLines([
        `${left("Symbol", w)} Address    ${right("Size", 6)} Kind File`,
        `${left(r.name, w)} ${left(hex0x(r.address), 10)} ${right(r.size, 6)} ${left(r.kind, 4)} ${r.file} (id ${r.fileId})`,
      ]);
    });
}
