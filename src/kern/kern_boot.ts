/**
 * Boot: turn the daemon's boot settings into a running kernel, after the
 * linker subsystem exists and before the first request.
 *
 *  1. the emulated machine (`-m`, default configs/machines/pc97.yaml, or
 *     none): DELAY() advances its virtual clock, inb/outb... reach its port
 *     space (kern_portio.ts);
 *  2. the kernel image (`kld boot IMAGE`): read and validated (a truncated
 *     or altered image stops the boot: the daemon reports the error and
 *     exits); options take effect (HZ -> hz, BOOTVERBOSE -> bootverbose and
 *     more messages, MAXUSERS, INCLUDE_CONFIG_FILE); the static modules'
 *     object is linked into linker file 1 `kernel` (Linker.linkKernelObject)
 *     and their modules registered there;
 *  3. loader.conf (`-l FILE`, loader_conf.ts): each module is preloaded as a
 *     linker file of its own, its SYSINITs held back;
 *  4. ONE list of SYSINITs, the static modules' and the preloaded files',
 *     sorted by (subsystem, order) (stable: kernel first, then preloaded
 *     files in load order), run in that order, as FreeBSD's mi_startup runs
 *     the kernel's and the preloaded files' sysinits together.  MOD_LOAD
 *     arrives through DECLARE_MODULE's module_register_init SYSINIT, the
 *     path a kldload takes too.
 *
 * A static module that fails (MOD_LOAD error, a trap in one of its
 * SYSINITs) is reported and boot goes on without it: its modules are
 * unregistered (MOD_UNLOAD to one that had loaded), its SYSUNINITs up to
 * the failing point run, and any static module that depends on it fails
 * too, the chain named; event handlers it registered during boot are
 * removed.  Its code and symbols stay in file 1 (a linked
 * kernel cannot drop part of itself).  Which module a SYSINIT belongs to is
 * read from the image's per-module segment counts (image.ts
 * moduleSegments): ld -r keeps each input's data segments in order.  A
 * preloaded file that fails is unloaded whole.
 *
 * The boot log also lists the device instances of the image's table; the
 * newbus probe/attach that would use them is a later issue, so each says
 * whether its driver module is there and that it was not probed.
 *
 * Caller: kernel_worker.ts (SUBSYSTEMS).  FreeBSD: sys/kern/init_main.c
 * (mi_startup), sys/kern/kern_linker.c (linker_preload), sys/kern/subr_autoconf.c.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { strerror } from "../errno/errno.js";
import { KernelError } from "../errno/kernel_error.js";
import type { Kernel } from "./kernel.js";
import { describeError, describeTrap, isPanic, type LinkerFile } from "./linker/kern_linker.js";
import type { LinkerSubsystem } from "./kern_linker_rpc.js";
import { readSysinitSet, runSysinits, type SysinitEntry } from "./kern_sysinit.js";
import { dropEventHandlers, eventHandlers, invokeEventHandlers, RB_HALT, SHUTDOWN_EVENTS } from "./kern_eventhandler.js";
import { attachPorts } from "./kern_portio.js";
import { parseLoaderConf } from "./loader_conf.js";
import { MOD_UNLOAD } from "./sys_constants.js";
import type { ModMetadata, SegmentPlacement } from "./linker/link_wasm_obj.js";
import { clockTick, setBootverbose, setDelayHook, setHz } from "./services/index.js";
import { MEMORY_BYTES } from "./vm_layout.js";
import { readImageFile, NONE, WILD, type IoconfEntry, type KernelImage } from "../image/image.js";
import { parseCNumber } from "../image/c_number.js";
import { loadMachineFile } from "../isa/machine_yaml.js";

/** Where the shutdown log goes: next to the socket. */
export function shutdownLogPath(socket: string): string {
  return join(dirname(socket), "shutdown.log");
}

/** One static module of the image, as boot tracks it. */
interface StaticUnit {
  readonly name: string;
  readonly md: ModMetadata[];
  failed: string | null;
}

/** What one SYSINIT belongs to. */
type Owner = { readonly kind: "static"; readonly unit: number } | { readonly kind: "file"; readonly file: LinkerFile } | { readonly kind: "kernel" };

export async function bootKernel(kernel: Kernel, sys: LinkerSubsystem): Promise<void> {
  const { core, linker } = sys;
  const settings = kernel.boot;
  const memory = core.memory;
  const printf = (t: string): void => kernel.printf(t);

  // -- 1: the machine
  if (settings.machine) {
    const machine = loadMachineFile(settings.machine);
    attachPorts(memory, machine.ioFunctions());
    setDelayHook(memory, (us) => machine.delay(us));
    // Between requests the machine idles: its clock follows wall time, so
    // UART bytes from a socket arrive and the PIT ticks.  Registered first,
    // the close runs last at shutdown, after every module is gone.
    machine.followWallTime();
    machine.onLog((m) => printf(`${m}\n`));
    kernel.onShutdown(() => machine.close());
    // The machine's RAM (what ISA DMA and the BIOS data area see) is not the
    // kernel address space: kernel memory is the one WebAssembly.Memory.
    const d = machine.description;
    printf(`machine: ${d.name}${d.description ? ` (${d.description})` : ""}, ${d.memoryKiB}K bytes of ISA-visible RAM\n`);
    printf("isa0: <ISA bus>\n");
    for (const c of machine.cards()) printf(`isa0: card ${c.name}: ${c.type}\n`);
  }
  printf(`real memory  = ${MEMORY_BYTES} (${MEMORY_BYTES / 1024}K bytes)\n`);

  // -- 2: the image
  const image = settings.image ? readImage(settings.image) : null;
  let verbose = false;
  if (image) {
    const opt = new Map(image.options.map((o) => [o.name, o.value]));
    // Option values reach a C compiler in config(8) (-DHZ=0144), so they are
    // C numbers: 0144 is octal 100.
    const cnum = (name: string): number => parseCNumber(opt.get(name) ?? "") ?? Number.NaN;
    const hz = opt.has("HZ") ? cnum("HZ") : undefined;
    if (hz !== undefined) {
      if (!Number.isInteger(hz) || hz < 1 || hz > 100_000) {
        throw new KernelError("EINVAL", settings.image!, `options HZ=${opt.get("HZ") ?? ""}: expected a number of ticks per second, 1..100000`);
      }
      setHz(memory, hz);
    }
    verbose = opt.has("BOOTVERBOSE");
    setBootverbose(memory, verbose);
    const maxusers = opt.has("MAXUSERS") ? cnum("MAXUSERS") : image.maxusers;
    printf(`ident ${image.ident}, machine ${image.machine || "(none)"}, maxusers ${maxusers}, hz ${hz ?? 1000}${verbose ? ", bootverbose" : ""}\n`);
    printf(`options: ${image.options.map((o) => (o.value !== undefined ? `${o.name}=${o.value}` : o.name)).join(" ") || "(none)"}\n`);
    if (image.configText !== undefined) {
      printf(`config: ${image.configText.split("\n").length} lines of configuration text kept (INCLUDE_CONFIG_FILE; kld conftxt prints it)\n`);
    }
  }
  kernel.register("kernel.conftxt", () => {
    if (!image) throw new KernelError("ENOENT", "kern.conftxt", "the kernel was booted without an image");
    if (image.configText === undefined) {
      throw new KernelError("ENOENT", "kern.conftxt", `${settings.image}: the image carries no configuration text (built without options INCLUDE_CONFIG_FILE)`);
    }
    return { text: image.configText.endsWith("\n") ? image.configText : `${image.configText}\n` };
  });
  const avail = linker.kmem.stats().freePages * linker.kmem.stats().pageSize;
  printf(`avail memory = ${avail} (${Math.floor(avail / 1024)}K bytes)\n`);
  const logPath = shutdownLogPath(settings.socket);
  kernel.shutdownLog = logPath;
  printf(`shutdown log: ${logPath}\n`);

  // Shutdown: the event handlers first (howto recorded by our hook, which
  // runs before the linker's: hooks run in reverse order of registration).
  let howto = RB_HALT;
  const nameOf = (slot: number): string => linker.kernelFile.functionName(slot);
  linker.shutdownHandlers = () => {
    for (const ev of SHUTDOWN_EVENTS) invokeEventHandlers(core, ev, howto, nameOf, printf);
  };
  kernel.onShutdown((h) => {
    howto = h === "reboot" ? 0 : RB_HALT;
  });
  linker.unloadHooks.push((file) => {
    for (const h of dropEventHandlers(memory, (e) => file.image?.functionName(e.func) !== undefined)) {
      printf(`eventhandler: ${h.name} handler ${file.functionName(h.func)} of ${file.filename} deregistered: file unloaded\n`);
    }
  });
  kernel.beforeRequest = () => void clockTick(memory);

  // -- static modules into file 1
  const units: StaticUnit[] = [];
  let entries: { e: SysinitEntry; owner: Owner }[] = [];
  let unitOf: (addr: number) => number = () => -1;
  if (image && image.object.length > 0) {
    const linked = linker.linkKernelObject(image.object);
    unitOf = ownerMap(image, linked.base, linked.segments);
    for (const m of image.modules) units.push({ name: m.name, md: [], failed: null });
    for (const r of linked.md) {
      const k = r.at !== undefined ? unitOf(r.at) : -1;
      (units[k] ?? units[0])?.md.push(r);
    }
    for (const u of units) {
      const mods = u.md.filter((m): m is Extract<ModMetadata, { type: "module" }> => m.type === "module");
      for (const m of mods) linker.modules.register(m.data, linker.kernelFile);
      linker.noteDependencies(mods.map((m) => m.name), u.md);
    }
    entries = linked.sysinits.map((e) => {
      const k = unitOf(e.addr);
      return { e, owner: k >= 0 ? { kind: "static", unit: k } : { kind: "kernel" } };
    });
    printf(`kernel: ${units.length} static module${units.length === 1 ? "" : "s"} linked into file 1: ${units.map((u) => u.name).join(" ")}\n`);
  }

  // -- 3: loader.conf
  const declaring = new Set<LinkerFile>();
  if (settings.loaderConf) {
    let text: string;
    try {
      text = readFileSync(settings.loaderConf, "utf8");
    } catch {
      throw new KernelError("ENOENT", settings.loaderConf, `cannot read loader.conf ${settings.loaderConf}`);
    }
    const conf = parseLoaderConf(text, settings.loaderConf);
    linker.deferInit = [];
    try {
      for (const req of conf.preload) {
        try {
          const f = linker.load(req.spec);
          printf(`preloaded: ${f.filename} (${req.where})\n`);
        } catch (e) {
          if (isPanic(e)) throw e;
          const ke = e instanceof KernelError ? e : new KernelError("EIO", req.spec, describeError(e));
          printf(`loader: can't preload ${req.spec} (${req.where}): ${strerror(ke.info.num)}${ke.detail ? `: ${ke.detail}` : ""}\n`);
        }
      }
    } finally {
      const deferred = linker.deferInit;
      linker.deferInit = null;
      for (const d of deferred) {
        if (d.declared > 0) declaring.add(d.file);
        for (const e of d.sysinits) entries.push({ e, owner: { kind: "file", file: d.file } });
      }
    }
  }

  // -- 4: one sorted list
  const sorted = [...entries].sort((a, b) => a.e.subsystem - b.e.subsystem || a.e.order - b.e.order);
  const failedFiles = new Set<LinkerFile>();
  const sysuninits = linker.kernelFile.image
    ? readSysinitSet(core, linker.kernelFile.image.lookupSet("sysuninit_set"))
    : [];
  const unitModules = (k: number): string[] =>
    units[k]!.md.filter((m) => m.type === "module").map((m) => m.name);

  // Event handlers a static module registered from its SYSINITs (or
  // MOD_LOAD): its code stays in file 1, so only this tells them apart.
  const unitHandlers = new Map<number, Set<number>>();
  const noteHandlers = (owner: Owner, before: ReadonlySet<number>): void => {
    if (owner.kind !== "static") return;
    const set = unitHandlers.get(owner.unit) ?? new Set<number>();
    for (const h of eventHandlers(memory)) if (!before.has(h.tag)) set.add(h.tag);
    unitHandlers.set(owner.unit, set);
  };
  const failStatic = (k: number, reason: string, at: SysinitEntry): void => {
    const u = units[k]!;
    if (u.failed) return;
    u.failed = reason;
    printf(`kernel: static module ${u.name} failed: ${reason}; continuing without it\n`);
    const tags = unitHandlers.get(k) ?? new Set<number>();
    for (const h of dropEventHandlers(memory, (x) => tags.has(x.tag))) {
      printf(`eventhandler: ${h.name} handler ${nameOf(h.func)} of ${u.name} deregistered: module failed\n`);
    }
    for (const name of unitModules(k)) {
      const mod = linker.modules.lookupByName(name);
      if (!mod) continue;
      // MOD_UNLOAD only to a module whose MOD_LOAD (its DECLARE_MODULE SYSINIT) ran.
      if ([...ran].some((x) => x.udata === mod.data)) {
        try {
          linker.modules.event(mod, MOD_UNLOAD);
        } catch (e) {
          if (isPanic(e)) throw e;
          printf(`kernel: ${name}: MOD_UNLOAD trapped: ${describeTrap(e).message}\n`);
        }
      }
      linker.modules.release(mod);
    }
    const mine = sysuninits
      .filter((e) => unitOf(e.addr) === k && (e.subsystem < at.subsystem || (e.subsystem === at.subsystem && e.order <= at.order)))
      .sort((a, b) => b.subsystem - a.subsystem || b.order - a.order);
    for (const e of mine) {
      try {
        runSysinits(core, [e], "kernel", nameOf);
      } catch (err) {
        if (isPanic(err)) throw err;
        printf(`kernel: ${u.name}: SYSUNINIT ${nameOf(e.func)} trapped: ${describeError(err)}\n`);
      }
    }
    // Static modules that depend on an interface of this one fail too.
    const provided = new Set(u.md.filter((m) => m.type === "version").map((m) => m.name));
    units.forEach((v, j) => {
      if (v.failed || j === k) return;
      const needs = v.md.find((m) => m.type === "depend" && provided.has(m.name));
      if (needs) failStatic(j, `depends on ${needs.name}: ${v.name} -> ${u.name} (${reason})`, at);
    });
  };

  const ran = new Set<SysinitEntry>();
  linker.modules.takeLoadError();
  for (const { e, owner } of sorted) {
    if (owner.kind === "static" && units[owner.unit]!.failed) continue;
    if (owner.kind === "file" && failedFiles.has(owner.file)) continue;
    const label = owner.kind === "file" ? owner.file.filename : "kernel";
    const tagsBefore = new Set(eventHandlers(memory).map((h) => h.tag));
    if (verbose) printf(`boot: SYSINIT ${nameOf(e.func)} (subsystem 0x${e.subsystem.toString(16)}, order 0x${e.order.toString(16)}) of ${owner.kind === "static" ? units[owner.unit]!.name : label}\n`);
    try {
      runSysinits(core, [e], label, (slot) => (owner.kind === "file" ? owner.file.functionName(slot) : nameOf(slot)));
      ran.add(e);
    } catch (err) {
      noteHandlers(owner, tagsBefore);
      if (isPanic(err)) throw err;
      const trap = describeTrap(err);
      const where = core.lastTrapCall ?? label;
      printf(`kernel: trap in ${where}: ${trap.message}\n`);
      if (owner.kind === "static") failStatic(owner.unit, `trap in ${where}: ${trap.message}`, e);
      else if (owner.kind === "file") {
        failedFiles.add(owner.file);
        printf(`loader: ${owner.file.filename} failed at boot; unloading it\n`);
        unloadQuietly(linker, owner.file, printf);
      }
      continue;
    }
    noteHandlers(owner, tagsBefore);
    const le = linker.modules.takeLoadError();
    if (le && owner.kind === "static") failStatic(owner.unit, `MOD_LOAD of ${le.module} failed: ${strerror(le.error)} (error ${le.error})`, e);
  }
  // A preloaded file none of whose modules survived MOD_LOAD goes, as a kldload would.
  for (const f of [...linker.files]) {
    if (f === linker.kernelFile || failedFiles.has(f)) continue;
    if (linker.modules.ofFile(f.id).length === 0 && declaring.has(f)) {
      printf(`loader: ${f.filename}: no module survived MOD_LOAD; unloading it\n`);
      unloadQuietly(linker, f, printf);
    }
  }

  // Device instances of the image (newbus probe/attach: a later issue).
  if (image) {
    for (const d of image.devices) printf(deviceLine(d, units));
  }
  const ok = units.filter((u) => !u.failed).length;
  if (units.length > 0) printf(`kernel: ${ok} of ${units.length} static modules running\n`);
}

/** readImageFile, its errors naming the file (`kld: PATH: truncated kernel image ...`). */
function readImage(path: string): KernelImage {
  try {
    return readImageFile(path);
  } catch (e) {
    if (e instanceof KernelError) {
      throw new KernelError(e.info.name, path, `${path}: ${e.detail ?? (e.info.name === "ENOENT" ? "cannot read the image" : e.info.text)}`);
    }
    throw e;
  }
}

function unloadQuietly(linker: LinkerSubsystem["linker"], f: LinkerFile, printf: (t: string) => void): void {
  try {
    linker.unloadBootFile(f);
  } catch (e) {
    if (isPanic(e)) throw e;
    printf(`loader: ${f.filename} did not unload: ${describeError(e)}\n`);
  }
}

/**
 * Which static module (index in image.modules) an address in the linked
 * object belongs to, from the per-module counts of non-`set_*` segments.
 */
function ownerMap(image: KernelImage, base: number, segments: readonly SegmentPlacement[]): (addr: number) => number {
  const counts = image.moduleSegments;
  if (!counts) return () => (image.modules.length === 1 ? 0 : -1);
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

function num(v: number): string {
  return v === WILD ? "?" : `0x${v.toString(16)}`;
}

function deviceLine(d: IoconfEntry, units: readonly StaticUnit[]): string {
  const name = `${d.driver}${d.unit === WILD ? "?" : d.unit}`;
  const res: string[] = [];
  if (d.port !== NONE) res.push(`port ${d.portName || num(d.port)}`);
  if (d.irq !== NONE) res.push(`irq ${d.irq === WILD ? "?" : d.irq}`);
  if (d.drq !== NONE) res.push(`drq ${d.drq === WILD ? "?" : d.drq}`);
  if (d.iomem !== NONE) res.push(`iomem ${num(d.iomem)}`);
  const at = d.at ? ` at ${d.at}` : "";
  const u = units.find((x) => x.name === d.module);
  const why = !d.enabled
    ? "disabled"
    : !d.module
      ? "not probed: no driver module"
      : u?.failed
        ? `not probed: driver module ${d.module} failed`
        : `driver module ${d.module}; not probed (newbus is not built yet)`;
  return `${name}${at}${res.length ? ` ${res.join(" ")}` : ""}: ${why}\n`;
}

