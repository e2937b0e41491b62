/**
 * `kld status`: the daemon's and kernel's state — running or panicked (with
 * the panic message), pid, socket, version, uptime, image, machine.
 * Caller: src/cli/kld.ts.  FreeBSD counterpart: none (closest are
 * `uname -a` and `sysctl kern.boottime`).
 */
import type { Command } from "commander";
import type { KernelStatus } from "../../rpc/protocol.js";
import { printJson, printLines } from "../output.js";

/** The status report; `colourLevel` as colour.ts decides it for the output stream (0: plain). */
export async function statusLines(s: KernelStatus, colourLevel: 0 | 1 | 2 | 3 = 0): Promise<string[]> {
  const { formatUptime } = await import("../../uptime.js");
  const p = await (await import("../colour.js")).painterAt(colourLevel);
  const state = s.state === "running" ? p.good(s.state) : s.state === "panicked" ? p.bad(s.state) : s.state;
  const lines = [`state:    ${state}`];
  if (s.panic) lines.push(`panic:    ${s.panic.replace(/^panic: /, "")}`);
  lines.push(`pid:      ${s.pid}`, `socket:   ${s.socket}`, `version:  kldsim ${s.version}`);
  if (s.bootTime !== undefined && s.uptime !== undefined) {
    lines.push(`booted:   ${s.bootTime}`, `uptime:   ${formatUptime(s.uptime)}`);
  }
  lines.push(
    `image:    ${s.image ?? "none (core kernel only)"}`,
    `machine:  ${s.machine ?? "none"}`,
  );
  if (s.loaderConf) lines.push(`loader:   ${s.loaderConf}`);
  // Where the kernel writes its final message buffer (init_main.ts shutdownLogPath).
  const { dirname, join } = await import("node:path");
  lines.push(`shutdown log: ${join(dirname(s.socket), "shutdown.log")}`);
  if (s.files !== undefined) lines.push(`files:    ${s.files}`);
  if (s.busy) lines.push(`busy:     ${s.busy.method} (for ${s.busy.seconds} s)`);
  lines.push(`watchdog: ${s.watchdogMs} ms`, `mode:     ${s.foreground ? "foreground" : "detached"}`);
  return lines;
}

export function register(program: Command): void {
  program
    .command("status")
    .description("show whether the kernel is running, its pid, socket, uptime and image")
    .usage("[--json]")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const s = await (await import("../client.js")).withKernel((k) => k.call("kernel.status", {}));
      if (opts.json) {
        printJson("kldsim.status/1", s);
        return;
      }
      printLines(await statusLines(s, (await import("../colour.js")).colourLevel(process.stdout)));
    });
}
