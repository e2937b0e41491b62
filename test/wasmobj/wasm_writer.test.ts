/**
 * WasmWriter: whatever its size hint (0, negative, NaN, huge), the bytes it
 * writes are the same, and it never loops (issue 13: doubling a 0-byte
 * buffer spun forever when a module had no functions to name).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { WasmWriter } from "../../src/wasmobj/wasm_writer.js";

type Op = { op: "u8" | "u32" | "s32" | "paddedU32" | "u32le"; v: number } | { op: "bytes"; b: Uint8Array } | { op: "name"; s: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("u8" as const), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constantFrom("u32" as const, "s32" as const, "paddedU32" as const, "u32le" as const), v: fc.integer() }),
  fc.record({ op: fc.constant("bytes" as const), b: fc.uint8Array({ maxLength: 3000 }) }),
  fc.record({ op: fc.constant("name" as const), s: fc.string({ maxLength: 200 }) }),
);

function write(w: WasmWriter, ops: readonly Op[]): Uint8Array {
  for (const o of ops) {
    if (o.op === "bytes") w.bytes(o.b);
    else if (o.op === "name") w.name(o.s);
    else w[o.op](o.v);
  }
  return w.finish().slice();
}

describe("WasmWriter", () => {
  test("an empty writer (size hint 0) grows to any size at once", () => {
    const w = new WasmWriter(0);
    w.bytes(new Uint8Array(100_000).fill(7));
    expect(w.len).toBe(100_000);
    expect(w.finish()[99_999]).toBe(7);
    expect(new WasmWriter(0).finish().length).toBe(0);
  });

  test("the size hint never changes what is written", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, -1, Number.NaN, 1, 3, 1024, 1e6), fc.array(op, { maxLength: 30 }), (hint, ops) => {
        expect(write(new WasmWriter(hint), ops)).toEqual(write(new WasmWriter(1 << 20), ops));
      }),
      { numRuns: 300 },
    );
  });

  test("a custom section of an empty payload is well-formed", () => {
    const bytes = new WasmWriter(0).custom("name", new WasmWriter(0)).finish();
    expect(Array.from(bytes)).toEqual([0, 5, 4, 0x6e, 0x61, 0x6d, 0x65]);
  });
});
