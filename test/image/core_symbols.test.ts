import { describe, expect, it } from "vitest";
import { CORE_KERNEL_SYMBOLS } from "../../src/image/core_symbols.js";
import { bootLinker } from "../../src/kern/init_main.js";
import { kernelData, kernelServices } from "../../src/kern/services/index.js";

/** The symbol names a freshly booted core kernel defines (file 1). */
function bootedKernelSymbols(): string[] {
  return [...bootLinker(() => {}, { services: kernelServices, data: kernelData }).core.symbols.keys()].sort();
}

describe("CORE_KERNEL_SYMBOLS, the contract kconfig checks images against", () => {
  it("lists every symbol a booted core kernel exports", () => {
    const missing = bootedKernelSymbols().filter((n) => !CORE_KERNEL_SYMBOLS.has(n));
    expect(missing, `the core kernel exports ${missing.join(", ")}: add them to src/image/core_symbols.ts`).toEqual([]);
  });

  it("lists nothing the core kernel does not export", () => {
    const booted = new Set(bootedKernelSymbols());
    const stale = [...CORE_KERNEL_SYMBOLS].filter((n) => !booted.has(n));
    expect(stale, `the core kernel no longer exports ${stale.join(", ")}: remove them from src/image/core_symbols.ts`).toEqual([]);
  });
});
