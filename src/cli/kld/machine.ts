/**
 * `kld machine`: run a standalone emulated PC (no kernel, no daemon) and
 * execute port-level commands on it: `inb 0x3fd`, `outb 0x43 0x34`, `irq`,
 * `show com1`, ... (the language is src/isa/script.ts; the machine file
 * format is machine(5)).  Commands come from -e (repeatable, `;`-separated)
 * and then from SCRIPT (a file, or - for standard input); with neither, from
 * standard input.  Each in* prints one line, the value in hex.  The first
 * failing command is reported as `kld: SOURCE:LINE: COMMAND: problem` and
 * the exit status is 1.  Caller: src/cli/kld.ts.  No FreeBSD counterpart: it
 * plays the part of a bench with a logic probe (or Bochs' debugger `in`/`out`).
 */
import { defaultMachinePath } from "../../package_paths.js";
import { reportingMachineFileErrors } from "../machine_file.js";
import type { Command } from "commander";
import { readFileSync } from "node:fs";
import { CliError } from "../cli_error.js";

interface MachineOptions {
  machine?: string;
  execute: string[];
}

export function register(program: Command): void {
  program
    .command("machine")
    .description("run a standalone emulated machine and execute port-level commands")
    .usage("[-m machine.yaml] [-e 'cmd; cmd ...'] [script]")
    .option("-m, --machine <file>", "machine description (default: configs/machines/pc97.yaml)")
    .option("-e, --execute <commands>", "commands to run, ';'-separated (repeatable)", (v: string, acc: string[]) => [...acc, v], [])
    .argument("[script]", "file of commands, one per line; - for standard input")
    .action(async (script: string | undefined, opts: MachineOptions) => {
      const { loadMachineFile, conflictWarnings } = await import("../../isa/machine_yaml.js");
      const { runScript } = await import("../../isa/script.js");
      const path = opts.machine ?? defaultMachinePath();
      const machine = await reportingMachineFileErrors(() => loadMachineFile(path));
      for (const w of conflictWarnings(machine)) process.stderr.write(`kld: warning: ${w}\n`);
      machine.onLog((m) => process.stderr.write(`kld: ${m}\n`));
      const sources: { name: string; text: string }[] = opts.execute.map((text) => ({ name: "-e", text }));
      if (script !== undefined) {
        sources.push(script === "-" ? { name: "-", text: readFileSync(0, "utf8") } : { name: script, text: await readScript(script) });
      } else if (sources.length === 0) {
        sources.push({ name: "-", text: readFileSync(0, "utf8") });
      }
      try {
        for (const src of sources) {
          const result = runScript(machine, src.text, src.name);
          if (result.output.length > 0) process.stdout.write(result.output.join("\n") + "\n");
          if (result.error !== undefined) throw new CliError(result.error, 1);
        }
      } finally {
        await machine.close();
      }
    });
}

async function readScript(path: string): Promise<string> {
  try {
    const { readHostText } = await import("../../errno/host_file.js");
    return readHostText(path, "script");
  } catch (e) {
    const { toCliError } = await import("../diagnostics.js");
    throw toCliError(e, path);
  }
}
