/**
 * The selecting and verbose forms of `kld stat` (kldstat -q, -v, -i, -n,
 * -m), kept apart from stat.ts's plain listing so that the common case
 * stays small.  Pure: takes the kernel's file list, returns the lines to
 * print or throws a CliError (`can't find file X`, exit 1).
 * Caller: src/cli/kld/stat.ts.  FreeBSD: sbin/kldstat/kldstat.c (printfile,
 * printmod, the -i/-n/-m/-q paths).
 */
import type { LinkerFileStat } from "../../rpc/protocol.js";
import { CliError, EX_USAGE } from "../cli_error.js";
import { right } from "../output.js";

export interface StatSelectOpts {
  readonly q?: boolean;
  readonly v?: boolean;
  readonly i?: string;
  readonly n?: string;
  readonly m?: string;
}

export interface StatSelection {
  readonly files: readonly LinkerFileStat[];
  /** Set for -m: the module line instead of file rows. */
  readonly moduleLines?: readonly string[];
}

/** Pick the files (or the module) asked for. */
export function selectStat(files: readonly LinkerFileStat[], opts: StatSelectOpts): StatSelection {
  if (opts.m !== undefined) {
    for (const f of files) {
      const m = f.modules?.find((x) => x.name === opts.m);
      // XXX: kldsim takes no module references, so a module's refs is always 1.
      if (m) return { files: [f], moduleLines: ["Id  Refs Name", `${right(m.id, 3)} ${right(1, 4)} ${m.name}`] };
    }
    throw new CliError(`can't find module ${opts.m}: No such file or directory`);
  }
  if (opts.i !== undefined) {
    if (!/^\d+$/.test(opts.i)) throw new CliError(`-i: ${opts.i}: not a file id`, EX_USAGE);
    const id = Number(opts.i);
    const f = files.find((x) => x.id === id);
    if (!f) throw new CliError(`can't stat file id ${opts.i}: No such file or directory`);
    return { files: [f] };
  }
  if (opts.n !== undefined) {
    const want = opts.n;
    const f =
      files.find((x) => x.name === want || x.pathname === want) ?? files.find((x) => x.name === `${want}.ko`);
    if (!f) throw new CliError(`can't find file ${want}: No such file or directory`);
    return { files: [f] };
  }
  return { files };
}

/** kldstat -v: the row, the path, then the modules the file contains. */
export function verboseRows(f: LinkerFileStat, row: string): string[] {
  return [
    `${row} (${f.pathname})`,
    "\tContains modules:",
    "\t\tId Name",
    ...(f.modules ?? []).map((m) => `\t\t${right(m.id, 2)} ${m.name}`),
  ];
}
