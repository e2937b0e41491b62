/**
 * Test fixture for the kernel linker: a booted kernel core + linker with the
 * printf and malloc services, and a way to compile C modules with clang
 * (tests that need one skip, saying why, when no clang is installed).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { bootLinker, type LinkerSubsystem } from "../../src/kern/init_main.js";
import { printfServices } from "../../src/kern/services/kern_printf.js";
import { mallocData, mallocServices } from "../../src/kern/services/kern_malloc.js";

export const INCLUDE = resolve(import.meta.dirname, "../../src/sys/include");

function findClang(): string | null {
  for (const cc of [process.env.KLD_CC, "clang", "clang-16", "clang-15", "clang-14"]) {
    if (!cc) continue;
    try {
      execFileSync(cc, ["--version"], { stdio: "ignore" });
      return cc;
    } catch {
      /* try the next */
    }
  }
  return null;
}

export const CLANG = findClang();
export const NO_CLANG_REASON = "no clang found (install clang-16 to run the module tests)";

export interface TestKernel extends LinkerSubsystem {
  readonly log: string[];
  /** The message buffer so far, as one string. */
  text(): string;
  readonly dir: string;
}

export function bootTestKernel(modulePath: readonly string[] = []): TestKernel {
  const log: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "kldsim-kern-"));
  const sys = bootLinker((t) => log.push(t), {
    services: [...printfServices, ...mallocServices],
    data: mallocData,
    modulePath: [dir, ...modulePath],
  });
  return { ...sys, log, text: () => log.join(""), dir };
}

/** Compile C sources (one object: a single source) into DIR/NAME.ko. */
export function buildModule(dir: string, name: string, source: string, opt = "-O2"): string {
  if (!CLANG) throw new Error(NO_CLANG_REASON);
  mkdirSync(dir, { recursive: true });
  const src = join(dir, `${name}.c`);
  const out = join(dir, `${name}.ko`);
  writeFileSync(src, source);
  execFileSync(CLANG, [
    "--target=wasm32", opt, "-ffreestanding", "-nostdlib", "-fno-builtin",
    "-I", INCLUDE, "-c", src, "-o", out,
  ]);
  return out;
}

/** The classic skeleton with a name, a version and optional extra C. */
export function skeleton(name: string, opts: { version?: number; body?: string; onLoad?: string; onUnload?: string; onQuiesce?: string; deps?: string } = {}): string {
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
