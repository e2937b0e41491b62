/**
 * `kld unload [-f] [-v] (-i ID | -n FILE | FILE)`: unload a file from the
 * kernel (kldunload(8)).  MOD_QUIESCE may veto (EBUSY) unless -f; MOD_UNLOAD
 * may always veto; a file other files depend on, or one the kernel loaded
 * as a dependency, is refused with EBUSY and a detail naming why.
 * Caller: src/cli/kld.ts.  FreeBSD: sbin/kldunload/kldunload.c.
 */
import type { Command } from "commander";
import { CliError, EX_USAGE } from "../cli_error.js";

interface UnloadOpts {
  readonly f?: boolean;
  readonly v?: boolean;
  readonly i?: string;
  readonly n?: string;
  readonly json?: boolean;
}

export function register(program: Command): void {
  program
    .command("unload")
    .description("unload a file from the kernel (kldunload)")
    .usage("[-f] [-v] [--json] -i id | [-f] [-v] [--json] [-n] name")
    .option("-f", "force: ignore a MOD_QUIESCE veto")
    .option("-v", "print the file's name and id")
    .option("-i <id>", "unload the file with this id")
    .option("-n <name>", "unload the file with this name")
    .option("--json", "print the files that left the kernel as JSON (kldsim extension)")
    .argument("[name]", "file name (hello.ko) or module-style name (hello)")
    .action(async (name: string | undefined, opts: UnloadOpts) => {
      const { withKernel } = await import("../client.js");
      const { toCliError } = await import("../diagnostics.js");
      const { RpcError } = await import("../../rpc/rpc_error.js");
      const byName = opts.n ?? name;
      if ((opts.i === undefined) === (byName === undefined) || (opts.n !== undefined && name !== undefined)) {
        throw new CliError("give exactly one of -i ID, -n NAME or NAME\nusage: kld unload [-f] [-v] -i id | [-f] [-v] [-n] name", EX_USAGE);
      }
      let id: number | undefined;
      if (opts.i !== undefined) {
        id = Number(opts.i);
        if (!/^\d+$/.test(opts.i) || !Number.isSafeInteger(id)) throw new CliError(`invalid file id ${opts.i}`, EX_USAGE);
      }
      await withKernel(async (k) => {
        try {
          const r = await k.call("kld.unload", {
            ...(id !== undefined ? { id } : { file: byName! }),
            ...(opts.f ? { force: true } : {}),
          });
          if (opts.json) (await import("../output.js")).printJson("kldsim.kldunload/1", r);
          else if (opts.v) process.stdout.write(`Unloading ${r.name}, id=${r.id}\n`);
        } catch (e) {
          const ke = e instanceof RpcError ? e.kernelError() : undefined;
          if (ke?.info.name === "ENOENT") {
            throw new CliError(id !== undefined ? `can't find file id ${id}` : `can't find file ${byName}`);
          }
          throw toCliError(e, "can't unload file");
        }
      });
    });
}
