/**
 * kldxref(8) for one directory: read the module metadata of every `*.ko`
 * and write the directory's linker.hints (src/wasmobj/linker_hints.ts), or
 * remove a stale one when there is nothing to index.  Runs in the CLI
 * process (`kld xref`, src/cli/kld/xref.ts): kldxref is a userland tool.
 * FreeBSD counterpart: usr.sbin/kldxref/kldxref.c.
 */
import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readHostFile } from "../errno/host_file.js";
import { KernelError } from "../errno/kernel_error.js";
import { writeLinkerHints, type HintRecord } from "../wasmobj/linker_hints.js";
import { objectMetadata } from "../wasmobj/mod_metadata.js";

export interface XrefFile {
  readonly file: string;
  readonly records: readonly HintRecord[];
  readonly depends: readonly { readonly name: string; readonly min: number; readonly pref: number; readonly max: number }[];
}

export interface XrefResult {
  readonly dir: string;
  /** The hints file written, or null when the directory has no records. */
  readonly hints: string | null;
  readonly files: readonly XrefFile[];
  /** Files skipped, each as "FILE: reason". */
  readonly warnings: readonly string[];
}

/**
 * kldxref for one directory: index every `*.ko`, write `linker.hints`
 * (or remove a stale one when there is nothing to index).
 * @throws KernelError ENOENT / ENOTDIR when `dir` is not a directory.
 */
export function xrefDirectory(dir: string): XrefResult {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new KernelError("ENOTDIR", dir, "not a directory");
    names = readdirSync(dir).filter((n) => n.endsWith(".ko")).sort();
  } catch (e) {
    if (e instanceof KernelError) throw e;
    throw new KernelError("ENOENT", dir, "no such directory");
  }
  const files: XrefFile[] = [];
  const warnings: string[] = [];
  for (const n of names) {
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
      const md = objectMetadata(readHostFile(p, "module"), n);
      const records: HintRecord[] = [];
      const depends: XrefFile["depends"][number][] = [];
      for (const m of md) {
        if (m.type === "version") records.push({ type: "version", name: m.name, version: m.version, file: n });
        else if (m.type === "module") records.push({ type: "module", name: m.name, file: n });
        else depends.push({ name: m.name, min: m.min, pref: m.pref, max: m.max });
      }
      files.push({ file: n, records, depends });
    } catch (e) {
      const detail = e instanceof KernelError ? (e.detail ?? e.message) : String(e);
      warnings.push(`${p}: ${detail}`);
    }
  }
  const all = files.flatMap((f) => f.records);
  const hintsPath = join(dir, "linker.hints");
  if (all.length === 0) {
    rmSync(hintsPath, { force: true });
    return { dir, hints: null, files, warnings };
  }
  writeFileSync(hintsPath, writeLinkerHints(all));
  return { dir, hints: hintsPath, files, warnings };
}
