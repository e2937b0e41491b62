import { describe, expect, test } from "vitest";
import { machineFromYaml } from "../../src/isa/machine_yaml.js";

const rtcMachine = (time = "1997-11-04T23:59:58Z") =>
  machineFromYaml(`name: t\nplatform:\n  mc146818:\n    time: "${time}"\ncards: []\n`);

function rtcRead(m: ReturnType<typeof rtcMachine>, reg: number): number {
  m.outb(0x70, reg);
  m.inb(0x84); // FreeBSD's delay read between index and data
  return m.inb(0x71);
}

describe("MC146818 RTC", () => {
  test("time of day in BCD from the configured start, ticking on virtual time", () => {
    const m = rtcMachine();
    expect(rtcRead(m, 0)).toBe(0x58);
    expect(rtcRead(m, 2)).toBe(0x59);
    expect(rtcRead(m, 4)).toBe(0x23);
    expect(rtcRead(m, 7)).toBe(0x04);
    expect(rtcRead(m, 8)).toBe(0x11);
    expect(rtcRead(m, 9)).toBe(0x97);
    expect(rtcRead(m, 0x32)).toBe(0x19);
    expect(rtcRead(m, 6)).toBe(3); // Tuesday
    m.delay(2_500_000);
    expect(rtcRead(m, 0)).toBe(0x00);
    expect(rtcRead(m, 7)).toBe(0x05);
    expect(rtcRead(m, 0x0d)).toBe(0x80);
  });

  test("binary and 12-hour modes per register B", () => {
    const m = rtcMachine("2001-02-03T15:04:05Z");
    m.outb(0x70, 0x0b);
    m.outb(0x71, 0x04); // DM binary, 12-hour
    expect(rtcRead(m, 0)).toBe(5);
    expect(rtcRead(m, 4)).toBe(0x80 | 3);
  });

  test("a calibration loop waiting for the seconds to change terminates", () => {
    const m = rtcMachine();
    const first = rtcRead(m, 0);
    let loops = 0;
    while (rtcRead(m, 0) === first) if (++loops > 2_000_000) throw new Error("seconds never changed");
    expect(loops).toBeGreaterThan(1000);
  });

  test("UIP shows during the last 244 us of a second", () => {
    const m = rtcMachine("1997-11-04T12:00:00Z");
    expect(rtcRead(m, 0x0a) & 0x80).toBe(0);
    m.delay(999_900 - m.clock.now() / 1000);
    expect(rtcRead(m, 0x0a) & 0x80).toBe(0x80);
  });

  test("periodic interrupt on IRQ8, cleared by reading register C", () => {
    const m = rtcMachine();
    m.outb(0x70, 0x0a);
    m.outb(0x71, 0x26); // 1024 Hz
    m.outb(0x70, 0x0b);
    m.outb(0x71, 0x42); // PIE, 24h
    expect(m.irqState().lines & 0x100).toBe(0);
    m.delay(1000);
    expect(m.irqState().lines & 0x100).toBe(0x100);
    const c = rtcRead(m, 0x0c);
    expect(c & 0xc0).toBe(0xc0);
    expect(m.irqState().lines & 0x100).toBe(0);
    expect(rtcRead(m, 0x0c)).toBe(0);
  });

  test("setting the time with SET, then reading it back", () => {
    const m = rtcMachine();
    m.outb(0x70, 0x0b);
    m.outb(0x71, 0x82);
    m.outb(0x70, 0x09);
    m.outb(0x71, 0x05);
    m.outb(0x70, 0x32);
    m.outb(0x71, 0x20);
    m.delay(5_000_000);
    expect(rtcRead(m, 0)).toBe(0x58); // frozen while SET
    m.outb(0x70, 0x0b);
    m.outb(0x71, 0x02);
    expect(rtcRead(m, 9)).toBe(0x05);
    expect(rtcRead(m, 0x32)).toBe(0x20);
  });

  test("CMOS RAM holds bytes; the index port masks NMI with bit 7", () => {
    const m = rtcMachine();
    m.outb(0x70, 0x80 | 0x40);
    m.outb(0x71, 0x5a);
    expect(rtcRead(m, 0x40)).toBe(0x5a);
    expect(rtcRead(m, 0x15) | (rtcRead(m, 0x16) << 8)).toBe(640);
    m.outb(0x70, 0x80);
    expect(m.snapshot("rtc")["nmi_masked"]).toBe(true);
  });
});
