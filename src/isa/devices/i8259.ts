/**
 * The AT's pair of Intel 8259A programmable interrupt controllers.
 *
 * Master at 0x20/0x21, slave at 0xA0/0xA1, the slave's INT output wired to
 * the master's IR2 (so ISA "IRQ2" cards appear as IRQ9).  The machine
 * (src/isa/machine.ts) builds one PicPair, feeds it the 16 ISA IRQ line levels
 * and exposes its INTR output and the INTA cycle (acknowledge()) to the
 * kernel.  Implements ICW1–4, OCW1 (IMR), OCW2 (specific / non-specific EOI,
 * rotation, set priority), OCW3 (IRR/ISR select, poll, special mask),
 * auto-EOI and fully nested priority with rotation.
 *
 * IRR follows the datasheet (and Bochs), not QEMU: an input sets its IRR bit
 * on a rising edge, the bit stays only while the line stays high, and it is
 * visible even while masked in the IMR.  FreeBSD 2.x's sio probe depends on
 * both (reference isa-emulation.md §0.2, §2.1).  An acknowledge with no
 * request left answers IR7 without setting ISR: the spurious IRQ7 / IRQ15.
 * Corresponds to FreeBSD sys/x86/isa/atpic.c (the driver side) and the
 * Intel 8259A datasheet (231468).
 */
import type { RegisterSnapshot, Width } from "../device.js";

/** One 8259A. */
export class I8259 {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Current level of each IR input. */
  private level = 0;
  vectorBase = 0;
  /** The IR with the lowest priority (7 after ICW1; rotation and OCW2 set-priority move it). */
  lowest = 7;
  /** 0 = not initialising; 2, 3, 4 = expecting that ICW. */
  private icwStep = 0;
  private needIcw4 = false;
  single = false;
  levelTriggered = false;
  autoEoi = false;
  rotateOnAutoEoi = false;
  icw3 = 0;
  readIsr = false;
  specialMask = false;
  private pollNext = false;

  constructor(readonly name: string) {}

  reset(): void {
    this.irr = 0;
    this.isr = 0;
    this.imr = 0;
    this.vectorBase = 0;
    this.lowest = 7;
    this.icwStep = 0;
    this.needIcw4 = false;
    this.single = false;
    this.levelTriggered = false;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.icw3 = 0;
    this.readIsr = false;
    this.specialMask = false;
    this.pollNext = false;
  }

  /** Drive input `ir` (0–7). */
  setInput(ir: number, high: boolean): void {
    const bit = 1 << ir;
    if (high) {
      if ((this.level & bit) === 0 || this.levelTriggered) this.irr |= bit;
      this.level |= bit;
    } else {
      this.level &= ~bit;
      this.irr &= ~bit;
    }
  }

  /** The next A0=0 read is a poll (OCW3 bit 2 was written). */
  pollArmed(): boolean {
    return this.pollNext;
  }

  inputLevels(): number {
    return this.level;
  }

  /**
   * The IR that would be acknowledged now, or -1.  Walks priorities from the
   * highest; an in-service IR blocks itself and everything below it (unless
   * special mask mode is on, which lets lower levels through).
   */
  highestPending(): number {
    const pending = this.irr & ~this.imr;
    if (pending === 0) return -1;
    for (let k = 1; k <= 8; k++) {
      const ir = (this.lowest + k) & 7;
      const bit = 1 << ir;
      if ((this.isr & bit) !== 0 && !this.specialMask) return -1;
      if ((pending & bit) !== 0) return ir;
    }
    return -1;
  }

  /** The INT output. */
  int(): boolean {
    return this.highestPending() >= 0;
  }

  /** Highest-priority in-service IR, or -1. */
  private highestInService(): number {
    for (let k = 1; k <= 8; k++) {
      const ir = (this.lowest + k) & 7;
      if ((this.isr & (1 << ir)) !== 0) return ir;
    }
    return -1;
  }

  /**
   * First INTA pulse on this chip: pick the IR, move it from IRR to ISR.
   * Returns the IR, or 7 for a spurious acknowledge (ISR untouched).
   */
  ackIr(): { readonly ir: number; readonly spurious: boolean } {
    const ir = this.highestPending();
    if (ir < 0) return { ir: 7, spurious: true };
    const bit = 1 << ir;
    if (!this.levelTriggered) this.irr &= ~bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.lowest = ir;
    } else {
      this.isr |= bit;
    }
    return { ir, spurious: false };
  }

  read(a0: number): number {
    if (a0 === 1) return this.imr;
    if (this.pollNext) {
      this.pollNext = false;
      const ir = this.highestPending();
      if (ir < 0) return 0;
      this.ackIr();
      return 0x80 | ir;
    }
    return this.readIsr ? this.isr : this.irr;
  }

  write(a0: number, v: number): void {
    if (a0 === 0) {
      if ((v & 0x10) !== 0) {
        // ICW1: start initialisation.
        this.imr = 0;
        this.isr = 0;
        this.irr = 0; // The edge-sense latch resets: a line already high needs a new edge.
        this.lowest = 7;
        this.readIsr = false;
        this.specialMask = false;
        this.pollNext = false;
        this.autoEoi = false;
        this.rotateOnAutoEoi = false;
        this.needIcw4 = (v & 0x01) !== 0;
        this.single = (v & 0x02) !== 0;
        this.levelTriggered = (v & 0x08) !== 0;
        if (this.levelTriggered) this.irr = this.level;
        this.icwStep = 2;
        return;
      }
      this.icwStep = 0;
      if ((v & 0x08) !== 0) {
        // OCW3.
        if ((v & 0x02) !== 0) this.readIsr = (v & 0x01) !== 0;
        if ((v & 0x04) !== 0) this.pollNext = true;
        if ((v & 0x40) !== 0) this.specialMask = (v & 0x20) !== 0;
        return;
      }
      this.ocw2(v);
      return;
    }
    switch (this.icwStep) {
      case 2:
        this.vectorBase = v & 0xf8;
        this.icwStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
        return;
      case 3:
        this.icw3 = v;
        this.icwStep = this.needIcw4 ? 4 : 0;
        return;
      case 4:
        this.autoEoi = (v & 0x02) !== 0;
        this.icwStep = 0;
        return;
      default:
        this.imr = v & 0xff;
    }
  }

  private ocw2(v: number): void {
    const level = v & 7;
    switch (v >> 5) {
      case 0: // clear rotate in auto-EOI
        this.rotateOnAutoEoi = false;
        return;
      case 4: // set rotate in auto-EOI
        this.rotateOnAutoEoi = true;
        return;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const ir = this.highestInService();
        if (ir < 0) return;
        this.isr &= ~(1 << ir);
        if (v >> 5 === 5) this.lowest = ir;
        return;
      }
      case 3: // specific EOI
        this.isr &= ~(1 << level);
        return;
      case 7: // rotate on specific EOI
        this.isr &= ~(1 << level);
        this.lowest = level;
        return;
      case 6: // set priority
        this.lowest = level;
        return;
      default: // 2: no operation
        return;
    }
  }

  snapshot(): RegisterSnapshot {
    return {
      IRR: this.irr,
      ISR: this.isr,
      IMR: this.imr,
      inputs: this.level,
      vector_base: this.vectorBase,
      lowest_priority: this.lowest,
      AEOI: this.autoEoi,
      LTIM: this.levelTriggered,
      SNGL: this.single,
      ICW3: this.icw3,
      read: this.readIsr ? "ISR" : "IRR",
      special_mask: this.specialMask,
      initialising: this.icwStep !== 0,
    };
  }
}

/** IRQ state as `kld machine`'s `irq` command and tests see it. */
export interface IrqState {
  /** 16-bit masks, slave in the high byte. */
  readonly imr: number;
  readonly irr: number;
  readonly isr: number;
  /** Level of each ISA IRQ input (bit n = IRQn); bit 2 is the cascade. */
  readonly lines: number;
  /** The master's INT output (the CPU's INTR pin). */
  readonly intr: boolean;
}

/** Master and slave, cascaded on IR2, as one device at 0x20/0x21 and 0xA0/0xA1. */
export class PicPair {
  readonly name = "pic";
  readonly type = "i8259";
  readonly master = new I8259("master");
  readonly slave = new I8259("slave");
  private intrOut = false;
  private readonly listeners: (() => void)[] = [];
  /** Counts of drivers holding each IRQ high (0–15). */
  private readonly highDrivers = new Int32Array(16);

  /** Called when INTR goes from low to high. */
  onInterrupt(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  intr(): boolean {
    return this.intrOut;
  }

  /**
   * One driver of ISA line `irq` changes level.  A line is high while any of
   * its drivers holds it high.  XXX: real ISA outputs are totem-pole, so a
   * card driving low fights one driving high; we resolve to high (wired-OR)
   * and report the shared IRQ through Machine.conflicts() instead.
   */
  driveLine(irq: number, high: boolean): void {
    const before = this.highDrivers[irq]! > 0;
    this.highDrivers[irq] = Math.max(0, this.highDrivers[irq]! + (high ? 1 : -1));
    const after = this.highDrivers[irq]! > 0;
    if (before !== after) this.setIrq(irq, after);
  }

  /** Set ISA IRQ `irq` (0–15) to a level directly. */
  setIrq(irq: number, high: boolean): void {
    if (irq >= 8) this.slave.setInput(irq - 8, high);
    else this.master.setInput(irq, high);
    this.update();
  }

  /** Recompute the cascade and INTR after any change; notify on a rising INTR. */
  update(): void {
    const slaveInt = this.slave.int();
    if (((this.master.inputLevels() >> 2) & 1) !== (slaveInt ? 1 : 0)) this.master.setInput(2, slaveInt);
    const now = this.master.int();
    const rose = now && !this.intrOut;
    this.intrOut = now;
    if (rose) for (const l of [...this.listeners]) l();
  }

  /**
   * The INTA cycle: returns the vector the CPU would read.  With no request
   * pending the master answers IR7 (spurious); if the slave's request
   * vanished the slave answers its IR7 (spurious IRQ15) with master IR2 left
   * in service, as on real hardware.
   */
  acknowledge(): number {
    const m = this.master.ackIr();
    let vector: number;
    if (!m.spurious && m.ir === 2 && (this.master.icw3 & 0x04) !== 0 && !this.master.single) {
      const s = this.slave.ackIr();
      vector = this.slave.vectorBase | s.ir;
    } else {
      vector = this.master.vectorBase | m.ir;
    }
    this.update();
    return vector;
  }

  state(): IrqState {
    return {
      imr: this.master.imr | (this.slave.imr << 8),
      irr: this.master.irr | (this.slave.irr << 8),
      isr: this.master.isr | (this.slave.isr << 8),
      lines: this.master.inputLevels() | (this.slave.inputLevels() << 8),
      intr: this.intrOut,
    };
  }

  constructor() {
    this.reset();
  }

  /**
   * RESET, then the initialisation a PC BIOS leaves behind: master vectors
   * 0x08, slave 0x70, cascade on IR2, 8086 mode, every input masked.
   */
  reset(): void {
    this.master.reset();
    this.slave.reset();
    for (const [chip, base, icw3] of [[this.master, 0x08, 0x04], [this.slave, 0x70, 0x02]] as const) {
      chip.write(0, 0x11);
      chip.write(1, base);
      chip.write(1, icw3);
      chip.write(1, 0x01);
      chip.write(1, 0xff);
    }
    this.update();
  }

  /** Port handler for 0x20/0x21 and 0xA0/0xA1. */
  read(port: number, _width: Width): number {
    const chip = (port & 0xf0) === 0xa0 ? this.slave : this.master;
    if ((port & 1) === 1) return chip.imr;
    // Only a poll-mode read changes state (it acknowledges); keep IRR/ISR reads cheap.
    const polled = chip.pollArmed();
    const v = chip.read(0);
    if (polled) this.update();
    return v;
  }

  write(port: number, value: number, _width: Width): void {
    const chip = (port & 0xf0) === 0xa0 ? this.slave : this.master;
    chip.write(port & 1, value & 0xff);
    this.update();
  }

  snapshot(): RegisterSnapshot {
    const out: Record<string, number | string | boolean> = { INTR: this.intrOut };
    for (const [prefix, chip] of [["master", this.master], ["slave", this.slave]] as const) {
      for (const [k, v] of Object.entries(chip.snapshot())) {
        if (typeof v !== "object") out[`${prefix}.${k}`] = v;
      }
    }
    return out;
  }
}
