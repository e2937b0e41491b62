// Test helpers for the config suite: parse configuration text with an in-memory file system.
import * as path from "node:path";
import { formatDiagnostic } from "../../src/config/diagnostics.js";
import { parseConfigText, type LoadResult } from "../../src/config/load_config.js";
import type { FileAccess } from "../../src/config/config_files.js";

export function memFiles(files: Record<string, string>, root = "/cfg"): FileAccess {
  return {
    read: (abs) => {
      const rel = path.relative(root, abs);
      const t = files[rel];
      if (t === undefined) {
        const e = new Error(`ENOENT: ${abs}`) as NodeJS.ErrnoException;
        e.code = "ENOENT";
        throw e;
      }
      return t;
    },
    display: (abs) => path.relative(root, abs),
  };
}

/** Parse `text` as file /cfg/NAME (default GENERIC); other files come from `files`. */
export function parse(text: string, files: Record<string, string> = {}, name = "GENERIC"): LoadResult {
  return parseConfigText(text, path.join("/cfg", name), { files: memFiles({ [name]: text, ...files }) });
}

export function messages(r: LoadResult): string[] {
  return r.diagnostics.all.map((d) => formatDiagnostic(d));
}

export function errors(r: LoadResult): string[] {
  return r.diagnostics.errors.map((d) => formatDiagnostic(d));
}
