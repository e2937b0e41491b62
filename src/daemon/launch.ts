/**
 * Starting the kernel daemon from `kld boot`: spawns src/daemon/main.ts by
 * path with the boot settings, and waits for its launch report ("ready" or
 * the boot failure) over the IPC channel.  Detached, the daemon is left
 * running on its own; in the foreground (`kld boot -f`) its boot log goes to
 * our stdout, SIGINT and SIGTERM are passed on to it, and its exit status
 * becomes ours.
 *
 * The CLI imports only this file and socket_path.ts of the daemon (the
 * layer rules in .ci/dependency-cruiser.cjs), so `kld boot` loads no daemon
 * or kernel code: they run in the child.
 * Callers: src/cli/kld/boot.ts; src/daemon/main.ts (the report type).
 * FreeBSD counterpart: none (the kernel is not a process there).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import type { BootSettings } from "../rpc/protocol.js";

/** Connection cap and idle timeout ($KLD_MAX_CONNECTIONS, $KLD_IDLE_TIMEOUT_MS). */
export interface ConnectionLimits {
  readonly maxConnections?: number;
  readonly idleTimeoutMs?: number;
}

/** What main.js reads from its argv. */
export interface LaunchRequest {
  readonly settings: BootSettings;
  /** The socket was named by $KLD_SOCKET (so a stale one is not replaced silently). */
  readonly explicitSocket: boolean;
  readonly limits?: ConnectionLimits;
}

/** The messages a starting daemon sends its launcher. */
export type LaunchReport =
  | { readonly type: "ready"; readonly pid: number; readonly socket: string }
  | { readonly type: "failed"; readonly message: string; readonly errno?: string; readonly detail?: string };

/** The daemon could not be started, or died before reporting. */
export class LaunchError extends Error {}

export interface Launched {
  readonly report: LaunchReport;
  /** The daemon's exit status (128 + signal number when a signal ended it). */
  readonly exited: Promise<number>;
  readonly child: ChildProcess;
}

const MAIN = fileURLToPath(new URL("./main.js", import.meta.url));

/**
 * Spawn the daemon and wait for its report.  `settings.foreground` decides
 * the mode: detached (own session, no stdio) or attached (stdout and stderr
 * shared with us).
 */
export async function launchDaemon(request: LaunchRequest): Promise<Launched> {
  const foreground = request.settings.foreground;
  const child = spawn(process.execPath, [MAIN, JSON.stringify(request)], {
    detached: !foreground,
    stdio: ["ignore", foreground ? "inherit" : "ignore", foreground ? "inherit" : "ignore", "ipc"],
  });
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? 128 + signalNumber(signal))),
  );
  let report: LaunchReport | undefined;
  try {
    report = await new Promise<LaunchReport>((resolve, reject) => {
      child.once("message", (m) => resolve(m as LaunchReport));
      child.once("error", (e) => reject(new LaunchError(`can't start kernel daemon: ${e.message}`)));
      child.once("exit", (code, sig) =>
        reject(new LaunchError(`kernel daemon exited during boot (${sig ? `signal ${sig}` : `status ${code}`})`)),
      );
    });
    return { report, exited, child };
  } finally {
    // A boot that failed leaves no daemon behind, whatever state it was in.
    if (report?.type !== "ready" && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (child.connected) child.disconnect();
    if (!foreground) child.unref();
  }
}

/**
 * Stay with a foreground daemon until it exits: SIGINT and SIGTERM sent to
 * us go to it (it shuts down cleanly; a second one from the terminal's
 * process group is harmless).  Resolves with its exit status.
 */
export function attend(launched: Launched): Promise<number> {
  const forward = (sig: NodeJS.Signals): void => void launched.child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return launched.exited.finally(() => {
    process.off("SIGINT", forward);
    process.off("SIGTERM", forward);
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 0) : 0;
}
