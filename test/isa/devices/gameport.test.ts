import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Gameport } from "../../../src/isa/devices/gameport.js";
import { KernelError } from "../../../src/errno/kernel_error.js";
import { FakeContext } from "./fake_context.js";
import { joyProbeConnected, joyRead } from "./probes.js";

function port(joysticks = 1) {
  const ctx = new FakeContext();
  const dev = new Gameport("joy0", { port: 0x201, joysticks }, ctx);
  return { ctx, dev };
}

describe("gameport: FreeBSD joy replay", () => {
  it("a centred stick reads about 24.2 + 0.011 × 50 196 Ω ≈ 576 µs on both axes; buttons up", () => {
    const { ctx } = port();
    const r = joyRead(ctx, 0x201, 0);
    expect(Math.abs(r.x - 576)).toBeLessThanOrEqual(3);
    expect(Math.abs(r.y - 576)).toBeLessThanOrEqual(3);
    expect([r.b1, r.b2]).toEqual([false, false]);
  });

  it("positions and buttons set at run time show up in the next read", () => {
    const { ctx, dev } = port();
    dev.move(0, 0);
    dev.move(1, 255);
    dev.press(1, true);
    const r = joyRead(ctx, 0x201, 0);
    expect(Math.abs(r.x - 24)).toBeLessThanOrEqual(3);
    expect(Math.abs(r.y - 1124)).toBeLessThanOrEqual(3);
    expect([r.b1, r.b2]).toEqual([false, true]);
  });

  it("no second stick: unit 1 times out (0x80000000) and its buttons read up", () => {
    const { ctx } = port(1);
    const r = joyRead(ctx, 0x201, 1);
    expect([r.x, r.y]).toEqual([0x80000000, 0x80000000]);
    expect([r.b1, r.b2]).toEqual([false, false]);
  });

  it("absent card: the port reads 0xFF, both axes time out; the WANT_JOYSTICK_CONNECTED probe fails", () => {
    const ctx = new FakeContext();
    const r = joyRead(ctx, 0x201, 0);
    expect([r.x, r.y, r.b1, r.b2]).toEqual([0x80000000, 0x80000000, false, false]);
    expect(joyProbeConnected(ctx, 0x201)).toBe(false);
  });

  it("WANT_JOYSTICK_CONNECTED probe: present with a stick, absent with none plugged in", () => {
    expect(joyProbeConnected(port(1).ctx, 0x201)).toBe(true);
    expect(joyProbeConnected(port(0).ctx, 0x201)).toBe(false);
  });

  it("idles at 0xF0 before any write and decodes 0x200-0x207", () => {
    const { ctx } = port();
    expect(ctx.inb(0x201)).toBe(0xf0);
    ctx.outb(0x207, 0);
    expect(ctx.inb(0x200) & 0x0f).toBe(0x0f);
    expect(ctx.inb(0x208)).toBe(0xff);
  });

  it("control(): move / press / release, and bad arguments refused", () => {
    const { ctx, dev } = port(2);
    dev.control("press", ["3"]);
    expect(ctx.inb(0x201) & 0xf0).toBe(0x70);
    dev.control("release", ["3"]);
    expect(ctx.inb(0x201) & 0xf0).toBe(0xf0);
    dev.control("move", ["2", "0"]);
    expect(dev.oneShotNs(2)).toBe(24_200);
    expect(() => dev.control("move", ["4", "0"])).toThrow(/axis 4/);
    expect(() => dev.control("move", ["0", "256"])).toThrow(/position 256/);
    expect(() => dev.control("move", ["0"])).toThrow(KernelError);
    expect(() => dev.control("press", ["x"])).toThrow(/not a number/);
    expect(() => dev.control("fire", [])).toThrow(/unknown operation/);
  });

  it("random writes, reads and time never throw; a connected axis is 0 once its one-shot ends", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), {
          maxLength: 200,
        }),
        (ops) => {
          const { ctx, dev } = port(1);
          for (const [kind, v, axis] of ops) {
            if (kind === 0) ctx.outb(0x200 + (v & 7), v);
            else if (kind === 1) ctx.inb(0x200 + (v & 7));
            else if (kind === 2) dev.move(axis, v);
            else ctx.delay(v * 10);
            const s = dev.snapshot();
            expect(s["status"] as number).toBeLessThanOrEqual(0xff);
            if ((s["firedAt"] as number) >= 0 && ctx.now() - (s["firedAt"] as number) > 1_125_000) {
              expect((s["status"] as number) & 0x0f).toBe(0x0c);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
