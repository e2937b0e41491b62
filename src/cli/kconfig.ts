/**
 * `kconfig`: kldsim's config(8).  Reads a kernel configuration (classic
 * FreeBSD 2.x syntax or YAML), reports every error in config(8)'s style,
 * and builds the kernel image; also converts a configuration to YAML
 * (`--yaml`), describes an image (`--show`) and extracts the configuration
 * text an image carries (`-x`, as modern config(8) -x does).
 *
 * Caller: bin/kconfig.js.  A thin shell over src/config (load_config.ts,
 * build_image.ts, image.ts).  FreeBSD: usr.sbin/config/main.c.
 */
import type { Command } from "commander";
import type { LoadResult } from "../config/load_config.js";
import { CliError, EX_FAILURE, EX_USAGE } from "./cli_error.js";
import { printJson, printLines } from "./output.js";
import { createProgram, runProgram } from "./program.js";
import { startProgress } from "./spinner.js";

export interface KconfigOptions {
  destdir?: string;
  modulePath: string[];
  includeDir: string[];
  dryRun?: boolean;
  allowMissing?: boolean;
  checkResources?: boolean;
  yaml?: boolean;
  show?: boolean;
  extract?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function buildKconfig(): Command {
  const program = createProgram("kconfig", "build a kernel image from a kernel configuration file (config(8))");
  program
    .usage("[-n] [-d destdir] [-M modulepath] [-I includedir] [--allow-missing] [--check-resources] SYSTEM_NAME\n       kconfig --yaml SYSTEM_NAME\n       kconfig --show [--json] IMAGE\n       kconfig -x IMAGE")
    .argument("<file>", "configuration file (classic syntax, or YAML when named *.yaml), or an image with --show/-x")
    .option("-d, --destdir <dir>", "write the image to DIR/kernel (default compile/IDENT/kernel)")
    .option("-M, --module-path <dir>", "search DIR for NAME.ko before the bundled modules (repeatable)", collect, [])
    .option("-I, --include-dir <dir>", "search DIR for include and hints files (repeatable)", collect, [])
    .option("-n, --dry-run", "check everything, write nothing")
    .option("--allow-missing", "build without modules that are not found (warns)")
    .option("--check-resources", "refuse overlapping ports, IRQs, DRQs and ISA memory (default: warn)")
    .option("--yaml", "print the configuration as YAML and exit")
    .option("--show", "describe a kernel image: modules, device table, options")
    .option("-x, --extract", "print the configuration text stored in a kernel image")
    .option("--json", "with --show: machine-readable output")
    .action(async (file: string, opts: KconfigOptions) => {
      await runKconfig(file, opts);
    });
  return program;
}

function usage(msg: string): never {
  throw new CliError(msg, EX_USAGE, ["usage: kconfig [-n] [-d destdir] [-M modulepath] [--allow-missing] SYSTEM_NAME"]);
}

/** The command's work, separate from argv parsing (tests call it). */
export async function runKconfig(file: string, opts: KconfigOptions): Promise<void> {
  const modes = [opts.yaml, opts.show, opts.extract].filter(Boolean).length;
  if (modes > 1) usage("--yaml, --show and -x are mutually exclusive");
  if (opts.json && !opts.show) usage("--json goes with --show");

  if (opts.show || opts.extract) {
    const { readImageFile } = await import("../image/image.js");
    const img = readImageFile(file);
    if (opts.extract) {
      if (img.configText === undefined) throw new CliError(`${file}: the image carries no configuration text (it was built without options INCLUDE_CONFIG_FILE)`);
      process.stdout.write(img.configText.endsWith("\n") ? img.configText : img.configText + "\n");
      return;
    }
    const show = await import("../config/show_image.js");
    if (opts.json) printJson("kldsim.kconfig.image/1", show.showImageJson(img));
    else printLines(show.showImageLines(img, file));
    return;
  }

  const { loadConfig } = await import("../config/load_config.js");
  const { formatDiagnostic } = await import("../config/diagnostics.js");
  const load: LoadResult = loadConfig(file, { includeDirs: opts.includeDir });
  for (const d of load.diagnostics.all) process.stderr.write(formatDiagnostic(d) + "\n");
  const nerr = load.diagnostics.errors.length;
  if (nerr > 0) throw new CliError(`${load.file}: ${nerr} error${nerr === 1 ? "" : "s"}, no kernel image built`, EX_FAILURE);

  if (opts.yaml) {
    const { configToYaml } = await import("../config/to_yaml.js");
    process.stdout.write(configToYaml(load.config, `${load.file} as YAML (kconfig(5))`));
    return;
  }

  const build = await import("../config/build_image.js");
  const progress = startProgress(`kconfig: building ${load.config.ident ?? load.file}`, opts.json);
  let result;
  try {
    result = build.buildKernel(load, {
      ...(opts.destdir !== undefined ? { destdir: opts.destdir } : {}),
      modulePath: opts.modulePath,
      allowMissing: Boolean(opts.allowMissing),
      checkResources: Boolean(opts.checkResources),
      dryRun: Boolean(opts.dryRun),
    });
  } catch (e) {
    progress.stop();
    if (e instanceof build.MissingModulesError) {
      throw new CliError(`${load.file}: no module object for ${e.missing.length} configured name${e.missing.length === 1 ? "" : "s"}:`, EX_FAILURE, [
        ...e.missing.map((m) => `  ${m.module}.ko, wanted by ${m.wantedBy.join(", ")}`),
        `searched: ${e.searched.length ? e.searched.join(", ") : "(no directories)"}`,
        "add a directory with -M, or build without them with --allow-missing",
        ...(e.conflicts.length > 0 ? ["and the resources overlap (Device busy):", ...e.conflicts.map((c) => `  ${c}`)] : []),
      ]);
    }
    if (e instanceof build.BuildError) {
      throw new CliError(`${load.file}: ${e.info.text}:`, EX_FAILURE, e.problems.map((p) => `  ${p}`));
    }
    const { KernelError } = await import("../errno/kernel_error.js");
    if (e instanceof KernelError) {
      const { kernelFailure } = await import("./diagnostics.js");
      throw kernelFailure(e, e.subject ?? load.file);
    }
    throw e;
  }
  progress.stop();
  for (const w of result.warnings) process.stderr.write(`kconfig: WARNING: ${w}\n`);
  const img = result.image;
  const summary = `${img.modules.length} static module${img.modules.length === 1 ? "" : "s"}, ${img.devices.length} device${img.devices.length === 1 ? "" : "s"}, ${img.options.length} option${img.options.length === 1 ? "" : "s"}`;
  if (result.imagePath === undefined) process.stdout.write(`${load.file}: configuration is valid (${summary}); -n: no image written\n`);
  else process.stdout.write(`Kernel image is ${result.imagePath} (${summary})\n`);
}

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  return runProgram(buildKconfig(), argv);
}
