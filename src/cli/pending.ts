/**
 * Binaries that exist for their --help and --version but whose work is
 * still to come: they refuse to pretend.  `run` prints what the binary will
 * do and which work it awaits, and exits 1 with ENOSYS's FreeBSD text
 * ("Function not implemented").
 * Callers: src/cli/isaconf.ts (until newbus lands).
 */
import type { Command } from "commander";
import { CliError } from "./cli_error.js";
import { createProgram, runProgram } from "./program.js";

export interface PendingBinary {
  readonly name: string;
  readonly description: string;
  readonly usage: string;
  /** What must land before this binary works (an issue, a subsystem). */
  readonly awaits: string;
  readonly configure?: (program: Command) => void;
}

export function pendingProgram(spec: PendingBinary): Command {
  const program = createProgram(spec.name, `${spec.description}\n\nNot yet available: awaits ${spec.awaits}.`);
  program.usage(spec.usage).allowUnknownOption(false);
  spec.configure?.(program);
  program.action(() => {
    throw new CliError(`not yet available: awaits ${spec.awaits}: Function not implemented`);
  });
  return program;
}

export function runPending(spec: PendingBinary, argv: readonly string[]): Promise<never> {
  return runProgram(pendingProgram(spec), argv);
}
