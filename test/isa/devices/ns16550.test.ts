import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Ns16550, type UartVariant } from "../../../src/isa/devices/ns16550.js";
import { KernelError } from "../../../src/errno/kernel_error.js";
import { FakeContext } from "./fake_context.js";
import { sioIdentify, sioProbe } from "./probes.js";

function uart(variant: UartVariant = "16550a", port = 0x3f8, irq: number | null = 4) {
  const ctx = new FakeContext();
  const dev = new Ns16550("com1", { port, uart: variant, ...(irq === null ? {} : { irq }) }, ctx);
  return { ctx, dev };
}

describe("ns16550: FreeBSD sio probe replay", () => {
  it("finds a 16550A at 0x3f8 and passes the 2.x IRQ tests (line high before the IIR read, low after)", () => {
    const { ctx } = uart();
    const r = sioProbe(ctx, 0x3f8, () => ctx.irq(4).level);
    expect(r.failures).toEqual(new Array(10).fill(false));
    expect(r.found).toBe(true);
    expect(r.irqmap).toEqual([false, true, false, false]);
    expect(sioIdentify(ctx, 0x3f8)).toBe("16550A");
  });

  it("fails with ENXIO's test 0 when nothing is at the port (all reads 0xFF)", () => {
    const ctx = new FakeContext();
    const r = sioProbe(ctx, 0x3f8, () => false);
    expect(r.found).toBe(false);
    expect(r.failures[0]).toBe(true);
  });

  it("fails at COM2 when the only card is at COM1, and leaves COM1 untouched", () => {
    const { ctx, dev } = uart();
    const r = sioProbe(ctx, 0x2f8, () => ctx.irq(3).level);
    expect(r.found).toBe(false);
    expect(dev.snapshot()["LCR"]).toBe(0);
  });

  it("identifies 16450 (no FIFO bits) and 8250 (no scratch register)", () => {
    const a = uart("16450");
    expect(sioProbe(a.ctx, 0x3f8, () => a.ctx.irq(4).level).found).toBe(true);
    expect(sioIdentify(a.ctx, 0x3f8)).toBe("16450");
    const b = uart("8250");
    expect(sioProbe(b.ctx, 0x3f8, () => b.ctx.irq(4).level).found).toBe(true);
    expect(sioIdentify(b.ctx, 0x3f8)).toBe("8250");
  });
});

describe("ns16550: registers and line behaviour", () => {
  it("loopback carries transmitted bytes to the receiver at the baud rate and mirrors modem outputs", () => {
    const { ctx, dev } = uart();
    ctx.outb(0x3fb, 0x03); // 8N1
    ctx.outb(0x3fc, 0x10 | 0x01 | 0x02); // LOOP | DTR | RTS
    expect(ctx.inb(0x3fe) & 0xf0).toBe(0x30); // CTS | DSR
    ctx.outb(0x3f8, 0x41);
    expect(ctx.inb(0x3fd) & 0x41).toBe(0x00); // not received yet, TEMT clear
    ctx.delay(1100); // 10 bits at 9600 bps = 1042 µs
    expect(ctx.inb(0x3fd) & 0x61).toBe(0x61); // DR, THRE, TEMT
    expect(ctx.inb(0x3f8)).toBe(0x41);
    expect(dev.transmitted().length).toBe(0); // nothing left the card
    ctx.outb(0x3fc, 0x10 | 0x04 | 0x08); // OUT1, OUT2 → RI, DCD
    expect(ctx.inb(0x3fe)).toBe(0xc0 | 0x01 | 0x02 | 0x08); // RI, DCD + ΔCTS ΔDSR ΔDCD
    expect(ctx.inb(0x3fe)).toBe(0xc0); // deltas cleared by the read
    ctx.outb(0x3fc, 0x10);
    expect(ctx.inb(0x3fe)).toBe(0x04 | 0x08); // trailing edge of RI, ΔDCD
  });

  it("divisor latch sets the baud rate; a character takes 10 bit times", () => {
    const { ctx, dev } = uart();
    ctx.outb(0x3fb, 0x80);
    ctx.outb(0x3f8, 1); // 115200
    ctx.outb(0x3f9, 0);
    expect(ctx.inb(0x3f8)).toBe(1);
    ctx.outb(0x3fb, 0x03);
    expect(dev.charTimeNs()).toBe(86806);
    ctx.outb(0x3f8, 0x55);
    ctx.delay(80);
    expect(dev.transmitted()).toEqual(new Uint8Array([]));
    ctx.delay(10);
    expect(dev.transmitted()).toEqual(new Uint8Array([0x55]));
  });

  it("receives typed bytes one character time apart, FIFO trigger and timeout interrupts", () => {
    const { ctx, dev } = uart();
    ctx.outb(0x3fb, 0x03);
    ctx.outb(0x3fc, 0x08); // OUT2
    ctx.outb(0x3fa, 0xc1 - 0x80); // FIFO on, trigger 4
    ctx.outb(0x3f9, 0x01); // ERXRDY
    dev.typeBytes("abcde");
    ctx.delay(2100);
    expect(ctx.inb(0x3fd) & 1).toBe(1);
    expect(ctx.irq(4).level).toBe(false); // 2 bytes < trigger 4
    ctx.delay(2100);
    expect(ctx.inb(0x3fa)).toBe(0xc4); // RXRDY with FIFO bits
    expect(ctx.irq(4).level).toBe(true);
    expect([ctx.inb(0x3f8), ctx.inb(0x3f8), ctx.inb(0x3f8)]).toEqual([0x61, 0x62, 0x63]);
    expect(ctx.irq(4).level).toBe(false);
    ctx.delay(1100 + 4 * 1042 + 100); // 'e' arrives, then 4 idle character times
    expect(ctx.inb(0x3fa)).toBe(0xcc); // character timeout
    expect([ctx.inb(0x3f8), ctx.inb(0x3f8)]).toEqual([0x64, 0x65]);
    expect(ctx.inb(0x3fa)).toBe(0xc1);
  });

  it("overrun sets LSR.OE (cleared by reading LSR) and a line-status interrupt outranks data", () => {
    const { ctx, dev } = uart("16450");
    ctx.outb(0x3fb, 0x03);
    ctx.outb(0x3fc, 0x08);
    ctx.outb(0x3f9, 0x05);
    dev.typeBytes([1, 2]);
    ctx.delay(2200);
    expect(ctx.inb(0x3fa)).toBe(0x06);
    expect(ctx.inb(0x3fd) & 0x03).toBe(0x03);
    expect(ctx.inb(0x3fd) & 0x02).toBe(0);
    expect(ctx.inb(0x3fa)).toBe(0x04);
    expect(ctx.inb(0x3f8)).toBe(2);
  });

  it("a break from the host (or sent in loopback) shows as LSR.BI with a NUL and a line-status interrupt", () => {
    const { ctx, dev } = uart();
    ctx.outb(0x3fb, 0x03);
    ctx.outb(0x3f9, 0x05); // ERLS | ERXRDY
    dev.control("break", []);
    ctx.delay(1100);
    expect(ctx.inb(0x3fa) & 0x0f).toBe(0x06);
    expect(ctx.inb(0x3fd) & 0x11).toBe(0x11); // BI | DR
    expect(ctx.inb(0x3fa) & 0x0f).toBe(0x04); // BI cleared by the LSR read, data remains
    expect(ctx.inb(0x3f8)).toBe(0);
    ctx.outb(0x3fc, 0x10);
    ctx.outb(0x3fb, 0x43); // set break
    ctx.delay(1100);
    expect(ctx.inb(0x3fd) & 0x11).toBe(0x11);
  });

  it("the IRQ line needs OUT2 and is cut off in loopback; modem-status interrupt from host lines", () => {
    const { ctx, dev } = uart();
    ctx.outb(0x3f9, 0x08);
    dev.setModemInputs(0x80);
    expect(ctx.inb(0x3fa) & 0x0f).toBe(0x00);
    expect(ctx.irq(4).level).toBe(false);
    ctx.outb(0x3fc, 0x08);
    expect(ctx.irq(4).level).toBe(true);
    ctx.outb(0x3fc, 0x18);
    expect(ctx.irq(4).level).toBe(false);
  });

  it("control(): type, transmitted, bad arguments", () => {
    const { ctx, dev } = uart();
    ctx.outb(0x3fb, 0x03);
    dev.control("type", ["hi\\n"]);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      ctx.delay(1050); // no FIFO: read each character before the next one lands
      got.push(ctx.inb(0x3f8));
    }
    expect(got).toEqual([0x68, 0x69, 0x0a]);
    ctx.outb(0x3f8, 0x07);
    ctx.delay(1100);
    expect(dev.control("transmitted", [])).toEqual(["\\x07"]);
    expect(() => dev.control("type", ["\\q"])).toThrow(KernelError);
    expect(() => dev.control("modem", ["x"])).toThrow(/modem takes one number/);
    expect(() => dev.control("fly", [])).toThrow(KernelError);
  });

  it("reset() returns to the datasheet's reset values", () => {
    const { ctx, dev } = uart();
    ctx.outb(0x3f9, 0x0f);
    ctx.outb(0x3fb, 0x1b);
    ctx.outb(0x3fc, 0x1f);
    dev.reset();
    const s = dev.snapshot();
    expect([s["IER"], s["IIR"], s["LCR"], s["MCR"], s["LSR"]]).toEqual([0, 0x01, 0, 0, 0x60]);
  });
});

describe("ns16550: host socket", () => {
  it("bytes from a socket client arrive in RBR; transmitted bytes reach the client; carrier follows the client", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kldsim-uart-"));
    const path = join(dir, "com1.sock");
    const ctx = new FakeContext();
    const dev = new Ns16550("com1", { port: 0x3f8, irq: 4, uart: "16550a", socket: path }, ctx);
    try {
      await dev.hostSocket()!.listening();
      const client = connect(path);
      const got: Buffer[] = [];
      client.on("data", (d: Buffer) => got.push(d));
      await new Promise<void>((r) => client.once("connect", () => r()));
      ctx.outb(0x3fb, 0x03);
      ctx.outb(0x3fa, 0x01); // FIFO on
      client.write("ok");
      await new Promise((r) => setTimeout(r, 50));
      expect(ctx.inb(0x3fe) & 0xb0).toBe(0xb0); // DCD DSR CTS
      ctx.delay(2200);
      expect([ctx.inb(0x3f8), ctx.inb(0x3f8)]).toEqual([0x6f, 0x6b]);
      ctx.outb(0x3f8, 0x21);
      ctx.delay(1100);
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(got).toString()).toBe("!");
      client.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect(ctx.inb(0x3fe) & 0xb0).toBe(0);
    } finally {
      await dev.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a socket in a missing directory (ENOENT) or with a path too long for sun_path (ENAMETOOLONG)", () => {
    const make = (socket: string) => () => new Ns16550("com1", { port: 0x3f8, irq: 4, uart: "16550a", socket }, new FakeContext());
    expect(make("/nonexistent-dir/com1")).toThrow(/directory does not exist/);
    expect(make(join(tmpdir(), "x".repeat(120)))).toThrow(/at most 103 bytes/);
  });

  it("replaces a stale socket left by a crashed run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kldsim-uart-"));
    const path = join(dir, "com1.sock");
    try {
      const first = new Ns16550("com1", { port: 0x3f8, irq: 4, uart: "16550a", socket: path }, new FakeContext());
      await first.hostSocket()!.listening();
      // Simulate a crash: the socket file stays behind while a new machine starts.
      const second = new Ns16550("com1", { port: 0x3f8, irq: 4, uart: "16550a", socket: path }, new FakeContext());
      await second.hostSocket()!.listening();
      const client = connect(path);
      await new Promise<void>((r) => client.once("connect", () => r()));
      await new Promise((r) => setTimeout(r, 20));
      expect((second.snapshot()["MSR"] as number) & 0x80).toBe(0x80); // the new card got the client
      client.destroy();
      await second.close();
      await first.close();
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a socket path that is an ordinary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "kldsim-uart-"));
    const path = join(dir, "file");
    writeFileSync(path, "x");
    try {
      expect(() => new Ns16550("com1", { port: 0x3f8, irq: 4, uart: "16550a", socket: path }, new FakeContext())).toThrow(
        /exists and is not a socket/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("ns16550: hostile guest", () => {
  it("random port writes, reads and delays never throw and keep the snapshot consistent", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<UartVariant>("8250", "16450", "16550a"),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 200,
        }),
        (variant, ops) => {
          const { ctx, dev } = uart(variant);
          for (const [kind, off, v] of ops) {
            if (kind === 0) ctx.outb(0x3f8 + off, v);
            else if (kind === 1) expect(ctx.inb(0x3f8 + off)).toBeLessThanOrEqual(0xff);
            else ctx.delay(v * 10);
            const s = dev.snapshot();
            expect((s["rxFifo"] as readonly number[]).length).toBeLessThanOrEqual(16);
            expect(s["txFifoLevel"] as number).toBeLessThanOrEqual(16);
            const iir = s["IIR"] as number;
            expect([0x01, 0x00, 0x02, 0x04, 0x06, 0x0c]).toContain(iir & 0x0f);
            // The line is high exactly when an interrupt is pending and OUT2 is open outside loopback.
            const mcr = s["MCR"] as number;
            expect(s["irqLevel"]).toBe((iir & 1) === 0 && (mcr & 0x08) !== 0 && (mcr & 0x10) === 0);
            if (variant !== "16550a") expect(iir & 0xc0).toBe(0);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
