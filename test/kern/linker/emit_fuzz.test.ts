/**
 * Property (issue 13, defect 1): every object readObject accepts loads or is
 * refused in bounded time, whatever it lacks.  Generates well-formed objects
 * with zero or more of each part — types, memory, function imports, defined
 * functions, data segments, symbols, init functions — down to an object that
 * is nothing but a header and an empty linking section, and links each one
 * through linkObject (so through the emitter) into a standalone kernel.
 * test/wasmobj/mutation.test.ts mutates such objects byte by byte.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readObject } from "../../../src/wasmobj/wasm_object.js";
import { EMPTY_SHAPES, objectShape, shapedObject, type ObjectShape } from "../../fixtures/objects/shaped_object.js";
import { BareKernel } from "../../support/bare_kernel.js";

function linkAndRun(bytes: Uint8Array, shape: ObjectShape): void {
  const obj = readObject(bytes, "shaped.o");
  const k = new BareKernel();
  let calls = 0;
  for (let i = 0; i < shape.imports; i++) k.host.set(`imp${i}`, () => void calls++);
  const linked = k.load(obj);
  expect(linked.moduleBytes.length).toBeGreaterThanOrEqual(8);
  linked.runInitFunctions();
  if (shape.symbols) {
    shape.functions.forEach((t, f) => expect(k.call(linked, `fn${f}`)).toBe(t === 1 ? 0 : undefined));
    shape.segments.forEach((n, i) => {
      const s = linked.symbols.get(`seg${i}`)!;
      expect(s.size).toBe(n);
      if (n > 0) expect(new Uint8Array(k.memory.buffer)[s.address]).toBe(0x5a);
    });
    // Function 0 (called above, and maybe as an init function) calls each import once.
    if (shape.functions[0] === 0) expect(calls % Math.max(1, shape.imports)).toBe(0);
    if (shape.functions[0] === 0 && shape.imports > 0) expect(calls).toBeGreaterThanOrEqual(shape.imports);
  }
}

describe("objects with zero of something load through the emitter", () => {
  for (const [what, shape] of EMPTY_SHAPES) {
    test(what, () => linkAndRun(shapedObject(shape), shape));
  }

  test("any shape, from empty to a few of everything", () => {
    fc.assert(fc.property(objectShape, (shape) => linkAndRun(shapedObject(shape), shape)), { numRuns: 300 });
  });
});
