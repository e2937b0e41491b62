/**
 * Builds and runs a commander program the kldsim way: `-h, --help` (FreeBSD
 * users type -h; no kldsim command uses it for anything else), `-V, --version` on the
 * top-level command, usage errors as `prog: message` plus a `usage:` line on
 * stderr with exit 64, and every failure thrown by an action printed
 * err(3)-style with its exit code.
 * Callers: each binary's file (src/cli/kld.ts, modload.ts, ...).
 * FreeBSD counterpart: the getopt(3)/usage() idiom of sbin/kld*.
 */
import { createRequire } from "node:module";
import type { Command as CommandT, CommanderError as CommanderErrorT } from "commander";

// commander is CommonJS.  Requiring it directly skips the ESM wrapper and
// Node's CJS export scan, a measurable part of `kld stat`'s start-up.
const { Command } = createRequire(import.meta.url)("commander") as typeof import("commander");
type Command = CommandT;
type CommanderError = CommanderErrorT;
import { KLDSIM_VERSION } from "../version.js";
import { EX_OK, EX_USAGE } from "./cli_error.js";

/** Thrown by our exit override so run() knows which command misparsed. */
class UsageError extends Error {
  constructor(
    readonly commander: CommanderError,
    readonly command: Command,
  ) {
    super(commander.message);
  }
}

export function createProgram(name: string, description: string): Command {
  const program = new Command(name);
  program
    .description(description)
    .version(KLDSIM_VERSION, "-V, --version", "print the kldsim version")
    .helpOption("-h, --help", "show this help")
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureOutput({
      outputError: (str, write) => write(`${name}: ${str.replace(/^error: /, "")}`),
    });
  return program;
}

/** The full `usage:` line of a command (`usage: kld stat [--json]`). */
export function usageLine(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return `usage: ${names.join(" ")} ${cmd.usage()}`;
}

function installExitOverride(cmd: Command): void {
  cmd.exitOverride((err) => {
    throw new UsageError(err, cmd);
  });
  for (const sub of cmd.commands) installExitOverride(sub);
}

/**
 * Parse argv (without node and script) and run the action; exits the
 * process with the right code.  Never returns normally.
 */
export async function runProgram(program: Command, argv: readonly string[]): Promise<never> {
  installExitOverride(program);
  const prog = program.name();
  try {
    await program.parseAsync([...argv], { from: "user" });
    process.exitCode = process.exitCode ?? EX_OK;
  } catch (e) {
    if (e instanceof UsageError) {
      const code = e.commander.code;
      if (code === "commander.helpDisplayed" || code === "commander.version") {
        process.exitCode = EX_OK;
      } else {
        // "commander.help" = help printed because a subcommand is missing.
        if (code !== "commander.help") process.stderr.write(usageLine(e.command) + "\n");
        process.exitCode = EX_USAGE;
      }
    } else {
      const { printError, toCliError } = await import("./diagnostics.js");
      const err = toCliError(e);
      printError(prog, err);
      process.exitCode = err.exitCode;
    }
  }
  // Let stdout drain before exiting (pipes are asynchronous).
  await new Promise<void>((r) => (process.stdout.writableNeedDrain ? process.stdout.once("drain", r) : r()));
  process.exit();
}

