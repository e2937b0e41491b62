import { Command } from "commander";
import { afterEach, describe, expect, test, vi } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { register } from "../../../src/cli/kld/machine.js";
import { CliError } from "../../../src/cli/cli_error.js";
import { scratchDir } from "../../support/scratch.js";

async function kldMachine(args: string[]): Promise<{ out: string; err: string; error?: CliError }> {
  let out = "";
  let err = "";
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
  const program = new Command("kld").exitOverride();
  register(program);
  try {
    await program.parseAsync(["machine", ...args], { from: "user" });
    return { out, err };
  } catch (x) {
    if (x instanceof CliError) return { out, err, error: x };
    throw x;
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("kld machine", () => {
  test("runs -e commands on the default pc97 machine", async () => {
    const r = await kldMachine(["-e", "inb 0x3fb; outb 0x3ff 0x5a; inb 0x3ff", "-e", "inb 0x2e8"]);
    expect(r.error).toBeUndefined();
    expect(r.out).toBe("0x00\n0x5a\n0xff\n");
  });

  test("device messages reach stderr, named by the device", async () => {
    // Strobing a second byte while the printer is still busy loses it.
    const r = await kldMachine(["-e", "outb 0x378 0x41; outb 0x37a 0x0d; outb 0x37a 0x0c; outb 0x37a 0x0d; outb 0x37a 0x0c"]);
    expect(r.error).toBeUndefined();
    expect(r.err).toContain("kld: lpt1: byte 0x41 strobed while the printer was busy, lost\n");
  });

  test("runs a script file with -m, and reports the failing line with exit status 1", async () => {
    const dir = mkdtempSync(join(scratchDir("kld-machine"), "kldm-"));
    writeFileSync(join(dir, "t.kld"), "outb 0x80 7\ninb 0x80\nbogus\n");
    const r = await kldMachine(["-m", "configs/machines/bare.yaml", join(dir, "t.kld")]);
    expect(r.out).toBe("0x07\n");
    expect(r.error?.message).toBe(`${join(dir, "t.kld")}:3: bogus: unknown command`);
    expect(r.error?.exitCode).toBe(1);
  });

  test("a bad machine file fails with file:line: key", async () => {
    const dir = mkdtempSync(join(scratchDir("kld-machine"), "kldm-"));
    const f = join(dir, "bad.yaml");
    writeFileSync(f, "cards:\n  - name: a\n    type: ns16550\n    port: 0x3f8\n    irq: 99\n");
    const r = await kldMachine(["-m", f, "-e", "time"]);
    expect(r.error?.message).toBe(`${f}:5: cards[0].irq: 99 is out of range 0-15`);
  });

  test("overlapping cards load with a warning on stderr", async () => {
    const dir = mkdtempSync(join(scratchDir("kld-machine"), "kldm-"));
    const f = join(dir, "clash.yaml");
    writeFileSync(f, "cards:\n  - {name: a, type: ns16550, port: 0x3f8, irq: 4}\n  - {name: b, type: ns16550, port: 0x3f8, irq: 4}\n");
    // Both scratch registers take the write, so the AND of the two reads is the value.
    const r = await kldMachine(["-m", f, "-e", "outb 0x3ff 0x5a; inb 0x3ff"]);
    expect(r.err).toContain("kld: warning: ports 0x3f8-0x3ff shared by a and b (ISA contention)");
    expect(r.out).toBe("0x5a\n");
  });

  test("a missing machine file is ENOENT", async () => {
    await expect(kldMachine(["-m", "/nonexistent/m.yaml", "-e", "time"])).rejects.toThrow(/No such file or directory/);
  });
});
