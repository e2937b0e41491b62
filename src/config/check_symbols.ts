/**
 * The link check of a kernel build: every symbol a static module leaves
 * undefined must be supplied by the core kernel or by another static module,
 * because all of them are linked into one file (linker file 1).  A missing
 * one is a build error here, as it was an `ld` error for a FreeBSD kernel;
 * without the check the image would build and then fail at boot.
 *
 * The core kernel's symbols come from src/image/core_symbols.ts, the list
 * a unit test keeps equal to a booted kernel's symbol table (kconfig loads
 * no kernel code).
 * Caller: build_image.ts.  FreeBSD counterpart: the final link of
 * sys/conf/Makefile.i386 (`ld ... -o kernel`).
 */
import { CORE_KERNEL_SYMBOLS } from "../image/core_symbols.js";
import type { WasmObject } from "../wasmobj/object_types.js";

export interface ObjectFile {
  readonly path: string;
  readonly obj: WasmObject;
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
  const defined = new Set(CORE_KERNEL_SYMBOLS);
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
