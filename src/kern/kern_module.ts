/**
 * Modules: the named units inside linker files, with their event handlers.
 *
 * A linker file (kern_linker.ts) is a container; a module is what
 * DECLARE_MODULE declares in it: a name, a `moduledata_t { name; evhand;
 * priv; }` in kernel memory, a global id (never reused), and the file that
 * holds it.  Events are MOD_LOAD, MOD_UNLOAD, MOD_SHUTDOWN and MOD_QUIESCE
 * (sys/module.h values 0..3); the C handler is called through the kernel
 * function table.  A NULL handler behaves as FreeBSD's modevent_nop: 0 for
 * MOD_LOAD, EBUSY for MOD_UNLOAD, EOPNOTSUPP otherwise.
 *
 * MOD_LOAD itself happens from a SYSINIT: DECLARE_MODULE registers
 * `module_register_init(&moduledata)` at (sub, order); that kernel function
 * is a host service (moduleServices below, with module_getid,
 * module_getname and module_setspecific) calling registerInit.
 *
 * State: one ModuleRegistry per kernel (env.modules, kernel_env.ts).
 * Called by kern_linker.ts (register on load, quiesce/unload/release on
 * unload, shutdown) and by module code through the module services.
 * FreeBSD: sys/kern/kern_module.c.
 */
import { errno } from "../errno/errno.js";
import { KernelError } from "../errno/kernel_error.js";
import type { HostFunction, ServiceEnv } from "./services/host_function.js";
import { cStringOrEmpty } from "./services/kernel_memory.js";

/** Calls a C function pointer (KernelCore.callPointer). */
export type PointerCaller = (slot: number, what: string, ...args: number[]) => number;

// The event numbers are C constants: spelled once, in sys_constants.ts.
import { MOD_LOAD, MOD_QUIESCE, MOD_SHUTDOWN, MOD_UNLOAD } from "../sys/sys_constants.js";
export { MOD_LOAD, MOD_QUIESCE, MOD_SHUTDOWN, MOD_UNLOAD };

const EVENT_NAME = ["MOD_LOAD", "MOD_UNLOAD", "MOD_SHUTDOWN", "MOD_QUIESCE"] as const;

/** The owning linker file as kern_module sees it. */
export interface ModuleContainer {
  readonly id: number;
  readonly filename: string;
  /** Name of the C function behind a table slot, for messages. */
  functionName(slot: number): string;
}

export interface Module {
  readonly id: number;
  readonly name: string;
  readonly file: ModuleContainer;
  /** Address of the moduledata_t. */
  readonly data: number;
  /** Table index of the event handler (0 = modevent_nop). */
  readonly handler: number;
  /** moduledata_t.priv, passed as the handler's third argument. */
  readonly arg: number;
  /** modspecific_t set by module_setspecific (SYSCALL_MODULE's slot). */
  specific: number;
}

export class ModuleRegistry {
  private readonly modules: Module[] = [];
  private readonly byName = new Map<string, Module>();
  private readonly byData = new Map<number, Module>();
  private readonly byFile = new Map<number, Module[]>();
  /** Modules whose MOD_LOAD (module_register_init) returned 0. */
  private readonly loaded = new Set<Module>();
  private nextId = 1;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly callPointer: PointerCaller,
    private readonly printf: (text: string) => void,
  ) {}

  private readU32(addr: number): number {
    return new DataView(this.memory.buffer).getUint32(addr, true);
  }

  private readName(data: number): string {
    return cStringOrEmpty(new Uint8Array(this.memory.buffer), this.readU32(data), 256);
  }

  /**
   * Register the module whose moduledata_t is at `data` (MDT_MODULE record).
   * @throws KernelError EEXIST when a module of that name is loaded.
   */
  register(data: number, file: ModuleContainer): Module {
    const name = this.readName(data);
    const existing = this.lookupByName(name);
    if (existing) {
      this.printf(
        `module_register: cannot register ${name} from ${file.filename}; already loaded from ${existing.file.filename}\n`,
      );
      throw new KernelError("EEXIST", file.filename, `module ${name} already loaded from ${existing.file.filename}`);
    }
    const mod: Module = {
      id: this.nextId++,
      name,
      file,
      data,
      handler: this.readU32(data + 4),
      arg: this.readU32(data + 8),
      specific: 0,
    };
    this.modules.push(mod);
    this.byName.set(mod.name, mod);
    this.byData.set(mod.data, mod);
    const l = this.byFile.get(file.id);
    if (l) l.push(mod);
    else this.byFile.set(file.id, [mod]);
    return mod;
  }

  /** Drop a module from the list (module_release). */
  release(mod: Module): void {
    this.loaded.delete(mod);
    const i = this.modules.indexOf(mod);
    if (i >= 0) this.modules.splice(i, 1);
    if (this.byName.get(mod.name) === mod) this.byName.delete(mod.name);
    if (this.byData.get(mod.data) === mod) this.byData.delete(mod.data);
    const l = (this.byFile.get(mod.file.id) ?? []).filter((m) => m !== mod);
    if (l.length) this.byFile.set(mod.file.id, l);
    else this.byFile.delete(mod.file.id);
  }

  /** Whether the module's MOD_LOAD ran and succeeded (so it is owed a MOD_UNLOAD). */
  isLoaded(mod: Module): boolean {
    return this.loaded.has(mod);
  }

  lookupByName(name: string): Module | undefined {
    return this.byName.get(name);
  }

  lookupById(id: number): Module | undefined {
    return this.modules.find((m) => m.id === id);
  }

  /** Modules of one file, in registration order. */
  ofFile(fileId: number): Module[] {
    return [...(this.byFile.get(fileId) ?? [])];
  }

  all(): readonly Module[] {
    return this.modules;
  }

  /**
   * Send an event to a module's handler (MOD_EVENT).  A trap in the handler
   * propagates (the caller unwinds); the return value is the handler's errno.
   */
  event(mod: Module, what: number): number {
    if (mod.handler === 0) {
      if (what === MOD_LOAD) return 0;
      if (what === MOD_UNLOAD) return errno("EBUSY").num;
      return errno("EOPNOTSUPP").num;
    }
    const fn = `${mod.file.filename}:${mod.file.functionName(mod.handler)}(${EVENT_NAME[what] ?? what})`;
    // XXX: module_t is a struct module * in FreeBSD; our modules live in the
    // kernel's JS heap, so the handler gets the module id as an opaque handle.
    return this.callPointer(mod.handler, fn, mod.id, what, mod.arg) | 0;
  }

  /** MOD_QUIESCE; EOPNOTSUPP and EINVAL mean "no objection" (module_quiesce). */
  quiesce(mod: Module): number {
    const e = this.event(mod, MOD_QUIESCE);
    return e === errno("EOPNOTSUPP").num || e === errno("EINVAL").num ? 0 : e;
  }

  /**
   * module_register_init(const void *data): the SYSINIT that DECLARE_MODULE
   * plants.  Sends MOD_LOAD; on an error return sends MOD_UNLOAD, releases
   * the module and reports it, as FreeBSD does.
   */
  registerInit(data: number): void {
    const mod = this.byData.get(data);
    if (!mod) {
      // FreeBSD panics here; for us it means moduledata reached
      // module_register_init without an MDT_MODULE record.
      const name = this.readName(data);
      this.printf(`module_register_init: module named ${name} not found\n`);
      return;
    }
    const error = this.event(mod, MOD_LOAD);
    if (error === 0) this.loaded.add(mod);
    else {
      this.event(mod, MOD_UNLOAD);
      this.release(mod);
      this.printf(
        `module_register_init: MOD_LOAD (${mod.name}, 0x${mod.handler.toString(16)}, 0x${mod.arg.toString(16)}) error ${error}\n`,
      );
      this.lastLoadError = { module: mod.name, error };
    }
  }

  private lastLoadError: { readonly module: string; readonly error: number } | null = null;

  /** The last MOD_LOAD failure since the previous call (for the loader's message). */
  takeLoadError(): { readonly module: string; readonly error: number } | null {
    const e = this.lastLoadError;
    this.lastLoadError = null;
    return e;
  }
}

/** What the module services need of the kernel. */
export type ModuleEnv = ServiceEnv & { readonly modules: ModuleRegistry };

/** sys/module.h's kernel functions; module_t is the module id in kldsim. */
export const moduleServices: readonly HostFunction<ModuleEnv>[] = [
  {
    name: "module_register_init",
    params: ["i32"],
    results: [],
    impl: (env, data) => env.modules.registerInit(Number(data) >>> 0),
  },
  {
    name: "module_getid",
    params: ["i32"],
    results: ["i32"],
    impl: (env, mod) => (env.modules.lookupById(Number(mod)) ? Number(mod) : -1),
  },
  {
    // The name lives in the module's own moduledata_t: return that pointer.
    name: "module_getname",
    params: ["i32"],
    results: ["i32"],
    impl: (env, mod) => {
      const m = env.modules.lookupById(Number(mod));
      return m ? new DataView(env.memory.buffer).getUint32(m.data, true) : 0;
    },
  },
  {
    name: "module_setspecific",
    params: ["i32", "i32"],
    results: [],
    impl: (env, mod, datap) => {
      const m = env.modules.lookupById(Number(mod));
      if (m) m.specific = new DataView(env.memory.buffer).getInt32(Number(datap) >>> 0, true);
    },
  },
];
