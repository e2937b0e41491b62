/**
 * EVENTHANDLER(9): named lists of callbacks that modules register, of which
 * kldsim's kernel invokes the three shutdown events at `kld shutdown` /
 * `kld reboot` / Ctrl-C: shutdown_pre_sync, shutdown_post_sync and
 * shutdown_final, each handler called as `void (*)(void *arg, int howto)`
 * through the kernel function table (KernelCore.callPointer), in ascending
 * priority, registration order among equals.
 *
 * Services (sys/eventhandler.h): eventhandler_register(list, name, func,
 * arg, priority) -> tag (a small nonzero integer; `list` is always NULL
 * here: lists are found by name), eventhandler_deregister(list, tag).  A
 * file that is unloaded while its handlers are registered has them removed
 * (and logged), since its code is about to disappear.  Other event names
 * are accepted and kept, but nothing invokes them yet.
 *
 * State is per kernel memory, like the clock's.  Callers: the kernel
 * services list (src/kern/services/index.ts) and kern_boot.ts (invoke,
 * unload cleanup).  FreeBSD: sys/kern/subr_eventhandler.c, sys/sys/eventhandler.h.
 */
import { KernelPanic } from "./services/kern_shutdown.js";
import type { HostFunction } from "./services/host_function.js";
import type { KernelCore } from "./kernel_core.js";
import { cStringOrEmpty, memBytes } from "./services/kernel_memory.js";

/** RB_* bits of howto (sys/reboot.h). */
export const RB_HALT = 0x008;
export const RB_POWEROFF = 0x4000;

export const SHUTDOWN_EVENTS = ["shutdown_pre_sync", "shutdown_post_sync", "shutdown_final"] as const;

export interface EventHandlerEntry {
  readonly tag: number;
  readonly name: string;
  readonly func: number;
  readonly arg: number;
  readonly priority: number;
}

interface EventState {
  nextTag: number;
  readonly handlers: EventHandlerEntry[];
}

const states = new WeakMap<WebAssembly.Memory, EventState>();

function stateOf(memory: WebAssembly.Memory): EventState {
  let s = states.get(memory);
  if (!s) {
    s = { nextTag: 1, handlers: [] };
    states.set(memory, s);
  }
  return s;
}


/** Handlers registered now, in registration order. */
export function eventHandlers(memory: WebAssembly.Memory): readonly EventHandlerEntry[] {
  return stateOf(memory).handlers;
}

/** Remove handlers for which `owned` is true; returns them (kern_boot logs them). */
export function dropEventHandlers(memory: WebAssembly.Memory, owned: (e: EventHandlerEntry) => boolean): EventHandlerEntry[] {
  const s = stateOf(memory);
  const gone = s.handlers.filter(owned);
  for (const g of gone) s.handlers.splice(s.handlers.indexOf(g), 1);
  return gone;
}

/**
 * EVENTHANDLER_INVOKE(name, howto): each handler of `name` in ascending
 * priority.  A trap in one is reported through `report` and the rest run.
 */
export function invokeEventHandlers(
  core: KernelCore,
  name: string,
  howto: number,
  nameOf: (slot: number) => string,
  report: (text: string) => void,
): void {
  const list = stateOf(core.memory).handlers.filter((h) => h.name === name);
  list.sort((a, b) => a.priority - b.priority || a.tag - b.tag);
  for (const h of list) {
    try {
      core.callPointer(h.func, `${name}:${nameOf(h.func)}`, h.arg, howto);
    } catch (e) {
      if (e instanceof KernelPanic) throw e;
      report(`eventhandler: ${name} handler ${nameOf(h.func)} trapped: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

export const eventHandlerServices: readonly HostFunction[] = [
  {
    // eventhandler_tag eventhandler_register(struct eventhandler_list *, const char *name, void *func, void *arg, int priority)
    name: "eventhandler_register",
    params: ["i32", "i32", "i32", "i32", "i32"],
    results: ["i32"],
    impl: (env, _list, name, func, arg, priority) => {
      const n = cStringOrEmpty(memBytes(env.memory), name >>> 0, 64);
      if (n === "" || func === 0) {
        env.console(`eventhandler_register: ${n === "" ? "no event name" : `NULL handler for ${n}`}: not registered\n`);
        return 0;
      }
      const s = stateOf(env.memory);
      const tag = s.nextTag++;
      s.handlers.push({ tag, name: n, func: func >>> 0, arg: arg >>> 0, priority: priority | 0 });
      return tag;
    },
  },
  {
    // void eventhandler_deregister(struct eventhandler_list *, eventhandler_tag tag)
    name: "eventhandler_deregister",
    params: ["i32", "i32"],
    results: [],
    impl: (env, _list, tag) => {
      dropEventHandlers(env.memory, (h) => h.tag === tag);
    },
  },
];
