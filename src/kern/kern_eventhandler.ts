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
 * State: one EventHandlers per kernel (env.eventhandlers, kernel_env.ts).
 * Callers: the kernel services list (src/kern/services/index.ts), the
 * linker (a file's leftover handlers go with it) and the kernel wiring
 * (the shutdown events).  FreeBSD: sys/kern/subr_eventhandler.c,
 * sys/sys/eventhandler.h.
 */
import { KernelPanic } from "./services/kern_shutdown.js";
import type { HostFunction, ServiceEnv } from "./services/host_function.js";
import type { PointerCaller } from "./kern_module.js";
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


/** One kernel's event handler lists. */
export class EventHandlers {
  private nextTag = 1;
  private readonly handlers: EventHandlerEntry[] = [];

  /** Handlers registered now, in registration order. */
  list(): readonly EventHandlerEntry[] {
    return this.handlers;
  }

  /** The tag the next registration gets (tags only grow). */
  get next(): number {
    return this.nextTag;
  }

  /** eventhandler_register: returns the tag. */
  register(name: string, func: number, arg: number, priority: number): number {
    const tag = this.nextTag++;
    this.handlers.push({ tag, name, func, arg, priority });
    return tag;
  }

  /** Remove handlers for which `owned` is true; returns them (the caller logs them). */
  drop(owned: (e: EventHandlerEntry) => boolean): EventHandlerEntry[] {
    const gone = this.handlers.filter(owned);
    for (const g of gone) this.handlers.splice(this.handlers.indexOf(g), 1);
    return gone;
  }

  /**
   * EVENTHANDLER_INVOKE(name, howto): each handler of `name` in ascending
   * priority.  A trap in one is reported through `report` and the rest run.
   */
  invoke(call: PointerCaller, name: string, howto: number, nameOf: (slot: number) => string, report: (text: string) => void): void {
    const list = this.handlers.filter((h) => h.name === name);
    list.sort((a, b) => a.priority - b.priority || a.tag - b.tag);
    for (const h of list) {
      try {
        call(h.func, `${name}:${nameOf(h.func)}`, h.arg, howto);
      } catch (e) {
        if (e instanceof KernelPanic) throw e;
        report(`eventhandler: ${name} handler ${nameOf(h.func)} trapped: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }
}

/** What the event handler services need of the kernel. */
export type EventHandlerEnv = ServiceEnv & { readonly eventhandlers: EventHandlers };

export const eventHandlerServices: readonly HostFunction<EventHandlerEnv>[] = [
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
      return env.eventhandlers.register(n, func >>> 0, arg >>> 0, priority | 0);
    },
  },
  {
    // void eventhandler_deregister(struct eventhandler_list *, eventhandler_tag tag)
    name: "eventhandler_deregister",
    params: ["i32", "i32"],
    results: [],
    impl: (env, _list, tag) => {
      env.eventhandlers.drop((h) => h.tag === tag);
    },
  },
];

/** kern_reboot's events: shutdown_pre_sync, shutdown_post_sync, shutdown_final, with howto. */
export function invokeShutdownEvents(
  handlers: EventHandlers,
  call: PointerCaller,
  how: "halt" | "reboot",
  nameOf: (slot: number) => string,
  report: (text: string) => void,
): void {
  for (const ev of SHUTDOWN_EVENTS) handlers.invoke(call, ev, how === "reboot" ? 0 : RB_HALT, nameOf, report);
}
