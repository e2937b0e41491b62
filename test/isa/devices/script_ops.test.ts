/**
 * The cards' run-time operations as a `kld machine` user reaches them: the
 * script runner (src/isa/script.ts) on configs/machines/pc97.yaml.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Machine } from "../../../src/isa/machine.js";
import { loadMachineFile } from "../../../src/isa/machine_yaml.js";
import { runScript } from "../../../src/isa/script.js";

const PC97 = new URL("../../../configs/machines/pc97.yaml", import.meta.url).pathname;
let m: Machine | undefined;
afterEach(async () => {
  await m?.close();
  m = undefined;
});

function run(source: string) {
  m ??= loadMachineFile(PC97);
  return runScript(m, source);
}

describe("card operations from a kld machine script", () => {
  it("UART: type arrives at the baud rate, transmitted shows what the guest sent, break sets LSR.BI", () => {
    const r = run(
      [
        "outb 0x3fb 0x03; outb 0x3fa 0x01",
        "type com1 hi\\n; delay 3200",
        "inb 0x3f8; inb 0x3f8; inb 0x3f8",
        "outb 0x3f8 0x4f; outb 0x3f8 0x4b; delay 2200",
        "transmitted com1",
        "card com1 break; delay 1100; inb 0x3fd",
      ].join("\n"),
    );
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual(["0x68", "0x69", "0x0a", "OK", "0xf1"]); // DR, THRE, TEMT, BI and the FIFO error bit
  });

  it("game port: move and press change what the port reads", () => {
    const r = run("press joy0 1; inb 0x201; move joy0 0 0; outb 0x201 0; delay 30; inb 0x201; release joy0 1; inb 0x201");
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual(["0xd0", "0xde", "0xfe"]); // X1 done after 24 µs; Y1 (centred) and the unplugged X2/Y2 still high
  });

  it("NE2000: an injected broadcast lands in the receive ring; LPT prints; SB16 reports playback", () => {
    const frame = "ffffffffffff" + "020000000009" + "0806" + "00".repeat(46);
    const r = run(
      [
        "outb 0x280 0x21; outb 0x28e 0x49; outb 0x28c 0x04; outb 0x281 0x4c; outb 0x282 0x80; outb 0x283 0x4c",
        "outb 0x280 0x61; outb 0x287 0x4d; outb 0x280 0x22; outb 0x287 0xff",
        `inject ne0 ${frame}`,
        "inb 0x287",
        "outb 0x37a 0x0c; outb 0x378 0x50; outb 0x37a 0x0d; outb 0x37a 0x0c; delay 30",
        "printed lpt1",
        "played sb0",
      ].join("\n"),
    );
    expect(r.error).toBeUndefined();
    expect(r.output).toEqual(["0x01", "P", "0 bytes played"]);
  });

  it("bad operations and arguments stop the script naming the line and the command", () => {
    expect(run("delay 1\nmove joy0 9 0").error).toMatch(/^-e:2: move joy0 9 0: .*axis 9: must be 0-3/);
    expect(run("inject ne0 ff:ff").error).toMatch(/frame of 2 bytes/);
    expect(run("type com1 \\q").error).toMatch(/unknown escape/);
    expect(run("card sb0 record").error).toMatch(/unknown operation "record"/);
  });
});
