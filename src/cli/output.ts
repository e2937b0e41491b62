/**
 * Rendering for listing commands: fixed-width columns printf-style (FreeBSD
 * tools format with "%2d %4d %*p ..."), and JSON documents for --json
 * (our extension: the real tools have no libxo output), each carrying a
 * "schema" key naming its shape and version.
 * Callers: src/cli/kld/*.ts.  FreeBSD counterpart: the printf(3) lines of
 * sbin/kldstat/kldstat.c.
 */

/** Right-align `s` in `width` columns (printf "%*s"). */
export function right(s: string | number, width: number): string {
  return String(s).padStart(width);
}

/** Left-align `s` in `width` columns (printf "%-*s"). */
export function left(s: string | number, width: number): string {
  return String(s).padEnd(width);
}

/** printf("%#x"): lower-case hex with 0x. */
export function hex0x(n: number): string {
  return `0x${n.toString(16)}`;
}

/** printf("%x"): lower-case hex, no prefix (kldstat's Size column). */
export function hex(n: number): string {
  return n.toString(16);
}

/** Print one JSON document on stdout: `{ "schema": ..., ...body }`. */
export function printJson(schema: string, body: object): void {
  process.stdout.write(JSON.stringify({ schema, ...body }, null, 2) + "\n");
}

/** Write lines to stdout, each ending in a newline. */
export function printLines(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(lines.join("\n") + "\n");
}
