/**
 * Test helper: compile C snippets to wasm objects with the installed clang,
 * cached per (source, flags) for the duration of the test run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findClang } from "../../src/build/cc.js";

export const CLANG = findClang();
export const NO_CLANG_REASON = "no clang found (install clang-16: apt-get install clang-16)";

const dir = mkdtempSync(join(tmpdir(), "kldsim-linker-test-"));
const cache = new Map<string, Uint8Array>();
let n = 0;

export function compileC(source: string, opt = "-O2", extra: readonly string[] = []): Uint8Array {
  if (!CLANG) throw new Error(NO_CLANG_REASON);
  const key = `${opt}\0${extra.join(" ")}\0${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const src = join(dir, `t${n}.c`);
  const out = join(dir, `t${n++}.o`);
  writeFileSync(src, source);
  execFileSync(CLANG, ["--target=wasm32", opt, "-ffreestanding", "-nostdlib", "-fno-builtin", ...extra, "-c", src, "-o", out], { stdio: "pipe" });
  const bytes = new Uint8Array(readFileSync(out));
  cache.set(key, bytes);
  return bytes;
}
