// Issue 3 §7's property: random mutations of a valid module, loaded
// through the kernel linker, are either loaded or refused with a
// KernelError — never another exception — and the kernel stays consistent:
// after a refusal (or after unloading what loaded) the file list, kernel
// map, function-table use, modules and stack pointer are as before.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernelErrorOf } from "../../support/kernel_error.js";
import type { Linker, LinkerFile } from "../../../src/kern/linker/kern_linker.js";
import { sectionBoundaries } from "../../fixtures/objects/tiny_object.js";
import { bootTestKernel } from "../../support/kernel_fixture.js";

const HELLO = resolve(import.meta.dirname, "../../../src/sys/modules/hello/hello.ko");

function state(l: Linker) {
  return {
    files: l.files.map((f) => `${f.id}:${f.filename}:${f.refs}`),
    kmem: l.kmem.extents(),
    slots: l.core.tableSlotsInUse,
    modules: l.modules.all().length,
    sp: l.core.stackPointer.value as number,
  };
}

/** Byte ranges of CODE bodies: mutating instructions could make a module loop forever. */
function codeRange(bytes: Uint8Array): [number, number] {
  const b = sectionBoundaries(bytes);
  for (let i = 0; i + 1 < b.length; i++) if (bytes[b[i]!] === 10) return [b[i]!, b[i + 1]!];
  return [0, 0];
}

describe("mutated objects through the kernel linker", () => {
  it("load or refuse, and stay consistent", () => {
    const good = new Uint8Array(readFileSync(HELLO));
    const [cs, ce] = codeRange(good);
    let k = bootTestKernel();
    let base = state(k.linker);
    let loaded = 0;
    let refused = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(good.length), { nil: undefined }),
        (edits, cut) => {
          const bytes = good.slice(0, cut ?? good.length);
          for (const [at, v] of edits) if (at < bytes.length && (at < cs || at >= ce)) bytes[at] = v;
          const path = join(k.dir, "mutant.ko");
          writeFileSync(path, bytes);
          let f: LinkerFile | undefined;
          if (kernelErrorOf(() => (f = k.linker.load(path)))) refused++;
          else if (f) {
            loaded++;
            const loadedFile = f;
            // A mutant may veto its own MOD_UNLOAD; that is its right.
            if (kernelErrorOf(() => k.linker.unload(loadedFile, true))) {
              k = bootTestKernel();
              base = state(k.linker);
              return;
            }
          }
          expect(state(k.linker)).toEqual(base);
        },
      ),
      { numRuns: 300, seed: 4242 },
    );
    expect(refused).toBeGreaterThan(0);
    expect(loaded + refused).toBe(300);
  });
});
