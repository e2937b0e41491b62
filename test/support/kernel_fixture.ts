/**
 * Test fixture for the kernel linker: a booted kernel core + linker with the
 * printf and malloc services, its module path starting at a scratch
 * directory (removed after the test file).  Modules to load come from
 * clang.ts (buildModule, skeleton).
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { bootLinker, type LinkerSubsystem } from "../../src/kern/init_main.js";
import { printfServices } from "../../src/kern/services/kern_printf.js";
import { mallocData, mallocServices } from "../../src/kern/services/kern_malloc.js";
import { scratchDir } from "./scratch.js";

export interface TestKernel extends LinkerSubsystem {
  readonly log: string[];
  /** The message buffer so far, as one string. */
  text(): string;
  /** A fresh directory of this kernel's own, first on its module path. */
  readonly dir: string;
}

export function bootTestKernel(modulePath: readonly string[] = []): TestKernel {
  const log: string[] = [];
  const dir = mkdtempSync(join(scratchDir("kern"), "k"));
  const sys = bootLinker((t) => log.push(t), {
    services: [...printfServices, ...mallocServices],
    data: mallocData,
    modulePath: [dir, ...modulePath],
  });
  return { ...sys, log, text: () => log.join(""), dir };
}
