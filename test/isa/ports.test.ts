import { describe, expect, test } from "vitest";
import { VirtualClock } from "../../src/isa/clock.js";
import type { PortHandler, Width } from "../../src/isa/device.js";
import { PortSpace } from "../../src/isa/ports.js";

/** A byte latch per port that records every cycle it sees. */
function latch(initial = 0): PortHandler & { cycles: string[]; regs: Map<number, number> } {
  const regs = new Map<number, number>();
  const cycles: string[] = [];
  return {
    regs,
    cycles,
    read(port: number, width: Width) {
      cycles.push(`r${width}@${port.toString(16)}`);
      return regs.get(port) ?? initial;
    },
    write(port: number, value: number, width: Width) {
      cycles.push(`w${width}@${port.toString(16)}=${value.toString(16)}`);
      regs.set(port, value);
    },
  };
}

describe("ISA port space", () => {
  test("unclaimed ports read all ones by width and drop writes", () => {
    const p = new PortSpace(new VirtualClock());
    p.outb(0x300, 0x12);
    p.outw(0x300, 0x1234);
    p.outl(0x300, 0x12345678);
    expect(p.inb(0x300)).toBe(0xff);
    expect(p.inw(0x300)).toBe(0xffff);
    expect(p.inl(0x300)).toBe(0xffffffff);
    expect(p.inb(0xffff)).toBe(0xff);
  });

  test("a word cycle to a byte-only card splits into two byte cycles, low byte first", () => {
    const p = new PortSpace(new VirtualClock());
    const card = latch();
    p.claim("card", { start: 0x300, length: 8, widths: [1] }, card);
    p.outw(0x302, 0xbeef);
    expect(card.cycles).toEqual(["w1@302=ef", "w1@303=be"]);
    card.cycles.length = 0;
    expect(p.inw(0x302)).toBe(0xbeef);
    expect(card.cycles).toEqual(["r1@302", "r1@303"]);
    card.cycles.length = 0;
    p.outl(0x300, 0x11223344);
    expect(card.cycles).toEqual(["w1@300=44", "w1@301=33", "w1@302=22", "w1@303=11"]);
  });

  test("a card that decodes words gets one word cycle; a dword to it becomes two word cycles", () => {
    const p = new PortSpace(new VirtualClock());
    const card = latch();
    p.claim("ne", { start: 0x310, length: 2, widths: [1, 2] }, card);
    p.outw(0x310, 0x5757);
    expect(card.cycles).toEqual(["w2@310=5757"]);
    card.cycles.length = 0;
    p.inl(0x310);
    // the high half at 0x312 is unclaimed and reads 0xffff
    expect(card.cycles).toEqual(["r2@310"]);
    expect(p.inl(0x310)).toBe((0xffff0000 | 0x5757) >>> 0);
  });

  test("a half-claimed word reads the card's byte and 0xff for the missing one", () => {
    const p = new PortSpace(new VirtualClock());
    const card = latch(0x42);
    p.claim("card", { start: 0x3ff, length: 1, widths: [1] }, card);
    expect(p.inw(0x3ff)).toBe(0xff42);
  });

  test("two cards on one port: both see writes, a read returns the AND, the conflict is reported", () => {
    const p = new PortSpace(new VirtualClock());
    const a = latch();
    const b = latch();
    p.claim("com1", { start: 0x3f8, length: 8, widths: [1] }, a);
    p.claim("com3", { start: 0x3fc, length: 8, widths: [1] }, b);
    p.outb(0x3fd, 0xff);
    expect(a.regs.get(0x3fd)).toBe(0xff);
    expect(b.regs.get(0x3fd)).toBe(0xff);
    a.regs.set(0x3fd, 0xf0);
    b.regs.set(0x3fd, 0x3c);
    expect(p.inb(0x3fd)).toBe(0x30);
    expect(p.conflicts()).toEqual([{ start: 0x3fc, end: 0x3ff, owners: ["com1", "com3"] }]);
    expect(p.owner(0x3fe)).toBe("com1+com3");
    expect(p.owner(0x3f8)).toBe("com1");
  });

  test("ports wrap at 0xffff like the 16-bit address bus", () => {
    const p = new PortSpace(new VirtualClock());
    const card = latch();
    p.claim("card", { start: 0, length: 1, widths: [1] }, card);
    p.outw(0xffff, 0xab12);
    expect(card.regs.get(0)).toBe(0xab);
  });
});

test("one card claiming a port twice is not reported as contention", () => {
  const p = new PortSpace(new VirtualClock());
  const card = latch(0x0f);
  p.claim("card", { start: 0x300, length: 4, widths: [1] }, card);
  p.claim("card", { start: 0x302, length: 4, widths: [1] }, card);
  expect(p.conflicts()).toEqual([]);
  expect(p.inb(0x303)).toBe(0x0f);
});
