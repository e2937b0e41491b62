/**
 * `kconfig`: build a kernel image from a kernel configuration file (the
 * classic config(8) syntax or YAML).  A placeholder until the configuration
 * language lands (issue 4); that work replaces this file.
 * Caller: bin/kconfig.js.  FreeBSD: usr.sbin/config.
 */
import { runPending } from "./pending.js";

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  return runPending(
    {
      name: "kconfig",
      description: "build a kernel image from a kernel configuration file",
      usage: "[options] SYSTEM_NAME",
      awaits: "the kernel configuration language (issue 4)",
      configure: (p) => p.argument("[config_file]"),
    },
    argv,
  );
}
