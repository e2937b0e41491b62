/**
 * The kernel linker: linker files, their loading, dependencies and
 * unloading.  This is the core that never looks inside a file format:
 * formats are linker classes (link_wasm_obj.ts) registered in `classes`, and
 * each answers "not mine" (ENOENT) apart from "mine, but broken" (ENOEXEC).
 *
 * A linker file is a refcounted container (id, name, path, refs, address,
 * size, the files it depends on, the modules it holds); modules live in
 * kern_module.ts.  File 1 is the kernel itself: the kernel services and
 * data of kernel_core.ts, the interface `kernel` at __FreeBSD_version, and
 * after boot the image's static modules, linked into it by
 * linkKernelObject() with this same class and symbol handling.  Boot is
 * three linker operations: linkKernelObject (file 1), preload (each
 * loader.conf file, SYSINITs held back) and runBootInits (the one sorted
 * list, boot_inits.ts).  Shutdown order: shutdownOrder().
 *
 * Loading follows the stages of DESIGN.md §3, in order:
 *   1 read and validate            (linker class)
 *   2 lay out data and bss         (linker class)
 *   3 allocate contiguous pages    (kmem.ts, first fit)
 *   4 module metadata, then dependencies first (module path, linker.hints,
 *     version ranges, cycles named; EEXIST for a module already loaded)
 *   5 resolve: this file, then its MODULE_DEPEND files in order, then the
 *     kernel — not transitive, as in FreeBSD (which searches the kernel
 *     first: deps[0]; we search it last, so a dependency may shadow it)
 *   6 relocate, emit, compile, instantiate   (linker class)
 *   7 register modules, SYSINITs by (subsystem, order) — MOD_LOAD happens
 *     there through module_register_init — and check that some module
 *     survived MOD_LOAD.
 * Every step pushes its undo onto one stack; any failure (a KernelError, a
 * trap in module code) runs the stack backwards: nothing of the file stays.
 * Stage 7's undo is stopUnit(), the one unwinder of started SYSINITs: the
 * boot list uses it for a static module, and keeps a preloaded file's
 * whole stack to run if the file fails at boot.
 *
 * Refcounts follow FreeBSD: a file starts with refs 1 (held by the user who
 * loaded it, or by the file that pulled it in as a dependency); every file
 * holds a reference on each dependency, and on the kernel twice (the
 * implicit deps[0] and DECLARE_MODULE's MODULE_DEPEND(kernel)), which is
 * why the kernel's Refs grow by two per file.  Unloading differs in one
 * place, by design (issue 3 §4): FreeBSD's kldunload of a file that others
 * depend on just drops a reference and reports success; we refuse with
 * EBUSY naming the dependent.
 *
 * Called by kld_requests.ts (the kld.* methods) and init_main.ts (shutdown,
 * the three boot operations).
 * FreeBSD: sys/kern/kern_linker.c, sys/sys/linker.h.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { errno, errnoByNumber, strerror } from "../../errno/errno.js";
import { readHostFile } from "../../errno/host_file.js";
import { KernelError, hostFileError } from "../../errno/kernel_error.js";
import type { KernelCore } from "../kernel_core.js";
import { KernelMap } from "../kmem.js";
import { __FreeBSD_version } from "../../sys/sys_constants.js";
import { MOD_SHUTDOWN, MOD_UNLOAD, type ModuleRegistry, type Module, type ModuleContainer } from "../kern_module.js";
import { compareSysinits, readSysinitSet, runSysinits, sortSysinits, type SysinitEntry } from "../kern_sysinit.js";
import { ALL_RAN, BootInits, staticOwnerMap, type BootReport, type InitUnit, type StaticModules, type UndoStack } from "./boot_inits.js";
import { describeError, describeTrap, isPanic } from "./linker_errors.js";
import type { FileSymbol, LinkedImage, LinkerClass, PreparedFile } from "./link_wasm_obj.js";
import type { ModMetadata } from "../../wasmobj/mod_metadata.js";
import { bestVersion, lookupHint, readLinkerHints, type HintRecord, type VersionRange } from "../../wasmobj/linker_hints.js";
import type { Resolved, ResolvedFunc } from "../../wasmobj/index.js";
import { KERNEL_FILE_BASE, KMEM_BASE } from "../vm_layout.js";

/** The kernel interface version every DECLARE_MODULE depends on (sys/param.h). */
/** The kernel's own MODULE_VERSION: __FreeBSD_version (8.3). */
export const KERNEL_VERSION = __FreeBSD_version;

export class LinkerFile implements ModuleContainer {
  refs = 1;
  /** kldload(2) count; 0 = loaded by the kernel (as a dependency, or file 1). */
  userrefs = 0;
  /** Files this one depends on, in order (the kernel first, maybe twice). */
  readonly deps: LinkerFile[] = [];
  /** Interfaces (MODULE_VERSION) this file provides. */
  readonly versions: { name: string; version: number }[] = [];
  image: LinkedImage | null = null;

  constructor(
    readonly id: number,
    readonly filename: string,
    readonly pathname: string,
    readonly address: number,
    readonly size: number,
    private readonly namer: (slot: number) => string | undefined,
  ) {}

  functionName(slot: number): string {
    return this.image?.functionName(slot) ?? this.namer(slot) ?? `func@${slot}`;
  }

  lookupSymbol(name: string): FileSymbol | undefined {
    return this.image?.symbols.get(name);
  }
}

export interface LoadOptions {
  /** Directory of the requesting user, for relative paths. */
  readonly cwd?: string;
}

export interface SymbolAnswer {
  readonly name: string;
  readonly kind: "func" | "data";
  readonly address: number;
  readonly size: number;
  readonly file: string;
  readonly fileId: number;
}

/** One module in the shutdown order (kern_linker.ts shutdownOrder). */
export interface ShutdownStep {
  readonly module: Module;
  /** SI_SUB of its DECLARE_MODULE (0 if unknown). */
  readonly subsystem: number;
}

/** One in-progress load, for cycle detection. */
interface LoadFrame {
  readonly path: string;
  readonly modules: readonly string[];
}

export class Linker {
  readonly files: LinkerFile[] = [];
  readonly kernelFile: LinkerFile;
  readonly kmem = new KernelMap();
  readonly modules: ModuleRegistry;
  private readonly classes: LinkerClass[] = [];
  /** kern.module_path, in search order. */
  private path: string[];
  /** One table slot per function identity (kernel services and every file's functions). */
  private readonly slotByIdentity = new Map<string, number>();
  private nextFileId = 1;
  private readonly byId = new Map<number, LinkerFile>();
  private readonly byFilename = new Map<string, LinkerFile>();
  private readonly byPath = new Map<string, LinkerFile>();
  /** Interface name -> files with a MODULE_VERSION of it (found_modules). */
  private readonly versionIndex = new Map<string, LinkerFile[]>();
  /** Ids of files whose load is in progress. */
  private readonly reservedIds = new Set<number>();
  /** Loads in progress, outermost first. */
  private readonly loading: LoadFrame[] = [];
  /**
   * The boot-time SYSINIT list (static modules and preloaded files), until
   * runBootInits() runs it; null after.
   */
  private bootList: BootInits<LinkerFile> | null;
  /** While true (preload()), loaded files leave their SYSINITs on bootList. */
  private preloading = false;
  /** moduledata address -> SI_SUB of its DECLARE_MODULE (from module_register_init SYSINITs). */
  private readonly moduleSub = new Map<number, number>();
  /** Module name -> interface names it depends on (MDT_DEPEND, kernel excluded). */
  private readonly moduleDepends = new Map<string, string[]>();
  /** Interface name (MDT_VERSION) -> names of the modules that provide it. */
  private readonly interfaceModules = new Map<string, string[]>();

  constructor(
    readonly core: KernelCore,
    private readonly printf: (text: string) => void,
    modulePath: readonly string[],
    /** Where file 1 came from: the booted image, or FreeBSD's usual path for the core kernel alone. */
    kernelPathname = "/boot/kernel/kernel",
  ) {
    this.modules = core.env.modules;
    this.path = [...modulePath];
    const kernelNames = new Map<number, string>();
    for (const s of core.symbols.values()) {
      if (s.kind === "func" && s.identity) {
        this.slotByIdentity.set(s.identity, s.address);
        kernelNames.set(s.address, s.name);
      }
    }
    const namer = (slot: number): string | undefined => kernelNames.get(slot) ?? this.ownerName(slot);
    // File 1 spans everything below the kernel map: core data and the kernel
    // stack (vm_layout.ts), as the boot banner reports it.
    this.kernelFile = new LinkerFile(this.allocFileId(), "kernel", kernelPathname, KERNEL_FILE_BASE, KMEM_BASE - KERNEL_FILE_BASE, namer);
    this.kernelFile.versions.push({ name: "kernel", version: KERNEL_VERSION });
    this.link(this.kernelFile);
    this.kernelNamer = namer;
    this.bootList = new BootInits({
      modules: this.modules,
      printf: (t) => this.printf(t),
      runInit: (unit, e) => this.runInit(unit, e),
      stopUnit: (unit) => this.stopUnit(unit),
      unwind: (undo, filename) => this.unwind(undo, filename),
      isLinked: (file) => this.byId.get(file.id) === file,
      lastTrapCall: () => this.core.lastTrapCall,
    });
  }

  private readonly kernelNamer: (slot: number) => string | undefined;

  /** kern.module_path, in search order. */
  get modulePath(): readonly string[] {
    return this.path;
  }

  /** Set kern.module_path (kldconfig). */
  setModulePath(dirs: readonly string[]): void {
    this.path = [...dirs];
  }

  /** Register a linker class (linker_add_class). */
  addClass(cls: LinkerClass): void {
    this.classes.push(cls);
  }

  findFileById(id: number): LinkerFile | undefined {
    return this.byId.get(id);
  }

  /** By file name ("hello.ko"), module-style name ("hello"), or path. */
  findFileByName(name: string): LinkerFile | undefined {
    const base = basename(name);
    return this.byFilename.get(base) ?? this.byPath.get(name) ?? this.byFilename.get(`${base}.ko`);
  }

  // ---- load ---------------------------------------------------------------

  /**
   * kldload(2): load a file by path (contains `/` or `.`) or a module by
   * name (found through the module path and linker.hints).
   * @returns the new file.
   * @throws KernelError ENOENT (no such file or module, missing dependency,
   *   version mismatch, unresolved symbol), EEXIST (already loaded),
   *   ENOEXEC (bad object, MOD_LOAD failed, a trap), EDEADLK (dependency
   *   cycle), ENOMEM (kernel map full), EFBIG (file too large).
   */
  load(spec: string, opts: LoadOptions = {}): LinkerFile {
    let file: LinkerFile;
    if (spec.includes("/") || spec.includes(".")) {
      const path = this.searchFile(spec, opts.cwd);
      if (!path) {
        if (!spec.includes("/")) throw new KernelError("ENOENT", spec, "not found in the module path or the current directory");
        throw unusablePath(spec, opts.cwd && !spec.startsWith("/") ? join(opts.cwd, spec) : spec);
      }
      const loaded = this.findFileByName(path);
      if (loaded && (loaded.pathname === path || loaded.filename === basename(path))) {
        throw new KernelError("EEXIST", spec, `module already loaded or in kernel (file ${loaded.filename}, id ${loaded.id})`);
      }
      file = this.loadFile(path);
    } else {
      if (this.modlistLookup(spec) || this.modules.lookupByName(spec)) {
        throw new KernelError("EEXIST", spec, "module already loaded or in kernel");
      }
      const path = this.searchModule(spec, undefined, []);
      if (!path) throw new KernelError("ENOENT", spec, "module not found in the module path");
      file = this.loadFile(path);
    }
    file.userrefs++;
    return file;
  }

  /** linker_load_file: one file, its dependencies first; all or nothing. */
  private loadFile(path: string, verinfo?: { name: string; range: VersionRange }): LinkerFile {
    const filename = basename(path);
    const undo: UndoStack = [];
    // The id is taken now, before dependencies load, as linker_make_file
    // does: `kld load kduser.ko` makes kduser 2 and the kdlib it pulls in 3.
    const id = this.allocFileId();
    this.reservedIds.add(id);
    const frame: LoadFrame = { path, modules: [] };
    this.loading.push(frame);
    try {
      // 1-2: read, validate, lay out.
      const bytes = this.readKld(path, filename);
      const prepared = this.prepare(bytes, filename);
      // 3: pages.
      const base = this.kmem.allocate(prepared.size, filename);
      undo.push(() => this.kmem.free(base));
      const file = new LinkerFile(id, filename, path, base, prepared.size, this.kernelNamer);
      // 4: metadata and dependencies.
      const md = prepared.metadata(base);
      (frame as { modules: readonly string[] }).modules = md.filter((m) => m.type === "module").map((m) => m.name);
      this.checkDuplicates(file, md);
      undo.push(() => this.releaseDeps(file));
      this.loadDependencies(file, md);
      // 5-6: resolve, relocate, instantiate.
      const image = prepared.link(base, this.zonesFor(file));
      undo.push(() => image.release());
      file.image = image;
      for (const s of image.symbols.values()) {
        if (s.kind === "func" && s.identity) this.slotByIdentity.set(s.identity, s.address);
      }
      undo.push(() => this.forgetSymbols(file));
      for (const m of md) if (m.type === "version") file.versions.push({ name: m.name, version: m.version });
      this.link(file);
      undo.push(() => this.unlink(file));
      if (verinfo && !bestVersion(file.versions.filter((v) => v.name === verinfo.name), (v) => v.version, verinfo.range)) {
        throw this.versionMismatch(verinfo.name, verinfo.range, file);
      }
      // 7: modules, SYSINITs (MOD_LOAD), the all-modules-failed check.
      this.startFile(file, image, md, undo);
      return file;
    } catch (e) {
      // A panic stops the kernel where it stands: nothing is unwound.
      if (isPanic(e)) throw e;
      // Describe the failure first: unwinding runs module code again
      // (MOD_UNLOAD, SYSUNINITs), which would overwrite the trap's location.
      const error = this.asLoadError(e, filename);
      this.unwind(undo, filename);
      throw error;
    } finally {
      this.loading.pop();
      this.reservedIds.delete(id);
    }
  }

  /**
   * Stage 7: register the file's modules and run its SYSINITs (MOD_LOAD
   * among them), or, while preloading, hand them to the boot list with the
   * undo stack.  Pushes the unit's undo (stopUnit).
   * @throws KernelError ENOEXEC when no declared module survived MOD_LOAD;
   *   a trap from a SYSINIT.
   */
  private startFile(file: LinkerFile, image: LinkedImage, md: readonly ModMetadata[], undo: UndoStack): void {
    this.core.enter(`${file.filename}:__wasm_call_ctors`, () => image.runInitFunctions());
    const declared = md.filter((m) => m.type === "module").map((m) => m.name);
    const unit = this.newUnit(file.filename, file, declared, readSysinitSet(this.core, image.lookupSet("sysuninit_set")), "file unloaded");
    undo.push(() => this.stopUnit(unit));
    this.registerModules(file, md);
    this.modules.takeLoadError();
    const sysinits = sortSysinits(readSysinitSet(this.core, image.lookupSet("sysinit_set")));
    this.noteSysinits(sysinits);
    if (this.preloading && this.bootList) {
      this.bootList.addFile(unit, sysinits, declared.length, undo);
      return;
    }
    for (const e of sysinits) this.runInit(unit, e);
    unit.ranUpTo = ALL_RAN;
    if (declared.length > 0 && this.modules.ofFile(file.id).length === 0) {
      const e = this.modules.takeLoadError();
      throw new KernelError(
        "ENOEXEC",
        file.filename,
        e ? `MOD_LOAD of module ${e.module} failed: ${strerror(e.error)} (error ${e.error})` : "no module survived MOD_LOAD",
      );
    }
  }

  /** Run a load's undo stack backwards; a failing step is reported and the rest still run. */
  private unwind(undo: UndoStack, filename: string): void {
    for (const u of undo.splice(0).reverse()) {
      try {
        u();
      } catch (ue) {
        if (isPanic(ue)) throw ue;
        this.printf(`kern_linker: unwinding ${filename}: ${describeError(ue)}\n`);
      }
    }
  }

  private readKld(path: string, filename: string): Uint8Array {
    try {
      return readHostFile(path, "module");
    } catch (e) {
      if (e instanceof KernelError) throw new KernelError(e.info.name, filename, `${path}: ${e.detail ?? e.info.text}`);
      throw e;
    }
  }

  /** Try each class; ENOENT from all of them = unsupported file type. */
  private prepare(bytes: Uint8Array, filename: string): PreparedFile {
    for (const cls of this.classes) {
      try {
        return cls.prepare(bytes, filename);
      } catch (e) {
        if (e instanceof KernelError && e.info.name === "ENOENT") continue;
        throw e;
      }
    }
    throw new KernelError(
      "ENOEXEC",
      filename,
      bytes.length === 0 ? "linker_load_file: empty file" : "linker_load_file: Unsupported file type",
    );
  }

  /** EEXIST for a module or interface already present (module_register, linker_load_dependencies). */
  private checkDuplicates(file: LinkerFile, md: readonly ModMetadata[]): void {
    for (const m of md) {
      if (m.type === "module") {
        const other = this.modules.lookupByName(m.name);
        if (other) {
          throw new KernelError("EEXIST", file.filename, `module ${m.name} already loaded from ${other.file.filename}`);
        }
      } else if (m.type === "version") {
        const other = this.modlist(m.name).find((v) => v.version === m.version);
        if (other) {
          throw new KernelError(
            "EEXIST",
            file.filename,
            `interface ${m.name}.${m.version} already present in the KLD '${other.file.filename}'!`,
          );
        }
      }
    }
  }

  /** linker_load_dependencies. */
  private loadDependencies(file: LinkerFile, md: readonly ModMetadata[]): void {
    this.kernelFile.refs++;
    file.deps.push(this.kernelFile);
    const own = new Set(md.filter((m) => m.type === "version").map((m) => m.name));
    for (const m of md) {
      if (m.type !== "depend" || own.has(m.name)) continue;
      const range: VersionRange = { min: m.min, pref: m.pref, max: m.max };
      const provider = this.modlistLookup(m.name, range);
      if (provider) {
        provider.refs++;
        file.deps.push(provider);
        continue;
      }
      if (this.modlist(m.name).length > 0) {
        throw this.versionMismatch(m.name, range, undefined, file.filename);
      }
      const cycle = this.loading.findIndex((f) => f.modules.includes(m.name));
      if (cycle >= 0) {
        const chain = [...this.loading.slice(cycle).map((f) => f.modules[0] ?? basename(f.path)), m.name];
        throw new KernelError("EDEADLK", file.filename, `dependency cycle: ${chain.join(" -> ")}`);
      }
      const path = this.searchModule(m.name, range, [dirname(file.pathname)]);
      if (!path) {
        this.printf(`KLD ${file.filename}: depends on ${m.name} - not available or version mismatch\n`);
        throw new KernelError("ENOENT", file.filename, `depends on ${m.name} - not available or version mismatch`);
      }
      if (this.loading.some((f) => f.path === path)) {
        const chain = [...this.loading.map((f) => f.modules[0] ?? basename(f.path)), m.name];
        throw new KernelError("EDEADLK", file.filename, `dependency cycle: ${chain.join(" -> ")}`);
      }
      let dep: LinkerFile;
      try {
        dep = this.loadFile(path, { name: m.name, range });
      } catch (e) {
        this.printf(`KLD ${file.filename}: depends on ${m.name} - not available or version mismatch\n`);
        throw e;
      }
      file.deps.push(dep);
    }
  }

  private versionMismatch(name: string, range: VersionRange, provider?: LinkerFile, dependent?: string): KernelError {
    const have = provider
      ? provider.versions.filter((v) => v.name === name)
      : this.modlist(name);
    const haveText = have.length ? have.map((v) => `${v.version}`).join(", ") : "none";
    const who = provider ? provider.filename : (this.modlist(name)[0]?.file.filename ?? "?");
    const subject = dependent ?? this.loading[this.loading.length - 2]?.path ?? provider?.filename ?? name;
    return new KernelError(
      "ENOENT",
      basename(subject),
      `depends on ${name} version ${range.pref} (accepts ${range.min}..${range.max}), but ${who} provides version ${haveText}`,
    );
  }

  /** The symbol zones of a file being linked (linker_file_lookup_symbol). */
  private zonesFor(file: LinkerFile): { resolve(name: string, kind: "func" | "data"): Resolved | undefined; tableSlotFor(fn: ResolvedFunc): number } {
    const zones = [...new Set(file.deps.filter((d) => d !== this.kernelFile))];
    return {
      resolve: (name, kind) => {
        for (const dep of zones) {
          const s = dep.lookupSymbol(name);
          if (s && s.kind === kind) return toResolved(s);
        }
        const k = this.core.symbols.get(name);
        if (k && k.kind === kind) {
          return k.kind === "func" ? { kind: "func", fn: k.fn!, identity: k.identity! } : { kind: "data", address: k.address };
        }
        // The static modules linked into file 1 (linkKernelObject).
        const s = this.kernelFile.lookupSymbol(name);
        if (s && s.kind === kind && s.binding === "global") return toResolved(s);
        return undefined;
      },
      tableSlotFor: (fn) => {
        const slot = this.slotByIdentity.get(fn.identity);
        if (slot === undefined) throw new KernelError("ENOEXEC", file.filename, `no table slot for ${fn.identity}`);
        return slot;
      },
    };
  }

  private forgetSymbols(file: LinkerFile): void {
    for (const s of file.image?.symbols.values() ?? []) {
      if (s.kind === "func" && s.identity) this.slotByIdentity.delete(s.identity);
    }
  }

  /** Owner file name of a table slot (for messages). */
  private ownerName(slot: number): string | undefined {
    for (const f of this.files) {
      const n = f.image?.functionName(slot);
      if (n) return n;
    }
    return undefined;
  }

  // ---- starting and stopping SYSINIT units (kldload and boot alike) -------

  private newUnit(label: string, file: LinkerFile, moduleNames: readonly string[], sysuninits: readonly SysinitEntry[], dropReason: string): InitUnit<LinkerFile> {
    return { label, file, moduleNames, sysuninits: sortSysinits(sysuninits), handlerTags: new Set(), ranUpTo: null, dropReason };
  }

  /** Run one SYSINIT of a unit, noting how far the unit got and the event handlers it registered. */
  private runInit(unit: InitUnit<LinkerFile>, e: SysinitEntry): void {
    unit.ranUpTo = e;
    const handlers = this.core.env.eventhandlers;
    const first = handlers.next;
    try {
      runSysinits(this.core, [e], unit.file.filename, (slot) => unit.file.functionName(slot));
    } finally {
      for (const h of handlers.list()) if (h.tag >= first) unit.handlerTags.add(h.tag);
    }
  }

  /**
   * The one unwinder of a unit's start-up (a failed kldload, a failed static
   * module or preloaded file at boot): MOD_UNLOAD to each of its modules
   * whose MOD_LOAD ran, every module released, its SYSUNINITs up to where
   * its SYSINITs got in reverse, then the event handlers it left behind.
   * A trap is reported and the rest still run.
   */
  private stopUnit(unit: InitUnit<LinkerFile>): void {
    for (const name of unit.moduleNames) {
      const mod = this.modules.lookupByName(name);
      if (!mod || mod.file !== unit.file) continue;
      if (this.modules.isLoaded(mod)) {
        try {
          this.modules.event(mod, MOD_UNLOAD);
        } catch (e) {
          if (isPanic(e)) throw e;
          this.printf(`kern_linker: ${unit.label}: MOD_UNLOAD of ${mod.name} trapped while unwinding: ${describeTrap(e).message}\n`);
        }
      }
      this.modules.release(mod);
    }
    const upTo = unit.ranUpTo;
    if (upTo) this.runSysuninits(unit.label, unit.file, unit.sysuninits.filter((e) => compareSysinits(e, upTo) <= 0));
    const ownCode = unit.file !== this.kernelFile;
    this.dropHandlers(unit.label, unit.file, unit.dropReason, (h) => unit.handlerTags.has(h.tag) || (ownCode && unit.file.image?.functionName(h.func) !== undefined));
  }

  /** SYSUNINITs (ascending as given) in reverse; a trap is reported and the rest still run. */
  private runSysuninits(label: string, file: LinkerFile, ascending: readonly SysinitEntry[]): void {
    for (const e of [...ascending].reverse()) {
      try {
        runSysinits(this.core, [e], file.filename, (slot) => file.functionName(slot));
      } catch (err) {
        if (isPanic(err)) throw err;
        this.printf(`kern_linker: ${label}: SYSUNINIT ${file.functionName(e.func)} trapped: ${describeError(err)}\n`);
      }
    }
  }

  /** Remove event handlers whose code is going away, each one logged. */
  private dropHandlers(label: string, file: LinkerFile, why: string, owned: (h: { tag: number; func: number }) => boolean): void {
    for (const h of this.core.env.eventhandlers.drop(owned)) {
      this.printf(`eventhandler: ${h.name} handler ${file.functionName(h.func)} of ${label} deregistered: ${why}\n`);
    }
  }

  /** Register a file's (or a static module's) modules and note their dependencies. */
  private registerModules(file: LinkerFile, md: readonly ModMetadata[]): void {
    const declared = md.filter((m): m is Extract<ModMetadata, { type: "module" }> => m.type === "module");
    for (const m of declared) this.modules.register(m.data, file);
    this.noteDependencies(declared.map((m) => m.name), md);
  }

  /** Release this file's references on its dependencies; unload those at 0. */
  private releaseDeps(file: LinkerFile): void {
    const deps = file.deps.splice(0);
    for (const dep of deps.reverse()) {
      dep.refs--;
      if (dep !== this.kernelFile && dep.refs === 0 && dep.userrefs === 0) {
        try {
          this.unloadFile(dep, true);
        } catch (e) {
          if (isPanic(e)) throw e;
          // The dependency vetoed; keep it and let the user retry.
          dep.refs = 1;
          dep.userrefs = 1;
          this.printf(`kldunload: dependency ${dep.filename} stays loaded: ${describeError(e)}\n`);
        }
      }
    }
  }

  /** Turn anything thrown during a load into a KernelError, logging traps. */
  private asLoadError(e: unknown, filename: string): KernelError {
    if (e instanceof KernelError) return e;
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      const trap = describeTrap(e);
      const where = this.core.lastTrapCall ?? filename;
      this.printf(`kern_linker: ${filename}: trap in ${where}: ${trap.message}\n`);
      if (trap.backtrace.length) {
        this.printf("backtrace:\n");
        trap.backtrace.forEach((fn, i) => this.printf(`  #${i} ${fn}\n`));
      }
      return new KernelError(
        /out of bounds/.test(trap.message) ? "EFAULT" : "ENOEXEC",
        filename,
        `trap in ${where}: ${trap.message}${trap.backtrace.length ? ` (backtrace: ${trap.backtrace.join(" <- ")})` : ""}`,
      );
    }
    if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError) {
      return new KernelError("ENOEXEC", filename, `link_wasm: ${e.message}`);
    }
    return new KernelError("ENOEXEC", filename, `link_wasm: internal error: ${describeError(e)}`);
  }

  // ---- unload -------------------------------------------------------------

  /**
   * kldunload(2).
   * @throws KernelError EBUSY (loaded by the kernel, depended on, a module
   *   vetoed), or the errno a module's MOD_UNLOAD returned.
   */
  unload(file: LinkerFile, force: boolean): void {
    if (file.userrefs === 0) {
      this.printf("kldunload: attempt to unload file that was loaded by the kernel\n");
      throw new KernelError(
        "EBUSY",
        file.filename,
        file === this.kernelFile ? "the kernel cannot be unloaded" : "attempt to unload file that was loaded by the kernel",
      );
    }
    const dependents = this.files.filter((f) => f.deps.includes(file));
    if (dependents.length > 0) {
      throw new KernelError(
        "EBUSY",
        file.filename,
        `${file.filename} is needed by ${dependents.map((d) => d.filename).join(", ")}`,
      );
    }
    this.unloadFile(file, force);
  }

  /** linker_file_unload: quiesce, unload, SYSUNINITs, free, release deps. */
  private unloadFile(file: LinkerFile, force: boolean): void {
    const mods = this.modules.ofFile(file.id);
    for (const mod of mods) {
      const e = this.eventOrTrap(mod, () => this.modules.quiesce(mod));
      if (e !== 0 && !force) {
        throw new KernelError("EBUSY", file.filename, `module ${mod.name} vetoed MOD_QUIESCE (${strerror(e)}); use -f to force`);
      }
    }
    for (const mod of mods) {
      const e = this.eventOrTrap(mod, () => this.modules.event(mod, MOD_UNLOAD));
      if (e !== 0) {
        const info = errnoName(e);
        throw new KernelError(info, file.filename, `module ${mod.name} refused MOD_UNLOAD (${strerror(e)})`);
      }
      this.modules.release(mod);
    }
    this.runSysuninits(file.filename, file, sortSysinits(readSysinitSet(this.core, file.image?.lookupSet("sysuninit_set"))));
    this.dropHandlers(file.filename, file, "file unloaded", (h) => file.image?.functionName(h.func) !== undefined);
    file.image?.release();
    this.forgetSymbols(file);
    this.kmem.free(file.address);
    this.unlink(file);
    file.userrefs = 0;
    this.releaseDeps(file);
  }

  /** A module event whose trap is reported and counted as a refusal (EFAULT). */
  private eventOrTrap(mod: Module, fn: () => number): number {
    try {
      return fn();
    } catch (e) {
      if (e instanceof KernelError || isPanic(e)) throw e;
      const trap = describeTrap(e);
      this.printf(`kern_linker: ${mod.file.filename}: trap in module ${mod.name}: ${trap.message}\n`);
      trap.backtrace.forEach((f, i) => this.printf(`  #${i} ${f}\n`));
      return errno("EFAULT").num;
    }
  }

  // ---- boot-time linking and shutdown ---------------------------------------

  /**
   * Boot, step 1 (linker_preload of the kernel): link an image's
   * static-module object into file 1 (`kernel`) with the same wasm class,
   * page allocation and symbol handling as a loaded file, resolved against
   * the core kernel only, and register its modules.  Each static module
   * becomes a unit of the boot list, its SYSINITs held back for
   * runBootInits(), so that one failing does not take the others with it.
   * @throws KernelError ENOEXEC (bad object, unresolved symbol), ENOMEM,
   *   EEXIST (called twice).
   */
  linkKernelObject(bytes: Uint8Array, statics: StaticModules): void {
    if (this.kernelFile.image) throw new KernelError("EEXIST", "kernel", "the kernel already has its static modules");
    const boot = this.bootList;
    if (!boot) throw new KernelError("EBUSY", "kernel", "the kernel has booted");
    const prepared = this.prepare(bytes, "kernel");
    const base = this.kmem.allocate(prepared.size, "kernel");
    let linked: { md: ModMetadata[]; sysinits: SysinitEntry[] };
    try {
      linked = this.linkIntoKernel(prepared, base);
    } catch (e) {
      this.kmem.free(base);
      (this.kernelFile.image as LinkedImage | null)?.release();
      this.kernelFile.image = null;
      if (isPanic(e)) throw e;
      throw this.asLoadError(e, "kernel");
    }
    const unitOf = staticOwnerMap(statics, base, prepared.segments());
    const owned = <T extends { readonly at?: number; readonly addr?: number }>(xs: readonly T[], k: number, fallback: boolean): T[] =>
      xs.filter((x) => {
        const u = unitOf(x.at ?? x.addr ?? -1);
        return u === k || (fallback && u < 0);
      });
    const sysuninits = readSysinitSet(this.core, this.kernelFile.image!.lookupSet("sysuninit_set"));
    statics.names.forEach((name, k) => {
      // Metadata nobody owns goes with the first module, as before ld -r kept counts.
      const md = owned(linked.md, k, k === 0);
      this.registerModules(this.kernelFile, md);
      const names = md.filter((m) => m.type === "module").map((m) => m.name);
      boot.addStatic(this.newUnit(name, this.kernelFile, names, owned(sysuninits, k, false), "module failed"), md, owned(linked.sysinits, k, false));
    });
    // SYSINITs of no static module run as the kernel's own.
    boot.addKernelInits(this.newUnit("kernel", this.kernelFile, [], [], "module failed"), owned(linked.sysinits, -1, false));
  }

  /** linkKernelObject's linking: the image into file 1, its interfaces indexed. */
  private linkIntoKernel(prepared: PreparedFile, base: number): { md: ModMetadata[]; sysinits: SysinitEntry[] } {
    const md = prepared.metadata(base);
    const image = prepared.link(base, this.zonesFor(this.kernelFile));
    this.kernelFile.image = image;
    for (const sym of image.symbols.values()) {
      if (sym.kind === "func" && sym.identity) this.slotByIdentity.set(sym.identity, sym.address);
    }
    // Re-index file 1 with the interfaces its static modules provide.
    this.unlink(this.kernelFile);
    for (const m of md) if (m.type === "version") this.kernelFile.versions.push({ name: m.name, version: m.version });
    this.link(this.kernelFile);
    this.files.unshift(...this.files.splice(this.files.indexOf(this.kernelFile), 1));
    this.core.enter("kernel:__wasm_call_ctors", () => image.runInitFunctions());
    const sysinits = sortSysinits(readSysinitSet(this.core, image.lookupSet("sysinit_set")));
    this.noteSysinits(sysinits);
    return { md, sysinits };
  }

  /**
   * Boot, step 2 (loader.conf): kldload(2) a file, its dependencies first,
   * with its SYSINITs held back for runBootInits().
   * @throws KernelError as load(); EBUSY after boot.
   */
  preload(spec: string): LinkerFile {
    if (!this.bootList) throw new KernelError("EBUSY", spec, "the kernel has booted: use kldload");
    this.preloading = true;
    try {
      return this.load(spec);
    } finally {
      this.preloading = false;
    }
  }

  /**
   * Boot, step 3 (mi_startup): run the one sorted list of the static
   * modules' and preloaded files' SYSINITs (boot_inits.ts), once.
   * @returns each static module and whether it failed.
   */
  runBootInits(opts: { readonly verbose: boolean }): BootReport {
    const boot = this.bootList;
    if (!boot) throw new KernelError("EBUSY", "kernel", "the boot SYSINITs have run");
    this.bootList = null;
    return boot.run(opts.verbose);
  }

  /** Record the SI_SUB of each DECLARE_MODULE among `entries` (for the shutdown order). */
  private noteSysinits(entries: readonly SysinitEntry[]): void {
    const slot = this.core.symbols.get("module_register_init")?.address;
    for (const e of entries) if (e.func === slot) this.moduleSub.set(e.udata, e.subsystem);
  }

  /** Record which interfaces `modules` depend on and provide (shared metadata of one object). */
  private noteDependencies(modules: readonly string[], md: readonly ModMetadata[]): void {
    const own = new Set(md.filter((m) => m.type === "version").map((m) => m.name));
    const deps = md.filter((m) => m.type === "depend" && m.name !== "kernel" && !own.has(m.name)).map((m) => m.name);
    for (const name of modules) this.moduleDepends.set(name, [...new Set(deps)]);
    for (const iface of own) {
      const l = this.interfaceModules.get(iface) ?? [];
      this.interfaceModules.set(iface, [...new Set([...l, ...modules])]);
    }
  }

  /**
   * The order in which modules hear about shutdown: every module before
   * anything it depends on (MODULE_DEPEND, whether static or loaded), and
   * among those free to go, the higher SI_SUB first (a module of a more
   * fundamental subsystem outlives the ones built on it), then the most
   * recently registered first.
   */
  shutdownOrder(): ShutdownStep[] {
    const mods = [...this.modules.all()];
    const byName = new Map(mods.map((m) => [m.name, m]));
    const dependsOn = new Map<Module, Set<Module>>();
    for (const m of mods) {
      const set = new Set<Module>();
      for (const iface of this.moduleDepends.get(m.name) ?? []) {
        for (const pname of this.interfaceModules.get(iface) ?? []) {
          const p = byName.get(pname);
          if (p && p !== m) set.add(p);
        }
      }
      dependsOn.set(m, set);
    }
    const sub = (m: Module): number => this.moduleSub.get(m.data) ?? 0;
    const left = new Set(mods);
    const out: ShutdownStep[] = [];
    while (left.size > 0) {
      const free = [...left].filter((m) => ![...left].some((o) => o !== m && dependsOn.get(o)!.has(m)));
      // A dependency cycle cannot be loaded; if one shows up anyway, break it.
      const pool = free.length > 0 ? free : [...left];
      pool.sort((a, b) => sub(b) - sub(a) || b.id - a.id);
      const next = pool[0]!;
      left.delete(next);
      out.push({ module: next, subsystem: sub(next) });
    }
    return out;
  }

  /**
   * Shutdown (kern_reboot, after the shutdown event handlers): MOD_SHUTDOWN
   * to every module in shutdownOrder(), then MOD_UNLOAD in the same order,
   * then the loaded files go, each after the files that depend on it.  File
   * 1's SYSUNINITs do not run (FreeBSD never runs the kernel's).  Every step
   * is printed.
   */
  shutdown(): void {
    const order = this.shutdownOrder();
    const label = (s: ShutdownStep): string => `${s.module.name}(${s.module.file.filename},sub=0x${s.subsystem.toString(16)})`;
    this.printf(`shutdown: module order: ${order.map(label).join(" ") || "(no modules)"}\n`);
    for (const step of order) {
      const e = this.eventOrTrap(step.module, () => this.modules.event(step.module, MOD_SHUTDOWN));
      this.printf(`shutdown: ${step.module.name}: MOD_SHUTDOWN${e === 0 || e === errno("EOPNOTSUPP").num ? "" : ` returned ${e}`}\n`);
    }
    for (const step of order) {
      const e = this.eventOrTrap(step.module, () => this.modules.event(step.module, MOD_UNLOAD));
      this.printf(`shutdown: ${step.module.name}: MOD_UNLOAD${e === 0 ? "" : ` returned ${e} (${strerror(e)})`}\n`);
      this.modules.release(step.module);
    }
    for (let guard = 0; this.files.length > 1 && guard < 10000; guard++) {
      const leaf = [...this.files].reverse().find((f) => f !== this.kernelFile && !this.files.some((o) => o.deps.includes(f)));
      if (!leaf) break;
      try {
        leaf.userrefs = 0;
        this.unloadFile(leaf, true);
        this.printf(`shutdown: unloaded ${leaf.filename}\n`);
      } catch (e) {
        this.printf(`shutdown: ${leaf.filename} did not unload: ${describeError(e)}\n`);
        this.unlink(leaf);
      }
    }
  }

  // ---- module list, path search -------------------------------------------

  /** found_modules: the MODULE_VERSION records of loaded files for one interface name. */
  modlist(name: string): { name: string; version: number; file: LinkerFile }[] {
    return (this.versionIndex.get(name) ?? []).flatMap((f) =>
      f.versions.filter((v) => v.name === name).map((v) => ({ ...v, file: f })),
    );
  }

  /** Put a file on the list (linker_file_t's TAILQ and our indexes). */
  private link(file: LinkerFile): void {
    this.files.push(file);
    this.byId.set(file.id, file);
    this.byFilename.set(file.filename, file);
    this.byPath.set(file.pathname, file);
    for (const v of new Set(file.versions.map((x) => x.name))) {
      const l = this.versionIndex.get(v);
      if (l) l.push(file);
      else this.versionIndex.set(v, [file]);
    }
  }

  private unlink(file: LinkerFile): void {
    const i = this.files.indexOf(file);
    if (i >= 0) this.files.splice(i, 1);
    if (this.byId.get(file.id) === file) this.byId.delete(file.id);
    if (this.byFilename.get(file.filename) === file) this.byFilename.delete(file.filename);
    if (this.byPath.get(file.pathname) === file) this.byPath.delete(file.pathname);
    for (const v of new Set(file.versions.map((x) => x.name))) {
      const l = (this.versionIndex.get(v) ?? []).filter((f) => f !== file);
      if (l.length) this.versionIndex.set(v, l);
      else this.versionIndex.delete(v);
    }
  }

  /** modlist_lookup2: a loaded provider of `name` in `range` (any version without one). */
  modlistLookup(name: string, range?: VersionRange): LinkerFile | undefined {
    const c = this.modlist(name);
    const best = range ? bestVersion(c, (v) => v.version, range) : c[0];
    return best?.file;
  }

  /** linker_search_kld: a path as given, else each module path directory (with and without .ko). */
  searchFile(name: string, cwd?: string): string | undefined {
    if (name.includes("/")) {
      const p = cwd && !name.startsWith("/") ? join(cwd, name) : name;
      return isRegularFile(p) ? p : undefined;
    }
    for (const dir of this.path) {
      for (const cand of [join(dir, name), join(dir, `${name}.ko`)]) if (isRegularFile(cand)) return cand;
    }
    if (cwd) for (const cand of [join(cwd, name), join(cwd, `${name}.ko`)]) if (isRegularFile(cand)) return cand;
    return undefined;
  }

  /**
   * linker_search_module: linker.hints of each directory first, then
   * `<name>.ko` in each.  `first` directories (the dependent's own) go
   * before the module path.
   */
  searchModule(name: string, range: VersionRange | undefined, first: readonly string[]): string | undefined {
    const dirs = [...new Set([...first, ...this.path])];
    for (const dir of dirs) {
      const hints = this.readHints(dir);
      const rec = hints && lookupHint(hints, name, range);
      if (rec) {
        for (const cand of [join(dir, rec.file), join(dir, `${rec.file}.ko`)]) if (isRegularFile(cand)) return cand;
      }
    }
    for (const dir of dirs) {
      const cand = join(dir, `${name}.ko`);
      if (isRegularFile(cand)) return cand;
    }
    return undefined;
  }

  private readHints(dir: string): HintRecord[] | undefined {
    const p = join(dir, "linker.hints");
    if (!existsSync(p)) return undefined;
    try {
      return readLinkerHints(readHostFile(p, "linkerHints"), p);
    } catch (e) {
      this.printf(`linker_hints_lookup: ${describeError(e)}\n`);
      return undefined;
    }
  }

  /** LINKER_GET_NEXT_FILE_ID: step past ids in use; the last one is reused if it was freed. */
  private allocFileId(): number {
    while (this.reservedIds.has(this.nextFileId) || this.byId.has(this.nextFileId)) this.nextFileId++;
    return this.nextFileId;
  }

  // ---- queries --------------------------------------------------------------

  /**
   * kldsym(2): in one file, or the first file in load order that defines it.
   * Locals are never visible.
   * @throws KernelError ENOENT when no file defines it.
   */
  lookupSymbol(name: string, file?: LinkerFile): SymbolAnswer {
    const candidates = file ? [file] : this.files;
    for (const f of candidates) {
      if (f === this.kernelFile) {
        const k = this.core.symbols.get(name);
        if (k) return { name, kind: k.kind, address: k.address, size: k.size, file: f.filename, fileId: f.id };
        const s = f.lookupSymbol(name);
        if (s) return { name, kind: s.kind, address: s.address, size: s.size, file: f.filename, fileId: f.id };
        continue;
      }
      const s = f.lookupSymbol(name);
      if (s) return { name, kind: s.kind, address: s.address, size: s.size, file: f.filename, fileId: f.id };
    }
    throw new KernelError("ENOENT", name, file ? `symbol ${name} not found in ${file.filename}` : `symbol ${name} not found`);
  }
}

function toResolved(s: FileSymbol): Resolved {
  if (s.kind === "func") {
    if (!s.fn || !s.identity) throw new KernelError("ENOEXEC", s.name, `function ${s.name} has no callable`);
    return { kind: "func", fn: s.fn, identity: s.identity };
  }
  return { kind: "data", address: s.address };
}

/**
 * Why a path given to kldload is not a loadable file, with the errno stat(2)
 * gives: EACCES for a directory on the way that cannot be searched (not
 * ENOENT), ENOTDIR, ELOOP, ENOENT; EFTYPE when it exists but is no
 * regular file.
 */
function unusablePath(spec: string, full: string): KernelError {
  try {
    statSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "EACCES" ? "a directory on the way cannot be searched" : code === "ENOENT" ? "no such file" : undefined;
    return hostFileError(e, spec, why ? `${full}: ${why}` : full, "ENOENT");
  }
  return new KernelError("EFTYPE", spec, `${full} is not a regular file`);
}

function isRegularFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function errnoName(num: number): string {
  return errnoByNumber(num)?.name ?? "EBUSY";
}
