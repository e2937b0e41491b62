/**
 * `kld`: the umbrella command of kldsim — boot and stop the kernel daemon,
 * and every kernel-linker operation (stat, load, unload, sym, ...) as a
 * subcommand.  Each subcommand lives in src/cli/kld/<name>.ts and exports
 * `register(program)`; this file only lists them.  Subcommand files keep
 * their heavy work behind dynamic imports so that `kld stat` starts fast.
 * Caller: bin/kld.js.  FreeBSD counterparts: sbin/kldload, kldunload,
 * kldstat, kldconfig, kldxref (one binary each there).
 */
import type { Command } from "commander";
import { CliError, EX_USAGE } from "./cli_error.js";
import { createProgram, runProgram } from "./program.js";

export interface Subcommand {
  register(program: Command): void;
}

/**
 * The subcommands, in `kld --help` order: the name the module registers and
 * how to load it.  Add yours with one line.  Only the module that argv names
 * is loaded (so `kld stat` does not pay for `kld build`), also for `kld help
 * NAME`; help, version and unknown names load them all.
 */
export const SUBCOMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Subcommand>]> = [
  ["boot", () => import("./kld/boot.js")],
  ["shutdown", () => import("./kld/shutdown.js")],
  ["reboot", () => import("./kld/reboot.js")],
  ["status", () => import("./kld/status.js")],
  ["stat", () => import("./kld/stat.js")],
  ["load", () => import("./kld/load.js")],
  ["unload", () => import("./kld/unload.js")],
  ["sym", () => import("./kld/sym.js")],
  ["config", () => import("./kld/config.js")],
  ["xref", () => import("./kld/xref.js")],
  ["vm", () => import("./kld/vm.js")],
  ["malloc", () => import("./kld/malloc.js")],
  ["dmesg", () => import("./kld/dmesg.js")],
  ["conftxt", () => import("./kld/conftxt.js")],
  ["machine", () => import("./kld/machine.js")],
  ["build", () => import("./kld/build.js")],
];

export async function buildKld(argv: readonly string[] = []): Promise<Command> {
  const program = createProgram("kld", "control the kldsim kernel and its kernel linker");
  const head = argv[0] === "help" ? argv[1] : argv[0];
  const only = head !== undefined && !head.startsWith("-") ? SUBCOMMANDS.find(([name]) => name === head) : undefined;
  const chosen = only ? [only] : SUBCOMMANDS;
  const modules = await Promise.all(chosen.map(([, load]) => load()));
  for (const m of modules) m.register(program);
  registerHelp(program);
  return program;
}

/** `kld help [CMD]`: the same text as `kld [CMD] --help`, exit 0; an unknown CMD is a usage error. */
function registerHelp(program: Command): void {
  program
    .command("help")
    .description("show the help of kld or of one subcommand")
    .argument("[command]", "a subcommand")
    .action((name: string | undefined) => {
      const sub = name === undefined ? program : program.commands.find((c) => c.name() === name);
      if (!sub) throw new CliError(`unknown command '${name}'; 'kld help' lists them`, EX_USAGE);
      sub.outputHelp();
    });
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  return runProgram(await buildKld(argv), argv);
}
