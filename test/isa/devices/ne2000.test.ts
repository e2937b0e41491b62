import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultMac, Ne2000, parseMac } from "../../../src/isa/devices/ne2000.js";
import { KernelError } from "../../../src/errno/kernel_error.js";
import { FakeContext } from "./fake_context.js";
import { edProbe, type ProbeBus } from "./probes.js";
import { expectKernelError } from "../../support/kernel_error.js";

const MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

function nic(ctx = new FakeContext(), port = 0x280, mac = MAC, pcap?: string) {
  const dev = new Ne2000("ed0", { port, irq: 10, mac, hub: "hub0", ...(pcap ? { pcap } : {}) }, ctx);
  return { ctx, dev };
}

/** ed_init(): the rings FreeBSD sets up on an NE2000 (tx 0x40–0x4B, rx 0x4C–0x7F). */
function edInit(bus: ProbeBus, base: number, mac: readonly number[]): void {
  bus.outb(base, 0x21);
  bus.outb(base + 0x0e, 0x49); // WTS | LS | FT1
  bus.outb(base + 0x0a, 0);
  bus.outb(base + 0x0b, 0);
  bus.outb(base + 0x0c, 0x04); // AB
  bus.outb(base + 0x0d, 0x02); // internal loopback while initialising
  bus.outb(base + 0x04, 0x40); // TPSR
  bus.outb(base + 0x01, 0x4c); // PSTART
  bus.outb(base + 0x02, 0x80); // PSTOP
  bus.outb(base + 0x03, 0x4c); // BNRY
  bus.outb(base + 0x07, 0xff);
  bus.outb(base + 0x0f, 0x1f); // PRX PTX RXE TXE OVW
  bus.outb(base, 0x61); // page 1, STP
  for (let i = 0; i < 6; i++) bus.outb(base + 1 + i, mac[i]!);
  bus.outb(base + 7, 0x4d); // CURR
  bus.outb(base, 0x22); // page 0, start
  bus.outb(base + 0x0d, 0x00); // normal transmit
}

function remoteWrite16(bus: ProbeBus, base: number, addr: number, data: Uint8Array): void {
  const len = (data.length + 1) & ~1;
  bus.outb(base + 0x0a, len & 0xff);
  bus.outb(base + 0x0b, len >> 8);
  bus.outb(base + 0x08, addr & 0xff);
  bus.outb(base + 0x09, addr >> 8);
  bus.outb(base, 0x12);
  for (let i = 0; i < len; i += 2) bus.outw(base + 0x10, (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8));
}

function remoteRead16(bus: ProbeBus, base: number, addr: number, len: number): Uint8Array {
  bus.outb(base + 0x0a, len & 0xff);
  bus.outb(base + 0x0b, len >> 8);
  bus.outb(base + 0x08, addr & 0xff);
  bus.outb(base + 0x09, addr >> 8);
  bus.outb(base, 0x0a);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i += 2) {
    const w = bus.inw(base + 0x10);
    out[i] = w & 0xff;
    if (i + 1 < len) out[i + 1] = w >> 8;
  }
  return out;
}

function frame(dst: readonly number[], src: readonly number[], payload: string): Uint8Array {
  const body = new TextEncoder().encode(payload);
  const f = new Uint8Array(Math.max(60, 14 + body.length));
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x08;
  f[13] = 0x00;
  f.set(body, 14);
  return f;
}

function transmit(bus: ProbeBus, base: number, f: Uint8Array): void {
  remoteWrite16(bus, base, 0x4000, f);
  bus.outb(base + 0x04, 0x40);
  bus.outb(base + 0x05, f.length & 0xff);
  bus.outb(base + 0x06, f.length >> 8);
  bus.outb(base, 0x26); // STA | TXP | RD2
}

describe("ne2000: FreeBSD ed probe replay", () => {
  it("the WD80x3 and 3Com probes reject it; the Novell probe finds a 16-bit NE2000 and reads the MAC", () => {
    const { ctx } = nic();
    const r = edProbe(ctx, 0x280);
    expect(r.wdAccepted).toBe(false);
    expect(r.threeComAccepted).toBe(false);
    expect(r.kind).toBe("NE2000");
    expect(r.mac).toBe("52:54:00:12:34:56");
  });

  it("is not an NE1000: remote DMA at 0x2000 reads 0xFF, not the test pattern", () => {
    const { ctx } = nic();
    ctx.outb(0x280, 0x22);
    ctx.outb(0x28e, 0x48);
    const back = remoteRead16(ctx, 0x280, 0x2000, 32);
    expect([...back].every((b) => b === 0xff)).toBe(true);
  });

  it("absent: nothing at 0x300 → CR reads 0xFF and the probe gives up (ENXIO)", () => {
    const { ctx } = nic();
    expect(edProbe(ctx, 0x300).kind).toBe(null);
    expect(edProbe(new FakeContext(), 0x280).kind).toBe(null);
  });

  it("reset port: a read of base+0x1F stops the chip with ISR.RST set and IMR cleared", () => {
    const { ctx, dev } = nic();
    edInit(ctx, 0x280, MAC);
    expect(ctx.inb(0x287) & 0x80).toBe(0);
    ctx.inb(0x29f);
    expect(ctx.inb(0x280) & 0x27).toBe(0x21);
    expect(ctx.inb(0x287) & 0x80).toBe(0x80);
    expect(dev.snapshot()["IMR"]).toBe(0);
  });
});

describe("ne2000: PROM, RAM and registers", () => {
  it("PROM bytes are doubled in byte mode, with the WW signature at bytes 14/15", () => {
    const { ctx } = nic();
    ctx.outb(0x280, 0x22);
    ctx.outb(0x28e, 0x48); // byte mode
    ctx.outb(0x28a, 32);
    ctx.outb(0x28b, 0);
    ctx.outb(0x288, 0);
    ctx.outb(0x289, 0);
    ctx.outb(0x280, 0x0a);
    const raw: number[] = [];
    for (let i = 0; i < 32; i++) raw.push(ctx.inb(0x290));
    for (let i = 0; i < 16; i++) expect(raw[2 * i]).toBe(raw[2 * i + 1]);
    const prom = raw.filter((_, i) => i % 2 === 0);
    expect(prom.slice(0, 6)).toEqual(MAC);
    expect(prom.slice(14, 16)).toEqual([0x57, 0x57]);
    expect(ctx.inb(0x287) & 0x40).toBe(0x40); // remote DMA complete
  });

  it("a zero-length remote read completes at once (RDC) and writes outside RAM are dropped", () => {
    const { ctx } = nic();
    ctx.outb(0x280, 0x22);
    ctx.outb(0x287, 0xff);
    ctx.outb(0x28a, 0);
    ctx.outb(0x28b, 0);
    ctx.outb(0x280, 0x0a);
    expect(ctx.inb(0x287) & 0x40).toBe(0x40);
    ctx.outb(0x28e, 0x49);
    remoteWrite16(ctx, 0x280, 0x8000, new Uint8Array([1, 2, 3, 4]));
    expect([...remoteRead16(ctx, 0x280, 0x8000, 4)]).toEqual([0xff, 0xff, 0xff, 0xff]);
    remoteWrite16(ctx, 0x280, 0x0000, new Uint8Array([1, 2, 3, 4]));
    expect([...remoteRead16(ctx, 0x280, 0x0000, 2)]).toEqual([0x52, 0x52]);
  });

  it("page 1 holds PAR/CURR/MAR, page 2 reads back the page-0 configuration", () => {
    const { ctx } = nic();
    edInit(ctx, 0x280, MAC);
    ctx.outb(0x280, 0x62);
    expect([1, 2, 3, 4, 5, 6].map((i) => ctx.inb(0x280 + i))).toEqual(MAC);
    expect(ctx.inb(0x287)).toBe(0x4d);
    ctx.outb(0x280, 0xa2);
    expect([ctx.inb(0x281), ctx.inb(0x282), ctx.inb(0x284)]).toEqual([0x4c, 0x80, 0x40]);
    expect(ctx.inb(0x28e) & 0x7f).toBe(0x49);
    expect(ctx.inb(0x28f) & 0x7f).toBe(0x1f);
  });
});

describe("ne2000: the wire", () => {
  it("a frame sent by one card arrives in the other's receive ring, raises PRX, and both pcap files hold it", () => {
    const dir = mkdtempSync(join(tmpdir(), "kldsim-ne-"));
    try {
      const ctx = new FakeContext();
      const mac2 = [0x52, 0x54, 0x00, 0x00, 0x00, 0x02];
      const a = new Ne2000("ed0", { port: 0x280, irq: 10, mac: MAC, hub: "hub0", pcap: join(dir, "a.pcap") }, ctx);
      const b = new Ne2000("ed1", { port: 0x300, irq: 11, mac: mac2, hub: "hub0", pcap: join(dir, "b.pcap") }, ctx);
      edInit(ctx, 0x280, MAC);
      edInit(ctx, 0x300, mac2);
      const f = frame(mac2, MAC, "hello, ed1");
      transmit(ctx, 0x280, f);
      expect(ctx.inb(0x280) & 0x04).toBe(0x04); // TXP while on the wire
      ctx.delay(100);
      expect(ctx.inb(0x280) & 0x04).toBe(0);
      expect(ctx.inb(0x287) & 0x02).toBe(0x02); // PTX
      expect(ctx.inb(0x284) & 0x01).toBe(0x01); // TSR.PTX
      expect(ctx.irq(10).level).toBe(true);
      expect(ctx.irq(11).level).toBe(true);
      expect(ctx.inb(0x307) & 0x01).toBe(0x01); // PRX on the receiver
      ctx.outb(0x300, 0x62);
      expect(ctx.inb(0x307)).toBe(0x4e); // CURR advanced one page
      ctx.outb(0x300, 0x22);
      const hdr = remoteRead16(ctx, 0x300, 0x4d00, 4);
      expect([...hdr]).toEqual([0x01, 0x4e, (f.length + 4) & 0xff, (f.length + 4) >> 8]);
      expect(remoteRead16(ctx, 0x300, 0x4d04, f.length)).toEqual(f);
      ctx.outb(0x307, 0x01);
      expect(ctx.irq(11).level).toBe(false);
      a.close();
      b.close();
      for (const name of ["a.pcap", "b.pcap"]) {
        const p = readFileSync(join(dir, name));
        expect(p.readUInt32LE(0)).toBe(0xa1b2c3d4);
        expect(p.readUInt32LE(20)).toBe(1);
        expect(p.readUInt32LE(24 + 8)).toBe(f.length);
        expect(new Uint8Array(p.subarray(40, 40 + f.length))).toEqual(f);
        expect(p.length).toBe(24 + 16 + f.length);
      }
      expect(a.sent()).toEqual([f]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("address filter: foreign unicast dropped, broadcast needs RCR.AB, promiscuous takes all", () => {
    const { ctx, dev } = nic();
    edInit(ctx, 0x280, MAC);
    const other = [0x52, 0x54, 0, 0, 0, 9];
    dev.inject(frame([0x02, 0, 0, 0, 0, 1], other, "not for us"));
    expect(ctx.inb(0x287) & 0x01).toBe(0);
    dev.inject(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], other, "bcast"));
    expect(ctx.inb(0x287) & 0x01).toBe(1);
    ctx.outb(0x287, 0xff);
    ctx.outb(0x28c, 0x00);
    dev.inject(frame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], other, "bcast"));
    expect(ctx.inb(0x287) & 0x01).toBe(0);
    ctx.outb(0x28c, 0x10);
    dev.inject(frame([0x02, 0, 0, 0, 0, 1], other, "promisc"));
    expect(ctx.inb(0x287) & 0x01).toBe(1);
  });

  it("a full ring sets ISR.OVW and counts a missed packet instead of overwriting BNRY", () => {
    const { ctx, dev } = nic();
    edInit(ctx, 0x280, MAC);
    const big = new Uint8Array(1514);
    big.set(MAC, 0);
    for (let i = 0; i < 10; i++) dev.inject(big); // 6 pages each; 51 free pages in a 52-page ring
    const isr = ctx.inb(0x287);
    expect(isr & 0x10).toBe(0x10);
    expect(ctx.inb(0x28f)).toBe(2); // CNTR2: the 9th and 10th frames were missed
    ctx.outb(0x280, 0x62);
    expect(ctx.inb(0x287)).toBe(0x4d + 8 * 6); // CURR after eight stored frames
  });

  it("control(): inject and sent, bad frames refused", () => {
    const { ctx, dev } = nic();
    edInit(ctx, 0x280, MAC);
    dev.control("inject", ["ff:ff:ff:ff:ff:ff", "020000000001", "0800", "00".repeat(46)]);
    expect(ctx.inb(0x287) & 0x01).toBe(1);
    expect(() => dev.control("inject", ["ff:ff"])).toThrow(/frame of 2 bytes/);
    expect(() => dev.control("inject", ["zz"])).toThrow(KernelError);
    expect(dev.control("sent", [])).toEqual([]);
    expect(() => dev.control("bogus", [])).toThrow(/unknown operation/);
  });

  it("a pcap path that cannot be created fails the card with its errno (ENOENT), before it claims any port", () => {
    const ctx = new FakeContext();
    expectKernelError(() => nic(ctx, 0x280, MAC, "/nonexistent-dir/x.pcap"), "ENOENT");
    expect(ctx.inb(0x280)).toBe(0xff);
  });

  it("MAC helpers: parse, refuse junk, derive a stable default per card name", () => {
    expect(parseMac("00:A0:c9:01:02:03")).toEqual([0, 0xa0, 0xc9, 1, 2, 3]);
    expect(() => parseMac("00:a0:c9:01:02")).toThrow(KernelError);
    expect(defaultMac("ed0")).toEqual(defaultMac("ed0"));
    expect(defaultMac("ed0")).not.toEqual(defaultMac("ed1"));
    expect(defaultMac("ed0").slice(0, 3)).toEqual([0x52, 0x54, 0x00]);
  });
});

describe("ne2000: hostile guest", () => {
  it("random register/data-port traffic and injected frames never throw and keep the snapshot consistent", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0, max: 0xffff })),
          { maxLength: 300 },
        ),
        (ops) => {
          const { ctx, dev } = nic();
          for (const [kind, off, v] of ops) {
            if (kind === 0) ctx.outb(0x280 + off, v & 0xff);
            else if (kind === 1) expect(ctx.inb(0x280 + off)).toBeLessThanOrEqual(0xff);
            else if (kind === 2) ctx.outw(0x290, v);
            else if (kind === 3) expect(ctx.inw(0x290)).toBeLessThanOrEqual(0xffff);
            else dev.inject(new Uint8Array(14 + (v % 1600)).fill(off === 0 ? 0xff : 0x52));
            ctx.delay(v & 0xff);
            const s = dev.snapshot();
            const isr = s["ISR"] as number;
            const imr = s["IMR"] as number;
            expect(s["irqLevel"]).toBe((isr & imr & 0x7f) !== 0);
            expect(ctx.irq(10).level).toBe(s["irqLevel"]);
            expect(s["mac"]).toBe("52:54:00:12:34:56");
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
