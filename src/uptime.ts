/**
 * FreeBSD's way of writing an uptime, `1d2h3m4s`: the kernel prints it at
 * shutdown (`Uptime: ...`) and `kld status` shows it.  A leaf module (node
 * built-ins only) so the CLI can use it without loading kernel code.
 * FreeBSD counterpart: print_uptime() in sys/kern/kern_shutdown.c.
 */
/** Seconds as `1h2m3s`: leading zero units left out, seconds always shown. */
export function formatUptime(seconds: number): string {
  let s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  let out = "";
  if (d > 0) out += `${d}d`;
  if (d > 0 || h > 0) out += `${h}h`;
  if (d > 0 || h > 0 || m > 0) out += `${m}m`;
  return `${out}${s}s`;
}
