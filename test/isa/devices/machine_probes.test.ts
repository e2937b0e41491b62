/**
 * The card probes again, on real machines built from YAML (configs/machines/
 * pc97.yaml and inline descriptions): the real port space, 8259 pair, 8237
 * and virtual clock between the driver's register sequence and the card.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Machine } from "../../../src/isa/machine.js";
import { loadMachineFile, machineFromYaml } from "../../../src/isa/machine_yaml.js";
import { edProbe, joyRead, lptOpen, lptProbe, ppcDetectPort, sbcProbe, sbcSetResources, sioIdentify, sioProbe, type ProbeBus } from "./probes.js";

const PC97 = new URL("../../../configs/machines/pc97.yaml", import.meta.url).pathname;

function bus(m: Machine): ProbeBus {
  return {
    inb: (p) => m.inb(p),
    outb: (p, v) => m.outb(p, v),
    inw: (p) => m.inw(p),
    outw: (p, v) => m.outw(p, v),
    delay: (us) => m.delay(us),
    now: () => m.clock.now(),
  };
}

/** FreeBSD's icu_init: both 8259s programmed, everything masked, OCW3 selecting IRR. */
function icuInit(m: Machine): void {
  for (const [base, vec, icw3] of [
    [0x20, 0x20, 0x04],
    [0xa0, 0x28, 0x02],
  ] as const) {
    m.outb(base, 0x11);
    m.outb(base + 1, vec);
    m.outb(base + 1, icw3);
    m.outb(base + 1, 0x01);
    m.outb(base + 1, 0xff);
    m.outb(base, 0x0a);
  }
}

/** isa_irq_pending(): the IRR pair. */
function irr(m: Machine): number {
  return m.inb(0x20) | (m.inb(0xa0) << 8);
}

const machines: Machine[] = [];
function track(m: Machine): Machine {
  machines.push(m);
  return m;
}
afterEach(async () => {
  for (const m of machines.splice(0)) await m.close();
});

describe("pc97: every card answers its FreeBSD probe through the real machine", () => {
  it("sio0/sio1 found with the 2.x IRR tests (masked IRQ 4 visible in IRR, gone after the IIR read); sio2 absent", () => {
    const m = track(loadMachineFile(PC97));
    icuInit(m);
    const b = bus(m);
    const com1 = sioProbe(b, 0x3f8, () => (irr(m) & (1 << 4)) !== 0);
    expect(com1.failures).toEqual(new Array(10).fill(false));
    expect(com1.irqmap).toEqual([false, true, false, false]);
    expect(sioIdentify(b, 0x3f8)).toBe("16550A");
    const com2 = sioProbe(b, 0x2f8, () => (irr(m) & (1 << 3)) !== 0);
    expect(com2.found && !com2.failures[3] && !com2.failures[5]).toBe(true);
    expect(sioProbe(b, 0x3e8, () => false).found).toBe(false);
    expect(m.memRead8(0x400) | (m.memRead8(0x401) << 8)).toBe(0x3f8);
  });

  it("ed0: WD/3Com reject, Novell finds an NE2000 with the configured MAC; nothing at 0x300", () => {
    const m = track(loadMachineFile(PC97));
    const r = edProbe(bus(m), 0x280);
    expect(r).toMatchObject({ kind: "NE2000", mac: "52:54:00:12:34:56", wdAccepted: false, threeComAccepted: false });
    expect(edProbe(bus(m), 0x300).kind).toBe(null);
  });

  it("lpt0: port from the BIOS list at 0x408, data-latch tests, ppc 0xAA echo, printer ready; LPT2 absent", () => {
    const m = track(loadMachineFile(PC97));
    const base = m.memRead8(0x408) | (m.memRead8(0x409) << 8);
    expect(base).toBe(0x378);
    expect(m.memRead8(0x40a) | (m.memRead8(0x40b) << 8)).toBe(0);
    expect(lptProbe(bus(m), base)).toBe(true);
    expect(ppcDetectPort(bus(m), base)).toBe(true);
    expect(lptOpen(bus(m), base)).toBe("ok");
    expect(ppcDetectPort(bus(m), 0x278)).toBe(false);
  });

  it("joy0: stick 1 reads a centred position, stick 2 times out; joystick moved at run time", () => {
    const m = track(loadMachineFile(PC97));
    const r = joyRead(bus(m), 0x201, 0);
    expect(Math.abs(r.x - 576)).toBeLessThanOrEqual(3);
    expect(joyRead(bus(m), 0x201, 1).x).toBe(0x80000000);
    m.control("joy0", "move", ["0", "255"]);
    m.control("joy0", "press", ["0"]);
    const moved = joyRead(bus(m), 0x201, 0);
    expect(Math.abs(moved.x - 1124)).toBeLessThanOrEqual(3);
    expect(moved.b1).toBe(true);
  });

  it("sbc0: 0xAA after reset, version 4.05, mixer programmed by attach; nothing at 0x240", () => {
    const m = track(loadMachineFile(PC97));
    expect(sbcProbe(bus(m), 0x220)).toEqual({ found: true, version: 0x405 });
    expect(sbcSetResources(bus(m), 0x220, 5, 1, 5)).toBe(true);
    expect(m.snapshot("sb0")).toMatchObject({ IRQ_NR: 0x02, DMA_NR: 0x22 });
    expect(sbcProbe(bus(m), 0x240).found).toBe(false);
  });
});

describe("cards on a real machine: interrupts, DMA and the wire", () => {
  it("SB16 single-cycle playback through the 8237 (channel 1) ends with IRQ 5 at the PIC, acked at base+0xE", () => {
    const m = track(loadMachineFile(PC97));
    icuInit(m);
    m.outb(0x21, 0xff & ~(1 << 5)); // unmask IRQ 5
    let interrupts = 0;
    m.onInterrupt(() => interrupts++);
    const samples = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
    const addr = 0x12340;
    samples.forEach((b, i) => m.memWrite8(addr + i, b));
    // isa_dmastart(): single mode, memory → device, channel 1.
    m.outb(0x0a, 0x04 | 1);
    m.outb(0x0b, 0x48 | 1);
    m.outb(0x0c, 0);
    m.outb(0x02, addr & 0xff);
    m.outb(0x02, (addr >> 8) & 0xff);
    m.outb(0x83, addr >> 16);
    m.outb(0x03, (samples.length - 1) & 0xff);
    m.outb(0x03, (samples.length - 1) >> 8);
    m.outb(0x0a, 1);
    const b = bus(m);
    expect(sbcProbe(b, 0x220).found).toBe(true);
    for (const v of [0x40, 256 - 125, 0x14, (samples.length - 1) & 0xff, (samples.length - 1) >> 8]) b.outb(0x22c, v); // 8 kHz
    m.delay(30_000);
    expect(irr(m) & (1 << 5)).toBe(0);
    m.delay(40_000); // 512 bytes at 8 kHz = 64 ms
    expect(irr(m) & (1 << 5)).toBe(1 << 5);
    expect(interrupts).toBe(1);
    expect(m.acknowledge()).toBe(0x25);
    m.inb(0x22e);
    m.outb(0x20, 0x20);
    expect(irr(m) & (1 << 5)).toBe(0);
    const sb = m.device("sb0") as unknown as { played(): Uint8Array };
    expect(sb.played()).toEqual(samples);
  });

  it("SB16 16-bit auto-init playback through DMA2 channel 5 interrupts once per block until D9h", () => {
    const m = track(loadMachineFile(PC97));
    icuInit(m);
    const addr = 0x20000; // word channel: address in words, page bits 23-17
    for (let i = 0; i < 256; i++) m.memWrite8(addr + i, i);
    m.outb(0xd4, 0x04 | 1); // mask channel 5
    m.outb(0xd6, 0x58 | 1); // single, auto-init, memory → device
    m.outb(0xd8, 0);
    m.outb(0xc4, (addr >> 1) & 0xff);
    m.outb(0xc4, (addr >> 9) & 0xff);
    m.outb(0x8b, addr >> 16);
    m.outb(0xc6, 127);
    m.outb(0xc6, 0);
    m.outb(0xd4, 1); // unmask
    const b = bus(m);
    expect(sbcProbe(b, 0x220).found).toBe(true);
    for (const v of [0x41, 0x1f, 0x40, 0xb4, 0x10, 127, 0]) b.outb(0x22c, v); // 8000 Hz, 128 words per block
    for (let block = 0; block < 3; block++) {
      m.delay(16_100);
      expect(irr(m) & (1 << 5)).toBe(1 << 5);
      m.inb(0x22f);
      expect(irr(m) & (1 << 5)).toBe(0);
    }
    b.outb(0x22c, 0xd9);
    m.delay(16_100);
    expect(irr(m) & (1 << 5)).toBe(1 << 5); // the block in progress still ends with an interrupt
    m.inb(0x22f);
    m.delay(50_000);
    expect(irr(m) & (1 << 5)).toBe(0);
    const sb = m.device("sb0") as unknown as { played(): Uint8Array };
    expect(sb.played().subarray(0, 256)).toEqual(Uint8Array.from({ length: 256 }, (_, i) => i));
  });

  it("a frame from one NE2000 reaches the other on the machine's hub and both pcap files; other machines hear nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kldsim-hub-"));
    try {
      const yaml = (pcapA: string, pcapB: string) => `
name: lan
memory: 640
cards:
  - { name: ed0, type: ne2000, port: 0x280, irq: 10, mac: "02:00:00:00:00:01", pcap: ${pcapA} }
  - { name: ed1, type: ne2000, port: 0x300, irq: 11, mac: "02:00:00:00:00:02", pcap: ${pcapB} }
`;
      const m = track(machineFromYaml(yaml(join(dir, "a.pcap"), join(dir, "b.pcap"))));
      const other = track(machineFromYaml(yaml(join(dir, "c.pcap"), join(dir, "d.pcap"))));
      const b = bus(m);
      for (const [base, last] of [
        [0x280, 1],
        [0x300, 2],
      ] as const) {
        expect(edProbe(b, base).kind).toBe("NE2000");
        // ed_init, shortened: rings, accept broadcast and our address, start.
        b.outb(base, 0x21);
        b.outb(base + 0x0e, 0x49);
        b.outb(base + 0x0c, 0x04);
        b.outb(base + 0x01, 0x4c);
        b.outb(base + 0x02, 0x80);
        b.outb(base + 0x03, 0x4c);
        b.outb(base + 0x07, 0xff);
        b.outb(base + 0x0f, 0x01);
        b.outb(base, 0x61);
        [2, 0, 0, 0, 0, last].forEach((v, i) => b.outb(base + 1 + i, v));
        b.outb(base + 7, 0x4d);
        b.outb(base, 0x22);
      }
      const frame = new Uint8Array(60);
      frame.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06]);
      // Remote write of the frame to page 0x40, then transmit.
      b.outb(0x28a, 60);
      b.outb(0x28b, 0);
      b.outb(0x288, 0);
      b.outb(0x289, 0x40);
      b.outb(0x280, 0x12);
      for (let i = 0; i < 60; i += 2) b.outw(0x290, frame[i]! | (frame[i + 1]! << 8));
      b.outb(0x284, 0x40);
      b.outb(0x285, 60);
      b.outb(0x286, 0);
      b.outb(0x280, 0x26);
      m.delay(100);
      expect(b.inb(0x307) & 0x01).toBe(0x01);
      expect(m.irqState()).toBeDefined();
      expect(other.snapshot("ed1")["ISR"]).toBe(0x80);
      await m.close();
      await other.close();
      expect(readFileSync(join(dir, "a.pcap")).length).toBe(24 + 16 + 60);
      expect(readFileSync(join(dir, "b.pcap")).subarray(40)).toEqual(Buffer.from(frame));
      expect(readFileSync(join(dir, "c.pcap")).length).toBe(24);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("UART loopback and the IRQ gate seen at the PIC: OUT2 opens it, LOOP closes it", () => {
    const m = track(loadMachineFile(PC97));
    icuInit(m);
    m.outb(0x3fb, 0x03);
    m.outb(0x3f9, 0x02); // THRE interrupt pending at once
    expect(irr(m) & 0x10).toBe(0);
    m.outb(0x3fc, 0x08);
    expect(irr(m) & 0x10).toBe(0x10);
    m.outb(0x3fc, 0x18);
    expect(irr(m) & 0x10).toBe(0);
    m.outb(0x3f8, 0x5a);
    m.delay(1100);
    expect(m.inb(0x3f8)).toBe(0x5a);
    m.control("com1", "type", ["x"]); // dropped: arrives while the receiver is looped
    m.delay(1100);
    expect(m.inb(0x3fd) & 0x01).toBe(0);
    m.outb(0x3fc, 0x00);
    m.control("com1", "type", ["y"]);
    m.delay(1100);
    expect(m.inb(0x3f8)).toBe(0x79);
    expect(m.control("com1", "transmitted", [])).toEqual([""]);
  });
});

describe("host connections from the machine file", () => {
  it("a UART with socket: talks to a client at the programmed rate; machine.close() removes the socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kldsim-sock-"));
    const path = join(dir, "com1");
    try {
      const m = machineFromYaml(`name: s\nmemory: 640\ncards:\n  - { name: com1, type: ns16550, port: 0x3f8, irq: 4, socket: ${path} }\n`);
      const uart = m.device("com1") as unknown as { hostSocket(): { listening(): Promise<void> } };
      await uart.hostSocket().listening();
      const client = connect(path);
      const got: Buffer[] = [];
      client.on("data", (d: Buffer) => got.push(d));
      await new Promise<void>((r) => client.once("connect", () => r()));
      m.outb(0x3fb, 0x83);
      m.outb(0x3f8, 0x01); // 115200 bps
      m.outb(0x3fb, 0x03);
      m.outb(0x3fa, 0x01);
      client.write("hi");
      await new Promise((r) => setTimeout(r, 50));
      m.delay(200);
      expect([m.inb(0x3f8), m.inb(0x3f8)]).toEqual([0x68, 0x69]);
      for (const c of "ok") m.outb(0x3f8, c.charCodeAt(0));
      m.delay(200);
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(got).toString()).toBe("ok");
      client.destroy();
      await m.close();
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("pc97: a driver hammering the cards' ports", () => {
  it("random port cycles over every card's range never throw and snapshots stay consistent", () => {
    const ranges = [0x3f8, 0x2f8, 0x378, 0x280, 0x200, 0x220];
    const m = track(loadMachineFile(PC97));
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...ranges), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 3 })),
          { maxLength: 300 },
        ),
        (ops) => {
          for (const [base, off, v, kind] of ops) {
            const p = base + off;
            if (kind === 0) m.outb(p, v & 0xff);
            else if (kind === 1) expect(m.inb(p)).toBeLessThanOrEqual(0xff);
            else if (kind === 2) m.outw(p, v);
            else m.delay(v & 0x3ff);
          }
          for (const c of ["com1", "com2", "lpt1", "ne0", "joy0", "sb0"]) {
            const s = m.snapshot(c);
            expect(typeof s["irqLevel"] === "boolean" || c === "joy0").toBe(true);
          }
          const ne = m.snapshot("ne0");
          expect(ne["irqLevel"]).toBe(((ne["ISR"] as number) & (ne["IMR"] as number) & 0x7f) !== 0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
