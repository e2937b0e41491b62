/**
 * The kernel linker's system calls: boots the kernel core and the linker
 * inside the kernel worker, and registers the kld.* RPC methods (kldload,
 * kldunload, kldsym, kldconfig's sysctl, the kernel map and malloc
 * statistics) plus the module-aware `kernel.stat` file list.
 *
 * Every load failure is reported twice, as FreeBSD's tools and kernel do:
 * the KernelError goes back to the CLI (`kld: can't load ./x.ko: Exec
 * format error` + detail), and the same two lines go to the message buffer.
 *
 * Called by src/kern/kernel_worker.ts (SUBSYSTEMS).  FreeBSD:
 * sys/kern/kern_linker.c (sys_kldload, sys_kldunloadf, sys_kldsym,
 * sys_kldstat), the kern.module_path sysctl.
 */
import { basename, resolve } from "node:path";
import { bundledModuleDirs } from "../package_paths.js";
import { strerror } from "../errno/errno.js";
import { KernelError } from "../errno/kernel_error.js";
import { KernelCore } from "./kernel_core.js";
import type { Kernel, RequestContext } from "./kernel.js";
import { Linker, type LinkerFile } from "./linker/kern_linker.js";
import { describeError, isPanic } from "./linker/linker_errors.js";
import { invokeEventHandlers, RB_HALT, SHUTDOWN_EVENTS } from "./kern_eventhandler.js";
import { KernelPanic } from "./services/kern_shutdown.js";
import { wasmLinkerClass } from "./linker/link_wasm_obj.js";
import type { HostData, HostFunction, KernelEnv } from "./services/host_function.js";
import { kernelData, kernelServices } from "./services/index.js";
import { mallocStats } from "./services/kern_malloc.js";
import type { LinkerFileStat } from "../rpc/protocol.js";

/** The kernel's linker, once booted (one per worker). */
export interface LinkerSubsystem {
  readonly core: KernelCore;
  readonly linker: Linker;
}

/**
 * Build the kernel core and linker: install the kernel services, data and
 * module_register_init, register the wasm class.
 */
export function bootLinker(
  printf: (text: string) => void,
  opts: {
    readonly services?: readonly HostFunction[];
    readonly data?: readonly HostData[];
    readonly modulePath?: readonly string[];
    readonly userTerminal?: (text: string) => void;
    /** Services' console (default: printf). */
    readonly console?: (text: string) => void;
    readonly onCurrentCall?: (what: string | null) => void;
    /** The booted image's path, shown as file 1's pathname. */
    readonly kernelPathname?: string;
  } = {},
): LinkerSubsystem {
  const registry = new Map<string, unknown>();
  const envFor = (core: KernelCore): KernelEnv => ({
    get memory() {
      return core.memory;
    },
    console: opts.console ?? printf,
    userTerminal: (text) => (opts.userTerminal ?? printf)(text),
    service<T>(name: string): T {
      if (!registry.has(name)) throw new Error(`kernel service ${name} not available`);
      return registry.get(name) as T;
    },
  });
  const core = new KernelCore(envFor, opts.onCurrentCall);
  // module_register_init & co. need the registry, which needs the core: the
  // linker's ModuleRegistry is created first and its services installed with
  // the rest, before any module exists.
  let linker: Linker | undefined;
  const moduleServices: HostFunction[] = [
    {
      name: "module_register_init",
      params: ["i32"],
      results: [],
      impl: (_env, data) => {
        linker?.modules.registerInit(Number(data) >>> 0);
      },
    },
    {
      // module_t is the module id in kldsim (kern_module.ts).
      name: "module_getid",
      params: ["i32"],
      results: ["i32"],
      impl: (_env, mod) => (linker?.modules.lookupById(Number(mod)) ? Number(mod) : -1),
    },
    {
      // The name lives in the module's own moduledata_t: return that pointer.
      name: "module_getname",
      params: ["i32"],
      results: ["i32"],
      impl: (_env, mod) => {
        const m = linker?.modules.lookupById(Number(mod));
        return m ? core.readU32(m.data) : 0;
      },
    },
    {
      name: "module_setspecific",
      params: ["i32", "i32"],
      results: [],
      impl: (_env, mod, datap) => {
        const m = linker?.modules.lookupById(Number(mod));
        if (m) m.specific = core.readI32(Number(datap) >>> 0);
      },
    },
  ];
  const services = [...(opts.services ?? []), ...moduleServices];
  core.install(services, opts.data ?? []);
  linker = new Linker(core, printf, opts.modulePath ?? bundledModuleDirs(), opts.kernelPathname);
  linker.addClass(wasmLinkerClass(core));
  registry.set("linker", linker);
  registry.set("core", core);
  return { core, linker };
}

/** kldstat(2) for one file, with its modules. */
export function fileStat(linker: Linker, f: LinkerFile): LinkerFileStat {
  return {
    id: f.id,
    refs: f.refs,
    address: f.address,
    size: f.size,
    name: f.filename,
    pathname: f.pathname,
    modules: linker.modules.ofFile(f.id).map((m) => ({ id: m.id, name: m.name })),
  };
}

/** Kernel subsystem init: boot the linker and register kld.* on the kernel. */
export function registerLinkerMethods(kernel: Kernel): LinkerSubsystem {
  let ctx: RequestContext | null = null;
  // panic(9) in a service prints "panic: ..." and throws; Kernel.panic()
  // prints the same line again when we hand the panic over to it.  Hold the
  // service's line back; it is printed once, by Kernel.panic, or at the end
  // of the request if nobody took it.
  let heldPanicLine: string | null = null;
  const flushPanicLine = (): void => {
    if (heldPanicLine !== null) kernel.printf(heldPanicLine);
    heldPanicLine = null;
  };
  const sys = bootLinker((t) => kernel.printf(t), {
    console: (t) => {
      if (t.startsWith("panic: ") && heldPanicLine === null) heldPanicLine = t;
      else kernel.printf(t);
    },
    services: kernelServices,
    data: kernelData,
    userTerminal: (text) => (ctx ? ctx.uprintf(text) : kernel.printf(text)),
    onCurrentCall: (what) => kernel.currentCall.set(what ?? undefined),
    ...(kernel.boot.image ? { kernelPathname: kernel.boot.image } : {}),
  });
  const { linker, core } = sys;
  const withCtx = <T>(c: RequestContext, fn: () => T): T => {
    ctx = c;
    try {
      return fn();
    } finally {
      ctx = null;
      flushPanicLine();
    }
  };
  const report = (verb: string, subject: string, e: unknown): never => {
    if (e instanceof KernelPanic) {
      // A service's panic() held its line back (above): Kernel.panic prints
      // it once and stops the kernel.  One from Kernel.panic itself has
      // already done both.
      if (heldPanicLine !== null) {
        heldPanicLine = null;
        kernel.panic(e.panicMessage);
      }
      throw e;
    }
    const ke = e instanceof KernelError ? e : new KernelError("EIO", subject, String(e));
    // When the file at fault is not the one asked for (a dependency this
    // request pulled in), the detail names it: `kdep_lib.ko: symbol x undefined`.
    const stem = (f: string): string => basename(f).replace(/\.ko$/, "");
    const where = ke.subject ? basename(ke.subject) : "";
    const other = where !== "" && stem(where) !== stem(subject) && !(ke.detail ?? "").includes(stem(where));
    const detail = ke.detail && other ? `${where}: ${ke.detail}` : ke.detail;
    kernel.printf(`kld: can't ${verb} ${subject}: ${strerror(ke.info.num)}\n`);
    if (detail) kernel.printf(`${detail}\n`);
    throw new KernelError(ke.info.name, subject, detail);
  };

  kernel.setLinkerFileLister(() => [...linker.files].sort((a, b) => a.id - b.id).map((f) => fileStat(linker, f)));

  kernel.register("kld.load", (p, c) =>
    withCtx(c, () => {
      const before = new Set(linker.files);
      try {
        const f = linker.load(p.file, p.cwd !== undefined ? { cwd: p.cwd } : {});
        const loaded = linker.files.filter((x) => !before.has(x)).map((x) => fileStat(linker, x));
        return { id: f.id, name: f.filename, pathname: f.pathname, loaded };
      } catch (e) {
        return report("load", p.file, e);
      }
    }),
  );

  kernel.register("kld.unload", (p, c) =>
    withCtx(c, () => {
      const subject = p.id !== undefined ? `id ${p.id}` : (p.file ?? "");
      const f = p.id !== undefined ? linker.findFileById(p.id) : linker.findFileByName(p.file ?? "");
      if (!f) {
        throw new KernelError("ENOENT", subject, p.id !== undefined ? `can't find file id ${p.id}` : `can't find file ${p.file}`);
      }
      const before = new Set(linker.files);
      try {
        linker.unload(f, p.force ?? false);
      } catch (e) {
        return report("unload", f.filename, e);
      }
      const unloaded = [...before].filter((x) => !linker.files.includes(x)).map((x) => ({ id: x.id, name: x.filename }));
      return { id: f.id, name: f.filename, unloaded };
    }),
  );

  kernel.register("kld.sym", (p) => {
    let file: LinkerFile | undefined;
    if (p.file !== undefined) {
      file = /^\d+$/.test(p.file) ? linker.findFileById(Number(p.file)) : linker.findFileByName(p.file);
      if (!file) throw new KernelError("ENOENT", p.file, `can't find file ${p.file}`);
    }
    return linker.lookupSymbol(p.symbol, file);
  });

  kernel.register("kld.config", (p) => {
    const previous = [...linker.modulePath];
    const current = linker.modulePath;
    const paths = (p.paths ?? []).map((x) => resolve(x));
    switch (p.action) {
      case "show":
        break;
      case "set":
        linker.setModulePath([...new Set(paths)]);
        break;
      case "add":
        linker.setModulePath([...current.filter((d) => !paths.includes(d)), ...new Set(paths)]);
        break;
      case "merge":
        linker.setModulePath([...current, ...[...new Set(paths)].filter((d) => !current.includes(d))]);
        break;
      case "remove": {
        const missing = paths.filter((d) => !current.includes(d));
        if (missing.length) throw new KernelError("ENOENT", missing[0], "not in the module path");
        linker.setModulePath(current.filter((d) => !paths.includes(d)));
        break;
      }
    }
    return { path: [...linker.modulePath], previous };
  });

  kernel.register("kld.vm", () => {
    const s = linker.kmem.stats();
    const ownerId = new Map(linker.files.map((f) => [f.address, f]));
    return {
      base: s.base,
      end: s.end,
      pageSize: s.pageSize,
      totalPages: s.totalPages,
      usedPages: s.usedPages,
      freePages: s.freePages,
      largestFreeRun: s.largestFreeRun,
      fragmentation: s.fragmentation,
      extents: linker.kmem.extents().map((e) => {
        const f = e.owner === null ? undefined : ownerId.get(e.start);
        return { start: e.start, pages: e.pages, owner: e.owner, ...(f ? { fileId: f.id, size: f.size } : {}) };
      }),
      tableSlots: core.tableSlotsInUse,
      tableSize: core.table.length,
    };
  });

  kernel.register("kld.malloc", () => ({
    types: mallocStats(core.memory).map((t) => ({ type: t.type, inUse: t.inUse, memUse: t.memUse, requests: t.requests })),
  }));

  kernel.onShutdown((howto) => {
    try {
      // kern_reboot: the shutdown event handlers, then the modules.
      try {
        const nameOf = (slot: number): string => linker.kernelFile.functionName(slot);
        for (const ev of SHUTDOWN_EVENTS) invokeEventHandlers(core, ev, howto === "reboot" ? 0 : RB_HALT, nameOf, (t) => kernel.printf(t));
      } catch (e) {
        if (isPanic(e)) throw e;
        kernel.printf(`shutdown: event handlers: ${describeError(e)}\n`);
      }
      linker.shutdown();
    } finally {
      flushPanicLine();
    }
  });
  return sys;
}
