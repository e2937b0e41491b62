/**
 * Statements of the classic syntax that kconfig accepts and records, or
 * accepts and ignores, because the config(8) of their era accepted them and
 * they mean nothing to a kldsim kernel: 1.x's timezone, maxfdescs, hz and
 * trace, and modern config(8)'s files, env, envvar and profile.  Each one
 * warns, saying why it has no effect; none is refused (issue 14: never
 * refuse a file its own era accepted).
 *
 * Called by parse_classic.ts.  Follows usr.sbin/config/config.y of FreeBSD
 * 1.x (`TIMEZONE [MINUS] NUMBER|FPNUMBER [DST [NUMBER]]`, `MAXFDESCS
 * NUMBER`, `HZ NUMBER` — already "obsolete; delete" there, a message and
 * not a failure — and `TRACE`) and of modern FreeBSD (`FILES ID`, `ENV ID`,
 * `ENVVAR ENVLINE`, `PROFILE NUMBER`).
 */
import type { ParseContext } from "./config_files.js";
import type { Cursor } from "./cursor.js";

const ZONE_RE = /^-?[0-9]+(\.[0-9]+)?$/;

/** Parse one of these statements (its keyword already read); warn through `warn`. */
export function oldOrUnsimulated(kw: string, cur: Cursor, ctx: ParseContext, warn: (w: string) => void): void {
  const cfg = ctx.cfg;
  switch (kw) {
    case "timezone": {
      const zone = timezone(cur);
      cfg.timezone = zone;
      return warn(`timezone ${zone}: recorded, no effect: the kernel keeps UTC since FreeBSD 2.0 (adjkerntz(8) and TZ replaced this 1.x statement)`);
    }
    case "maxfdescs": {
      const n = cur.number("maxfdescs");
      cur.end();
      cfg.maxfdescs = n;
      return warn(`maxfdescs ${n}: recorded, no effect: the open-file limit follows maxusers (kern.maxfiles) since FreeBSD 2.0`);
    }
    case "hz": {
      const n = cur.number("hz");
      cur.end();
      return warn(`hz ${n}: ignored, as 1.x config(8) did ("HZ specification obsolete; delete"): options HZ=${n} sets the clock rate`);
    }
    case "trace":
      cur.end();
      return warn("trace: switched config(8)'s own parser tracing; ignored");
    case "files":
    case "env": {
      const f = cur.name(`${kw} file name`).text;
      cur.end();
      return warn(kw === "files"
        ? `files "${f}": kldsim builds kernels from module objects, not from a files(5) list; ignored`
        : `env "${f}": the loader's static environment is not simulated; ignored`);
    }
    case "envvar": {
      const name = cur.name("envvar NAME=VALUE").text.split("=")[0]!;
      while (!cur.atEnd()) cur.next();
      return warn(`envvar ${name}: the loader's static environment is not simulated; ignored`);
    }
    default: {
      const n = cur.number(kw);
      cur.end();
      return warn(`${kw} ${n}: kernel profiling is not simulated; ignored`);
    }
  }
}

/** `[-]N[.N] [dst [N]]`, returned as written (normalised spacing): "8 dst", "-5.5", "0 dst 2". */
function timezone(cur: Cursor): string {
  const t = cur.name("timezone hours west of GMT");
  if (!ZONE_RE.test(t.text)) cur.fail("timezone wants hours west of GMT, such as 8, -1 or 5.5", t);
  const parts = [t.text];
  if (cur.accept("word", "dst")) {
    parts.push("dst");
    if (!cur.atEnd()) parts.push(String(cur.number("dst correction type")));
  }
  cur.end();
  return parts.join(" ");
}
