import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cardType, validateCardOptions } from "../../../src/isa/devices/registry.js";
import { Sb16 } from "../../../src/isa/devices/sb16.js";
import { KernelError } from "../../../src/errno/kernel_error.js";
import { FakeContext } from "./fake_context.js";
import { sbcProbe, sbcSetResources, type ProbeBus } from "./probes.js";

function sb(ctx = new FakeContext()) {
  const dev = new Sb16("sbc0", { port: 0x220, irq: 5, drq: 1, hdrq: 5, version: [4, 5] }, ctx);
  return { ctx, dev };
}

function dspWrite(bus: ProbeBus, v: number): void {
  while (bus.inb(0x22c) & 0x80) bus.delay(10);
  bus.outb(0x22c, v);
}

function dspRead(bus: ProbeBus): number {
  for (let i = 0; i < 100; i++) {
    if (bus.inb(0x22e) & 0x80) return bus.inb(0x22a);
    bus.delay(10);
  }
  return -1;
}

describe("sb16: FreeBSD sbc / Voxware sb probe replay", () => {
  it("newpcm: reset with 3 then 0 gives 0xAA, E1h answers 4.05", () => {
    const { ctx } = sb();
    expect(sbcProbe(ctx, 0x220, 3)).toEqual({ found: true, version: 0x405 });
  });

  it("Voxware: reset with 1, DELAY(10), 0, DELAY(30), then 0xAA within 100 polls of 10 µs", () => {
    const { ctx } = sb();
    ctx.outb(0x226, 1);
    ctx.delay(10);
    ctx.outb(0x226, 0);
    ctx.delay(30);
    expect(dspRead(ctx)).toBe(0xaa);
  });

  it("0xAA is not there at once: the DSP needs a few µs of virtual time after reset", () => {
    const { ctx } = sb();
    ctx.outb(0x226, 1);
    ctx.outb(0x226, 0);
    expect(ctx.inb(0x22e) & 0x80).toBe(0);
    expect(ctx.inb(0x22c) & 0x80).toBe(0x80); // busy while resetting
    ctx.delay(20);
    expect(ctx.inb(0x22e) & 0x80).toBe(0x80);
    expect(ctx.inb(0x22a)).toBe(0xaa);
    expect(ctx.inb(0x22e) & 0x80).toBe(0);
  });

  it("absent: nothing at 0x240 → base+0xE reads 0xFF, base+0xA 0xFF ≠ 0xAA → not found, quickly", () => {
    const { ctx } = sb();
    const t0 = ctx.now();
    expect(sbcProbe(ctx, 0x240).found).toBe(false);
    expect(ctx.now() - t0).toBeLessThan(1_000_000);
    expect(sbcProbe(new FakeContext(), 0x220).found).toBe(false);
  });

  it("mixer 0x80/0x81 reflect the jumpers and take the attach's writes; 0x82 is read-only", () => {
    const { ctx, dev } = sb();
    ctx.outb(0x224, 0x80);
    expect(ctx.inb(0x225)).toBe(0x02);
    ctx.outb(0x224, 0x81);
    expect(ctx.inb(0x225)).toBe(0x22);
    expect(sbcSetResources(ctx, 0x220, 7, 3, 6)).toBe(true);
    expect(dev.snapshot()["IRQ_NR"]).toBe(0x04);
    expect(dev.snapshot()["irq"]).toBe(7);
    expect(dev.snapshot()["DMA_NR"]).toBe(0x48);
    expect(dev.snapshot()["drq"]).toBe(3);
    ctx.outb(0x224, 0x82);
    ctx.outb(0x225, 0xff);
    expect(ctx.inb(0x225)).toBe(0);
  });
});

describe("sb16: DSP commands", () => {
  it("E0h inverts, E4h/E8h test register, D8h speaker status, E3h copyright", () => {
    const { ctx } = sb();
    sbcProbe(ctx, 0x220);
    dspWrite(ctx, 0xe0);
    dspWrite(ctx, 0x5a);
    expect(dspRead(ctx)).toBe(0xa5);
    dspWrite(ctx, 0xe4);
    dspWrite(ctx, 0x42);
    dspWrite(ctx, 0xe8);
    expect(dspRead(ctx)).toBe(0x42);
    dspWrite(ctx, 0xd1);
    dspWrite(ctx, 0xd8);
    expect(dspRead(ctx)).toBe(0xff);
    dspWrite(ctx, 0xd3);
    dspWrite(ctx, 0xd8);
    expect(dspRead(ctx)).toBe(0x00);
    dspWrite(ctx, 0xe3);
    let s = "";
    for (let c = dspRead(ctx); c > 0; c = dspRead(ctx)) s += String.fromCharCode(c);
    expect(s).toMatch(/^COPYRIGHT \(C\) CREATIVE TECHNOLOGY LTD/);
  });

  it("F2h forces the 8-bit IRQ, acknowledged by reading base+0xE", () => {
    const { ctx } = sb();
    sbcProbe(ctx, 0x220);
    dspWrite(ctx, 0xf2);
    expect(ctx.irq(5).level).toBe(true);
    ctx.outb(0x224, 0x82);
    expect(ctx.inb(0x225) & 1).toBe(1);
    ctx.inb(0x22e);
    expect(ctx.irq(5).level).toBe(false);
  });

  it("single-cycle 8-bit DMA playback (14h) reads every byte through the channel, then raises IRQ 5", () => {
    const { ctx, dev } = sb();
    sbcProbe(ctx, 0x220);
    const samples = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    ctx.dma(1).program(samples);
    dspWrite(ctx, 0xd1);
    dspWrite(ctx, 0x40);
    dspWrite(ctx, 256 - 100); // 10 kHz
    dspWrite(ctx, 0x14);
    dspWrite(ctx, (1000 - 1) & 0xff);
    dspWrite(ctx, (1000 - 1) >> 8);
    ctx.delay(50_000); // half of the 100 ms block
    expect(ctx.irq(5).level).toBe(false);
    ctx.delay(51_000);
    expect(ctx.irq(5).level).toBe(true);
    expect(dev.played()).toEqual(samples);
    expect(ctx.dma(1).pos).toBe(1000);
    ctx.inb(0x22e);
    expect(ctx.irq(5).level).toBe(false);
    ctx.delay(200_000);
    expect(ctx.irq(5).edges).toBe(1); // single cycle: one interrupt
  });

  it("SB16 C0h command with 0x41 output rate, and a masked channel holds the transfer (DREQ) until unmasked", () => {
    const { ctx, dev } = sb();
    sbcProbe(ctx, 0x220);
    ctx.dma(1).program(new Uint8Array(100).fill(0x80));
    ctx.dma(1).masked = true;
    dspWrite(ctx, 0x41);
    dspWrite(ctx, 44100 >> 8);
    dspWrite(ctx, 44100 & 0xff);
    dspWrite(ctx, 0xc0);
    dspWrite(ctx, 0x00);
    dspWrite(ctx, 99);
    dspWrite(ctx, 0);
    ctx.delay(10_000);
    expect(ctx.irq(5).level).toBe(false);
    expect(dev.played().length).toBe(0);
    ctx.dma(1).masked = false;
    ctx.delay(10_000);
    expect(dev.played().length).toBe(100);
    expect(ctx.irq(5).level).toBe(true);
  });

  it("auto-init (1Ch) interrupts at the end of every block until DAh", () => {
    const { ctx } = sb();
    sbcProbe(ctx, 0x220);
    ctx.dma(1).program(new Uint8Array(10_000));
    dspWrite(ctx, 0x40);
    dspWrite(ctx, 256 - 100);
    dspWrite(ctx, 0x48);
    dspWrite(ctx, 99);
    dspWrite(ctx, 0);
    dspWrite(ctx, 0x1c);
    for (let i = 0; i < 3; i++) {
      ctx.delay(10_100);
      expect(ctx.irq(5).level).toBe(true);
      ctx.inb(0x22e);
    }
    dspWrite(ctx, 0xda);
    ctx.delay(30_000);
    expect(ctx.irq(5).edges).toBe(4);
  });

  it("16-bit playback (B0h family) reads words from the 16-bit channel and raises the 16-bit IRQ, acked at base+0xF", () => {
    const { ctx, dev } = sb();
    sbcProbe(ctx, 0x220);
    const samples = Uint8Array.from({ length: 400 }, (_, i) => (i * 3) & 0xff);
    ctx.dma(5).program(samples);
    dspWrite(ctx, 0x41);
    dspWrite(ctx, 20000 >> 8);
    dspWrite(ctx, 20000 & 0xff);
    dspWrite(ctx, 0xb0); // 16-bit output, single cycle
    dspWrite(ctx, 0x10); // signed mono
    dspWrite(ctx, 199); // 200 words = 10 ms at 20 kHz
    dspWrite(ctx, 0);
    ctx.delay(5_000);
    expect(ctx.irq(5).level).toBe(false);
    ctx.delay(6_000);
    expect(ctx.irq(5).level).toBe(true);
    ctx.outb(0x224, 0x82);
    expect(ctx.inb(0x225) & 3).toBe(2);
    expect(dev.played()).toEqual(samples);
    ctx.inb(0x22e); // the 8-bit acknowledge does not clear it
    expect(ctx.irq(5).level).toBe(true);
    ctx.inb(0x22f);
    expect(ctx.irq(5).level).toBe(false);
  });

  it("pause (D0h) holds a transfer and continue (D4h) resumes it", () => {
    const { ctx, dev } = sb();
    sbcProbe(ctx, 0x220);
    ctx.dma(1).program(new Uint8Array(1000).fill(1));
    dspWrite(ctx, 0x40);
    dspWrite(ctx, 256 - 100);
    dspWrite(ctx, 0x14);
    dspWrite(ctx, 999 & 0xff);
    dspWrite(ctx, 999 >> 8);
    ctx.delay(20_000);
    dspWrite(ctx, 0xd0);
    const held = dev.played().length;
    ctx.delay(200_000);
    expect(dev.played().length).toBeLessThanOrEqual(held + 64);
    expect(ctx.irq(5).level).toBe(false);
    dspWrite(ctx, 0xd4);
    ctx.delay(100_000);
    expect(dev.played().length).toBe(1000);
    expect(ctx.irq(5).level).toBe(true);
  });

  it("registry: options validate, and IRQ/DMA a real SB16 cannot use are refused", () => {
    const spec = cardType("sb16")!;
    const ok = validateCardOptions(spec, {}, "sbc0");
    expect(ok.problems).toEqual([]);
    expect(ok.options).toMatchObject({ port: 0x220, irq: 5, drq: 1, hdrq: 5, version: "4.05" });
    expect(validateCardOptions(spec, { version: "3.01" }, "sbc0").problems[0]?.key).toBe("version");
    expect(() => spec.create("sbc0", { ...ok.options, irq: 11 }, new FakeContext())).toThrow(KernelError);
    expect(() => spec.create("sbc0", { ...ok.options, drq: 2 }, new FakeContext())).toThrow(/8-bit channel/);
    expect(() => spec.create("sbc0", { ...ok.options, hdrq: 4 }, new FakeContext())).toThrow(/16-bit channel/);
    const dev = spec.create("sbc0", { ...ok.options, version: "4.13" }, new FakeContext());
    expect(dev.snapshot()["version"]).toBe("4.13");
  });

  it("random port traffic and DMA never throw; the IRQ line follows mixer 0x82", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 300,
        }),
        (ops) => {
          const { ctx, dev } = sb();
          ctx.dma(1).program(new Uint8Array(4096));
          for (const [kind, off, v] of ops) {
            if (kind === 0) ctx.outb(0x220 + off, v);
            else if (kind === 1) expect(ctx.inb(0x220 + off)).toBeLessThanOrEqual(0xff);
            else ctx.delay(v * 50);
            const s = dev.snapshot();
            expect(s["irqLevel"]).toBe(((s["IRQ_STAT"] as number) & 3) !== 0);
            expect((s["readFifo"] as readonly number[]).length).toBeLessThanOrEqual(64);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
