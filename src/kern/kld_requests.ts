/**
 * The kld.* request handlers: kldload(2), kldunload(2), kldsym(2), the
 * kern.module_path sysctl (kldconfig), the kernel map and malloc statistics,
 * and the module-aware kldstat(2) file list.  Each is a thin mapping from
 * the protocol's params to a kernel call and from its answer to the
 * protocol's result; the state is the kernel's (the Linker, env.malloc).
 *
 * Every load or unload failure is reported twice, as FreeBSD's tools and
 * kernel do: the KernelError goes back to the CLI (`kld: can't load ./x.ko:
 * Exec format error` + detail), and the same two lines go to the message
 * buffer.
 *
 * Called by init_main.ts (startKernel).  FreeBSD: the syscall halves of
 * sys/kern/kern_linker.c (sys_kldload, sys_kldunloadf, sys_kldsym,
 * sys_kldstat) and the kern.module_path sysctl.
 */
import { basename, resolve } from "node:path";
import { strerror } from "../errno/errno.js";
import { KernelError } from "../errno/kernel_error.js";
import type { Kernel } from "./kernel.js";
import type { KernelCore } from "./kernel_core.js";
import type { Linker, LinkerFile } from "./linker/kern_linker.js";
import { KernelPanic } from "./services/kern_shutdown.js";
import type { KldConfigResult, KldVmResult, LinkerFileStat } from "../rpc/protocol.js";

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

/** kldconfig's edits of the module path (-r set, default add, -m merge, -d remove). */
export function editModulePath(current: readonly string[], action: "show" | "set" | "add" | "merge" | "remove", dirs: readonly string[]): string[] {
  const paths = [...new Set(dirs)];
  switch (action) {
    case "show":
      return [...current];
    case "set":
      return paths;
    case "add":
      return [...current.filter((d) => !paths.includes(d)), ...paths];
    case "merge":
      return [...current, ...paths.filter((d) => !current.includes(d))];
    case "remove": {
      const missing = paths.filter((d) => !current.includes(d));
      if (missing.length) throw new KernelError("ENOENT", missing[0], "not in the module path");
      return current.filter((d) => !paths.includes(d));
    }
  }
}

/**
 * A failed load or unload, in the message buffer and back to the CLI.  When
 * the file at fault is not the one asked for (a dependency this request
 * pulled in), the detail names it: `kdep_lib.ko: symbol x undefined`.
 */
function report(kernel: Kernel, verb: string, subject: string, e: unknown): never {
  if (e instanceof KernelPanic) throw e;
  const ke = e instanceof KernelError ? e : new KernelError("EIO", subject, String(e));
  const stem = (f: string): string => basename(f).replace(/\.ko$/, "");
  const where = ke.subject ? basename(ke.subject) : "";
  const other = where !== "" && stem(where) !== stem(subject) && !(ke.detail ?? "").includes(stem(where));
  const detail = ke.detail && other ? `${where}: ${ke.detail}` : ke.detail;
  kernel.printf(`kld: can't ${verb} ${subject}: ${strerror(ke.info.num)}\n`);
  if (detail) kernel.printf(`${detail}\n`);
  throw new KernelError(ke.info.name, subject, detail);
}

/** `kld vm`: the kernel map, its extents with their files, the function table. */
function vmStat(linker: Linker, core: KernelCore): KldVmResult {
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
}

/** Register the kld.* methods and the module-aware kernel.stat list. */
export function registerKldMethods(kernel: Kernel, { core, linker }: { readonly core: KernelCore; readonly linker: Linker }): void {
  kernel.setLinkerFileLister(() => [...linker.files].sort((a, b) => a.id - b.id).map((f) => fileStat(linker, f)));

  kernel.register("kld.load", (p) => {
    const before = new Set(linker.files);
    try {
      const f = linker.load(p.file, p.cwd !== undefined ? { cwd: p.cwd } : {});
      const loaded = linker.files.filter((x) => !before.has(x)).map((x) => fileStat(linker, x));
      return { id: f.id, name: f.filename, pathname: f.pathname, loaded };
    } catch (e) {
      return report(kernel, "load", p.file, e);
    }
  });

  kernel.register("kld.unload", (p) => {
    const subject = p.id !== undefined ? `id ${p.id}` : (p.file ?? "");
    const f = p.id !== undefined ? linker.findFileById(p.id) : linker.findFileByName(p.file ?? "");
    if (!f) {
      throw new KernelError("ENOENT", subject, p.id !== undefined ? `can't find file id ${p.id}` : `can't find file ${p.file}`);
    }
    const before = new Set(linker.files);
    try {
      linker.unload(f, p.force ?? false);
    } catch (e) {
      return report(kernel, "unload", f.filename, e);
    }
    const unloaded = [...before].filter((x) => !linker.files.includes(x)).map((x) => ({ id: x.id, name: x.filename }));
    return { id: f.id, name: f.filename, unloaded };
  });

  kernel.register("kld.sym", (p) => {
    let file: LinkerFile | undefined;
    if (p.file !== undefined) {
      file = /^\d+$/.test(p.file) ? linker.findFileById(Number(p.file)) : linker.findFileByName(p.file);
      if (!file) throw new KernelError("ENOENT", p.file, `can't find file ${p.file}`);
    }
    return linker.lookupSymbol(p.symbol, file);
  });

  kernel.register("kld.config", (p): KldConfigResult => {
    const previous = [...linker.modulePath];
    linker.setModulePath(editModulePath(previous, p.action, (p.paths ?? []).map((x) => resolve(x))));
    return { path: [...linker.modulePath], previous };
  });

  kernel.register("kld.vm", () => vmStat(linker, core));

  kernel.register("kld.malloc", () => ({
    types: core.env.malloc.stats().map((t) => ({ type: t.type, inUse: t.inUse, memUse: t.memUse, requests: t.requests })),
  }));
}
