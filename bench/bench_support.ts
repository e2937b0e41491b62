/**
 * What the benchmarks share: where the tree is, a median, wall-clock timing
 * of a child process, and generated modules.  A generated module is the
 * bundled hello.ko with every "hello" rewritten in place to a same-length
 * unique name ("m0042"), so each copy is a distinct module with distinct
 * symbols and the same shape — enough to measure how costs grow with the
 * number of modules.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const KLD = join(ROOT, "bin", "kld.js");
export const HELLO = join(ROOT, "src", "sys", "modules", "hello", "hello.ko");

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Median milliseconds of `reps` calls of f. */
export function time(f: () => void, reps: number): number {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = process.hrtime.bigint();
    f();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}

/** Milliseconds for `node ARGS` to run to completion. */
export function wall(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, args, { env, stdio: "ignore" });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** The name of generated module i. */
export function generatedName(i: number): string {
  return `m${String(i).padStart(4, "0")}`;
}

/** hello.ko with every "hello" replaced by generatedName(i). */
export function variant(base: Uint8Array, i: number): Uint8Array {
  const out = base.slice();
  const from = new TextEncoder().encode("hello");
  const to = new TextEncoder().encode(generatedName(i));
  for (let p = 0; p + from.length <= out.length; p++) {
    if (from.every((b, k) => out[p + k] === b)) out.set(to, p);
  }
  return out;
}

/**
 * Write generated modules 0..count-1 as DIR/mNNNN.ko.  Returns false (and
 * writes nothing) when hello.ko has not been built.
 */
export function writeGeneratedModules(dir: string, count: number): boolean {
  if (!existsSync(HELLO)) return false;
  const base = new Uint8Array(readFileSync(HELLO));
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `${generatedName(i)}.ko`), variant(base, i));
  return true;
}
