/**
 * Colour policy for kldsim's human-readable output: colour only when the
 * stream is a terminal, never when NO_COLOR is set to anything non-empty
 * (chalk itself ignores NO_COLOR), never for TERM=dumb; FORCE_COLOR=1..3
 * forces it, FORCE_COLOR=0 forbids it.  chalk is loaded only when colour is
 * actually on, to keep start-up fast.  Callers: subcommands that colour
 * state words (kld status).  FreeBSD counterpart: ls(1)'s CLICOLOR rules.
 */
export interface Painter {
  readonly good: (s: string) => string;
  readonly bad: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
}

const plain: Painter = { good: (s) => s, bad: (s) => s, dim: (s) => s, bold: (s) => s };

/** The colour level (0 = none) for `stream` under `env`. */
export function colourLevel(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 {
  if (env["NO_COLOR"]) return 0;
  const force = env["FORCE_COLOR"];
  if (force !== undefined && force !== "") {
    if (force === "0" || force === "false") return 0;
    const n = Number(force);
    return n === 2 ? 2 : n === 3 ? 3 : 1;
  }
  if (!stream.isTTY || env["TERM"] === "dumb") return 0;
  return 1;
}

/** A painter for `stream`: identity functions unless colour is on. */
export function painterFor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<Painter> {
  return painterAt(colourLevel(stream, env));
}

/** A painter at a colour level already decided (0: identity functions). */
export async function painterAt(level: 0 | 1 | 2 | 3): Promise<Painter> {
  if (level === 0) return plain;
  const { Chalk } = await import("chalk");
  const c = new Chalk({ level });
  return { good: (s) => c.green(s), bad: (s) => c.red.bold(s), dim: (s) => c.dim(s), bold: (s) => c.bold(s) };
}
