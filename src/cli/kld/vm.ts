/**
 * `kld vm`: the kernel map — which pages each linker file holds, the free
 * extents between them, the largest free run and a fragmentation figure
 * (1 - largest free run / free pages), plus function-table use.
 * Caller: src/cli/kld.ts.  FreeBSD: nothing quite like it (vmstat -s and
 * procstat -v show other maps); the data is kern_linker's first-fit map.
 */
import type { Command } from "commander";
import { hex0x, left, printJson, printLines, right } from "../output.js";

export function register(program: Command): void {
  program
    .command("vm")
    .description("show the kernel map: pages per file, free extents, fragmentation")
    .usage("[--json]")
    .option("--json", "machine-readable output (kldsim extension)")
    .action(async (opts: { json?: boolean }) => {
      const { withKernel } = await import("../client.js");
      const vm = await withKernel((k) => k.call("kld.vm", {}));
      if (opts.json) {
        printJson("kldsim.kldvm/1", { vm });
        return;
      }
      const lines = [
        `kernel map ${hex0x(vm.base)}-${hex0x(vm.end)}: ${vm.totalPages} pages of ${vm.pageSize} bytes, ` +
          `${vm.usedPages} used, ${vm.freePages} free`,
        "",
        `Address    ${right("Pages", 6)} ${right("Size", 8)} Owner`,
      ];
      for (const e of vm.extents) {
        const owner = e.owner === null ? "(free)" : `${e.owner}${e.fileId !== undefined ? ` (id ${e.fileId})` : ""}`;
        const size = e.size !== undefined ? e.size.toString(16) : "";
        lines.push(`${left(hex0x(e.start), 10)} ${right(e.pages, 6)} ${right(size, 8)} ${owner}`);
      }
      lines.push(
        "",
        `free extents: ${vm.extents.filter((e) => e.owner === null).length}, largest free run: ${vm.largestFreeRun} pages, ` +
          `fragmentation: ${(vm.fragmentation * 100).toFixed(1)}%`,
        `function table: ${vm.tableSlots} slots in use, table size ${vm.tableSize}`,
      );
      printLines(lines);
    });
}
