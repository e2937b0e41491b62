/**
 * loader.conf(5) for `kld boot -l FILE`: which modules to preload before
 * the kernel's SYSINITs run.
 *
 * Understood: `NAME_load="YES"` (or NO), `NAME_name="FILE"` (the file to
 * load for NAME instead of NAME.ko, a path or a file on the module path),
 * `kld_list="a b c"` (modules, loaded in that order), comments (`#` to the
 * end of the line, outside quotes), blank lines, values quoted with "..."
 * or bare words.  Other variables (tunables such as `hw.foo="1"`,
 * `NAME_type`, `NAME_flags`) are kept in `variables` and otherwise ignored.
 * Modules are preloaded in the order their `_load="YES"` or `kld_list`
 * lines appear.  A malformed line is refused with the file and line, the
 * whole file at once (every bad line is reported).
 *
 * It lives beside the kernel image codec, below both the kernel and the
 * CLI: they are the two things the loader reads at boot, and `kld boot`
 * parses the file before it starts a daemon so a bad one fails at once.
 * Callers: src/kern/init_main.ts, src/cli/kld/boot.ts.  FreeBSD: stand/defaults/loader.conf and
 * stand/common/boot.c / the loader's `_load` processing (support.4th).
 */
import { quoteForMessage } from "../errno/host_file.js";
import { KernelError } from "../errno/kernel_error.js";

export interface PreloadRequest {
  /** Module name (NAME of NAME_load, or a kld_list word). */
  readonly name: string;
  /** What to hand the linker: NAME_name's file, else the module name. */
  readonly spec: string;
  /** "FILE:LINE" of the line that asked for it. */
  readonly where: string;
}

export interface LoaderConf {
  readonly preload: readonly PreloadRequest[];
  readonly variables: ReadonlyMap<string, string>;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.\-]*$/;

/** One `NAME=VALUE` line, or null for a blank/comment line. */
function parseLine(line: string): { name: string; value: string } | null | string {
  let i = 0;
  const skip = (): void => {
    while (i < line.length && (line[i] === " " || line[i] === "\t")) i++;
  };
  skip();
  if (i >= line.length || line[i] === "#") return null;
  const eq = line.indexOf("=", i);
  if (eq < 0) return `expected NAME="value", found '${quoteForMessage(line.trim())}'`;
  const name = line.slice(i, eq).trim();
  if (!NAME_RE.test(name)) return `bad variable name '${quoteForMessage(name)}'`;
  i = eq + 1;
  skip();
  let value: string;
  if (line[i] === '"') {
    const end = line.indexOf('"', i + 1);
    if (end < 0) return `unterminated quoted value for ${name}`;
    value = line.slice(i + 1, end);
    i = end + 1;
  } else {
    const start = i;
    while (i < line.length && !/[\s#"]/.test(line[i]!)) i++;
    value = line.slice(start, i);
    if (line[i] === '"') return `stray quote in the value of ${name}`;
  }
  skip();
  if (i < line.length && line[i] !== "#") return `unexpected '${quoteForMessage(line.slice(i).trim())}' after the value of ${name}`;
  return { name, value };
}

/**
 * Parse loader.conf text.
 * @throws KernelError EINVAL naming `FILE:LINE` and the problem of every bad line.
 */
export function parseLoaderConf(text: string, file: string): LoaderConf {
  const vars = new Map<string, string>();
  const order: { name: string; where: string }[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    const where = `${file}:${n + 1}`;
    const r = parseLine(line);
    if (r === null) return;
    if (typeof r === "string") {
      problems.push(`${where}: ${r}`);
      return;
    }
    vars.set(r.name, r.value);
    if (r.name === "kld_list") {
      for (const w of r.value.split(/\s+/).filter(Boolean)) order.push({ name: w.replace(/\.ko$/, ""), where });
    } else if (r.name.endsWith("_load")) {
      const v = r.value.toUpperCase();
      if (v !== "YES" && v !== "NO") problems.push(`${where}: ${r.name} must be "YES" or "NO", not "${quoteForMessage(r.value)}"`);
      else if (v === "YES") order.push({ name: r.name.slice(0, -"_load".length), where });
    }
  });
  if (problems.length > 0) {
    throw new KernelError("EINVAL", problems[0]!.split(": ")[0]!, problems.join("\n"));
  }
  const seen = new Set<string>();
  const preload: PreloadRequest[] = [];
  for (const o of order) {
    if (seen.has(o.name)) continue;
    seen.add(o.name);
    const load = vars.get(`${o.name}_load`);
    if (load !== undefined && load.toUpperCase() === "NO") continue;
    preload.push({ name: o.name, spec: vars.get(`${o.name}_name`) ?? o.name, where: o.where });
  }
  return { preload, variables: vars };
}
