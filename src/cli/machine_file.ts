/**
 * Machine files (machine(5)) as the CLIs report them: every problem of the
 * file, one `FILE:LINE: KEY: problem` line each, the first after the
 * program name and the rest below it — the same for `kld machine -m` and
 * for `kld boot -m`, which checks the file before starting a daemon.
 * Callers: src/cli/kld/machine.ts, src/cli/kld/boot.ts.
 */
import { CliError } from "./cli_error.js";

/** Run `fn`; a MachineFileError it throws becomes a CliError listing every problem. */
export async function reportingMachineFileErrors<T>(fn: () => T): Promise<T> {
  const { MachineFileError } = await import("../isa/machine_yaml.js");
  try {
    return fn();
  } catch (e) {
    if (e instanceof MachineFileError) {
      const [first, ...rest] = e.lines();
      throw new CliError(first!, 1, rest);
    }
    throw e;
  }
}

/**
 * Check a machine file's syntax and keys without building the machine (no
 * sockets or files are created).  It is read as the kernel will read it
 * (bounded, a regular text file: src/errno/host_file.ts); a file that cannot
 * be is a KernelError naming it.
 */
export async function checkMachineFile(path: string): Promise<void> {
  const { readHostText } = await import("../errno/host_file.js");
  const { parseMachineYaml } = await import("../isa/machine_yaml.js");
  const text = readHostText(path, "machine");
  await reportingMachineFileErrors(() => parseMachineYaml(text, path));
}
