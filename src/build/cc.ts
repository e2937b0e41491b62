/**
 * The C compiler for `kld build`: find clang and compile one source file to
 * a wasm relocatable object.
 *
 * Called by kld_build.ts (the `kld build` driver), rebuild_modules.ts (npm
 * run build-modules) and the linker tests.  It plays the part of the
 * `${CC} ${CFLAGS} -c` step of FreeBSD's bsd.kmod.mk: the flags are fixed
 * (wasm32, freestanding, no libc, no builtins, our headers) and the user's
 * -I/-D/-O pass through.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { KernelError } from "../errno/kernel_error.js";

/** Names tried on PATH, in order, when $KLD_CC is not set. */
export const CLANG_CANDIDATES: readonly string[] = ["clang", "clang-16", "clang-15", "clang-14"];

/** Flags every module is compiled with (DESIGN.md §2). */
export const BASE_CFLAGS: readonly string[] = [
  "--target=wasm32",
  "-ffreestanding",
  "-nostdlib",
  "-fno-builtin",
  "-fno-common",
];

function onPath(name: string, pathVar: string): string | undefined {
  if (isAbsolute(name) || name.includes("/")) {
    try {
      accessSync(name, constants.X_OK);
      return name;
    } catch {
      return undefined;
    }
  }
  for (const d of pathVar.split(delimiter)) {
    if (!d) continue;
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/**
 * The clang to use: $KLD_CC if set (it must exist), else the first of
 * CLANG_CANDIDATES on PATH, else undefined.
 */
export function findClang(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pathVar = env["PATH"] ?? "";
  const override = env["KLD_CC"];
  if (override) return onPath(override, pathVar);
  for (const c of CLANG_CANDIDATES) {
    const p = onPath(c, pathVar);
    if (p) return p;
  }
  return undefined;
}

/**
 * findClang() or a KernelError (ENOENT) telling the user what to install.
 */
export function requireClang(env: NodeJS.ProcessEnv = process.env): string {
  const cc = findClang(env);
  if (cc) return cc;
  const override = env["KLD_CC"];
  if (override) {
    throw new KernelError("ENOENT", override, "KLD_CC names a compiler that is not an executable file");
  }
  throw new KernelError(
    "ENOENT",
    "clang",
    `no C compiler found (tried ${CLANG_CANDIDATES.join(", ")} on PATH); install clang, e.g. apt-get install clang-16, or set KLD_CC`,
  );
}

export interface CompileOptions {
  readonly cc: string;
  readonly includeDirs: readonly string[];
  readonly defines: readonly string[];
  /** "-O2" style or just "2"; default -O2. */
  readonly optimize?: string;
  /** Extra flags (tests, reproducible builds). */
  readonly extraFlags?: readonly string[];
}

/** The full clang argument vector for one source. */
export function compileArgs(src: string, out: string, opts: CompileOptions): string[] {
  const o = opts.optimize ?? "2";
  return [
    ...BASE_CFLAGS,
    o.startsWith("-O") ? o : `-O${o}`,
    ...opts.includeDirs.map((d) => `-I${d}`),
    ...opts.defines.map((d) => `-D${d}`),
    ...(opts.extraFlags ?? []),
    "-c",
    src,
    "-o",
    out,
  ];
}

/** Compilation failed: ENOEXEC on the source, with clang's diagnostics kept verbatim. */
export class CompileError extends KernelError {
  constructor(
    src: string,
    readonly diagnostics: string,
  ) {
    super("ENOEXEC", src, `compilation failed:\n${diagnostics}`);
  }
}

/**
 * Compile `src` to the object `out`.
 * @throws CompileError (ENOEXEC) with clang's diagnostics when compilation fails.
 */
export function compileC(src: string, out: string, opts: CompileOptions): void {
  const r = spawnSync(opts.cc, compileArgs(src, out, opts), { encoding: "utf8" });
  if (r.error) throw new KernelError("ENOENT", opts.cc, `cannot run the compiler: ${r.error.message}`);
  if (r.status !== 0) {
    throw new CompileError(src, (r.stderr || r.stdout || "").trim());
  }
}

/** `clang --version`'s first line, for messages. */
export function clangVersion(cc: string): string {
  try {
    return execFileSync(cc, ["--version"], { encoding: "utf8" }).split("\n")[0] ?? cc;
  } catch {
    return cc;
  }
}
