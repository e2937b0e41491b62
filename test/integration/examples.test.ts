/**
 * The runnable walkthrough in examples/ works as its comments say: it
 * boots a kernel, builds the example module from C, loads it, finds its
 * symbol and malloc type, and unloads it.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findClang } from "../../src/build/cc.js";

const TOUR = fileURLToPath(new URL("../../examples/tour.sh", import.meta.url));
const NO_CLANG = findClang() === undefined ? "no clang found (install clang-16): the tour builds a module from C" : "";

describe.skipIf(NO_CLANG)("examples/tour.sh", () => {
  it("builds, loads, inspects and unloads the counter module", () => {
    const out = execFileSync("sh", [TOUR], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    expect(out).toMatch(/ 2 +1 +0x[0-9a-f]+ +[0-9a-f]+ counter\.ko/);
    expect(out).toMatch(/counter_value 0x[0-9a-f]+ +4 data counter\.ko \(id 2\)/);
    expect(out).toMatch(/counter +1 +1K +1/);
    expect(out).toMatch(/counter: set up at 0x/);
  }, 60_000);
});
