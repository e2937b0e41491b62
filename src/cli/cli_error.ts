/**
 * CliError and the exit codes of every kldsim binary (sysexits(3) values).
 * Import-free on purpose: subcommand files load it at start-up, and the
 * heavier error classification in diagnostics.ts is loaded only on failure.
 * Callers: src/cli/**.  FreeBSD counterpart: include/sysexits.h.
 */

export const EX_OK = 0;
export const EX_FAILURE = 1;
/** sysexits(3) EX_USAGE: bad command line. */
export const EX_USAGE = 64;
/** sysexits(3) EX_UNAVAILABLE: the kernel daemon is not running. */
export const EX_UNAVAILABLE = 69;

/** A failure the CLI has already put into words; `message` excludes "prog: ". */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EX_FAILURE,
    /** Further lines, each printed as `prog: line`. */
    readonly more: readonly string[] = [],
  ) {
    super(message);
    this.name = "CliError";
  }
}
