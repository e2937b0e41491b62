/**
 * The state one kernel's services share, as one object the kernel owns:
 * memory and consoles, plus each subsystem's state (env.ports, env.clock,
 * env.malloc, env.eventhandlers, env.modules).  Two kernels in one process share none of
 * it, and a test builds a kernel's env with createKernelEnv alone, without
 * global set-up.
 *
 * Created by the kernel core's owner (init_main.ts bootLinker) and
 * handed to every service call (kernel_core.ts).  A service file declares
 * only the part it needs (MallocEnv, ClockEnv, ...), so none of them
 * imports this one.  FreeBSD has no counterpart: its subsystems' state is
 * global variables of the one kernel.
 */
import { EventHandlers } from "./kern_eventhandler.js";
import { ModuleRegistry, type PointerCaller } from "./kern_module.js";
import { PortSpace } from "./kern_portio.js";
import type { ServiceEnv } from "./services/host_function.js";
import { KernelClock } from "./services/kern_clock.js";
import { KernelMalloc } from "./services/kern_malloc.js";

export interface KernelEnv extends ServiceEnv {
  /** I/O ports: the emulated machine's, or an empty bus (kern_portio.ts). */
  readonly ports: PortSpace;
  /** hz, ticks, bootverbose, DELAY (services/kern_clock.ts). */
  readonly clock: KernelClock;
  /** The malloc(9) arena and types (services/kern_malloc.ts). */
  readonly malloc: KernelMalloc;
  /** EVENTHANDLER(9) lists (kern_eventhandler.ts). */
  readonly eventhandlers: EventHandlers;
  /** The modules of every linker file (kern_module.ts). */
  readonly modules: ModuleRegistry;
}

const NO_TABLE: PointerCaller = (slot, what) => {
  throw new WebAssembly.RuntimeError(`function pointer ${slot} called in ${what}: this kernel has no function table`);
};

/**
 * A fresh env for the kernel whose memory is `memory`; `callPointer` calls
 * through its function table (KernelCore.callPointer; a service test
 * without one gets a trap).
 */
export function createKernelEnv(
  memory: WebAssembly.Memory,
  console: (text: string) => void,
  userTerminal: (text: string) => void = console,
  callPointer: PointerCaller = NO_TABLE,
): KernelEnv {
  return {
    memory,
    console,
    userTerminal,
    ports: new PortSpace(),
    clock: new KernelClock(memory),
    malloc: new KernelMalloc(memory),
    eventhandlers: new EventHandlers(),
    modules: new ModuleRegistry(memory, callPointer, console),
  };
}
