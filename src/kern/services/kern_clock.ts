/**
 * The kernel's clock: hz, tick, ticks, bootverbose, and DELAY().
 *
 * Corresponds to FreeBSD sys/kern/kern_clock.c (hz, tick, ticks), the
 * bootverbose of sys/kern/init_main.c and the i386 DELAY() of
 * sys/i386/isa/clock.c.
 *
 * `ticks` is a plain int in kernel memory that module code reads directly,
 * so it cannot be computed on read: the kernel calls clockTick(memory)
 * before each request (and whenever else it likes), which sets ticks to
 * uptime × hz.  Uptime comes from a source the kernel may replace (by
 * default the host's monotonic clock since the ticks variable was set up;
 * later the emulated machine's virtual clock).
 *
 * DELAY(usec) busy-waits in FreeBSD.  Here it calls the delay hook, which
 * the emulated machine sets to advance its virtual clock by usec; without
 * a hook DELAY returns at once.
 *
 * State is per kernel memory.  Callers: index.ts (services, data); the
 * kernel core (clockTick, setDelayHook, setUptimeSource, setBootverbose).
 */
import type { HostData, HostFunction } from "./host_function.js";
import { memBytes, writeI32 } from "./kernel_memory.js";

/** Clock interrupts per second (FreeBSD's default HZ). */
export const HZ = 1000;

export type DelayHook = (usec: number) => void;
export type UptimeSource = () => number;

interface ClockState {
  hz: number;
  hzAddr: number | undefined;
  tickAddr: number | undefined;
  ticksAddr: number | undefined;
  bootverboseAddr: number | undefined;
  delayHook: DelayHook | undefined;
  uptimeMs: UptimeSource;
}

const clocks = new WeakMap<WebAssembly.Memory, ClockState>();

function clockOf(memory: WebAssembly.Memory): ClockState {
  let c = clocks.get(memory);
  if (!c) {
    const boot = performance.now();
    c = {
      hz: HZ,
      hzAddr: undefined,
      tickAddr: undefined,
      ticksAddr: undefined,
      bootverboseAddr: undefined,
      delayHook: undefined,
      uptimeMs: () => performance.now() - boot,
    };
    clocks.set(memory, c);
  }
  return c;
}

/** Install (or with undefined remove) the function DELAY(usec) calls. */
export function setDelayHook(memory: WebAssembly.Memory, hook: DelayHook | undefined): void {
  clockOf(memory).delayHook = hook;
}

/** Replace the uptime source (milliseconds since boot). */
export function setUptimeSource(memory: WebAssembly.Memory, source: UptimeSource): void {
  clockOf(memory).uptimeMs = source;
}

/**
 * Bring `ticks` up to date: ticks = uptime × hz, wrapping like a 32-bit
 * int.  Returns the new value.  Does nothing (returns 0) before the kernel
 * has placed the ticks variable.
 */
export function clockTick(memory: WebAssembly.Memory): number {
  const c = clockOf(memory);
  if (c.ticksAddr === undefined) return 0;
  const t = Number(BigInt.asIntN(32, BigInt(Math.floor((c.uptimeMs() * c.hz) / 1000))));
  writeI32(memBytes(memory), c.ticksAddr, t, "ticks");
  return t;
}

/**
 * Set hz (options HZ=n, read at boot): `hz`, `tick` (microseconds per
 * tick) and the rate clockTick counts at.
 */
export function setHz(memory: WebAssembly.Memory, hz: number): void {
  const c = clockOf(memory);
  c.hz = hz;
  if (c.hzAddr !== undefined) writeI32(memBytes(memory), c.hzAddr, hz, "hz");
  if (c.tickAddr !== undefined) writeI32(memBytes(memory), c.tickAddr, Math.floor(1_000_000 / hz), "tick");
}

/** Set bootverbose (kld boot -v); nothing happens before it is placed. */
export function setBootverbose(memory: WebAssembly.Memory, value: boolean): void {
  const addr = clockOf(memory).bootverboseAddr;
  if (addr !== undefined) writeI32(memBytes(memory), addr, value ? 1 : 0, "bootverbose");
}

function intData(name: string, value: number, remember?: (c: ClockState, addr: number) => void): HostData {
  return {
    name,
    size: 4,
    align: 4,
    init(env, addr) {
      writeI32(memBytes(env.memory), addr, value, name);
      remember?.(clockOf(env.memory), addr);
    },
  };
}

export const clockData: readonly HostData[] = [
  intData("hz", HZ, (c, addr) => {
    c.hzAddr = addr;
  }),
  intData("tick", Math.floor(1_000_000 / HZ), (c, addr) => {
    c.tickAddr = addr;
  }),
  intData("ticks", 0, (c, addr) => {
    c.ticksAddr = addr;
  }),
  intData("bootverbose", 0, (c, addr) => {
    c.bootverboseAddr = addr;
  }),
];

export const clockServices: readonly HostFunction[] = [
  {
    // void DELAY(int usec)
    name: "DELAY",
    params: ["i32"],
    results: [],
    impl: (env, usec) => {
      const hook = clockOf(env.memory).delayHook;
      if (hook && usec > 0) hook(usec);
    },
  },
];
