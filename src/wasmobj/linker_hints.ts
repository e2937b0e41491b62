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
 * Called by src/kern/linker/kern_linker.ts (module search) and
 * src/build/kldxref.ts (`kld xref`, which runs in the CLI process: kldxref
 * is a userland tool).  A file format, not kernel code, so both sides
 * import it from here.
 */
import { KernelError } from "../errno/kernel_error.js";
import { MDT_MODULE, MDT_VERSION } from "../sys/sys_constants.js";

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
