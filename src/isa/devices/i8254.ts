/**
 * The Intel 8254 programmable interval timer (0x40–0x43) and AT port B (0x61).
 *
 * Three 16-bit down counters clocked at 1 193 182 Hz of virtual time.  Counts
 * are not stepped: each channel remembers when its count was loaded and
 * computes the current count and OUT from the elapsed virtual time, so a
 * latched read in a DELAY() loop sees the counter move by exactly the ISA
 * cycles and delays that passed.  Channel 0's OUT drives IRQ0 through events
 * on the virtual clock (one rising edge per period in modes 2 and 3, one at
 * terminal count in mode 0); channel 2's GATE is port 0x61 bit 0 and its OUT
 * reads back on 0x61 bit 5 (the speaker).  Modes 0, 2 and 3 follow the
 * datasheet; 1 and 5 start on a GATE rising edge and then count like 0; 4
 * counts like 0 with a one-clock pulse at terminal count.  Latch and
 * read-back commands, LSB/MSB/word access with their flip-flops, and BCD are
 * modelled.  The machine starts as the BIOS leaves it: channel 0 in mode 3
 * with count 0 (65536, 18.2 Hz), channel 1 in mode 2 with count 18 (refresh).
 *
 * Registered as the platform device "i8254"; created by src/isa/machine.ts.
 * Driver side: FreeBSD sys/x86/isa/clock.c (getit, DELAY, i8254_init,
 * sysbeep).  Datasheet: Intel 8254 (231164).
 */
import type { Clock, DeviceContext, IrqLine, IsaDevice, RegisterSnapshot } from "../device.js";
import { registerCardType } from "./registry.js";

/** Input clock of the PIT in Hz. */
export const PIT_HZ = 1193182;
const NS_PER_TICK = 1e9 / PIT_HZ;
/** Port B refresh-request toggle period (ns), ~15 µs. */
const REFRESH_NS = 15085;

function toBcd(n: number): number {
  return (n % 10) | (Math.floor(n / 10) % 10) << 4 | (Math.floor(n / 100) % 10) << 8 | (Math.floor(n / 1000) % 10) << 12;
}
function fromBcd(n: number): number {
  return (n & 15) + ((n >> 4) & 15) * 10 + ((n >> 8) & 15) * 100 + ((n >> 12) & 15) * 1000;
}

class PitChannel {
  mode = 0;
  /** 1 = LSB only, 2 = MSB only, 3 = LSB then MSB. */
  access = 3;
  bcd = false;
  /** The count as written (raw register value, BCD-encoded if bcd). */
  reload = 0;
  loaded = false;
  nullCount = true;
  startNs = 0;
  gate = true;
  /** Modes 1 and 5: waiting for a GATE rising edge. */
  armed = false;
  /** Elapsed ticks frozen while GATE is low (modes 0, 4). */
  frozenTicks = -1;
  /** Initial OUT after a control word, until a count runs. */
  idleOut = true;
  writeHi = false;
  lowByte = 0;
  readHi = false;
  latched: number | undefined;
  /** Bytes of the latched count still to be read. */
  latchLeft = 0;
  status: number | undefined;
  event = 0;

  constructor(
    readonly index: number,
    private readonly clock: Clock,
    private readonly line: IrqLine | undefined,
  ) {}

  /** N as a number of clocks (0 means 65536, or 10000 in BCD). */
  period(): number {
    const n = this.bcd ? fromBcd(this.reload) : this.reload;
    return n === 0 ? (this.bcd ? 10000 : 65536) : n;
  }

  private modulus(): number {
    return this.bcd ? 10000 : 65536;
  }

  counting(): boolean {
    return this.loaded && !this.armed;
  }

  ticks(): number {
    if (this.frozenTicks >= 0) return this.frozenTicks;
    return Math.floor((this.clock.now() - this.startNs) / NS_PER_TICK);
  }

  /** Current count as a plain number. */
  count(): number {
    if (!this.counting()) return this.bcd ? fromBcd(this.reload) : this.reload;
    const n = this.period();
    const t = this.ticks();
    const m = this.modulus();
    switch (this.mode) {
      case 2:
        if (!this.gate) return n % m;
        return (n - (t % n)) % m;
      case 3: {
        if (!this.gate) return n % m;
        const even = n & ~1 || 2;
        const phase = t % n;
        const firstHalf = Math.ceil(n / 2);
        const c = phase < firstHalf ? even - 2 * phase : even - 2 * (phase - firstHalf);
        return ((c % m) + m) % m;
      }
      default:
        return ((((n - t) % m) + m) % m);
    }
  }

  out(): boolean {
    if (!this.counting()) return this.idleOut;
    const n = this.period();
    const t = this.ticks();
    switch (this.mode) {
      case 0:
      case 1:
        return t >= n;
      case 2:
        return !this.gate || t % n !== n - 1;
      case 3:
        return !this.gate || t % n < Math.ceil(n / 2);
      default:
        return t !== n;
    }
  }

  /** Count value in the register's encoding. */
  private encoded(): number {
    const c = this.count();
    return this.bcd ? toBcd(c) : c & 0xffff;
  }

  latchCount(): void {
    if (this.latched !== undefined) return;
    this.latched = this.encoded();
    this.latchLeft = this.access === 3 ? 2 : 1;
    this.readHi = false;
  }

  latchStatus(): void {
    if (this.status !== undefined) return;
    this.status =
      (this.out() ? 0x80 : 0) | (this.nullCount ? 0x40 : 0) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  read(): number {
    if (this.status !== undefined) {
      const s = this.status;
      this.status = undefined;
      return s;
    }
    const v = this.latched ?? this.encoded();
    let byte: number;
    if (this.access === 1) byte = v & 0xff;
    else if (this.access === 2) byte = (v >> 8) & 0xff;
    else {
      byte = this.readHi ? (v >> 8) & 0xff : v & 0xff;
      this.readHi = !this.readHi;
    }
    if (this.latched !== undefined && --this.latchLeft <= 0) this.latched = undefined;
    return byte;
  }

  control(v: number): void {
    const access = (v >> 4) & 3;
    if (access === 0) {
      this.latchCount();
      return;
    }
    let mode = (v >> 1) & 7;
    if (mode >= 6) mode -= 4;
    this.mode = mode;
    this.access = access;
    this.bcd = (v & 1) !== 0;
    this.writeHi = false;
    this.readHi = false;
    this.latched = undefined;
    this.status = undefined;
    this.loaded = false;
    this.armed = false;
    this.frozenTicks = -1;
    this.nullCount = true;
    this.idleOut = mode !== 0;
    this.reschedule();
  }

  writeCount(v: number): void {
    if (this.access === 1) this.reload = v;
    else if (this.access === 2) this.reload = v << 8;
    else if (!this.writeHi) {
      this.lowByte = v;
      this.writeHi = true;
      if (this.mode === 0) {
        // Writing the first byte in mode 0 stops the count and drops OUT.
        this.loaded = false;
        this.idleOut = false;
        this.reschedule();
      }
      return;
    } else {
      this.reload = this.lowByte | (v << 8);
      this.writeHi = false;
    }
    this.load();
  }

  private load(): void {
    this.loaded = true;
    this.nullCount = false;
    this.frozenTicks = -1;
    this.startNs = this.clock.now();
    this.armed = this.mode === 1 || this.mode === 5;
    if (this.armed) this.idleOut = true;
    if (!this.gate && (this.mode === 0 || this.mode === 4)) this.frozenTicks = 0;
    this.reschedule();
  }

  setGate(high: boolean): void {
    if (high === this.gate) return;
    this.gate = high;
    if (!this.loaded) return;
    if (high) {
      if (this.mode === 0 || this.mode === 4) {
        const frozen = this.frozenTicks < 0 ? 0 : this.frozenTicks;
        this.frozenTicks = -1;
        this.startNs = this.clock.now() - frozen * NS_PER_TICK;
      } else {
        // Modes 1/5 trigger, modes 2/3 restart from N on a rising GATE.
        this.armed = false;
        this.startNs = this.clock.now();
      }
    } else if (this.mode === 0 || this.mode === 4) {
      this.frozenTicks = this.ticks();
    }
    this.reschedule();
  }

  /** Keep the IRQ line (channel 0 only) equal to OUT, with an event at the next OUT change. */
  reschedule(): void {
    if (!this.line) return;
    if (this.event) this.clock.cancel(this.event);
    this.event = 0;
    this.line.set(this.out());
    if (!this.counting() || this.frozenTicks >= 0 || !this.gate) return;
    const n = this.period();
    const t = this.ticks();
    let next: number;
    switch (this.mode) {
      case 0:
      case 1:
        if (t >= n) return;
        next = n;
        break;
      case 2:
        // Pulse low for the last clock of each period, rising at the period boundary.
        next = (Math.floor(t / n) + 1) * n;
        break;
      case 3: {
        const half = Math.ceil(n / 2);
        const base = Math.floor(t / n) * n;
        next = t - base < half ? base + half : base + n;
        break;
      }
      default:
        if (t >= n) return;
        next = n;
    }
    // Never at or before now: a rounding slip must not re-run this event forever.
    const at = Math.max(this.startNs + Math.ceil(next * NS_PER_TICK), this.clock.now() + 1);
    this.event = this.clock.schedule(at, () => {
      this.event = 0;
      if (this.mode === 2 && this.line) this.line.set(false);
      this.reschedule();
    });
  }

  snapshot(prefix: string, out: Record<string, number | string | boolean>): void {
    out[`${prefix}.mode`] = this.mode;
    out[`${prefix}.access`] = ["latch", "lsb", "msb", "lsb/msb"][this.access] ?? "?";
    out[`${prefix}.bcd`] = this.bcd;
    out[`${prefix}.reload`] = this.reload;
    out[`${prefix}.count`] = this.count();
    out[`${prefix}.out`] = this.out();
    out[`${prefix}.gate`] = this.gate;
    out[`${prefix}.null_count`] = this.nullCount;
  }
}

export class I8254 implements IsaDevice {
  readonly type = "i8254";
  private readonly ch: readonly [PitChannel, PitChannel, PitChannel];
  /** Port B bits 0–3 as written. */
  private portB = 0;

  constructor(
    readonly name: string,
    private readonly ctx: DeviceContext,
  ) {
    this.ch = [new PitChannel(0, ctx.clock, ctx.irq(0)), new PitChannel(1, ctx.clock, undefined), new PitChannel(2, ctx.clock, undefined)];
    ctx.claimPorts({ start: 0x40, length: 4, widths: [1] }, { read: (p) => this.readPit(p), write: (p, v) => this.writePit(p, v) });
    ctx.claimPorts({ start: 0x61, length: 1, widths: [1] }, { read: () => this.readPortB(), write: (_p, v) => this.writePortB(v) });
    this.reset();
  }

  channel(n: 0 | 1 | 2): { count(): number; out(): boolean } {
    return this.ch[n];
  }

  reset(): void {
    this.writePortB(0);
    // BIOS state: ch0 mode 3 count 0 (18.2 Hz), ch1 mode 2 count 18 (DRAM refresh).
    this.ch[0].control(0x36);
    this.ch[0].writeCount(0);
    this.ch[0].writeCount(0);
    this.ch[1].control(0x54);
    this.ch[1].writeCount(18);
    this.ch[2].control(0xb6);
  }

  private readPit(port: number): number {
    const i = port & 3;
    if (i === 3) return 0xff; // the control register is write-only
    return this.ch[i as 0 | 1 | 2].read();
  }

  private writePit(port: number, v: number): void {
    const i = port & 3;
    if (i !== 3) {
      this.ch[i as 0 | 1 | 2].writeCount(v & 0xff);
      return;
    }
    const sel = v >> 6;
    if (sel === 3) {
      // Read-back: bit 5 low latches counts, bit 4 low latches status, bits 1-3 select channels.
      for (let c = 0; c < 3; c++) {
        if ((v & (2 << c)) === 0) continue;
        const chan = this.ch[c as 0 | 1 | 2];
        if ((v & 0x10) === 0) chan.latchStatus();
        if ((v & 0x20) === 0) chan.latchCount();
      }
      return;
    }
    this.ch[sel as 0 | 1 | 2].control(v);
  }

  private readPortB(): number {
    const refresh = Math.floor(this.ctx.clock.now() / REFRESH_NS) & 1;
    return (this.portB & 0x0f) | (refresh << 4) | (this.ch[2].out() ? 0x20 : 0);
  }

  private writePortB(v: number): void {
    this.portB = v & 0x0f;
    this.ch[2].setGate((v & 1) !== 0);
  }

  /** The speaker sounds when channel 2 runs and port B bit 1 enables the data. */
  speakerOn(): boolean {
    return (this.portB & 3) === 3 && this.ch[2].counting() && (this.ch[2].mode === 3 || this.ch[2].mode === 2);
  }

  snapshot(): RegisterSnapshot {
    const out: Record<string, number | string | boolean> = {};
    this.ch.forEach((c, i) => c.snapshot(`ch${i}`, out));
    out["port_b"] = this.readPortB();
    out["speaker"] = this.speakerOn();
    return out;
  }
}

registerCardType("i8254", {
  description: "Intel 8254 interval timer at 0x40-0x43 (channel 0 on IRQ 0) and port B at 0x61",
  platform: true,
  instanceName: "pit",
  options: {},
  create: (name, _options, ctx) => new I8254(name, ctx),
});
