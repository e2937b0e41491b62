/**
 * `kld boot [-f] [-m MACHINE.yaml] [-l LOADER_CONF] [-w MS] [IMAGE]`: start
 * the kernel daemon.  Detached by default: spawns the daemon (by path,
 * src/daemon/launch.ts), waits until the kernel answers, prints one line
 * saying where the socket is, and returns.  With -f it stays with the
 * daemon: boot log on stdout, Ctrl-C (SIGINT) or SIGTERM shuts down
 * cleanly, exit 0.
 * IMAGE: a kernel image from kconfig; without one, $KLD_IMAGE, else the
 * default image compile/GENERIC/kernel of the package, (re)built from
 * configs/GENERIC first when missing or older than its inputs (as
 * `kconfig --allow-missing configs/GENERIC` would, warnings on stderr);
 * `none` boots the core kernel only.  MACHINE: -m, else $KLD_MACHINE, else
 * configs/machines/pc97.yaml; `none` = no emulated machine.  The image is
 * validated by the kernel at boot (init_main.ts): a damaged one fails the
 * boot with exit status 1 and no daemon left.
 * Caller: src/cli/kld.ts.  FreeBSD counterpart: loader(8)'s `boot`.
 */
import type { Command } from "commander";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundledModuleDirs, defaultMachinePath, packageRoot } from "../../package_paths.js";
import type { BootSettings } from "../../rpc/protocol.js";
import type { ConnectionLimits } from "../../daemon/launch.js";
import { checkHostFile, type FileKind } from "../../errno/host_file.js";
import { KernelError } from "../../errno/kernel_error.js";
import { CliError, EX_USAGE } from "../cli_error.js";
import { checkMachineFile } from "../machine_file.js";

interface BootOptions {
  readonly f?: boolean;
  readonly machine?: string;
  readonly json?: boolean;
  readonly l?: string;
  readonly w?: string;
}

/** A whole number in [min, max] from an option or the environment; usage error otherwise. */
function boundedInt(raw: string, source: string, what: string, unit: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(`invalid ${what} '${raw}' (${source}): expected ${unit} between ${min} and ${max}`, EX_USAGE);
  }
  return n;
}

/** The watchdog bound: -w, else $KLD_WATCHDOG_MS, else 10 s. */
export function watchdogMs(option: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const raw = option ?? env["KLD_WATCHDOG_MS"];
  if (raw === undefined || raw === "") return 10_000;
  return boundedInt(raw, option !== undefined ? "-w" : "KLD_WATCHDOG_MS", "watchdog time", "milliseconds", 1, 3_600_000);
}

/** $KLD_MAX_CONNECTIONS and $KLD_IDLE_TIMEOUT_MS, when set (the daemon has defaults). */
export function connectionLimits(env: NodeJS.ProcessEnv = process.env): ConnectionLimits {
  const max = env["KLD_MAX_CONNECTIONS"];
  const idle = env["KLD_IDLE_TIMEOUT_MS"];
  return {
    ...(max ? { maxConnections: boundedInt(max, "KLD_MAX_CONNECTIONS", "connection limit", "a count", 1, 65_536) } : {}),
    ...(idle ? { idleTimeoutMs: boundedInt(idle, "KLD_IDLE_TIMEOUT_MS", "idle timeout", "milliseconds", 100, 86_400_000) } : {}),
  };
}

/**
 * A file the daemon will read, checked here first (exists, a regular file,
 * within its size limit: src/errno/host_file.ts) so that a bad one fails
 * the boot before any daemon is started.
 */
function checkedFile(what: string, path: string | undefined, kind: FileKind): string | null {
  if (path === undefined) return null;
  const abs = resolve(path);
  try {
    checkHostFile(abs, kind);
  } catch (e) {
    if (e instanceof KernelError) throw new CliError(`can't boot with ${what} ${path}: ${e.info.text}`, 1, e.detail ? [e.detail] : []);
    throw e;
  }
  return abs;
}

/** The default machine: configs/machines/pc97.yaml. */
export function defaultMachine(): string {
  return defaultMachinePath();
}

function newestMtime(paths: readonly string[]): number {
  let t = 0;
  for (const p of paths) {
    try {
      t = Math.max(t, statSync(p).mtimeMs);
    } catch {
      /* a missing input is the build's problem */
    }
  }
  return t;
}

/**
 * compile/GENERIC/kernel, built from configs/GENERIC first if it is missing
 * or older than the configuration or any bundled module object.
 */
export async function defaultImage(): Promise<string> {
  const root = packageRoot();
  const config = join(root, "configs", "GENERIC");
  const destdir = join(root, "compile", "GENERIC");
  const image = join(destdir, "kernel");
  const inputs = [config];
  for (const dir of bundledModuleDirs()) for (const f of readdirSync(dir)) if (f.endsWith(".ko")) inputs.push(join(dir, f));
  if (existsSync(image) && statSync(image).mtimeMs >= newestMtime(inputs)) return image;
  const { loadConfig } = await import("../../config/load_config.js");
  const { formatDiagnostic } = await import("../../config/diagnostics.js");
  const { buildKernel } = await import("../../config/build_image.js");
  const load = loadConfig(config, { includeDirs: [] });
  for (const d of load.diagnostics.all) process.stderr.write(formatDiagnostic(d) + "\n");
  let result;
  try {
    result = buildKernel(load, { destdir, allowMissing: true });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new CliError(`can't build the default kernel image from ${config}: ${msg}`);
  }
  for (const w of result.warnings) process.stderr.write(`kconfig: WARNING: ${w}\n`);
  process.stderr.write(`kld: built ${image} from ${config}\n`);
  return image;
}

export async function bootSettings(
  image: string | undefined,
  opts: BootOptions,
  socketPath: (env: NodeJS.ProcessEnv) => string,
  env = process.env,
): Promise<BootSettings> {
  const imageArg = image ?? env["KLD_IMAGE"];
  const machineArg = opts.machine ?? env["KLD_MACHINE"];
  return {
    image: imageArg === "none" ? null : imageArg === undefined || imageArg === "" ? await defaultImage() : checkedFile("image", imageArg, "image"),
    machine: machineArg === "none" ? null : checkedFile("machine", machineArg || defaultMachine(), "machine"),
    loaderConf: checkedFile("loader.conf", opts.l, "loaderConf"),
    foreground: Boolean(opts.f),
    watchdogMs: watchdogMs(opts.w, env),
    socket: resolve(socketPath(env)),
  };
}

/** `kld: kernel already running at PATH: File exists`, err(3) style. */
function bootFailure(message: string, errnoText: string | undefined, detail: string | undefined): CliError {
  if (detail && errnoText) return new CliError(`${detail}: ${errnoText}`);
  return new CliError(`can't boot kernel: ${message}`);
}

/** Start the daemon (launch.ts); -f stays with it until it exits. */
async function boot(settings: BootSettings, json: boolean): Promise<void> {
  const { LaunchError, attend, launchDaemon } = await import("../../daemon/launch.js");
  const progress = settings.foreground ? null : (await import("../spinner.js")).startProgress("booting kernel", json);
  let launched;
  try {
    launched = await launchDaemon({ settings, explicitSocket: Boolean(process.env["KLD_SOCKET"]), limits: connectionLimits() });
  } catch (e) {
    throw e instanceof LaunchError ? new CliError(e.message) : e;
  } finally {
    progress?.stop();
  }
  const { report } = launched;
  if (report.type === "failed") {
    const { errno } = await import("../../errno/errno.js");
    throw bootFailure(report.message, report.errno ? errno(report.errno).text : undefined, report.detail);
  }
  if (!settings.foreground) {
    if (json) (await import("../output.js")).printJson("kldsim.boot/1", { socket: report.socket, pid: report.pid });
    else process.stdout.write(`kernel running at ${report.socket} (pid ${report.pid})\n`);
    if (settings.loaderConf) await reportFailedPreloads(report.socket);
    return;
  }
  process.stderr.write(`kld: kernel running at ${report.socket} (pid ${report.pid}); Ctrl-C shuts it down\n`);
  process.exitCode = await attend(launched);
}

/** Parse loader.conf here first, so that a bad one fails before a daemon starts. */
async function checkLoaderConf(abs: string, shown: string): Promise<void> {
  const { readHostText } = await import("../../errno/host_file.js");
  const { parseLoaderConf } = await import("../../image/loader_conf.js");
  parseLoaderConf(readHostText(abs, "loaderConf"), shown);
}

/**
 * A loader.conf module that cannot be preloaded does not stop the boot (as
 * with loader(8)), but the user who asked for it is told on stderr, not
 * only in dmesg: `kld: can't preload FILE (loader.conf:LINE): reason`.
 * (In the foreground the boot log on stdout already shows it.)
 */
async function reportFailedPreloads(socket: string): Promise<void> {
  const { withKernel } = await import("../client.js");
  const { text } = await withKernel((k) => k.call("kernel.dmesg", {}), socket);
  for (const line of text.split("\n")) {
    if (line.startsWith("loader: can't preload ")) process.stderr.write(`kld: ${line.slice("loader: ".length)}\n`);
  }
}

export function register(program: Command): void {
  program
    .command("boot")
    .description("boot the kernel daemon (detached; -f: in the foreground)")
    .usage("[-f | --json] [-m machine.yaml] [-l loader.conf] [-w ms] [image]")
    .argument("[image]", "kernel image built by kconfig (default: $KLD_IMAGE, else compile/GENERIC/kernel; none: core kernel only)")
    .option("-f", "run in the foreground: boot log on stdout, Ctrl-C shuts down")
    .option("-m, --machine <machine>", "emulated machine description (YAML; default configs/machines/pc97.yaml; none: no machine)")
    .option("-l <loader_conf>", "loader.conf(5)-style boot settings")
    .option("-w <ms>", "watchdog bound for one kernel request (default 10000, or $KLD_WATCHDOG_MS)")
    .option("--json", "print the socket and pid as JSON (detached boot; kldsim extension)")
    .action(async (image: string | undefined, opts: BootOptions) => {
      if (opts.f && opts.json) throw new CliError("--json is for a detached boot; -f prints the boot log", EX_USAGE);
      const { socketPath } = await import("../../daemon/socket_path.js");
      const settings = await bootSettings(image, opts, socketPath);
      if (settings.machine) await checkMachineFile(settings.machine);
      if (settings.loaderConf) await checkLoaderConf(settings.loaderConf, opts.l!);
      await boot(settings, Boolean(opts.json));
    });
}
