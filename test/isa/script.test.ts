import { beforeAll, describe, expect, test } from "vitest";
import { Machine, bareDescription } from "../../src/isa/machine.js";
import { machineFromYaml } from "../../src/isa/machine_yaml.js";
import { runScript } from "../../src/isa/script.js";
import { registerTestCards } from "./test_card.js";

beforeAll(registerTestCards);

const bare = (): Machine => new Machine(bareDescription());

describe("kld machine script", () => {
  test("each in* prints exactly one line, hex padded to the width", () => {
    const r = runScript(bare(), "inb 0x3f8; inw 0x3f8\ninl 1016");
    expect(r).toEqual({ output: ["0xff", "0xffff", "0xffffffff"] });
  });

  test("out then in, comments and blank lines", () => {
    const r = runScript(bare(), "# POST code\noutb 0x80 0x42   # a comment\n\ninb 0x80\noutw 0x80 0x1234; inw 0x80");
    expect(r.output).toEqual(["0x42", "0x1234"]);
  });

  test("delay and time", () => {
    const r = runScript(bare(), "delay 1000; time");
    expect(r.output).toEqual(["1000000 ns (1000.000 us)"]);
  });

  test("peek shows the BIOS data area; poke writes memory", () => {
    const m = machineFromYaml("cards:\n  - {name: com1, type: testcom, port: 0x3f8}\n");
    expect(runScript(m, "peek 0x400 4").output).toEqual(["0x00400: f8 03 00 00"]);
    expect(runScript(m, "poke 0x500 0xab; peek 0x500").output).toEqual(["0x00500: ab"]);
    expect(runScript(m, "peek 0x500 20").output).toHaveLength(2);
  });

  test("irq shows masks, requests and line levels; inta acknowledges", () => {
    const m = bare();
    m.outb(0x43, 0x30); // quiet IRQ0
    const r = runScript(m, "outb 0x21 0xfe; irq");
    expect(r.output).toEqual([
      "master: imr 0xfe irr 0x00 isr 0x00",
      "slave:  imr 0xff irr 0x00 isr 0x00",
      "lines high: none",
      "intr: 0",
    ]);
    m.pic.setIrq(0, true);
    expect(runScript(m, "inta; irq").output).toEqual([
      "0x08",
      "master: imr 0xfe irr 0x00 isr 0x01",
      "slave:  imr 0xff irr 0x00 isr 0x00",
      "lines high: 0",
      "intr: 0",
    ]);
  });

  test("show and card dispatch to the card; quoted arguments", () => {
    const m = machineFromYaml("cards:\n  - {name: c0, type: testlatch, port: 0x300}\n");
    expect(runScript(m, "outb 0x300 5; show c0").output).toEqual(["reg0 = 0x05 (5)", "mode = a", "fast = 0"]);
    expect(runScript(m, 'card c0 echo "a; b" c').output).toEqual(["a; b c"]);
    expect(runScript(m, "cards").output.at(-1)).toBe("c0\ttestlatch");
  });

  test("errors name the source, the line and the command, and stop the script", () => {
    const m = bare();
    expect(runScript(m, "inb 0x80\nfrobnicate 1\ninb 0x80", "t.kld")).toEqual({
      output: ["0x00"],
      error: "t.kld:2: frobnicate 1: unknown command",
    });
    expect(runScript(m, "outb 0x80").error).toBe("-e:1: outb 0x80: missing VALUE");
    expect(runScript(m, "outb 0x80 256").error).toBe("-e:1: outb 0x80 256: VALUE 256 is out of range (at most 0xff)");
    expect(runScript(m, "inb 0x10000").error).toMatch(/PORT 0x10000 is out of range/);
    expect(runScript(m, "inb -1").error).toMatch(/PORT "-1" is not a number/);
    expect(runScript(m, "inb 12abc").error).toMatch(/is not a number/);
    expect(runScript(m, "inb 1 2").error).toMatch(/unexpected argument "2"/);
    expect(runScript(m, "show nope").error).toBe("-e:1: show nope: nope: Device not configured (no such card in this machine)");
    expect(runScript(m, "type pit hello").error).toMatch(/Operation not supported/);
  });
});

test("run-time operations reach the real cards of pc97 (a byte typed into COM1 arrives at 9600 bps)", async () => {
  const { readFileSync } = await import("node:fs");
  const m = machineFromYaml(readFileSync("configs/machines/pc97.yaml", "utf8"), "pc97.yaml");
  const r = runScript(m, 'outb 0x3fb 0x80; outb 0x3f8 12; outb 0x3f9 0; outb 0x3fb 3\ntype com1 "A"\ninb 0x3fd\ndelay 2000\ninb 0x3fd; inb 0x3f8');
  expect(r.error).toBeUndefined();
  expect(r.output).toEqual(["0x60", "0x61", "0x41"]);
  await m.close();
});
