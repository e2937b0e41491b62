/**
 * The kernel's clock: hz, tick, ticks, bootverbose, and DELAY().
 *
 * Corresponds to FreeBSD sys/kern/kern_clock.c (hz, tick, ticks), the
 * bootverbose of sys/kern/init_main.c and the i386 DELAY() of
 * sys/i386/isa/clock.c.
 *
 * `ticks` is a plain int in kernel memory that module code reads directly,
 * so it cannot be computed on read: the kernel calls env.clock.tick()
 * before each request (and whenever else it likes), which sets ticks to
 * uptime × hz.  Uptime comes from a source the kernel may replace (by
 * default the host's monotonic clock since the ticks variable was set up;
 * later the emulated machine's virtual clock).
 *
 * DELAY(usec) busy-waits in FreeBSD.  Here it calls the delay hook, which
 * the emulated machine sets to advance its virtual clock by usec; without
 * a hook DELAY returns at once.
 *
 * State: one KernelClock per kernel (env.clock, kernel_env.ts).
 * Callers: index.ts (services, data); init_main.ts (setHz, setBootverbose,
 * the machine's delay hook, tick before each request).
 */
import type { HostData, HostFunction, ServiceEnv } from "./host_function.js";
import { memBytes, writeI32 } from "./kernel_memory.js";

/** Clock interrupts per second (FreeBSD's default HZ). */
export const HZ = 1000;

export type DelayHook = (usec: number) => void;
export type UptimeSource = () => number;

/** The kernel variables the clock keeps up to date, where they were placed. */
type ClockVariable = "hz" | "tick" | "ticks" | "bootverbose";

/** One kernel's clock: hz, the placed variables, DELAY's hook, the uptime source. */
export class KernelClock {
  private rate = HZ;
  private readonly placed = new Map<ClockVariable, number>();
  private delayHook: DelayHook | undefined;
  private uptimeMs: UptimeSource;

  constructor(private readonly memory: WebAssembly.Memory) {
    const boot = performance.now();
    this.uptimeMs = () => performance.now() - boot;
  }

  get hz(): number {
    return this.rate;
  }

  /** Record where a clock variable lives (its HostData init) and write its value. */
  place(name: ClockVariable, addr: number, value: number): void {
    this.placed.set(name, addr);
    this.write(name, value);
  }

  /** Install (or with undefined remove) the function DELAY(usec) calls. */
  setDelayHook(hook: DelayHook | undefined): void {
    this.delayHook = hook;
  }

  /** DELAY(usec): the hook, if any, for a positive count. */
  delay(usec: number): void {
    if (this.delayHook && usec > 0) this.delayHook(usec);
  }

  /** Replace the uptime source (milliseconds since boot). */
  setUptimeSource(source: UptimeSource): void {
    this.uptimeMs = source;
  }

  /**
   * Bring `ticks` up to date: ticks = uptime × hz, wrapping like a 32-bit
   * int.  Returns the new value.  Does nothing (returns 0) before the kernel
   * has placed the ticks variable.
   */
  tick(): number {
    if (!this.placed.has("ticks")) return 0;
    const t = Number(BigInt.asIntN(32, BigInt(Math.floor((this.uptimeMs() * this.rate) / 1000))));
    this.write("ticks", t);
    return t;
  }

  /**
   * Set hz (options HZ=n, read at boot): `hz`, `tick` (microseconds per
   * tick) and the rate tick() counts at.
   */
  setHz(hz: number): void {
    this.rate = hz;
    this.write("hz", hz);
    this.write("tick", Math.floor(1_000_000 / hz));
  }

  /** Set bootverbose (kld boot -v); nothing happens before it is placed. */
  setBootverbose(value: boolean): void {
    this.write("bootverbose", value ? 1 : 0);
  }

  private write(name: ClockVariable, value: number): void {
    const addr = this.placed.get(name);
    if (addr !== undefined) writeI32(memBytes(this.memory), addr, value, name);
  }
}

/** What the clock services need of the kernel. */
export type ClockEnv = ServiceEnv & { readonly clock: KernelClock };

function intData(name: ClockVariable, value: number): HostData<ClockEnv> {
  return { name, size: 4, align: 4, init: (env, addr) => env.clock.place(name, addr, value) };
}

export const clockData: readonly HostData<ClockEnv>[] = [
  intData("hz", HZ),
  intData("tick", Math.floor(1_000_000 / HZ)),
  intData("ticks", 0),
  intData("bootverbose", 0),
];

export const clockServices: readonly HostFunction<ClockEnv>[] = [
  // void DELAY(int usec)
  { name: "DELAY", params: ["i32"], results: [], impl: (env, usec) => env.clock.delay(usec) },
];
