/**
 * Property: random mutations of valid objects are accepted or refused with a
 * KernelError — never another exception, never a hang — by readObject, and
 * by linkObject and mergeObjects for those readObject accepts; what
 * mergeObjects writes, readObject accepts.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { mergeObjects } from "../../src/wasmobj/link_relocatable.js";
import { readObject } from "../../src/wasmobj/wasm_object.js";
import type { WasmObject } from "../../src/wasmobj/object_types.js";
import { EMPTY_SHAPES, shapedObject } from "../fixtures/objects/shaped_object.js";
import { tinyObject } from "../fixtures/objects/tiny_object.js";
import { BareKernel } from "../support/bare_kernel.js";
import { CLANG, NO_CLANG_REASON, compileC } from "../support/clang.js";
import { kernelErrorOf } from "../support/kernel_error.js";

type Mutation =
  | { kind: "set"; at: number; value: number }
  | { kind: "cut"; at: number }
  | { kind: "insert"; at: number; value: number }
  | { kind: "delete"; at: number };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
);

function mutate(src: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Array.from(src);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === "set") b[at] = m.value;
    else if (m.kind === "cut") b = b.slice(0, at);
    else if (m.kind === "insert") b.splice(at, 0, m.value);
    else b.splice(at, 1);
  }
  return new Uint8Array(b);
}

function acceptsOrRefuses(bytes: Uint8Array): void {
  let obj: WasmObject | undefined;
  const refused = kernelErrorOf(() => (obj = readObject(bytes, "m.o")));
  if (refused || !obj) {
    expect(refused?.detail).toBeTruthy();
    return;
  }
  const linked = obj;
  kernelErrorOf(() => new BareKernel().load(linked));
  // ld -r of an accepted object either refuses it or writes an object readObject accepts.
  let merged: Uint8Array | undefined;
  kernelErrorOf(() => (merged = mergeObjects([{ name: "m.o", bytes }])));
  if (merged) readObject(merged, "merged.o");
}

const CLANG_SRC = `
    extern int kputs(const char *);
    struct ops { int (*f)(int); const char *n; };
    static int twice(int x) { return 2 * x; }
    struct ops ops = { twice, "ops" };
    static void const * const __set_foo_sym_ops __attribute__((section("set_foo"), used)) = &ops;
    int run(int x) { kputs(ops.n); return ops.f(x); }`;

const corpus: { name: string; clang: boolean; bytes: () => Uint8Array }[] = [
  { name: "hand-assembled", clang: false, bytes: () => tinyObject() },
  // Objects with zero functions, zero data, zero of everything (issue 13: these hung the emitter).
  ...EMPTY_SHAPES.map(([what, shape]) => ({ name: `shaped, ${what}`, clang: false, bytes: () => shapedObject(shape) })),
  { name: "clang -O2", clang: true, bytes: () => compileC(CLANG_SRC, "-O2") },
  { name: "clang -O0 via ld -r", clang: true, bytes: () => mergeObjects([{ name: "a.o", bytes: compileC(CLANG_SRC, "-O0") }]) },
  { name: "clang, data only (int x = 1;)", clang: true, bytes: () => compileC("int x = 1;\n", "-O2") },
  { name: "clang, an empty source", clang: true, bytes: () => compileC("", "-O2") },
];

describe("mutated objects", () => {
  for (const c of corpus) {
    const skip = c.clang && !CLANG;
    test.skipIf(skip)(`${c.name}: accepted or refused with a KernelError${skip ? ` (skipped: ${NO_CLANG_REASON})` : ""}`, () => {
      const base = c.bytes();
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => acceptsOrRefuses(mutate(base, ms))),
        { numRuns: 1500, interruptAfterTimeLimit: 20_000 },
      );
    });
  }
});
