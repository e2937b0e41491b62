/**
 * Property test: a driver hammering random ports with random values, with
 * random delays and interrupt acknowledges in between, never makes the host
 * throw and leaves the machine consistent.  Runs on pc97 (every card) and on
 * a machine of test cards that overlap (contention, a shared IRQ).
 */
import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import type { Machine } from "../../src/isa/machine.js";
import { machineFromYaml } from "../../src/isa/machine_yaml.js";
import { registerTestCards } from "./test_card.js";

beforeAll(registerTestCards);

/** Ports worth hitting: every platform register and the usual card bases, plus anything. */
const HOT = [0x00, 0x08, 0x0b, 0x20, 0x21, 0x40, 0x43, 0x61, 0x70, 0x71, 0x80, 0x81, 0xa0, 0xa1, 0xc0, 0xd6, 0x201, 0x220, 0x280, 0x2f8, 0x300, 0x378, 0x3f8];
const port = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }),
  fc.tuple(fc.constantFrom(...HOT), fc.integer({ min: 0, max: 0x1f })).map(([b, o]) => b + o),
);
const op = fc.oneof(
  fc.record({ k: fc.constantFrom("inb", "inw", "inl"), port }),
  fc.record({ k: fc.constantFrom("outb", "outw", "outl"), port, v: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ k: fc.constant("delay"), us: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ k: fc.constant("inta") }),
);
type Op = { k: string; port?: number; v?: number; us?: number };

function apply(m: Machine, o: Op): void {
  const p = o.port ?? 0;
  const v = o.v ?? 0;
  switch (o.k) {
    case "inb":
      expect(m.inb(p)).toBeLessThanOrEqual(0xff);
      break;
    case "inw":
      expect(m.inw(p)).toBeLessThanOrEqual(0xffff);
      break;
    case "inl": {
      const r = m.inl(p);
      expect(r >= 0 && r <= 0xffffffff).toBe(true);
      break;
    }
    case "outb":
      m.outb(p, v & 0xff);
      break;
    case "outw":
      m.outw(p, v & 0xffff);
      break;
    case "outl":
      m.outl(p, v);
      break;
    case "delay":
      m.delay(o.us ?? 0);
      break;
    default: {
      const vec = m.acknowledge();
      expect(vec >= 0 && vec <= 0xff).toBe(true);
    }
  }
}

function checkConsistent(m: Machine, before: number): void {
  expect(m.clock.now()).toBeGreaterThanOrEqual(before);
  const s = m.irqState();
  for (const x of [s.imr, s.irr, s.isr, s.lines]) expect(x >>> 16).toBe(0);
  // Edge-triggered IRR never holds a request whose line is low (cascade bit 2 included).
  expect(s.irr & ~s.lines).toBe(0);
  for (const c of m.cards()) {
    for (const value of Object.values(m.snapshot(c.name))) {
      if (typeof value === "number") expect(Number.isFinite(value)).toBe(true);
    }
  }
  // A port nobody decodes still floats high.
  expect(m.inb(0xeee0)).toBe(0xff);
}

function hammer(build: () => Machine, runs: number): void {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
      const m = build();
      const before = m.clock.now();
      for (const o of ops) apply(m, o as Op);
      checkConsistent(m, before);
      void m.close();
    }),
    { numRuns: runs },
  );
}

describe("random port I/O", () => {
  test("on a machine of test cards", () => {
    const yaml =
      "platform:\n  mc146818: {time: '1997-01-01T00:00:00Z'}\ncards:\n" +
      "  - {name: a, type: testlatch, port: 0x300, irq: 5, iomem: 0xd0000}\n" +
      "  - {name: b, type: testlatch, port: 0x304, irq: 5}\n" +
      "  - {name: c, type: testcom, port: 0x3f8}\n";
    hammer(() => machineFromYaml(yaml), 80);
  });

  test("on pc97 with every card", () => {
    const pc97 = readFileSync("configs/machines/pc97.yaml", "utf8");
    hammer(() => machineFromYaml(pc97.replace("time: host", "time: '1997-01-01T00:00:00Z'"), "pc97.yaml"), 100);
  });
});

describe("hostile text", () => {
  const pc97 = readFileSync("configs/machines/pc97.yaml", "utf8");

  test("any script text yields output or a located error, never an exception", async () => {
    const { runScript } = await import("../../src/isa/script.js");
    const m = machineFromYaml(pc97.replace("time: host", "time: '1997-01-01T00:00:00Z'"), "pc97.yaml");
    const word = fc.oneof(
      fc.constantFrom("inb", "inw", "inl", "outb", "outw", "outl", "delay", "peek", "poke", "irq", "inta", "time", "show", "card", "type", "move", "inject", "cards"),
      fc.constantFrom("com1", "ne0", "joy0", "sb0", "lpt1", "pic", "0x3f8", "0x80", "-1", "99999999999999999999", '"', ";", "#", "0x"),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(word, { maxLength: 5 }).map((w) => w.join(" ")), { maxLength: 8 }), (lines) => {
        const r = runScript(m, lines.join("\n"), "f");
        if (r.error !== undefined) expect(r.error).toMatch(/^f:\d+: /);
      }),
      { numRuns: 300 },
    );
    await m.close();
  });

  test("any machine text is accepted or refused with a MachineFileError naming a line", async () => {
    const { MachineFileError, parseMachineYaml } = await import("../../src/isa/machine_yaml.js");
    const lines = pc97.split("\n");
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: lines.length - 1 }), fc.string({ maxLength: 12 })), { maxLength: 4 }),
        (edits) => {
          const copy = [...lines];
          for (const [i, text] of edits) copy[i] = copy[i]!.slice(0, Math.floor(copy[i]!.length / 2)) + text;
          try {
            parseMachineYaml(copy.join("\n"), "fz.yaml");
          } catch (e) {
            expect(e).toBeInstanceOf(MachineFileError);
            for (const p of (e as InstanceType<typeof MachineFileError>).problems) expect(p.line).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
