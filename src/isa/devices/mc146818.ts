/**
 * The Motorola MC146818 real-time clock and CMOS RAM at 0x70 (index, bit 7 =
 * NMI mask) and 0x71 (data).
 *
 * A minimal model: time of day (seconds to century, BCD or binary, 12 or 24
 * hour per register B) derived from a start time plus the virtual clock, so
 * its seconds tick in virtual time and a calibration loop that waits for a
 * seconds change terminates; register A's update-in-progress bit during the
 * last 244 µs of each second; register B's SET bit freezing the time while
 * it is written; register C's flags (PF periodic, UF update-ended, IRQF) that
 * a read clears, with IRQ 8 raised when PIE or UIE enables them; register D
 * with VRT set; CMOS bytes 0x0E–0x7F as plain RAM (base memory 640 KiB at
 * 0x15/0x16, century at 0x32).  Alarms are not modelled (AF never sets).
 *
 * Registered as the platform device "mc146818" (instance "rtc"), option
 * `time` ("host" or an ISO 8601 date).  Driver side: FreeBSD
 * sys/x86/isa/atrtc.c and sys/isa/rtc.h; datasheet: Motorola MC146818A.
 */
import { KernelError } from "../../errno/kernel_error.js";
import type { DeviceContext, IrqLine, IsaDevice, RegisterSnapshot } from "../device.js";
import { registerCardType } from "./registry.js";

const UIP_NS = 244_000;
const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_UIE = 0x10;
const B_DM = 0x04;
const B_24H = 0x02;

function bcd(n: number): number {
  return ((Math.floor(n / 10) % 10) << 4) | n % 10;
}
function unbcd(n: number): number {
  return (n >> 4) * 10 + (n & 15);
}

export class Mc146818 implements IsaDevice {
  readonly type = "mc146818";
  private index = 0;
  private nmiMasked = false;
  private readonly cmos = new Uint8Array(128);
  /** Wall-clock milliseconds at virtual time 0. */
  private epochMsAtZero: number;
  private frozenMs: number | undefined;
  private lastCReadNs = 0;
  private flagsC = 0;
  private readonly line: IrqLine;
  private event = 0;

  constructor(
    readonly name: string,
    private readonly startMs: number,
    private readonly ctx: DeviceContext,
  ) {
    this.epochMsAtZero = startMs;
    this.line = ctx.irq(8);
    ctx.claimPorts({ start: 0x70, length: 2, widths: [1] }, {
      read: (p) => (p === 0x70 ? 0xff : this.readData()),
      write: (p, v) => {
        if (p === 0x70) {
          this.index = v & 0x7f;
          this.nmiMasked = (v & 0x80) !== 0;
        } else this.writeData(v & 0xff);
      },
    });
    this.reset();
  }

  reset(): void {
    this.epochMsAtZero = this.startMs - this.ctx.clock.now() / 1e6;
    this.frozenMs = undefined;
    this.cmos.fill(0);
    this.cmos[REG_A] = 0x26;
    this.cmos[REG_B] = B_24H;
    this.cmos[0x15] = 0x80; // base memory 640 KiB, low byte
    this.cmos[0x16] = 0x02;
    this.flagsC = 0;
    this.lastCReadNs = this.ctx.clock.now();
    this.index = 0;
    this.updateIrq();
  }

  private nowMs(): number {
    return this.frozenMs ?? this.epochMsAtZero + this.ctx.clock.now() / 1e6;
  }

  private running(): boolean {
    return (this.cmos[REG_A]! & 0x70) === 0x20 && this.frozenMs === undefined;
  }

  /** Periodic interrupt period in ns from register A's rate bits, or 0 if off. */
  private periodNs(): number {
    const rate = this.cmos[REG_A]! & 15;
    if (rate === 0) return 0;
    const hz = rate <= 2 ? 32768 >> (rate + 6) : 32768 >> (rate - 1);
    return 1e9 / hz;
  }

  /** Fold elapsed periodic ticks and second boundaries into register C's flags. */
  private collectFlags(): void {
    const now = this.ctx.clock.now();
    const p = this.periodNs();
    if (p > 0 && Math.floor(now / p) > Math.floor(this.lastCReadNs / p)) this.flagsC |= 0x40;
    if (this.running()) {
      const secNow = Math.floor(this.nowMs() / 1000);
      const secThen = Math.floor((this.epochMsAtZero + this.lastCReadNs / 1e6) / 1000);
      if (secNow > secThen) this.flagsC |= 0x10;
    }
    this.lastCReadNs = now;
    const enabled = this.flagsC & this.cmos[REG_B]! & 0x70;
    if (enabled) this.flagsC |= 0x80;
  }

  private updateIrq(): void {
    const b = this.cmos[REG_B]!;
    this.line.set((this.flagsC & 0x80) !== 0);
    if (this.event) this.ctx.clock.cancel(this.event);
    this.event = 0;
    if ((this.flagsC & 0x80) !== 0) return;
    const now = this.ctx.clock.now();
    let next = Infinity;
    const p = this.periodNs();
    if ((b & B_PIE) !== 0 && p > 0) next = (Math.floor(now / p) + 1) * p;
    if ((b & B_UIE) !== 0 && this.running()) {
      const ms = this.nowMs();
      next = Math.min(next, now + ((Math.floor(ms / 1000) + 1) * 1000 - ms) * 1e6);
    }
    if (next === Infinity) return;
    this.event = this.ctx.clock.schedule(Math.max(Math.ceil(next), now + 1), () => {
      this.event = 0;
      this.collectFlags();
      this.updateIrq();
    });
  }

  private field(reg: number): number | undefined {
    const d = new Date(this.nowMs());
    switch (reg) {
      case 0:
        return d.getUTCSeconds();
      case 2:
        return d.getUTCMinutes();
      case 4:
        return d.getUTCHours();
      case 6:
        return d.getUTCDay() + 1;
      case 7:
        return d.getUTCDate();
      case 8:
        return d.getUTCMonth() + 1;
      case 9:
        return d.getUTCFullYear() % 100;
      case 0x32:
        return Math.floor(d.getUTCFullYear() / 100);
      default:
        return undefined;
    }
  }

  private encode(reg: number, v: number): number {
    const b = this.cmos[REG_B]!;
    let pm = 0;
    if (reg === 4 && (b & B_24H) === 0) {
      pm = v >= 12 ? 0x80 : 0;
      v = v % 12 === 0 ? 12 : v % 12;
    }
    return ((b & B_DM) !== 0 ? v : bcd(v)) | pm;
  }

  private readData(): number {
    const reg = this.index;
    const f = this.field(reg);
    if (f !== undefined) return this.encode(reg, f);
    switch (reg) {
      case REG_A: {
        const inUpdate = this.running() && ((this.nowMs() * 1e6) % 1e9) >= 1e9 - UIP_NS;
        return (this.cmos[REG_A]! & 0x7f) | (inUpdate ? 0x80 : 0);
      }
      case REG_C: {
        this.collectFlags();
        const v = this.flagsC;
        this.flagsC = 0;
        this.updateIrq();
        return v;
      }
      case REG_D:
        return 0x80;
      default:
        return this.cmos[reg]!;
    }
  }

  private writeData(v: number): void {
    const reg = this.index;
    if (this.field(reg) !== undefined) {
      this.setField(reg, v);
      return;
    }
    switch (reg) {
      case REG_A:
        this.cmos[REG_A] = v & 0x7f;
        break;
      case REG_B: {
        const wasSet = (this.cmos[REG_B]! & B_SET) !== 0;
        if ((v & B_SET) !== 0 && !wasSet) this.frozenMs = this.nowMs();
        if ((v & B_SET) === 0 && wasSet && this.frozenMs !== undefined) {
          this.epochMsAtZero = this.frozenMs - this.ctx.clock.now() / 1e6;
          this.frozenMs = undefined;
        }
        this.cmos[REG_B] = v;
        break;
      }
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        this.cmos[reg] = v;
        return;
    }
    this.updateIrq();
  }

  private setField(reg: number, raw: number): void {
    const b = this.cmos[REG_B]!;
    let v = (b & B_DM) !== 0 ? raw & 0x7f : unbcd(raw & 0x7f);
    if (reg === 4 && (b & B_24H) === 0) v = (v % 12) + ((raw & 0x80) !== 0 ? 12 : 0);
    const d = new Date(this.nowMs());
    switch (reg) {
      case 0:
        d.setUTCSeconds(v);
        break;
      case 2:
        d.setUTCMinutes(v);
        break;
      case 4:
        d.setUTCHours(v);
        break;
      case 6:
        return; // the day of week is only a counter on the chip; FreeBSD ignores it
      case 7:
        d.setUTCDate(v);
        break;
      case 8:
        d.setUTCMonth(v - 1);
        break;
      case 9:
        d.setUTCFullYear(Math.floor(d.getUTCFullYear() / 100) * 100 + v);
        break;
      case 0x32:
        d.setUTCFullYear(v * 100 + (d.getUTCFullYear() % 100));
        break;
    }
    const ms = d.getTime();
    if (!Number.isFinite(ms)) return; // nonsense date: the chip would hold garbage; keep the old time
    if (this.frozenMs !== undefined) this.frozenMs = ms;
    else this.epochMsAtZero = ms - this.ctx.clock.now() / 1e6;
  }

  snapshot(): RegisterSnapshot {
    const saved = this.flagsC;
    return {
      index: this.index,
      nmi_masked: this.nmiMasked,
      time: new Date(this.nowMs()).toISOString(),
      A: this.cmos[REG_A]!,
      B: this.cmos[REG_B]!,
      C: saved,
      D: 0x80,
      IRQ8: (saved & 0x80) !== 0,
    };
  }
}

registerCardType("mc146818", {
  description: "Motorola MC146818 real-time clock and CMOS RAM at 0x70-0x71 (IRQ 8)",
  platform: true,
  instanceName: "rtc",
  options: {
    time: {
      kind: "string",
      description: 'time of day at power-on: "host" (the host clock) or an ISO 8601 date such as 1997-11-04T12:00:00Z',
      default: "host",
      pattern: /^(host|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)$/,
    },
  },
  create(name, { time }, ctx) {
    const ms = time === "host" ? Date.now() : Date.parse(time);
    // The pattern admits shapes that are no date, such as month 13.
    if (!Number.isFinite(ms)) throw new KernelError("EINVAL", "platform.mc146818.time", `"${time}" is not a date`);
    return new Mc146818(name, ms, ctx);
  },
});
