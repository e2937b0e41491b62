/**
 * `kld shutdown`: halt the kernel cleanly (shutdown hooks, MOD_SHUTDOWN
 * once modules exist); the daemon exits and removes its socket.  Returns
 * once the socket is gone.  Caller: src/cli/kld.ts.
 * FreeBSD: sbin/shutdown, sys/kern/kern_shutdown.c (kern_reboot(RB_HALT)).
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";

async function waitGone(path: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (existsSync(path) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

export function register(program: Command): void {
  program
    .command("shutdown")
    .description("shut the kernel down and stop the daemon")
    .usage("[-v]")
    .option("-v", "say when the kernel has halted")
    .action(async (opts: { v?: boolean }) => {
      const socket = await (await import("../client.js")).withKernel(async (k) => {
        await k.call("kernel.shutdown", {});
        return k.socket;
      });
      await waitGone(socket, 5000);
      if (opts.v) process.stdout.write("kernel halted\n");
    });
}
