/**
 * Build a kernel image from a parsed configuration: what `kconfig FILE`
 * does after parsing.
 *
 * Called by src/cli/kconfig.ts (and the benchmark).  It plays the part of
 * FreeBSD's config(8) back end (mkioconf.c: the device table; mkoptions.c:
 * the options) together with the kernel link: each device, controller,
 * pseudo-device and module line is resolved to a module object NAME.ko on
 * the module path (`sio0` -> module `sio`; the kernel's own buses nexus and
 * isa need none; `config kernel root on wd0` is only recorded); the static
 * modules' MODULE_DEPEND/MODULE_VERSION metadata is checked (versions,
 * cycles) and they are ordered dependencies first; the enabled ISA devices'
 * resources are checked for overlaps as the 2.x kernel's haveseen_isadev()
 * did (honouring `conflicts` and options ALLOW_CONFLICT_*); the modules are
 * merged with the object library's relocatable link (ld -r) into one object;
 * and the image is written atomically to DESTDIR/kernel.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { makeDirs } from "../make_dirs.js";
import { bundledModuleDirs } from "../package_paths.js";
import { readHostFile } from "../errno/host_file.js";
import { KernelError, hostFileError } from "../errno/kernel_error.js";
import { __FreeBSD_version as KERNEL_VERSION } from "../sys/sys_constants.js";
import { metadataOf } from "../wasmobj/mod_metadata.js";
import { mergeWasmObjects } from "../wasmobj/link_relocatable.js";
import type { WasmObject } from "../wasmobj/object_types.js";
import { readObject } from "../wasmobj/wasm_object.js";
import { deviceNameUnit, type ConfigDevice, type KernelConfig } from "./ast.js";
import { KERNEL_BUSES } from "./check_config.js";
import { unresolvedSymbols } from "./check_symbols.js";
import { ConfigError } from "./diagnostics.js";
import { parseCNumber } from "../image/c_number.js";
import type { LoadResult } from "./load_config.js";
import { NONE, WILD, writeImageFile, type ImageModule, type IoconfEntry, type KernelImage } from "../image/image.js";

export interface BuildOptions {
  /** Where to write `kernel` (default compile/<IDENT> under the current directory). */
  readonly destdir?: string;
  /** Extra module directories (-M), searched before the bundled ones. */
  readonly modulePath?: readonly string[];
  /** Replace the bundled module directories (tests, benchmark). */
  readonly bundledPath?: readonly string[];
  /** Build without modules that cannot be found (with a warning each). */
  readonly allowMissing?: boolean;
  /** -n: check everything, write nothing. */
  readonly dryRun?: boolean;
  /**
   * --check-resources: refuse to build when resources overlap (EBUSY).
   * Without it overlaps are warnings, as config(8) never checked them: the
   * kernel finds a conflict among the devices that actually probe.
   */
  readonly checkResources?: boolean;
  /** Called with each step's name (the CLI drives a spinner with it). */
  readonly onStep?: (step: string) => void;
}

export interface BuildResult {
  readonly image: KernelImage;
  /** Where the image was written; undefined with dryRun. */
  readonly imagePath: string | undefined;
  readonly warnings: readonly string[];
}

/** A module line that no .ko on the module path provides. */
export interface MissingModule {
  readonly module: string;
  /** The lines that want it: `device sio0 (GENERIC:31)`. */
  readonly wantedBy: readonly string[];
}

/** Thrown when modules are missing (and --allow-missing was not given). ENOENT. */
export class MissingModulesError extends KernelError {
  constructor(
    file: string,
    readonly missing: readonly MissingModule[],
    readonly searched: readonly string[],
    /** Resource overlaps found in the same run, so one run reports both. */
    readonly conflicts: readonly string[] = [],
  ) {
    super("ENOENT", file, `no module object for ${missing.map((m) => m.module).join(", ")}`);
  }
}

/** Thrown when the configuration cannot be built; `problems` lists every reason. */
export class BuildError extends KernelError {
  constructor(errnoName: string, file: string, readonly problems: readonly string[]) {
    super(errnoName, file, problems.join("; "));
  }
}

/** Find NAME.ko in each directory (DIR/NAME.ko, then DIR/NAME/NAME.ko). */
export function findModule(name: string, dirs: readonly string[]): string | undefined {
  for (const d of dirs) {
    for (const p of [path.join(d, `${name}.ko`), path.join(d, name, `${name}.ko`)]) {
      if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
    }
  }
  return undefined;
}

/**
 * Port-range sizes of the drivers kldsim knows, for the overlap check when
 * a line gives no size (config files never did: the 2.x probe routine
 * returned it).  From <i386/isa/isa.h> IO_*SIZE and the drivers' probes.
 */
const DRIVER_PORT_SIZE: ReadonlyMap<string, number> = new Map([
  ["sio", 8], ["lpt", 8], ["ed", 32], ["joy", 1], ["sbc", 16], ["sb", 16], ["wdc", 8], ["fdc", 8],
  ["npx", 16], ["sc", 16], ["psm", 5], ["atkbdc", 16], ["aha", 4], ["bt", 4], ["uart", 8],
]);
/** Default shared-memory window sizes (iosiz) when a line gives none. */
const DRIVER_MEM_SIZE: ReadonlyMap<string, number> = new Map([["ed", 0x4000]]);

type StaticUse = { module: string; what: string };

/** Module names the configuration's lines want, in configuration order. */
export function wantedModules(cfg: KernelConfig): StaticUse[] {
  const out: StaticUse[] = [];
  const where = (loc: { file: string; line: number } | undefined): string => (loc ? ` (${loc.file}:${loc.line})` : "");
  for (const d of cfg.devices) {
    if (KERNEL_BUSES.has(d.name)) continue;
    out.push({ module: d.name, what: `${d.kind} ${deviceNameUnit(d)}${where(d.loc)}` });
  }
  for (const p of cfg.pseudoDevices) out.push({ module: p.name, what: `pseudo-device ${p.name}${where(p.loc)}` });
  for (const m of cfg.modules) out.push({ module: m.name, what: `module ${m.name}${where(m.loc)}` });
  for (const h of cfg.hints) {
    if (h.key === "at" && !KERNEL_BUSES.has(h.driver) && !out.some((u) => u.module === h.driver)) {
      out.push({ module: h.driver, what: `hint.${h.driver}.${h.unit}.at${where(h.loc)}` });
    }
  }
  return out;
}

interface StaticModule extends ImageModule {
  /** The object, read once (named by its file's base name, as ld -r names inputs). */
  readonly obj: WasmObject;
  readonly provides: readonly { name: string; version: number }[];
  readonly depends: readonly { name: string; min: number; pref: number; max: number }[];
}

/**
 * The module metadata of a static module's object (MODULE_VERSION,
 * DECLARE_MODULE, MODULE_DEPEND records in set_modmetadata_set), read by
 * the kernel linker's own code from the object buildKernel read once.
 */
export function moduleMetadata(obj: WasmObject): Pick<StaticModule, "provides" | "depends"> {
  const md = metadataOf(obj);
  const provides: { name: string; version: number }[] = [];
  const depends: StaticModule["depends"][number][] = [];
  // As kern_linker.c's linker_addmodules(): only MODULE_VERSION records
  // satisfy a MODULE_DEPEND; DECLARE_MODULE alone does not.
  for (const r of md) {
    if (r.type === "version") provides.push({ name: r.name, version: r.version });
    else if (r.type === "depend") depends.push({ name: r.name, min: r.min, pref: r.pref, max: r.max });
  }
  // A file's dependency on an interface it provides itself is satisfied within the file.
  return { provides, depends: depends.filter((d) => !provides.some((p) => p.name === d.name)) };
}

/**
 * Check MODULE_DEPEND among the static modules and order them dependencies
 * first (stable: configuration order otherwise).  Every problem is listed.
 */
export function orderStaticModules(mods: readonly StaticModule[]): { ordered: StaticModule[]; problems: string[] } {
  const problems: string[] = [];
  const provider = new Map<string, { mod: StaticModule; version: number }>();
  for (const m of mods) {
    for (const p of m.provides) {
      const prev = provider.get(p.name);
      if (prev && prev.mod !== m) problems.push(`module ${p.name} is provided by both ${prev.mod.name} and ${m.name}`);
      else provider.set(p.name, { mod: m, version: p.version });
    }
  }
  const edges = new Map<StaticModule, StaticModule[]>();
  for (const m of mods) {
    const deps: StaticModule[] = [];
    for (const d of m.depends) {
      if (d.name === "kernel") {
        if (KERNEL_VERSION < d.min || KERNEL_VERSION > d.max) problems.push(`${m.name} depends on kernel version ${d.min}-${d.max}, but the kernel is version ${KERNEL_VERSION}`);
        continue;
      }
      const p = provider.get(d.name);
      if (!p) {
        problems.push(`${m.name} depends on ${d.name}, which no static module provides (add 'module ${d.name}')`);
        continue;
      }
      if (p.version < d.min || p.version > d.max) {
        problems.push(`${m.name} depends on ${d.name} version ${d.min}-${d.max}, but ${p.mod.name} provides version ${p.version}`);
        continue;
      }
      if (p.mod !== m) deps.push(p.mod);
    }
    edges.set(m, deps);
  }
  const ordered: StaticModule[] = [];
  const state = new Map<StaticModule, "visiting" | "done">();
  const reported = new Set<string>();
  const visit = (m: StaticModule, chain: StaticModule[]): void => {
    const s = state.get(m);
    if (s === "done") return;
    if (s === "visiting") {
      const cyc = [...chain.slice(chain.indexOf(m)), m].map((x) => x.name);
      const key = [...cyc].slice(0, -1).sort().join(",");
      if (!reported.has(key)) problems.push(`dependency cycle among static modules: ${cyc.join(" -> ")}`);
      reported.add(key);
      return;
    }
    state.set(m, "visiting");
    for (const d of edges.get(m) ?? []) visit(d, [...chain, m]);
    state.set(m, "done");
    ordered.push(m);
  };
  for (const m of mods) visit(m, []);
  return { ordered, problems };
}

const num = (v: number | "?" | undefined): number => (v === undefined ? NONE : v === "?" ? WILD : v);

/**
 * The ioconf rows: device lines with a unit (not the kernel's buses), then
 * hint-only instances.  Hints about a unit that has a device line do not
 * make a second row: `hint.X.N.disabled="1"` disables the line's row (the
 * kernel honours it whatever configured the device), and any other hint is
 * ignored with a warning pushed to `warnings`, since the line's own
 * resources win.
 */
export function ioconfEntries(cfg: KernelConfig, moduleOf: (driver: string) => string, warnings: string[] = []): IoconfEntry[] {
  const rows: IoconfEntry[] = [];
  const lineRows = new Map<string, { index: number; where: string }>();
  const fromLine = (d: ConfigDevice): IoconfEntry => ({
    kind: d.kind,
    driver: d.name,
    unit: d.unit as number,
    at: d.at ? `${d.at.bus}${d.at.unit}` : "",
    port: d.port === undefined ? NONE : d.port.kind === "wildcard" ? WILD : d.port.value,
    portName: d.port?.kind === "symbol" ? d.port.name : "",
    portSize: DRIVER_PORT_SIZE.get(d.name) ?? NONE,
    irq: num(d.irq),
    drq: num(d.drq),
    iomem: num(d.iomem),
    iosize: d.iosiz === undefined ? DRIVER_MEM_SIZE.get(d.name) ?? NONE : num(d.iosiz),
    flags: d.flags ?? 0,
    enabled: !d.disabled,
    conflicts: d.conflicts,
    drive: num(d.drive),
    target: num(d.target),
    lun: num(d.lun),
    bus: num(d.bus),
    source: "config",
    module: moduleOf(d.name),
  });
  for (const d of cfg.devices) {
    // config(8) left `?`-unit lines and (modern) unit-less lines out of the tables
    if (KERNEL_BUSES.has(d.name) || typeof d.unit !== "number") continue;
    const where = d.loc ? `${d.loc.file}:${d.loc.line}` : "the configuration";
    lineRows.set(`${d.name}.${d.unit}`, { index: rows.length, where });
    rows.push(fromLine(d));
  }
  // hint.DRIVER.UNIT.* instances (later hints win, as in the kernel environment)
  const groups = new Map<string, Map<string, string>>();
  for (const h of cfg.hints) {
    const k = `${h.driver}.${h.unit}`;
    if (!groups.has(k)) groups.set(k, new Map());
    groups.get(k)!.set(h.key, h.value);
  }
  for (const [k, kv] of groups) {
    const [driver, unitText] = k.split(".") as [string, string];
    const unit = Number(unitText);
    const n = (key: string): number => {
      const v = kv.get(key);
      return v === undefined ? NONE : parseCNumber(v) ?? NONE;
    };
    const line = lineRows.get(k);
    if (line) {
      if (n("disabled") === 1) rows[line.index] = { ...rows[line.index]!, enabled: false };
      const ignored = [...kv.keys()].filter((key) => key !== "disabled");
      if (ignored.length > 0) {
        warnings.push(`${ignored.map((key) => `hint.${k}.${key}`).join(", ")} ignored: ${driver}${unit} is configured by its device line (${line.where})`);
      }
      continue;
    }
    if (!kv.has("at")) continue;
    rows.push({
      kind: "device", driver, unit, at: kv.get("at")!,
      port: n("port"), portName: "", portSize: n("portsize") !== NONE ? n("portsize") : DRIVER_PORT_SIZE.get(driver) ?? NONE,
      irq: n("irq"), drq: n("drq"), iomem: n("maddr"),
      iosize: n("msize") !== NONE ? n("msize") : DRIVER_MEM_SIZE.get(driver) ?? NONE,
      flags: n("flags") === NONE ? 0 : n("flags"), enabled: n("disabled") !== 1, conflicts: false,
      drive: NONE, target: NONE, lun: NONE, bus: NONE, source: "hints", module: moduleOf(driver),
    });
  }
  return rows;
}

/**
 * Resource overlaps between enabled devices, as haveseen_isadev() checked
 * them: I/O ports, irq, drq, memory.  A pair passes when either line says
 * `conflicts`, or when the option ALLOW_CONFLICT_IOADDR / _IRQ / _DRQ /
 * _MEMADDR allows that kind.  One message per overlapping pair and kind.
 */
export function resourceConflicts(rows: readonly IoconfEntry[], options: readonly { name: string }[]): string[] {
  const allow = (k: string): boolean => options.some((o) => o.name === `ALLOW_CONFLICT_${k}`);
  const out: string[] = [];
  const live = rows.filter((r) => r.enabled);
  const name = (r: IoconfEntry): string => `${r.driver}${r.unit}`;
  const hex = (n: number): string => `0x${n.toString(16)}`;
  for (let i = 0; i < live.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = live[i]!;
      const b = live[j]!;
      if (a.conflicts || b.conflicts) continue;
      if (!allow("IOADDR") && a.port >= 0 && b.port >= 0) {
        const aEnd = a.port + Math.max(1, a.portSize);
        const bEnd = b.port + Math.max(1, b.portSize);
        if (a.port < bEnd && b.port < aEnd) {
          out.push(`${name(a)}: ports ${hex(a.port)}-${hex(aEnd - 1)} overlap ${name(b)}'s ${hex(b.port)}-${hex(bEnd - 1)} (add 'conflicts' to allow it)`);
        }
      }
      if (!allow("IRQ") && a.irq >= 0 && a.irq === b.irq) out.push(`${name(a)}: irq ${a.irq} is already used by ${name(b)} (add 'conflicts' to allow it)`);
      if (!allow("DRQ") && a.drq >= 0 && a.drq === b.drq) out.push(`${name(a)}: drq ${a.drq} is already used by ${name(b)} (add 'conflicts' to allow it)`);
      if (!allow("MEMADDR") && a.iomem >= 0 && b.iomem >= 0) {
        const aEnd = a.iomem + Math.max(1, a.iosize);
        const bEnd = b.iomem + Math.max(1, b.iosize);
        if (a.iomem < bEnd && b.iomem < aEnd) {
          out.push(`${name(a)}: iomem ${hex(a.iomem)}-${hex(aEnd - 1)} overlaps ${name(b)}'s ${hex(b.iomem)}-${hex(bEnd - 1)} (add 'conflicts' to allow it)`);
        }
      }
    }
  }
  return out;
}

/**
 * Build (and unless dryRun, write) the kernel image of a loaded configuration.
 * @throws ConfigError (EINVAL) when the configuration has errors;
 *   BuildError EINVAL (no ident line), EBUSY (resource overlaps, with
 *   checkResources), ENOEXEC
 *   (bad module objects or metadata, dependency problems);
 *   MissingModulesError ENOENT (modules not found, without allowMissing);
 *   KernelError ENOENT/EACCES/EROFS... when DESTDIR cannot be written.
 */
export function buildKernel(load: LoadResult, opts: BuildOptions = {}): BuildResult {
  const { config: cfg, file } = load;
  if (load.diagnostics.hasErrors()) throw new ConfigError(file, load.diagnostics.all);
  if (cfg.ident === undefined) throw new BuildError("EINVAL", file, ["no ident line specified"]);
  const warnings: string[] = [];
  const step = opts.onStep ?? (() => {});

  step("resolving modules");
  const dirs = [...(opts.modulePath ?? []), ...(opts.bundledPath ?? bundledModuleDirs())];
  const uses = wantedModules(cfg);
  const found = new Map<string, string>();
  const missing = new Map<string, string[]>();
  for (const u of uses) {
    if (found.has(u.module)) continue;
    const p = findModule(u.module, dirs);
    if (p) found.set(u.module, p);
    else missing.set(u.module, [...(missing.get(u.module) ?? []), u.what]);
  }
  const moduleOf = (driver: string): string => (found.has(driver) ? driver : "");
  const devices = ioconfEntries(cfg, moduleOf, warnings);
  // Checked before a missing module stops the build, so that one run
  // reports both kinds of problem (config(8) reports all it can).
  const conflicts = opts.checkResources ? resourceConflicts(devices, cfg.options) : [];
  if (!opts.checkResources) {
    for (const c of resourceConflicts(devices, cfg.options)) warnings.push(`resources overlap: ${c}; config(8) builds such a kernel, and which device gets them is settled when they probe`);
  }
  if (missing.size > 0) {
    const list = [...missing].map(([module, wantedBy]) => ({ module, wantedBy }));
    if (!opts.allowMissing) throw new MissingModulesError(file, list, dirs, conflicts);
    for (const m of list) warnings.push(`no module ${m.module}.ko for ${m.wantedBy.join(", ")}: building without it`);
  }

  step("reading module metadata");
  const problems: string[] = [];
  const mods: StaticModule[] = [];
  for (const [name, p] of found) {
    const bytes = readHostFile(p, "module");
    try {
      const obj = readObject(bytes, path.basename(p));
      mods.push({ name, path: p, obj, ...moduleMetadata(obj) });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      problems.push(`${p}: ${e.info.text}${e.detail ? ` (${e.detail})` : ""}`);
    }
  }
  const { ordered, problems: depProblems } = orderStaticModules(mods);
  problems.push(...depProblems);
  if (problems.length > 0) throw new BuildError("ENOEXEC", file, problems);

  step("checking resources");
  if (conflicts.length > 0) throw new BuildError("EBUSY", file, conflicts);

  step("linking");
  const unresolved = unresolvedSymbols(ordered);
  if (unresolved.length > 0) throw new BuildError("ENOENT", file, unresolved);
  let object: Uint8Array = new Uint8Array(0);
  if (ordered.length > 0) {
    try {
      object = mergeWasmObjects(ordered.map((m) => m.obj));
    } catch (e) {
      if (e instanceof KernelError) throw new BuildError(e.info.name, file, [`linking the static modules: ${e.message}`]);
      throw e;
    }
  }

  const kernel = cfg.kernels[0];
  const image: KernelImage = {
    ident: cfg.ident,
    machine: cfg.machine ?? "",
    cpus: cfg.cpus,
    maxusers: cfg.maxusers ?? 0,
    options: cfg.options.map((o) => (o.value !== undefined ? { name: o.name, value: o.value } : { name: o.name })),
    ...(cfg.options.some((o) => o.name === "INCLUDE_CONFIG_FILE") ? { configText: load.text } : {}),
    ...(kernel ? { kernel: { name: kernel.name, ...(kernel.root ? { root: kernel.root } : {}), swap: kernel.swap, ...(kernel.dumps ? { dumps: kernel.dumps } : {}) } } : {}),
    devices,
    pseudoDevices: cfg.pseudoDevices.map((p) => ({ name: p.name, count: p.count ?? 1 })),
    modules: ordered.map((m) => ({ name: m.name, path: m.path })),
    hints: cfg.hints.map((h) => ({ driver: h.driver, unit: h.unit, key: h.key, value: h.value })),
    object,
    ...(ordered.length > 0 ? { moduleSegments: ordered.map((m) => ownSegmentCount(m.obj)) } : {}),
  };
  if (opts.dryRun) return { image, imagePath: undefined, warnings };

  step("writing the image");
  const destdir = opts.destdir ?? path.join("compile", cfg.ident);
  if (fs.existsSync(destdir) && !fs.statSync(destdir).isDirectory()) {
    throw new KernelError("ENOTDIR", destdir, `${destdir} isn't a directory`);
  }
  try {
    makeDirs(destdir);
  } catch (e) {
    throw hostFileError(e, destdir);
  }
  const imagePath = path.join(destdir, "kernel");
  writeImageFile(imagePath, image);
  return { image, imagePath, warnings };
}

/** Non-`set_*` data segments of one module object (see KernelImage.moduleSegments). */
function ownSegmentCount(obj: WasmObject): number {
  return obj.dataSegments.filter((s) => !s.name.startsWith("set_")).length;
}
