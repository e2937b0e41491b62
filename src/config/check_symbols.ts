/**
 * The link check of a kernel build: every symbol a static module leaves
 * undefined must be supplied by the core kernel or by another static module,
 * because all of them are linked into one file (linker file 1).  A missing
 * one is a build error here, as it was an `ld` error for a FreeBSD kernel;
 * without the check the image would build and then fail at boot.
 *
 * The kernel's symbols are not listed by hand: a core kernel is built
 * in-process (its services and data installed exactly as at boot) and its
 * symbol table read, so a new kernel service is known here the day it exists.
 * Caller: build_image.ts.  FreeBSD counterpart: the final link of
 * sys/conf/Makefile.i386 (`ld ... -o kernel`).
 */
import { bootLinker } from "../kern/init_main.js";
import type { WasmObject } from "../wasmobj/object_types.js";
import { kernelData, kernelServices } from "../kern/services/index.js";

export interface ObjectFile {
  readonly path: string;
  readonly obj: WasmObject;
}

let kernelNames: ReadonlySet<string> | undefined;

/** Every symbol name the core kernel defines (services, data, module_*). */
export function kernelSymbolNames(): ReadonlySet<string> {
  kernelNames ??= new Set(bootLinker(() => {}, { services: kernelServices, data: kernelData }).core.symbols.keys());
  return kernelNames;
}

/** Linker-set bounds are made per file by the linker, never looked up. */
function isSetBound(name: string): boolean {
  return name.startsWith("__start_set_") || name.startsWith("__stop_set_");
}

/**
 * Problems, one per unresolved symbol: `PATH: symbol NAME undefined`.
 * Weak undefined symbols are allowed (they resolve to 0, as at load time).
 */
export function unresolvedSymbols(objects: readonly ObjectFile[]): string[] {
  const defined = new Set(kernelSymbolNames());
  for (const { obj } of objects) {
    for (const s of obj.symbols) {
      if (!s.undefined && s.binding !== "local" && (s.kind === "func" || s.kind === "data")) defined.add(s.name);
    }
  }
  const problems: string[] = [];
  for (const { path, obj } of objects) {
    for (const s of obj.symbols) {
      if (!s.undefined || s.binding === "weak" || (s.kind !== "func" && s.kind !== "data")) continue;
      if (defined.has(s.name) || isSetBound(s.name)) continue;
      problems.push(`${path}: symbol ${s.name} undefined`);
    }
  }
  return problems;
}
