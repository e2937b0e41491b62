import { describe, expect, test } from "vitest";
import { ISA_ACCESS_NS, VirtualClock } from "../../src/isa/clock.js";
import { Machine, bareDescription } from "../../src/isa/machine.js";

describe("virtual clock", () => {
  test("events run in deadline order, ties in scheduling order, each at its deadline", () => {
    const c = new VirtualClock();
    const seen: string[] = [];
    c.schedule(300, () => seen.push(`c@${c.now()}`));
    c.schedule(100, () => seen.push(`a@${c.now()}`));
    c.schedule(100, () => seen.push(`b@${c.now()}`));
    c.advanceTo(250);
    expect(seen).toEqual(["a@100", "b@100"]);
    expect(c.now()).toBe(250);
    c.advance(50);
    expect(seen).toEqual(["a@100", "b@100", "c@300"]);
  });

  test("a cancelled event never runs", () => {
    const c = new VirtualClock();
    let ran = false;
    const h = c.schedule(10, () => (ran = true));
    c.cancel(h);
    c.advance(100);
    expect(ran).toBe(false);
    expect(c.pending()).toBe(0);
  });

  test("an event may schedule another inside the same advance", () => {
    const c = new VirtualClock();
    const at: number[] = [];
    const again = (): void => {
      at.push(c.now());
      if (at.length < 5) c.schedule(c.now() + 10, again);
    };
    c.schedule(10, again);
    c.advance(1000);
    expect(at).toEqual([10, 20, 30, 40, 50]);
  });

  test("tick runs due events once time passes them", () => {
    const c = new VirtualClock();
    let n = 0;
    c.schedule(2500, () => n++);
    c.tick(1000);
    c.tick(1000);
    expect(n).toBe(0);
    c.tick(1000);
    expect(n).toBe(1);
  });

  test("each ISA access costs ~1 us; DELAY adds exactly what it asks", () => {
    const m = new Machine(bareDescription());
    const t0 = m.clock.now();
    m.inb(0x300);
    m.outb(0x80, 1);
    expect(m.clock.now() - t0).toBe(2 * ISA_ACCESS_NS);
    m.delay(1234);
    expect(m.clock.now() - t0).toBe(2 * ISA_ACCESS_NS + 1_234_000);
    // A 16-bit read of an 8-bit (unclaimed) port is two byte cycles.
    m.inw(0x300);
    expect(m.clock.now() - t0).toBe(4 * ISA_ACCESS_NS + 1_234_000);
  });

  test("follows wall time while idle", async () => {
    const c = new VirtualClock();
    c.followWallTime(5);
    await new Promise((r) => setTimeout(r, 60));
    c.stopFollowingWallTime();
    expect(c.now()).toBeGreaterThan(10_000_000);
    const t = c.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(c.now()).toBe(t);
  });
});
