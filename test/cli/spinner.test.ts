import { describe, expect, it } from "vitest";
import { spinnersAllowed } from "../../src/cli/spinner.js";

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
