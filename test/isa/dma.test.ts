import { describe, expect, test } from "vitest";
import { Machine, bareDescription } from "../../src/isa/machine.js";

/** FreeBSD isa_dmastart() for an 8-bit channel: mode, flip-flop, address, page, count-1, unmask. */
function dmaStart8(m: Machine, chan: number, phys: number, nbytes: number, autoinit = false): void {
  const pagePort = [0x87, 0x83, 0x81, 0x82][chan]!;
  m.outb(0x0b, (autoinit ? 0x10 : 0) | 0x48 | chan); // single mode, read from memory
  m.outb(0x0c, 0);
  m.outb(chan * 2, phys & 0xff);
  m.outb(chan * 2, (phys >> 8) & 0xff);
  m.outb(pagePort, (phys >> 16) & 0xff);
  m.outb(chan * 2 + 1, (nbytes - 1) & 0xff);
  m.outb(chan * 2 + 1, ((nbytes - 1) >> 8) & 0xff);
  m.outb(0x0a, chan); // unmask
}

describe("8237 DMA pair", () => {
  test("single-cycle 8-bit transfer from memory reaches terminal count and masks itself", () => {
    const m = new Machine(bareDescription());
    const phys = 0x12340;
    for (let i = 0; i < 16; i++) m.memWrite8(phys + i, 0xa0 + i);
    const ch = m.dma.channel(1);
    expect(ch.active()).toBe(false); // masked at power-on
    dmaStart8(m, 1, phys, 10);
    expect(ch.active()).toBe(true);
    expect([...ch.readFromMemory(4)]).toEqual([0xa0, 0xa1, 0xa2, 0xa3]);
    expect(ch.terminalCount()).toBe(false);
    expect([...ch.readFromMemory(100)]).toEqual([0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9]);
    expect(ch.terminalCount()).toBe(true);
    expect(ch.active()).toBe(false);
    expect(ch.readFromMemory(1).length).toBe(0);
    // Status register: TC bit for channel 1, cleared by the read.
    expect(m.inb(0x08) & 0x0f).toBe(0x02);
    expect(m.inb(0x08) & 0x0f).toBe(0);
  });

  test("current address and count read back through the flip-flop", () => {
    const m = new Machine(bareDescription());
    dmaStart8(m, 1, 0x20000, 0x100);
    m.dma.channel(1).readFromMemory(0x10);
    m.outb(0x0c, 0);
    expect(m.inb(0x02) | (m.inb(0x02) << 8)).toBe(0x0010);
    expect(m.inb(0x03) | (m.inb(0x03) << 8)).toBe(0xff - 0x10);
  });

  test("autoinitialise reloads at terminal count and keeps going", () => {
    const m = new Machine(bareDescription());
    for (let i = 0; i < 4; i++) m.memWrite8(0x3000 + i, i + 1);
    dmaStart8(m, 3, 0x3000, 4, true);
    expect([...m.dma.channel(3).readFromMemory(10)]).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2]);
    expect(m.dma.channel(3).active()).toBe(true);
  });

  test("16-bit channels count words and take address bits 1-16 from the address register", () => {
    const m = new Machine(bareDescription());
    for (let i = 0; i < 8; i++) m.memWrite8(0x24000 + i, 0x10 + i);
    m.outb(0xd6, 0x49); // mode: ch5 single read
    m.outb(0xd8, 0);
    const wordAddr = (0x24000 >> 1) & 0xffff;
    m.outb(0xc4, wordAddr & 0xff);
    m.outb(0xc4, wordAddr >> 8);
    m.outb(0x8b, 0x02);
    m.outb(0xc6, 1);
    m.outb(0xc6, 0); // 2 words
    m.outb(0xd4, 1);
    expect([...m.dma.channel(5).readFromMemory(8)]).toEqual([0x10, 0x11, 0x12, 0x13]);
    expect(m.dma.channel(5).terminalCount()).toBe(true);
  });

  test("the page register file and POST ports latch what is written", () => {
    const m = new Machine(bareDescription());
    m.outb(0x80, 0x42);
    m.outb(0x84, 0x17);
    expect(m.inb(0x80)).toBe(0x42);
    expect(m.inb(0x84)).toBe(0x17);
    expect(m.snapshot("dma")["post"]).toBe(0x42);
  });

  test("writeToMemory stores device bytes", () => {
    const m = new Machine(bareDescription());
    m.outb(0x0b, 0x44 | 1); // single, write to memory, ch1
    m.outb(0x0c, 0);
    m.outb(0x02, 0x00);
    m.outb(0x02, 0x50);
    m.outb(0x83, 0x00);
    m.outb(0x03, 2);
    m.outb(0x03, 0);
    m.outb(0x0a, 1);
    expect(m.dma.channel(1).writeToMemory(Uint8Array.from([9, 8, 7, 6]))).toBe(3);
    expect([m.memRead8(0x5000), m.memRead8(0x5001), m.memRead8(0x5002), m.memRead8(0x5003)]).toEqual([9, 8, 7, 0]);
  });
});
