/**
 * linker.hints: the per-directory index that kldxref(8) writes and the
 * kernel linker reads to find which file provides a module.
 *
 * We follow FreeBSD's binary format (sys/kern/kern_linker.c
 * linker_hints_lookup, usr.sbin/kldxref/kldxref.c), little-endian as on
 * i386:
 *
 *   int version                          LINKER_HINTS_VERSION (1)
 *   records, each:
 *     int reclen                         bytes after this field
 *     int type                           MDT_VERSION (3) or MDT_MODULE (2)
 *     MDT_VERSION: u_char len; name[len]; pad to 4 (from file start);
 *                  int version; u_char len; kldfile[len]
 *     MDT_MODULE:  u_char len; name[len]; u_char len; kldfile[len]
 *
 * The reader takes any reclen; the writer pads each record to a multiple of
 * four so that "aligned to the record" and "aligned to the file" agree.
 * Version selection is modlist_lookup2's: an exact preferred version wins,
 * else the highest version within [min, max].
 *
 * Called by kern_linker.ts (module search) and `kld xref` (xrefDirectory,
 * which runs in the CLI process: kldxref is a userland tool).
 */
import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readHostFile } from "../../errno/host_file.js";
import { KernelError } from "../../errno/kernel_error.js";
import { objectMetadata } from "./link_wasm_obj.js";
import { MDT_MODULE, MDT_VERSION } from "../sys_constants.js";

export const LINKER_HINTS_VERSION = 1;
/** FreeBSD's LINKER_HINTS_MAX. */
export const LINKER_HINTS_MAX = 1024 * 1024;

export interface HintRecord {
  readonly type: "version" | "module";
  /** Module (interface) name. */
  readonly name: string;
  /** MDT_VERSION only. */
  readonly version?: number;
  /** The file that provides it, relative to the hints file's directory. */
  readonly file: string;
}

export interface VersionRange {
  readonly min: number;
  readonly pref: number;
  readonly max: number;
}

/**
 * Parse a hints file.
 * @throws KernelError EFTYPE for a file that is not a hints file or is
 *   truncated/malformed (the detail names the offset), EFBIG beyond
 *   LINKER_HINTS_MAX.
 */
export function readLinkerHints(bytes: Uint8Array, path: string): HintRecord[] {
  if (bytes.length > LINKER_HINTS_MAX) throw new KernelError("EFBIG", path, `hints file larger than ${LINKER_HINTS_MAX} bytes`);
  const bad = (at: number, what: string): never => {
    throw new KernelError("EFTYPE", path, `linker.hints: ${what} at offset ${at}`);
  };
  if (bytes.length < 4) bad(0, "file too short for a version");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getInt32(0, true);
  if (version !== LINKER_HINTS_VERSION) {
    throw new KernelError("EFTYPE", path, `hints file version mismatch ${version}`);
  }
  const dec = new TextDecoder();
  const out: HintRecord[] = [];
  let p = 4;
  while (p < bytes.length) {
    if (p + 8 > bytes.length) bad(p, "truncated record header");
    const reclen = view.getInt32(p, true);
    const recEnd = p + 4 + reclen;
    if (reclen < 4 || recEnd > bytes.length) bad(p, `bad record length ${reclen}`);
    const type = view.getInt32(p + 4, true);
    let q = p + 8;
    const str = (): string => {
      if (q >= recEnd) bad(q, "truncated string");
      const len = bytes[q]!;
      if (q + 1 + len > recEnd) bad(q, "string runs past its record");
      const s = dec.decode(bytes.subarray(q + 1, q + 1 + len));
      q += 1 + len;
      return s;
    };
    if (type === MDT_VERSION) {
      const name = str();
      q = (q + 3) & ~3;
      if (q + 4 > recEnd) bad(q, "truncated version");
      const v = view.getInt32(q, true);
      q += 4;
      out.push({ type: "version", name, version: v, file: str() });
    } else if (type === MDT_MODULE) {
      const name = str();
      out.push({ type: "module", name, file: str() });
    }
    // Other record types (MDT_PNP_INFO) are skipped, as the kernel does.
    p = recEnd;
  }
  return out;
}

/** Serialise records in FreeBSD's format. */
export function writeLinkerHints(records: readonly HintRecord[]): Uint8Array {
  const enc = new TextEncoder();
  const chunks: number[] = [];
  const int = (arr: number[], v: number): void => {
    arr.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  };
  int(chunks, LINKER_HINTS_VERSION);
  for (const r of records) {
    const rec: number[] = [];
    // rec holds everything after reclen; its file offset is chunks.length + 4.
    const base = chunks.length + 4;
    const str = (s: string): void => {
      const b = enc.encode(s);
      if (b.length > 255) throw new KernelError("ENAMETOOLONG", s, "name longer than 255 bytes");
      rec.push(b.length, ...b);
    };
    int(rec, r.type === "version" ? MDT_VERSION : MDT_MODULE);
    str(r.name);
    if (r.type === "version") {
      while ((base + rec.length) % 4 !== 0) rec.push(0);
      int(rec, r.version ?? 0);
    }
    str(r.file);
    while (rec.length % 4 !== 0) rec.push(0);
    int(chunks, rec.length);
    chunks.push(...rec);
  }
  return Uint8Array.from(chunks);
}

/**
 * The file providing module `name` at an acceptable version
 * (modlist_lookup2 rules); with no range, any MDT_VERSION or MDT_MODULE
 * record of that name.
 */
export function lookupHint(records: readonly HintRecord[], name: string, range?: VersionRange): HintRecord | undefined {
  const versions = records.filter((r) => r.type === "version" && r.name === name);
  if (!range) return versions[0] ?? records.find((r) => r.type === "module" && r.name === name);
  return bestVersion(versions, (r) => r.version ?? 0, range);
}

/** modlist_lookup2's choice: exact preferred, else the highest in [min, max]. */
export function bestVersion<T>(candidates: readonly T[], versionOf: (c: T) => number, range: VersionRange): T | undefined {
  const exact = candidates.find((c) => versionOf(c) === range.pref);
  if (exact) return exact;
  let best: T | undefined;
  for (const c of candidates) {
    const v = versionOf(c);
    if (v >= range.min && v <= range.max && (best === undefined || v > versionOf(best))) best = c;
  }
  return best;
}

// ---- kldxref ---------------------------------------------------------------

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
