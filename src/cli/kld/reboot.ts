/**
 * `kld reboot`: shutdown + boot with the same settings (image, machine,
 * loader.conf, watchdog), in the same daemon and on the same socket.  The
 * only way out of a panic.  The message buffer survives, as in FreeBSD.
 * Caller: src/cli/kld.ts.  FreeBSD: sbin/reboot, kern_reboot(RB_AUTOBOOT).
 */
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("reboot")
    .description("shut the kernel down and boot it again with the same settings")
    .usage("[-q] [--json]")
    .option("-q", "print nothing on success")
    .option("--json", "print the new kernel's status as JSON, as kld status --json (kldsim extension)")
    .action(async (opts: { q?: boolean; json?: boolean }) => {
      const { startProgress } = await import("../spinner.js");
      const progress = startProgress("rebooting kernel", opts.q || opts.json);
      try {
        const s = await (await import("../client.js")).withKernel((k) => k.call("kernel.reboot", {}));
        progress.stop();
        if (opts.json) (await import("../output.js")).printJson("kldsim.status/1", s);
        else if (!opts.q) process.stdout.write(`kernel rebooted at ${s.socket} (pid ${s.pid})\n`);
      } finally {
        progress.stop();
      }
    });
}
