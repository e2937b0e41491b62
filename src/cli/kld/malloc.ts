/**
 * `kld malloc`: the kernel's malloc types with allocations in use, memory in
 * use (KiB, rounded up) and requests ever made — vmstat -m's columns.
 * Caller: src/cli/kld.ts.  FreeBSD: usr.bin/vmstat/vmstat.c (domemstat_malloc).
 */
import type { Command } from "commander";
import { printJson, printLines, right } from "../output.js";

export function register(program: Command): void {
  program
    .command("malloc")
    .description("show malloc types: InUse, MemUse, Requests (vmstat -m)")
    .usage("[--json]")
    .option("--json", "machine-readable output (kldsim extension)")
    .action(async (opts: { json?: boolean }) => {
      const { withKernel } = await import("../client.js");
      const { types } = await withKernel((k) => k.call("kld.malloc", {}));
      if (opts.json) {
        printJson("kldsim.malloc/1", { types });
        return;
      }
      printLines([
        `${right("Type", 13)} ${right("InUse", 5)} ${right("MemUse", 6)} ${right("Requests", 8)}`,
        ...types.map(
          (t) => `${right(t.type, 13)} ${right(t.inUse, 5)} ${right(`${Math.ceil(t.memUse / 1024)}K`, 6)} ${right(t.requests, 8)}`,
        ),
      ]);
    });
}
