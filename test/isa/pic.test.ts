import { describe, expect, test } from "vitest";
import { Machine, bareDescription } from "../../src/isa/machine.js";

/** FreeBSD's atpic initialisation (sys/x86/isa/atpic.c), optionally with AUTO_EOI_1. */
function initPics(m: Machine, autoEoi = false): void {
  m.outb(0x20, 0x11);
  m.outb(0x21, 0x20);
  m.outb(0x21, 0x04);
  m.outb(0x21, autoEoi ? 0x03 : 0x01);
  m.outb(0x21, 0xff);
  m.outb(0x20, 0x0a);
  m.outb(0x20, 0xc2);
  m.outb(0xa0, 0x11);
  m.outb(0xa1, 0x28);
  m.outb(0xa1, 0x02);
  m.outb(0xa1, 0x01);
  m.outb(0xa1, 0xff);
  m.outb(0xa0, 0x0a);
}

function machine(autoEoi = false): Machine {
  const m = new Machine(bareDescription());
  initPics(m, autoEoi);
  // Silence the PIT's IRQ0 so only the test's lines matter.
  m.outb(0x43, 0x30);
  return m;
}

const readIsr = (m: Machine, base: number): number => {
  m.outb(base, 0x0b);
  const v = m.inb(base);
  m.outb(base, 0x0a);
  return v;
};

describe("8259A pair", () => {
  test("a masked request is visible in IRR but does not raise INTR", () => {
    const m = machine();
    let interrupts = 0;
    m.onInterrupt(() => interrupts++);
    m.pic.setIrq(4, true);
    expect(m.inb(0x20) & 0x10).toBe(0x10);
    expect(m.irqState().intr).toBe(false);
    expect(interrupts).toBe(0);
    m.outb(0x21, 0xff & ~0x10);
    expect(m.irqState().intr).toBe(true);
    expect(interrupts).toBe(1);
    expect(m.inb(0x21)).toBe(0xef);
  });

  test("IRR follows the line: a request withdrawn before INTA is gone", () => {
    const m = machine();
    m.pic.setIrq(4, true);
    m.pic.setIrq(4, false);
    expect(m.inb(0x20) & 0x10).toBe(0);
  });

  test("acknowledge moves the request to ISR; non-specific EOI clears it", () => {
    const m = machine();
    m.outb(0x21, 0xef);
    m.pic.setIrq(4, true);
    expect(m.acknowledge()).toBe(0x24);
    expect(m.inb(0x20) & 0x10).toBe(0); // IRR cleared by INTA (edge mode)
    expect(readIsr(m, 0x20)).toBe(0x10);
    expect(m.irqState().intr).toBe(false);
    m.outb(0x20, 0x20);
    expect(readIsr(m, 0x20)).toBe(0);
    // The line is still high: no new edge, no new request.
    expect(m.irqState().intr).toBe(false);
    m.pic.setIrq(4, false);
    m.pic.setIrq(4, true);
    expect(m.irqState().intr).toBe(true);
  });

  test("spurious IRQ7 when the request vanishes between INTR and INTA", () => {
    const m = machine();
    m.outb(0x21, 0xef);
    m.pic.setIrq(4, true);
    expect(m.irqState().intr).toBe(true);
    m.pic.setIrq(4, false);
    expect(m.acknowledge()).toBe(0x27);
    expect(readIsr(m, 0x20)).toBe(0);
  });

  test("cascade: IRQ10 arrives through master IR2 with the slave's vector", () => {
    const m = machine();
    m.outb(0x21, 0xfb);
    m.outb(0xa1, 0xfb);
    const seen: number[] = [];
    m.onInterrupt(() => seen.push(m.acknowledge()));
    m.pic.setIrq(10, true);
    expect(seen).toEqual([0x2a]);
    expect(readIsr(m, 0x20)).toBe(0x04);
    expect(readIsr(m, 0xa0)).toBe(0x04);
    m.outb(0xa0, 0x20);
    m.outb(0x20, 0x20);
    expect(m.irqState().isr).toBe(0);
  });

  test("spurious IRQ15 when a slave request vanishes; master IR2 stays in service", () => {
    const m = machine();
    m.outb(0x21, 0xfb);
    m.outb(0xa1, 0xfb);
    m.pic.setIrq(10, true);
    // Master latched IR2; the slave's request disappears before INTA.
    m.pic.master.setInput(2, true);
    m.pic.slave.setInput(2, false);
    expect(m.acknowledge()).toBe(0x2f);
    expect(m.irqState().isr).toBe(0x0004);
  });

  test("fully nested priority: a lower request waits for EOI of a higher one", () => {
    const m = machine();
    m.outb(0x20, 0xc7); // back to IR0 highest
    m.outb(0x21, 0x00 | 0x01);
    m.pic.setIrq(3, true);
    m.pic.setIrq(1, true);
    expect(m.acknowledge()).toBe(0x21);
    expect(m.irqState().intr).toBe(false); // IRQ3 blocked by IRQ1 in service
    m.outb(0x20, 0x61); // specific EOI for 1
    expect(m.irqState().intr).toBe(true);
    expect(m.acknowledge()).toBe(0x23);
  });

  test("FreeBSD's set-priority 0xC2 makes IRQ3 outrank IRQ1", () => {
    const m = machine();
    m.outb(0x21, 0x01);
    m.pic.setIrq(1, true);
    m.pic.setIrq(3, true);
    expect(m.acknowledge()).toBe(0x23);
  });

  test("auto-EOI leaves ISR clear", () => {
    const m = machine(true);
    m.outb(0x21, 0xef);
    m.pic.setIrq(4, true);
    expect(m.acknowledge()).toBe(0x24);
    expect(readIsr(m, 0x20)).toBe(0);
  });

  test("poll command acknowledges and returns 0x80|level", () => {
    const m = machine();
    m.outb(0x21, 0xff);
    m.pic.setIrq(5, true);
    m.outb(0x21, 0xdf);
    m.outb(0x20, 0x0c);
    expect(m.inb(0x20)).toBe(0x85);
    expect(readIsr(m, 0x20)).toBe(0x20);
  });

  test("the PIT's channel 0 sets IRR bit 0 even while masked (i8254 timecounter check)", () => {
    const m = new Machine(bareDescription());
    initPics(m);
    m.outb(0x43, 0x34);
    m.outb(0x40, 0x9c);
    m.outb(0x40, 0x2e); // 11932: hz = 100
    expect(m.inb(0x20) & 1).toBe(0);
    m.delay(10_001);
    expect(m.inb(0x20) & 1).toBe(1);
    expect(m.irqState().intr).toBe(false);
  });
});
