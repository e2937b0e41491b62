/**
 * The one clang finder and C compile helper of the test suites.
 *
 * The compiler is the one `kld build` would use (src/build/cc.ts findClang:
 * $KLD_CC, else clang, clang-16, clang-15, clang-14 on PATH), and every
 * compile starts from kld build's base flags (BASE_CFLAGS: wasm32,
 * freestanding, no libc, no builtins), so a test compiles C exactly as a
 * user's module is compiled.  Suites that need C skip when CLANG is
 * undefined and put NO_CLANG_REASON in their title.
 *
 *   compile(text)          strict header check: -Wall -Wextra -Werror -I headers; never throws
 *   compileFile(path)      the same for a file on disk
 *   compileC(text)         raw C (no headers, no warnings) to object bytes, cached per run
 *   buildModule(dir, n, c) DIR/N.c -> DIR/N.ko with the headers, as a loadable module
 *   buildModuleFile(c, ko) the same for a C file on disk
 *   skeleton(name)         the C text of a classic MOD_LOAD/MOD_UNLOAD module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BASE_CFLAGS, findClang } from "../../src/build/cc.js";
import { scratchDir } from "./scratch.js";

/** src/sys/include: the kernel headers, one -I. */
export const INCLUDE_DIR = resolve(import.meta.dirname, "../../src/sys/include");

/** The compiler to use, or undefined when none is installed. */
export const CLANG: string | undefined = findClang();

export const NO_CLANG_REASON = "no clang found (install clang-16, or set KLD_CC): this suite compiles C";

export interface CompileResult {
  readonly ok: boolean;
  readonly diagnostics: string;
  readonly object: Uint8Array;
}

const STRICT = ["-Wall", "-Wextra", "-Werror", "-I", INCLUDE_DIR];
let serial = 0;

function work(): string {
  return scratchDir("clang");
}

/** Run clang on SRC with BASE_CFLAGS + FLAGS, writing OUT; never throws on a compile error. */
function runClang(src: string, out: string, flags: readonly string[]): CompileResult {
  if (!CLANG) throw new Error(NO_CLANG_REASON);
  const r = spawnSync(CLANG, [...BASE_CFLAGS, ...flags, "-c", src, "-o", out], { encoding: "utf8" });
  if (r.error) throw r.error;
  return {
    ok: r.status === 0,
    diagnostics: `${r.stdout}${r.stderr}`,
    object: r.status === 0 ? new Uint8Array(readFileSync(out)) : new Uint8Array(),
  };
}

function compiled(r: CompileResult, what: string): Uint8Array {
  if (!r.ok) throw new Error(`clang failed on ${what}:\n${r.diagnostics}`);
  return r.object;
}

/** Compile the file SRC with -Wall -Wextra -Werror and the kernel headers, plus FLAGS. */
export function compileFile(src: string, flags: readonly string[] = []): CompileResult {
  return runClang(src, join(work(), `${serial++}.o`), [...STRICT, ...flags]);
}

/** Compile C text as compileFile does; NAME is the source file's name (it shows in diagnostics). */
export function compile(source: string, flags: readonly string[] = [], name = "t.c"): CompileResult {
  const dir = join(work(), String(serial++));
  mkdirSync(dir);
  const src = join(dir, name);
  writeFileSync(src, source);
  return runClang(src, join(dir, "t.o"), [...STRICT, ...flags]);
}

const cache = new Map<string, Uint8Array>();

/** Raw C (no kernel headers, no warning flags) at OPT plus EXTRA; throws on a compile error. */
export function compileC(source: string, opt = "-O2", extra: readonly string[] = []): Uint8Array {
  const key = `${opt}\0${extra.join(" ")}\0${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const n = serial++;
  const src = join(work(), `c${n}.c`);
  writeFileSync(src, source);
  const bytes = compiled(runClang(src, join(work(), `c${n}.o`), [opt, ...extra]), src);
  cache.set(key, bytes);
  return bytes;
}

/** Write DIR/NAME.c and compile it with the kernel headers into DIR/NAME.ko; returns the .ko path. */
export function buildModule(dir: string, name: string, source: string, opt = "-O2"): string {
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `${name}.c`);
  const out = join(dir, `${name}.ko`);
  writeFileSync(src, source);
  return buildModuleFile(src, out, opt);
}

/** Compile the C file SRC with the kernel headers into the module OUT; returns OUT. */
export function buildModuleFile(src: string, out: string, opt = "-O2"): string {
  compiled(runClang(src, out, [opt, "-I", INCLUDE_DIR]), src);
  return out;
}

/** Does the object's bytes contain `name` (a segment, symbol or import name)? */
export function mentions(object: Uint8Array, name: string): boolean {
  return Buffer.from(object).includes(Buffer.from(name));
}

/** The classic skeleton with a name, a version and optional extra C. */
export function skeleton(
  name: string,
  opts: { version?: number; body?: string; onLoad?: string; onUnload?: string; onQuiesce?: string; deps?: string } = {},
): string {
  return `#include <sys/param.h>
#include <sys/module.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/errno.h>
${opts.body ?? ""}
static int
${name}_loader(struct module *m, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		printf("${name}: load\\n");
		${opts.onLoad ?? ""}
		return (0);
	case MOD_UNLOAD:
		printf("${name}: unload\\n");
		${opts.onUnload ?? ""}
		return (0);
	case MOD_QUIESCE:
		${opts.onQuiesce ?? "return (0);"}
	default:
		return (EOPNOTSUPP);
	}
}
static moduledata_t ${name}_mod = { "${name}", ${name}_loader, NULL };
DECLARE_MODULE(${name}, ${name}_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
${opts.version !== undefined ? `MODULE_VERSION(${name}, ${opts.version});` : ""}
${opts.deps ?? ""}
`;
}
