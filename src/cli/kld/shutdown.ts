/**
 * `kld shutdown`: halt the kernel cleanly (shutdown hooks, MOD_SHUTDOWN
 * once modules exist); the daemon exits and removes its socket.  Returns
 * once the socket is gone.  Caller: src/cli/kld.ts.
 * FreeBSD: sbin/shutdown, sys/kern/kern_shutdown.c (kern_reboot(RB_HALT)).
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";

/** Wait up to `ms` for the daemon to remove its socket; true once it has. */
async function waitGone(path: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (existsSync(path) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return !existsSync(path);
}

export function register(program: Command): void {
  program
    .command("shutdown")
    .description("shut the kernel down and stop the daemon")
    .usage("[-v] [--json]")
    .option("-v", "say when the kernel has halted")
    .option("--json", "print the socket and whether the daemon has gone as JSON (kldsim extension)")
    .action(async (opts: { v?: boolean; json?: boolean }) => {
      const socket = await (await import("../client.js")).withKernel(async (k) => {
        await k.call("kernel.shutdown", {});
        return k.socket;
      });
      const gone = await waitGone(socket, 5000);
      if (opts.json) (await import("../output.js")).printJson("kldsim.shutdown/1", { socket, halted: true, socketRemoved: gone });
      else if (opts.v) process.stdout.write("kernel halted\n");
    });
}
