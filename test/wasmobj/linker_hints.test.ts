import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lookupHint, readLinkerHints, writeLinkerHints, type HintRecord } from "../../src/wasmobj/linker_hints.js";
import { kernelErrorOf, refusal } from "../support/kernel_error.js";

const recs: HintRecord[] = [
  { type: "module", name: "kdep_lib", file: "kdep_lib.ko" },
  { type: "version", name: "kdep_lib", version: 1, file: "old_lib.ko" },
  { type: "version", name: "kdep_lib", version: 2, file: "kdep_lib.ko" },
  { type: "version", name: "kdep_lib", version: 5, file: "new_lib.ko" },
  { type: "version", name: "x", version: 7, file: "x" },
];

describe("linker.hints (FreeBSD's binary format)", () => {
  it("round-trips, little-endian, version 1 first, int-aligned versions", () => {
    const bytes = writeLinkerHints(recs);
    const view = new DataView(bytes.buffer);
    expect(view.getInt32(0, true)).toBe(1);
    // First record: reclen, MDT_MODULE, "\x08kdep_lib", "\x0bkdep_lib.ko", padded.
    expect(view.getInt32(8, true)).toBe(2);
    expect(bytes[12]).toBe(8);
    expect(new TextDecoder().decode(bytes.subarray(13, 21))).toBe("kdep_lib");
    expect(readLinkerHints(bytes, "linker.hints")).toEqual(recs);
  });

  it("chooses as modlist_lookup2 does: exact preferred, else highest in range", () => {
    expect(lookupHint(recs, "kdep_lib", { min: 1, pref: 2, max: 9 })?.file).toBe("kdep_lib.ko");
    expect(lookupHint(recs, "kdep_lib", { min: 1, pref: 3, max: 9 })?.file).toBe("new_lib.ko");
    expect(lookupHint(recs, "kdep_lib", { min: 1, pref: 3, max: 4 })?.file).toBe("kdep_lib.ko");
    expect(lookupHint(recs, "kdep_lib", { min: 6, pref: 6, max: 9 })).toBeUndefined();
    expect(lookupHint(recs, "nosuch")).toBeUndefined();
  });

  it("refuses a wrong version, truncation and bad record lengths with EFTYPE", () => {
    const good = writeLinkerHints(recs);
    const v2 = good.slice();
    v2[0] = 2;
    const err = (b: Uint8Array): string => refusal(() => readLinkerHints(b, "h"));
    expect(err(v2)).toBe("EFTYPE: hints file version mismatch 2");
    expect(err(new Uint8Array([1, 0]))).toBe("EFTYPE: linker.hints: file too short for a version at offset 0");
    for (let cut = 5; cut < good.length; cut++) {
      const r = err(good.slice(0, cut));
      expect(r === "accepted" || r.startsWith("EFTYPE: linker.hints:")).toBe(true);
    }
    const badLen = good.slice();
    new DataView(badLen.buffer).setInt32(4, 1_000_000, true);
    expect(err(badLen)).toMatch(/^EFTYPE: linker.hints: bad record length 1000000 at offset 4/);
  });

  it("never throws anything but a KernelError on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const bytes = new Uint8Array([1, 0, 0, 0, ...b]);
        kernelErrorOf(() => readLinkerHints(bytes, "h"));
      }),
      { numRuns: 500 },
    );
  });
});
