/**
 * Which config(8) a classic configuration file was written for, told by its
 * own statements, so that kconfig reads each file as that era's config(8)
 * did (issue 14).  Two rules depend on it:
 *
 *  - a `device` line without `at` splits a trailing number off as the unit
 *    in 1.x and 2.x files (`device sd0`), and keeps the whole word as the
 *    name in later ones (`device mlx5`, `device snd_via8233`);
 *  - 1.x and 2.x config(8) refused `at fdc0` when fdc0 was not declared
 *    with `controller` (or `master`); 4.x and later accept any device as a
 *    parent (check_config.ts).
 *
 * Called by parse_classic.ts (per file: an included file has its own era)
 * and check_config.ts.  The markers come from usr.sbin/config/config.y and
 * lang.l of each era: 1.x has timezone, maxfdescs, hz, trace, `args`,
 * `csr`; 2.x has controller, disk, tape, master and the interrupt words
 * (vector, priority, tty, bio, net, cam) that 4.x made obsolete; modern
 * config(8) has include, hints, files, env, envvar, the no* forms and
 * unit-less device lists.  A file with none of these (device lines with
 * units and `at`, as 4.x GENERIC) is 4.x.
 */
import type { Statement } from "./lexer.js";

export type Era = "1.x" | "2.x" | "4.x" | "modern";

const ERA_1X: ReadonlySet<string> = new Set(["timezone", "maxfdescs", "hz", "trace"]);
const ERA_2X: ReadonlySet<string> = new Set(["controller", "disk", "tape", "master"]);
const WORDS_2X: ReadonlySet<string> = new Set(["vector", "priority", "tty", "bio", "net", "cam", "csr", "args"]);
const ERA_MODERN: ReadonlySet<string> = new Set([
  "include", "hints", "files", "env", "envvar", "nodevice", "nodevices", "nooption", "nooptions",
  "nomakeoption", "nomakeoptions", "nocpu", "devices", "profile",
]);

/** The era of one file's statements: the oldest one whose own statements appear, else modern or 4.x. */
export function fileEra(statements: readonly Statement[]): Era {
  let old2x = false;
  let modern = false;
  for (const st of statements) {
    const kw = st.tokens[0]?.text ?? "";
    if (ERA_1X.has(kw)) return "1.x";
    if (ERA_2X.has(kw)) old2x = true;
    else if (ERA_MODERN.has(kw)) modern = true;
    else if (kw === "device" || kw === "config") {
      for (const t of st.tokens) if (t.kind === "word" && WORDS_2X.has(t.text)) old2x = true;
      if (kw === "device" && st.tokens.some((t) => t.kind === ",")) modern = true;
    }
  }
  return old2x ? "2.x" : modern ? "modern" : "4.x";
}

/** True when the era's grammar reads `device sd0` (no `at`) as driver sd, unit 0. */
export function splitsUnitWithoutAt(era: Era): boolean {
  return era === "1.x" || era === "2.x";
}
