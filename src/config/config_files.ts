/**
 * What the two configuration syntaxes share: the parse context, and the
 * reading of `include` and `hints` files (search order, error texts, include
 * cycles and depth).
 *
 * Called by parse_classic.ts and parse_yaml.ts; load_config.ts builds the
 * context.  Corresponds to the include handling of FreeBSD
 * usr.sbin/config/lang.l (include()) and the `hints` keyword of config.y.
 */
import * as path from "node:path";
import type { emptyConfig } from "./ast.js";
import type { Diagnostics } from "./diagnostics.js";
import { quoteForMessage } from "../errno/host_file.js";
import { KernelError, hostFileError } from "../errno/kernel_error.js";

/** How the parsers read files (tests pass an in-memory one). */
export interface FileAccess {
  /** The text of a file; throws a KernelError (or a Node-style error with `code`) when it cannot. */
  read(absPath: string): string;
  /** The name to print in diagnostics for an absolute path. */
  display(absPath: string): string;
}

export type MutableConfig = ReturnType<typeof emptyConfig>;

export interface ParseContext {
  readonly cfg: MutableConfig;
  readonly diags: Diagnostics;
  readonly files: FileAccess;
  /** Absolute paths of the files being parsed, outermost first (include cycle detection). */
  readonly stack: string[];
  /** Directories searched for `include` and `hints` after the including file's own directory (`-I`). */
  readonly includeDirs: readonly string[];
  /** Parse an included file in the syntax its name says (load_config.ts provides it). */
  readonly parseFile: (text: string, absFile: string) => void;
}

/** config(8) refuses deeper nesting than this. */
export const MAX_INCLUDE_DEPTH = 32;

/** A file that `include` or `hints` names, read; or why it could not be. */
export type IncludedFile = { readonly abs: string; readonly text: string } | { readonly error: string };

/**
 * Read the file that `include NAME` or `hints NAME` in `absFile` names: an
 * absolute NAME as is, otherwise relative to the including file, then in
 * each -I directory.  An include that would re-enter a file being parsed, or
 * nest too deeply, is refused.
 */
export function readIncluded(kind: "include" | "hints", name: string, absFile: string, ctx: ParseContext): IncludedFile {
  const candidates = path.isAbsolute(name)
    ? [name]
    : [path.resolve(path.dirname(absFile), name), ...ctx.includeDirs.map((d) => path.resolve(d, name))];
  let firstErr: { abs: string; err: KernelError } | undefined;
  for (const abs of candidates) {
    let text: string;
    try {
      text = ctx.files.read(abs);
    } catch (e) {
      const err = e instanceof KernelError ? e : hostFileError(e, abs);
      // a file that is there but unusable (a device, too big, binary) ends the search
      if (err.info.name !== "ENOENT") return { error: cannotOpen(kind, name, ctx.files.display(abs), err) };
      firstErr ??= { abs, err };
      continue;
    }
    if (kind === "include" && ctx.stack.includes(abs)) {
      const chain = [...ctx.stack.slice(ctx.stack.indexOf(abs)), abs].map((f) => ctx.files.display(f));
      return { error: `include cycle: ${chain.join(" -> ")}` };
    }
    if (kind === "include" && ctx.stack.length > MAX_INCLUDE_DEPTH) {
      return { error: `includes nested too deeply (more than ${MAX_INCLUDE_DEPTH}) at "${name}"` };
    }
    return { abs, text };
  }
  return { error: cannotOpen(kind, name, ctx.files.display(firstErr!.abs), firstErr!.err) };
}

/** `cannot open include file "X" (path): Inappropriate file type or format: why`. */
function cannotOpen(kind: string, name: string, shown: string, err: KernelError): string {
  const why = err.detail !== undefined ? `: ${err.detail}` : "";
  return `cannot open ${kind} file "${quoteForMessage(name)}" (${quoteForMessage(shown, 200)}): ${err.info.text}${why}`;
}
