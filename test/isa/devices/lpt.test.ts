import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Lpt } from "../../../src/isa/devices/lpt.js";
import { FakeContext } from "./fake_context.js";
import { lptOpen, lptProbe, ppcDetectPort, type ProbeBus } from "./probes.js";

function lpt(printer = true, output?: string) {
  const ctx = new FakeContext();
  const dev = new Lpt("lpt0", { port: 0x378, irq: 7, printer, ...(output ? { output } : {}) }, ctx);
  return { ctx, dev };
}

/** lpt's polled output: wait for ready, data, strobe pulse. */
function lptPutc(bus: ProbeBus, port: number, c: number): boolean {
  for (let i = 0; i < 1000; i++) {
    if ((bus.inb(port + 1) & 0xb8) === 0x98) {
      bus.outb(port, c);
      bus.outb(port + 2, 0x0d); // STROBE | nINIT | SELECTIN
      bus.outb(port + 2, 0x0c);
      return true;
    }
    bus.delay(10);
  }
  return false;
}

describe("lpt: FreeBSD lpt / ppc probe replay", () => {
  it("lptprobe's data-latch tests pass at 0x378 and ppc_detect_port sees 0xAA", () => {
    const { ctx } = lpt();
    expect(lptProbe(ctx, 0x378)).toBe(true);
    expect(ppcDetectPort(ctx, 0x378)).toBe(true);
    expect(ctx.inb(0x378 + 0x402) & 0xe0).not.toBe(0x20); // no ECP: ppc says "Generic"
  });

  it("absent: lptprobe fails after 100 ms of virtual time, ppc_detect_port fails at once", () => {
    const { ctx } = lpt();
    const t0 = ctx.now();
    expect(lptProbe(ctx, 0x278)).toBe(false);
    expect(ctx.now() - t0).toBeGreaterThanOrEqual(100_000_000);
    expect(ppcDetectPort(ctx, 0x278)).toBe(false);
  });

  it("lptopen: ready with a printer, EBUSY with none (the latch still probes)", () => {
    expect(lptOpen(lpt(true).ctx, 0x378)).toBe("ok");
    const none = lpt(false);
    expect(lptProbe(none.ctx, 0x378)).toBe(true);
    expect(lptOpen(none.ctx, 0x378)).toBe("EBUSY");
  });
});

describe("lpt: printer handshake", () => {
  it("a strobe makes the printer BUSY, then ACK pulses and raises the IRQ when control bit 4 is set", () => {
    const { ctx, dev } = lpt();
    ctx.outb(0x37a, 0x1c); // IRQ enable | SELECTIN | nINIT
    expect(ctx.inb(0x379)).toBe(0xdf);
    ctx.outb(0x378, 0x41);
    ctx.outb(0x37a, 0x1d);
    ctx.outb(0x37a, 0x1c);
    expect(ctx.inb(0x379) & 0x80).toBe(0); // BUSY
    const edges = ctx.irq(7).edges;
    ctx.delay(10);
    expect(ctx.inb(0x379) & 0x40).toBe(0); // nACK low
    expect(ctx.irq(7).edges).toBe(edges + 1);
    ctx.delay(12);
    expect(ctx.inb(0x379)).toBe(0xdf);
    expect(ctx.irq(7).level).toBe(false);
    expect(dev.printed()).toEqual(new Uint8Array([0x41]));
  });

  it("without control bit 4 there is no interrupt; nINIT low holds the printer in reset", () => {
    const { ctx } = lpt();
    ctx.outb(0x37a, 0x0c);
    ctx.outb(0x378, 1);
    ctx.outb(0x37a, 0x0d);
    ctx.delay(15);
    expect(ctx.irq(7).edges).toBe(0);
    ctx.delay(20);
    ctx.outb(0x37a, 0x00);
    expect(ctx.inb(0x379) & 0x80).toBe(0);
  });

  it("printed bytes reach the host file; the control register reads back with bits 7-5 set", () => {
    const dir = mkdtempSync(join(tmpdir(), "kldsim-lpt-"));
    try {
      const out = join(dir, "printout");
      const { ctx, dev } = lpt(true, out);
      ctx.outb(0x37a, 0x0c);
      expect(ctx.inb(0x37a)).toBe(0xec);
      for (const c of new TextEncoder().encode("Hello, printer\n")) expect(lptPutc(ctx, 0x378, c)).toBe(true);
      ctx.delay(100);
      dev.close();
      expect(readFileSync(out, "utf8")).toBe("Hello, printer\n");
      expect(dev.control("printed", [])).toEqual(["Hello, printer\\n"]);
      expect(() => dev.control("eject", [])).toThrow(/unknown operation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an output file that cannot be created fails the card with FreeBSD wording", () => {
    expect(() => lpt(true, "/nonexistent-dir/printout")).toThrow(/cannot create printer output/);
    // FreeBSD's wording, never Node's ("ENOENT: no such file or directory, open ...").
    expect(() => lpt(true, "/nonexistent-dir/printout")).toThrow("/nonexistent-dir/printout: No such file or directory (cannot create printer output)");
  });

  it("offline printer: SELECT and nBUSY drop, so lptopen fails", () => {
    const { ctx, dev } = lpt();
    dev.control("offline", []);
    expect(lptOpen(ctx, 0x378)).toBe("EBUSY");
    dev.control("online", []);
    expect(lptOpen(ctx, 0x378)).toBe("ok");
  });

  it("random port traffic never throws; the IRQ line only rises with control bit 4 during ACK", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 200,
        }),
        (ops) => {
          const { ctx, dev } = lpt();
          for (const [kind, off, v] of ops) {
            if (kind === 0) ctx.outb(0x378 + off, v);
            else if (kind === 1) ctx.inb(0x378 + off);
            else ctx.delay(v);
            const s = dev.snapshot();
            const status = s["STATUS"] as number;
            expect(s["irqLevel"]).toBe(((s["CONTROL"] as number) & 0x10) !== 0 && (status & 0x40) === 0);
            expect(status & 0x07).toBe(0x07);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
