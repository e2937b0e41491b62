/**
 * `kld dmesg`: print the kernel message buffer (boot log and every later
 * kernel message), or --json as an array of lines.
 * Caller: src/cli/kld.ts.  FreeBSD: sbin/dmesg/dmesg.c.
 */
import type { Command } from "commander";
import { printJson } from "../output.js";

export function register(program: Command): void {
  program
    .command("dmesg")
    .description("print the kernel message buffer")
    .usage("[--json]")
    .option("--json", "machine-readable output (kldsim extension)")
    .action(async (opts: { json?: boolean }) => {
      const { text } = await (await import("../client.js")).withKernel((k) => k.call("kernel.dmesg", {}));
      if (opts.json) {
        const lines = text.split("\n");
        if (lines.at(-1) === "") lines.pop();
        printJson("kldsim.dmesg/1", { lines });
        return;
      }
      process.stdout.write(text);
    });
}
