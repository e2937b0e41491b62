import { beforeAll, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { MachineFileError, conflictWarnings, machineFromYaml, parseMachineYaml } from "../../src/isa/machine_yaml.js";
import { expectKernelError } from "../support/kernel_error.js";
import { registerTestCards } from "./test_card.js";

beforeAll(registerTestCards);

/** The problems a document produces, as `line key: message` strings. */
function problems(text: string): { errno: string; list: string[] } {
  try {
    parseMachineYaml(text, "m.yaml");
  } catch (e) {
    if (!(e instanceof MachineFileError)) throw e;
    return { errno: e.info.name, list: e.problems.map((p) => `${p.line} ${p.key}: ${p.message}`) };
  }
  throw new Error("expected the document to be rejected");
}

const card = (extra: string) => `name: t\ncards:\n  - name: c0\n    type: testlatch\n    port: 0x300\n${extra}`;

describe("machine YAML loader", () => {
  test("a valid file yields the description with defaults filled in", () => {
    const d = parseMachineYaml(card("    irq: 5\n    mode: b\n"), "m.yaml");
    expect(d.name).toBe("t");
    expect(d.memoryKiB).toBe(1024);
    expect(d.cards[0]).toMatchObject({ name: "c0", type: "testlatch", where: "m.yaml:3" });
    expect(d.cards[0]!.options).toEqual({ port: 0x300, irq: 5, mode: "b", fast: false, size: 8 });
  });

  test("YAML syntax errors are EFTYPE with the line", () => {
    const r = problems("name: t\ncards: [\n  {name: a\n");
    expect(r.errno).toBe("EFTYPE");
    expect(r.list[0]).toMatch(/^\d+ : /);
  });

  test("a document that is not a mapping", () => {
    expect(problems("- a\n- b\n")).toEqual({ errno: "EFTYPE", list: [expect.stringMatching(/^1 : a machine file must be a mapping/)] });
  });

  test("duplicate keys", () => {
    expect(problems("name: t\nmemory: 640\nmemory: 1024\n").list).toEqual(["3 memory: duplicate key"]);
    expect(problems(card("    irq: 5\n    irq: 6\n")).list).toEqual(["7 cards[0].irq: duplicate key"]);
  });

  test("unknown top-level key names the key and the valid ones", () => {
    expect(problems("name: t\nmemroy: 640\n").list).toEqual(["2 memroy: unknown key (valid: name, description, memory, platform, cards)"]);
  });

  test("wrong types and out-of-range memory", () => {
    expect(problems("memory: lots\n").list).toEqual(['1 memory: expected a whole number of KiB, got "lots"']);
    expect(problems("memory: -5\n").list).toEqual(["1 memory: -5 KiB is out of range 640-65536"]);
    expect(problems("memory: 1e30\n").list[0]).toMatch(/^1 memory: /);
    expect(problems("name: [a]\n").list).toEqual(["1 name: expected a lower-case word like pc97, got a list"]);
    expect(problems("cards: {a: 1}\n").list).toEqual(["1 cards: expected a list of cards, got a mapping"]);
    expect(problems("cards:\n  - 42\n").list).toEqual(["2 cards[0]: expected a mapping with name, type and options, got 42"]);
  });

  test("negative, oversized and mistyped card options", () => {
    expect(problems(card("    irq: 16\n")).list).toEqual(["6 cards[0].irq: 16 is out of range 0-15"]);
    expect(problems(card("    irq: -1\n")).list).toEqual(["6 cards[0].irq: -1 is out of range 0-15"]);
    expect(problems(card("    irq: four\n")).list).toEqual(['6 cards[0].irq: expected an IRQ number, got "four"']);
    expect(problems(card("    drq: 2.5\n")).list).toEqual(["6 cards[0].drq: 2.5 is not a whole number"]);
    expect(problems(card("    iomem: 0x9000\n")).list).toEqual(["6 cards[0].iomem: 0x9000 is out of range 0xa0000-0xfffff"]);
    expect(problems(card("    size: 1000000000000000000000\n")).list[0]).toMatch(/^6 cards\[0\]\.size: .* is out of range 1-64$/);
    expect(problems(card("    mode: c\n")).list).toEqual(['6 cards[0].mode: expected one of a, b, got "c"']);
    expect(problems(card("    fast: yes\n")).list).toEqual(['6 cards[0].fast: expected true or false, got "yes"']);
    expect(problems(card("    mac: 01:02\n")).list[0]).toMatch(/^6 cards\[0\]\.mac: expected an Ethernet address/);
    expect(problems(card("    irq: {a: 1}\n")).list).toEqual(["6 cards[0].irq: expected an IRQ number, got a mapping"]);
    const port = problems("cards:\n  - name: c0\n    type: testlatch\n    port: 0x10000\n").list;
    expect(port).toEqual(["4 cards[0].port: 0x10000 is out of range 0x0-0xffff"]);
  });

  test("unknown card options, missing keys, unknown types", () => {
    expect(problems(card("    colour: red\n")).list[0]).toMatch(/^6 cards\[0\]\.colour: unknown option \(valid: port, irq, /);
    expect(problems("cards:\n  - name: c0\n    type: testlatch\n").list).toEqual(['2 cards[0]: missing required option "port"']);
    expect(problems("cards:\n  - type: testlatch\n    port: 1\n").list).toEqual(['2 cards[0]: missing required key "name"']);
    expect(problems("cards:\n  - name: c0\n").list).toEqual(['2 cards[0]: missing required key "type"']);
    expect(problems("cards:\n  - name: c0\n    type: warpdrive\n").list[0]).toMatch(/^3 cards\[0\]\.type: unknown card type "warpdrive" \(known: .*testlatch/);
    expect(problems("cards:\n  - name: c0\n    type: i8254\n").list[0]).toMatch(/^3 cards\[0\]\.type: "i8254" is a platform device/);
    expect(problems("cards:\n  - name: Bad Name\n    type: testlatch\n    port: 1\n").list[0]).toMatch(/^2 cards\[0\]\.name: expected a lower-case name/);
    expect(problems("cards:\n  - name: pit\n    type: testlatch\n    port: 1\n").list[0]).toMatch(/^2 cards\[0\]\.name: "pit" is the name of a platform device/);
  });

  test("duplicate card names point at the second one", () => {
    const text = "cards:\n  - name: c0\n    type: testlatch\n    port: 0x300\n  - name: c0\n    type: testlatch\n    port: 0x310\n";
    const r = problems(text);
    expect(r.errno).toBe("EINVAL");
    expect(r.list).toEqual(['5 cards[1].name: duplicate card name "c0" (first used by cards[0])']);
  });

  test("platform options are validated through the platform device's spec", () => {
    expect(problems("platform:\n  mc146818:\n    time: yesterday\n").list[0]).toMatch(/^3 platform\.mc146818\.time: "yesterday" does not match/);
    expect(problems("platform:\n  flux: {}\n").list[0]).toMatch(/^2 platform\.flux: not a platform device \(valid: i8254, mc146818/);
    expect(problems("platform:\n  mc146818:\n    colour: 1\n").list[0]).toMatch(/^3 platform\.mc146818\.colour: unknown option/);
  });

  test("every problem is collected, in line order, and the error message names file:line and key", () => {
    const text = "name: t\nbogus: 1\ncards:\n  - name: c0\n    type: testlatch\n    port: 0x300\n    irq: 99\n";
    {
      const err = expectKernelError(() => parseMachineYaml(text, "m.yaml"), "EINVAL") as MachineFileError;
      expect(err.lines()).toEqual(["m.yaml:2: bogus: unknown key (valid: name, description, memory, platform, cards)", "m.yaml:7: cards[0].irq: 99 is out of range 0-15"]);
      expect(err.message).toBe("m.yaml:2: Invalid argument (bogus: unknown key (valid: name, description, memory, platform, cards))");
    }
  });

  test("a card refusing its options at build time is reported at its line", () => {
    try {
      machineFromYaml("cards:\n  - name: sb0\n    type: sb16\n    irq: 4\n", "s.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MachineFileError);
      expect((e as MachineFileError).lines()[0]).toMatch(/^s\.yaml:2: cards\[0\]: sb0: irq 4: /);
    }
  });

  test("a card whose registers would run past port 0xffff is refused at its line, not wrapped to port 0", () => {
    try {
      machineFromYaml("cards:\n  - name: ne0\n    type: ne2000\n    port: 0xfff0\n", "w.yaml");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MachineFileError);
      expect((e as MachineFileError).lines()[0]).toMatch(/^w\.yaml:2: cards\[0\]: ne0: its registers at 0x10000-.* past the end of the I\/O space/);
    }
  });

  test("overlapping cards load (ISA contention) and are reported", () => {
    const m = machineFromYaml(
      "cards:\n  - {name: a, type: testlatch, port: 0x300, irq: 5}\n  - {name: b, type: testlatch, port: 0x304, irq: 5}\n",
    );
    expect(conflictWarnings(m)).toEqual(["ports 0x304-0x307 shared by a and b (ISA contention)", "irq 5 shared by a and b (ISA contention)"]);
  });

  test("the shipped bare machine loads with only the platform devices", () => {
    const bare = machineFromYaml(readFileSync("configs/machines/bare.yaml", "utf8"), "bare.yaml");
    expect(bare.cards().map((c) => c.name)).toEqual(["pic", "dma", "pit", "rtc"]);
    expect(bare.conflicts()).toEqual([]);
    expect(bare.inb(0x3f8)).toBe(0xff);
  });

  test("the shipped pc97 machine loads every card, without conflicts, and fills the BIOS data area", async () => {
    const m = machineFromYaml(readFileSync("configs/machines/pc97.yaml", "utf8"), "pc97.yaml");
    expect(m.cards().map((c) => `${c.name}:${c.type}`)).toEqual([
      "pic:i8259", "dma:i8237", "pit:i8254", "rtc:mc146818",
      "com1:ns16550", "com2:ns16550", "lpt1:lpt", "ne0:ne2000", "joy0:gameport", "sb0:sb16",
    ]);
    expect(conflictWarnings(m)).toEqual([]);
    const word = (a: number): number => m.memRead8(a) | (m.memRead8(a + 1) << 8);
    expect([word(0x400), word(0x402), word(0x404), word(0x408), word(0x40a)]).toEqual([0x3f8, 0x2f8, 0, 0x378, 0]);
    // Something answers at each card's base; an empty slot floats high.
    expect(m.inb(0x3fb)).not.toBe(0xff);
    expect(m.inb(0x2e8 + 7)).toBe(0xff);
    await m.close();
  });

  test("hostile input never escapes as anything but a MachineFileError", () => {
    const inputs = ["", "~", "!!binary AAAA", "&a [*a]", "a: &x\n  b: *x\ncards: *x\n", "\u0000\u0001", "cards:\n  - !!map {name: x}\n", "{".repeat(200), "memory: 0x" + "f".repeat(100)];
    for (const text of inputs) {
      try {
        parseMachineYaml(text, "h.yaml");
      } catch (e) {
        expect(e).toBeInstanceOf(MachineFileError);
      }
    }
  });
});
