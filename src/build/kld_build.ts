/**
 * `kld build`'s engine: compile a module's C sources with clang and link the
 * objects into one relocatable `.ko` with our own `ld -r`.
 *
 * Called by src/cli/kld/build.ts and rebuild_modules.ts.  FreeBSD's
 * counterpart is bsd.kmod.mk: `cc -c` each source, then `ld -r` into the
 * .ko.  Objects (.o/.ko) given as sources are linked without compiling.
 * The output is deterministic: the same sources and compiler give the same
 * bytes (ld -r drops `producers`, `name` and debug sections; clang writes no
 * paths or times into a non-debug object).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readHostFile } from "../errno/host_file.js";
import { KernelError } from "../errno/kernel_error.js";
import { mergeObjects } from "../wasmobj/link_relocatable.js";
import { compileC, requireClang } from "./cc.js";

export interface BuildOptions {
  readonly sources: readonly string[];
  /** Default: the first source's basename with `.ko`, in the current directory. */
  readonly output?: string;
  readonly includeDirs?: readonly string[];
  readonly defines?: readonly string[];
  readonly optimize?: string;
  /** Compiler path; default requireClang(). */
  readonly cc?: string;
}

export interface BuildResult {
  readonly output: string;
  readonly bytes: number;
  readonly objects: readonly string[];
}

/** Our FreeBSD-compatible headers (src/sys/include), from src/ or dist/src/. */
export function sysIncludeDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of ["../sys/include", "../../../src/sys/include"]) {
    const p = resolve(here, rel);
    if (existsSync(p)) return p;
  }
  return resolve(here, "../sys/include");
}

/** The default output name for a source list: `foo.c` -> `foo.ko`. */
export function defaultOutput(sources: readonly string[]): string {
  const first = sources[0] ?? "module.c";
  return basename(first).replace(/\.(c|o|ko)$/, "") + ".ko";
}

/**
 * Build one module.
 * @throws KernelError ENOENT (no compiler, missing source), ENOEXEC
 *   (compilation failed: clang's diagnostics in the detail; or ld -r failed),
 *   EINVAL (no sources).
 */
export function buildModule(opts: BuildOptions): BuildResult {
  if (opts.sources.length === 0) throw new KernelError("EINVAL", "kld build", "no source files");
  for (const s of opts.sources) {
    if (!existsSync(s)) throw new KernelError("ENOENT", s, "source file not found");
  }
  const needsCompiler = opts.sources.some((s) => !/\.(o|ko)$/.test(s));
  const cc = needsCompiler ? (opts.cc ?? requireClang()) : "";
  const work = mkdtempSync(join(tmpdir(), "kld-build-"));
  try {
    const inputs = opts.sources.map((src, i) => {
      if (/\.(o|ko)$/.test(src)) return { name: basename(src), bytes: readHostFile(src, "module") };
      const obj = join(work, `${i}-${basename(src).replace(/\.[^.]*$/, "")}.o`);
      compileC(src, obj, {
        cc,
        includeDirs: [...(opts.includeDirs ?? []), sysIncludeDir()],
        defines: opts.defines ?? [],
        ...(opts.optimize !== undefined ? { optimize: opts.optimize } : {}),
      });
      return { name: basename(src).replace(/\.c$/, ".o"), bytes: readHostFile(obj, "module") };
    });
    const merged = mergeObjects(inputs);
    const output = opts.output ?? defaultOutput(opts.sources);
    writeFileSync(output, merged);
    return { output, bytes: merged.length, objects: inputs.map((i) => i.name) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
