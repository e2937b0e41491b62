/**
 * The machine's virtual clock: nanoseconds of emulated time and an event queue.
 *
 * Virtual time advances in three ways: by ISA_ACCESS_NS for every bus cycle
 * (the port space in src/isa/ports.ts calls tick() on each access), by exactly
 * what DELAY() asks (Machine.delay), and, while the machine idles, with wall
 * time (followWallTime()).  Devices schedule events on it (the 8254's IRQ0
 * edges, UART character times, game-port one-shots, RTC updates) and the
 * events run synchronously when time passes their deadline, in deadline
 * order, ties in scheduling order.  Because time moves with I/O, every driver
 * spin loop on a port read terminates deterministically.
 *
 * Corresponds to the role of Bochs' bx_pc_system timers and QEMU's
 * QEMU_CLOCK_VIRTUAL; the per-access charge is the ~1 µs that an ISA I/O
 * instruction cost on a 1997 PC (FreeBSD i386/isa/clock.c notes ~1.5 µs).
 *
 * tick() is the hot path: one add and one compare, no allocation.
 */
import type { Clock } from "./device.js";

/** Virtual nanoseconds charged per ISA bus cycle. */
export const ISA_ACCESS_NS = 1000;

interface ClockEvent {
  readonly at: number;
  readonly seq: number;
  readonly handle: number;
  readonly fn: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  /** Current virtual time in ns.  Public for the hot path; only this class writes it. */
  nowNs = 0;
  /** Deadline of the earliest pending event, Infinity when none.  Read by the port fast path. */
  nextDue = Infinity;
  private readonly heap: ClockEvent[] = [];
  private readonly byHandle = new Map<number, ClockEvent>();
  private nextHandle = 1;
  private seq = 0;
  private running = false;
  private wallTimer: ReturnType<typeof setInterval> | undefined;

  now(): number {
    return this.nowNs;
  }

  /** Advance by `ns` (one bus cycle and the like).  Runs due events. */
  tick(ns: number): void {
    const t = this.nowNs + ns;
    this.nowNs = t;
    if (t >= this.nextDue) this.runDue();
  }

  /**
   * Advance to `atNs` (no-op if already past), running every event due on
   * the way at its own deadline, so an event sees now() == its deadline.
   */
  advanceTo(atNs: number): void {
    if (!(atNs > this.nowNs)) return;
    while (this.nextDue <= atNs && !this.running) {
      this.nowNs = Math.max(this.nowNs, this.nextDue);
      this.runDue();
    }
    if (atNs > this.nowNs) this.nowNs = atNs;
  }

  /** Advance by `ns` through advanceTo (events fire at their deadlines). */
  advance(ns: number): void {
    this.advanceTo(this.nowNs + ns);
  }

  schedule(atNs: number, fn: () => void): number {
    const handle = this.nextHandle++;
    const ev: ClockEvent = { at: atNs, seq: this.seq++, handle, fn, cancelled: false };
    this.byHandle.set(handle, ev);
    this.push(ev);
    if (atNs < this.nextDue) this.nextDue = atNs;
    return handle;
  }

  cancel(handle: number): void {
    const ev = this.byHandle.get(handle);
    if (ev) {
      ev.cancelled = true;
      this.byHandle.delete(handle);
    }
  }

  /** Number of pending (not cancelled) events. */
  pending(): number {
    return this.byHandle.size;
  }

  /**
   * Let virtual time follow wall time while the host is idle: every `periodMs`
   * the clock advances by the wall time elapsed since the previous step
   * (capped at two periods, so time spent busy in I/O is not counted twice).
   * The timer does not keep Node alive.
   */
  followWallTime(periodMs = 10): void {
    if (this.wallTimer) return;
    let last = performance.now();
    this.wallTimer = setInterval(() => {
      const now = performance.now();
      const elapsed = Math.min(now - last, 2 * periodMs);
      last = now;
      this.advance(Math.round(elapsed * 1e6));
    }, periodMs);
    this.wallTimer.unref();
  }

  stopFollowingWallTime(): void {
    if (this.wallTimer) clearInterval(this.wallTimer);
    this.wallTimer = undefined;
  }

  /** Run every event whose deadline is <= now, in order.  Re-entrant calls are ignored. */
  runDue(): void {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const top = this.heap[0];
        if (!top || top.at > this.nowNs) break;
        this.pop();
        if (top.cancelled) continue;
        this.byHandle.delete(top.handle);
        top.fn();
      }
    } finally {
      this.running = false;
      this.skipCancelled();
      this.nextDue = this.heap[0]?.at ?? Infinity;
    }
  }

  private skipCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop();
  }

  private push(ev: ClockEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (before(parent, ev)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (before(last, h[c]!)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

function before(a: ClockEvent, b: ClockEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
