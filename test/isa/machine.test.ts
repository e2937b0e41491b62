import { beforeAll, describe, expect, test } from "vitest";
import { Machine, bareDescription } from "../../src/isa/machine.js";
import { machineFromYaml } from "../../src/isa/machine_yaml.js";
import { registerCardType } from "../../src/isa/devices/registry.js";
import { KernelError } from "../../src/errno/kernel_error.js";
import { registerTestCards } from "./test_card.js";

beforeAll(registerTestCards);

const peekWord = (m: Machine, a: number): number => m.memRead8(a) | (m.memRead8(a + 1) << 8);

describe("machine", () => {
  test("BIOS data area lists COM bases in BIOS probe order and nothing else", () => {
    const m = machineFromYaml(
      "cards:\n" +
        "  - {name: com2, type: testcom, port: 0x2f8}\n" +
        "  - {name: com1, type: testcom, port: 0x3f8}\n" +
        "  - {name: odd, type: testcom, port: 0x3a0}\n",
    );
    expect([0, 2, 4, 6].map((o) => peekWord(m, 0x400 + o))).toEqual([0x3f8, 0x2f8, 0, 0]);
    expect([0, 2, 4].map((o) => peekWord(m, 0x408 + o))).toEqual([0, 0, 0]);
  });

  test("ISA memory: card windows behave as the card says, the rest of the hole reads 0xff, RAM is RAM", () => {
    const m = machineFromYaml("cards:\n  - {name: nic, type: testlatch, port: 0x300, iomem: 0xd8000}\n");
    m.memWrite8(0xd8010, 0x5a);
    expect(m.memRead8(0xd8010)).toBe(0x5a);
    m.memWrite8(0xc0000, 0x12);
    expect(m.memRead8(0xc0000)).toBe(0xff);
    expect(m.memRead8(0xa0000)).toBe(0xff);
    m.memWrite8(0x9fff0, 0x34);
    expect(m.memRead8(0x9fff0)).toBe(0x34);
    expect(m.memRead8(0x7fffffff)).toBe(0xff);
    expect(m.memRead8(-1)).toBe(0xff);
  });

  test("a card jumpered for IRQ 2 interrupts on IRQ 9", () => {
    const m = machineFromYaml("cards:\n  - {name: c, type: testlatch, port: 0x300, irq: 2}\n");
    m.outb(0x307, 1);
    expect(m.irqState().lines).toBe((m.irqState().lines & 0x1) | 0x200);
    expect(m.irqState().irr & 0x200).toBe(0x200);
    m.outb(0x307, 0);
    expect(m.irqState().irr & 0x200).toBe(0);
  });

  test("snapshot, control and cards()", () => {
    const m = machineFromYaml("cards:\n  - {name: c0, type: testlatch, port: 0x300, mode: b}\n");
    m.outb(0x300, 0x77);
    expect(m.snapshot("c0")).toEqual({ reg0: 0x77, mode: "b", fast: false });
    expect(m.control("c0", "echo", ["hi", "there"])).toEqual(["hi there"]);
    m.control("c0", "poke", ["1", "9"]);
    expect(m.inb(0x301)).toBe(9);
    expect(m.cards()).toEqual([
      { name: "pic", type: "i8259" },
      { name: "dma", type: "i8237" },
      { name: "pit", type: "i8254" },
      { name: "rtc", type: "mc146818" },
      { name: "c0", type: "testlatch" },
    ]);
    expect(() => m.snapshot("nope")).toThrow(/nope: Device not configured/);
    expect(() => m.control("pit", "x", [])).toThrow(KernelError);
    expect(() => m.control("c0", "fly", [])).toThrow(/Operation not supported/);
  });

  test("reset returns the cards to power-on state", () => {
    const m = machineFromYaml("cards:\n  - {name: c0, type: testlatch, port: 0x300}\n");
    m.outb(0x300, 0x77);
    m.reset();
    expect(m.inb(0x300)).toBe(0);
  });

  test("a factory that throws unwinds the cards already built", () => {
    const closed: string[] = [];
    registerCardType("explodes", {
      description: "fails to build",
      options: {},
      create() {
        throw new KernelError("EBUSY", "boom", "socket in use");
      },
    });
    registerCardType("closable", {
      description: "records close",
      options: {},
      create: (name) => ({ name, type: "closable", reset() {}, snapshot: () => ({}), close: () => void closed.push(name) }),
    });
    expect(() =>
      new Machine({
        name: "x",
        memoryKiB: 1024,
        cards: [
          { name: "a", type: "closable", options: {} },
          { name: "b", type: "closable", options: {} },
          { name: "c", type: "explodes", options: {} },
        ],
      }),
    ).toThrow(/socket in use/);
    expect(closed).toEqual(["b", "a"]);
  });

  test("descriptions built in code are checked too: unknown type, duplicate name", () => {
    expect(() => new Machine({ name: "x", memoryKiB: 640, cards: [{ name: "a", type: "zz", options: {} }] })).toThrow(/unknown card type "zz"/);
    expect(
      () =>
        new Machine({
          name: "x",
          memoryKiB: 640,
          cards: [
            { name: "a", type: "testcom", options: { port: 0x3f8 } },
            { name: "a", type: "testcom", options: { port: 0x2f8 } },
          ],
        }),
    ).toThrow(/duplicate card name "a"/);
  });

  test("close() is idempotent and stops wall-time following", async () => {
    const m = new Machine(bareDescription());
    m.followWallTime(1);
    await m.close();
    await m.close();
    const t = m.clock.now();
    await new Promise((r) => setTimeout(r, 10));
    expect(m.clock.now()).toBe(t);
  });
});

test("attachRam: DMA and peek reach the attached memory, which gets the BIOS data area", () => {
  const m = machineFromYaml("cards:\n  - {name: com1, type: testcom, port: 0x3f8}\n");
  const mem = new Uint8Array(0x200000);
  mem[0x12345] = 0x99;
  m.attachRam(mem);
  expect(m.memRead8(0x12345)).toBe(0x99);
  expect(mem[0x400]! | (mem[0x401]! << 8)).toBe(0x3f8);
  m.memWrite8(0x150000, 7);
  expect(mem[0x150000]).toBe(7);
});
