/**
 * Load a kernel configuration file of either syntax: the classic one
 * (parse_classic.ts) or YAML (parse_yaml.ts, chosen by a .yaml/.yml name),
 * then run the whole-configuration checks (check_config.ts).
 *
 * The programmatic entry point of src/config: the kconfig CLI, build_image.ts
 * and the tests call `loadConfig`.  Corresponds to the front half of FreeBSD
 * usr.sbin/config/main.c (open the file, yyparse, complain).
 */
import * as path from "node:path";
import type { KernelConfig } from "./ast.js";
import { emptyConfig } from "./ast.js";
import { checkConfig } from "./check_config.js";
import { readHostText } from "../errno/host_file.js";
import { KernelError, hostFileError } from "../errno/kernel_error.js";
import { Diagnostics } from "./diagnostics.js";
import type { FileAccess, ParseContext } from "./config_files.js";
import { parseClassic } from "./parse_classic.js";
import { parseYaml } from "./parse_yaml.js";

export interface LoadOptions {
  /** Extra directories for `include` (kconfig -I). */
  readonly includeDirs?: readonly string[];
  /** Override file access (tests). */
  readonly files?: FileAccess;
  /** Force a syntax instead of guessing from the file name. */
  readonly syntax?: "classic" | "yaml";
}

export interface LoadResult {
  readonly config: KernelConfig;
  readonly diagnostics: Diagnostics;
  /** The top-level file's text, as read (the image's INCLUDE_CONFIG_FILE text). */
  readonly text: string;
  /** The name used for the file in diagnostics. */
  readonly file: string;
}

export const nodeFiles = (cwd = process.cwd()): FileAccess => ({
  // bounded, regular files only, text only (src/errno/host_file.ts)
  read: (abs) => readHostText(abs, "config"),
  display: (abs) => {
    const rel = path.relative(cwd, abs);
    return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : abs;
  },
});

export function isYamlName(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

/** Parse text already in hand (`file` names it in diagnostics and anchors includes). */
export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): LoadResult {
  const abs = path.resolve(file);
  const files = opts.files ?? nodeFiles();
  const diags = new Diagnostics();
  const cfg = emptyConfig();
  const ctx: ParseContext = {
    cfg, diags, files, stack: [], includeDirs: opts.includeDirs ?? [],
    // an included file is read in the syntax its own name says
    parseFile: (t, f) => (isYamlName(f) ? parseYaml(t, f, ctx) : parseClassic(t, f, ctx)),
  };
  const syntax = opts.syntax ?? (isYamlName(file) ? "yaml" : "classic");
  if (syntax === "yaml") parseYaml(text, abs, ctx);
  else parseClassic(text, abs, ctx);
  checkConfig(cfg, diags, files.display(abs));
  return { config: cfg, diagnostics: diags, text, file: files.display(abs) };
}

/**
 * Read and parse a configuration file.  A file that cannot be read at all is
 * a KernelError (ENOENT, EACCES, EISDIR, EFTYPE for a device or a binary
 * file, EFBIG over 1 MiB: `kconfig: FOO: No such file or directory`);
 * problems inside it are diagnostics in the result.
 */
export function loadConfig(file: string, opts: LoadOptions = {}): LoadResult {
  const files = opts.files ?? nodeFiles();
  let text: string;
  try {
    text = files.read(path.resolve(file));
  } catch (e) {
    if (e instanceof KernelError) throw new KernelError(e.info.name, file, e.detail);
    throw hostFileError(e, file, undefined, "ENOENT");
  }
  return parseConfigText(text, file, { ...opts, files });
}
