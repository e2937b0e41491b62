/**
 * `kld config [-a|-r|-m|-d] [PATH...]`: show or change the kernel's module
 * search path, kern.module_path (kldconfig(8)).  With no PATH, or -r, it
 * prints the path `;`-separated.  With PATHs: replace the path (no flag),
 * -a append them (moving any already present to the end), -m merge in the
 * ones not present, -d delete them.  PATHs go through realpath(3) here, and
 * one to add that is not an existing directory is refused (ENOENT, ENOTDIR)
 * before anything changes, unless -f takes it at face value.
 * Caller: src/cli/kld.ts.  FreeBSD: sbin/kldconfig/kldconfig.c.
 */
import type { Command } from "commander";
import { realpathSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { CliError, EX_USAGE } from "../cli_error.js";
import { printJson } from "../output.js";

interface ConfigOpts {
  readonly a?: boolean;
  readonly r?: boolean;
  readonly m?: boolean;
  readonly d?: boolean;
  readonly f?: boolean;
  readonly json?: boolean;
}

/**
 * The directory to add, as kldconfig's realpath(3) gives it.
 * @throws CliError `PATH: No such file or directory` / `Not a directory`, unless `force`
 */
async function directory(path: string, force: boolean): Promise<string> {
  try {
    const real = realpathSync(path);
    if (!statSync(real).isDirectory()) throw Object.assign(new Error(path), { code: "ENOTDIR" });
    return real;
  } catch (e) {
    if (force) return resolve(path);
    const { freebsdText } = await import("../diagnostics.js");
    throw new CliError(`${path}: ${freebsdText(e as NodeJS.ErrnoException)}`);
  }
}

export function register(program: Command): void {
  program
    .command("config")
    .description("show or change the module search path (kldconfig)")
    .usage("[-a | -m | -d | -r] [-f] [--json] [path ...]")
    .option("-a", "append the paths")
    .option("-m", "merge: add the paths not already present")
    .option("-d", "delete the paths")
    .option("-r", "print the current path")
    .option("-f", "add paths that are not existing directories as given")
    .option("--json", "machine-readable output (kldsim extension)")
    .argument("[path...]", "directories")
    .action(async (paths: string[], opts: ConfigOpts) => {
      const { withKernel } = await import("../client.js");
      const { toCliError } = await import("../diagnostics.js");
      const flags = [opts.a, opts.m, opts.d, opts.r].filter(Boolean).length;
      if (flags > 1) throw new CliError("only one of -a, -m, -d, -r may be given", EX_USAGE);
      if (opts.r && paths.length > 0) throw new CliError("-r takes no paths", EX_USAGE);
      if ((opts.a || opts.m || opts.d) && paths.length === 0) throw new CliError("no paths given", EX_USAGE);
      const action = paths.length === 0 ? "show" : opts.a ? "add" : opts.m ? "merge" : opts.d ? "remove" : "set";
      const dirs: string[] = [];
      for (const p of paths) dirs.push(action === "remove" ? resolve(p) : await directory(p, Boolean(opts.f)));
      const r = await withKernel((k) =>
        k.call("kld.config", { action, paths: dirs }).catch((e: unknown) => {
          throw toCliError(e, "can't change the module path");
        }),
      );
      if (opts.json) printJson("kldsim.kldconfig/1", { path: r.path });
      else if (action === "show") process.stdout.write(`${r.path.join(";")}\n`);
    });
}
