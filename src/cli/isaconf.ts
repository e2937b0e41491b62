/**
 * `isaconf`: view and change ISA device instances at run time (FreeBSD 2.x
 * had a `userconfig` for this at boot).  It awaits newbus and the ISA bus
 * driver; until then it only documents itself.
 * Caller: bin/isaconf.js.  FreeBSD: sys/i386/i386/userconfig.c (2.x).
 */
import { runPending } from "./pending.js";

/** The commands of isaconf(8). */
const COMMANDS = ["list", "add", "probe", "change", "remove"] as const;

export function main(argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  return runPending(
    {
      name: "isaconf",
      description: "list and configure ISA device instances at run time",
      usage: "[command] [device] [port|irq|drq|iomem value ...]",
      awaits: "newbus and the ISA bus driver",
      // An unknown command is a usage error (exit 64), as isaconf(8) says.
      configure: (p) =>
        p
          .addArgument(p.createArgument("[command]", "what to do").choices(COMMANDS))
          .argument("[args...]", "device, then resource and value pairs"),
    },
    argv,
  );
}
