/**
 * `kld conftxt`: print the configuration text the booted kernel image
 * carries (kconfig with options INCLUDE_CONFIG_FILE), as FreeBSD's
 * `sysctl -n kern.conftxt` does; ENOENT when the kernel was booted without
 * an image or the image has none.
 * Caller: src/cli/kld.ts.  FreeBSD: sys/kern/kern_mib.c (kern.conftxt),
 * usr.sbin/config -x.
 */
import type { Command } from "commander";
import { printJson } from "../output.js";

export function register(program: Command): void {
  program
    .command("conftxt")
    .description("print the booted image's configuration text (options INCLUDE_CONFIG_FILE)")
    .usage("[--json]")
    .option("--json", "machine-readable output (kldsim extension)")
    .action(async (opts: { json?: boolean }) => {
      const { text } = await (await import("../client.js")).withKernel((k) => k.call("kernel.conftxt", {}));
      if (opts.json) {
        printJson("kldsim.conftxt/1", { text });
        return;
      }
      process.stdout.write(text);
    });
}
