/**
 * Find a clang that can target wasm32 for the header tests, and compile
 * C text with the kldsim headers (src/sys/include) the way kld build does.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const INCLUDE_DIR = resolve(import.meta.dirname, "../../src/sys/include");

function works(cc: string): boolean {
  try {
    execFileSync(cc, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The compiler to use, or undefined when none is installed. */
export const CLANG: string | undefined = [process.env["KLD_CC"], "clang", "clang-16", "clang-15", "clang-14"]
  .filter((c): c is string => !!c)
  .find(works);

export const NO_CLANG_REASON = "no clang (clang, clang-16, clang-15, clang-14 or $KLD_CC) on PATH";

export interface CompileResult {
  readonly ok: boolean;
  readonly diagnostics: string;
  readonly object: Uint8Array;
}

const work = mkdtempSync(join(tmpdir(), "kldsim-include-"));
let serial = 0;

/** Compile `source` for wasm32 with -Wall -Wextra -Werror plus `flags`. */
export function compile(source: string, flags: readonly string[] = [], name = "t.c"): CompileResult {
  if (!CLANG) throw new Error(NO_CLANG_REASON);
  const dir = join(work, String(serial++));
  execFileSync("mkdir", ["-p", dir]);
  const src = join(dir, name);
  const obj = join(dir, "t.o");
  writeFileSync(src, source);
  return compileFile(src, flags, obj);
}

export function compileFile(src: string, flags: readonly string[] = [], obj?: string): CompileResult {
  if (!CLANG) throw new Error(NO_CLANG_REASON);
  const out = obj ?? join(work, `${serial++}.o`);
  const r = spawnSync(
    CLANG,
    [
      "--target=wasm32", "-ffreestanding", "-nostdlib", "-fno-builtin",
      "-Wall", "-Wextra", "-Werror", "-I", INCLUDE_DIR, ...flags, "-c", src, "-o", out,
    ],
    { encoding: "utf8" },
  );
  return {
    ok: r.status === 0,
    diagnostics: `${r.stdout}${r.stderr}`,
    object: r.status === 0 ? readFileSync(out) : new Uint8Array(),
  };
}

/** Does the object's bytes contain `name` (a segment, symbol or import name)? */
export function mentions(object: Uint8Array, name: string): boolean {
  return Buffer.from(object).includes(Buffer.from(name));
}
