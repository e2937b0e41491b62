import { describe, expect, test } from "vitest";
import { PIT_HZ } from "../../src/isa/devices/i8254.js";
import { Machine, bareDescription } from "../../src/isa/machine.js";

const TIMER_FREQ = PIT_HZ;

/** clock.c getit(): latch channel 0 and read it low byte then high byte. */
function getit(m: Machine): number {
  m.outb(0x43, 0x00);
  const lo = m.inb(0x40);
  const hi = m.inb(0x40);
  return (hi << 8) | lo;
}

/** Program channel 0 like i8254_init: mode 2, LSB/MSB, count = round(freq / hz). */
function setHz(m: Machine, hz: number): number {
  const count = Math.round(TIMER_FREQ / hz);
  m.outb(0x43, 0x34);
  m.outb(0x40, count & 0xff);
  m.outb(0x40, count >> 8);
  return count;
}

/** FreeBSD's i8254 DELAY(n): sum the decrements of successive getit() values. */
function freebsdDelay(m: Machine, n: number, maxCount: number): number {
  let prev = getit(m);
  let ticksLeft = Math.ceil((n * TIMER_FREQ) / 1_000_000);
  let loops = 0;
  while (ticksLeft > 0) {
    const tick = getit(m);
    let delta = prev - tick;
    prev = tick;
    if (delta < 0) delta += maxCount;
    ticksLeft -= delta;
    if (++loops > 1_000_000) throw new Error("DELAY did not terminate");
  }
  return loops;
}

const ticksBetween = (ns: number): number => Math.floor((ns * TIMER_FREQ) / 1e9);

describe("8254 PIT", () => {
  test("mode 2 counts down at 1.193182 MHz of virtual time", () => {
    const m = new Machine(bareDescription());
    const n = setHz(m, 100);
    const t0 = m.clock.now();
    const c0 = getit(m);
    m.delay(5000);
    const c1 = getit(m);
    const elapsed = ticksBetween(m.clock.now() - t0);
    expect(c0).toBeLessThanOrEqual(n);
    expect(c0 - c1).toBeGreaterThanOrEqual(5965 - 2);
    expect(c0 - c1).toBeLessThanOrEqual(elapsed + 1);
  });

  test("mode 2 reloads at the period: count stays within 1..N", () => {
    const m = new Machine(bareDescription());
    const n = setHz(m, 1000); // 1193
    for (let i = 0; i < 50; i++) {
      m.delay(137);
      const c = getit(m);
      expect(c).toBeGreaterThanOrEqual(1);
      expect(c).toBeLessThanOrEqual(n);
    }
  });

  test("FreeBSD's DELAY() loop terminates and waits at least as long as asked", () => {
    const m = new Machine(bareDescription());
    const n = setHz(m, 100);
    const t0 = m.clock.now();
    const loops = freebsdDelay(m, 20_000, n);
    expect(m.clock.now() - t0).toBeGreaterThanOrEqual(20_000_000);
    expect(m.clock.now() - t0).toBeLessThan(20_000_000 + 10_000);
    expect(loops).toBeGreaterThan(100);
  });

  test("a latched count stays frozen until read", () => {
    const m = new Machine(bareDescription());
    setHz(m, 100);
    m.outb(0x43, 0x00);
    m.delay(3000);
    const latched = m.inb(0x40) | (m.inb(0x40) << 8);
    const live = getit(m);
    expect(latched - live).toBeGreaterThan(3000);
  });

  test("mode 0: OUT low until terminal count, then IRQ0 rises once", () => {
    const m = new Machine(bareDescription());
    m.outb(0x43, 0x30);
    m.outb(0x40, 0xe8);
    m.outb(0x40, 0x03); // 1000 ticks ≈ 838 us
    const status = (): number => {
      m.outb(0x43, 0xe2); // read-back: status only, channel 0
      return m.inb(0x40);
    };
    expect(status() & 0x80).toBe(0);
    expect(status() & 0x3f).toBe(0x30);
    expect(m.irqState().lines & 1).toBe(0);
    m.delay(900);
    expect(status() & 0x80).toBe(0x80);
    expect(m.irqState().lines & 1).toBe(1);
    expect(m.irqState().irr & 1).toBe(1);
    // After terminal count the counter keeps wrapping down from 0xffff.
    expect(getit(m)).toBeGreaterThan(0xf000);
  });

  test("IRQ0 ticks at hz: 100 interrupts per virtual second", () => {
    const m = new Machine(bareDescription());
    m.outb(0x21, 0xfe);
    setHz(m, 100);
    let n = 0;
    m.onInterrupt(() => {
      n++;
      m.acknowledge();
      m.outb(0x20, 0x20);
    });
    m.delay(1_000_000);
    expect(n).toBeGreaterThanOrEqual(99);
    expect(n).toBeLessThanOrEqual(101);
  });

  test("mode 3 counts down by two; channel 2 runs only while port 0x61 bit 0 gates it", () => {
    const m = new Machine(bareDescription());
    m.outb(0x43, 0xb6); // channel 2, LSB/MSB, mode 3: sysbeep
    m.outb(0x42, 0xa9);
    m.outb(0x42, 0x04); // 1193: 1 kHz
    const read2 = (): number => {
      m.outb(0x43, 0x80);
      return m.inb(0x42) | (m.inb(0x42) << 8);
    };
    const frozen = read2();
    m.delay(100);
    expect(read2()).toBe(frozen); // gate low: no counting
    m.outb(0x61, m.inb(0x61) | 3);
    const a = read2();
    m.delay(3);
    const b = read2();
    expect(a % 2).toBe(0);
    expect(b % 2).toBe(0);
    expect(a - b).toBeGreaterThanOrEqual(2 * 3);
    // OUT (0x61 bit 5) is a square wave: high for half the period, low for the other.
    let highs = 0;
    let lows = 0;
    for (let i = 0; i < 200; i++) {
      if (m.inb(0x61) & 0x20) highs++;
      else lows++;
      m.delay(10);
    }
    expect(highs).toBeGreaterThan(60);
    expect(lows).toBeGreaterThan(60);
    expect(m.snapshot("pit")["speaker"]).toBe(true);
    m.outb(0x61, m.inb(0x61) & ~3);
    expect(m.snapshot("pit")["speaker"]).toBe(false);
  });

  test("LSB-only access and BCD counting", () => {
    const m = new Machine(bareDescription());
    m.outb(0x43, 0x50); // channel 1, LSB only, mode 0
    m.outb(0x41, 200);
    m.delay(50); // ~59 ticks
    const v = m.inb(0x41);
    expect(v).toBeLessThan(200 - 55);
    expect(v).toBeGreaterThan(200 - 65);
    m.outb(0x43, 0x71); // channel 1, LSB/MSB, mode 0, BCD
    m.outb(0x41, 0x00);
    m.outb(0x41, 0x10); // 1000 in BCD
    m.delay(100); // ~119 ticks
    m.outb(0x43, 0x40);
    const lo = m.inb(0x41);
    const hi = m.inb(0x41);
    const digits = [(hi >> 4) & 15, hi & 15, (lo >> 4) & 15, lo & 15];
    expect(digits.every((d) => d <= 9)).toBe(true);
    const value = digits.reduce((a, d) => a * 10 + d, 0);
    expect(value).toBeGreaterThan(1000 - 125);
    expect(value).toBeLessThan(1000 - 115);
  });

  test("port 0x61 refresh bit toggles as virtual time passes", () => {
    const m = new Machine(bareDescription());
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) seen.add(m.inb(0x61) & 0x10);
    expect(seen).toEqual(new Set([0, 0x10]));
  });
});
