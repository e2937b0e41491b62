/**
 * Boot-time SYSINITs: the one list of the kernel's static modules' and the
 * preloaded files' SYSINITs, sorted by the same (subsystem, order) as a
 * kldload's (kern_sysinit.ts compareSysinits), run in that order as
 * FreeBSD's mi_startup runs the kernel's and the preloaded files' sysinits
 * together, and what happens when one fails.
 *
 * Every group of SYSINITs started together is an InitUnit, undone by the
 * linker's one unwinder (Linker.stopUnit: MOD_UNLOAD to the modules whose
 * MOD_LOAD ran, the SYSUNINITs up to where the run got, event handlers left
 * behind).  A kldload'ed file is one unit; at boot each static module of
 * file 1 is a unit (its code stays: a linked kernel cannot drop part of
 * itself) and so is each preloaded file, whose undo stack from
 * Linker.loadFile is kept here and run if it fails, exactly as a failing
 * kldload runs it.
 *
 *  - a static module that fails (MOD_LOAD error, a trap in one of its
 *    SYSINITs) is reported and boot goes on without it; every static module
 *    that depends on an interface it provides fails too, the chain named;
 *  - a preloaded file that fails is unloaded whole (the files preloaded
 *    with it that depend on it first), as is one none of whose modules
 *    survived MOD_LOAD.
 *
 * Which static module an address belongs to comes from the image's
 * per-module segment counts (image.ts moduleSegments): ld -r keeps each
 * input's data segments in order.
 *
 * Created and driven only by the Linker (kern_linker.ts linkKernelObject,
 * preload, runBootInits).  FreeBSD: sys/kern/init_main.c (mi_startup),
 * sys/kern/kern_linker.c (linker_preload).
 */
import { strerror } from "../../errno/errno.js";
import type { ModuleRegistry } from "../kern_module.js";
import { compareSysinits, type SysinitEntry } from "../kern_sysinit.js";
import type { SegmentPlacement } from "./link_wasm_obj.js";
import type { ModMetadata } from "../../wasmobj/mod_metadata.js";
import { describeTrap, isPanic } from "./linker_errors.js";

/** A SYSINIT position: (subsystem, order). */
export type SysinitKey = Pick<SysinitEntry, "subsystem" | "order">;

/** Past every SYSINIT: the whole file ran (its SYSUNINITs all run on undo). */
export const ALL_RAN: SysinitKey = { subsystem: Infinity, order: Infinity };

/** A linker file as the boot list sees it (kern_linker.ts LinkerFile). */
export interface UnitFile {
  readonly id: number;
  readonly filename: string;
  /** Files this one depends on. */
  readonly deps: readonly UnitFile[];
  functionName(slot: number): string;
}

/** A group of SYSINITs started together and undone together (Linker.stopUnit). */
export interface InitUnit<F extends UnitFile = UnitFile> {
  /** File name, or a static module's name. */
  readonly label: string;
  readonly file: F;
  /** The modules it declares. */
  readonly moduleNames: readonly string[];
  /** Its SYSUNINITs, ascending. */
  readonly sysuninits: readonly SysinitEntry[];
  /** Tags of the event handlers registered while its SYSINITs ran. */
  readonly handlerTags: Set<number>;
  /** How far the SYSINITs have run (null: not at all); undo runs the SYSUNINITs up to here. */
  ranUpTo: SysinitKey | null;
  /** Why its leftover event handlers are removed, for the message. */
  readonly dropReason: string;
}

/** A load's undo steps, in the order they were pushed. */
export type UndoStack = (() => void)[];

/** The static modules of an image, as linkKernelObject is given them. */
export interface StaticModules {
  readonly names: readonly string[];
  /** Per-module counts of non-`set_*` data segments (image.ts moduleSegments). */
  readonly segmentCounts?: readonly number[] | undefined;
}

/** One static module after boot. */
export interface StaticModuleStatus {
  readonly name: string;
  /** Why it failed, or null when it runs. */
  readonly failed: string | null;
}

export interface BootReport {
  readonly statics: readonly StaticModuleStatus[];
}

/** What the boot list uses of the linker (closures over its private steps). */
export interface BootOps<F extends UnitFile> {
  readonly modules: ModuleRegistry;
  printf(text: string): void;
  runInit(unit: InitUnit<F>, e: SysinitEntry): void;
  stopUnit(unit: InitUnit<F>): void;
  unwind(undo: UndoStack, filename: string): void;
  isLinked(file: F): boolean;
  /** Module function that was running when the last call into module code trapped. */
  lastTrapCall(): string | null;
}

interface StaticUnit<F extends UnitFile> {
  readonly unit: InitUnit<F>;
  readonly md: readonly ModMetadata[];
  failed: string | null;
}

interface PreloadedFile<F extends UnitFile> {
  readonly unit: InitUnit<F>;
  readonly declared: number;
  readonly undo: UndoStack;
  failed: boolean;
}

type Owner<F extends UnitFile> =
  | { readonly kind: "static"; readonly s: StaticUnit<F> }
  | { readonly kind: "file"; readonly f: PreloadedFile<F> }
  | { readonly kind: "kernel"; readonly unit: InitUnit<F> };

export class BootInits<F extends UnitFile> {
  private readonly statics: StaticUnit<F>[] = [];
  private readonly files: PreloadedFile<F>[] = [];
  private readonly entries: { readonly e: SysinitEntry; readonly owner: Owner<F> }[] = [];

  constructor(private readonly ops: BootOps<F>) {}

  /** A static module of file 1: its metadata, SYSINITs and SYSUNINITs. */
  addStatic(unit: InitUnit<F>, md: readonly ModMetadata[], sysinits: readonly SysinitEntry[]): void {
    const s: StaticUnit<F> = { unit, md, failed: null };
    this.statics.push(s);
    for (const e of sysinits) this.entries.push({ e, owner: { kind: "static", s } });
  }

  /** SYSINITs of file 1 that belong to no static module: a trap in one is reported, nothing undone. */
  addKernelInits(unit: InitUnit<F>, sysinits: readonly SysinitEntry[]): void {
    for (const e of sysinits) this.entries.push({ e, owner: { kind: "kernel", unit } });
  }

  /** A preloaded file, its SYSINITs held back, with its load's undo stack. */
  addFile(unit: InitUnit<F>, sysinits: readonly SysinitEntry[], declared: number, undo: UndoStack): void {
    const f: PreloadedFile<F> = { unit, declared, undo, failed: false };
    this.files.push(f);
    for (const e of sysinits) this.entries.push({ e, owner: { kind: "file", f } });
  }

  /** Run the one sorted list; a failing unit is undone and the rest go on. */
  run(verbose: boolean): BootReport {
    const sorted = [...this.entries].sort((a, b) => compareSysinits(a.e, b.e));
    this.ops.modules.takeLoadError();
    for (const { e, owner } of sorted) {
      const unit = owner.kind === "static" ? owner.s.unit : owner.kind === "file" ? owner.f.unit : owner.unit;
      if (owner.kind === "static" && owner.s.failed) continue;
      if (owner.kind === "file" && (owner.f.failed || !this.ops.isLinked(unit.file))) continue;
      if (verbose) {
        this.ops.printf(`boot: SYSINIT ${unit.file.functionName(e.func)} (subsystem 0x${e.subsystem.toString(16)}, order 0x${e.order.toString(16)}) of ${owner.kind === "file" ? unit.file.filename : unit.label}\n`);
      }
      if (!this.runOne(owner, unit, e)) continue;
      const le = this.ops.modules.takeLoadError();
      if (le && owner.kind === "static") this.failStatic(owner.s, `MOD_LOAD of ${le.module} failed: ${strerror(le.error)} (error ${le.error})`, e);
    }
    this.dropFilesWithoutModules();
    return { statics: this.statics.map((s) => ({ name: s.unit.label, failed: s.failed })) };
  }

  /** One SYSINIT; false when it trapped (its unit is then undone). */
  private runOne(owner: Owner<F>, unit: InitUnit<F>, e: SysinitEntry): boolean {
    try {
      this.ops.runInit(unit, e);
      return true;
    } catch (err) {
      if (isPanic(err)) throw err;
      const where = this.ops.lastTrapCall() ?? unit.file.filename;
      const message = describeTrap(err).message;
      this.ops.printf(`kernel: trap in ${where}: ${message}\n`);
      if (owner.kind === "static") this.failStatic(owner.s, `trap in ${where}: ${message}`, e);
      else if (owner.kind === "file") this.failFile(owner.f, e, "failed at boot");
      return false;
    }
  }

  /** Undo a static module, then every static module that depends on it. */
  private failStatic(s: StaticUnit<F>, reason: string, at: SysinitKey): void {
    if (s.failed) return;
    s.failed = reason;
    this.ops.printf(`kernel: static module ${s.unit.label} failed: ${reason}; continuing without it\n`);
    s.unit.ranUpTo = at;
    this.ops.stopUnit(s.unit);
    const provided = new Set(s.md.filter((m) => m.type === "version").map((m) => m.name));
    for (const v of this.statics) {
      if (v.failed || v === s) continue;
      const needs = v.md.find((m) => m.type === "depend" && provided.has(m.name));
      if (needs) this.failStatic(v, `depends on ${needs.name}: ${v.unit.label} -> ${s.unit.label} (${reason})`, at);
    }
  }

  /** Unload a preloaded file as its failed load would (the files depending on it first). */
  private failFile(f: PreloadedFile<F>, at: SysinitKey, why: string): void {
    if (f.failed) return;
    f.failed = true;
    for (const other of this.files) {
      if (!other.failed && other.unit.file.deps.includes(f.unit.file)) {
        this.failFile(other, at, `depends on ${f.unit.file.filename}, which failed at boot`);
      }
    }
    const name = f.unit.file.filename;
    this.ops.printf(`loader: ${name}: ${why}; unloading it\n`);
    f.unit.ranUpTo = at;
    this.ops.unwind(f.undo, name);
  }

  /** A preloaded file none of whose modules survived MOD_LOAD goes, as a kldload's would. */
  private dropFilesWithoutModules(): void {
    for (const f of this.files) {
      if (f.failed || !this.ops.isLinked(f.unit.file)) continue;
      if (f.declared > 0 && this.ops.modules.ofFile(f.unit.file.id).length === 0) {
        this.failFile(f, ALL_RAN, "no module survived MOD_LOAD");
      }
    }
  }
}

/**
 * Which static module (index in the image's module list) an address in the
 * linked object belongs to, or -1, from the per-module counts of
 * non-`set_*` segments.
 */
export function staticOwnerMap(statics: StaticModules, base: number, segments: readonly SegmentPlacement[]): (addr: number) => number {
  const counts = statics.segmentCounts;
  if (!counts) return () => (statics.names.length === 1 ? 0 : -1);
  const ranges: { start: number; end: number; unit: number }[] = [];
  let unit = 0;
  let left = counts[0] ?? 0;
  for (const seg of segments) {
    if (seg.name.startsWith("set_")) continue;
    while (left === 0 && unit < counts.length - 1) left = counts[++unit] ?? 0;
    const start = base + seg.offset;
    ranges.push({ start, end: start + seg.size, unit });
    left--;
  }
  return (addr) => {
    for (const r of ranges) if (addr >= r.start && addr < r.end) return r.unit;
    return -1;
  };
}
