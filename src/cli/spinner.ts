/**
 * Spinner policy: a spinner (ora) only on stderr, only when stderr is a
 * terminal (not CI, not TERM=dumb, not under --json or -q), and only once
 * the work has taken about a second — quick operations print nothing extra.
 * ora is imported only when a spinner is really shown.
 * Callers: slow commands (kld boot, kld reboot, kld load, kconfig).
 * FreeBSD counterpart: none (base tools never spin).
 */
export interface Progress {
  /** Stop, leaving no trace (the caller prints its own result line). */
  stop(): void;
}

export const SPINNER_DELAY_MS = 1000;

/** Where a spinner would go; tests give a fake terminal. */
export interface ProgressIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export function spinnersAllowed(env: NodeJS.ProcessEnv = process.env, stderr: { isTTY?: boolean; columns?: number } = process.stderr): boolean {
  // A terminal that reports no width (some `script`/serial setups) makes
  // ora's line-wrapping arithmetic divide by zero and redraw forever.
  return Boolean(stderr.isTTY) && (stderr.columns ?? 0) > 0 && env["TERM"] !== "dumb" && !env["CI"];
}

/** Start a delayed spinner with `text`; `quiet` disables it outright. */
export function startProgress(
  text: string,
  quiet = false,
  io: ProgressIo = { env: process.env, stream: process.stderr },
): Progress {
  if (quiet || !spinnersAllowed(io.env, io.stream)) return { stop: () => {} };
  let stopped = false;
  let spinner: { stop(): unknown } | undefined;
  const timer = setTimeout(() => {
    void import("ora").then(({ default: ora }) => {
      if (!stopped) spinner = ora({ text, stream: io.stream, isEnabled: true }).start();
    });
  }, SPINNER_DELAY_MS);
  timer.unref();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      spinner?.stop();
    },
  };
}
