/**
 * Kernel wiring and boot: build a kernel's core, env and linker
 * (bootLinker), connect them to the Kernel object (its console, uprintf,
 * watchdog word, the kld.* methods, shutdown), then turn the daemon's boot
 * settings into a running kernel before the first request (bootKernel):
 *
 *  1. the emulated machine (`-m`, default configs/machines/pc97.yaml, or
 *     none): DELAY() advances its virtual clock, inb/outb... reach its port
 *     space (kern_portio.ts);
 *  2. the kernel image (`kld boot IMAGE`): read and validated (a truncated
 *     or altered image stops the boot: the daemon reports the error and
 *     exits); options take effect (HZ -> hz, BOOTVERBOSE -> bootverbose and
 *     more messages, MAXUSERS, INCLUDE_CONFIG_FILE); the static modules'
 *     object is linked into linker file 1 `kernel` and their modules
 *     registered there (Linker.linkKernelObject);
 *  3. loader.conf (`-l FILE`, loader_conf.ts): each module is preloaded as a
 *     linker file of its own, its SYSINITs held back (Linker.preload);
 *  4. the one sorted list of the static modules' and preloaded files'
 *     SYSINITs runs (Linker.runBootInits, linker/boot_inits.ts: what a
 *     failing static module or preloaded file does to the boot is the
 *     linker's business, with the unwinder a kldload uses).
 *
 * The boot log also lists the device instances of the image's table; the
 * newbus probe/attach that would use them is a later issue, so each says
 * whether its driver module is there and that it was not probed.
 *
 * Callers: kernel_worker.ts (SUBSYSTEMS: startKernel); tests and benches
 * (bootLinker for a kernel without a Kernel object, startKernel for the
 * worker's path in-process).  FreeBSD: sys/kern/init_main.c (mi_startup),
 * sys/kern/subr_autoconf.c.
 */
import { dirname, join } from "node:path";
import { strerror } from "../errno/errno.js";
import { readHostText } from "../errno/host_file.js";
import { KernelError } from "../errno/kernel_error.js";
import { bundledModuleDirs } from "../package_paths.js";
import type { Kernel } from "./kernel.js";
import { KernelCore } from "./kernel_core.js";
import { createKernelEnv, type KernelEnv } from "./kernel_env.js";
import { invokeShutdownEvents } from "./kern_eventhandler.js";
import { moduleServices } from "./kern_module.js";
import { registerKldMethods } from "./kld_requests.js";
import { Linker } from "./linker/kern_linker.js";
import type { StaticModuleStatus } from "./linker/boot_inits.js";
import { describeError, isPanic } from "./linker/linker_errors.js";
import { wasmLinkerClass } from "./linker/link_wasm_obj.js";
import type { HostData, HostFunction } from "./services/host_function.js";
import { kernelData, kernelServices } from "./services/index.js";
import { parseLoaderConf } from "../image/loader_conf.js";
import { MEMORY_BYTES } from "./vm_layout.js";
import { readImageFile, NONE, WILD, type IoconfEntry, type KernelImage } from "../image/image.js";
import { parseCNumber } from "../image/c_number.js";
import { loadMachineFile } from "../isa/machine_yaml.js";

/** Where the shutdown log goes: next to the socket. */
export function shutdownLogPath(socket: string): string {
  return join(dirname(socket), "shutdown.log");
}

/** A kernel's core (memory, table, env) and its linker. */
export interface LinkerSubsystem {
  readonly core: KernelCore;
  readonly linker: Linker;
}

/**
 * Build a kernel core and its linker: the env (kernel_env.ts), the kernel
 * services and data (`services`, `data`) plus the module services, file 1,
 * the wasm linker class.
 */
export function bootLinker(
  printf: (text: string) => void,
  opts: {
    readonly services?: readonly HostFunction<KernelEnv>[];
    readonly data?: readonly HostData<KernelEnv>[];
    readonly modulePath?: readonly string[];
    readonly userTerminal?: (text: string) => void;
    /** Services' console (default: printf). */
    readonly console?: (text: string) => void;
    readonly onCurrentCall?: (what: string | null) => void;
    /** The booted image's path, shown as file 1's pathname. */
    readonly kernelPathname?: string;
  } = {},
): LinkerSubsystem {
  const core: KernelCore = new KernelCore(
    (memory) => createKernelEnv(memory, opts.console ?? printf, opts.userTerminal ?? printf, (slot, what, ...args) => core.callPointer(slot, what, ...args)),
    opts.onCurrentCall,
  );
  core.install([...(opts.services ?? []), ...moduleServices], opts.data ?? []);
  const linker = new Linker(core, printf, opts.modulePath ?? bundledModuleDirs(), opts.kernelPathname);
  linker.addClass(wasmLinkerClass(core));
  return { core, linker };
}

/**
 * The kernel worker's kernel: core and linker wired to `kernel` (services'
 * console, uprintf to the requesting user, the watchdog's current-call
 * word), the kld.* methods, shutdown (event handlers, then the modules),
 * then boot.
 */
export async function startKernel(kernel: Kernel): Promise<LinkerSubsystem> {
  const sys = bootLinker((t) => kernel.printf(t), {
    console: (t) => kernel.serviceConsole(t),
    services: kernelServices,
    data: kernelData,
    userTerminal: (text) => kernel.uprintf(text),
    onCurrentCall: (what) => kernel.currentCall.set(what ?? undefined),
    ...(kernel.boot.image ? { kernelPathname: kernel.boot.image } : {}),
  });
  registerKldMethods(kernel, sys);
  const { core, linker } = sys;
  kernel.onShutdown((howto) => {
    // kern_reboot: the shutdown event handlers, then the modules.
    try {
      const nameOf = (slot: number): string => linker.kernelFile.functionName(slot);
      invokeShutdownEvents(core.env.eventhandlers, (slot, what, ...a) => core.callPointer(slot, what, ...a), howto, nameOf, (t) => kernel.printf(t));
    } catch (e) {
      if (isPanic(e)) throw e;
      kernel.printf(`shutdown: event handlers: ${describeError(e)}\n`);
    }
    linker.shutdown();
  });
  await bootKernel(kernel, sys);
  return sys;
}

async function bootKernel(kernel: Kernel, sys: LinkerSubsystem): Promise<void> {
  const { core, linker } = sys;
  const settings = kernel.boot;
  const printf = (t: string): void => kernel.printf(t);

  if (settings.machine) attachMachine(kernel, core.env, settings.machine);
  printf(`real memory  = ${MEMORY_BYTES} (${MEMORY_BYTES / 1024}K bytes)\n`);

  const image = settings.image ? readImage(settings.image) : null;
  const verbose = image ? applyOptions(kernel, core.env, image) : false;
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
  kernel.beforeRequest = () => void core.env.clock.tick();

  if (image && image.object.length > 0) {
    const names = image.modules.map((m) => m.name);
    linker.linkKernelObject(image.object, { names, segmentCounts: image.moduleSegments });
    printf(`kernel: ${names.length} static module${names.length === 1 ? "" : "s"} linked into file 1: ${names.join(" ")}\n`);
  }
  if (settings.loaderConf) preloadFiles(linker, settings.loaderConf, printf);
  const { statics } = linker.runBootInits({ verbose });

  // Device instances of the image (newbus probe/attach: a later issue).
  if (image) {
    for (const d of image.devices) printf(deviceLine(d, statics));
  }
  const ok = statics.filter((u) => !u.failed).length;
  if (statics.length > 0) printf(`kernel: ${ok} of ${statics.length} static modules running\n`);
}

/** Step 1: the emulated machine's ports and clock, its cards in the log. */
function attachMachine(kernel: Kernel, env: KernelEnv, path: string): void {
  const printf = (t: string): void => kernel.printf(t);
  const machine = loadMachineFile(path);
  env.ports.attach(machine.ioFunctions());
  env.clock.setDelayHook((us) => machine.delay(us));
  // Between requests the machine idles: its clock follows wall time, so
  // UART bytes from a socket arrive and the PIT ticks.
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

/**
 * Step 2: the image's options (HZ, BOOTVERBOSE, MAXUSERS) and its ident
 * line.  @returns whether boot is verbose.
 * @throws KernelError EINVAL for an HZ that is not 1..100000.
 */
function applyOptions(kernel: Kernel, env: KernelEnv, image: KernelImage): boolean {
  const printf = (t: string): void => kernel.printf(t);
  const opt = new Map(image.options.map((o) => [o.name, o.value]));
  // Option values reach a C compiler in config(8) (-DHZ=0144), so they are
  // C numbers: 0144 is octal 100.
  const cnum = (name: string): number => parseCNumber(opt.get(name) ?? "") ?? Number.NaN;
  const hz = opt.has("HZ") ? cnum("HZ") : undefined;
  if (hz !== undefined) {
    if (!Number.isInteger(hz) || hz < 1 || hz > 100_000) {
      throw new KernelError("EINVAL", kernel.boot.image!, `options HZ=${opt.get("HZ") ?? ""}: expected a number of ticks per second, 1..100000`);
    }
    env.clock.setHz(hz);
  }
  const verbose = opt.has("BOOTVERBOSE");
  env.clock.setBootverbose(verbose);
  const maxusers = opt.has("MAXUSERS") ? cnum("MAXUSERS") : image.maxusers;
  printf(`ident ${image.ident}, machine ${image.machine || "(none)"}, maxusers ${maxusers}, hz ${hz ?? 1000}${verbose ? ", bootverbose" : ""}\n`);
  printf(`options: ${image.options.map((o) => (o.value !== undefined ? `${o.name}=${o.value}` : o.name)).join(" ") || "(none)"}\n`);
  if (image.configText !== undefined) {
    printf(`config: ${image.configText.split("\n").length} lines of configuration text kept (INCLUDE_CONFIG_FILE; kld conftxt prints it)\n`);
  }
  return verbose;
}

/** Step 3: each loader.conf module preloaded; one that fails is reported and boot goes on. */
function preloadFiles(linker: Linker, path: string, printf: (t: string) => void): void {
  const conf = namingFile(path, "cannot read loader.conf", () => parseLoaderConf(readHostText(path, "loaderConf"), path));
  for (const req of conf.preload) {
    try {
      const f = linker.preload(req.spec);
      printf(`preloaded: ${f.filename} (${req.where})\n`);
    } catch (e) {
      if (isPanic(e)) throw e;
      const ke = e instanceof KernelError ? e : new KernelError("EIO", req.spec, describeError(e));
      printf(`loader: can't preload ${req.spec} (${req.where}): ${strerror(ke.info.num)}${ke.detail ? `: ${ke.detail}` : ""}\n`);
    }
  }
}

/** readImageFile, its errors naming the file (`kld: PATH: truncated kernel image ...`). */
function readImage(path: string): KernelImage {
  return namingFile(path, "cannot read the image", () => readImageFile(path));
}

/** Run `read`; a KernelError it throws names `path` in its detail, which is what `kld boot` prints. */
function namingFile<T>(path: string, cannot: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof KernelError && !(e.detail ?? "").startsWith(`${path}:`)) {
      throw new KernelError(e.info.name, path, `${path}: ${e.detail ?? (e.info.name === "ENOENT" ? cannot : e.info.text)}`);
    }
    throw e;
  }
}

function num(v: number): string {
  return v === WILD ? "?" : `0x${v.toString(16)}`;
}

function deviceLine(d: IoconfEntry, statics: readonly StaticModuleStatus[]): string {
  const name = `${d.driver}${d.unit === WILD ? "?" : d.unit}`;
  const res: string[] = [];
  if (d.port !== NONE) res.push(`port ${d.portName || num(d.port)}`);
  if (d.irq !== NONE) res.push(`irq ${d.irq === WILD ? "?" : d.irq}`);
  if (d.drq !== NONE) res.push(`drq ${d.drq === WILD ? "?" : d.drq}`);
  if (d.iomem !== NONE) res.push(`iomem ${num(d.iomem)}`);
  const at = d.at ? ` at ${d.at}` : "";
  const u = statics.find((x) => x.name === d.module);
  const why = !d.enabled
    ? "disabled"
    : !d.module
      ? "not probed: no driver module"
      : u?.failed
        ? `not probed: driver module ${d.module} failed`
        : `driver module ${d.module}; not probed (newbus is not built yet)`;
  return `${name}${at}${res.length ? ` ${res.join(" ")}` : ""}: ${why}\n`;
}

