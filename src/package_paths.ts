/**
 * Where this installation keeps its own files: the package root (where
 * package.json is, found from src/ or dist/src/), the bundled module
 * directories (the default kern.module_path and kconfig's search path) and
 * the default machine.  A leaf module with no imports of ours, so the CLI,
 * kconfig and the kernel worker can all use it cheaply.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (where package.json is). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  return dir;
}

/** The bundled module directories: src/sys/modules/<name>/, in name order. */
export function bundledModuleDirs(): string[] {
  const modules = join(packageRoot(), "src", "sys", "modules");
  if (!existsSync(modules)) return [];
  return readdirSync(modules)
    .sort()
    .map((n) => join(modules, n))
    .filter((p) => statSync(p).isDirectory());
}

/** configs/machines/pc97.yaml: the default emulated machine. */
export function defaultMachinePath(): string {
  return join(packageRoot(), "configs", "machines", "pc97.yaml");
}
