/**
 * Entry point of the kernel daemon process, spawned by `kld boot` through
 * launch.ts.  Reads its boot settings from argv, starts the Daemon, reports
 * "ready" (or the failure) to the parent over the IPC channel and
 * disconnects, so `kld boot` can return; then runs until kernel.shutdown or
 * SIGTERM/SIGINT.  In the foreground (`kld boot -f`) the boot log and
 * console go to stdout, which the launcher shares.
 * Caller: src/daemon/launch.ts (by path).
 * FreeBSD counterpart: none (the kernel is not a process there).
 */
import { errnoByName } from "../errno/errno.js";
import { KernelError } from "../errno/kernel_error.js";
import { Daemon } from "./daemon.js";
import type { LaunchReport, LaunchRequest } from "./launch.js";

function report(msg: LaunchReport): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, () => resolve());
  });
}

function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string; syscall: string } {
  if (!(e instanceof Error)) return false;
  const err = e as NodeJS.ErrnoException;
  return typeof err.code === "string" && typeof err.syscall === "string" && errnoByName(err.code) !== undefined;
}

async function main(): Promise<void> {
  process.title = "kld-kernel";
  const raw = process.argv[2];
  if (!raw) {
    process.stderr.write("usage: main.js SETTINGS-JSON (started by kld boot)\n");
    process.exit(64);
  }
  const parsed = JSON.parse(raw) as LaunchRequest;
  const console = parsed.settings.foreground ? (text: string) => void process.stdout.write(text) : undefined;
  let daemon: Daemon;
  try {
    daemon = await Daemon.start({
      settings: parsed.settings,
      explicitSocket: parsed.explicitSocket,
      ...(parsed.limits ? { limits: parsed.limits } : {}),
      ...(console ? { console } : {}),
    });
  } catch (e) {
    if (e instanceof KernelError) {
      await report({
        type: "failed",
        message: e.message,
        errno: e.info.name,
        ...(e.detail ? { detail: e.detail } : {}),
      });
    } else if (isSystemError(e)) {
      // Node's message is Linux's wording; send the errno name instead.
      await report({ type: "failed", message: e.message, errno: e.code, detail: e.path ?? e.syscall });
    } else {
      await report({ type: "failed", message: e instanceof Error ? e.message : String(e) });
    }
    process.exit(1);
  }
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void daemon.stop());
  process.on("SIGHUP", () => {});
  await report({ type: "ready", pid: process.pid, socket: parsed.settings.socket });
  process.disconnect?.();
  await daemon.exited;
  process.exit(0);
}

void main();
