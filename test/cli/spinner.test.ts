import { describe, expect, it } from "vitest";
import { PassThrough } from "node:stream";
import { SPINNER_DELAY_MS, spinnersAllowed, startProgress, type ProgressIo } from "../../src/cli/spinner.js";

describe("spinner policy", () => {
  const tty = { isTTY: true, columns: 80 };
  it("spins only on a terminal with a width, never under CI or TERM=dumb", () => {
    expect(spinnersAllowed({}, tty)).toBe(true);
    expect(spinnersAllowed({}, { isTTY: false, columns: 80 })).toBe(false);
    expect(spinnersAllowed({ CI: "true" }, tty)).toBe(false);
    expect(spinnersAllowed({ TERM: "dumb" }, tty)).toBe(false);
  });

  it("does not spin on a terminal that reports zero columns (ora would redraw forever)", () => {
    expect(spinnersAllowed({}, { isTTY: true, columns: 0 })).toBe(false);
    expect(spinnersAllowed({}, { isTTY: true })).toBe(false);
  });
});

describe("startProgress", () => {
  /** A terminal-like stream that records what is written to it. */
  function fakeTerminal(): { io: ProgressIo; written: () => string } {
    const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
    stream.isTTY = true;
    stream.columns = 80;
    // The tty.WriteStream cursor calls ora makes.
    const done = (cb?: () => void): boolean => (cb?.(), true);
    Object.assign(stream, {
      cursorTo: (_x: number, cb?: () => void) => done(cb),
      moveCursor: (_dx: number, _dy: number, cb?: () => void) => done(cb),
      clearLine: (_dir: number, cb?: () => void) => done(cb),
    });
    let out = "";
    stream.on("data", (d: Buffer) => (out += d.toString()));
    return { io: { env: {}, stream }, written: () => out };
  }

  it("shows nothing for work shorter than the delay", async () => {
    const t = fakeTerminal();
    const p = startProgress("loading x.ko", false, t.io);
    await new Promise((r) => setTimeout(r, 100));
    p.stop();
    await new Promise((r) => setTimeout(r, SPINNER_DELAY_MS));
    expect(t.written()).toBe("");
  });

  it("spins on the terminal, with its text, once the work takes longer than the delay", async () => {
    const t = fakeTerminal();
    const p = startProgress("loading x.ko", false, t.io);
    await new Promise((r) => setTimeout(r, SPINNER_DELAY_MS + 400));
    p.stop();
    expect(t.written()).toContain("loading x.ko");
  });

  it("stays silent when quiet (--json, -q), however long the work", async () => {
    const t = fakeTerminal();
    const p = startProgress("loading x.ko", true, t.io);
    await new Promise((r) => setTimeout(r, SPINNER_DELAY_MS + 200));
    p.stop();
    expect(t.written()).toBe("");
  });
});
