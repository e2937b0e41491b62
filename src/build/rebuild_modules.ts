/**
 * `npm run build-modules`: rebuild every bundled module reproducibly.
 *
 * For each directory src/sys/modules/<name>/, compile all its *.c (in name
 * order) and link them into src/sys/modules/<name>/<name>.ko with
 * kld_build.ts.  The bytes depend only on the sources and the compiler (see
 * kld_build.ts), so CI can rebuild and compare.  FreeBSD's counterpart is
 * `make -C sys/modules`.
 *
 * The committed .ko files are built with clang 16 (BUNDLED_CLANG_MAJOR):
 * clang 14 builds modules that load and behave the same, but its code bytes
 * differ, so the byte-for-byte comparison only means something with 16.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KernelError } from "../errno/kernel_error.js";
import { clangVersion, requireClang } from "./cc.js";
import { buildModule, sysIncludeDir } from "./kld_build.js";

/** The clang major version the committed .ko files were built with. */
export const BUNDLED_CLANG_MAJOR = 16;

/** src/sys/modules, found from src/ or dist/src/. */
export function modulesDir(): string {
  return resolve(sysIncludeDir(), "../modules");
}

/**
 * test/fixtures/modules: modules that exist only to fail in tests (a
 * MOD_LOAD error, a trap at boot).  Built the same way, but kept off the
 * bundled module path so kconfig and kld load never find them by name.
 */
export function fixtureModulesDir(): string {
  return resolve(sysIncludeDir(), "../../../test/fixtures/modules");
}

export interface RebuiltModule {
  readonly name: string;
  readonly output: string;
  readonly bytes: number;
}

/** Rebuild all modules (or those named). */
export function rebuildModules(dir = modulesDir(), only: readonly string[] = []): RebuiltModule[] {
  const cc = requireClang();
  const out: RebuiltModule[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const mdir = join(dir, name);
    if (!statSync(mdir).isDirectory()) continue;
    if (only.length > 0 && !only.includes(name)) continue;
    const sources = readdirSync(mdir)
      .filter((f) => f.endsWith(".c"))
      .sort()
      .map((f) => join(mdir, f));
    if (sources.length === 0) continue;
    const r = buildModule({ sources, output: join(mdir, `${name}.ko`), cc, optimize: "2" });
    out.push({ name, output: r.output, bytes: r.bytes });
  }
  return out;
}

async function main(): Promise<void> {
  try {
    const cc = requireClang();
    process.stdout.write(`build-modules: using ${clangVersion(cc)}\n`);
    for (const dir of [modulesDir(), fixtureModulesDir()]) {
      for (const m of rebuildModules(dir, process.argv.slice(2))) {
        process.stdout.write(`${relative(process.cwd(), m.output)}: ${m.bytes} bytes\n`);
      }
    }
  } catch (e) {
    if (e instanceof KernelError) {
      process.stderr.write(`build-modules: ${e.subject ?? ""}: ${e.info.text}${e.detail ? `\nbuild-modules: ${e.detail}` : ""}\n`);
      process.exit(1);
    }
    throw e;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
